"""Audit history: one Parquet file per run, read back in order, and the trend between runs."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from auditkit.audit import AuditResult
from auditkit.errors import UsageError
from auditkit.findings import FINDINGS_SCHEMA, sort_findings
from auditkit.history import METADATA_KEY, append_history, load_history, trend
from auditkit.rules import RULES
from tests.builders import audit


def result(as_of: date, *ids_and_rules: tuple[str, str]) -> AuditResult:
    """An audit result whose findings are exactly these (finding_id, rule) pairs."""
    rows = [
        {
            "finding_id": finding_id,
            "rule": rule,
            "area": RULES[rule].area,
            "severity": RULES[rule].severity,
            "table": "subjects",
            "record_id": finding_id,
            "subject_id": finding_id,
            "message": f"{rule} {finding_id}",
            "evidence": "{}",
        }
        for finding_id, rule in ids_and_rules
    ]
    findings = sort_findings(pl.DataFrame(rows, schema=FINDINGS_SCHEMA))
    run = {"as_of": as_of.isoformat(), "auditkit_version": "0.1.0", "inputs": [], "policy": {}}
    return AuditResult(findings, as_of, {}, run, pl.DataFrame())


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_run_is_one_parquet_file_named_by_as_of_and_stamp_readable_by_its_owner_only(
    tmp_path,
) -> None:
    folder = tmp_path / "history"
    path = append_history(result(date(2026, 6, 30), ("a", "RET001")), folder, stamp="run1")
    assert path == folder / "2026-06-30_run1.parquet"
    assert files(folder) == ["2026-06-30_run1.parquet"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_the_default_stamp_is_the_utc_time_of_writing(tmp_path) -> None:
    path = append_history(result(date(2026, 6, 30), ("a", "RET001")), tmp_path)
    stamp = path.stem.split("_", 1)[1]
    assert len(stamp) == 16 and stamp[8] == "T" and stamp.endswith("Z"), stamp


def test_the_file_holds_the_findings_and_the_run_summary(tmp_path) -> None:
    real = audit(
        tmp_path,
        select=["DSR001"],
        subjects=[{"subject_id": "S1"}],
        requests=[
            {"request_id": "Q1", "subject_id": "S1", "kind": "access",
             "received_at": "2026-01-15T10:00:00", "completed_at": None},
        ],
    )  # fmt: skip
    path = append_history(real, tmp_path / "history", stamp="x")
    assert pl.read_parquet(path).cast(dict(FINDINGS_SCHEMA)).equals(real.findings)
    meta = json.loads(pl.read_parquet_metadata(path)[METADATA_KEY])
    assert meta["as_of"] == "2026-06-30" and meta["stamp"] == "x"
    summary = meta["summary"]
    assert summary["findings"] == 1
    assert summary["by_severity"] == {"critical": 0, "high": 1, "medium": 0, "low": 0}
    assert summary["by_area"]["requests"] == 1 and summary["by_rule"] == {"DSR001": 1}
    assert summary["run"]["as_of"] == "2026-06-30"
    history = load_history(tmp_path / "history")
    assert history.findings.drop("run").equals(real.findings)


def test_recording_the_same_run_twice_keeps_one_file(tmp_path) -> None:
    run = result(date(2026, 6, 30), ("a", "RET001"))
    first = append_history(run, tmp_path, stamp="one")
    assert append_history(run, tmp_path, stamp="two") == first
    assert files(tmp_path) == ["2026-06-30_one.parquet"]


def test_a_changed_run_on_the_same_day_is_a_new_run_ordered_by_stamp(tmp_path) -> None:
    append_history(result(date(2026, 6, 30), ("a", "RET001")), tmp_path, stamp="20260701T080000Z")
    append_history(
        result(date(2026, 6, 30), ("a", "RET001"), ("b", "RET001")),
        tmp_path,
        stamp="20260701T090000Z",
    )
    append_history(result(date(2026, 3, 31), ("a", "RET001")), tmp_path, stamp="20260701T100000Z")
    runs = load_history(tmp_path).runs
    assert runs["as_of"].to_list() == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 6, 30)]
    assert runs["findings"].to_list() == [1, 1, 2]
    assert runs["label"].to_list() == [
        "2026-03-31",
        "2026-06-30 20260701T080000Z",
        "2026-06-30 20260701T090000Z",
    ]


def test_a_stamp_that_is_taken_gets_a_number(tmp_path) -> None:
    append_history(result(date(2026, 6, 30), ("a", "RET001")), tmp_path, stamp="s")
    path = append_history(result(date(2026, 6, 30), ("b", "RET001")), tmp_path, stamp="s")
    assert path.name == "2026-06-30_s-2.parquet"


def test_trend_counts_new_resolved_and_still_open_findings_by_area_between_consecutive_runs(
    tmp_path,
) -> None:
    append_history(
        result(date(2026, 1, 31), ("a", "RET001"), ("b", "RET001"), ("c", "CON002")), tmp_path
    )
    append_history(
        result(date(2026, 2, 28), ("b", "RET001"), ("d", "RET002"), ("e", "CON001")), tmp_path
    )
    append_history(result(date(2026, 3, 31)), tmp_path)  # everything resolved
    table = trend(load_history(tmp_path))
    assert table.height == 3 * 5  # every run × every area
    rows = {
        (r["as_of"].month, r["area"]): (r["open"], r["new"], r["resolved"], r["still_open"])
        for r in table.iter_rows(named=True)
    }
    assert rows[(1, "retention")] == (2, 2, 0, 0)
    assert rows[(1, "consent")] == (1, 1, 0, 0)
    assert rows[(2, "retention")] == (2, 1, 1, 1)  # d new, a resolved, b still open
    assert rows[(2, "consent")] == (1, 1, 1, 0)  # e new, c resolved
    assert rows[(3, "retention")] == (0, 0, 2, 0)
    assert rows[(3, "consent")] == (0, 0, 1, 0)
    assert rows[(2, "disclosure")] == (0, 0, 0, 0)


def test_an_empty_folder_is_an_empty_history_and_an_empty_trend(tmp_path) -> None:
    history = load_history(tmp_path)
    assert len(history) == 0 and history.findings.is_empty()
    assert trend(history).is_empty()


def test_a_missing_history_folder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(UsageError, match="no such history folder"):
        load_history(tmp_path / "nowhere")


def test_a_history_path_that_is_a_file_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "history").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        append_history(result(date(2026, 6, 30)), tmp_path / "history")


def test_a_foreign_file_in_the_history_folder_is_named_in_the_error(tmp_path) -> None:
    pl.DataFrame({"x": [1]}).write_parquet(tmp_path / "other.parquet")
    with pytest.raises(UsageError, match="not an auditkit history file") as caught:
        load_history(tmp_path)
    assert caught.value.file == str(tmp_path / "other.parquet")
    (tmp_path / "other.parquet").write_text("not parquet at all")
    with pytest.raises(UsageError, match="not an auditkit history file"):
        load_history(tmp_path)


def test_a_stamp_with_path_characters_is_refused(tmp_path) -> None:
    with pytest.raises(UsageError, match="run stamp"):
        append_history(result(date(2026, 6, 30)), tmp_path, stamp="../escape")
    assert files(tmp_path) == []


def test_check_and_report_append_to_the_history_folder(tmp_path) -> None:
    """`--history DIR` on check and report records each run; the trend then spans them."""
    import subprocess
    import sys

    from auditkit.history import load_history

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"
    folder = tmp_path / "history"
    for command, extra in (
        ("check", ["--fail-on", "never"]),
        ("report", ["--html", str(tmp_path / "r.html")]),
    ):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditkit",
                command,
                str(sample),
                "--as-of",
                "2026-06-30",
                "--history",
                str(folder),
                *extra,
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    history = load_history(folder)
    # The same register, policy and as-of date give one identical run: recorded once, not twice.
    assert history.runs.height == 1
    assert (tmp_path / "r.html").is_file()
