"""The deletion calendar: subjects (RET001's deadline) and contracts (RET002's) falling due on A or
within `retention.forecast_days` after it, read through `result.deletion_calendar`.

A = 2026-06-30; forecast_days = 90 → the window is 2026-06-30 to 2026-09-28 (both included).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from auditkit.audit import AuditResult
from tests.builders import audit, found, make_policy


def ended(subject_id: str, on: str, **facts: Any) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "created_at": "2010-01-01",
        "relationship_ended_at": on,
        **facts,
    }


def calendar(result: AuditResult) -> list[tuple[str, str, date]]:
    """(table, record_id, due_at) in the calendar's own order."""
    frame = result.deletion_calendar
    return list(zip(frame["table"], frame["record_id"], frame["due_at"], strict=True))


def run(tmp_path, **kwargs: Any) -> AuditResult:
    return audit(tmp_path, select=["RET001", "RET002"], **kwargs)


def test_calendar_has_its_columns_even_when_empty(tmp_path) -> None:
    result = run(tmp_path, subjects=[{"subject_id": "S1", "last_activity_at": "2026-01-01"}])
    assert result.deletion_calendar.height == 0
    assert result.deletion_calendar.schema == pl.Schema(
        {
            "due_at": pl.Date,
            "table": pl.String,
            "record_id": pl.String,
            "subject_id": pl.String,
            "reason": pl.String,
        }
    )


def test_calendar_lists_a_subject_due_on_the_as_of_date_but_not_one_already_overdue(
    tmp_path,
) -> None:
    # 2021-06-30 + P3Y + P2Y = 2026-06-30 = A (due, not yet overdue); 2021-06-29 → overdue: RET001.
    result = run(tmp_path, subjects=[ended("S1", "2021-06-30"), ended("S2", "2021-06-29")])
    assert calendar(result) == [("subjects", "S1", date(2026, 6, 30))]
    assert found(result, "RET001") == ["S2"]
    row = result.deletion_calendar.row(0, named=True)
    assert row["subject_id"] == "S1" and "RET001" in row["reason"]


def test_calendar_reaches_forecast_days_after_the_as_of_date(tmp_path) -> None:
    # A + 90 = 2026-09-28 (in); 2026-09-29 (out).
    result = run(tmp_path, subjects=[ended("S1", "2021-09-28"), ended("S2", "2021-09-29")])
    assert calendar(result) == [("subjects", "S1", date(2026, 9, 28))]


def test_calendar_forecast_days_come_from_the_policy(tmp_path) -> None:
    result = run(
        tmp_path,
        policy=make_policy(retention={"forecast_days": 0}),
        subjects=[ended("S1", "2021-06-30"), ended("S2", "2021-07-01")],
    )
    assert calendar(result) == [("subjects", "S1", date(2026, 6, 30))]


def test_calendar_leaves_out_erased_active_and_held_subjects(tmp_path) -> None:
    result = run(
        tmp_path,
        subjects=[
            ended("S1", "2021-07-15", erased_at="2026-01-01T10:00:00"),  # erased
            {
                "subject_id": "S2",
                "created_at": "2010-01-01",
                "last_activity_at": "2021-07-15",
                "erased_at": None,
            },  # inactive only from 2026-07-15, after A: still active
            ended("S3", "2021-07-15", erased_at=None),  # an open sale: no deadline
            ended("S4", "2021-07-15", erased_at=None),  # due 2026-07-15
        ],
        contracts=[
            {"contract_id": "C3", "subject_id": "S3", "kind": "sale", "signed_at": "2021-01-01"}
        ],
    )
    assert calendar(result) == [("subjects", "S4", date(2026, 7, 15))]


def test_calendar_subject_due_when_its_last_hold_ends(tmp_path) -> None:
    # Own deadline 2020-01-01 long past, but a warranty holds until 2026-08-01.
    result = run(
        tmp_path,
        subjects=[ended("S1", "2015-01-01")],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S1",
                "kind": "warranty",
                "signed_at": "2021-08-01",
                "ends_at": "2026-08-01",
            }
        ],
    )
    subjects = [entry for entry in calendar(result) if entry[0] == "subjects"]
    assert subjects == [("subjects", "S1", date(2026, 8, 1))]
    assert found(result, "RET001") == []
    reason = result.deletion_calendar.filter(pl.col("table") == "subjects")["reason"][0]
    assert "hold" in reason


def test_calendar_uses_the_deadline_without_marketing_extension_after_objection(tmp_path) -> None:
    # Ended 2023-07-15: + P3Y = 2026-07-15 (objected: due in the window); + P2Y more = 2028 (out).
    result = run(
        tmp_path,
        subjects=[ended("S1", "2023-07-15"), ended("S2", "2023-07-15")],
        consents=[
            {
                "event_id": "E1",
                "subject_id": "S1",
                "purpose": "sms_marketing",
                "action": "object",
                "recorded_at": "2024-01-01T10:00:00",
                "source": "web",
                "evidence_ref": "x",
            }
        ],
    )
    assert calendar(result) == [("subjects", "S1", date(2026, 7, 15))]


def test_calendar_lists_contracts_falling_due(tmp_path) -> None:
    # Test drive closed 2026-01-15 + P6M = 2026-07-15 (in); offer signed 2025-10-01 + P1Y (out);
    # test drive closed 2025-12-29 + P6M = 2026-06-29 (overdue: RET002, not the calendar).
    result = run(
        tmp_path,
        subjects=[{"subject_id": "S1", "last_activity_at": "2026-01-15"}],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S1",
                "kind": "test_drive",
                "signed_at": "2026-01-15",
                "closed_at": "2026-01-15",
            },
            {"contract_id": "C2", "subject_id": "S1", "kind": "offer", "signed_at": "2025-10-01"},
            {
                "contract_id": "C3",
                "subject_id": "S1",
                "kind": "test_drive",
                "signed_at": "2025-12-29",
                "closed_at": "2025-12-29",
            },
        ],
    )
    assert calendar(result) == [("contracts", "C1", date(2026, 7, 15))]
    assert found(result, "RET002") == ["C3"]
    row = result.deletion_calendar.row(0, named=True)
    assert row["subject_id"] == "S1"
    assert "retention.records.test_drive" in row["reason"] and "RET002" in row["reason"]


def test_calendar_lists_bookkeeping_contracts_when_their_accounting_hold_ends(tmp_path) -> None:
    # Sale closed 2020-05-10 → held to 2026-12-31: beyond 90 days, within 200
    # (A + 200 = 2027-01-16).
    contracts = [
        {
            "contract_id": "C1",
            "subject_id": "S1",
            "kind": "sale",
            "signed_at": "2020-05-01",
            "closed_at": "2020-05-10",
        }
    ]
    subjects = [{"subject_id": "S1", "last_activity_at": "2026-01-15"}]
    near = run(tmp_path / "a", subjects=subjects, contracts=contracts)
    assert calendar(near) == []
    far = run(
        tmp_path / "b",
        subjects=subjects,
        contracts=contracts,
        policy=make_policy(retention={"forecast_days": 200}),
    )
    assert calendar(far) == [("contracts", "C1", date(2026, 12, 31))]
    assert "accounting hold" in far.deletion_calendar["reason"][0]


def test_calendar_leaves_out_contracts_of_a_subject_with_an_open_request(tmp_path) -> None:
    result = run(
        tmp_path,
        subjects=[{"subject_id": "S1", "last_activity_at": "2026-01-15"}],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S1",
                "kind": "test_drive",
                "signed_at": "2026-01-15",
                "closed_at": "2026-01-15",
            }
        ],
        requests=[
            {
                "request_id": "R1",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-06-20T10:00:00",
            }
        ],
    )
    assert calendar(result) == []


def test_calendar_lists_contracts_of_unknown_subjects_too(tmp_path) -> None:
    result = run(
        tmp_path,
        subjects=[{"subject_id": "S1", "last_activity_at": "2026-01-15"}],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S404",
                "kind": "test_drive",
                "signed_at": "2026-01-15",
                "closed_at": "2026-01-15",
            }
        ],
    )
    assert calendar(result) == [("contracts", "C1", date(2026, 7, 15))]


def test_calendar_is_sorted_by_date_then_table_then_record(tmp_path) -> None:
    result = run(
        tmp_path,
        subjects=[ended("S2", "2021-08-01"), ended("S1", "2021-07-15"), ended("S3", "2021-07-15")],
        contracts=[
            {
                "contract_id": "C9",
                "subject_id": "S2",
                "kind": "test_drive",
                "signed_at": "2026-01-15",
                "closed_at": "2026-01-15",
            }
        ],
    )
    assert calendar(result) == [
        ("contracts", "C9", date(2026, 7, 15)),
        ("subjects", "S1", date(2026, 7, 15)),
        ("subjects", "S3", date(2026, 7, 15)),
        ("subjects", "S2", date(2026, 8, 1)),
    ]
