#!/usr/bin/env python3
"""Write sample_data/allomeera/: a synthetic customer register of Allomeera Oy (Seinäjoki),
exported the way a Finnish dealer CRM exports it, with planted breaches of every rule.

Everything is invented: names are common Finnish first and last names combined at random,
identity codes use the temporary individual numbers 900-999, e-mail addresses are at
example.fi / example.com. Deterministic (random.Random(2021), fixed xlsx timestamps): two runs
give byte-identical files. The as-of date of the sample is 2026-06-30.

    .venv/bin/python sample_data/generate_allomeera.py

The lawful background and the writers are in allomeera_export.py; this file is the catalogue of
planted breaches (recorded in planted.json) and lawful near misses (near_misses.json). Each
planted breach gets a subject of its own that is otherwise lawful, so planted.json is exact.
Writes the data files, mapping.toml, planted.json and near_misses.json; policy.toml and
README.md are kept by hand. Only the standard library and openpyxl are used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from allomeera_export import (
    CARS,
    DAY,
    FINANCE,
    HETU_CHECK,
    INSURANCE,
    MARKETING_PROCESSOR,
    RESEARCH_VENDOR,
    TRAFICOM,
    D,
    Gen,
    Subject,
    T,
    add_months,
    hetu,
    write_export,
    ytunnus_check,
)

MP, RV = MARKETING_PROCESSOR, RESEARCH_VENDOR


def qp(g: Gen, created: D | None = None, last: D | None = None, ended: D | None = None,
       org: bool = False, light: bool = True, make: str | None = None) -> Subject:  # fmt: skip
    """A quiet, lawful subject: a vehicle and two service SMS, no contracts, consents or
    disclosures. Active (last activity 2023-2026) unless `last` or `ended` say otherwise."""
    created = created or g.day(D(2014, 1, 1), D(2021, 12, 31))
    s = g.new_subject(created, org=org)
    s.ended = ended
    s.last_activity = last or ended or g.day(max(created, D(2023, 1, 1)), D(2026, 6, 20))
    if light:
        until = min(s.last_activity, ended or s.last_activity)
        g.vehicle(s, g.day(created, until), ended, make)
        for _ in range(2):
            g.message(s, "sms", "service", g.at(g.day(created, until)), "service")
    return s


def erased(g: Gen, created: D, erased_on: D) -> Subject:
    """A tombstone: erased on request (the request fulfilled on the day of erasure)."""
    s = g.new_subject(created)
    s.erased_at, s.ended = g.at(erased_on), erased_on
    s.last_activity = g.day(max(created, erased_on - 500 * DAY), erased_on)
    received = g.at(erased_on - g.r.randint(5, 20) * DAY)
    g.request(s, "erasure", received, s.erased_at, "fulfilled")
    return s


# fmt: off
# The catalogue below is kept one scenario per line or two, by hand, for reading.
def plant_retention(g: Gen) -> None:
    for _ in range(4):                    # ended 2019-2021, never purged: end + P3Y + P2Y passed
        ended = g.day(D(2019, 1, 1), D(2021, 3, 31))
        g.plant("RET001", qp(g, created=g.day(D(2012, 1, 1), ended - 400 * DAY), ended=ended))
    for purpose in ("post_marketing", "email_marketing", "profiling"):
        ended = g.day(D(2022, 1, 1), D(2023, 3, 31))   # the objection removes the P2Y extension
        s = qp(g, created=g.day(D(2013, 1, 1), D(2019, 12, 31)), ended=ended)
        g.consent(s, purpose, "object", g.at(g.day(ended - 400 * DAY, ended - 30 * DAY)), "phone")
        g.plant("RET001", s)
    for _ in range(3):                    # no end recorded, inactive since 2013-2015
        last = g.day(D(2013, 3, 1), D(2015, 12, 31))
        g.plant("RET001", qp(g, created=g.day(D(2012, 1, 1), last), last=last))
    s = qp(g, created=D(2014, 5, 6), ended=D(2019, 9, 30))   # 2019 sale: held to 31.12.2025
    g.plant("RET001", s)
    g.plant("RET002", g.contract(s, "sale", D(2019, 3, 15), closed=D(2019, 3, 18)))
    s = qp(g, created=D(2015, 2, 9), ended=D(2019, 11, 29))  # former credit customer, code kept
    s.pid = g.new_pid()
    g.plant("RET001", s)
    g.plant("RET003", s)
    g.plant("RET002", g.contract(s, "financing", D(2016, 10, 3), ends=D(2019, 10, 3),
                                 closed=D(2019, 10, 3)))
    for i in range(5):                    # offers never purged (P1Y)
        signed = g.day(D(2023, 1, 10), D(2025, 4, 30))
        closed = signed + g.r.randint(5, 30) * DAY if i < 2 else None
        g.plant("RET002", g.contract(qp(g), "offer", signed, closed=closed))
    for _ in range(4):                    # test drives (P6M)
        d = g.day(D(2024, 3, 1), D(2025, 11, 30))
        g.plant("RET002", g.contract(qp(g), "test_drive", d, closed=d))
    for _ in range(2):                    # warranties that ended 2022-2024 (P1Y after the end)
        signed = g.day(D(2019, 3, 1), D(2021, 5, 31))
        s = qp(g, created=g.day(D(2014, 1, 1), D(2018, 12, 31)))
        g.plant("RET002", g.contract(s, "warranty", signed, ends=add_months(signed, 36)))
    for kind, year in (("sale", 2017), ("sale", 2019), ("service", 2018)):
        s = qp(g, created=g.day(D(2012, 1, 1), D(2016, 12, 31)))   # accounting hold over
        d = g.day(D(year, 1, 10), D(year, 12, 10))
        g.plant("RET002", g.contract(s, kind, d, closed=d + 2 * DAY))
        d = g.day(D(2024, 1, 1), D(2025, 12, 31))                   # still a customer
        g.contract(s, "service", d, closed=d)
    for _ in range(3):                    # identity code taken at a cash sale: nothing needs it
        s = qp(g)
        s.pid = g.new_pid()
        d = g.day(D(2022, 1, 1), D(2024, 12, 31))
        g.contract(s, "sale", d, closed=d)
        g.plant("RET003", s)
    for _ in range(2):                    # credit application declined, the code kept
        s = qp(g)
        s.pid = g.new_pid()
        g.contract(s, "offer", g.day(D(2025, 9, 1), D(2026, 3, 31)))
        g.plant("RET003", s)
    for table, fields in (("subjects", ("first", "last")), ("subjects", ("email", "extra")),
                          ("vehicles", ()), ("communications", ()), ("notes", ())):
        created, on = g.day(D(2015, 1, 1), D(2020, 12, 31)), g.day(D(2024, 1, 10), D(2026, 5, 31))
        s = erased(g, created, on)        # the erasure left data behind
        s.residual, s.extra = fields, "Kanta-asiakas"
        if table == "vehicles":
            g.vehicle(s, g.day(created, on), on)
        elif table == "communications":
            for _ in range(3):
                g.message(s, "email", "service", g.at(g.day(created, on - DAY)), "service")
        elif table == "notes":
            g.note(s, g.at(g.day(created, on - DAY)))
        g.plant("RET004", s)


def plant_consent(g: Gen) -> None:
    def marketing(rule: str, s: Subject, channel: str, at: T, group: str | None) -> None:
        g.plant(rule, g.message(s, channel, "marketing", at, group))

    for _ in range(3):                    # soft opt-in fails: tyres are not an own product group
        s, d = qp(g), g.day(D(2024, 9, 1), D(2025, 10, 31))
        g.contract(s, "sale", d, closed=d)
        marketing("CON001", s, "email", g.at(d + g.r.randint(30, 200) * DAY), "tyres")
    for _ in range(2):                    # no product group: "own similar products" not shown
        s, d = qp(g), g.day(D(2024, 10, 1), D(2025, 10, 31))
        g.contract(s, "service", d, closed=d)
        marketing("CON001", s, "sms", g.at(d + g.r.randint(20, 100) * DAY), None)
    for _ in range(2):                    # soft opt-in expired: more than P2Y after the sale
        s = qp(g, created=g.day(D(2014, 1, 1), D(2020, 12, 31)))
        d = g.day(D(2021, 3, 1), D(2021, 12, 31))
        g.contract(s, "sale", d, closed=d)
        marketing("CON001", s, "email", g.at(add_months(d, 24) + g.r.randint(30, 300) * DAY),
                  "vehicles")
    for _ in range(2):                    # a web lead: no consent, never a customer
        at = g.at(g.day(D(2023, 1, 1), D(2026, 6, 1)))
        marketing("CON001", qp(g), "email", at, "accessories")
    s = qp(g)                             # automated calls need their own consent (§200)
    g.consent(s, "email_marketing", "grant", g.at(D(2022, 3, 14)), "web_form")
    marketing("CON001", s, "automated_call", g.at(D(2024, 11, 5)), "service")
    s = qp(g)                             # SMS to a person who allowed e-mail only
    g.consent(s, "email_marketing", "grant", g.at(D(2023, 2, 2)), "store")
    marketing("CON001", s, "sms", g.at(D(2024, 5, 20)), "vehicles")
    for d in (D(2025, 3, 3), D(2025, 9, 16)):   # sent hours before the web form was filled in
        s = qp(g)
        marketing("CON001", s, "email", T.combine(d, dt.time(9, 0)), "vehicles")
        g.consent(s, "email_marketing", "grant", T.combine(d, dt.time(14, 20)), "web_form")
    s, d = qp(g), g.day(D(2024, 6, 1), D(2025, 6, 30))   # Allomeera bought the car: no sale
    g.contract(s, "purchase", d, closed=d)
    marketing("CON001", s, "email", g.at(d + 40 * DAY), "vehicles")

    for _ in range(2):                    # e-mail marketing after the permission was withdrawn
        s, grant = qp(g), g.at(g.day(D(2022, 1, 1), D(2023, 6, 30)))
        g.consent(s, "email_marketing", "grant", grant, "web_form")
        w = g.at(grant.date() + g.r.randint(200, 500) * DAY)
        g.consent(s, "email_marketing", "withdraw", w, "email_reply")
        marketing("CON002", s, "email", g.at(w.date() + g.r.randint(10, 120) * DAY), "vehicles")
    s = qp(g)                             # SMS campaign five hours after the objection
    g.consent(s, "sms_marketing", "grant", g.at(D(2023, 5, 2)), "store")
    g.consent(s, "sms_marketing", "object", T(2025, 4, 14, 10, 5), "phone")
    marketing("CON002", s, "sms", T(2025, 4, 14, 15, 30), "service")
    s = qp(g)                             # a letter after an e-mail objection (global objection)
    g.consent(s, "email_marketing", "object", T(2024, 2, 12, 11, 40), "email_reply")
    marketing("CON002", s, "post", T(2024, 3, 18, 8, 0), "vehicles")
    s = qp(g)                             # a letter the afternoon the objection request came in
    g.request(s, "objection", T(2025, 10, 1, 10, 0), T(2025, 10, 2, 12, 0))
    g.consent(s, "email_marketing", "object", T(2025, 10, 2, 11, 30), "request")
    marketing("CON002", s, "post", T(2025, 10, 1, 16, 0), "accessories")
    s = qp(g, org=True)                   # company contact who forbade phone marketing is called
    g.consent(s, "phone_marketing", "object", T(2023, 8, 22, 13, 15), "phone")
    marketing("CON002", s, "phone", T(2024, 1, 9, 10, 0), "vehicles")
    s = qp(g, org=True)                   # company contact e-mailed after withdrawing
    g.consent(s, "email_marketing", "grant", T(2022, 6, 1, 9, 30), "web_form")
    g.consent(s, "email_marketing", "withdraw", T(2024, 4, 3, 14, 0), "email_reply")
    marketing("CON002", s, "email", T(2024, 9, 10, 8, 15), "service")
    s, d = qp(g), g.day(D(2025, 1, 1), D(2025, 6, 30))   # soft opt-in, but SMS withdrawn
    g.contract(s, "sale", d, closed=d)
    g.consent(s, "sms_marketing", "grant", g.at(d), "store")
    g.consent(s, "sms_marketing", "withdraw", g.at(d + 60 * DAY), "web_form")
    marketing("CON002", s, "sms", g.at(d + 120 * DAY), "vehicles")

    for org, objection, channel, sent in (   # surveys after a market-research prohibition
            (False, T(2023, 11, 2, 9, 45), "email", T(2024, 5, 6, 10, 0)),
            (None, None, "sms", T(2024, 3, 20, 12, 0)),
            (True, T(2022, 9, 12, 15, 0), "email", T(2025, 2, 3, 9, 0)),
            (False, T(2024, 8, 19, 11, 0), "phone", T(2025, 11, 11, 17, 0))):
        s = qp(g, org=bool(org))
        if objection:
            g.consent(s, "market_research", "object", objection, "email_reply")
        else:                             # an objection request covers market research too
            g.request(s, "objection", T(2024, 2, 5, 13, 0), T(2024, 2, 9, 10, 0))
            g.consent(s, "post_marketing", "object", T(2024, 2, 7, 9, 0), "request")
        g.plant("CON003", g.message(s, channel, "research", sent))

    for i in range(4):                    # imported from the old CRM without proof, in force
        s = qp(g, created=g.day(D(2013, 1, 1), D(2016, 6, 30)))
        purpose, channel = (("email_marketing", "email"), ("sms_marketing", "sms"))[i % 2]
        at = g.at(g.day(s.created, D(2016, 12, 31)))
        g.plant("CON004", g.consent(s, purpose, "grant", at, "import", None))
        g.message(s, channel, "marketing", g.at(g.day(D(2024, 1, 1), D(2026, 5, 31))), "vehicles")
    s = qp(g)                             # proof stored, source never recorded
    g.plant("CON004", g.consent(s, "email_marketing", "grant", g.at(D(2023, 4, 17)), None))
    s = qp(g)                             # no proof; withdrawn later, a campaign relied on it
    g.plant("CON004", g.consent(s, "email_marketing", "grant", T(2022, 5, 20, 12, 0), "store",
                                None))
    g.message(s, "email", "marketing", T(2023, 2, 14, 9, 0), "vehicles")
    g.consent(s, "email_marketing", "withdraw", T(2024, 1, 8, 16, 0), "email_reply")
    s = qp(g, org=True)
    g.plant("CON004", g.consent(s, "email_marketing", "grant", g.at(D(2024, 10, 1)), "web_form",
                                None))
    s = qp(g)
    g.plant("CON004", g.consent(s, "profiling", "grant", g.at(D(2022, 11, 30)), "web_form", None))


def plant_disclosures(g: Gen) -> None:
    def dis(rule: str, s: Subject, recipient: str, category: str | None, purpose: str | None,
            country: str, when: D | T, cats: str | None, safeguard: str | None = None,
            confirmed: int | T | None = None) -> None:
        """`confirmed`: days after the disclosure, or the moment of the confirmation."""
        at = when if isinstance(when, T) else g.at(when)
        done = at + confirmed * DAY if isinstance(confirmed, int) else confirmed
        row = g.disclosure(s, recipient, category, purpose, country, at, cats, safeguard, done)
        for code in rule.split():
            g.plant(code, row)

    dis("DIS001", qp(g), "Lakeuden Perintä Oy", "debt_collector", "debt_collection", "FI",
        D(2024, 3, 12), "identity;contact;transactions")
    dis("DIS001", qp(g), "Pohjanmaan Autovuokraus Oy", "car_rental", "contract", "FI",
        D(2025, 6, 2), "identity, contact")
    dis("DIS001", qp(g), "Lakeuden Autopesu Oy", None, "contract", "FI", D(2023, 8, 30),
        "identity;vehicle")
    dis("DIS001 DIS005", qp(g), "Rengastukku Etelä-Pohjanmaa Oy", "partner",
        "third_party_marketing", "FI", D(2025, 2, 18), "identity;contact")
    dis("DIS002", qp(g, make="Kia"), "Kia Finland Oy", "importer", "marketing", "FI",
        D(2024, 9, 3), "identity;contact;vehicle")
    dis("DIS002", qp(g), FINANCE[0], "finance_company", "credit_check", "FI", D(2025, 1, 21),
        "identity;contact")
    dis("DIS002", qp(g), TRAFICOM, "authority", None, "FI", D(2023, 5, 16), "identity;vehicle")
    dis("DIS002", qp(g), RV, "research_vendor", "controller_direct_marketing", "FI",
        D(2024, 4, 9), "identity;contact", confirmed=30)
    for make, recipient, country, safeguard, d in (
            ("Ford", "Ford Motor Company", "US", "none", D(2024, 5, 14)),
            ("Ford", "Ford Motor Company", "US", "dpf", D(2022, 11, 15)),       # before the DPF
            ("Toyota", "Toyota Motor Corporation", "JP", "adequacy", D(2018, 6, 12)),  # too early
            ("Volvo", "Volvo Cars Asia Pacific", "CN", "adequacy", D(2023, 9, 26)),
            ("Kia", "Kia Corporation", "KR", "none", D(2021, 3, 8))):
        s = qp(g, created=g.day(D(2013, 1, 1), d - 400 * DAY), make=make)
        dis("DIS003", s, recipient, "importer", "warranty", country, d, "identity;contact;vehicle",
            safeguard)
    dis("DIS004", qp(g), "SurveyCloud Inc.", "research_vendor", "customer_satisfaction", "US",
        D(2025, 2, 10), "identity;contact", "dpf", confirmed=40)
    dis("DIS004", qp(g), "Direct Mail Services Ltd", "marketing_processor",
        "controller_direct_marketing", "GB", D(2024, 10, 1), "identity;contact;language",
        "adequacy")
    dis("DIS004", qp(g), "Helvetia Autokredit AG", "finance_company", "contract", "CH",
        D(2023, 4, 20), "identity;contact;vehicle;transactions", "adequacy")
    dis("DIS005", qp(g), INSURANCE[0], "insurance_company", "third_party_marketing", "FI",
        D(2024, 11, 19), "identity;contact")
    dis("DIS005", qp(g), MP, "marketing_processor", "third_party_marketing", "FI", D(2025, 5, 6),
        "identity;contact;language")
    for d, days in ((D(2023, 3, 14), 104), (D(2024, 6, 4), 131), (D(2025, 1, 28), 160)):
        dis("DIS006", qp(g), RV, "research_vendor", "customer_satisfaction", "FI", d,
            "identity;contact;vehicle", confirmed=g.at(d + days * DAY))        # confirmed late
    for d in (D(2024, 10, 15), D(2025, 9, 23), D(2026, 2, 24)):               # never confirmed
        dis("DIS006", qp(g), RV, "research_vendor", "market_research", "FI", d,
            "identity;contact;language")
    s = qp(g)                             # protected persons' contact data handed on
    s.protected, s.pid = True, g.new_pid()
    g.contract(s, "financing", D(2024, 2, 12), ends=D(2029, 2, 12))
    dis("DIS007", s, FINANCE[1], "finance_company", "contract", "FI", D(2024, 2, 12),
        "identity;contact;personal_id;vehicle;transactions")
    s = qp(g, make="Toyota")
    s.protected = True
    dis("DIS007", s, "Toyota Auto Finland Oy", "importer", "warranty", "FI", D(2025, 4, 1), None)
    s = qp(g)
    s.protected = True
    dis("DIS007", s, INSURANCE[2], "insurance_company", "contract", "FI", D(2023, 10, 10),
        "identity, contact, vehicle")
    dis("DIS008", qp(g), INSURANCE[1], "insurance_company", "contract", "FI", D(2024, 7, 2),
        "identity;contact;vehicle;transactions")
    dis("DIS008", qp(g), MP, "marketing_processor", "controller_direct_marketing", "FI",
        D(2023, 10, 3), "identity, contact, personal_id")
    dis("DIS008", qp(g, make="Volkswagen"), "Volkswagen AG", "importer", "warranty", "DE",
        D(2025, 8, 12), "identity;vehicle;personal_id")
    dis("DIS008", qp(g), RV, "research_vendor", "customer_satisfaction", "FI", D(2025, 5, 13),
        "identity;contact;transactions", confirmed=21)
    for purpose, objection, d in (("post_marketing", T(2023, 2, 20, 10, 0), D(2023, 10, 3)),
                                  ("email_marketing", T(2024, 6, 11, 14, 0), D(2025, 3, 11))):
        s = qp(g)                         # handed to the mailing house after an objection
        g.consent(s, purpose, "object", objection, "phone")
        dis("DIS009", s, MP, "marketing_processor", "controller_direct_marketing", "FI", d,
            "identity;contact;language;vehicle")
    s = qp(g)
    g.request(s, "objection", T(2024, 3, 4, 9, 0), T(2024, 3, 8, 9, 0))
    g.consent(s, "email_marketing", "object", T(2024, 3, 5, 9, 0), "request")
    dis("DIS009", s, MP, "marketing_processor", "controller_direct_marketing", "FI",
        D(2025, 3, 11), "identity;contact;language")
    for on, d, recipient, category, purpose in (
            (D(2025, 3, 10), D(2025, 3, 20), TRAFICOM, "authority", "register_update"),
            (D(2024, 11, 5), D(2025, 2, 14), "Kia Finland Oy", "importer", "safety")):
        s = erased(g, g.day(D(2015, 1, 1), D(2019, 12, 31)), on)
        dis("DIS010", s, recipient, category, purpose, "FI", d, "vehicle")


def plant_requests(g: Gen) -> None:
    for kind, received in (("access", T(2026, 4, 2, 10, 0)),
                           ("rectification", T(2026, 1, 15, 14, 30)),
                           ("erasure", T(2026, 5, 12, 9, 15))):
        g.plant("DSR001", g.request(qp(g), kind, received))
    late = g.request(qp(g), "access", T(2025, 2, 3, 11, 0), T(2025, 3, 20, 15, 0))
    late2 = g.request(qp(g), "rectification", T(2024, 9, 10, 9, 30), T(2024, 11, 1, 13, 0))
    extended = g.request(qp(g), "access", T(2025, 8, 4, 12, 0), T(2025, 11, 20, 10, 0),
                         ext=T(2025, 8, 20, 9, 0))
    ext_late = g.request(qp(g), "portability", T(2025, 3, 3, 10, 0), T(2025, 5, 20, 10, 0),
                         ext=T(2025, 4, 15, 10, 0))
    g.plant("DSR002", late, late2, extended, ext_late)
    g.plant("DSR003", late, late2, ext_late)
    for received in (T(2024, 4, 8, 10, 0), T(2025, 1, 20, 13, 0), T(2025, 11, 3, 9, 0)):
        g.plant("DSR004", g.request(qp(g), "objection", received, received + 5 * DAY))
    for outcome in ("fulfilled", "fulfilled", "partially_fulfilled"):   # erased on paper only
        received = g.at(g.day(D(2024, 6, 1), D(2026, 4, 30)))
        done = received + g.r.randint(3, 20) * DAY
        g.plant("DSR005", g.request(qp(g), "erasure", received, done, outcome))


def plant_data(g: Gen) -> None:
    g.plant("DAT001", "Lisätieto", "Faksi")
    texts = ["Rahoitushakemus: hakijan henkilötunnus {}, tulotiedot tarkistettu.",
             "Asiakas antoi puhelimessa hetunsa ({}) luottopäätöstä varten.\n"
             "Pyydetty jatkossa käyttämään asiakasnumeroa.",
             "Leasingsopimuksen liite: {} / allekirjoitettu myymälässä.",
             "Huoltovaraus nuoremmalle kuljettajalle, hetu {}."]
    births = [(D(1985, 3, 15), None), (D(1971, 11, 2), None), (D(1992, 7, 4), "Y"),
              (D(2004, 2, 11), None)]
    for text, (birth, sign) in zip(texts, births, strict=True):
        code = hetu(birth, g.r.randint(900, 999), sign)
        g.plant("DAT002", g.note(qp(g), g.at(g.day(D(2022, 1, 1), D(2026, 5, 31))),
                                 text.format(code)))
    s = qp(g)
    code = hetu(D(1979, 8, 23), g.r.randint(900, 999))
    body = f"Hei, tässä pyytämänne tiedot rahoitusta varten: {code}.\nTerveisin {s.first}"
    g.plant("DAT002", g.message(s, "email", "transactional", g.at(D(2025, 10, 7)), None,
                                body=body))
    base = g.new_pid()
    wrong = base[:-1] + HETU_CHECK[(HETU_CHECK.index(base[-1]) + 7) % 31]
    lower = g.new_pid()
    while not lower[-1].isalpha():
        lower = g.new_pid()
    bad_date = f"300284-941{HETU_CHECK[300284941 % 31]}"
    for pid in (wrong, lower[:-1] + lower[-1].lower(), bad_date):   # credit contract: DAT003 only
        s = qp(g)
        s.pid = pid
        signed = g.day(D(2023, 1, 1), D(2025, 12, 31))
        g.contract(s, "financing", signed, ends=add_months(signed, 48))
        g.plant("DAT003", s)
    body7 = f"{g.r.randint(1000000, 3399999):07d}"
    while ytunnus_check(body7) is None:
        body7 = f"{g.r.randint(1000000, 3399999):07d}"
    rem1 = f"{g.r.randint(1000000, 3399999):07d}"
    while ytunnus_check(rem1) is not None:
        rem1 = f"{g.r.randint(1000000, 3399999):07d}"
    for bid in (f"{body7}-{(ytunnus_check(body7) + 1) % 10}", f"{rem1}-0"):
        s = qp(g, org=True)
        s.bid = bid
        g.plant("DAT003", s)
    for fix in ("O", "I", "lower"):
        s, make = qp(g, light=False), g.r.choice(list(CARS))
        vin = g.new_vin(make)
        vin = vin.lower() if fix == "lower" else vin[:9] + fix + vin[10:]
        g.plant("DAT003", g.vehicle(s, g.day(s.created, s.last_activity), make=make, vin=vin))
    g.plant("DAT004", g.message("109417", "sms", "service", g.at(D(2025, 4, 22)), "service"))
    g.plant("DAT004", g.note("108830", g.at(D(2024, 12, 3))))
    g.plant("DAT004", g.contract("109002", "sale", D(2024, 3, 19), closed=D(2024, 3, 19)))
    g.plant("DAT004", g.vehicle("109215", D(2023, 5, 30)))
    a, b = qp(g, created=D(2016, 4, 11)), qp(g, created=D(2025, 2, 3), last=D(2025, 2, 3))
    b.first, b.last, b.email = a.first, a.last, a.email[0].upper() + a.email[1:]   # web lead
    g.plant("DAT005", (a, b))
    a, b = qp(g, created=D(2017, 8, 1)), qp(g, created=D(2023, 9, 12))   # 2nd financed car
    a.pid = g.new_pid()
    b.pid, b.first, b.last = a.pid, a.first, a.last
    g.contract(a, "financing", D(2022, 5, 4), ends=D(2027, 5, 4))
    g.contract(b, "financing", D(2023, 9, 12), ends=D(2027, 9, 12))
    g.plant("DAT005", (a, b))
    a, b = qp(g, created=D(2015, 3, 3)), qp(g, created=D(2020, 10, 20))
    c = qp(g, created=D(2024, 1, 15))
    b.pid = g.new_pid()
    b.first, b.last, b.email = a.first, a.last, a.email.upper()   # a-b by e-mail, b-c by code
    c.first, c.last, c.pid = a.first, a.last, b.pid
    g.contract(b, "financing", D(2021, 6, 1), ends=D(2026, 12, 1))
    g.contract(c, "leasing", D(2024, 1, 15), ends=D(2028, 1, 15))
    g.plant("DAT005", (a, b, c))
    s = qp(g)                             # the same customer imported twice
    g.subjects.append(dataclasses.replace(s, street="Kauppakatu 3 B 7", postal="60100",
                                          city="Seinäjoki", dup_of=s))
    g.plant("DAT006", s)
    s1, s2 = qp(g, light=False), qp(g, light=False)
    v = g.vehicle(s1, g.day(s1.created, D(2022, 12, 31)), D(2023, 3, 1))
    same = {k: v[k] for k in ("registration_number", "vin", "make", "model", "odometer_km")}
    g.add("vehicles", s2, **same, linked_at=D(2023, 3, 2), unlinked_at=None, dup_of=v)
    g.plant("DAT006", v)
    s = qp(g, light=False)
    m = g.message(s, "sms", "service", g.at(D(2025, 11, 18)), "service")
    same = {k: m[k] for k in ("channel", "category", "sent_at", "campaign_id", "product_group",
                              "body")}
    g.add("communications", s, **same, dup_of=m)
    g.plant("DAT006", m)
    g.plant("DAT007", g.new_subject(D(2026, 7, 3)))
    g.plant("DAT007", g.message(qp(g), "sms", "service", T(2026, 7, 2, 8, 30), "service",
                                body="Muistutus: huoltoaikasi on huomenna klo 8.00."))
    s = qp(g, created=D(2020, 5, 11), light=False)
    g.plant("DAT007", g.contract(s, "sale", D(2020, 3, 2), closed=D(2020, 3, 2)))
    s = qp(g, created=D(2018, 9, 3), light=False)
    g.plant("DAT007", g.consent(s, "email_marketing", "grant", T(2016, 4, 12, 10, 0), "store"))
    g.plant("DAT007", g.request(qp(g), "access", T(2026, 6, 18, 11, 0), T(2026, 7, 1, 9, 0)))
    g.plant("DAT007", g.disclosure(qp(g), RV, "research_vendor", "customer_satisfaction", "FI",
                                   T(2026, 5, 4, 10, 0), "identity;contact",
                                   confirmed=T(2026, 7, 2, 9, 0)))


def plant_near_misses(g: Gen) -> None:
    nm = g.near_miss
    s = qp(g)
    g.contract(s, "sale", D(2025, 10, 14), closed=D(2025, 10, 14))
    nm("CON001 soft opt-in applies: own vehicles campaign to a buyer of 14.10.2025",
       g.message(s, "email", "marketing", T(2026, 1, 20, 9, 0), "vehicles"))
    s = qp(g, created=D(2019, 6, 1))
    g.contract(s, "financing", D(2021, 8, 16), ends=D(2026, 8, 16))
    nm("CON001 soft opt-in: the financing signed 16.8.2021 is still open",
       g.message(s, "sms", "marketing", T(2025, 11, 4, 12, 0), "financing"))
    s = qp(g)
    nm("CON001 company contact e-mailed without consent (§202 opt-out)",
       g.message(qp(g, org=True), "email", "marketing", T(2025, 5, 6, 8, 0), "vehicles"))
    nm("CON001 phone marketing to a person without consent (opt-out channel)",
       g.message(s, "phone", "marketing", T(2025, 8, 26, 17, 0), "vehicles"))
    nm("CON001 letter to a person without consent (opt-out channel)",
       g.message(s, "post", "marketing", T(2025, 9, 1, 8, 0), "tyres"))
    s = qp(g)
    g.consent(s, "email_marketing", "object", T(2023, 2, 6, 10, 0), "phone")
    g.consent(s, "email_marketing", "grant", T(2024, 6, 3, 18, 20), "web_form")
    nm("CON002 objection later reversed by a new e-mail grant",
       g.message(s, "email", "marketing", T(2025, 3, 11, 9, 0), "accessories"))
    s = qp(g)
    g.consent(s, "post_marketing", "object", T(2024, 1, 15, 13, 0), "store")
    nm("CON002 service SMS after an objection (notice §11)",
       g.message(s, "sms", "service", T(2025, 2, 4, 8, 0), "service"))
    nm("CON002 safety recall letter after an objection",
       g.message(s, "post", "safety", T(2025, 6, 9, 8, 0), "vehicles"))
    s = qp(g)
    g.consent(s, "email_marketing", "object", T(2023, 9, 1, 12, 0), "email_reply")
    nm("CON003 survey after an objection to e-mail marketing only (research not forbidden)",
       g.message(s, "email", "research", T(2024, 9, 2, 9, 0)))
    s = qp(g, created=D(2014, 6, 2))
    nm("CON004 undocumented import grant replaced by a documented grant before any SMS",
       g.consent(s, "sms_marketing", "grant", T(2015, 3, 3, 12, 0), "import", None))
    g.consent(s, "sms_marketing", "grant", T(2019, 5, 6, 12, 0), "store")
    nm("DIS006 research vendor confirmed deletion on day 90 (2.6.2025)",
       g.disclosure(qp(g), RV, "research_vendor", "customer_satisfaction", "FI",
                    T(2025, 3, 4, 10, 0), "identity;contact", confirmed=T(2025, 6, 2, 16, 0)))
    nm("DIS006 research vendor, deletion deadline not yet passed",
       g.disclosure(qp(g), RV, "research_vendor", "market_research", "FI", T(2026, 5, 20, 9, 0),
                    "identity, contact"))
    nm("DIS003 US transfer under the Data Privacy Framework after 10.7.2023",
       g.disclosure(qp(g, make="Ford"), "Ford Motor Company", "importer", "warranty", "US",
                    T(2024, 2, 20, 10, 0), "identity;vehicle", "dpf"))
    nm("DIS003 Japan under its adequacy decision (23.1.2019)",
       g.disclosure(qp(g, make="Toyota"), "Toyota Motor Corporation", "importer", "safety", "JP",
                    T(2023, 4, 12, 10, 0), "identity;vehicle", "adequacy"))
    nm("DIS003 Korea under its adequacy decision (17.12.2021)",
       g.disclosure(qp(g, make="Kia"), "Kia Corporation", "importer", "warranty", "KR",
                    T(2024, 10, 8, 10, 0), "identity;contact;vehicle", "adequacy"))
    s = qp(g)
    s.protected = True
    nm("DIS007 protected subject disclosed only to Traficom (authority)",
       g.disclosure(s, TRAFICOM, "authority", "register_update", "FI", T(2024, 8, 13, 10, 0),
                    "identity;contact;vehicle"))
    s = qp(g, make="Skoda")
    s.protected = True
    nm("DIS007 protected subject: the importer got vehicle data only",
       g.disclosure(s, "K-Auto Oy", "importer", "safety", "FI", T(2025, 1, 14, 10, 0), "vehicle"))
    s = qp(g)
    g.consent(s, "third_party_disclosure", "grant", T(2024, 5, 2, 15, 0), "store")
    nm("DIS001 undeclared recipient, with the person's explicit consent (notice §7)",
       g.disclosure(s, "Lakeuden Autovuokraus Oy", "partner", "contract", "FI",
                    T(2024, 5, 3, 10, 0), "identity;contact"))
    s = qp(g)
    g.consent(s, "email_marketing", "object", T(2025, 6, 1, 12, 0), "phone")
    nm("DIS009 the objection came after the mailing-house disclosure",
       g.disclosure(s, MP, "marketing_processor", "controller_direct_marketing", "FI",
                    T(2025, 3, 11, 10, 0), "identity;contact;language"))
    nm("DSR001-003 deadline rolled over Midsummer: received 20.5.2025, answered Mon 23.6.2025",
       g.request(qp(g), "access", T(2025, 5, 20, 9, 10), T(2025, 6, 23, 15, 0)))
    nm("DSR001-003 deadline rolled over Independence Day: received 6.11.2025, answered 8.12.2025",
       g.request(qp(g), "rectification", T(2025, 11, 6, 12, 0), T(2025, 12, 8, 11, 0)))
    nm("DSR001-003 extended deadline 24.12.2025 rolled over Christmas: answered Mon 29.12.2025",
       g.request(qp(g), "access", T(2025, 9, 24, 10, 0), T(2025, 12, 29, 12, 0),
                 ext=T(2025, 10, 10, 9, 0)))
    s = qp(g)
    s.pid = g.new_pid()
    g.contract(s, "financing", D(2023, 3, 1), ends=D(2028, 3, 1))
    nm("DSR005 erasure partly done: the open financing (credit hold) keeps the rest",
       g.request(s, "erasure", T(2025, 4, 7, 10, 0), T(2025, 4, 22, 10, 0),
                 "partially_fulfilled"))
    s = qp(g)
    g.consent(s, "email_marketing", "object", T(2024, 1, 9, 10, 0), "email_reply")
    nm("DSR004 objection request when the objection was already in the consents",
       g.request(s, "objection", T(2024, 9, 16, 10, 0), T(2024, 9, 20, 10, 0)))
    s = qp(g, created=D(2013, 5, 2), ended=D(2020, 3, 31))
    g.contract(s, "financing", D(2017, 5, 10), ends=D(2022, 5, 10), closed=D(2022, 5, 10))
    nm("RET001 ended 31.3.2020, but the financing closed 10.5.2022 is held to 31.12.2028", s)
    s = qp(g, created=D(2014, 2, 3), ended=D(2019, 6, 28))
    g.request(s, "access", T(2026, 6, 15, 10, 0))
    nm("RET001 ended 2019, but an open request (received 15.6.2026, due 15.7.2026) holds it", s)
    nm("RET001 relationship ended 28.2.2020, but the customer came back 11.4.2022",
       qp(g, created=D(2012, 9, 4), ended=D(2020, 2, 28), last=D(2022, 4, 11)))
    s = qp(g)
    g.request(s, "rectification", T(2026, 6, 22, 10, 0))
    nm("RET002 offer of 22.5.2023, but an open request holds the subject",
       g.contract(s, "offer", D(2023, 5, 22)))
    s = qp(g, created=D(2016, 1, 12))
    s.pid = g.new_pid()
    g.contract(s, "financing", D(2017, 2, 1), ends=D(2020, 2, 1), closed=D(2020, 2, 3))
    nm("RET003 financing closed 3.2.2020: its accounting hold (to 31.12.2026) covers the code", s)
    a, b = qp(g), qp(g, org=True)
    b.email = a.email
    nm("DAT005 a company contact shares a person's e-mail (only persons are compared)", a)
    s = qp(g)
    good = hetu(D(1988, 5, 30), 955)
    wrong = good[:-1] + HETU_CHECK[(HETU_CHECK.index(good[-1]) + 1) % 31]
    nm("DAT002 identity code with a wrong check character",
       g.note(s, g.at(D(2025, 2, 2)), f"Asiakkaan tunnus {wrong} ei täsmää, pyydetty tarkistus."))
    nm("DAT002 code glued inside a longer token, and a code dated after the as-of date",
       g.note(s, g.at(D(2025, 3, 3)),
              f"Laskulle lisätty viite{good}x. Tilausviite {hetu(D(2030, 1, 1), 912)}."))
# fmt: on


def plant_all(g: Gen) -> None:
    plant_retention(g)
    plant_consent(g)
    plant_disclosures(g)
    plant_requests(g)
    plant_data(g)
    plant_near_misses(g)


def main() -> None:
    g = Gen()
    g.background()
    plant_all(g)
    for name, n in write_export(g).items():
        print(f"{name:24} {n:6d} rows")
    print("planted:", ", ".join(f"{rule} {len(objs)}" for rule, objs in g.planted.items()))


if __name__ == "__main__":
    main()
