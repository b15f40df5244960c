"""Planted breaches: per rule, subjects that are otherwise quiet and lawful and carry exactly the
breach (its findings named in `planted.csv`). Each rule has one or more variants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from auditkit.synth.background import ACCOUNTING, AMOUNTS, _vehicle_frame
from auditkit.synth.base import (
    D2013,
    D2015,
    D2016H2,
    D2017,
    D2020,
    D2021,
    D2023,
    D2024,
    D2025,
    DAY_S,
    LAST,
    NA,
    NOTES,
    RECIPIENTS,
    _at,
    _between,
    _business_ids,
    _day,
    _frame,
    _ids,
    _people,
    _random_hetus,
    _Tables,
    _unique_hetus,
)


# ---- planted breaches ------------------------------------------------------------------------
@dataclass
class _Batch:
    """Planted subjects: their numbers, creation days and last days of activity."""

    sid: np.ndarray
    created: np.ndarray
    last: np.ndarray
    email: pl.Series


class _Plants:
    """Builds planted breaches: each on a subject of its own that is otherwise quiet and lawful
    (a vehicle and two service text messages, nothing else), unless the breach says otherwise."""

    def __init__(self, first_sid: int, pid_serial: int) -> None:
        self.tables = _Tables()
        self.next_sid = first_sid
        self.pid_serial = pid_serial
        self.serial = 0  # orphan subject references and duplicated message ids

    def quiet(
        self,
        rng: np.random.Generator,
        k: int,
        *,
        created: np.ndarray | None = None,
        last: np.ndarray | None = None,
        ended: np.ndarray | None = None,
        org: bool = False,
        protected: bool = False,
        pid: str | None = None,
        bad_business_id: bool = False,
        erased_on: np.ndarray | None = None,
        keep_names: bool = False,
        email: pl.Series | None = None,
        fax: str | None = None,
        plant: str | None = None,
    ) -> _Batch:
        sid = self.next_sid + np.arange(k)
        self.next_sid += k
        if created is None:
            created = _between(rng, D2016H2, D2021 - 1, k)
        if last is None:
            last = _between(rng, D2025, LAST - 10, k)
        if erased_on is not None:
            last = _between(rng, created, erased_on - 30, k)
        people = _people(rng, sid, np.full(k, org))
        if bad_business_id:
            people["business_id"] = _business_ids(rng, k, wrong_check=True)
        if email is not None:
            people["email"] = email
        personal_id = None
        if pid is not None:
            serials = self.pid_serial + np.arange(k)
            self.pid_serial += k
            personal_id = _unique_hetus(serials, wrong_check=pid == "wrong")
        erased_at = NA
        if erased_on is not None:
            erased_at = _at(rng, erased_on)
            received = erased_at - _between(rng, 5, 20, k) * DAY_S
            self.request(sid, "erasure", received, completed=erased_at, outcome="fulfilled")
            if not keep_names:
                for column in ("first_name", "last_name", "email", "phone", "street_address"):
                    people[column] = None
        self.tables.add(
            "subjects",
            _frame(
                "subjects",
                k,
                sid=sid,
                **people,
                personal_id=personal_id,
                created_at=created,
                relationship_ended_at=ended,
                last_activity_at=last,
                protected=protected,
                erased_at=erased_at,
                fax=fax,
                _plant=plant,
            ),
        )
        if erased_on is None:
            self.tables.add("vehicles", _vehicle_frame(rng, sid, _between(rng, created, last, k)))
            for _ in range(2):
                sent = _at(rng, _between(rng, created, last, k))
                self.message(sid, sent, "sms", "service", group="service")
        return _Batch(sid, created, last, people["email"])

    def message(
        self,
        sid: np.ndarray,
        sent: np.ndarray,
        channel: str,
        category: str,
        *,
        group: str | None = None,
        body: pl.Series | str | None = None,
        message_id: pl.Series | None = None,
        plant: str | None = None,
    ) -> None:
        campaign = f"CAMP-{category.upper()}" if category in ("marketing", "research") else None
        self.tables.add(
            "communications",
            _frame(
                "communications",
                len(sid),
                message_id=message_id,
                sid=sid,
                channel=channel,
                category=category,
                sent_at=sent,
                campaign_id=campaign,
                product_group=group,
                body=body,
                _plant=plant,
            ),
        )

    def consent(
        self,
        rng: np.random.Generator,
        sid: np.ndarray,
        purpose: str,
        action: str,
        recorded: np.ndarray,
        *,
        source: str | None = "store",
        evidence: bool = True,
        plant: str | None = None,
    ) -> None:
        k = len(sid)
        self.tables.add(
            "consents",
            _frame(
                "consents",
                k,
                sid=sid,
                purpose=purpose,
                action=action,
                recorded_at=recorded,
                source=source,
                evidence_ref=_ids("EV", rng.integers(0, 10**9, k), 9) if evidence else None,
                notice_version="2021-08",
                _plant=plant,
            ),
        )

    def contract(
        self,
        sid: np.ndarray,
        kind: str,
        signed: np.ndarray,
        *,
        ends: np.ndarray | int = NA,
        closed: np.ndarray | int = NA,
        plant: str | None = None,
    ) -> None:
        k = len(sid)
        self.tables.add(
            "contracts",
            _frame(
                "contracts",
                k,
                sid=sid,
                kind=kind,
                signed_at=signed,
                ends_at=np.broadcast_to(np.asarray(ends, np.int64), k).copy(),
                closed_at=np.broadcast_to(np.asarray(closed, np.int64), k).copy(),
                amount_eur=float(AMOUNTS[kind][1]),
                accounting_record=kind in ACCOUNTING,
                _plant=plant,
            ),
        )

    def disclosure(
        self,
        sid: np.ndarray,
        disclosed: np.ndarray,
        recipient: str,
        category: str | None,
        purpose: str,
        categories: str,
        *,
        country: str = "FI",
        safeguard: str = "none",
        confirmed: np.ndarray | int = NA,
        plant: str | None = None,
    ) -> None:
        k = len(sid)
        self.tables.add(
            "disclosures",
            _frame(
                "disclosures",
                k,
                sid=sid,
                recipient=recipient,
                recipient_category=category,
                purpose=purpose,
                country=country,
                safeguard=safeguard,
                data_categories=categories,
                disclosed_at=disclosed,
                deletion_confirmed_at=np.broadcast_to(np.asarray(confirmed, np.int64), k).copy(),
                _plant=plant,
            ),
        )

    def request(
        self,
        sid: np.ndarray,
        kind: str,
        received: np.ndarray,
        *,
        completed: np.ndarray | int = NA,
        extension: np.ndarray | int = NA,
        outcome: str | None = None,
        plant: str | None = None,
    ) -> None:
        k = len(sid)
        self.tables.add(
            "requests",
            _frame(
                "requests",
                k,
                sid=sid,
                kind=kind,
                received_at=received,
                extension_notified_at=np.broadcast_to(np.asarray(extension, np.int64), k).copy(),
                completed_at=np.broadcast_to(np.asarray(completed, np.int64), k).copy(),
                outcome=outcome,
                _plant=plant,
            ),
        )

    def note(
        self, sid: np.ndarray, created: np.ndarray, text: pl.Series | str, plant: str | None = None
    ) -> None:
        self.tables.add(
            "notes",
            _frame("notes", len(sid), sid=sid, created_at=created, text=text, _plant=plant),
        )

    def serials(self, k: int) -> np.ndarray:
        self.serial += k
        return np.arange(self.serial - k, self.serial)


def _split(k: int, parts: int) -> list[int]:
    """k planted breaches spread over `parts` variants (the first ones get the remainder)."""
    return [k // parts + (1 if i < k % parts else 0) for i in range(parts)]


def _d(year: int, month: int, day: int) -> int:
    return _day(date(year, month, day))


Planter = Callable[[_Plants, np.random.Generator, int], None]


def _ret001(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    ended = _between(rng, _d(2018, 1, 1), _d(2021, 3, 31), a)  # end + P3Y + P2Y has passed
    created = _between(rng, D2016H2, _d(2017, 6, 30), a)
    p.quiet(rng, a, created=created, last=ended, ended=ended, plant="RET001")
    created = _between(rng, D2013, _d(2014, 12, 31), b)  # inactive since 2013-2015
    p.quiet(rng, b, created=created, last=created + rng.integers(0, 301, b), plant="RET001")


def _ret002(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b, c = _split(k, 3)
    s = p.quiet(rng, a)  # an offer never purged (P1Y)
    p.contract(s.sid, "offer", _between(rng, _d(2023, 1, 10), _d(2025, 4, 30), a), plant="RET002")
    s = p.quiet(rng, b)  # a test drive (P6M)
    day = _between(rng, _d(2024, 3, 1), _d(2025, 11, 30), b)
    p.contract(s.sid, "test_drive", day, closed=day, plant="RET002")
    s = p.quiet(rng, c, created=_between(rng, D2016H2, D2017 - 1, c))  # accounting hold over
    day = _between(rng, _d(2017, 1, 10), _d(2019, 12, 10), c)
    p.contract(s.sid, "sale", day, closed=day + 2, plant="RET002")


def _ret003(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    p.quiet(rng, a, pid="valid", plant="RET003")  # an identity code nothing needs
    s = p.quiet(rng, b, pid="valid", plant="RET003")  # taken at a cash sale
    day = _between(rng, _d(2022, 1, 1), _d(2024, 12, 31), b)
    p.contract(s.sid, "sale", day, closed=day)


def _ret004(p: _Plants, rng: np.random.Generator, k: int) -> None:
    for table, size in zip(
        ("subjects", "vehicles", "communications", "notes"), _split(k, 4), strict=True
    ):
        created = _between(rng, D2016H2, _d(2019, 12, 31), size)
        erased_on = _between(rng, _d(2024, 1, 10), _d(2026, 5, 31), size)
        s = p.quiet(
            rng,
            size,
            created=created,
            erased_on=erased_on,
            keep_names=table == "subjects",
            plant=f"RET004@{table}",
        )
        before = _between(rng, created, erased_on - 1, size)
        if table == "vehicles":
            p.tables.add("vehicles", _vehicle_frame(rng, s.sid, before))
        elif table == "communications":
            for _ in range(3):
                sent = _at(rng, _between(rng, created, erased_on - 1, size))
                p.message(s.sid, sent, "email", "service", group="service")
        elif table == "notes":
            p.note(s.sid, _at(rng, before), NOTES[0])


def _con001(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)  # no consent; tyres are not an own product group
    sent = _at(rng, _between(rng, D2023, _d(2026, 6, 1), a))
    p.message(s.sid, sent, "email", "marketing", group="tyres", plant="CON001")
    s = p.quiet(rng, b)  # no consent, no product group
    sent = _at(rng, _between(rng, D2023, _d(2026, 6, 1), b))
    p.message(s.sid, sent, "sms", "marketing", plant="CON001")


def _con002(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)  # e-mail marketing after the permission was withdrawn
    granted = _between(rng, D2021, _d(2023, 6, 30), a)
    withdrawn = granted + _between(rng, 100, 400, a)
    p.consent(rng, s.sid, "email_marketing", "grant", _at(rng, granted), source="web_form")
    p.consent(rng, s.sid, "email_marketing", "withdraw", _at(rng, withdrawn), source="email_reply")
    sent = _at(rng, withdrawn + _between(rng, 10, 100, a))
    p.message(s.sid, sent, "email", "marketing", group="vehicles", plant="CON002")
    s = p.quiet(rng, b)  # a letter after an SMS objection (the objection is global)
    objected = _between(rng, D2021, _d(2025, 6, 30), b)
    p.consent(rng, s.sid, "sms_marketing", "object", _at(rng, objected), source="phone")
    sent = _at(rng, objected + _between(rng, 5, 200, b))
    p.message(s.sid, sent, "post", "marketing", group="accessories", plant="CON002")


def _con003(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # a survey after a market-research prohibition
    objected = _between(rng, D2021, _d(2025, 6, 30), k)
    p.consent(rng, s.sid, "market_research", "object", _at(rng, objected), source="email_reply")
    sent = _at(rng, objected + _between(rng, 5, 300, k))
    p.message(s.sid, sent, "email", "research", plant="CON003")


def _con004(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)  # a grant in force with no evidence
    at = _at(rng, _between(rng, D2021, _d(2025, 12, 31), a))
    p.consent(rng, s.sid, "email_marketing", "grant", at, evidence=False, plant="CON004")
    s = p.quiet(rng, b)  # ... with no source
    at = _at(rng, _between(rng, D2021, _d(2025, 12, 31), b))
    p.consent(rng, s.sid, "sms_marketing", "grant", at, source=None, plant="CON004")


def _con005(p: _Plants, rng: np.random.Generator, k: int) -> None:
    created = _between(rng, D2013, D2015, k)  # a grant older than consent.max_age (P10Y)
    s = p.quiet(rng, k, created=created)
    at = _at(rng, created + _between(rng, 0, 150, k))
    p.consent(rng, s.sid, "email_marketing", "grant", at, source="store", plant="CON005")


def _disclosed(
    rng: np.random.Generator, k: int, lo: int = D2021, hi: int = _d(2026, 3, 31)
) -> np.ndarray:
    return _at(rng, _between(rng, lo, hi, k))


def _dis001(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)
    p.disclosure(s.sid, _disclosed(rng, a), "Lakeuden Perintä Oy", "debt_collector",
                 "debt_collection", "identity;contact", plant="DIS001")  # fmt: skip
    s = p.quiet(rng, b)
    p.disclosure(s.sid, _disclosed(rng, b), "Lakeuden Autopesu Oy", None, "contract",
                 "identity;vehicle", plant="DIS001")  # fmt: skip


def _dis002(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)
    p.disclosure(s.sid, _disclosed(rng, a), "Kia Finland Oy", "importer", "marketing",
                 "identity;contact;vehicle", plant="DIS002")  # fmt: skip
    s = p.quiet(rng, b)
    p.disclosure(s.sid, _disclosed(rng, b), "Nordea Rahoitus Suomi Oy", "finance_company",
                 "credit_check", "identity;contact", plant="DIS002")  # fmt: skip


def _dis003(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b, c = _split(k, 3)
    s = p.quiet(rng, a)
    p.disclosure(s.sid, _disclosed(rng, a), "Ford Motor Company", "importer", "warranty",
                 "identity;vehicle", country="US", plant="DIS003")  # fmt: skip
    s = p.quiet(rng, b)  # before the Data Privacy Framework's decision
    p.disclosure(s.sid, _disclosed(rng, b, hi=_d(2023, 6, 30)), "Ford Motor Company", "importer",
                 "warranty", "identity;vehicle", country="US", safeguard="dpf",
                 plant="DIS003")  # fmt: skip
    s = p.quiet(rng, c)
    p.disclosure(s.sid, _disclosed(rng, c), "Volvo Cars Asia Pacific", "importer", "safety",
                 "identity;vehicle", country="CN", safeguard="adequacy",
                 plant="DIS003")  # fmt: skip


def _dis004(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # adequate, but not declared for the category
    p.disclosure(s.sid, _disclosed(rng, k), "Helvetia Autokredit AG", "finance_company",
                 "contract", "identity;contact", country="CH", safeguard="adequacy",
                 plant="DIS004")  # fmt: skip


def _dis005(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)
    p.disclosure(s.sid, _disclosed(rng, a), "If Vahinkovakuutus Oy", "insurance_company",
                 "third_party_marketing", "identity;contact", plant="DIS005")  # fmt: skip
    s = p.quiet(rng, b)
    p.disclosure(s.sid, _disclosed(rng, b), RECIPIENTS["marketing_processor"][0],
                 "marketing_processor", "third_party_marketing", "identity;contact",
                 plant="DIS005")  # fmt: skip


def _dis006(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    vendor = RECIPIENTS["research_vendor"][0]
    s = p.quiet(rng, a)  # deletion never confirmed
    p.disclosure(s.sid, _disclosed(rng, a, D2024, _d(2026, 1, 31)), vendor, "research_vendor",
                 "customer_satisfaction", "identity;contact", plant="DIS006")  # fmt: skip
    s = p.quiet(rng, b)  # confirmed late
    at = _disclosed(rng, b, D2023, _d(2025, 12, 31))
    confirmed = at + _between(rng, 100, 150, b) * DAY_S
    p.disclosure(s.sid, at, vendor, "research_vendor", "market_research", "identity;contact",
                 confirmed=confirmed, plant="DIS006")  # fmt: skip


def _dis007(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k, protected=True)
    p.disclosure(s.sid, _disclosed(rng, k), "OP Yrityspankki Oyj", "finance_company", "contract",
                 "identity;contact", plant="DIS007")  # fmt: skip


def _dis008(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)
    p.disclosure(s.sid, _disclosed(rng, k), "Pohjola Vakuutus Oy", "insurance_company",
                 "contract", "identity;contact;transactions", plant="DIS008")  # fmt: skip


def _dis009(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # handed to the mailing house after an objection
    objected = _between(rng, D2021, _d(2025, 6, 30), k)
    p.consent(rng, s.sid, "email_marketing", "object", _at(rng, objected), source="phone")
    at = _at(rng, objected + _between(rng, 10, 200, k))
    p.disclosure(s.sid, at, RECIPIENTS["marketing_processor"][0], "marketing_processor",
                 "controller_direct_marketing", "identity;contact", plant="DIS009")  # fmt: skip


def _dis010(p: _Plants, rng: np.random.Generator, k: int) -> None:
    erased_on = _between(rng, _d(2024, 1, 10), _d(2025, 12, 31), k)
    s = p.quiet(rng, k, created=_between(rng, D2016H2, _d(2019, 12, 31), k), erased_on=erased_on)
    at = _at(rng, erased_on + _between(rng, 10, 150, k))
    p.disclosure(s.sid, at, RECIPIENTS["authority"][0], "authority", "register_update", "vehicle",
                 plant="DIS010")  # fmt: skip


def _dsr001(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # still open, past the one-month deadline
    received = _at(rng, _between(rng, LAST - 150, LAST - 60, k))
    p.request(s.sid, "access", received, plant="DSR001")


def _dsr002(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # extended in time, answered after the three months
    received = _at(rng, _between(rng, D2024, _d(2025, 12, 31), k))
    completed = received + _between(rng, 120, 150, k) * DAY_S
    p.request(s.sid, "access", received, extension=received + 10 * DAY_S, completed=completed,
              outcome="fulfilled", plant="DSR002")  # fmt: skip


def _dsr003(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # answered late with no extension notice: DSR002 and DSR003
    received = _at(rng, _between(rng, D2024, _d(2025, 12, 31), k))
    completed = received + _between(rng, 45, 80, k) * DAY_S
    p.request(s.sid, "rectification", received, completed=completed, outcome="fulfilled",
              plant="DSR002 DSR003")  # fmt: skip


def _dsr004(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # an objection that never reached the consents
    received = _at(rng, _between(rng, D2023, _d(2026, 6, 1), k))
    p.request(s.sid, "objection", received, completed=received + 5 * DAY_S, outcome="fulfilled",
              plant="DSR004")  # fmt: skip


def _dsr005(p: _Plants, rng: np.random.Generator, k: int) -> None:
    for outcome, size in zip(("fulfilled", "partially_fulfilled"), _split(k, 2), strict=True):
        s = p.quiet(rng, size)  # erased on paper only
        received = _at(rng, _between(rng, _d(2024, 6, 1), _d(2026, 4, 30), size))
        completed = received + _between(rng, 3, 20, size) * DAY_S
        p.request(s.sid, "erasure", received, completed=completed, outcome=outcome,
                  plant="DSR005")  # fmt: skip


def _dat001(p: _Plants, rng: np.random.Generator, k: int) -> None:
    p.quiet(rng, 1, fax="+358 6 414 1234")  # one unclassified column holding a value


def _text_with(before: str, codes: pl.Series, after: str) -> pl.Series:
    return pl.select(pl.concat_str(pl.lit(before), pl.lit(codes), pl.lit(after))).to_series()


def _dat002(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)  # an identity code typed into a note
    text = _text_with("Rahoitushakemus: hakijan henkilötunnus ", _random_hetus(rng, a),
                      ", tulotiedot tarkistettu.")  # fmt: skip
    created = _at(rng, _between(rng, _d(2022, 1, 1), _d(2026, 5, 31), a))
    p.note(s.sid, created, text, plant="DAT002")
    s = p.quiet(rng, b)  # ... and into an e-mail
    body = _text_with("Hei, tässä pyytämänne tiedot rahoitusta varten: ", _random_hetus(rng, b),
                      ".")  # fmt: skip
    sent = _at(rng, _between(rng, _d(2022, 1, 1), _d(2026, 5, 31), b))
    p.message(s.sid, sent, "email", "transactional", body=body, plant="DAT002")


def _dat003(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b, c = _split(k, 3)
    s = p.quiet(rng, a, pid="wrong", plant="DAT003")  # wrong check character, needed by a credit
    signed = _between(rng, D2023, _d(2025, 12, 31), a)
    p.contract(s.sid, "financing", signed, ends=signed + 4 * 365)
    p.quiet(rng, b, org=True, bad_business_id=True, plant="DAT003")
    s = p.quiet(rng, c)
    p.tables.add(
        "vehicles",
        _vehicle_frame(
            rng, s.sid, _between(rng, s.created, s.last, c), bad_vin=True, plant="DAT003"
        ),  # fmt: skip
    )


def _dat004(p: _Plants, rng: np.random.Generator, k: int) -> None:
    refs = _ids("X", p.serials(k), 8)  # vehicles of subjects the register does not have
    linked = _between(rng, D2020, _d(2026, 5, 31), k)
    p.tables.add("vehicles", _vehicle_frame(rng, None, linked, subject_ref=refs, plant="DAT004"))


def _dat005(p: _Plants, rng: np.random.Generator, k: int) -> None:
    first = p.quiet(rng, k, plant="DAT005")  # the same person twice, by e-mail
    p.quiet(rng, k, email=first.email.str.to_uppercase())


def _dat006(p: _Plants, rng: np.random.Generator, k: int) -> None:
    s = p.quiet(rng, k)  # one message exported twice
    ids = _ids("MD", p.serials(k), 8)
    sent = _at(rng, _between(rng, s.created, s.last, k))
    p.message(s.sid, sent, "sms", "service", group="service", message_id=ids, plant="DAT006")
    p.message(s.sid, sent, "sms", "service", group="service", message_id=ids)


def _dat007(p: _Plants, rng: np.random.Generator, k: int) -> None:
    a, b = _split(k, 2)
    s = p.quiet(rng, a)  # a message dated after the export
    sent = _at(rng, _between(rng, LAST + 2, LAST + 30, a))
    p.message(s.sid, sent, "sms", "service", group="service", plant="DAT007")
    created = _between(rng, D2021, _d(2022, 12, 31), b)  # a sale long before the customer existed
    s = p.quiet(rng, b, created=created)
    signed = created - _between(rng, 30, 300, b)
    p.contract(s.sid, "sale", signed, closed=signed, plant="DAT007")


PLANTERS: dict[str, Planter] = {
    "RET001": _ret001, "RET002": _ret002, "RET003": _ret003, "RET004": _ret004,
    "CON001": _con001, "CON002": _con002, "CON003": _con003, "CON004": _con004,
    "CON005": _con005, "DIS001": _dis001, "DIS002": _dis002, "DIS003": _dis003,
    "DIS004": _dis004, "DIS005": _dis005, "DIS006": _dis006, "DIS007": _dis007,
    "DIS008": _dis008, "DIS009": _dis009, "DIS010": _dis010, "DSR001": _dsr001,
    "DSR002": _dsr002, "DSR003": _dsr003, "DSR004": _dsr004, "DSR005": _dsr005,
    "DAT001": _dat001, "DAT002": _dat002, "DAT003": _dat003, "DAT004": _dat004,
    "DAT005": _dat005, "DAT006": _dat006, "DAT007": _dat007,
}  # fmt: skip
