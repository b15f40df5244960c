"""DSR001-DSR005: data-subject requests, each rule's breach, near miss, edge cases, shape and skips.

As-of date A = 2026-06-30 (tests/builders.AS_OF) unless a test says otherwise. Timestamps are naive
local Helsinki time (UTC+2 in winter, UTC+3 in summer); the deadline counts from the local date.
Deadline = the local receipt date + 1 calendar month (same day number, clamped), rolled forward past
Saturdays, Sundays and Finnish holidays; with an extension notified on or before that date, + 3
months as one step instead, rolled the same way.

Weekdays used below: 2026-02-28 Sat, 2026-03-02 Mon, 2026-04-03 Good Friday, 2026-04-06 Easter
Monday, 2026-04-30 Thu, 2026-05-01 May Day (Fri), 2026-06-06 Sat, 2026-06-19 Midsummer Eve (Fri),
2025-12-24 Christmas Eve (Wed) followed by Christmas, St Stephen's Day and a weekend,
2024-02-29 Thu.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditkit.audit import AuditResult
from tests.builders import audit, finding, found, make_policy

DEADLINE_RULES = ["DSR001", "DSR002", "DSR003"]


def req(
    request_id: str,
    received: str,
    *,
    completed: str | None = None,
    extended: str | None = None,
    kind: str = "access",
    outcome: str | None = None,
    subject_id: str = "S1",
) -> dict[str, Any]:
    """A request; timestamps given as a date only are 10:00 local time that day."""

    def stamp(value: str | None) -> str | None:
        return value if value is None or "T" in value else f"{value}T10:00:00"

    return {
        "request_id": request_id,
        "subject_id": subject_id,
        "kind": kind,
        "received_at": stamp(received),
        "extension_notified_at": stamp(extended),
        "completed_at": stamp(completed),
        "outcome": outcome or ("fulfilled" if completed else None),
    }


def run(
    tmp_path: Path, requests: list[dict[str, Any]], select: list[str] | None = None, **kwargs: Any
) -> AuditResult:
    kwargs.setdefault("subjects", [{"subject_id": "S1"}, {"subject_id": "S2"}])
    return audit(tmp_path, select=select or DEADLINE_RULES, requests=requests, **kwargs)


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["evidence"])


def skipped(result: AuditResult, rule: str) -> list[dict[str, Any]]:
    return [s for s in result.skipped if s["rule"] == rule]


def rules_for(result: AuditResult, record_id: str) -> list[str]:
    return sorted(result.findings.filter(result.findings["record_id"] == record_id)["rule"])


# ---------------------------------------------------------------------------------------------
# DSR001 request-overdue
# ---------------------------------------------------------------------------------------------


def test_dsr001_open_request_past_its_deadline(tmp_path) -> None:
    # Received 2026-05-06 → 2026-06-06 is a Saturday → due Monday 2026-06-08; A - 06-08 = 22 days.
    result = run(tmp_path, [req("R1", "2026-05-06")])
    assert rules_for(result, "R1") == ["DSR001"]
    row = finding(result, "DSR001", "R1")
    assert row["table"] == "requests" and row["subject_id"] == "S1"
    assert row["severity"] == "high" and row["area"] == "requests"
    assert row["due_at"] == date(2026, 6, 8) and row["occurred_at"] == date(2026, 6, 9)
    assert row["days_overdue"] == 22
    facts = evidence(row)
    assert facts["received_on"] == "2026-05-06" and facts["deadline"] == "2026-06-08"
    assert facts["one_month_deadline"] == "2026-06-08" and facts["completed_on"] is None
    assert "R1" in row["message"] and "2026-06-08" in row["message"]


def test_dsr001_deadline_on_as_of_date_has_not_passed(tmp_path) -> None:
    # 2026-05-30 + 1 month = 2026-06-30 (Tue) = A: not passed. 2026-05-29 → 06-29 (Mon): 1 day.
    result = run(tmp_path, [req("R1", "2026-05-30"), req("R2", "2026-05-29")])
    assert found(result, "DSR001") == ["R2"]
    assert finding(result, "DSR001", "R2")["days_overdue"] == 1


def test_dsr001_completed_request_is_never_open(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2025-01-05", completed="2025-06-01")], select=["DSR001"])
    assert found(result, "DSR001") == []


def test_dsr001_extension_in_time_moves_the_deadline_three_months(tmp_path) -> None:
    # Received 2026-03-03, extension 2026-03-20 (before 2026-04-07) → due 2026-06-03 (Wed), 27 days.
    result = run(tmp_path, [req("R1", "2026-03-03", extended="2026-03-20")], select=["DSR001"])
    row = finding(result, "DSR001", "R1")
    assert row["due_at"] == date(2026, 6, 3) and row["days_overdue"] == 27


def test_dsr001_extension_notified_late_keeps_the_one_month_deadline(tmp_path) -> None:
    # Received 2026-03-03 → 2026-04-03 Good Friday → Tue 2026-04-07; extension on 04-08 is late.
    result = run(tmp_path, [req("R1", "2026-03-03", extended="2026-04-08")])
    assert rules_for(result, "R1") == ["DSR001", "DSR003"]
    assert finding(result, "DSR001", "R1")["due_at"] == date(2026, 4, 7)


def test_dsr001_request_of_an_unknown_subject_is_still_judged(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-05-06", subject_id="S404")], select=["DSR001"])
    assert found(result, "DSR001") == ["R1"]
    assert finding(result, "DSR001", "R1")["subject_id"] == "S404"


# ---------------------------------------------------------------------------------------------
# DSR002 request-answered-late
# ---------------------------------------------------------------------------------------------


def test_dsr002_rules_example_31_january_due_on_monday_2_march(tmp_path) -> None:
    # 2026-01-31 + 1 month = 2026-02-28 (clamped), a Saturday → Monday 2026-03-02.
    result = run(
        tmp_path,
        [
            req("R1", "2026-01-31", completed="2026-03-02T16:00:00"),
            req("R2", "2026-01-31", completed="2026-03-04", kind="rectification"),
        ],
    )
    assert rules_for(result, "R1") == []
    row = finding(result, "DSR002", "R2")
    assert row["table"] == "requests" and row["subject_id"] == "S1"
    assert row["severity"] == "medium" and row["area"] == "requests"
    assert row["due_at"] == date(2026, 3, 2)
    assert row["occurred_at"] == date(2026, 3, 4)  # the completion
    assert row["days_overdue"] == 2  # completion date - deadline
    assert evidence(row)["completed_on"] == "2026-03-04"


def test_dsr002_31_january_in_a_leap_year_is_due_29_february(tmp_path) -> None:
    result = run(
        tmp_path,
        [
            req("R1", "2024-01-31", completed="2024-02-29"),
            req("R2", "2024-01-31", completed="2024-03-01"),
        ],
        select=["DSR002"],
    )
    assert found(result, "DSR002") == ["R2"]
    row = finding(result, "DSR002", "R2")
    assert row["due_at"] == date(2024, 2, 29) and row["days_overdue"] == 1


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-05-06", "2026-06-08"),  # 2026-06-06 is a Saturday
        ("2026-05-19", "2026-06-22"),  # 2026-06-19 Midsummer Eve, then Midsummer Day and Sunday
        ("2025-11-24", "2025-12-29"),  # Christmas Eve, Christmas, St Stephen's Day, weekend
        ("2026-03-03", "2026-04-07"),  # Good Friday, weekend, Easter Monday
    ],
)
def test_dsr002_deadline_rolls_to_the_next_working_day(tmp_path, received: str, due: str) -> None:
    after = date.fromordinal(date.fromisoformat(due).toordinal() + 1).isoformat()
    result = run(
        tmp_path,
        [req("ON", received, completed=due), req("LATE", received, completed=after)],
        select=["DSR002"],
    )
    # Answered on the rolled-forward deadline is lawful; the day after is late.
    assert found(result, "DSR002") == ["LATE"]
    row = finding(result, "DSR002", "LATE")
    assert row["due_at"] == date.fromisoformat(due) and row["days_overdue"] == 1


def test_dsr002_extension_in_time_gives_three_months_as_one_step(tmp_path) -> None:
    # Received 2026-01-31 with an extension in time: + 3 months = 2026-04-30 (Thu). Two steps
    # (+1 → 02-28, +2 → 04-28) would be wrong. Completed 04-30 is lawful; 05-04 is 4 days late.
    result = run(
        tmp_path,
        [
            req("R1", "2026-01-31", extended="2026-02-20", completed="2026-04-30"),
            req("R2", "2026-01-31", extended="2026-02-20", completed="2026-05-04"),
        ],
    )
    assert rules_for(result, "R1") == []
    assert rules_for(result, "R2") == ["DSR002"]  # the extension was in time: no DSR003
    row = finding(result, "DSR002", "R2")
    assert row["due_at"] == date(2026, 4, 30) and row["days_overdue"] == 4
    assert evidence(row)["one_month_deadline"] == "2026-03-02"


def test_dsr002_30_november_plus_three_months_is_the_end_of_february(tmp_path) -> None:
    # 2023-11-30 + 3 months = 2024-02-29 (leap year, Thu);
    # 2025-11-30 + 3 months = 2026-02-28 (Sat) → Mon 2026-03-02.
    result = run(
        tmp_path,
        [
            req("R1", "2023-11-30", extended="2023-12-15", completed="2024-02-29"),
            req("R2", "2023-11-30", extended="2023-12-15", completed="2024-03-01"),
            req("R3", "2025-11-30", extended="2025-12-15", completed="2026-03-02"),
            req("R4", "2025-11-30", extended="2025-12-15", completed="2026-03-03"),
        ],
        select=["DSR002"],
    )
    assert found(result, "DSR002") == ["R2", "R4"]
    assert finding(result, "DSR002", "R2")["due_at"] == date(2024, 2, 29)
    assert finding(result, "DSR002", "R4")["due_at"] == date(2026, 3, 2)


def test_dsr002_extension_on_the_rolled_forward_one_month_deadline_is_in_time(tmp_path) -> None:
    # Received 2026-01-31: one-month deadline 2026-03-02 (rolled from Saturday 02-28).
    result = run(
        tmp_path,
        [
            req("R1", "2026-01-31", extended="2026-03-02", completed="2026-04-30"),
            req("R2", "2026-01-31", extended="2026-03-03", completed="2026-04-30"),
        ],
    )
    assert rules_for(result, "R1") == []
    # Notified a day late: DSR003, and the deadline stays 2026-03-02, so the answer is late too.
    assert rules_for(result, "R2") == ["DSR002", "DSR003"]
    assert finding(result, "DSR002", "R2")["due_at"] == date(2026, 3, 2)


def test_dsr002_refusal_is_judged_too(tmp_path) -> None:
    # Art. 12(4): a refusal is owed within the same month.
    result = run(tmp_path, [req("R1", "2026-01-31", completed="2026-03-04", outcome="refused")])
    assert rules_for(result, "R1") == ["DSR002", "DSR003"]


def test_dsr002_open_request_is_not_answered_late(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-01-05")], select=["DSR002", "DSR003"])
    assert found(result, "DSR002") == [] and found(result, "DSR003") == []


def test_dsr002_receipt_is_counted_from_its_local_date(tmp_path) -> None:
    # 2026-04-01 00:30 local is 2026-03-31 21:30 UTC. From the local date: 2026-05-01 is May Day
    # (Fri) → due Mon 2026-05-04. (From the UTC date it would be 2026-04-30.)
    result = run(tmp_path, [req("R1", "2026-04-01T00:30:00", completed="2026-05-04")])
    assert rules_for(result, "R1") == []


def test_dsr002_completion_is_counted_from_its_local_date(tmp_path) -> None:
    # Due 2026-05-04. 2026-05-04 23:30 local is on time; 2026-05-05 00:30 local (= 05-04 21:30 UTC)
    # is a day late.
    result = run(
        tmp_path,
        [
            req("R1", "2026-04-01T00:30:00", completed="2026-05-04T23:30:00"),
            req("R2", "2026-04-01T00:30:00", completed="2026-05-05T00:30:00"),
        ],
        select=["DSR002"],
    )
    assert found(result, "DSR002") == ["R2"]
    row = finding(result, "DSR002", "R2")
    assert row["due_at"] == date(2026, 5, 4) and row["days_overdue"] == 1


# ---------------------------------------------------------------------------------------------
# DSR003 extension-not-notified-in-time
# ---------------------------------------------------------------------------------------------


def test_dsr003_late_answer_without_extension_notice_is_two_failures(tmp_path) -> None:
    # Received 2026-02-02 → due 2026-03-02 (Mon); answered 2026-04-20 without an extension notice.
    result = run(tmp_path, [req("R1", "2026-02-02", completed="2026-04-20")])
    assert rules_for(result, "R1") == ["DSR002", "DSR003"]
    row = finding(result, "DSR003", "R1")
    assert row["table"] == "requests" and row["subject_id"] == "S1"
    assert row["severity"] == "medium" and row["area"] == "requests"
    assert row["due_at"] == date(2026, 3, 2)
    assert row["occurred_at"] == date(2026, 4, 20)  # the completion
    assert "no extension" in row["message"]


def test_dsr003_extension_notified_after_the_one_month_deadline(tmp_path) -> None:
    # Received 2026-03-03 → one month 2026-04-07 (Easter). Notified 04-08: DSR003 on that day; the
    # deadline stays 04-07, so an answer on 2026-05-20 is DSR002 as well.
    result = run(tmp_path, [req("R1", "2026-03-03", extended="2026-04-08", completed="2026-05-20")])
    assert rules_for(result, "R1") == ["DSR002", "DSR003"]
    row = finding(result, "DSR003", "R1")
    assert row["occurred_at"] == date(2026, 4, 8) and row["due_at"] == date(2026, 4, 7)
    assert evidence(row)["extension_notified_on"] == "2026-04-08"
    assert finding(result, "DSR002", "R1")["due_at"] == date(2026, 4, 7)


def test_dsr003_extension_notified_on_the_one_month_deadline_is_in_time(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-03-03", extended="2026-04-07", completed="2026-05-20")])
    assert rules_for(result, "R1") == []


def test_dsr003_completed_within_one_month_even_with_a_late_extension_notice(tmp_path) -> None:
    # Received 2026-01-05 → due 2026-02-05 (Thu); answered 02-04, an extension "notified" 02-10.
    result = run(tmp_path, [req("R1", "2026-01-05", completed="2026-02-04", extended="2026-02-10")])
    assert rules_for(result, "R1") == []


def test_dsr003_answer_on_the_one_month_deadline_needs_no_extension(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-01-05", completed="2026-02-05")])
    assert rules_for(result, "R1") == []


def test_dsr003_extension_in_time_with_answer_after_three_months_is_only_dsr002(tmp_path) -> None:
    # Received 2026-01-05, extension 01-20 → due 2026-04-06 Easter Monday → 04-07; answered 04-08.
    result = run(tmp_path, [req("R1", "2026-01-05", extended="2026-01-20", completed="2026-04-08")])
    assert rules_for(result, "R1") == ["DSR002"]


def test_dsr003_late_extension_on_a_still_open_request(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-05-06", extended="2026-06-09")])
    # One month: 2026-06-08. Notified 06-09: late. Still open at A past 06-08: DSR001.
    assert rules_for(result, "R1") == ["DSR001", "DSR003"]
    assert finding(result, "DSR003", "R1")["occurred_at"] == date(2026, 6, 9)


def test_dsr003_open_request_without_extension_is_only_overdue(tmp_path) -> None:
    result = run(tmp_path, [req("R1", "2026-05-06")])
    assert rules_for(result, "R1") == ["DSR001"]


# ---- missing inputs for DSR001-DSR003 ----------------------------------------------------------


def test_dsr001_to_dsr003_are_skipped_without_requests(tmp_path) -> None:
    result = audit(tmp_path, select=DEADLINE_RULES, subjects=[{"subject_id": "S1"}])
    for rule in DEADLINE_RULES:
        assert skipped(result, rule) == [{"rule": rule, "reason": "requests absent"}]


def test_dsr001_to_dsr003_are_skipped_without_completed_at(tmp_path) -> None:
    # Without the column no request can be told open or answered: never "no data, no breach".
    rows = [
        {
            "request_id": "R1",
            "subject_id": "S1",
            "kind": "access",
            "received_at": "2026-01-05T10:00:00",
        }
    ]
    result = run(tmp_path, rows)
    for rule in DEADLINE_RULES:
        assert skipped(result, rule) == [{"rule": rule, "reason": "requests.completed_at absent"}]
    assert result.findings.height == 0


def test_dsr001_to_dsr003_without_extension_column_use_one_month_and_note_it(tmp_path) -> None:
    rows = [
        {
            "request_id": "R1",
            "subject_id": "S1",
            "kind": "access",
            "received_at": "2026-01-31T10:00:00",
            "completed_at": "2026-03-04T10:00:00",
            "outcome": "fulfilled",
        }
    ]
    result = run(tmp_path, rows)
    assert rules_for(result, "R1") == ["DSR002", "DSR003"]
    for rule in DEADLINE_RULES:
        assert skipped(result, rule) == []
        assert any(
            "requests.extension_notified_at absent" in n for n in result.statuses[rule].notes
        )


# ---------------------------------------------------------------------------------------------
# DSR004 objection-not-propagated
# ---------------------------------------------------------------------------------------------
# An objection received 2026-03-02 10:00 with the default 7 days: the window is 03-02 to 03-09.


def objection(
    request_id: str = "R1", received: str = "2026-03-02", **kwargs: Any
) -> dict[str, Any]:
    kwargs.setdefault("completed", "2026-03-03")
    return req(request_id, received, kind="objection", **kwargs)


def consent(
    event_id: str,
    at: str,
    purpose: str = "email_marketing",
    action: str = "object",
    subject_id: str = "S1",
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subject_id": subject_id,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
        "source": "crm",
        "evidence_ref": f"ev-{event_id}",
    }


# Another subject's research consent: keeps the consents table present without objecting for S1.
UNRELATED = {
    "event_id": "E0",
    "subject_id": "S2",
    "purpose": "market_research",
    "action": "grant",
    "recorded_at": "2020-01-01T10:00:00",
    "source": "crm",
    "evidence_ref": "ev-E0",
}


def dsr004(
    tmp_path: Path, requests: list[dict[str, Any]], consents: list[dict[str, Any]], **kwargs: Any
) -> AuditResult:
    return run(tmp_path, requests, select=["DSR004"], consents=[UNRELATED, *consents], **kwargs)


def test_dsr004_objection_never_recorded_in_the_consent_register(tmp_path) -> None:
    # Someone else's objection does not count. A - 2026-03-09 = 22 + 30 + 31 + 30 = 113 days.
    result = dsr004(
        tmp_path, [objection()], [consent("E1", "2026-03-03T10:00:00", subject_id="S2")]
    )
    row = finding(result, "DSR004", "R1")
    assert row["table"] == "requests" and row["subject_id"] == "S1"
    assert row["severity"] == "medium" and row["area"] == "requests"
    assert row["due_at"] == date(2026, 3, 9) and row["occurred_at"] == date(2026, 3, 10)
    assert row["days_overdue"] == 113
    facts = evidence(row)
    assert facts["received_on"] == "2026-03-02" and facts["window_end"] == "2026-03-09"
    assert facts["propagation_days"] == 7


def test_dsr004_object_recorded_on_the_last_day_of_the_window_is_lawful(tmp_path) -> None:
    result = dsr004(
        tmp_path,
        [objection("R1", "2026-03-02"), objection("R2", "2026-03-02", subject_id="S2")],
        [
            consent("E1", "2026-03-09T23:30:00"),
            consent("E2", "2026-03-10T09:00:00", subject_id="S2"),
        ],
    )
    assert found(result, "DSR004") == ["R2"]  # S2's was recorded one day after the window


def test_dsr004_window_is_in_local_dates(tmp_path) -> None:
    # 2026-03-10 00:30 local is 2026-03-09 22:30 UTC: its local date is after the window.
    result = dsr004(tmp_path, [objection()], [consent("E1", "2026-03-10T00:30:00")])
    assert found(result, "DSR004") == ["R1"]


def test_dsr004_object_recorded_earlier_on_the_day_of_receipt_counts(tmp_path) -> None:
    result = dsr004(
        tmp_path,
        [objection("R1", "2026-03-02T15:00:00")],
        [consent("E1", "2026-03-02T08:00:00", purpose="sms_marketing")],
    )
    assert found(result, "DSR004") == []


def test_dsr004_objection_already_in_force_at_receipt(tmp_path) -> None:
    result = dsr004(tmp_path, [objection()], [consent("E1", "2025-01-01T10:00:00")])
    assert found(result, "DSR004") == []


def test_dsr004_objection_reversed_before_receipt_is_not_in_force(tmp_path) -> None:
    result = dsr004(
        tmp_path,
        [objection()],
        [
            consent("E1", "2025-01-01T10:00:00"),
            consent("E2", "2025-06-01T10:00:00", action="grant"),
        ],
        policy=make_policy(consent={"objection_is_global": False}),
    )
    assert found(result, "DSR004") == ["R1"]


def test_dsr004_global_objection_stays_in_force_for_purposes_not_granted_again(tmp_path) -> None:
    # Global spread: the e-mail objection also objects to sms etc.; the grant restores e-mail only.
    result = dsr004(
        tmp_path,
        [objection()],
        [
            consent("E1", "2025-01-01T10:00:00"),
            consent("E2", "2025-06-01T10:00:00", action="grant"),
        ],
    )
    assert found(result, "DSR004") == []


def test_dsr004_objection_requests_themselves_are_not_propagation(tmp_path) -> None:
    # An earlier objection request (R0) is neither a consents row in the window nor an objection
    # in force in the consent register; both requests lack propagation.
    result = dsr004(tmp_path, [objection("R0", "2025-01-10"), objection("R1", "2026-03-02")], [])
    assert found(result, "DSR004") == ["R0", "R1"]


@pytest.mark.parametrize(
    ("purpose", "action"),
    [
        ("profiling", "object"),
        ("market_research", "object"),
        ("third_party_disclosure", "object"),
        ("email_marketing", "withdraw"),
        ("email_marketing", "grant"),
    ],
)
def test_dsr004_only_an_object_for_a_marketing_purpose_counts(tmp_path, purpose, action) -> None:
    result = dsr004(
        tmp_path, [objection()], [consent("E1", "2026-03-03T10:00:00", purpose, action)]
    )
    assert found(result, "DSR004") == ["R1"]


@pytest.mark.parametrize(
    "purpose", ["sms_marketing", "phone_marketing", "post_marketing", "automated_call_marketing"]
)
def test_dsr004_any_marketing_purpose_counts(tmp_path, purpose: str) -> None:
    result = dsr004(tmp_path, [objection()], [consent("E1", "2026-03-03T10:00:00", purpose)])
    assert found(result, "DSR004") == []


def test_dsr004_no_finding_until_the_window_has_passed(tmp_path) -> None:
    # Received 06-23: window ends 06-30 = A → not yet judged. Received 06-22: ends 06-29 → 1 day.
    result = dsr004(tmp_path, [objection("R1", "2026-06-23"), objection("R2", "2026-06-22")], [])
    assert found(result, "DSR004") == ["R2"]
    assert finding(result, "DSR004", "R2")["days_overdue"] == 1


def test_dsr004_any_outcome_is_judged(tmp_path) -> None:
    result = dsr004(
        tmp_path,
        [
            objection("R1", completed="2026-03-03", outcome="refused"),
            objection("R2", completed=None),
            req("R3", "2026-03-02", kind="access", completed="2026-03-03"),
        ],
        [],
    )
    assert found(result, "DSR004") == ["R1", "R2"]


def test_dsr004_propagation_days_come_from_the_policy(tmp_path) -> None:
    # Zero days: only the day of receipt.
    policy = make_policy(requests={"objection_propagation_days": 0})
    result = dsr004(
        tmp_path,
        [objection("R1"), objection("R2", subject_id="S2")],
        [
            consent("E1", "2026-03-02T18:00:00"),
            consent("E2", "2026-03-03T08:00:00", subject_id="S2"),
        ],
        policy=policy,
    )
    assert found(result, "DSR004") == ["R2"]
    assert finding(result, "DSR004", "R2")["due_at"] == date(2026, 3, 2)


def test_dsr004_objection_of_an_unknown_subject_is_still_judged(tmp_path) -> None:
    result = dsr004(tmp_path, [objection(subject_id="S404")], [])
    assert found(result, "DSR004") == ["R1"]


def test_dsr004_is_skipped_without_consents(tmp_path) -> None:
    result = run(tmp_path, [objection()], select=["DSR004"])
    assert skipped(result, "DSR004") == [{"rule": "DSR004", "reason": "consents absent"}]


def test_dsr004_is_skipped_without_requests(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DSR004"],
        subjects=[{"subject_id": "S1"}],
        consents=[consent("E1", "2026-03-03T10:00:00")],
    )
    assert skipped(result, "DSR004") == [{"rule": "DSR004", "reason": "requests absent"}]


# ---------------------------------------------------------------------------------------------
# DSR005 erasure-not-carried-out
# ---------------------------------------------------------------------------------------------


def erasure(
    request_id: str = "R1",
    outcome: str = "fulfilled",
    subject_id: str = "S1",
    completed: str | None = "2025-11-03",
) -> dict[str, Any]:
    return req(
        request_id,
        "2025-10-20",
        completed=completed,
        kind="erasure",
        outcome=outcome,
        subject_id=subject_id,
    )


def person(subject_id: str, erased_at: str | None = None) -> dict[str, Any]:
    return {"subject_id": subject_id, "erased_at": erased_at}


def dsr005(tmp_path: Path, requests: list[dict[str, Any]], **kwargs: Any) -> AuditResult:
    kwargs.setdefault("subjects", [person("S1"), person("S2", "2025-11-03T12:00:00")])
    return run(tmp_path, requests, select=["DSR005"], **kwargs)


def contract(contract_id: str, kind: str, **facts: Any) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "subject_id": "S1",
        "kind": kind,
        "signed_at": "2015-01-01",
        **facts,
    }


def test_dsr005_fulfilled_erasure_but_subject_not_erased(tmp_path) -> None:
    result = dsr005(tmp_path, [erasure("R1"), erasure("R2", subject_id="S2")])
    assert found(result, "DSR005") == ["R1"]  # S2 was erased
    row = finding(result, "DSR005", "R1")
    assert row["table"] == "requests" and row["subject_id"] == "S1"
    assert row["severity"] == "high" and row["area"] == "requests"
    assert row["occurred_at"] == date(2025, 11, 3)  # the completion
    assert row["due_at"] is None and row["days_overdue"] is None
    assert evidence(row)["outcome"] == "fulfilled"


def test_dsr005_fulfilled_is_a_finding_even_while_a_hold_lasts(tmp_path) -> None:
    # "Fulfilled" says everything was erased; a hold would make it partially fulfilled.
    result = dsr005(tmp_path, [erasure("R1")], contracts=[contract("C1", "sale")])
    assert found(result, "DSR005") == ["R1"]


def test_dsr005_partially_fulfilled_with_an_accounting_hold_at_as_of_date(tmp_path) -> None:
    # Sale closed 2024-03-01 → accounting hold to 2030-12-31.
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled")],
        contracts=[contract("C1", "sale", closed_at="2024-03-01")],
    )
    assert found(result, "DSR005") == []


def test_dsr005_partially_fulfilled_without_any_hold(tmp_path) -> None:
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled")],
        contracts=[contract("C1", "offer", closed_at="2024-03-01")],
    )
    assert found(result, "DSR005") == ["R1"]


def test_dsr005_partially_fulfilled_after_the_accounting_hold_ended(tmp_path) -> None:
    # Sale closed 2018-03-01 → hold to 2024-12-31, ended before A.
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled")],
        contracts=[contract("C1", "sale", closed_at="2018-03-01")],
    )
    assert found(result, "DSR005") == ["R1"]


def test_dsr005_partially_fulfilled_with_an_open_credit_contract(tmp_path) -> None:
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled")],
        contracts=[contract("C1", "leasing", accounting_record="false")],
    )
    assert found(result, "DSR005") == []


def test_dsr005_warranty_hold_still_holds_on_its_end_date(tmp_path) -> None:
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled"), erasure("R2", "partially_fulfilled", "S3")],
        subjects=[person("S1"), person("S3")],
        contracts=[
            contract("C1", "warranty", ends_at="2026-06-30"),
            {**contract("C3", "warranty", ends_at="2026-06-29"), "subject_id": "S3"},
        ],
    )
    assert found(result, "DSR005") == ["R2"]


def test_dsr005_open_request_is_not_a_hold_for_erasure(tmp_path) -> None:
    result = dsr005(
        tmp_path,
        [erasure("R1", "partially_fulfilled"), req("R9", "2026-06-20", kind="access")],
    )
    assert found(result, "DSR005") == ["R1"]


def test_dsr005_refused_or_open_erasure_and_other_kinds_are_not_judged(tmp_path) -> None:
    result = dsr005(
        tmp_path,
        [
            erasure("R1", "refused"),
            erasure("R2", completed=None),
            req("R3", "2025-10-20", kind="access", completed="2025-11-03", outcome="fulfilled"),
        ],
    )
    assert found(result, "DSR005") == []


def test_dsr005_request_of_an_unknown_subject_is_skipped(tmp_path) -> None:
    result = dsr005(tmp_path, [erasure("R1", subject_id="S404")])
    assert found(result, "DSR005") == []


def test_dsr005_duplicated_subject_is_judged_by_its_first_row(tmp_path) -> None:
    subjects = [person("S1"), person("S1", "2025-11-03T12:00:00")]
    assert found(dsr005(tmp_path / "a", [erasure()], subjects=subjects), "DSR005") == ["R1"]
    subjects.reverse()
    assert found(dsr005(tmp_path / "b", [erasure()], subjects=subjects), "DSR005") == []


def test_dsr005_is_skipped_without_erased_at(tmp_path) -> None:
    result = dsr005(tmp_path, [erasure()], subjects=[{"subject_id": "S1"}])
    assert skipped(result, "DSR005") == [{"rule": "DSR005", "reason": "subjects.erased_at absent"}]


def test_dsr005_is_skipped_without_outcome(tmp_path) -> None:
    # Without the outcome no request can be told fulfilled: never "no data, no breach".
    rows = [{k: v for k, v in erasure().items() if k != "outcome"}]
    result = dsr005(tmp_path, rows)
    assert skipped(result, "DSR005") == [{"rule": "DSR005", "reason": "requests.outcome absent"}]


def test_dsr005_without_contracts_runs_and_notes_that_no_hold_is_known(tmp_path) -> None:
    result = dsr005(tmp_path, [erasure("R1", "partially_fulfilled")])
    assert found(result, "DSR005") == ["R1"]
    assert any("contracts absent" in note for note in result.statuses["DSR005"].notes)
