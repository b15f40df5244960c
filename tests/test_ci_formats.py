"""`auditkit check` in CI: the machine formats (JSON, JUnit, SARIF 2.1.0, GitHub workflow
commands), read back by real parsers, several at once, and the exit codes."""

from __future__ import annotations

import json
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import polars as pl
import pytest

from auditkit.ci import Waivers, apply_ci, parse_waivers
from auditkit.errors import UsageError
from auditkit.report.formats import (
    pair_outputs,
    render_github,
    render_junit,
    render_sarif,
)
from auditkit.rules import RULES
from tests import test_waivers_baseline as shared
from tests.test_waivers_baseline import M1, M2, waiver, write_export

auditkit = shared.auditkit  # the in-process `auditkit` runner fixture
result = shared.result  # the two-finding audit result fixture

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
AS_OF = ("--as-of", "2026-06-30")
GH_LINE = re.compile(r"^::(error|warning|notice)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def sarif_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def gh_commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    """(level, properties, message) of each workflow command line (escapes left as written)."""
    commands = []
    for line in text.splitlines():
        match = GH_LINE.match(line)
        if match:
            props = dict(p.split("=", 1) for p in (match["props"] or "").split(",") if p)
            commands.append((match[1], props, match["message"]))
    return commands


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two-finding register, audited from its parent folder so input paths are relative."""
    monkeypatch.chdir(tmp_path)
    write_export(tmp_path / "export")
    return Path("export")


# --- pairing formats and outputs ----------------------------------------------------------------


def test_each_format_is_paired_with_the_output_that_follows_it() -> None:
    order = ["format", "output", "format", "format", "output"]
    pairs = pair_outputs(order, ["json", "github", "sarif"], [Path("a.json"), Path("b.sarif")])
    assert pairs == [("json", Path("a.json")), ("github", None), ("sarif", Path("b.sarif"))]


def test_without_the_option_order_formats_and_outputs_pair_in_the_order_given() -> None:
    pairs = pair_outputs([], ["json", "sarif", "github"], [Path("a.json"), Path("b.sarif")])
    assert pairs == [("json", Path("a.json")), ("sarif", Path("b.sarif")), ("github", None)]


def test_one_format_takes_its_output_wherever_it_is_and_text_is_the_default() -> None:
    assert pair_outputs(["output", "format"], ["json"], [Path("a")]) == [("json", Path("a"))]
    assert pair_outputs(["output"], [], [Path("a")]) == [("text", Path("a"))]
    assert pair_outputs([], [], []) == [("text", None)]


@pytest.mark.parametrize(
    ("order", "formats", "outputs", "message"),
    [
        (["format", "format"], ["json", "sarif"], [], "more than one format would go to stdout"),
        (["output", "format", "format"], ["json", "sarif"], ["a"], "has no --format before it"),
        (["format", "output", "output", "format"], ["json", "sarif"], ["a", "b"], "no --format"),
        (["format", "output", "format", "output"], ["json", "sarif"], ["a", "a"], "one file"),
        (["format", "output", "output"], ["json"], ["a", "b"], "several --output"),
        (["format"], ["xml"], [], "unknown --format"),
    ],
)
def test_outputs_that_cannot_be_paired_are_usage_errors(
    order: list[str], formats: list[str], outputs: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        pair_outputs(order, formats, [Path(o) for o in outputs])


# --- several formats at once --------------------------------------------------------------------


def test_several_formats_at_once_each_file_0600_and_one_format_on_stdout(
    export: Path, auditkit
) -> None:
    run = auditkit(
        "check", export, *AS_OF,
        "--format", "json", "--output", "out/a.json",
        "--format", "github",
        "--format", "sarif", "--output", "out/b.sarif",
        "--format", "junit", "--output", "out/c.xml",
        "--format", "text", "--output", "out/d.txt",
    )  # fmt: skip
    assert run.code == 1, run.err
    assert [level for level, _, _ in gh_commands(run.out)][:2] == ["error", "error"]
    out = Path("out")
    assert json.loads((out / "a.json").read_text())["findings"][0]["finding_id"] == M2
    assert sarif_errors(json.loads((out / "b.sarif").read_text())) == []
    assert ET.parse(out / "c.xml").getroot().tag == "testsuites"
    assert "FAIL: 2 finding(s) fail the threshold --fail-on high" in (out / "d.txt").read_text()
    for name in ("a.json", "b.sarif", "c.xml", "d.txt"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600


def test_every_format_is_byte_identical_across_runs(export: Path, auditkit) -> None:
    (export / "waivers.toml").write_text(waiver(f'finding_id = "{M1}"', "2026-12-31"), "utf-8")
    for folder in ("one", "two"):
        Path(folder).mkdir()
        formats = ("json", "sarif", "junit")
        files = [a for f in formats for a in ("--format", f, "--output", f"{folder}/{f}")]
        assert auditkit("check", export, *AS_OF, *files).code == 1
        github = auditkit("check", export, *AS_OF, "--format", "github").out
        (Path(folder) / "github").write_text(github, encoding="utf-8")
    for name in ("json", "sarif", "junit", "github"):
        assert Path("one", name).read_bytes() == Path("two", name).read_bytes(), name


def test_an_output_naming_an_input_file_is_refused_and_the_input_left_untouched(
    export: Path, auditkit
) -> None:
    before = (export / "consents.csv").read_bytes()
    run = auditkit("check", export, *AS_OF, "--format", "json", "--output", export / "consents.csv")
    assert run.code == 2 and "never overwrites" in run.err
    assert (export / "consents.csv").read_bytes() == before


@pytest.mark.parametrize("output_format", ["text", "json", "junit", "sarif", "github"])
def test_exit_codes_are_the_same_in_every_format(
    export: Path, auditkit, output_format: str
) -> None:
    assert auditkit("check", export, *AS_OF, "--format", output_format).code == 1
    never = auditkit("check", export, *AS_OF, "--format", output_format, "--fail-on", "never")
    assert never.code == 0
    broken = auditkit("check", export, "--as-of", "30.6.2026", "--format", output_format)
    assert broken.code == 2 and broken.out == "" and "Traceback" not in broken.err


def test_two_formats_on_stdout_exit_2(export: Path, auditkit) -> None:
    run = auditkit("check", export, *AS_OF, "--format", "json", "--format", "sarif")
    assert run.code == 2 and "more than one format would go to stdout" in run.err


# --- JSON ---------------------------------------------------------------------------------------


def test_json_without_waivers_or_baseline_is_the_audit_result_unchanged(result) -> None:
    from auditkit.report.formats import render_json

    assert render_json(apply_ci(result), "high") == result.to_json()


def test_json_with_waivers_gives_every_finding_a_status_and_records_the_files(
    export: Path, auditkit
) -> None:
    Path("w.toml").write_text(waiver(f'finding_id = "{M1}"', "2026-12-31"), encoding="utf-8")
    run = auditkit("check", export, *AS_OF, "--format", "json", "--waivers", "w.toml")
    assert run.code == 1  # CON002 is not waived
    document = json.loads(run.out)
    statuses = {f["finding_id"]: f["status"] for f in document["findings"]}
    assert statuses == {M1: "waived", M2: "new"}
    waived = next(f for f in document["findings"] if f["finding_id"] == M1)
    assert (waived["waiver_owner"], waived["waiver_expires"]) == ("DPO Liisa", "2026-12-31")
    assert document["run"]["waivers"]["path"] == "w.toml"
    assert len(document["run"]["waivers"]["sha256"]) == 64
    assert document["run"]["fail_on"] == "high" and document["run"]["baseline"] is None
    assert document["summary"] == {
        "new": 1,
        "unbaselinable": 0,
        "baselined": 0,
        "waived": 1,
        "failing": 1,
        "expired_waivers": 0,
        "stale_waivers": 0,
    }


# --- JUnit --------------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_rule_and_a_failure_per_failing_finding(
    export: Path, auditkit
) -> None:
    Path("w.toml").write_text(waiver(f'finding_id = "{M1}"', "2026-12-31"), encoding="utf-8")
    run = auditkit("check", export, *AS_OF, "--select", "CON", "--format", "junit",
                   "--waivers", "w.toml")  # fmt: skip
    root = ET.fromstring(run.out)
    (suite,) = root.iter("testsuite")
    cases = {case.get("name").split()[0]: case for case in suite.iter("testcase")}
    assert sorted(cases) == ["CON001", "CON002", "CON003", "CON004", "CON005"]
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "1")

    (failure,) = cases["CON002"].findall("failure")
    assert failure.get("type") == "critical"
    assert failure.get("message").startswith("communications/M2: Marketing email message M2")
    assert f"finding_id: {M2}" in failure.text
    assert "file: export/communications.csv:3" in failure.text

    assert cases["CON001"].findall("failure") == []
    assert "[waived by DPO Liisa until 2026-12-31: CRM ticket 42]" in cases["CON001"].findtext(
        "system-out"
    )
    assert cases["CON005"].find("skipped").get("message") == "consent.max_age not set"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["as_of"] == "2026-06-30"
    assert properties["input.communications"].startswith("export/communications.csv sha256:")


def test_junit_findings_below_the_threshold_are_listed_but_not_failures(
    export: Path, auditkit
) -> None:
    run = auditkit("check", export, *AS_OF, "--select", "CON001", "--format", "junit",
                   "--fail-on", "critical")  # fmt: skip
    assert run.code == 0
    (case,) = ET.fromstring(run.out).iter("testcase")
    assert case.findall("failure") == []
    assert "[high, below --fail-on critical]" in case.findtext("system-out")


def test_junit_survives_control_characters_in_a_message(result) -> None:
    ci = apply_ci(result)
    ci.findings = ci.findings.with_columns(message=pl.lit("bell \x07 & <tag>"))
    root = ET.fromstring(render_junit(ci, "high"))
    assert root.find(".//failure").get("message").endswith("bell \ufffd & <tag>")


# --- SARIF --------------------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema_and_locates_each_finding(
    export: Path, auditkit
) -> None:
    run = auditkit("check", export, *AS_OF, "--format", "sarif")
    assert run.code == 1
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    (sarif_run,) = document["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    con002 = rules[sorted(RULES).index("CON002")]
    assert con002["name"] == "marketing-after-objection"
    assert (
        "How to fix" in con002["help"]["text"] and "**Legal basis.**" in con002["help"]["markdown"]
    )
    assert con002["defaultConfiguration"]["level"] == "error"

    results = sarif_run["results"]
    assert [r["ruleId"] for r in results] == ["CON002", "CON001"]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "CON002"
    assert first["partialFingerprints"] == {"auditkitFindingId/v1": M2}
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "export/communications.csv"
    assert physical["artifactLocation"]["uriBaseId"] == "SRCROOT"
    assert physical["region"] == {"startLine": 3}  # header = line 1, M1 = 2, M2 = 3
    input_paths = {i["table"]: i["path"] for i in sarif_run["properties"]["inputs"]}
    assert input_paths["communications"] == physical["artifactLocation"]["uri"]
    artifact = sarif_run["artifacts"][physical["artifactLocation"]["index"]]
    assert artifact["roles"] == ["analysisTarget"] and len(artifact["hashes"]["sha-256"]) == 64


def test_sarif_carries_the_run_record(export: Path, auditkit) -> None:
    document = json.loads(auditkit("check", export, *AS_OF, "--format", "sarif").out)
    (sarif_run,) = document["runs"]
    record = sarif_run["properties"]
    assert record["as_of"] == "2026-06-30" and record["fail_on"] == "high"
    assert record["auditkit_version"] == sarif_run["tool"]["driver"]["version"]
    assert len(record["policy"]["sha256"]) == 64
    assert all(len(i["sha256"]) == 64 for i in record["inputs"])
    assert {"rule": "DIS001", "reason": "disclosures absent"} in record["rules_skipped"]
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is True and invocation["exitCode"] == 1
    notes = [n["message"]["text"] for n in invocation["toolConfigurationNotifications"]]
    assert "DIS001 skipped: disclosures absent" in notes
    assert "SRCROOT" in sarif_run["originalUriBaseIds"]


def test_sarif_marks_waived_findings_suppressed_and_compares_with_the_baseline(
    export: Path, auditkit
) -> None:
    Path("base.json").write_text(json.dumps({"findings": [{"finding_id": M2}]}), "utf-8")
    Path("w.toml").write_text(
        waiver(f'finding_id = "{M1}"', "2026-12-31") + waiver('finding_id = "gone"', "2027-01-01"),
        encoding="utf-8",
    )
    run = auditkit("check", export, *AS_OF, "--format", "sarif", "--waivers", "w.toml",
                   "--baseline", "base.json")  # fmt: skip
    assert run.code == 1  # CON002 can never be baselined
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    (sarif_run,) = document["runs"]
    by_id = {r["properties"]["finding_id"]: r for r in sarif_run["results"]}
    assert by_id[M1]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "CRM ticket 42",
            "properties": {"owner": "DPO Liisa", "expires": "2026-12-31"},
        }
    ]
    assert by_id[M2]["baselineState"] == "unchanged"
    assert by_id[M2]["properties"]["status"] == "unbaselinable" and "suppressions" not in by_id[M2]
    (stale,) = [
        n
        for n in sarif_run["invocations"][0]["toolConfigurationNotifications"]
        if "waiver" in n["message"]["text"]
    ]
    assert "is stale" in stale["message"]["text"]
    location = stale["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "w.toml" and location["region"]["startLine"] == 6
    kinds = {a["properties"].get("kind") for a in sarif_run["artifacts"]}
    assert {"policy", "waivers", "baseline"} <= kinds


def test_sarif_records_policy_severity_overrides_and_absolute_paths_as_file_uris(
    tmp_path: Path, auditkit
) -> None:
    root = write_export(tmp_path / "export", '\n[check.severity]\nCON001 = "medium"\n')
    document = json.loads(auditkit("check", root.resolve(), *AS_OF, "--format", "sarif").out)
    assert sarif_errors(document) == []
    (sarif_run,) = document["runs"]
    (override,) = sarif_run["invocations"][0]["ruleConfigurationOverrides"]
    assert override["descriptor"]["id"] == "CON001"
    assert override["configuration"] == {"level": "warning"}
    con001 = next(r for r in sarif_run["results"] if r["ruleId"] == "CON001")
    assert con001["level"] == "warning"
    uri = con001["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (root / "communications.csv").resolve().as_uri()


def test_sarif_of_a_clean_run_is_valid_and_empty(export: Path, auditkit) -> None:
    run = auditkit("check", export, *AS_OF, "--format", "sarif", "--select", "CON004")
    assert run.code == 0
    document = json.loads(run.out)
    assert sarif_errors(document) == [] and document["runs"][0]["results"] == []


# --- GitHub workflow commands -------------------------------------------------------------------


def test_github_annotations_error_warning_and_notice(export: Path, auditkit) -> None:
    Path("w.toml").write_text(
        waiver('rule = "CON001"\nrecord_id = "M1"', "2026-06-29"), encoding="utf-8"
    )
    run = auditkit("check", export, *AS_OF, "--format", "github", "--waivers", "w.toml",
                   "--fail-on", "critical")  # fmt: skip
    assert run.code == 1
    commands = gh_commands(run.out)
    con002, con001 = commands[0], commands[1]
    assert con002[0] == "error"  # critical, at the threshold
    assert con002[1]["file"] == "export/communications.csv" and con002[1]["line"] == "3"
    assert con002[1]["title"] == "CON002 marketing-after-objection (critical%2C new)"
    assert f"(finding {M2})" in con002[2]
    assert con001[0] == "warning"  # high, below --fail-on critical; its waiver expired
    expired = next(c for c in commands if c[1].get("title") == "auditkit%3A expired waiver")
    assert expired[0] == "warning" and expired[1]["file"] == "w.toml" and expired[1]["line"] == "1"
    assert "expired on 2026-06-29" in expired[2]
    assert run.out.splitlines()[-1].startswith("auditkit FAIL: 1 finding(s) fail")


def test_github_waived_findings_are_notices_with_the_waiver(result) -> None:
    text = waiver(f'finding_id = "{M1}"', "2026-12-31")
    ci = apply_ci(result, waivers=Waivers("w.toml", "0" * 64, parse_waivers(text)))
    notices = [c for c in gh_commands(render_github(ci, "high")) if c[0] == "notice"]
    assert notices[0][1]["title"] == "CON001 marketing-without-consent (high%2C waived)"
    assert "[waived by DPO Liisa until 2026-12-31: CRM ticket 42]" in notices[0][2]


def test_github_commands_escape_newlines_percent_commas_and_colons(result) -> None:
    ci = apply_ci(result)
    ci.findings = ci.findings.with_columns(message=pl.lit("50% sent\nthen: more, again"))
    line = render_github(ci, "high").splitlines()[0]
    assert line.count("\n") == 0
    assert "50%25 sent%0Athen: more, again" in line  # data: %, CR and LF escaped
    assert "title=CON002 marketing-after-objection (critical%2C new)" in line


def test_renderers_accept_an_audit_without_findings(result) -> None:
    ci = apply_ci(result)
    ci.findings = ci.findings.clear()
    assert sarif_errors(json.loads(render_sarif(ci, "high"))) == []
    assert ET.fromstring(render_junit(ci, "high")).get("failures") == "0"
    assert render_github(ci, "high").splitlines()[-1].startswith("auditkit PASS")
