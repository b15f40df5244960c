"""Properties of the whole engine on small generated registers (hypothesis).

Each register has a handful of subjects with random consent events, messages, contracts, requests,
disclosures, notes and vehicles, written as canonical CSV and loaded by the real loader. Dates come
from a small pool (month ends, the as-of date and the day after it, midnight and late-evening times)
so that ties, boundaries and events after A are common.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import tempfile
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from auditkit.audit import AuditResult, run_audit
from auditkit.policy import Policy
from auditkit.register.loader import load_register
from auditkit.rules.context import CHANNEL_PURPOSE
from tests.builders import AS_OF, make_policy

Tables = dict[str, list[dict[str, Any]]]

# Every table is written with all these columns (a partition with no rows keeps its header, so the
# same columns are present in every register compared).
COLUMNS = {
    "subjects": "subject_id subject_type created_at relationship_ended_at last_activity_at email "
    "personal_id erased_at protected",
    "consents": "event_id subject_id purpose action recorded_at source evidence_ref",
    "communications": "message_id subject_id channel category sent_at product_group body",
    "contracts": "contract_id subject_id kind signed_at ends_at closed_at",
    "requests": "request_id subject_id kind received_at extension_notified_at completed_at outcome",
    "disclosures": "disclosure_id subject_id recipient recipient_category purpose country "
    "safeguard data_categories disclosed_at deletion_confirmed_at",
    "notes": "note_id subject_id created_at text",
    "vehicles": "vehicle_id subject_id vin linked_at unlinked_at",
}
KEYS_BY_PREFIX = {
    "E": "event_id",
    "M": "message_id",
    "C": "contract_id",
    "R": "request_id",
    "D": "disclosure_id",
    "N": "note_id",
    "V": "vehicle_id",
}
# Month ends, a leap day, A (2026-06-30) and the day after it.
DAYS = (
    "2015-03-01 2019-12-31 2020-02-29 2021-03-31 2022-05-10 2023-12-31 2024-06-30 2025-01-15 "
    "2025-12-31 2026-03-02 2026-06-30 2026-07-01"
).split()
# Around midnight local time (21:30 / 22:30 UTC the day before) and mid-day; none in a DST gap.
TIMES = ["00:30:00", "10:00:00", "23:30:00"]
HETU = "131052-308T"
DISCLOSURE_PURPOSES = [
    "service",
    "controller_direct_marketing",
    "market_research",
    "third_party_marketing",
]
PURPOSES = (
    "email_marketing sms_marketing automated_call_marketing phone_marketing post_marketing "
    "profiling market_research third_party_disclosure"
).split()

day = st.sampled_from(DAYS)
instant = st.builds(lambda d, t: f"{d}T{t}", day, st.sampled_from(TIMES))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def registers(
    draw: st.DrawFn,
    *,
    unknown_subjects: bool = True,
    min_messages: int = 0,
    duplicated_subject: bool = False,
) -> Tables:
    """A small register with unique keys (but, when asked, one subject_id written twice with other
    facts); some rows may refer to an unknown subject S9."""
    n = draw(st.integers(1, 6))
    ids = [f"S{i}" for i in range(1, n + 1)]
    refs = st.sampled_from(ids + (["S9"] if unknown_subjects else []))
    subjects = [
        {
            "subject_id": sid,
            "subject_type": draw(st.sampled_from(["person", "person", "person", "organisation"])),
            "created_at": draw(st.sampled_from(DAYS[:8])),
            "relationship_ended_at": draw(maybe(day)),
            "last_activity_at": draw(maybe(day)),
            "email": draw(st.sampled_from([None, "a@example.fi", " A@Example.fi", "b@example.fi"])),
            "personal_id": draw(st.sampled_from([None, HETU, "131052-308t"])),
            "erased_at": draw(st.one_of(st.none(), st.none(), st.none(), instant)),
            "protected": draw(st.sampled_from(["false", "true", None])),
        }
        for sid in ids
    ]

    if duplicated_subject and draw(st.booleans()):
        twin = draw(st.sampled_from(subjects))
        subjects.append({**twin, "created_at": draw(day), "personal_id": "010101-123N"})

    def rows(prefix: str, most: int, make: Any, least: int = 0) -> list[dict[str, Any]]:
        return [
            {KEYS_BY_PREFIX[prefix]: f"{prefix}{i}", **make()}
            for i in range(1, draw(st.integers(least, most)) + 1)
        ]

    consents = rows(
        "E",
        12,
        lambda: {
            "subject_id": draw(refs),
            "purpose": draw(st.sampled_from(PURPOSES)),
            "action": draw(st.sampled_from(["grant", "grant", "withdraw", "object"])),
            "recorded_at": draw(instant),
            "source": draw(maybe(st.just("web_form"))),
            "evidence_ref": draw(maybe(st.just("F-1"))),
        },
    )
    communications = rows(
        "M",
        10,
        lambda: {
            "subject_id": draw(refs),
            "channel": draw(st.sampled_from(["email", "sms", "automated_call", "phone", "post"])),
            "category": draw(st.sampled_from(["marketing", "marketing", "research", "service"])),
            "sent_at": draw(instant),
            "product_group": draw(st.sampled_from([None, "vehicles", "toys"])),
            "body": draw(st.sampled_from([None, "Kiitos!", f"hetu {HETU}"])),
        },
        least=min_messages,
    )
    contracts = rows(
        "C",
        6,
        lambda: {
            "subject_id": draw(refs),
            "kind": draw(st.sampled_from(["sale", "financing", "warranty", "offer"])),
            "signed_at": draw(day),
            "ends_at": draw(maybe(day)),
            "closed_at": draw(maybe(day)),
        },
    )
    requests = rows(
        "R",
        5,
        lambda: {
            "subject_id": draw(refs),
            "kind": draw(st.sampled_from(["objection", "erasure", "access"])),
            "received_at": draw(instant),
            "extension_notified_at": draw(maybe(instant)),
            "completed_at": draw(maybe(instant)),
            "outcome": draw(st.sampled_from([None, "fulfilled", "partially_fulfilled", "refused"])),
        },
    )
    disclosures = rows(
        "D",
        3,
        lambda: {
            "subject_id": draw(refs),
            "recipient": "Vastaanottaja Oy",
            "recipient_category": draw(
                st.sampled_from(["importer", "marketing_processor", "research_vendor", "broker"])
            ),
            "purpose": draw(st.sampled_from(DISCLOSURE_PURPOSES)),
            "country": draw(st.sampled_from(["FI", "US", "CN"])),
            "safeguard": draw(st.sampled_from([None, "dpf", "scc"])),
            "data_categories": draw(st.sampled_from([None, "contact;vehicle", "personal_id"])),
            "disclosed_at": draw(instant),
            "deletion_confirmed_at": draw(maybe(instant)),
        },
    )
    notes = rows(
        "N",
        3,
        lambda: {
            "subject_id": draw(st.one_of(st.none(), refs)),
            "created_at": draw(maybe(instant)),
            "text": draw(st.sampled_from([None, f"soitti, hetu {HETU}", "soitti"])),
        },
    )
    vehicles = rows(
        "V",
        2,
        lambda: {
            "subject_id": draw(refs),
            "vin": draw(st.sampled_from([None, "YV1LW5547W2345678", "yv1lw5547w2345678"])),
            "linked_at": draw(maybe(day)),
            "unlinked_at": draw(maybe(day)),
        },
    )
    return {
        "subjects": subjects,
        "consents": consents,
        "communications": communications,
        "contracts": contracts,
        "requests": requests,
        "disclosures": disclosures,
        "notes": notes,
        "vehicles": vehicles,
    }


policies = st.builds(
    lambda global_, research, max_age: make_policy(
        consent={
            "objection_is_global": global_,
            "research_is_marketing": research,
            "max_age": max_age,
        }
    ),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "P3Y"]),
)


def write(root: Path, tables: Tables) -> Path:
    root.mkdir(parents=True)
    for name, rows in tables.items():
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            columns = COLUMNS[name].split()
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(
                {k: "" if row.get(k) is None else row[k] for k in columns} for row in rows
            )
    return root


def run(tables: Tables, policy: Policy, as_of: date = AS_OF) -> AuditResult:
    """Write the tables as CSV, load them with the real loader and run every rule."""
    with tempfile.TemporaryDirectory() as tmp:
        register = load_register(write(Path(tmp) / "register", tables), timezone=policy.timezone)
        return run_audit(register, policy, as_of)


def records(result: AuditResult) -> Counter[tuple[str, str, str]]:
    """The findings as a multiset of (rule, table, record_id)."""
    return Counter(result.findings.select("rule", "table", "record_id").iter_rows())


CONTENT = (
    "rule table record_id subject_id severity occurred_at due_at days_overdue message evidence"
).split()


def size(n: int) -> str:
    """A count as a bucket, for hypothesis' statistics (shows the properties are not vacuous)."""
    return "0" if n == 0 else "1-9" if n < 10 else "10+"


def contents(frame: pl.DataFrame) -> Counter[tuple[Any, ...]]:
    """Each finding without its source_row (a line number, which moving rows changes)."""
    return Counter(
        tuple(row)
        for row in frame.with_columns(pl.col("severity").cast(pl.String))
        .select(CONTENT)
        .iter_rows()
    )


# An audit of a generated register costs about a second (load + 31 rules), so the budgets are small;
# AUDITKIT_PROPERTY_SCALE=20 multiplies them for a longer hunt.
SCALE = int(os.environ.get("AUDITKIT_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- shuffling rows -------------------------------------------------------------------------------


@budget(4)
@given(registers(), policies, st.randoms(use_true_random=False))
def test_shuffling_the_rows_of_every_table_changes_no_finding(
    tables: Tables, policy: Policy, rnd: random.Random
) -> None:
    # Keys are unique: with a duplicated subject_id, file order decides which row is "first"
    # (RULES.md "Duplicated subjects"), so row order legitimately matters there.
    shuffled = {name: rnd.sample(rows, len(rows)) for name, rows in tables.items()}
    before, after = run(tables, policy), run(shuffled, policy)
    event(f"findings: {size(before.findings.height)}")
    assert records(before) == records(after)
    assert Counter(before.findings["finding_id"].to_list()) == Counter(
        after.findings["finding_id"].to_list()
    )
    assert contents(before.findings) == contents(after.findings)
    assert before.skipped == after.skipped


# --- adding a lawful grant ------------------------------------------------------------------------


def local(text: str) -> datetime:
    return datetime.fromisoformat(text)


@budget(4)
@given(registers(min_messages=1, unknown_subjects=False), policies, st.data())
def test_adding_a_lawful_grant_before_a_message_never_adds_a_finding(
    tables: Tables, policy: Policy, data: st.DataObject
) -> None:
    # "Lawful": for a known subject (else DAT004), with evidence_ref and source (else CON004 when in
    # force), recorded on a day that is possible (not after A, not before the subject's created_at
    # minus one day: else DAT007), strictly before the message.
    noon_of_a = datetime.combine(AS_OF, datetime.min.time()) + timedelta(hours=12)

    def earliest(message: dict[str, Any]) -> datetime:
        created = date.fromisoformat(known[message["subject_id"]]["created_at"])
        return datetime.combine(created - timedelta(days=1), datetime.min.time())

    known = {s["subject_id"]: s for s in tables["subjects"]}
    messages = [
        m
        for m in tables["communications"]
        if m["subject_id"] in known and earliest(m) < local(m["sent_at"])
    ]
    assume(messages)
    message = data.draw(st.sampled_from(messages))
    sent = local(message["sent_at"])
    gap = data.draw(st.sampled_from([timedelta(minutes=1), timedelta(days=1), timedelta(days=400)]))
    at = max(min(sent - gap, noon_of_a), earliest(message))
    assert at < sent
    grant = {
        "event_id": "E_NEW",
        "subject_id": message["subject_id"],
        "purpose": CHANNEL_PURPOSE[message["channel"]],
        "action": "grant",
        "recorded_at": at.isoformat(),
        "source": "web_form",
        "evidence_ref": "F-NEW",
    }
    before = run(tables, policy)
    after = run({**tables, "consents": [*tables["consents"], grant]}, policy)

    added = records(after) - records(before)
    event(f"findings the grant removed: {size(sum((records(before) - records(after)).values()))}")
    allowed = Counter()
    for rule, table, record_id in added.elements():
        # CON005: with consent.max_age set, the new grant is itself stale once it is older than
        # max_age at A (a new record breaking the policy's own age limit, not a side effect).
        if (rule, record_id) == ("CON005", "E_NEW"):
            assert policy.consent.max_age is not None
            allowed[(rule, table, record_id)] += 1
        # DSR004: an objection request that follows a consents objection is no finding only while
        # that objection is in force at received_at; a later grant ends it (RULES.md DSR004), so
        # the request must now have reached the marketing systems by itself.
        elif rule == "DSR004":
            request = next(r for r in tables["requests"] if r["request_id"] == record_id)
            assert (
                request["subject_id"] == message["subject_id"]
                and local(request["received_at"]) > at
            )
            allowed[(rule, table, record_id)] += 1
    assert added - allowed == Counter()


def test_why_the_grant_property_allows_dsr004_the_grant_ends_an_objection_in_force() -> None:
    # An e-mail objection of 2024 is in force when the objection request of 2025-03-01 arrives, so
    # the request needs no new consents row (no DSR004). A lawful grant on 2025-01-15, before a
    # message of 2025-02-01, ends that objection: the request must now reach the consents
    # register by 2025-03-08 itself, and did not - DSR004, as RULES.md says.
    policy = make_policy(consent={"objection_is_global": False})
    tables: Tables = {
        "subjects": [{"subject_id": "S1", "subject_type": "person", "created_at": "2015-01-01"}],
        "consents": [
            {"event_id": "E1", "subject_id": "S1", "purpose": "email_marketing", "action": "object",
             "recorded_at": "2024-01-01T10:00:00", "source": "web_form", "evidence_ref": "F-1"},
        ],
        "communications": [
            {"message_id": "M1", "subject_id": "S1", "channel": "email", "category": "marketing",
             "sent_at": "2025-02-01T10:00:00", "product_group": "vehicles"},
        ],
        "requests": [
            {"request_id": "R1", "subject_id": "S1", "kind": "objection",
             "received_at": "2025-03-01T10:00:00", "completed_at": "2025-03-02T10:00:00",
             "outcome": "fulfilled"},
        ],
    }  # fmt: skip
    grant = {"event_id": "E_NEW", "subject_id": "S1", "purpose": "email_marketing",
             "action": "grant", "recorded_at": "2025-01-15T10:00:00", "source": "web_form",
             "evidence_ref": "F-NEW"}  # fmt: skip
    before = run(tables, policy)
    after = run({**tables, "consents": [*tables["consents"], grant]}, policy)
    assert records(before)[("CON002", "communications", "M1")] == 1
    assert records(after) - records(before) == Counter({("DSR004", "requests", "R1"): 1})


# --- moving the as-of date forward ----------------------------------------------------------------

RETENTION = ["RET001", "RET002", "RET003"]


@budget(10)
@given(
    registers(),
    policies,
    st.sampled_from(DAYS[3:]),
    st.lists(st.integers(1, 700), min_size=2, max_size=2),
)
def test_moving_as_of_forward_never_removes_a_retention_finding(
    tables: Tables, policy: Policy, earliest: str, steps: list[int]
) -> None:
    dates = [date.fromisoformat(earliest)]
    for step in steps:
        dates.append(dates[-1] + timedelta(days=step))
    # Qualified: every consent event and objection request is dated on or before the earliest A.
    # RET001 drops the marketing extension when the subject has objected "at A": a grant or
    # withdrawal recorded between two as-of dates that ends an objection brings the extension back,
    # the deadline moves later, and a finding at the earlier date rightly vanishes. (Objections
    # recorded in between only make deadlines earlier; a relationship end "D < A" and a hold that
    # has ended "at A" only switch findings on; holds and closures are the register as it stands.)
    tables = {
        **tables,
        "consents": [c for c in tables["consents"] if local(c["recorded_at"]).date() <= dates[0]],
        "requests": [
            r
            for r in tables["requests"]
            if r["kind"] != "objection" or local(r["received_at"]).date() <= dates[0]
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        register = load_register(write(Path(tmp) / "register", tables), timezone=policy.timezone)
        results = [run_audit(register, policy, as_of, select=RETENTION) for as_of in dates]
    for before, after in zip(results, results[1:], strict=False):
        event(f"retention findings at the earlier date: {size(before.findings.height)}")
        assert records(before) - records(after) == Counter(), (before.as_of, after.as_of)


def test_why_as_of_is_qualified_an_objection_ended_in_between_removes_ret001() -> None:
    # Ended 2020-01-01, P3Y after the relationship (+ P2Y marketing extension unless objected at A).
    # At A1 = 2023-06-01 the e-mail objection of 2019 is in force: deadline 2023-01-01 < A1, a
    # finding. The grant of 2024-01-01 ends the objection (no global spread here), so at
    # A2 = 2024-06-01 the extension applies: deadline 2025-01-01 >= A2, no finding.
    policy = make_policy(consent={"objection_is_global": False})
    tables: Tables = {
        "subjects": [
            {"subject_id": "S1", "subject_type": "person", "created_at": "2015-01-01",
             "relationship_ended_at": "2020-01-01"}
        ],
        "consents": [
            {"event_id": "E1", "subject_id": "S1", "purpose": "email_marketing", "action": "object",
             "recorded_at": "2019-05-01T10:00:00"},
            {"event_id": "E2", "subject_id": "S1", "purpose": "email_marketing", "action": "grant",
             "recorded_at": "2024-01-01T10:00:00", "source": "web_form", "evidence_ref": "F-2"},
        ],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        register = load_register(write(Path(tmp) / "register", tables))
        before = run_audit(register, policy, date(2023, 6, 1), select=["RET001"])
        after = run_audit(register, policy, date(2024, 6, 1), select=["RET001"])
    assert records(before) == Counter({("RET001", "subjects", "S1"): 1})
    assert records(after) == Counter()


# --- partitions by subject ------------------------------------------------------------------------

CROSS_SUBJECT = {"DAT001", "DAT004", "DAT005", "DAT006"}


def partition(subject_id: str | None) -> int:
    if subject_id is None:  # a note about no one: any partition, the same every time
        return 0
    return hashlib.sha256(subject_id.encode()).digest()[0] % 2


@budget(3)
@given(registers(duplicated_subject=True), policies)
def test_auditing_partitions_by_subject_gives_the_findings_of_the_whole(
    tables: Tables, policy: Policy
) -> None:
    # ARCHITECTURE.md "Partitionable by subject": every rule except the four cross-subject ones
    # (DAT001 column contents, DAT004 unknown references, DAT005 duplicate persons, DAT006 keys)
    # reads one subject's rows at a time. A duplicated subject_id goes whole to one partition, in
    # file order, so its first row stays first.
    parts = [
        {
            name: [r for r in rows if partition(r["subject_id"]) == p]
            for name, rows in tables.items()
        }
        for p in (0, 1)
    ]
    whole = run(tables, policy)
    pieces = [run(part, policy) for part in parts]

    def per_subject(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(~pl.col("rule").is_in(CROSS_SUBJECT))

    union = contents(per_subject(pieces[0].findings)) + contents(per_subject(pieces[1].findings))
    event(f"findings in the smaller partition: {size(min(p.findings.height for p in pieces))}")
    assert union == contents(per_subject(whole.findings))
    assert pieces[0].skipped == pieces[1].skipped == whole.skipped
