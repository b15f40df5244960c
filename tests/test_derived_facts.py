"""The shared derived facts of RULES.md ("Derived facts shared by several rules"), tested alone
through `Context`: consent state, objection, effective relationship end, holds, local dates.

Timestamps are naive local Helsinki time, as in the register's CSVs. A = 2026-06-30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from auditkit.register.loader import load_register
from auditkit.register.schema import ROW
from auditkit.rules.context import Context
from tests.builders import AS_OF, make_policy, write_register

HELSINKI = ZoneInfo("Europe/Helsinki")
MARKETING = [
    "automated_call_marketing",
    "email_marketing",
    "phone_marketing",
    "post_marketing",
    "sms_marketing",
]


def context(
    tmp_path: Path, *, as_of: date = AS_OF, policy=None, **tables: list[dict[str, Any]]
) -> Context:
    policy = policy or make_policy()
    tables.setdefault("subjects", [{"subject_id": "S1"}])
    root = write_register(tmp_path / "register", tables)
    return Context(load_register(root, timezone=policy.timezone), policy, as_of)


def instant(local: str) -> datetime:
    """A naive local Helsinki timestamp as a UTC instant."""
    return datetime.fromisoformat(local).replace(tzinfo=HELSINKI).astimezone(UTC)


def consent(
    event_id: str, purpose: str, action: str, at: str, subject: str = "S1"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subject_id": subject,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
    }


def objection_request(
    request_id: str, at: str, outcome: str | None = None, kind: str = "objection"
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "subject_id": "S1",
        "kind": kind,
        "received_at": at,
        "completed_at": None,
        "outcome": outcome,
    }


def states(
    ctx: Context, at: str, purposes: list[str], subject: str = "S1", **kwargs: Any
) -> dict[str, str | None]:
    """The consent state of each purpose at a local instant, through Context.state_at."""
    probe = pl.LazyFrame(
        {
            ROW: list(range(len(purposes))),
            "subject_id": [subject] * len(purposes),
            "purpose": purposes,
            "at": [instant(at)] * len(purposes),
        },
        schema={
            ROW: pl.Int64,
            "subject_id": pl.String,
            "purpose": pl.String,
            "at": pl.Datetime("us", "UTC"),
        },
    )
    out = (
        ctx.state_at(probe, purpose=pl.col("purpose"), at=pl.col("at"), **kwargs)
        .sort(ROW)
        .collect()
    )
    return dict(zip(out["purpose"].to_list(), out["state"].to_list(), strict=True))


def state(ctx: Context, at: str, purpose: str, **kwargs: Any) -> str | None:
    return states(ctx, at, [purpose], **kwargs)[purpose]


def in_force(ctx: Context, at: str, purpose: str) -> list[str]:
    """The consents events in force at `at`: those giving the state (same instant, same action)."""
    at_ = instant(at)
    intervals = ctx.consent_intervals().filter(
        (pl.col("purpose") == purpose)
        & (pl.col("valid_from") <= at_)
        & (pl.col("valid_until").is_null() | (pl.col("valid_until") > at_))
    )
    events = ctx.consent_events().filter(pl.col("event_id").is_not_null())
    return sorted(
        events.join(
            intervals,
            left_on=["subject_id", "purpose", "recorded_at", "action"],
            right_on=["subject_id", "purpose", "valid_from", "state"],
        )
        .collect()["event_id"]
        .to_list()
    )


def objected(ctx: Context, at: str, **kwargs: Any) -> bool:
    probe = pl.LazyFrame(
        {ROW: [0], "subject_id": ["S1"], "at": [instant(at)]},
        schema={ROW: pl.Int64, "subject_id": pl.String, "at": pl.Datetime("us", "UTC")},
    )
    return bool(ctx.objected_at(probe, at=pl.col("at"), **kwargs).collect()["objected"][0])


# --- consent state ------------------------------------------------------------------------------


def test_state_is_the_latest_event_at_or_before_t(tmp_path) -> None:
    ctx = context(
        tmp_path,
        consents=[
            consent("E1", "email_marketing", "grant", "2024-01-01T10:00:00"),
            consent("E2", "email_marketing", "withdraw", "2025-01-01T10:00:00"),
        ],
    )
    assert state(ctx, "2023-12-31T23:59:00", "email_marketing") is None  # no event yet
    assert state(ctx, "2024-01-01T10:00:00", "email_marketing") == "grant"  # recorded_at <= T
    assert state(ctx, "2024-12-31T23:00:00", "email_marketing") == "grant"
    assert state(ctx, "2025-01-01T10:00:00", "email_marketing") == "withdraw"
    assert state(ctx, "2025-01-01T10:00:00", "sms_marketing") is None  # another purpose


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["grant", "withdraw"], "withdraw"),
        (["withdraw", "grant"], "withdraw"),
        (["grant", "object"], "object"),
        (["object", "withdraw"], "object"),
        (["grant", "withdraw", "object"], "object"),
        (["grant", "grant"], "grant"),
    ],
)
def test_at_the_same_instant_the_stricter_action_wins(
    tmp_path, actions: list[str], expected: str
) -> None:
    # profiling: not a marketing purpose, so the global spread plays no part.
    ctx = context(
        tmp_path,
        consents=[
            consent(f"E{i}", "profiling", a, "2024-05-01T12:00:00")
            for i, a in enumerate(actions, start=1)
        ],
    )
    assert state(ctx, "2024-05-01T12:00:00", "profiling") == expected


def test_events_in_force_are_those_giving_the_state_ties_included(tmp_path) -> None:
    ctx = context(
        tmp_path,
        consents=[
            consent("E1", "profiling", "grant", "2024-01-01T10:00:00"),
            consent("E2", "profiling", "grant", "2024-01-01T10:00:00"),  # same instant, same action
            consent("E3", "profiling", "grant", "2024-06-01T10:00:00"),
            consent(
                "E4", "profiling", "withdraw", "2024-06-01T10:00:00"
            ),  # stricter at the same instant
            consent("E5", "profiling", "grant", "2025-01-01T10:00:00"),
        ],
    )
    assert in_force(ctx, "2024-03-01T00:00:00", "profiling") == ["E1", "E2"]
    assert in_force(ctx, "2024-07-01T00:00:00", "profiling") == ["E4"]  # E3 is overridden by E4
    assert in_force(ctx, "2026-06-30T23:59:00", "profiling") == ["E5"]


def test_global_objection_spreads_to_every_marketing_purpose(tmp_path) -> None:
    ctx = context(
        tmp_path,
        consents=[
            consent("E0", "sms_marketing", "grant", "2024-01-01T10:00:00"),
            consent("E1", "email_marketing", "object", "2024-03-01T10:00:00"),
        ],
    )
    got = states(ctx, "2024-03-01T10:00:00", [*MARKETING, "profiling", "market_research"])
    assert got == {**dict.fromkeys(MARKETING, "object"), "profiling": None, "market_research": None}
    assert state(ctx, "2024-03-01T09:59:00", "sms_marketing") == "grant"


def test_objection_stays_with_its_purpose_when_not_global(tmp_path) -> None:
    policy = make_policy(consent={"objection_is_global": False})
    ctx = context(
        tmp_path,
        policy=policy,
        consents=[
            consent("E0", "sms_marketing", "grant", "2024-01-01T10:00:00"),
            consent("E1", "email_marketing", "object", "2024-03-01T10:00:00"),
        ],
    )
    got = states(ctx, "2024-06-01T00:00:00", MARKETING)
    assert got == {
        **dict.fromkeys(MARKETING, None),
        "email_marketing": "object",
        "sms_marketing": "grant",
    }


def test_spread_objection_beats_a_grant_at_the_same_instant(tmp_path) -> None:
    ctx = context(
        tmp_path,
        consents=[
            consent("E1", "email_marketing", "object", "2024-03-01T10:00:00"),
            consent("E2", "sms_marketing", "grant", "2024-03-01T10:00:00"),
        ],
    )
    assert state(ctx, "2024-03-01T10:00:00", "sms_marketing") == "object"


def test_profiling_objection_is_not_spread_to_marketing(tmp_path) -> None:
    ctx = context(tmp_path, consents=[consent("E1", "profiling", "object", "2024-03-01T10:00:00")])
    assert states(ctx, "2024-06-01T00:00:00", MARKETING) == dict.fromkeys(MARKETING)


def test_later_grant_restores_only_its_own_purpose(tmp_path) -> None:
    ctx = context(
        tmp_path,
        consents=[
            consent("E1", "email_marketing", "object", "2024-03-01T10:00:00"),
            consent("E2", "sms_marketing", "grant", "2024-04-01T10:00:00"),
        ],
    )
    got = states(ctx, "2024-05-01T00:00:00", MARKETING)
    assert got == {**dict.fromkeys(MARKETING, "object"), "sms_marketing": "grant"}
    # Some marketing purpose is still `object`: the subject still objected to marketing.
    assert objected(ctx, "2024-05-01T00:00:00")


@pytest.mark.parametrize("outcome", [None, "fulfilled", "partially_fulfilled", "refused"])
def test_objection_request_is_an_object_event_for_marketing_profiling_and_research(
    tmp_path, outcome
) -> None:
    ctx = context(
        tmp_path,
        requests=[objection_request("R1", "2024-03-01T10:00:00", outcome)],
        consents=[consent("E1", "third_party_disclosure", "grant", "2024-01-01T10:00:00")],
    )
    purposes = [*MARKETING, "profiling", "market_research", "third_party_disclosure"]
    got = states(ctx, "2024-03-01T10:00:00", purposes)
    assert got == {
        **dict.fromkeys(MARKETING + ["profiling", "market_research"], "object"),
        "third_party_disclosure": "grant",
    }
    assert state(ctx, "2024-03-01T09:59:59", "email_marketing") is None


def test_objection_request_counts_even_when_the_objection_is_not_global(tmp_path) -> None:
    policy = make_policy(consent={"objection_is_global": False})
    ctx = context(
        tmp_path, policy=policy, requests=[objection_request("R1", "2024-03-01T10:00:00")]
    )
    assert states(ctx, "2024-04-01T00:00:00", MARKETING) == dict.fromkeys(MARKETING, "object")


def test_objection_requests_can_be_left_out_and_other_kinds_never_count(tmp_path) -> None:
    ctx = context(
        tmp_path,
        requests=[
            objection_request("R1", "2024-03-01T10:00:00"),
            objection_request("R2", "2024-02-01T10:00:00", kind="erasure"),
        ],
    )
    assert state(ctx, "2024-04-01T00:00:00", "email_marketing", with_requests=False) is None
    assert state(ctx, "2024-02-15T00:00:00", "email_marketing") is None  # erasure request
    assert not objected(ctx, "2024-04-01T00:00:00", with_requests=False)
    assert objected(ctx, "2024-04-01T00:00:00")


def test_objected_to_marketing_follows_the_state_of_the_marketing_purposes(tmp_path) -> None:
    policy = make_policy(consent={"objection_is_global": False})
    ctx = context(
        tmp_path,
        policy=policy,
        consents=[
            consent("E1", "post_marketing", "object", "2024-03-01T10:00:00"),
            consent("E2", "post_marketing", "grant", "2024-09-01T10:00:00"),
            consent("E3", "profiling", "object", "2024-10-01T10:00:00"),
            consent("E4", "email_marketing", "withdraw", "2024-11-01T10:00:00"),
        ],
    )
    assert not objected(ctx, "2024-02-01T00:00:00")
    assert objected(ctx, "2024-03-01T10:00:00")
    assert not objected(ctx, "2024-09-01T10:00:00")  # the grant ends it
    assert not objected(ctx, "2024-12-01T00:00:00")  # profiling and a withdrawal are not objections


def test_objection_of_another_subject_is_not_yours(tmp_path) -> None:
    ctx = context(
        tmp_path,
        subjects=[{"subject_id": "S1"}, {"subject_id": "S2"}],
        consents=[consent("E1", "email_marketing", "object", "2024-03-01T10:00:00", subject="S2")],
    )
    assert not objected(ctx, "2024-04-01T00:00:00")
    assert state(ctx, "2024-04-01T00:00:00", "email_marketing") is None


# --- effective relationship end -------------------------------------------------------------------


def relationship_ends(ctx: Context) -> dict[str, date | None]:
    out = ctx.subjects.select("subject_id", end=ctx.relationship_end()).collect()
    return dict(zip(out["subject_id"].to_list(), out["end"].to_list(), strict=True))


def test_relationship_end_decision_list(tmp_path) -> None:
    # inactive_after = P5Y; A = 2026-06-30.
    ctx = context(
        tmp_path,
        subjects=[
            # (1) ended set: the later of it and last_activity_at
            {"subject_id": "A1", "relationship_ended_at": "2021-03-31"},
            {
                "subject_id": "A2",
                "relationship_ended_at": "2021-03-31",
                "last_activity_at": "2022-01-15",
            },
            {
                "subject_id": "A3",
                "relationship_ended_at": "2021-03-31",
                "last_activity_at": "2020-01-15",
            },
            # (1) even when the end is recent (no inactivity test)
            {"subject_id": "A4", "relationship_ended_at": "2026-06-01", "created_at": "2026-01-01"},
            # (2) no end: last_activity_at + P5Y = 2025-06-29 < A
            {"subject_id": "B1", "last_activity_at": "2020-06-29", "created_at": "2010-01-01"},
            # (2) no activity: created_at + P5Y = 2026-06-29 < A
            {"subject_id": "B2", "created_at": "2021-06-29"},
            # (3) created_at + P5Y = 2026-06-30 = A, not before A: active
            {"subject_id": "C1", "created_at": "2021-06-30"},
            # (3) a recent last activity keeps an old customer active
            {"subject_id": "C2", "created_at": "2010-01-01", "last_activity_at": "2024-01-01"},
        ],
    )
    assert relationship_ends(ctx) == {
        "A1": date(2021, 3, 31),
        "A2": date(2022, 1, 15),
        "A3": date(2021, 3, 31),
        "A4": date(2026, 6, 1),
        "B1": date(2025, 6, 29),
        "B2": date(2026, 6, 29),
        "C1": None,
        "C2": None,
    }


def test_relationship_end_inactivity_clamps_a_leap_day(tmp_path) -> None:
    # 2020-02-29 + P5Y = 2025-02-28 (clamped to the month's last day).
    ctx = context(tmp_path, subjects=[{"subject_id": "S1", "last_activity_at": "2020-02-29"}])
    assert relationship_ends(ctx) == {"S1": date(2025, 2, 28)}


def test_subjects_fact_is_the_first_row_of_a_duplicated_subject(tmp_path) -> None:
    ctx = context(
        tmp_path,
        subjects=[
            {"subject_id": "S1", "relationship_ended_at": "2021-01-01"},
            {"subject_id": "S2"},
            {"subject_id": "S1", "relationship_ended_at": "2023-01-01"},
        ],
    )
    assert relationship_ends(ctx)["S1"] == date(2021, 1, 1)
    assert ctx.subjects.collect().height == 2


# --- accounting hold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_end", "closed", "until"),
    [
        ("12-31", date(2020, 8, 1), date(2026, 12, 31)),
        ("12-31", date(2020, 12, 31), date(2026, 12, 31)),
        ("12-31", date(2021, 1, 1), date(2027, 12, 31)),
        # RULES.md: year end 06-30, closed 2020-08-01 → the year ends 2021-06-30 → 2027-12-31
        ("06-30", date(2020, 8, 1), date(2027, 12, 31)),
        ("06-30", date(2020, 6, 30), date(2026, 12, 31)),  # the year end itself is in that year
        ("06-30", date(2020, 1, 15), date(2026, 12, 31)),
        ("02-28", date(2020, 2, 28), date(2026, 12, 31)),
        # 29 Feb is after 28 Feb: the first 02-28 on or after it is 2021-02-28
        ("02-28", date(2020, 2, 29), date(2027, 12, 31)),
        ("02-28", date(2020, 3, 1), date(2027, 12, 31)),
    ],
)
def test_accounting_hold_until(tmp_path, year_end: str, closed: date, until: date) -> None:
    ctx = context(tmp_path, policy=make_policy(retention={"financial_year_end": year_end}))
    got = pl.select(ctx.accounting_hold_until(pl.lit(closed, pl.Date))).item()
    assert got == until


def test_accounting_hold_counts_the_policy_years(tmp_path) -> None:
    ctx = context(tmp_path, policy=make_policy(retention={"accounting_years": 10}))
    assert pl.select(ctx.accounting_hold_until(pl.lit(date(2020, 8, 1)))).item() == date(
        2030, 12, 31
    )


# --- legal holds ----------------------------------------------------------------------------------


def contract(contract_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "subject_id": "S1",
        "kind": kind,
        "signed_at": "2020-01-01",
        **extra,
    }


def holds(ctx: Context, **kwargs: Any) -> set[tuple[str, str, date | None]]:
    out = ctx.holds(**kwargs).collect()
    return set(
        zip(out["hold"].to_list(), out["source"].to_list(), out["until"].to_list(), strict=True)
    )


def test_holds_of_each_kind_open_or_until_a_date(tmp_path) -> None:
    ctx = context(
        tmp_path,
        contracts=[
            contract("SALE_OPEN", "sale"),
            contract("SALE_CLOSED", "sale", closed_at="2020-08-01"),
            contract("SALE_NOT_BOOKED", "sale", closed_at="2020-08-01", accounting_record="false"),
            contract(
                "OFFER", "offer", closed_at="2020-08-01"
            ),  # not accounting material by default
            contract("OFFER_BOOKED", "offer", closed_at="2020-08-01", accounting_record="true"),
            contract("FIN_OPEN", "financing", ends_at="2030-01-01"),
            contract("FIN_CLOSED", "financing", closed_at="2024-05-10"),
            contract("LEASE_CLOSED", "leasing", closed_at="2024-05-10"),
            contract("WARRANTY_ENDS", "warranty", ends_at="2027-01-01", closed_at="2025-01-01"),
            contract("WARRANTY_OPEN", "warranty"),
            contract("WARRANTY_CLOSED", "warranty", closed_at="2025-02-01"),
        ],
        requests=[
            {
                "request_id": "R_OPEN",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-06-01T10:00:00",
            },
            {
                "request_id": "R_DONE",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-01-01T10:00:00",
                "completed_at": "2026-01-10T10:00:00",
            },
        ],
    )
    acc = date(2026, 12, 31)  # closed 2020-08-01, year end 12-31, + 6 years
    acc_2024 = date(2030, 12, 31)  # closed 2024-05-10
    assert holds(ctx) == {
        ("accounting", "SALE_OPEN", None),
        ("accounting", "SALE_CLOSED", acc),
        ("accounting", "OFFER_BOOKED", acc),
        ("accounting", "FIN_OPEN", None),
        ("credit", "FIN_OPEN", None),
        ("accounting", "FIN_CLOSED", acc_2024),
        ("credit", "FIN_CLOSED", date(2024, 5, 10)),  # ends on closed_at, still holds on it
        ("accounting", "LEASE_CLOSED", acc_2024),
        ("credit", "LEASE_CLOSED", date(2024, 5, 10)),
        ("warranty", "WARRANTY_ENDS", date(2027, 1, 1)),  # until ends_at, whatever closed_at says
        ("warranty", "WARRANTY_OPEN", None),  # no ends_at: while closed_at is null
        ("warranty", "WARRANTY_CLOSED", date(2025, 2, 1)),
        ("open_request", "R_OPEN", None),  # a completed request holds nothing
    }


def test_holds_can_be_asked_by_kind(tmp_path) -> None:
    ctx = context(
        tmp_path,
        contracts=[contract("FIN", "financing")],
        requests=[
            {
                "request_id": "R1",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-06-01T10:00:00",
            }
        ],
    )
    assert holds(ctx, kinds=("credit",)) == {("credit", "FIN", None)}
    assert {h for h, _, _ in holds(ctx, kinds=("accounting", "request"))} == {
        "accounting",
        "open_request",
    }


def test_subject_holds_open_wins_and_otherwise_the_latest_end(tmp_path) -> None:
    ctx = context(
        tmp_path,
        subjects=[{"subject_id": "S1"}, {"subject_id": "S2"}],
        contracts=[
            contract("C1", "sale", closed_at="2020-08-01"),  # accounting to 2026-12-31
            contract("C2", "warranty", ends_at="2028-01-01"),
            {**contract("C3", "sale", closed_at="2020-08-01"), "subject_id": "S2"},
            {**contract("C4", "financing"), "subject_id": "S2"},  # open
        ],
    )
    out = {r["subject_id"]: r for r in ctx.subject_holds().collect().to_dicts()}
    assert (out["S1"]["hold_open"], out["S1"]["hold_until"]) == (False, date(2028, 1, 1))
    assert out["S2"]["hold_open"] is True


def test_no_holds_without_contracts_or_requests(tmp_path) -> None:
    assert holds(context(tmp_path)) == set()


# --- time -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        (datetime(2026, 6, 30, 20, 59, tzinfo=UTC), date(2026, 6, 30)),  # 23:59 summer time (UTC+3)
        (
            datetime(2026, 6, 30, 21, 0, tzinfo=UTC),
            date(2026, 7, 1),
        ),  # 00:00 local, UTC date still 30th
        (datetime(2026, 1, 14, 21, 59, tzinfo=UTC), date(2026, 1, 14)),  # 23:59 winter time (UTC+2)
        (datetime(2026, 1, 14, 22, 0, tzinfo=UTC), date(2026, 1, 15)),
    ],
)
def test_local_date_of_a_datetime_across_midnight_utc(tmp_path, utc: datetime, local: date) -> None:
    ctx = context(tmp_path)
    value = pl.lit(utc).dt.convert_time_zone("UTC")
    assert pl.select(ctx.local_date(value)).item() == local


def test_local_date_follows_the_register_time_zone(tmp_path) -> None:
    ctx = context(tmp_path, policy=make_policy(register={"timezone": "America/New_York"}))
    value = pl.lit(datetime(2026, 7, 1, 2, 0, tzinfo=UTC)).dt.convert_time_zone("UTC")
    assert pl.select(ctx.local_date(value)).item() == date(2026, 6, 30)  # 22:00 EDT


def test_local_date_of_a_loaded_timestamp_is_its_written_date(tmp_path) -> None:
    ctx = context(
        tmp_path,
        notes=[
            {"note_id": "N1", "subject_id": "S1", "created_at": "2026-07-01T01:00:00"},
            {"note_id": "N2", "subject_id": "S1", "created_at": "2026-01-15T00:30:00"},
        ],
    )
    out = (
        ctx.table("notes")
        .select("note_id", day=ctx.local_date(pl.col("created_at")))
        .sort("note_id")
        .collect()
    )
    assert out["day"].to_list() == [date(2026, 7, 1), date(2026, 1, 15)]


def test_at_as_of_is_the_end_of_the_local_day(tmp_path) -> None:
    ctx = context(tmp_path)
    # The first instant after A is 2026-07-01T00:00 Helsinki = 2026-06-30T21:00 UTC.
    assert ctx.end_of_as_of == datetime(2026, 6, 30, 21, 0, tzinfo=UTC)
    last = pl.select(ctx.at_as_of).item()
    assert last < ctx.end_of_as_of and last >= instant("2026-06-30T23:59:59")
