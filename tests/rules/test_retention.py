"""RET001-RET004: retention, each rule's breach, near miss, edge cases, finding shape and skips.

As-of date A = 2026-06-30 (tests/builders.AS_OF) unless a test says otherwise. Base policy:
after_relationship P3Y, marketing_extension P2Y, inactive_after P5Y, accounting_years 6, financial
year ending 12-31, records offer P1Y / test_drive P6M / warranty P1Y, personal_id.needed_for
financing and leasing. Timestamps are naive local Helsinki time.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditkit.audit import AuditResult, run_audit
from auditkit.register.loader import load_register
from tests.builders import AS_OF, audit, finding, found, make_policy, write_register

VALID_PID = "131052-308T"  # the DVV example identity code (valid check character)


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["evidence"])


def skipped(result: AuditResult, rule: str) -> list[dict[str, Any]]:
    return [s for s in result.skipped if s["rule"] == rule]


def ended(subject_id: str, on: str, **facts: Any) -> dict[str, Any]:
    """A subject whose relationship ended on `on` (created long before)."""
    return {
        "subject_id": subject_id,
        "created_at": "2010-01-01",
        "relationship_ended_at": on,
        **facts,
    }


def contract(contract_id: str, subject_id: str, kind: str, **facts: Any) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "subject_id": subject_id,
        "kind": kind,
        "signed_at": facts.pop("signed_at", "2010-01-01"),
        **facts,
    }


def consent(event_id: str, subject_id: str, purpose: str, action: str, at: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subject_id": subject_id,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
        "source": "web",
        "evidence_ref": f"ev-{event_id}",
    }


def request(
    request_id: str, subject_id: str, kind: str, received: str, **facts: Any
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "subject_id": subject_id,
        "kind": kind,
        "received_at": received,
        **facts,
    }


# ---------------------------------------------------------------------------------------------
# RET001 subject-kept-past-retention
# ---------------------------------------------------------------------------------------------


def ret001(tmp_path: Path, **kwargs: Any) -> AuditResult:
    return audit(tmp_path, select=["RET001"], **kwargs)


def test_ret001_rules_example_ended_2021_without_hold_is_91_days_overdue(tmp_path) -> None:
    # 2021-03-31 + P3Y = 2024-03-31, + P2Y = 2026-03-31; A - 2026-03-31 = 1 + 30 + 31 + 30 - 1 = 91.
    result = ret001(tmp_path, subjects=[ended("S1", "2021-03-31")])
    row = finding(result, "RET001", "S1")
    assert row["table"] == "subjects" and row["subject_id"] == "S1"
    assert row["severity"] == "high" and row["area"] == "retention"
    assert row["due_at"] == date(2026, 3, 31)
    assert row["occurred_at"] == date(2026, 4, 1)  # the day after the missed deadline
    assert row["days_overdue"] == 91
    assert row["source_row"] == 2
    facts = evidence(row)
    assert facts["relationship_end"] == "2021-03-31"
    assert facts["after_relationship"] == "P3Y" and facts["marketing_extension"] == "P2Y"
    assert facts["deadline"] == "2026-03-31" and facts["days_overdue"] == 91
    assert facts["holds"] == [] and facts["objected"] is False
    assert "S1" in row["message"] and "2026-03-31" in row["message"]


def test_ret001_rules_example_sale_closed_2022_holds_to_end_of_2028(tmp_path) -> None:
    # Closed 2022-05-10 → financial year ends 2022-12-31 → held to 31 Dec 2022 + 6 = 2028-12-31.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2021-03-31")],
        contracts=[contract("C1", "S1", "sale", signed_at="2022-05-01", closed_at="2022-05-10")],
    )
    assert found(result, "RET001") == []


def test_ret001_deadline_on_as_of_date_is_not_overdue(tmp_path) -> None:
    # 2021-06-30 + P3Y + P2Y = 2026-06-30 = A: not passed. 2021-06-29 → A - 1: passed, 1 day.
    result = ret001(tmp_path, subjects=[ended("S1", "2021-06-30"), ended("S2", "2021-06-29")])
    assert found(result, "RET001") == ["S2"]
    row = finding(result, "RET001", "S2")
    assert row["due_at"] == date(2026, 6, 29) and row["days_overdue"] == 1


def test_ret001_erased_subject_is_never_kept_past_retention(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", erased_at="2025-01-01T10:00:00")])
    assert found(result, "RET001") == []


def test_ret001_without_erased_at_column_judges_every_subject_and_says_so(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01")])
    assert found(result, "RET001") == ["S1"]
    assert skipped(result, "RET001") == []
    assert any("subjects.erased_at absent" in note for note in result.statuses["RET001"].notes)


def test_ret001_with_erased_at_column_has_no_erasure_note(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", erased_at=None)])
    assert found(result, "RET001") == ["S1"]
    assert not any("erased_at" in note for note in result.statuses["RET001"].notes)


# ---- effective relationship end --------------------------------------------------------------


def test_ret001_customer_who_came_back_counts_from_last_activity(tmp_path) -> None:
    # Ended 2015-01-01, active again until 2021-03-31 → end 2021-03-31 → deadline 2026-03-31.
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", last_activity_at="2021-03-31")])
    row = finding(result, "RET001", "S1")
    assert row["due_at"] == date(2026, 3, 31)
    assert evidence(row)["relationship_end"] == "2021-03-31"


def test_ret001_customer_who_came_back_recently_is_not_due(tmp_path) -> None:
    # Ended 2015 but active 2022-01-01 → 2022 + P3Y + P2Y = 2027-01-01: not passed.
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", last_activity_at="2022-01-01")])
    assert found(result, "RET001") == []


def test_ret001_activity_before_the_end_does_not_move_it(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2021-03-31", last_activity_at="2019-05-05")])
    assert finding(result, "RET001", "S1")["due_at"] == date(2026, 3, 31)


def test_ret001_no_end_recorded_ends_inactive_after_last_activity(tmp_path) -> None:
    # last activity 2016-03-31 + P5Y = 2021-03-31 (< A) → end; + P3Y + P2Y = 2026-03-31.
    subjects = [{"subject_id": "S1", "created_at": "2010-01-01", "last_activity_at": "2016-03-31"}]
    row = finding(ret001(tmp_path, subjects=subjects), "RET001", "S1")
    assert row["due_at"] == date(2026, 3, 31) and row["days_overdue"] == 91
    assert evidence(row)["relationship_end"] == "2021-03-31"


def test_ret001_no_end_and_no_activity_ends_inactive_after_creation(tmp_path) -> None:
    subjects = [{"subject_id": "S1", "created_at": "2016-03-31"}]
    row = finding(ret001(tmp_path, subjects=subjects), "RET001", "S1")
    assert row["due_at"] == date(2026, 3, 31)


def test_ret001_recent_activity_keeps_relationship_active(tmp_path) -> None:
    # Created 2010, active 2022-01-01: 2022 + P5Y = 2027 is not before A → active → no deadline.
    subjects = [{"subject_id": "S1", "created_at": "2010-01-01", "last_activity_at": "2022-01-01"}]
    assert found(ret001(tmp_path, subjects=subjects), "RET001") == []


def test_ret001_inactivity_end_must_be_before_as_of_date(tmp_path) -> None:
    # No retention periods, so the deadline is the inactivity end D itself:
    # last activity 2021-06-29 → D = 2026-06-29 < A → ended → deadline passed by 1 day;
    # last activity 2021-06-30 → D = 2026-06-30 = A → still active (decision list step 3).
    policy = make_policy(retention={"after_relationship": "P0D", "marketing_extension": None})
    subjects = [
        {"subject_id": "S1", "created_at": "2010-01-01", "last_activity_at": "2021-06-29"},
        {"subject_id": "S2", "created_at": "2010-01-01", "last_activity_at": "2021-06-30"},
    ]
    result = ret001(tmp_path, policy=policy, subjects=subjects)
    assert found(result, "RET001") == ["S1"]
    assert finding(result, "RET001", "S1")["days_overdue"] == 1
    # S2 is active, so it is not on the deletion calendar either (its D = A would be in the window).
    assert "S2" not in result.deletion_calendar["record_id"].to_list()


def test_ret001_duplicated_subject_is_judged_by_its_first_row(tmp_path) -> None:
    first_old = [ended("S1", "2021-03-31"), ended("S1", "2025-01-01")]
    assert found(ret001(tmp_path / "a", subjects=first_old), "RET001") == ["S1"]
    first_new = [ended("S1", "2025-01-01"), ended("S1", "2021-03-31")]
    assert found(ret001(tmp_path / "b", subjects=first_new), "RET001") == []


# ---- the marketing extension (notice §9) -----------------------------------------------------
# Relationship ended 2022-03-31: P3Y alone → 2025-03-31 (passed); with P2Y more → 2027-03-31 (not).


def test_ret001_objection_to_marketing_drops_the_marketing_extension(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31"), ended("S2", "2022-03-31")],
        consents=[consent("E1", "S1", "email_marketing", "object", "2024-01-01T10:00:00")],
    )
    assert found(result, "RET001") == ["S1"]
    row = finding(result, "RET001", "S1")
    assert row["due_at"] == date(2025, 3, 31)
    assert evidence(row)["marketing_extension"] is None and evidence(row)["objected"] is True


def test_ret001_object_in_force_for_profiling_drops_the_marketing_extension(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        consents=[consent("E1", "S1", "profiling", "object", "2024-01-01T10:00:00")],
    )
    assert finding(result, "RET001", "S1")["due_at"] == date(2025, 3, 31)


def test_ret001_objection_request_drops_the_marketing_extension(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        requests=[
            request(
                "R1",
                "S1",
                "objection",
                "2024-01-01T10:00:00",
                completed_at="2024-01-02T10:00:00",
                outcome="fulfilled",
            )
        ],
    )
    assert finding(result, "RET001", "S1")["due_at"] == date(2025, 3, 31)


def test_ret001_refused_objection_request_still_drops_the_marketing_extension(tmp_path) -> None:
    # Art. 21(3): an objection to direct marketing cannot be refused.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        requests=[
            request(
                "R1",
                "S1",
                "objection",
                "2024-01-01T10:00:00",
                completed_at="2024-01-02T10:00:00",
                outcome="refused",
            )
        ],
    )
    assert found(result, "RET001") == ["S1"]


def test_ret001_marketing_objection_reversed_by_later_grants_keeps_the_extension(tmp_path) -> None:
    # With the global objection (default) the object for e-mail counts for every marketing purpose,
    # and a later grant restores only the purpose it names: all five must be granted again.
    purposes = [
        "email_marketing",
        "sms_marketing",
        "automated_call_marketing",
        "phone_marketing",
        "post_marketing",
    ]
    grants = [
        consent(f"G{i}", "S1", p, "grant", "2025-01-01T10:00:00") for i, p in enumerate(purposes)
    ]
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        consents=[consent("E1", "S1", "email_marketing", "object", "2024-01-01T10:00:00"), *grants],
    )
    assert found(result, "RET001") == []


def test_ret001_global_objection_reversed_for_one_purpose_still_objects(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        consents=[
            consent("E1", "S1", "email_marketing", "object", "2024-01-01T10:00:00"),
            consent("E2", "S1", "email_marketing", "grant", "2025-01-01T10:00:00"),
        ],
    )
    # sms_marketing etc. are still `object` through the global spread → extension dropped.
    assert found(result, "RET001") == ["S1"]


def test_ret001_objection_reversed_by_grant_without_global_spread_keeps_extension(tmp_path) -> None:
    result = ret001(
        tmp_path,
        policy=make_policy(consent={"objection_is_global": False}),
        subjects=[ended("S1", "2022-03-31")],
        consents=[
            consent("E1", "S1", "email_marketing", "object", "2024-01-01T10:00:00"),
            consent("E2", "S1", "email_marketing", "grant", "2025-01-01T10:00:00"),
        ],
    )
    assert found(result, "RET001") == []


def test_ret001_profiling_objection_reversed_by_grant_keeps_the_extension(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        consents=[
            consent("E1", "S1", "profiling", "object", "2024-01-01T10:00:00"),
            consent("E2", "S1", "profiling", "grant", "2025-01-01T10:00:00"),
        ],
    )
    assert found(result, "RET001") == []


def test_ret001_withdrawal_or_research_objection_keeps_the_extension(tmp_path) -> None:
    # A withdrawal is not an objection; market_research is neither marketing nor profiling.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31"), ended("S2", "2022-03-31")],
        consents=[
            consent("E1", "S1", "email_marketing", "withdraw", "2024-01-01T10:00:00"),
            consent("E2", "S2", "market_research", "object", "2024-01-01T10:00:00"),
        ],
    )
    assert found(result, "RET001") == []


def test_ret001_objection_recorded_after_as_of_date_does_not_count(tmp_path) -> None:
    # The state is taken at A (end of 2026-06-30); an objection on 2026-07-01 is not yet in force.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2022-03-31")],
        consents=[consent("E1", "S1", "email_marketing", "object", "2026-07-01T00:10:00")],
    )
    assert found(result, "RET001") == []


def test_ret001_without_marketing_extension_policy_applies_only_after_relationship(
    tmp_path,
) -> None:
    policy = make_policy(retention={"marketing_extension": None})
    result = ret001(tmp_path, policy=policy, subjects=[ended("S1", "2022-03-31")])
    row = finding(result, "RET001", "S1")
    assert row["due_at"] == date(2025, 3, 31)
    assert evidence(row)["marketing_extension"] is None


# ---- durations -------------------------------------------------------------------------------


def test_ret001_durations_are_added_one_after_the_other_and_clamped(tmp_path) -> None:
    # 2024-02-29 + P2Y = 2026-02-28 (clamped), + P2Y = 2028-02-28; one P4Y step would be 2028-02-29.
    policy = make_policy(retention={"after_relationship": "P2Y", "marketing_extension": "P2Y"})
    subjects = [ended("S1", "2024-02-29")]
    on_deadline = ret001(tmp_path / "a", policy=policy, subjects=subjects, as_of=date(2028, 2, 28))
    assert found(on_deadline, "RET001") == []
    day_after = ret001(tmp_path / "b", policy=policy, subjects=subjects, as_of=date(2028, 2, 29))
    row = finding(day_after, "RET001", "S1")
    assert row["due_at"] == date(2028, 2, 28) and row["days_overdue"] == 1


def test_ret001_leap_day_plus_p3y_then_p2y_is_28_february(tmp_path) -> None:
    # 2020-02-29 + P3Y = 2023-02-28, + P2Y = 2025-02-28.
    result = ret001(tmp_path, subjects=[ended("S1", "2020-02-29")])
    assert finding(result, "RET001", "S1")["due_at"] == date(2025, 2, 28)


def test_ret001_months_are_clamped_to_the_month_end(tmp_path) -> None:
    # 2025-01-31 + P1M = 2025-02-28 (clamped), + P1M = 2025-03-28 (not 03-31).
    policy = make_policy(retention={"after_relationship": "P1M", "marketing_extension": "P1M"})
    result = ret001(tmp_path, policy=policy, subjects=[ended("S1", "2025-01-31")])
    assert finding(result, "RET001", "S1")["due_at"] == date(2025, 3, 28)


# ---- legal holds -----------------------------------------------------------------------------
# Relationship ended 2015-01-01: its own deadline (2020-01-01) is long past, so a hold decides.


def test_ret001_open_accounting_contract_means_no_deadline(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01")],
        contracts=[contract("C1", "S1", "sale", signed_at="2014-01-01")],
    )
    assert found(result, "RET001") == []


def test_ret001_closed_sale_holds_to_31_december_after_accounting_years(tmp_path) -> None:
    # Closed 2019-05-10 → held to 2025-12-31 (passed, 181 days); closed 2020-01-10 → 2026-12-31.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "sale", closed_at="2019-05-10"),
            contract("C2", "S2", "sale", closed_at="2020-01-10"),
        ],
    )
    assert found(result, "RET001") == ["S1"]
    row = finding(result, "RET001", "S1")
    assert row["due_at"] == date(2025, 12, 31) and row["days_overdue"] == 181
    assert any("C1" in hold and "2025-12-31" in hold for hold in evidence(row)["holds"])
    assert "hold ended 2025-12-31" in row["message"]  # the hold, not the relationship, decided


def test_ret001_financial_year_ending_june_rules_example(tmp_path) -> None:
    # Year end 06-30, closed 2020-08-01 → the financial year ends 2021-06-30 → held to 2027-12-31.
    policy = make_policy(retention={"financial_year_end": "06-30"})
    kwargs = {
        "policy": policy,
        "subjects": [ended("S1", "2015-01-01")],
        "contracts": [contract("C1", "S1", "sale", closed_at="2020-08-01")],
    }
    # Held to the end of the calendar year, not to the financial year end + 6 (2027-06-30).
    assert found(ret001(tmp_path / "a", as_of=date(2027, 7, 1), **kwargs), "RET001") == []
    assert found(ret001(tmp_path / "b", as_of=date(2027, 12, 31), **kwargs), "RET001") == []
    row = finding(ret001(tmp_path / "c", as_of=date(2028, 1, 1), **kwargs), "RET001", "S1")
    assert row["due_at"] == date(2027, 12, 31) and row["days_overdue"] == 1


def test_ret001_calendar_financial_year_holds_the_same_close_one_year_less(tmp_path) -> None:
    # Year end 12-31, closed 2020-08-01 → the year ends 2020-12-31 → held to 2026-12-31.
    result = ret001(
        tmp_path,
        as_of=date(2027, 1, 1),
        subjects=[ended("S1", "2015-01-01")],
        contracts=[contract("C1", "S1", "sale", closed_at="2020-08-01")],
    )
    assert finding(result, "RET001", "S1")["due_at"] == date(2026, 12, 31)


def test_ret001_closed_on_financial_year_end_belongs_to_that_year(tmp_path) -> None:
    # Year end 06-30, closed 2020-06-30 → the year ends that day → held to 2026-12-31.
    result = ret001(
        tmp_path,
        as_of=date(2027, 1, 1),
        policy=make_policy(retention={"financial_year_end": "06-30"}),
        subjects=[ended("S1", "2015-01-01")],
        contracts=[contract("C1", "S1", "sale", closed_at="2020-06-30")],
    )
    assert finding(result, "RET001", "S1")["due_at"] == date(2026, 12, 31)


def test_ret001_sale_that_is_not_an_accounting_record_holds_nothing(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "sale", accounting_record="false"),
            contract("C2", "S2", "offer", accounting_record="true"),  # an offer booked: held
        ],
    )
    assert found(result, "RET001") == ["S1"]


def test_ret001_open_financing_holds_as_credit(tmp_path) -> None:
    # Not an accounting record, so only the credit hold can keep the subject.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "financing", accounting_record="false"),
            contract("C2", "S2", "leasing", accounting_record="false"),
        ],
    )
    assert found(result, "RET001") == []


def test_ret001_credit_hold_still_holds_on_its_closing_day(tmp_path) -> None:
    # Closed on A: held until A, which is not passed. Closed A - 1: 1 day overdue.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "financing", accounting_record="false", closed_at="2026-06-30"),
            contract("C2", "S2", "financing", accounting_record="false", closed_at="2026-06-29"),
        ],
    )
    assert found(result, "RET001") == ["S2"]
    row = finding(result, "RET001", "S2")
    assert row["due_at"] == date(2026, 6, 29) and row["days_overdue"] == 1


def test_ret001_warranty_holds_until_its_end(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "warranty", ends_at="2026-06-30", closed_at="2020-01-01"),
            contract("C2", "S2", "warranty", ends_at="2026-06-29"),
        ],
    )
    assert found(result, "RET001") == ["S2"]
    assert finding(result, "RET001", "S2")["due_at"] == date(2026, 6, 29)


def test_ret001_warranty_without_end_holds_while_open(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[
            contract("C1", "S1", "warranty"),
            contract("C2", "S2", "warranty", closed_at="2026-06-29"),
        ],
    )
    assert found(result, "RET001") == ["S2"]
    assert finding(result, "RET001", "S2")["due_at"] == date(2026, 6, 29)


def test_ret001_open_request_holds_and_completed_request_does_not(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        requests=[
            request("R1", "S1", "access", "2026-06-01T10:00:00"),
            request(
                "R2",
                "S2",
                "access",
                "2026-06-01T10:00:00",
                completed_at="2026-06-02T10:00:00",
                outcome="fulfilled",
            ),
        ],
    )
    assert found(result, "RET001") == ["S2"]


def test_ret001_hold_earlier_than_own_deadline_changes_nothing(tmp_path) -> None:
    # Own deadline 2026-03-31; a sale held to 2025-12-31 → the later date, 2026-03-31, decides.
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2021-03-31")],
        contracts=[contract("C1", "S1", "sale", closed_at="2019-05-10")],
    )
    assert finding(result, "RET001", "S1")["due_at"] == date(2026, 3, 31)


def test_ret001_another_subjects_contract_holds_nothing(tmp_path) -> None:
    result = ret001(
        tmp_path,
        subjects=[ended("S1", "2015-01-01"), ended("S2", "2015-01-01")],
        contracts=[contract("C1", "S2", "sale")],
    )
    assert found(result, "RET001") == ["S1"]


def test_ret001_runs_without_its_optional_tables_and_notes_them(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", erased_at=None)])
    assert found(result, "RET001") == ["S1"]
    notes = " ".join(result.statuses["RET001"].notes)
    for table in ("contracts", "consents", "requests"):
        assert f"{table} absent" in notes


def test_ret001_message_and_evidence_never_show_the_identity_code(tmp_path) -> None:
    result = ret001(tmp_path, subjects=[ended("S1", "2015-01-01", personal_id=VALID_PID)])
    row = finding(result, "RET001", "S1")
    assert VALID_PID not in row["message"] and VALID_PID not in row["evidence"]


# ---------------------------------------------------------------------------------------------
# RET002 record-kept-past-retention
# ---------------------------------------------------------------------------------------------


def ret002(tmp_path: Path, contracts: list[dict[str, Any]], **kwargs: Any) -> AuditResult:
    kwargs.setdefault("subjects", [{"subject_id": "S1"}, {"subject_id": "S2"}])
    return audit(tmp_path, select=["RET002"], contracts=contracts, **kwargs)


def test_ret002_test_drive_kept_past_its_six_months(tmp_path) -> None:
    # Closed 2025-01-10 + P6M = 2025-07-10; A - 2025-07-10 = 21 + 31 + 30 + 31 + 30 + 31 + 31 + 28
    #   + 31 + 30 + 31 + 30 = 355 days.
    result = ret002(
        tmp_path,
        [contract("C1", "S1", "test_drive", signed_at="2025-01-10", closed_at="2025-01-10")],
    )
    row = finding(result, "RET002", "C1")
    assert row["table"] == "contracts" and row["subject_id"] == "S1"
    assert row["severity"] == "medium" and row["area"] == "retention"
    assert row["due_at"] == date(2025, 7, 10) and row["occurred_at"] == date(2025, 7, 11)
    assert row["days_overdue"] == (AS_OF - date(2025, 7, 10)).days == 355
    facts = evidence(row)
    assert facts["kind"] == "test_drive" and facts["deadline"] == "2025-07-10"
    assert facts["basis"] == "retention.records.test_drive"
    assert "C1" in row["message"]


def test_ret002_deadline_on_as_of_date_is_not_overdue(tmp_path) -> None:
    # 2025-12-30 + P6M = 2026-06-30 = A (not passed); 2025-12-29 + P6M = A - 1 (1 day).
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "test_drive", signed_at="2025-12-30", closed_at="2025-12-30"),
            contract("C2", "S1", "test_drive", signed_at="2025-12-29", closed_at="2025-12-29"),
        ],
    )
    assert found(result, "RET002") == ["C2"]
    assert finding(result, "RET002", "C2")["days_overdue"] == 1


def test_ret002_accounting_row_is_due_when_its_accounting_hold_ended(tmp_path) -> None:
    # Sale closed 2019-05-10 → held to 2025-12-31 → 181 days overdue;
    # closed 2020-05-10 → held to 2026-12-31.
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "sale", closed_at="2019-05-10"),
            contract("C2", "S1", "sale", closed_at="2020-05-10"),
        ],
    )
    assert found(result, "RET002") == ["C1"]
    row = finding(result, "RET002", "C1")
    assert row["due_at"] == date(2025, 12, 31) and row["days_overdue"] == 181
    assert evidence(row)["basis"] == "accounting hold"


def test_ret002_open_accounting_row_is_never_due(tmp_path) -> None:
    result = ret002(tmp_path, [contract("C1", "S1", "service", signed_at="2000-01-01")])
    assert found(result, "RET002") == []


def test_ret002_accounting_row_with_financial_year_ending_june(tmp_path) -> None:
    # Year end 06-30: closed 2019-08-01 → year ends 2020-06-30 → 2026-12-31 (not due);
    # closed 2019-06-30 → year ends that day → 2025-12-31 (due).
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "purchase", closed_at="2019-08-01"),
            contract("C2", "S1", "purchase", closed_at="2019-06-30"),
        ],
        policy=make_policy(retention={"financial_year_end": "06-30"}),
    )
    assert found(result, "RET002") == ["C2"]
    assert finding(result, "RET002", "C2")["due_at"] == date(2025, 12, 31)


def test_ret002_accounting_flag_decides_which_retention_applies(tmp_path) -> None:
    # A sale marked not bookkeeping falls to retention.records.sale; an offer marked bookkeeping
    # is held by the accounting hold, not by records.offer.
    policy = make_policy(retention={"records": {"offer": "P1Y", "sale": "P1Y"}})
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "sale", accounting_record="false", closed_at="2024-01-10"),
            contract("C2", "S1", "offer", accounting_record="true", closed_at="2024-01-10"),
        ],
        policy=policy,
    )
    # C1: 2024-01-10 + P1Y = 2025-01-10 (due). C2: held to 2030-12-31.
    assert found(result, "RET002") == ["C1"]


def test_ret002_kind_without_records_entry_is_not_checked(tmp_path) -> None:
    policy = make_policy(retention={"records": {"offer": "P1Y"}})
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "warranty", ends_at="2015-01-01"),
            contract("C2", "S1", "test_drive", closed_at="2015-01-01"),
            contract("C3", "S1", "offer", closed_at="2015-01-01"),
            contract("C4", "S1", "sale", accounting_record="false", closed_at="2015-01-01"),
        ],
        policy=policy,
    )
    assert found(result, "RET002") == ["C3"]


def test_ret002_counts_from_the_later_of_closed_and_ends(tmp_path) -> None:
    # Warranty P1Y: ends 2025-06-29 (closed earlier) → due 2026-06-29; ends 2025-06-30 → due A.
    # Closed 2025-06-29 after an earlier end → due 2026-06-29; closed 2025-06-30 → due A.
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "warranty", closed_at="2024-01-01", ends_at="2025-06-29"),
            contract("C2", "S1", "warranty", closed_at="2024-01-01", ends_at="2025-06-30"),
            contract("C3", "S1", "warranty", ends_at="2024-01-01", closed_at="2025-06-29"),
            contract("C4", "S1", "warranty", ends_at="2024-01-01", closed_at="2025-06-30"),
        ],
    )
    assert found(result, "RET002") == ["C1", "C3"]
    assert finding(result, "RET002", "C1")["due_at"] == date(2026, 6, 29)


def test_ret002_counts_from_signed_at_when_neither_closed_nor_ends(tmp_path) -> None:
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "offer", signed_at="2025-06-29"),
            contract("C2", "S1", "offer", signed_at="2025-06-30"),
        ],
    )
    assert found(result, "RET002") == ["C1"]
    assert finding(result, "RET002", "C1")["due_at"] == date(2026, 6, 29)


def test_ret002_leap_day_plus_one_year_is_28_february(tmp_path) -> None:
    contracts = [contract("C1", "S1", "offer", signed_at="2024-02-29")]
    assert found(ret002(tmp_path / "a", contracts, as_of=date(2025, 2, 28)), "RET002") == []
    row = finding(ret002(tmp_path / "b", contracts, as_of=date(2025, 3, 1)), "RET002", "C1")
    assert row["due_at"] == date(2025, 2, 28) and row["days_overdue"] == 1


def test_ret002_nothing_is_due_while_the_subject_has_an_open_request(tmp_path) -> None:
    result = ret002(
        tmp_path,
        [
            contract("C1", "S1", "offer", signed_at="2020-01-01"),
            contract("C2", "S2", "offer", signed_at="2020-01-01"),
        ],
        requests=[
            request("R1", "S1", "access", "2026-06-20T10:00:00"),
            request(
                "R2",
                "S2",
                "access",
                "2026-06-01T10:00:00",
                completed_at="2026-06-02T10:00:00",
                outcome="fulfilled",
            ),
        ],
    )
    assert found(result, "RET002") == ["C2"]


def test_ret002_rows_of_unknown_subjects_are_still_judged(tmp_path) -> None:
    result = ret002(tmp_path, [contract("C1", "S404", "offer", signed_at="2020-01-01")])
    assert found(result, "RET002") == ["C1"]
    assert finding(result, "RET002", "C1")["subject_id"] == "S404"


def test_ret002_rows_of_erased_subjects_are_still_judged(tmp_path) -> None:
    result = ret002(
        tmp_path,
        [contract("C1", "S1", "offer", signed_at="2020-01-01")],
        subjects=[{"subject_id": "S1", "erased_at": "2024-01-01T10:00:00"}],
    )
    assert found(result, "RET002") == ["C1"]


def test_ret002_contract_of_a_subject_ret001_reports_still_counts(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["RET001", "RET002"],
        subjects=[ended("S1", "2015-01-01")],
        contracts=[contract("C1", "S1", "offer", signed_at="2014-01-01")],
    )
    assert found(result, "RET001") == ["S1"] and found(result, "RET002") == ["C1"]


def test_ret002_is_skipped_without_contracts(tmp_path) -> None:
    result = audit(tmp_path, select=["RET002"], subjects=[{"subject_id": "S1"}])
    assert skipped(result, "RET002") == [{"rule": "RET002", "reason": "contracts absent"}]


def test_ret002_without_requests_runs_and_notes_it(tmp_path) -> None:
    result = ret002(tmp_path, [contract("C1", "S1", "offer", signed_at="2020-01-01")])
    assert found(result, "RET002") == ["C1"]
    assert any("requests absent" in note for note in result.statuses["RET002"].notes)


# ---------------------------------------------------------------------------------------------
# RET003 identity-code-without-need
# ---------------------------------------------------------------------------------------------


def ret003(tmp_path: Path, subjects: list[dict[str, Any]], **kwargs: Any) -> AuditResult:
    kwargs.setdefault("contracts", [contract("C0", "S0", "sale")])  # someone else's contract
    return audit(tmp_path, select=["RET003"], subjects=subjects, **kwargs)


def pid(subject_id: str, code: str | None = VALID_PID, **facts: Any) -> dict[str, Any]:
    return {"subject_id": subject_id, "personal_id": code, **facts}


def test_ret003_identity_code_without_any_contract(tmp_path) -> None:
    result = ret003(tmp_path, [pid("S1")])
    row = finding(result, "RET003", "S1")
    assert row["table"] == "subjects" and row["subject_id"] == "S1"
    assert row["severity"] == "medium" and row["area"] == "retention"
    assert row["occurred_at"] is None and row["due_at"] is None and row["days_overdue"] is None
    assert evidence(row)["needed_for"] == ["financing", "leasing"]


def test_ret003_invalid_identity_code_counts_too(tmp_path) -> None:
    result = ret003(tmp_path, [pid("S1", "ABC-123"), pid("S2", None)])
    assert found(result, "RET003") == ["S1"]


def test_ret003_never_shows_the_identity_code(tmp_path) -> None:
    row = finding(ret003(tmp_path, [pid("S1")]), "RET003", "S1")
    assert VALID_PID not in row["message"] and VALID_PID not in row["evidence"]


def test_ret003_open_financing_or_leasing_is_a_need(tmp_path) -> None:
    result = ret003(
        tmp_path,
        [pid("S1"), pid("S2"), pid("S3")],
        contracts=[
            contract("C1", "S1", "financing"),
            contract("C2", "S2", "leasing"),
            contract("C3", "S3", "sale"),  # open, but not a kind in needed_for
        ],
    )
    assert found(result, "RET003") == ["S3"]


def test_ret003_closed_financing_needs_the_code_while_its_accounting_hold_lasts(tmp_path) -> None:
    # Closed 2020-05-10 → accounting hold to 2026-12-31 (a need); 2019-05-10 → 2025-12-31 (ended).
    result = ret003(
        tmp_path,
        [pid("S1"), pid("S2")],
        contracts=[
            contract("C1", "S1", "financing", closed_at="2020-05-10"),
            contract("C2", "S2", "financing", closed_at="2019-05-10"),
        ],
    )
    assert found(result, "RET003") == ["S2"]
    facts = evidence(finding(result, "RET003", "S2"))
    assert facts["ended_contracts"] == ["C2 financing closed 2019-05-10, held to 2025-12-31"]


def test_ret003_credit_hold_ending_on_as_of_date_is_still_a_need(tmp_path) -> None:
    # Not bookkeeping, so only the credit hold counts: closed on A still holds; A - 1 has ended.
    result = ret003(
        tmp_path,
        [pid("S1"), pid("S2")],
        contracts=[
            contract("C1", "S1", "leasing", accounting_record="false", closed_at="2026-06-30"),
            contract("C2", "S2", "leasing", accounting_record="false", closed_at="2026-06-29"),
        ],
    )
    assert found(result, "RET003") == ["S2"]


def test_ret003_needed_for_comes_from_the_policy(tmp_path) -> None:
    result = ret003(
        tmp_path,
        [pid("S1"), pid("S2")],
        contracts=[contract("C1", "S1", "sale"), contract("C2", "S2", "financing")],
        policy=make_policy(personal_id={"needed_for": ["sale"]}),
    )
    assert found(result, "RET003") == ["S2"]


def test_ret003_erased_subject_is_not_judged(tmp_path) -> None:
    result = ret003(
        tmp_path, [pid("S1", erased_at="2025-01-01T10:00:00"), pid("S2", erased_at=None)]
    )
    assert found(result, "RET003") == ["S2"]
    assert not any("erased_at" in note for note in result.statuses["RET003"].notes)


def test_ret003_without_erased_at_column_judges_every_subject_and_says_so(tmp_path) -> None:
    result = ret003(tmp_path, [pid("S1")])
    assert found(result, "RET003") == ["S1"]
    assert skipped(result, "RET003") == []
    assert any("subjects.erased_at absent" in note for note in result.statuses["RET003"].notes)


def test_ret003_is_skipped_without_contracts(tmp_path) -> None:
    result = audit(tmp_path, select=["RET003"], subjects=[pid("S1")])
    assert skipped(result, "RET003") == [{"rule": "RET003", "reason": "contracts absent"}]


def test_ret003_is_skipped_without_personal_id_column(tmp_path) -> None:
    result = ret003(tmp_path, [{"subject_id": "S1"}])
    assert skipped(result, "RET003") == [
        {"rule": "RET003", "reason": "subjects.personal_id absent"}
    ]


# ---------------------------------------------------------------------------------------------
# RET004 residual-data-after-erasure
# ---------------------------------------------------------------------------------------------

ERASED = "2025-05-02T10:00:00"


def tombstone(subject_id: str, **facts: Any) -> dict[str, Any]:
    return {"subject_id": subject_id, "erased_at": ERASED, **facts}


def ret004(tmp_path: Path, **kwargs: Any) -> AuditResult:
    return audit(tmp_path, select=["RET004"], **kwargs)


def test_ret004_erased_subject_row_still_holding_a_name(tmp_path) -> None:
    result = ret004(tmp_path, subjects=[tombstone("S1", first_name="Matti"), tombstone("S2")])
    assert found(result, "RET004") == ["S1"]
    row = finding(result, "RET004", "S1")
    assert row["table"] == "subjects" and row["subject_id"] == "S1"
    assert row["severity"] == "high" and row["area"] == "retention"
    assert row["occurred_at"] is None and row["due_at"] is None and row["days_overdue"] is None
    assert evidence(row)["columns"] == ["first_name"]


@pytest.mark.parametrize(
    "column", ["first_name", "last_name", "email", "phone", "street_address", "personal_id"]
)
def test_ret004_each_identifying_column_is_residual(tmp_path, column: str) -> None:
    value = VALID_PID if column == "personal_id" else "x"
    result = ret004(tmp_path, subjects=[tombstone("S1", **{column: value})])
    assert found(result, "RET004") == ["S1"]
    row = finding(result, "RET004", "S1")
    assert evidence(row)["columns"] == [column]
    assert VALID_PID not in row["message"] and VALID_PID not in row["evidence"]


def test_ret004_tombstone_with_only_its_own_facts_is_clean(tmp_path) -> None:
    # Columns outside the list (postal code, city, language, business id) are not named by RET004.
    result = ret004(
        tmp_path,
        subjects=[tombstone("S1", first_name=None, email=None, city="Espoo", language="fi")],
    )
    assert found(result, "RET004") == []


def test_ret004_subject_not_erased_is_not_judged(tmp_path) -> None:
    result = ret004(
        tmp_path,
        subjects=[{"subject_id": "S1", "first_name": "Matti", "erased_at": None}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1"}],
    )
    assert found(result, "RET004") == []


def test_ret004_unclassified_column_with_a_value_is_residual(tmp_path) -> None:
    # With no mapping file every column outside the canonical model is unclassified.
    result = ret004(
        tmp_path,
        subjects=[tombstone("S1", ajokorttiluokka="B"), tombstone("S2", ajokorttiluokka=None)],
    )
    assert found(result, "RET004") == ["S1"]
    assert evidence(finding(result, "RET004", "S1"))["columns"] == ["ajokorttiluokka"]


def test_ret004_kept_column_with_a_value_is_residual(tmp_path) -> None:
    root = write_register(
        tmp_path / "register",
        {"subjects": [tombstone("S1", Ajokortti="B"), tombstone("S2", Ajokortti=None)]},
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[tables.subjects.keep]\nAjokortti = "identity"\n', encoding="utf-8")
    register = load_register(root, mapping=mapping)
    result = run_audit(register, make_policy(), AS_OF, select=["RET004"])
    assert found(result, "RET004") == ["S1"]
    assert evidence(finding(result, "RET004", "S1"))["columns"] == ["Ajokortti"]


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        (
            "vehicles",
            [
                {"vehicle_id": "V1", "subject_id": "S1", "unlinked_at": "2025-01-01"},
                {"vehicle_id": "V2", "subject_id": "S1", "linked_at": "2024-01-01"},
            ],
        ),
        (
            "communications",
            [
                {
                    "message_id": "M1",
                    "subject_id": "S1",
                    "channel": "email",
                    "category": "service",
                    "sent_at": "2024-01-01T10:00:00",
                }
            ],
        ),
        (
            "notes",
            [
                {
                    "note_id": "N1",
                    "subject_id": "S1",
                    "created_at": "2026-01-01T10:00:00",
                    "text": "called",
                }
            ],
        ),
    ],
)
def test_ret004_rows_left_in_other_tables_give_one_finding_per_table(tmp_path, table, rows) -> None:
    result = ret004(tmp_path, subjects=[tombstone("S1")], **{table: rows})
    assert found(result, "RET004") == ["S1"]
    row = finding(result, "RET004", "S1")
    assert row["table"] == table and row["subject_id"] == "S1" and row["occurred_at"] is None
    assert evidence(row)["rows"] == len(rows)


def test_ret004_every_residual_table_is_its_own_finding(tmp_path) -> None:
    result = ret004(
        tmp_path,
        subjects=[tombstone("S1", email="m@example.fi")],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "sms",
                "category": "marketing",
                "sent_at": "2024-01-01T10:00:00",
            }
        ],
        notes=[{"note_id": "N1", "subject_id": "S1", "text": "x"}],
    )
    tables = sorted(result.findings["table"].to_list())
    assert tables == ["communications", "notes", "subjects", "vehicles"]
    assert found(result, "RET004") == ["S1"] * 4


def test_ret004_consents_contracts_requests_and_disclosures_may_remain(tmp_path) -> None:
    result = ret004(
        tmp_path,
        subjects=[tombstone("S1")],
        consents=[consent("E1", "S1", "email_marketing", "object", "2024-01-01T10:00:00")],
        contracts=[contract("C1", "S1", "sale", closed_at="2024-01-01")],
        requests=[
            request(
                "R1",
                "S1",
                "erasure",
                "2025-04-01T10:00:00",
                completed_at="2025-05-02T10:00:00",
                outcome="fulfilled",
            )
        ],
        disclosures=[
            {
                "disclosure_id": "D1",
                "subject_id": "S1",
                "recipient": "Importer Oy",
                "recipient_category": "importer",
                "purpose": "warranty",
                "country": "FI",
                "disclosed_at": "2024-01-01T10:00:00",
            }
        ],
    )
    assert found(result, "RET004") == []


def test_ret004_rows_of_other_subjects_are_not_residual(tmp_path) -> None:
    result = ret004(
        tmp_path,
        subjects=[tombstone("S1"), {"subject_id": "S2", "erased_at": None}],
        vehicles=[
            {"vehicle_id": "V1", "subject_id": "S2"},
            {"vehicle_id": "V2", "subject_id": "S9"},
        ],
    )
    assert found(result, "RET004") == []


def test_ret004_is_skipped_without_erased_at_column(tmp_path) -> None:
    result = ret004(tmp_path, subjects=[{"subject_id": "S1", "first_name": "Matti"}])
    assert skipped(result, "RET004") == [{"rule": "RET004", "reason": "subjects.erased_at absent"}]
    assert found(result, "RET004") == []
