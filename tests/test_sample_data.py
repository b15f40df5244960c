"""The bundled Allomeera sample: it loads, and the audit finds exactly the breaches it documents."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from auditkit.audit import AuditResult, run_audit
from auditkit.policy import load_policy
from auditkit.register.loader import load_register

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"


@cache
def sample_result() -> AuditResult:
    policy = load_policy(SAMPLE / "policy.toml")
    register = load_register(SAMPLE, SAMPLE / "mapping.toml", timezone=policy.timezone)
    return run_audit(register, policy, date(2026, 6, 30))


def readme_counts() -> dict[str, int]:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    section = text.split("## Expected findings per rule", 1)[1].split("\n## ", 1)[0]
    return {code: int(n) for code, n in re.findall(r"\| ([A-Z]{3}\d{3}) \| (\d+)", section)}


def test_the_sample_is_exported_the_way_a_finnish_crm_exports() -> None:
    register = load_register(SAMPLE, SAMPLE / "mapping.toml")
    encodings = {Path(s.path).name: s.encoding for s in register.sources}
    assert encodings["asiakkaat.csv"] == "cp1252"
    assert {s.format for s in register.sources} == {"csv", "xlsx"}
    assert {s.separator for s in register.sources if s.format == "csv"} == {";"}
    assert register.row_counts()["subjects"] > 2000


def test_readme_lists_a_count_for_every_rule_and_the_audit_finds_exactly_those() -> None:
    counts = Counter(sample_result().findings["rule"].to_list())
    expected = readme_counts()
    assert len(expected) == 31
    assert {code: counts.get(code, 0) for code in expected} == expected


def test_findings_are_exactly_the_planted_records() -> None:
    planted = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
    findings = sample_result().findings
    for rule, records in planted.items():
        got = sorted(findings.filter(findings["rule"] == rule)["record_id"].to_list())
        assert got == sorted(records), rule


def test_near_misses_are_silent() -> None:
    near_misses = json.loads((SAMPLE / "near_misses.json").read_text(encoding="utf-8"))
    flagged = set(sample_result().findings["record_id"].to_list())
    loud = [m for m in near_misses if m["record_id"] in flagged]
    assert loud == []


def test_every_rule_family_has_breaches_and_con005_is_reported_skipped() -> None:
    result = sample_result()
    assert set(result.findings["area"].cast(str)) == {
        "retention",
        "consent",
        "disclosure",
        "requests",
        "data",
    }
    assert result.skipped == [{"rule": "CON005", "reason": "consent.max_age not set"}]


@pytest.mark.parametrize(
    "name", ["planted.json", "near_misses.json", "mapping.toml", "policy.toml"]
)
def test_sample_files_are_present(name: str) -> None:
    assert (SAMPLE / name).is_file()


def test_the_sample_holds_no_real_identity_codes() -> None:
    """Every identity code in the sample uses the temporary range 900-999: no real person's."""
    text = (SAMPLE / "asiakkaat.csv").read_bytes().decode("cp1252")
    codes = re.findall(r"\b\d{6}[-+A-FU-Y](\d{3})[0-9A-Y]\b", text)
    assert codes and all(int(number) >= 900 for number in codes)
