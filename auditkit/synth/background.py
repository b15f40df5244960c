"""The lawful background register, a chunk of subjects at a time (about 10 messages, 2 consent
events, 1.5 contracts, 0.5 disclosures, 1 vehicle and 0.01 requests per subject)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from auditkit.synth.base import (
    BODIES,
    D2016H2,
    D2020,
    D2022H2,
    D2024,
    D2025H2,
    D2026,
    DAY_S,
    LAST,
    MODELS,
    NA,
    NEVER,
    NOTES,
    NOTICE_VERSIONS,
    RECIPIENTS,
    SOURCES,
    _at,
    _between,
    _choose,
    _civil,
    _day,
    _frame,
    _ids,
    _people,
    _pick,
    _registrations,
    _Tables,
    _unique_hetus,
    _vins,
)

# ---- the lawful background -------------------------------------------------------------------
REQUEST_MIX = {"access": 0.4, "erasure": 0.2, "objection": 0.2, "rectification": 0.15,
               "portability": 0.05}  # fmt: skip
CATEGORY_MIX = {"marketing": 0.5, "service": 0.3, "transactional": 0.1, "safety": 0.03,
                "research": 0.07}  # fmt: skip
CHANNELS = ("email", "sms", "post", "phone")
CHANNEL_MIX = {  # per message category: email, sms, post, phone
    "marketing": (0.6, 0.25, 0.1, 0.05),
    "service": (0.3, 0.6, 0.1, 0.0),
    "transactional": (0.7, 0.3, 0.0, 0.0),
    "safety": (0.3, 0.2, 0.5, 0.0),
    "research": (0.8, 0.1, 0.0, 0.1),
}
PRODUCT_GROUPS = ("vehicles", "service", "accessories", "financing", "tyres")
CONTRACT_MIX = {"service": 0.40, "sale": 0.22, "financing": 0.10, "leasing": 0.03,
                "purchase": 0.05, "warranty": 0.12, "offer": 0.05, "test_drive": 0.03}  # fmt: skip
ACCOUNTING = ("sale", "purchase", "financing", "leasing", "service")
AMOUNTS = {"sale": (6000, 62000), "purchase": (2500, 30000), "financing": (5000, 45000),
           "leasing": (15000, 70000), "service": (90, 2400), "warranty": (0, 1500),
           "offer": (9000, 60000), "test_drive": (0, 0)}  # fmt: skip
DISCLOSURE_MIX = {
    "importer": 0.35,
    "finance_company": 0.12,
    "insurance_company": 0.15,
    "authority": 0.2,
    "marketing_processor": 0.12,
    "research_vendor": 0.06,
}


def _background(
    rng: np.random.Generator, first: int, n: int, pid_serial: int
) -> tuple[_Tables, int]:
    """`n` lawful subjects numbered from `first`, with their rows; returns the next identity-code
    serial."""
    out = _Tables()
    local = np.arange(n)
    sid = first + local
    org = rng.random(n) < 0.08
    created = _between(rng, D2016H2, _day(date(2025, 12, 31)), n)
    ended = np.where(
        rng.random(n) < 0.12, _between(rng, np.maximum(created + 30, D2024), LAST, n), NA
    )
    window_end = np.where(ended != NA, ended, LAST)

    # Requests (1 %): answered within 20 days; an erasure erases the subject, whose other rows
    # then end before it; an objection request is recorded as a prohibition the next day.
    req = np.flatnonzero(rng.random(n) < 0.01)
    kinds = tuple(REQUEST_MIX)
    kind = _choose(rng, len(req), tuple(REQUEST_MIX.values()))
    lo = np.maximum(created[req], D2020)
    room = (lo + 30) <= np.minimum(window_end[req], LAST - 25)
    erasure = (kind == kinds.index("erasure")) & room
    kind = np.where((kind == kinds.index("erasure")) & ~room, kinds.index("access"), kind)
    received_day = np.where(
        erasure,
        _between(rng, lo + 30, np.minimum(window_end[req], LAST - 25), len(req)),
        _between(rng, lo, window_end[req], len(req)),
    )
    received = _at(rng, received_day)
    completed = received + _between(rng, 1, 20, len(req)) * DAY_S + 3600
    is_open = completed // DAY_S > LAST
    completed = np.where(is_open, NA, completed)
    refused = (rng.random(len(req)) < 0.07) & ~erasure
    outcome = np.where(is_open, 3, np.where(refused, 2, 0))
    out.add(
        "requests",
        _frame(
            "requests",
            len(req),
            sid=sid[req],
            kind=_pick(kinds, kind),
            received_at=received,
            completed_at=completed,
            outcome=_pick(("fulfilled", "partially_fulfilled", "refused", None), outcome),
        ),
    )
    erased_at = np.full(n, NA)
    erased_at[req[erasure]] = completed[erasure]
    erased = erased_at != NA
    window_end[req[erasure]] = received_day[erasure] - 1
    objection = kind == kinds.index("objection")
    stop_all = np.full(n, NEVER)
    stop_all[req[objection]] = received[objection]
    stop_research = stop_all.copy()

    # Subjects.
    people = _people(rng, sid, org)
    active_from = np.where(ended != NA, created, np.maximum(created, D2022H2))
    last_activity = _between(rng, active_from, window_end, n)
    protected = ~org & ~erased & (rng.random(n) < 0.003)

    # Consents (about 2 per subject), all with their source and evidence.
    grants: list[tuple[str, np.ndarray, np.ndarray]] = []
    times: dict[str, np.ndarray] = {}
    for purpose, share, within in (
        ("email_marketing", 0.75, 60),
        ("sms_marketing", 0.40, 90),
        ("post_marketing", 0.20, 120),
        ("phone_marketing", 0.15, 120),
        ("profiling", 0.20, 120),
        ("market_research", 0.20, 120),
    ):
        mask = rng.random(n) < share
        at = _at(rng, _between(rng, created, np.minimum(created + within, window_end), n))
        grants.append((purpose, mask, at))
        times[purpose] = np.where(mask, at, NEVER)
    has_email = times["email_marketing"] != NEVER
    email_day = times["email_marketing"] // DAY_S
    change = has_email & (rng.random(n) < 0.12) & (window_end - email_day >= 2)
    change_at = _at(rng, _between(rng, email_day + 1, window_end, n))
    objects = rng.random(n) < 0.5
    stop_email = np.minimum(stop_all, np.where(change, change_at, NEVER))
    stop_all = np.minimum(stop_all, np.where(change & objects, change_at, NEVER))
    for purpose, mask, at in grants:
        count = int(mask.sum())
        out.add(
            "consents",
            _frame(
                "consents",
                count,
                sid=sid[mask],
                purpose=purpose,
                action="grant",
                recorded_at=at[mask],
                source=_pick(SOURCES, rng.integers(0, len(SOURCES), count)),
                evidence_ref=_ids("EV", rng.integers(0, 10**9, count), 9),
                notice_version=_pick(NOTICE_VERSIONS, rng.integers(0, 3, count)),
            ),
        )
    count = int(change.sum())
    out.add(
        "consents",
        _frame(
            "consents",
            count,
            sid=sid[change],
            purpose="email_marketing",
            action=_pick(("withdraw", "object"), objects[change].astype(np.int64)),
            recorded_at=change_at[change],
            source=_pick(SOURCES, rng.integers(0, len(SOURCES), count)),
            evidence_ref=_ids("EV", rng.integers(0, 10**9, count), 9),
            notice_version="2024-02",
        ),
    )
    out.add(
        "consents",
        _frame(
            "consents",
            int(objection.sum()),
            sid=sid[req[objection]],
            purpose="email_marketing",
            action="object",
            recorded_at=received[objection] + DAY_S,
            source="request",
            evidence_ref=_ids("REQ", received_day[objection], 6),
            notice_version="2024-02",
        ),
    )

    # Messages (about 10 per subject); a marketing message the consents do not allow becomes a
    # service message, a survey after an objection request too.
    per = rng.poisson(10.0, n)
    per[erased] = 0
    owner = np.repeat(local, per)
    m = len(owner)
    sent = _at(rng, _between(rng, created[owner], window_end[owner], m))
    order = pl.Series(sent * (1 << 27) + sid[owner]).arg_sort().to_numpy()  # in time order
    owner, sent = owner[order], sent[order]
    categories = tuple(CATEGORY_MIX)
    category = _choose(rng, m, tuple(CATEGORY_MIX.values()))
    channel = np.zeros(m, np.int64)
    draw = rng.random(m)
    for code, name in enumerate(categories):
        rows = category == code
        channel[rows] = np.searchsorted(np.cumsum(CHANNEL_MIX[name]), draw[rows], side="right")
    channel = np.minimum(channel, len(CHANNELS) - 1)
    email_ok = (times["email_marketing"][owner] <= sent) & (sent < stop_email[owner])
    sms_ok = (times["sms_marketing"][owner] <= sent) & (sent < stop_all[owner])
    other_ok = sent < stop_all[owner]
    allowed = np.select([channel == 0, channel == 1], [email_ok, sms_ok], other_ok)
    marketing, research = categories.index("marketing"), categories.index("research")
    service = categories.index("service")
    category[(category == marketing) & ~allowed] = service
    category[(category == research) & (sent >= stop_research[owner])] = service
    group = np.select(
        [category == marketing, category == service, category == categories.index("safety")],
        [rng.integers(0, len(PRODUCT_GROUPS), m), 1, 0],
        len(PRODUCT_GROUPS),
    )
    year, month, _ = _civil(sent // DAY_S)
    campaign = np.where((category == marketing) | (category == research), year * 100 + month, -1)
    body_code = np.full(m, -1)
    flat_bodies: list[str] = []
    for code, name in enumerate(categories):
        rows = (category == code) & (rng.random(m) < 0.5)
        body_code[rows] = len(flat_bodies) + rng.integers(0, len(BODIES[name]), int(rows.sum()))
        flat_bodies += BODIES[name]
    out.add(
        "communications",
        _frame(
            "communications",
            m,
            sid=sid[owner],
            channel=_pick(CHANNELS, channel),
            category=_pick(categories, category),
            sent_at=sent,
            campaign_id=_campaigns(campaign),
            product_group=_pick((*PRODUCT_GROUPS, None), group),
            body=_pick((*flat_bodies, None), np.where(body_code < 0, len(flat_bodies), body_code)),
        ),
    )

    # Vehicles (about 1 per subject; none for erased subjects).
    per = _choose(rng, n, (0.15, 0.7, 0.15))
    per[erased] = 0
    owner = np.repeat(local, per)
    v = len(owner)
    linked = _between(rng, created[owner], window_end[owner], v)
    unlinked = np.where(
        (rng.random(v) < 0.15) & (linked < window_end[owner]),
        _between(rng, linked + 1, window_end[owner], v),
        NA,
    )
    out.add("vehicles", _vehicle_frame(rng, sid[owner], linked, unlinked))

    # Contracts (about 1.5 per subject), dated so that no hold or retention has ended by A.
    per = rng.poisson(1.5, n)
    owner = np.repeat(local, per)
    c = len(owner)
    kinds = tuple(CONTRACT_MIX)
    kind = _choose(rng, c, tuple(CONTRACT_MIX.values()))
    earliest = {"warranty": D2022H2, "offer": D2025H2, "test_drive": D2026}
    start = np.maximum(created[owner], D2020)
    for name, day in earliest.items():
        rows = kind == kinds.index(name)
        too_late = rows & (np.maximum(created[owner], day) > window_end[owner])
        kind[too_late] = kinds.index("service")
        rows &= ~too_late
        start[rows] = np.maximum(created[owner][rows], day)
    signed = _between(rng, start, window_end[owner], c)
    closed, ends = np.full(c, NA), np.full(c, NA)
    quick = np.isin(kind, [kinds.index(k) for k in ("sale", "purchase", "service")])
    closed[quick] = signed[quick] + rng.integers(0, 11, int(quick.sum()))
    credit = np.isin(kind, [kinds.index("financing"), kinds.index("leasing")])
    ends[credit] = signed[credit] + rng.integers(3, 6, int(credit.sum())) * 365
    closed[credit] = ends[credit]
    warranty = kind == kinds.index("warranty")
    ends[warranty] = signed[warranty] + 3 * 365 + 1
    offer = kind == kinds.index("offer")
    closed[offer] = np.where(
        rng.random(int(offer.sum())) < 0.5,
        signed[offer] + rng.integers(3, 21, int(offer.sum())),
        NA,
    )
    test_drive = kind == kinds.index("test_drive")
    closed[test_drive] = signed[test_drive]
    closed = np.where(closed > LAST, NA, closed)
    lo_amount = np.array([AMOUNTS[k][0] for k in kinds])[kind]
    hi_amount = np.array([AMOUNTS[k][1] for k in kinds])[kind]
    amount = np.round(lo_amount + rng.random(c) * (hi_amount - lo_amount), 2)
    out.add(
        "contracts",
        _frame(
            "contracts",
            c,
            sid=sid[owner],
            kind=_pick(kinds, kind),
            signed_at=signed,
            ends_at=ends,
            closed_at=closed,
            amount_eur=np.where(test_drive, np.nan, amount),
            accounting_record=np.isin(kind, [kinds.index(k) for k in ACCOUNTING]),
        ).with_columns(pl.col("amount_eur").fill_nan(None)),
    )
    # Identity codes only where a credit contract needs them (its hold lasts past A).
    needs = np.zeros(n, bool)
    needs[owner[credit]] = True
    with_pid = needs & ~org & ~erased & (rng.random(n) < 0.9)
    serials = pid_serial + np.arange(int(with_pid.sum()))
    personal_id = pl.repeat(None, n, dtype=pl.String, eager=True)
    if len(serials):
        personal_id = personal_id.scatter(np.flatnonzero(with_pid), _unique_hetus(serials))
    pid_serial += len(serials)

    # Disclosures (about 0.5 per subject): declared recipients, declared purposes and data,
    # outside the EEA only to importers with a mechanism; none to a mailing house after an
    # objection, none of a protected person's data except to authorities.
    per = _choose(rng, n, (0.55, 0.40, 0.05))
    owner = np.repeat(local, per)
    d = len(owner)
    disclosed = _at(rng, _between(rng, np.maximum(created[owner], D2020), window_end[owner], d))
    categories = tuple(DISCLOSURE_MIX)
    category = _choose(rng, d, tuple(DISCLOSURE_MIX.values()))
    mailing = category == categories.index("marketing_processor")
    category[mailing & (disclosed >= stop_all[owner])] = categories.index("authority")
    category[protected[owner]] = categories.index("authority")
    purpose = np.zeros(d, np.int64)
    flat_purposes: list[str] = []
    for code, name in enumerate(categories):
        rows = category == code
        options = RECIPIENTS[name][1]
        purpose[rows] = len(flat_purposes) + rng.integers(0, len(options), int(rows.sum()))
        flat_purposes += options
    importer = category == categories.index("importer")
    country = np.where(importer, _choose(rng, d, (0.5, 0.25, 0.1, 0.1, 0.05)), 0)
    research_vendor = category == categories.index("research_vendor")
    confirmed = np.where(research_vendor, disclosed + _between(rng, 10, 80, d) * DAY_S, NA)
    confirmed = np.where(confirmed // DAY_S > LAST, NA, confirmed)
    out.add(
        "disclosures",
        _frame(
            "disclosures",
            d,
            sid=sid[owner],
            recipient=_pick([RECIPIENTS[k][0] for k in categories], category),
            recipient_category=_pick(categories, category),
            purpose=_pick(flat_purposes, purpose),
            country=_pick(("FI", "DE", "SE", "JP", "US"), country),
            safeguard=_pick(("none", "none", "none", "adequacy", "scc"), country),
            data_categories=_pick([RECIPIENTS[k][2] for k in categories], category),
            disclosed_at=disclosed,
            deletion_confirmed_at=confirmed,
        ),
    )

    # Notes (about 0.2 per subject).
    owner = local[(rng.random(n) < 0.2) & ~erased]
    out.add(
        "notes",
        _frame(
            "notes",
            len(owner),
            sid=sid[owner],
            created_at=_at(rng, _between(rng, created[owner], window_end[owner], len(owner))),
            text=_pick(NOTES, rng.integers(0, len(NOTES), len(owner))),
        ),
    )

    # The subjects themselves; an erased subject is a tombstone.
    subjects = _frame(
        "subjects",
        n,
        sid=sid,
        **people,
        personal_id=personal_id,
        created_at=created,
        relationship_ended_at=ended,
        last_activity_at=last_activity,
        protected=protected,
        erased_at=erased_at,
    )
    tombstone = ["first_name", "last_name", "email", "phone", "street_address", "personal_id"]
    subjects = subjects.with_columns(
        pl.when(pl.Series(erased)).then(None).otherwise(pl.col(c)).alias(c) for c in tombstone
    )
    out.add("subjects", subjects)
    return out, pid_serial


def _campaigns(code: np.ndarray) -> pl.Series:
    """CAMP-YYYYMM for marketing and research messages (code -1: none)."""
    series = _ids("CAMP-", np.maximum(code, 0), 6)
    return series.set(pl.Series(code < 0), None)  # type: ignore[arg-type]


def _vehicle_frame(
    rng: np.random.Generator,
    sid: np.ndarray | None,
    linked: np.ndarray,
    unlinked: np.ndarray | int = NA,
    *,
    subject_ref: pl.Series | None = None,
    bad_vin: bool = False,
    plant: str | None = None,
) -> pl.DataFrame:
    v = len(linked)
    model = rng.integers(0, len(MODELS), v)
    return _frame(
        "vehicles",
        v,
        sid=sid,
        subject_ref=subject_ref,
        registration_number=_registrations(rng, v),
        vin=_vins(rng, model, bad_vin),
        make=_pick([mm[0] for mm in MODELS], model),
        model=_pick([mm[1] for mm in MODELS], model),
        odometer_km=rng.integers(500, 280_000, v),
        linked_at=linked,
        unlinked_at=np.broadcast_to(np.asarray(unlinked, np.int64), v).copy(),
        _plant=plant,
    )
