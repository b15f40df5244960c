"""`auditkit check`, `rules` and `explain` as a data team's CI sees them: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import BASE_POLICY, write_register

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "register-104"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditkit", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """One person marketed by e-mail without consent (CON001, high) and nothing else."""
    root = write_register(
        tmp_path / "export",
        {
            "subjects": [
                {"subject_id": "S1", "created_at": "2024-01-01", "last_activity_at": "2026-01-01"}
            ],
            "consents": [
                {
                    "event_id": "E1",
                    "subject_id": "S1",
                    "purpose": "sms_marketing",
                    "action": "grant",
                    "recorded_at": "2024-01-01T10:00:00",
                    "source": "store",
                    "evidence_ref": "F1",
                }
            ],
            "communications": [
                {
                    "message_id": "M1",
                    "subject_id": "S1",
                    "channel": "email",
                    "category": "marketing",
                    "sent_at": "2026-05-04T09:00:00",
                    "product_group": "tyres",
                }
            ],
        },
    )
    (root / "policy.toml").write_text(BASE_POLICY, encoding="utf-8")
    return root


def test_check_exits_1_when_a_finding_meets_the_default_high_threshold(register: Path) -> None:
    result = run("check", register, "--as-of", "2026-06-30")
    assert result.returncode == 1, result.stderr
    assert "CON001" in result.stdout and "FAIL" in result.stdout


def test_check_exits_0_when_the_threshold_is_above_every_finding(register: Path) -> None:
    assert run("check", register, "--as-of", "2026-06-30", "--fail-on", "critical").returncode == 0
    assert run("check", register, "--as-of", "2026-06-30", "--fail-on", "never").returncode == 0


def test_check_exits_0_on_a_clean_register(register: Path) -> None:
    result = run("check", register, "--as-of", "2026-06-30", "--ignore", "CON001")
    assert result.returncode == 0, result.stdout
    assert "PASS" in result.stdout


def test_check_json_is_byte_identical_across_runs_and_carries_the_run_record(
    register: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        run("check", register, "--as-of", "2026-06-30", "--format", "json", "--output", out)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert set(data) == {"run", "findings", "skipped", "deletion_calendar"}
    assert data["run"]["as_of"] == "2026-06-30"
    assert {i["table"] for i in data["run"]["inputs"]} == {"subjects", "consents", "communications"}
    assert all(len(i["sha256"]) == 64 for i in data["run"]["inputs"])
    (finding,) = data["findings"]
    assert finding["rule"] == "CON001" and finding["record_id"] == "M1"
    assert finding["occurred_at"] == "2026-05-04" and isinstance(finding["evidence"], dict)
    assert set(finding) == {
        "finding_id",
        "rule",
        "area",
        "severity",
        "table",
        "record_id",
        "subject_id",
        "source_row",
        "occurred_at",
        "due_at",
        "days_overdue",
        "message",
        "evidence",
    }
    assert {"rule": "DIS001", "reason": "disclosures absent"} in data["skipped"]


def test_check_without_a_policy_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    root = write_register(tmp_path / "export", {"subjects": [{"subject_id": "S1"}]})
    result = run("check", root, "--as-of", "2026-06-30")
    assert result.returncode == 2
    assert "no policy file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--as-of", "30.6.2026"),
        ("--select", "NOPE1"),
        ("--format", "xml"),
        ("--fail-on", "severe"),
    ],
)
def test_check_rejects_bad_options_with_exit_2(register: Path, args: tuple[str, str]) -> None:
    result = run("check", register, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_rules_lists_all_31_rules() -> None:
    result = run("rules")
    assert result.returncode == 0
    codes = [
        f"{p}{n:03d}"
        for p, k in (("RET", 4), ("CON", 5), ("DIS", 10), ("DSR", 5), ("DAT", 7))
        for n in range(1, k + 1)
    ]
    assert all(code in result.stdout for code in codes)


def test_explain_prints_the_four_parts_by_code_or_name() -> None:
    for key in ("CON002", "marketing-after-objection"):
        result = run("explain", key)
        assert result.returncode == 0
        for heading in ("What it checks", "Why it matters", "Example", "How to fix", "Legal basis"):
            assert heading in result.stdout


def test_explain_unknown_rule_exits_2() -> None:
    assert run("explain", "XYZ999").returncode == 2


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="conformance registers not present")
def test_check_reports_skipped_rules_in_text_output() -> None:
    result = run(
        "check",
        CONFORMANCE / "data",
        "--policy",
        CONFORMANCE / "policy.toml",
        "--as-of",
        "2026-06-30",
    )
    assert result.returncode == 1
    assert "CON005 skipped: consent.max_age not set" in result.stdout
    assert "DAT003 ran in part: vehicles.vin absent" in result.stdout


def test_check_quiet_prints_no_progress_and_keeps_the_exit_code(register: Path) -> None:
    result = run("check", register, "--as-of", "2026-06-30", "--quiet")
    assert result.returncode == 1
    assert "Loading tables" not in result.stderr and "Running rules" not in result.stderr


def test_profile_prints_rule_and_shared_fact_times_and_their_plans(register: Path) -> None:
    result = run("check", register, "--as-of", "2026-06-30", "--profile", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Profile: shared derived facts and rules" in out
    # The consent intervals are a fact CON001 uses: computed once, timed on their own.
    assert "consent_intervals" in out
    assert "Query plan of rule CON001" in out
    assert "Query plan of shared consent_intervals" in out
    timed = [line for line in out.splitlines() if line.strip().startswith("│ rule")]
    ran = json.loads(run("check", register, "--as-of", "2026-06-30", "--format", "json").stdout)
    assert len(timed) == len(ran["run"]["rules_run"])  # every rule that ran has its own line


def test_profile_adds_shared_fact_timings_to_the_json_run_record(register: Path) -> None:
    plain = json.loads(run("check", register, "--as-of", "2026-06-30", "--format", "json").stdout)
    profiled = json.loads(
        run("check", register, "--as-of", "2026-06-30", "--format", "json", "--profile").stdout
    )
    assert "shared_facts" not in plain["run"]  # a run without --profile stays reproducible
    facts = profiled["run"]["shared_facts"]
    assert facts and all(f["seconds"] >= 0 and f["rows"] >= 0 for f in facts.values())
    assert any(key.startswith("consent_intervals") for key in facts)
    assert profiled["run"]["rules"]["CON001"]["seconds"] >= 0
