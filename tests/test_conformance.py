"""The engine agrees with the independent implementation's findings on the shared registers."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from auditkit.audit import run_audit
from auditkit.policy import load_policy
from auditkit.register.loader import load_register

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"
REGISTERS = sorted(p.name for p in CONFORMANCE.glob("register-*")) if CONFORMANCE.exists() else []


@pytest.mark.skipif(not REGISTERS, reason="../shared/conformance is not beside the repository")
@pytest.mark.parametrize("name", REGISTERS)
def test_findings_and_skips_match_the_conformance_register(name: str) -> None:
    base = CONFORMANCE / name
    expected = json.loads((base / "expected.json").read_text())
    policy = load_policy(base / "policy.toml")
    register = load_register(base / "data", timezone=policy.timezone)

    result = run_audit(register, policy, date.fromisoformat(expected["as_of"]))

    got = Counter(
        (row["rule"], row["table"], row["record_id"], row["subject_id"], row["severity"])
        for row in result.findings.with_columns(result.findings["severity"].cast(str)).to_dicts()
    )
    want = Counter(
        (f["rule"], f["table"], f["record_id"], f["subject_id"], f["severity"])
        for f in expected["findings"]
    )
    assert sorted((want - got).elements()) == [], "findings the reference has and we lack"
    assert sorted((got - want).elements()) == [], "findings we report and the reference does not"
    assert sorted(result.skipped, key=lambda s: s["rule"]) == sorted(
        expected["skipped"], key=lambda s: s["rule"]
    )
