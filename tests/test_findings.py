"""The findings shape: stable ids, deterministic order, run record, and failures that are never
silent."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import polars as pl
import pytest

from auditkit.audit import run_audit
from auditkit.errors import RuleError
from auditkit.findings import FINDINGS_SCHEMA, finding_ids
from auditkit.register.loader import load_register
from auditkit.rules import RULES
from tests.builders import AS_OF, audit, make_policy, write_register


def test_finding_id_is_the_first_16_hex_digits_of_sha256_of_rule_table_record() -> None:
    expected = hashlib.sha256(b"CON002|communications|M1").hexdigest()[:16]
    assert finding_ids(["CON002"], ["communications"], ["M1"]) == [expected]


def test_a_repeated_id_gets_2_and_3_in_file_order() -> None:
    ids = finding_ids(["DAT003"] * 3, ["subjects"] * 3, ["S1"] * 3)
    assert ids[1] == f"{ids[0]}#2" and ids[2] == f"{ids[0]}#3"


def test_keyed_ids_differ_from_plain_ones_and_depend_on_the_key() -> None:
    plain = finding_ids(["RET001"], ["subjects"], ["S1"])
    assert finding_ids(["RET001"], ["subjects"], ["S1"], key=b"k1") != plain
    assert finding_ids(["RET001"], ["subjects"], ["S1"], key=b"k1") != finding_ids(
        ["RET001"], ["subjects"], ["S1"], key=b"k2"
    )


def _register(tmp_path):
    return dict(
        subjects=[
            {"subject_id": "S2", "personal_id": "131052-308t"},
            {
                "subject_id": "S1",
                "personal_id": "131052-308t",
                "relationship_ended_at": "2015-01-01",
            },
            {"subject_id": "S1", "personal_id": "bad"},
        ],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S2",
                "channel": "email",
                "category": "marketing",
                "sent_at": "2026-01-05T10:00:00",
            },
        ],
        consents=[
            {
                "event_id": "E1",
                "subject_id": "S2",
                "purpose": "email_marketing",
                "action": "object",
                "recorded_at": "2026-01-01T10:00:00",
                "source": "store",
                "evidence_ref": "F1",
            },
        ],
    )


def test_findings_have_the_rules_md_shape_and_sort_order(tmp_path) -> None:
    result = audit(tmp_path, **_register(tmp_path))
    assert result.findings.schema == FINDINGS_SCHEMA
    order = result.findings.select("severity", "rule", "table", "record_id", "finding_id")
    assert order.equals(order.sort(pl.all()))
    assert result.findings["severity"][0] == "critical"  # CON002 first


def test_a_duplicated_subject_gives_dat003_twice_with_distinct_ids(tmp_path) -> None:
    result = audit(tmp_path, select=["DAT003"], **_register(tmp_path))
    ids = result.findings.filter(pl.col("record_id") == "S1")["finding_id"].to_list()
    assert len(ids) == 2 and ids[1] == ids[0] + "#2"


def test_ids_and_order_do_not_depend_on_the_run(tmp_path) -> None:
    first = audit(tmp_path / "a", **_register(tmp_path))
    second = audit(tmp_path / "b", **_register(tmp_path))
    assert first.findings.equals(second.findings)
    assert first.to_json().replace(str(tmp_path / "a"), "") == second.to_json().replace(
        str(tmp_path / "b"), ""
    )


def test_run_record_names_inputs_policy_versions_and_rules(tmp_path) -> None:
    result = audit(tmp_path, **_register(tmp_path))
    run = result.run
    assert run["as_of"] == AS_OF.isoformat()
    assert {"adequacy", "holidays"} <= set(run["rule_data"])
    assert all(len(i["sha256"]) == 64 and i["rows"] >= 1 for i in run["inputs"])
    assert set(run["rules_run"]) | {s["rule"] for s in result.skipped} == set(RULES)


def test_a_rule_that_raises_is_reported_never_a_silent_pass(tmp_path, monkeypatch) -> None:
    def broken(ctx):
        raise ValueError("boom")

    monkeypatch.setitem(RULES, "RET001", replace(RULES["RET001"], func=broken))
    root = write_register(tmp_path / "r", _register(tmp_path))
    with pytest.raises(RuleError, match="RET001"):
        run_audit(load_register(root), make_policy(), AS_OF)


def test_a_plan_that_fails_when_collected_names_its_rule(tmp_path, monkeypatch) -> None:
    def bad_plan(ctx):
        return ctx.table("subjects").select(pl.col("no_such_column"))

    monkeypatch.setitem(RULES, "RET001", replace(RULES["RET001"], func=bad_plan))
    root = write_register(tmp_path / "r", _register(tmp_path))
    with pytest.raises(RuleError, match="RET001"):
        run_audit(load_register(root), make_policy(), AS_OF)


def test_policy_severity_override_changes_every_finding_of_the_rule(tmp_path) -> None:
    policy = make_policy(check={"severity": {"DAT003": "high"}})
    result = audit(tmp_path, policy=policy, select=["DAT003"], **_register(tmp_path))
    assert set(result.findings["severity"].cast(str)) == {"high"}
