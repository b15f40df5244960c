"""Waivers and baselines (RULES.md "Waivers and baselines"): which findings count, which do not,
and what CI is told about waivers that expired or name nothing."""

from __future__ import annotations

import hashlib
import json
import stat
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from auditkit.audit import AuditResult
from auditkit.ci import (
    NEVER_BASELINED,
    Baseline,
    BaselineError,
    WaiverError,
    Waivers,
    apply_ci,
    baseline_document,
    failing,
    load_baseline,
    load_waivers,
    parse_waivers,
)
from auditkit.cli import main
from auditkit.findings import SEVERITY
from auditkit.rules import RULES
from tests.builders import AS_OF, BASE_POLICY, audit, make_policy, write_register

M1 = hashlib.sha256(b"CON001|communications|M1").hexdigest()[:16]  # CON001, high
M2 = hashlib.sha256(b"CON002|communications|M2").hexdigest()[:16]  # CON002, critical


def _consent(eid: str, sid: str, purpose: str, action: str, at: str) -> dict[str, Any]:
    return {
        "event_id": eid,
        "subject_id": sid,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
        "source": "store",
        "evidence_ref": "F1",
    }


def _marketing(mid: str, sid: str, at: str) -> dict[str, Any]:
    return {
        "message_id": mid,
        "subject_id": sid,
        "channel": "email",
        "category": "marketing",
        "sent_at": at,
        "product_group": "tyres",
    }


# S1 gets marketing e-mail without an e-mail consent (CON001, high, message M1); S2 objected and
# still got one (CON002, critical — a rule that can never be baselined — message M2).
TABLES: dict[str, list[dict[str, Any]]] = {
    "subjects": [
        {"subject_id": "S1", "created_at": "2024-01-01", "last_activity_at": "2026-01-01"},
        {"subject_id": "S2", "created_at": "2024-01-01", "last_activity_at": "2026-01-01"},
    ],
    "consents": [
        _consent("E1", "S1", "sms_marketing", "grant", "2024-01-01T10:00:00"),
        _consent("E2", "S2", "email_marketing", "grant", "2024-01-01T10:00:00"),
        _consent("E3", "S2", "email_marketing", "object", "2026-03-01T10:00:00"),
    ],
    "communications": [
        _marketing("M1", "S1", "2026-05-04T09:00:00"),
        _marketing("M2", "S2", "2026-05-05T09:00:00"),
    ],
}


def write_export(root: Path, policy_extra: str = "") -> Path:
    """The two-finding register as canonical CSV with its policy.toml."""
    write_register(root, TABLES)
    (root / "policy.toml").write_text(BASE_POLICY + policy_extra, encoding="utf-8")
    return root


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def auditkit(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the `auditkit` entry point in-process: exit code, stdout, stderr."""

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["auditkit", *map(str, args)])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Run(int(exited.value.code or 0), captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    return audit(tmp_path_factory.mktemp("two"), select=["CON"], **TABLES)


def waivers(text: str) -> Waivers:
    return Waivers("waivers.toml", "0" * 64, parse_waivers(text, "waivers.toml"))


def waiver(target: str, expires: date | str, reason: str = "CRM ticket 42") -> str:
    value = expires.isoformat() if isinstance(expires, date) else expires
    return f'[[waiver]]\n{target}\nreason = "{reason}"\nowner = "DPO Liisa"\nexpires = {value}\n'


def baseline(*ids: str) -> Baseline:
    return Baseline("base.json", "0" * 64, "2026-06-01", frozenset(ids))


def status(findings: Any, finding_id: str) -> str:
    return findings.filter(findings["finding_id"] == finding_id)["status"].cast(str).item()


# --- the register -------------------------------------------------------------------------------


def test_the_register_has_one_high_and_one_critical_never_baselined_finding(result) -> None:
    rows = result.findings.select("finding_id", "rule", "severity").cast({"severity": str})
    assert rows.rows() == [(M2, "CON002", "critical"), (M1, "CON001", "high")]


def test_the_never_baselined_rules_are_the_five_of_the_catalogue() -> None:
    assert set(NEVER_BASELINED) == {"CON002", "DIS003", "DIS005", "DIS007", "DAT002"}
    assert set(NEVER_BASELINED) <= set(RULES)


# --- waivers ------------------------------------------------------------------------------------


def test_without_waivers_or_baseline_every_finding_is_new_and_counts(result) -> None:
    ci = apply_ci(result)
    assert not ci.tracked
    assert ci.findings["status"].cast(str).to_list() == ["new", "new"]
    assert ci.failing("high").height == 2


def test_a_waived_finding_is_kept_with_its_reason_owner_and_expiry_and_does_not_count(
    result,
) -> None:
    ci = apply_ci(result, waivers=waivers(waiver(f'finding_id = "{M1}"', date(2026, 12, 31))))
    row = ci.findings.filter(ci.findings["finding_id"] == M1).to_dicts()[0]
    assert row["status"] == "waived"
    assert (row["waiver_reason"], row["waiver_owner"]) == ("CRM ticket 42", "DPO Liisa")
    assert row["waiver_expires"] == date(2026, 12, 31)
    assert ci.findings.height == 2
    assert ci.failing("high")["finding_id"].to_list() == [M2]
    assert [s.state for s in ci.waiver_states] == ["active"]


def test_a_waiver_by_rule_and_record_id_waives_that_finding(result) -> None:
    text = waiver('rule = "marketing-without-consent"\nrecord_id = "M1"', "2026-12-31")
    ci = apply_ci(result, waivers=waivers(text))
    assert ci.waivers is not None and ci.waivers.entries[0].rule == "CON001"
    assert status(ci.findings, M1) == "waived"
    assert ci.waiver_states[0].findings == (M1,)


def test_a_waiver_expiring_on_the_as_of_date_still_waives(result) -> None:
    ci = apply_ci(result, waivers=waivers(waiver(f'finding_id = "{M1}"', AS_OF)))
    assert status(ci.findings, M1) == "waived"
    assert ci.problems() == []


def test_a_waiver_expired_the_day_before_the_as_of_date_no_longer_waives_and_is_reported(
    result,
) -> None:
    ci = apply_ci(result, waivers=waivers(waiver(f'finding_id = "{M1}"', AS_OF - timedelta(1))))
    assert status(ci.findings, M1) == "new"
    assert ci.findings.filter(ci.findings["finding_id"] == M1)["waiver_reason"].item() is None
    assert M1 in ci.failing("high")["finding_id"].to_list()
    (problem,) = ci.problems()
    assert (problem.state, problem.findings) == ("expired", (M1,))


def test_a_waiver_that_matches_no_finding_is_stale(result) -> None:
    text = waiver('rule = "CON004"\nrecord_id = "E9"', "2027-01-01") + waiver(
        'finding_id = "0123456789abcdef"', "2027-01-01"
    )
    ci = apply_ci(result, waivers=waivers(text))
    assert [(s.waiver.entry, s.state) for s in ci.problems()] == [(1, "stale"), (2, "stale")]
    assert ci.failing("high").height == 2


def test_an_active_waiver_wins_over_an_expired_one_for_the_same_finding(result) -> None:
    text = waiver(f'finding_id = "{M1}"', "2026-01-01", "old") + waiver(
        'rule = "CON001"\nrecord_id = "M1"', "2026-12-31", "renewed"
    )
    ci = apply_ci(result, waivers=waivers(text))
    row = ci.findings.filter(ci.findings["finding_id"] == M1).to_dicts()[0]
    assert (row["status"], row["waiver_reason"]) == ("waived", "renewed")
    assert [s.state for s in ci.waiver_states] == ["expired", "active"]


def test_a_waiver_may_waive_a_never_baselined_rule(result) -> None:
    ci = apply_ci(
        result,
        waivers=waivers(waiver(f'finding_id = "{M2}"', "2026-12-31")),
        baseline=baseline(M2),
    )
    assert status(ci.findings, M2) == "waived"
    assert M2 not in ci.failing("low")["finding_id"].to_list()


def test_waiver_file_line_numbers_are_those_of_each_entry_header(result) -> None:
    text = (
        "# waivers\n\n"
        + waiver(f'finding_id = "{M1}"', "2027-01-01")
        + "\n"
        + waiver(f'finding_id = "{M2}"', "2027-01-01")
    )
    assert [w.line for w in parse_waivers(text)] == [3, 9]


def test_an_empty_waiver_file_holds_no_waivers() -> None:
    assert parse_waivers("# nothing waived yet\n") == ()


GOOD = {"finding_id": '"x"', "owner": '"o"', "reason": '"r"', "expires": "2027-01-01"}


def entry(**keys: str | None) -> str:
    """A [[waiver]] entry: GOOD with some keys replaced (raw TOML values) or left out (None)."""
    values = {**GOOD, **keys}
    return "[[waiver]]\n" + "".join(f"{k} = {v}\n" for k, v in values.items() if v is not None)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"owner": None}, "missing required key 'owner'"),
        ({"expires": None}, "missing required key 'expires'"),
        ({"expires": '"soon"'}, "'expires' is not a date"),
        ({"expires": "2027-01-01T10:00:00"}, "'expires' must be a date, not a date and time"),
        ({"until": "2027-01-01"}, "unknown key 'until'"),
        ({"rule": '"CON001"'}, "give either 'finding_id' or 'rule' + 'record_id', not both"),
        ({"finding_id": None, "rule": '"CON001"'}, "missing required key 'record_id'"),
        ({"finding_id": None, "record_id": '"M1"'}, "missing required key 'rule'"),
        ({"finding_id": None}, "missing required key 'finding_id' (or 'rule' + 'record_id')"),
        (
            {"finding_id": None, "rule": '"CON999"', "record_id": '"M1"'},
            "'rule' is not a rule code or name: 'CON999'",
        ),
        (
            {"finding_id": None, "rule": '"CON001"', "record_id": "101131"},
            "'record_id' must be a quoted string",
        ),
        ({"reason": '"  "'}, "'reason' is empty"),
    ],
)
def test_a_malformed_waiver_entry_names_the_file_the_entry_its_line_and_the_key(
    keys: dict[str, str | None], expected: str
) -> None:
    text = "# reviewed monthly\n" + entry() + "\n" + entry(**keys)
    with pytest.raises(WaiverError) as error:
        parse_waivers(text, "ci/waivers.toml")
    assert str(error.value).startswith(f"ci/waivers.toml: [[waiver]] entry 2 (line 8): {expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (entry(expires="2027-13-01"), "not a valid TOML file"),
        (entry().replace("[[waiver]]", "[waiver]"), "'waiver' must be an array of tables"),
        (entry().replace("[[waiver]]", "[[waivers]]"), "unknown top-level key 'waivers'"),
    ],
)
def test_a_malformed_waiver_file_names_the_file(text: str, expected: str) -> None:
    with pytest.raises(WaiverError) as error:
        parse_waivers(text, "ci/waivers.toml")
    assert str(error.value).startswith("ci/waivers.toml: ") and expected in str(error.value)


def test_an_unreadable_waiver_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="cannot read the waiver file"):
        load_waivers(tmp_path / "missing.toml")


# --- baselines ----------------------------------------------------------------------------------


def test_a_finding_in_the_baseline_is_baselined_and_does_not_count(result) -> None:
    ci = apply_ci(result, baseline=baseline(M1))
    assert status(ci.findings, M1) == "baselined"
    assert status(ci.findings, M2) == "new"
    assert ci.failing("low")["finding_id"].to_list() == [M2]


def test_a_never_baselined_rule_counts_even_when_its_finding_is_in_the_baseline(result) -> None:
    ci = apply_ci(result, baseline=baseline(M1, M2))
    assert status(ci.findings, M2) == "unbaselinable"
    assert status(ci.findings, M1) == "baselined"
    assert ci.failing("critical")["finding_id"].to_list() == [M2]
    assert ci.status_counts() == {"new": 0, "unbaselinable": 1, "baselined": 1, "waived": 0}


def test_check_json_output_and_the_baseline_command_output_both_load_as_baselines(
    result, tmp_path: Path
) -> None:
    (tmp_path / "run.json").write_text(result.to_json(), encoding="utf-8")
    document = baseline_document(result)
    (tmp_path / "base.json").write_text(json.dumps(document), encoding="utf-8")
    for name in ("run.json", "base.json"):
        loaded = load_baseline(tmp_path / name)
        assert loaded.finding_ids == {M1, M2} and loaded.as_of == "2026-06-30"


def test_the_baseline_document_holds_no_record_ids_subjects_messages_or_evidence(result) -> None:
    document = baseline_document(result)
    assert document["findings"] == [
        {"finding_id": M2, "rule": "CON002", "severity": "critical", "table": "communications"},
        {"finding_id": M1, "rule": "CON001", "severity": "high", "table": "communications"},
    ]
    assert document["run"]["as_of"] == "2026-06-30" and document["run"]["inputs"]
    text = json.dumps(document)
    assert "S1" not in text and "M1" not in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not an auditkit JSON result"),
        ('{"run": {}}', 'no "findings" list'),
        ('[{"finding_id": "x"}]', 'no "findings" list'),
        ('{"findings": [{"rule": "CON001"}]}', 'finding 1 has no "finding_id"'),
    ],
)
def test_a_baseline_that_is_not_a_json_result_is_an_error(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "base.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError) as error:
        load_baseline(path)
    assert str(error.value).startswith(f"{path}: ") and expected in str(error.value)


# --- thresholds ---------------------------------------------------------------------------------

SEVERITIES = ("critical", "high", "medium", "low")


@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize("threshold", [*SEVERITIES, "never"])
def test_a_finding_fails_exactly_when_its_severity_is_at_or_above_the_threshold(
    result, severity: str, threshold: str
) -> None:
    findings = result.findings.filter(pl.col("rule") == "CON001").with_columns(
        severity=pl.lit(severity).cast(SEVERITY)
    )
    expected = threshold != "never" and SEVERITIES.index(severity) <= SEVERITIES.index(threshold)
    assert (failing(findings, threshold).height == 1) == expected


def test_a_policy_severity_override_moves_a_rule_across_the_threshold(tmp_path: Path) -> None:
    policy = make_policy(check={"severity": {"CON001": "medium"}})
    lowered = audit(tmp_path / "a", select=["CON001"], policy=policy, **TABLES)
    assert lowered.findings["severity"].cast(str).to_list() == ["medium"]
    assert failing(lowered.findings, "high").height == 0
    assert failing(lowered.findings, "medium").height == 1


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "args", "code"),
    [
        ("", [], 1),  # CON001 high, CON002 critical; default threshold high
        ("", ["--fail-on", "critical", "--ignore", "CON002"], 0),  # high < critical
        (
            '\n[check.severity]\nCON001 = "critical"\n',
            ["--fail-on", "critical", "--ignore", "CON002"],
            1,
        ),
        ('\n[check.severity]\nCON001 = "low"\n', ["--ignore", "CON002"], 0),  # low < high
        ('\n[check.severity]\nCON001 = "low"\n', ["--fail-on", "low", "--ignore", "CON002"], 1),
        (
            '\n[check]\nfail_on = "low"\n[check.severity]\nCON001 = "low"\n',
            ["--ignore", "CON002"],
            1,
        ),  # the policy's fail_on
        ('\n[check]\nfail_on = "low"\n', ["--ignore", "CON002", "--fail-on", "never"], 0),
    ],
)
def test_check_exit_code_at_the_threshold_boundaries(
    tmp_path: Path, auditkit, extra: str, args: list[str], code: int
) -> None:
    root = write_export(tmp_path / "export", extra)
    run = auditkit("check", root, "--as-of", "2026-06-30", "--select", "CON", *args)
    assert run.code == code, run.out + run.err


def test_check_rejects_an_unknown_rule_in_the_policy_severity_overrides(
    tmp_path: Path, auditkit
) -> None:
    root = write_export(tmp_path / "export", '\n[check.severity]\nCON04 = "high"\n')
    run = auditkit("check", root, "--as-of", "2026-06-30")
    assert run.code == 2 and "CON04" in run.err


def test_baseline_command_then_check_fails_only_on_the_never_baselined_finding(
    tmp_path: Path, auditkit
) -> None:
    root = write_export(tmp_path / "export")
    base = tmp_path / "ci" / "baseline.json"
    base.parent.mkdir()
    made = auditkit("baseline", root, "--as-of", "2026-06-30", "--output", base)
    assert made.code == 0, made.err
    assert "Baseline of 2 finding(s)" in made.out and "never baselined" in made.out
    assert stat.S_IMODE(base.stat().st_mode) == 0o600
    assert "S1" not in base.read_text()

    common = ("check", root, "--as-of", "2026-06-30", "--select", "CON", "--baseline", base)
    run = auditkit(*common)
    assert run.code == 1  # CON002 is critical and can never be baselined
    assert "1 baselined" in run.out and "1 in it but never baselined" in run.out
    assert auditkit(*common, "--ignore", "CON002").code == 0  # CON001 is baselined


def test_a_finding_new_since_the_baseline_fails_the_run(tmp_path: Path, auditkit) -> None:
    root = write_export(tmp_path / "export")
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"findings": [{"finding_id": M2}]}), encoding="utf-8")
    run = auditkit(
        "check",
        root,
        "--as-of",
        "2026-06-30",
        "--baseline",
        base,
        "--ignore",
        "CON002",
        "--format",
        "json",
    )
    assert run.code == 1
    (row,) = json.loads(run.out)["findings"]
    assert (row["finding_id"], row["status"]) == (M1, "new")


def test_waivers_toml_next_to_the_policy_is_used_and_an_expired_waiver_fails_again(
    tmp_path: Path, auditkit
) -> None:
    root = write_export(tmp_path / "export")
    args = ("check", root, "--select", "CON001", "--fail-on", "high")
    (root / "waivers.toml").write_text(waiver(f'finding_id = "{M1}"', "2026-07-31"), "utf-8")
    waived = auditkit(*args, "--as-of", "2026-07-31")
    assert waived.code == 0, waived.out
    assert "1 finding(s) waived" in waived.out
    expired = auditkit(*args, "--as-of", "2026-08-01")
    assert expired.code == 1
    assert "waiver expired" in expired.out and "expired on 2026-07-31" in expired.out


def test_waivers_flag_overrides_the_file_next_to_the_policy(tmp_path: Path, auditkit) -> None:
    root = write_export(tmp_path / "export")
    (root / "waivers.toml").write_text(waiver(f'finding_id = "{M1}"', "2026-07-31"), "utf-8")
    other = tmp_path / "none.toml"
    other.write_text("", encoding="utf-8")
    run = auditkit("check", root, "--select", "CON001", "--as-of", "2026-06-30", "--waivers", other)
    assert run.code == 1


def test_a_stale_waiver_is_reported_but_does_not_fail_a_clean_run(tmp_path: Path, auditkit) -> None:
    root = write_export(tmp_path / "export")
    path = tmp_path / "waivers.toml"
    path.write_text(waiver('rule = "CON004"\nrecord_id = "E9"', "2027-01-01"), "utf-8")
    run = auditkit(
        "check",
        root,
        "--select",
        "CON004",
        "--as-of",
        "2026-06-30",
        "--waivers",
        path,
        "--format",
        "json",
    )
    assert run.code == 0
    document = json.loads(run.out)
    assert document["waivers"][0]["state"] == "stale"
    assert document["summary"]["stale_waivers"] == 1


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "waivers",
            '[[waiver]]\nfinding_id = "x"\nreason = "r"\nexpires = 2027-01-01\n',
            "[[waiver]] entry 1 (line 1): missing required key 'owner'",
        ),
        ("baseline", "{}", 'no "findings" list'),
    ],
)
def test_a_malformed_waiver_or_baseline_file_exits_2_with_one_line_naming_it(
    tmp_path: Path, auditkit, name: str, content: str, expected: str
) -> None:
    root = write_export(tmp_path / "export")
    path = tmp_path / f"{name}.file"
    path.write_text(content, encoding="utf-8")
    run = auditkit("check", root, "--as-of", "2026-06-30", f"--{name}", path)
    assert run.code == 2
    assert str(path) in run.err and expected in run.err
    assert "Traceback" not in run.err and run.out == ""
