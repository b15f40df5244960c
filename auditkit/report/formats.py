"""Machine formats of a check: JSON, JUnit XML, SARIF 2.1.0 and GitHub workflow commands.

Each renderer is a pure function of a `CiResult` (the audit result with every finding's status)
and the fail threshold, and returns text; same inputs, same bytes. `write_private` writes a report
file readable by its owner only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import polars as pl

from auditkit import __version__
from auditkit.ci import CiResult, WaiverState
from auditkit.errors import UsageError
from auditkit.rules import RULES, Rule

FORMATS = ("text", "json", "junit", "sarif", "github")

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SRCROOT = "SRCROOT"


# --- choosing outputs ----------------------------------------------------------------------------


def pair_outputs(
    order: Sequence[str], formats: Sequence[str], outputs: Sequence[Path]
) -> list[tuple[str, Path | None]]:
    """Pair each `--format` with the `--output` that follows it (before the next `--format`).

    `order` is the command line's sequence of option names (`"format"`, `"output"`). With one
    format (or none: text) the output may come before or after it. A format without an output goes
    to stdout; at most one may.
    """
    for name in formats:
        if name not in FORMATS:
            raise UsageError("unknown --format", value=name, expected=", ".join(FORMATS))
    if len(formats) <= 1:
        if len(outputs) > 1:
            raise UsageError(
                "several --output for one --format",
                value=str(outputs[1]),
                hint="pair each --output with its own --format: --format json --output a.json "
                "--format sarif --output b.sarif",
            )
        return [(formats[0] if formats else "text", outputs[0] if outputs else None)]
    if order.count("format") != len(formats) or order.count("output") != len(outputs):
        # NOTE: the parser did not report the option order: pair them in the order given.
        order = []
        for i in range(max(len(formats), len(outputs))):
            order += ["format"] if i < len(formats) else []
            order += ["output"] if i < len(outputs) else []
    pairs: list[list[Any]] = []
    formats_left, outputs_left = list(formats), list(outputs)
    for name in order:
        if name == "format":
            pairs.append([formats_left.pop(0), None])
        elif name == "output":
            output = outputs_left.pop(0)
            if not pairs or pairs[-1][1] is not None:
                raise UsageError(
                    "--output has no --format before it",
                    value=str(output),
                    hint="with several formats, write each --output right after its --format",
                )
            pairs[-1][1] = output
    to_stdout = [fmt for fmt, output in pairs if output is None]
    if len(to_stdout) > 1:
        raise UsageError(
            "more than one format would go to stdout",
            value=", ".join(to_stdout),
            hint="give each format but one an --output FILE",
        )
    written = [Path(output) for _, output in pairs if output is not None]
    duplicates = sorted({str(p) for p in written if written.count(p) > 1})
    if duplicates:
        raise UsageError("two formats would be written to one file", value=duplicates[0])
    return [(fmt, output) for fmt, output in pairs]


def write_private(path: str | Path, text: str) -> None:
    """Write a report file readable and writable by its owner only (0600), replacing it whole;
    missing parent folders are created."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise UsageError(f"cannot write the output file: {exc.strerror}", file=str(path)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write the output file: {exc.strerror}", file=str(path)) from exc


def render(output_format: str, ci: CiResult, threshold: str, *, timings: bool = False) -> str:
    """One machine format (json, junit, sarif, github) as text."""
    if output_format == "json":
        return render_json(ci, threshold, timings=timings)
    if output_format == "junit":
        return render_junit(ci, threshold, timings=timings)
    if output_format == "sarif":
        return render_sarif(ci, threshold)
    if output_format == "github":
        return render_github(ci, threshold)
    raise UsageError("unknown --format", value=output_format, expected=", ".join(FORMATS))


# --- JSON ----------------------------------------------------------------------------------------


def render_json(ci: CiResult, threshold: str, *, timings: bool = False) -> str:
    """The audit result as JSON. Without waivers or a baseline it is exactly
    `AuditResult.to_json()`; with them, findings gain `status` and the waiver columns, the run
    record names the waiver and baseline files, and `waivers` and `summary` are added."""
    if not ci.tracked:
        return ci.result.to_json(timings=timings)
    document = ci.with_status().to_dict(timings=timings)
    document["run"].update(ci_record(ci, threshold))
    document["waivers"] = [state.to_dict() for state in ci.waiver_states]
    document["summary"] = summary(ci, threshold)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def ci_record(ci: CiResult, threshold: str) -> dict[str, Any]:
    """The CI part of the run record: the threshold and the waiver and baseline files."""
    waivers = ci.waivers
    baseline = ci.baseline
    return {
        "fail_on": threshold,
        "waivers": None
        if waivers is None
        else {"path": waivers.path, "sha256": waivers.sha256, "entries": len(waivers.entries)},
        "baseline": None
        if baseline is None
        else {
            "path": baseline.path,
            "sha256": baseline.sha256,
            "as_of": baseline.as_of,
            "findings": len(baseline.finding_ids),
        },
    }


def summary(ci: CiResult, threshold: str) -> dict[str, Any]:
    """Findings per status, how many fail the run, and the waivers that need attention."""
    states = [s.state for s in ci.waiver_states]
    return {
        **ci.status_counts(),
        "failing": ci.failing(threshold).height,
        "expired_waivers": states.count("expired"),
        "stale_waivers": states.count("stale"),
    }


# --- shared --------------------------------------------------------------------------------------


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Findings as dicts with plain values: enums as strings, dates as ISO, evidence parsed."""
    rows = []
    for row in frame.iter_rows(named=True):
        out: dict[str, Any] = {}
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif key == "evidence" and isinstance(value, str):
                value = json.loads(value)
            out[key] = value
        rows.append(out)
    return rows


def _input_paths(run: dict[str, Any]) -> dict[str, str]:
    """The input file of each table (the first, should a table come from several)."""
    paths: dict[str, str] = {}
    for source in run.get("inputs", []):
        paths.setdefault(source["table"], source["path"])
    return paths


def _where(row: dict[str, Any]) -> str:
    record = row["record_id"] if row["record_id"] is not None else "-"
    return f"{row['table']}/{record}"


def _waiver_note(row: dict[str, Any]) -> str:
    return f"waived by {row['waiver_owner']} until {row['waiver_expires']}: {row['waiver_reason']}"


def waiver_problem(state: WaiverState) -> str:
    """One line saying what is wrong with an expired or stale waiver."""
    waiver = state.waiver
    if state.state == "expired":
        return (
            f"waiver entry {waiver.entry} ({waiver.target()}, owner {waiver.owner}) expired on "
            f"{waiver.expires.isoformat()}: it no longer waives {len(state.findings)} finding(s)"
        )
    return (
        f"waiver entry {waiver.entry} ({waiver.target()}, owner {waiver.owner}) is stale: "
        "it matches no finding"
    )


# --- JUnit ---------------------------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: Any) -> str:
    return _XML_INVALID.sub("\ufffd", "" if text is None else str(text))


def render_junit(ci: CiResult, threshold: str, *, timings: bool = False) -> str:
    """One testcase per rule selected; a `<failure>` per finding that fails the run (counting, at
    or above the threshold); the rule's other findings (below the threshold, waived, baselined) in
    its `<system-out>`; a skipped rule is a skipped testcase with its reason. Test times are the
    rules' times with `timings` (`--profile`), else 0, so that the file is reproducible."""
    run = ci.run
    failing_ids = set(ci.failing(threshold)["finding_id"].to_list())
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(ci.findings):
        by_rule.setdefault(row["rule"], []).append(row)
    paths = _input_paths(run)

    suites = ET.Element("testsuites", name="auditkit")
    suite = ET.SubElement(suites, "testsuite", name=f"auditkit: {_xml(run.get('register'))}")
    properties = ET.SubElement(suite, "properties")
    for name, value in _junit_properties(ci, threshold):
        ET.SubElement(properties, "property", name=name, value=_xml(value))
    tests = failures = skipped = 0
    for code, status in ci.result.statuses.items():
        rule = RULES[code]
        tests += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"auditkit.{rule.area}",
            name=f"{code} {rule.name}",
            time=f"{status.seconds:.3f}" if timings and status.seconds is not None else "0",
        )
        if status.status == "skipped":
            skipped += 1
            ET.SubElement(case, "skipped", message=_xml(status.reason))
            continue
        others = []
        if status.status == "partial":
            others.append(f"ran in part: {status.reason}")
        rows = by_rule.get(code, [])
        failed = [r for r in rows if r["finding_id"] in failing_ids]
        for row in failed:
            failure = ET.SubElement(
                case,
                "failure",
                message=_xml(f"{_where(row)}: {row['message']}"),
                type=row["severity"],
            )
            failure.text = _xml(_junit_details(row, paths))
        failures += bool(failed)
        for row in rows:
            if row["finding_id"] in failing_ids:
                continue
            if row["status"] == "waived":
                why = _waiver_note(row)
            elif row["status"] == "baselined":
                why = "baselined"
            else:
                why = f"{row['severity']}, below --fail-on {threshold}"
            others.append(f"[{why}] {row['finding_id']} {_where(row)}: {row['message']}")
        if others:
            ET.SubElement(case, "system-out").text = _xml("\n".join(others))
    problems = [waiver_problem(s) for s in ci.problems()]
    if problems:
        ET.SubElement(suite, "system-err").text = _xml("\n".join(problems))
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("skipped", str(skipped))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _junit_properties(ci: CiResult, threshold: str) -> list[tuple[str, Any]]:
    run = ci.run
    props: list[tuple[str, Any]] = [
        ("as_of", run["as_of"]),
        ("auditkit_version", run["auditkit_version"]),
        ("fail_on", threshold),
        ("policy", run["policy"]["path"]),
        ("policy_sha256", run["policy"]["sha256"]),
    ]
    if run["mapping"]["path"]:
        props += [("mapping", run["mapping"]["path"]), ("mapping_sha256", run["mapping"]["sha256"])]
    for source in run["inputs"]:
        props.append((f"input.{source['table']}", f"{source['path']} sha256:{source['sha256']}"))
    for name, item in (("waivers", ci.waivers), ("baseline", ci.baseline)):
        if item is not None:
            props.append((name, f"{item.path} sha256:{item.sha256}"))
    return props


def _junit_details(row: dict[str, Any], paths: dict[str, str]) -> str:
    path = paths.get(row["table"])
    place = path if row["source_row"] is None else f"{path}:{row['source_row']}"
    lines = [
        f"finding_id: {row['finding_id']}",
        f"severity: {row['severity']}",
        f"status: {row['status']}",
        f"record: {_where(row)}" + (f" (subject {row['subject_id']})" if row["subject_id"] else ""),
        f"file: {place}",
    ]
    for key in ("occurred_at", "due_at", "days_overdue"):
        if row[key] is not None:
            lines.append(f"{key}: {row[key]}")
    lines.append(f"evidence: {json.dumps(row['evidence'], ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines)


# --- SARIF 2.1.0 ---------------------------------------------------------------------------------


def _uri(path: str) -> dict[str, Any]:
    """An artifactLocation: a relative path against SRCROOT (the directory auditkit ran in), an
    absolute one as a file URI."""
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(pure.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    doc = rule.doc
    markdown = (
        f"**{rule.title}**\n\n"
        f"**What it checks.** {doc.what}\n\n"
        f"**Why it matters.** {doc.why}\n\n"
        f"**Legal basis.** {doc.legal_basis}\n\n"
        f"**Example.** {doc.example}\n\n"
        f"**How to fix.** {doc.fix}\n"
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": doc.what},
        "help": {"text": rule.explain(), "markdown": markdown},
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
        "properties": {
            "area": rule.area,
            "severity": rule.severity,
            "legal_basis": doc.legal_basis,
            "tags": ["privacy", rule.area],
        },
    }


def render_sarif(ci: CiResult, threshold: str) -> str:
    """SARIF 2.1.0: one rule per catalogue entry with its documentation, one result per finding
    at its input file and row (`region.startLine` = `source_row`, the row's line in a CSV file,
    where known). Waived findings carry an external suppression, findings compared with a baseline
    a `baselineState`; the run record is in `run.properties`, the inputs in `artifacts`."""
    run = ci.run
    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    artifacts, artifact_index = _sarif_artifacts(ci)
    paths = _input_paths(run)
    failing = ci.failing(threshold).height
    results = [
        _sarif_result(row, index, paths, artifact_index, ci.baseline is not None)
        for row in _rows(ci.findings)
    ]
    overrides = [
        {
            "descriptor": {"id": code, "index": index[code]},
            "configuration": {"level": SARIF_LEVEL[severity]},
            "properties": {"severity": severity},
        }
        for code, severity in sorted(ci.severity_overrides.items())
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "exitCode": 1 if failing else 0,
        "toolConfigurationNotifications": _sarif_notifications(ci, index, artifact_index),
        "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": warning}} for warning in ci.result.warnings
        ],
        "properties": {"fail_on": threshold, "failing": failing},
    }
    if overrides:
        invocation["ruleConfigurationOverrides"] = overrides
    record = {key: value for key, value in ci.result.to_dict()["run"].items()}
    record["rules_skipped"] = ci.result.skipped
    record.update(ci_record(ci, threshold))
    record["summary"] = summary(ci, threshold)
    sarif_run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "auditkit",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(RULES[code]) for code in codes],
            }
        },
        "invocations": [invocation],
        "artifacts": artifacts,
        "results": results,
        "properties": record,
    }
    if any(a["location"].get("uriBaseId") == SRCROOT for a in artifacts):
        sarif_run["originalUriBaseIds"] = {
            SRCROOT: {
                "description": {
                    "text": "The directory auditkit ran in: paths are as given on its command line."
                }
            }
        }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [sarif_run]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


_MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def _sarif_artifacts(ci: CiResult) -> tuple[list[dict[str, Any]], dict[str, int]]:
    run = ci.run
    artifacts: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def add(path: str | None, sha256: str | None, roles: list[str], **extra: Any) -> None:
        if not path or path in index:
            return
        index[path] = len(artifacts)
        artifact: dict[str, Any] = {"location": _uri(path), "roles": roles, **extra}
        if sha256:
            artifact["hashes"] = {"sha-256": sha256}
        artifacts.append(artifact)

    for source in run["inputs"]:
        add(
            source["path"],
            source["sha256"],
            ["analysisTarget"],
            length=source["size"],
            mimeType=_MIME.get(source["format"], "application/octet-stream"),
            properties={"table": source["table"], "rows": source["rows"]},
        )
    config = ["userSpecifiedConfiguration"]
    add(run["policy"]["path"], run["policy"]["sha256"], config, properties={"kind": "policy"})
    add(run["mapping"]["path"], run["mapping"]["sha256"], config, properties={"kind": "mapping"})
    if ci.waivers is not None:
        add(ci.waivers.path, ci.waivers.sha256, config, properties={"kind": "waivers"})
    if ci.baseline is not None:
        add(ci.baseline.path, ci.baseline.sha256, config, properties={"kind": "baseline"})
    return artifacts, index


def _sarif_result(
    row: dict[str, Any],
    rule_index: dict[str, int],
    paths: dict[str, str],
    artifact_index: dict[str, int],
    compared: bool,
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": row["record_id"] if row["record_id"] is not None else row["table"],
                "fullyQualifiedName": _where(row),
                "kind": "object",
            }
        ]
    }
    path = paths.get(row["table"])
    if path is not None:
        physical: dict[str, Any] = {
            "artifactLocation": {**_uri(path), "index": artifact_index[path]}
        }
        if row["source_row"] is not None and row["source_row"] >= 1:
            physical["region"] = {"startLine": row["source_row"]}
        location["physicalLocation"] = physical
    properties = {
        key: row[key]
        for key in (
            "finding_id",
            "severity",
            "area",
            "status",
            "table",
            "record_id",
            "subject_id",
            "source_row",
            "occurred_at",
            "due_at",
            "days_overdue",
            "evidence",
        )
    }
    result: dict[str, Any] = {
        "ruleId": row["rule"],
        "ruleIndex": rule_index[row["rule"]],
        "level": SARIF_LEVEL[row["severity"]],
        "kind": "fail",
        "message": {"text": row["message"] or RULES[row["rule"]].title},
        "locations": [location],
        "partialFingerprints": {"auditkitFindingId/v1": row["finding_id"]},
        "properties": properties,
    }
    if compared:
        result["baselineState"] = "new" if row["status"] == "new" else "unchanged"
    if row["status"] == "waived":
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": row["waiver_reason"],
                "properties": {"owner": row["waiver_owner"], "expires": row["waiver_expires"]},
            }
        ]
    return result


def _sarif_notifications(
    ci: CiResult, rule_index: dict[str, int], artifact_index: dict[str, int]
) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for skip in ci.result.skipped:
        kind = "ran in part" if skip.get("partial") else "skipped"
        notes.append(
            {
                "level": "note" if skip.get("partial") else "warning",
                "message": {"text": f"{skip['rule']} {kind}: {skip['reason']}"},
                "associatedRule": {"id": skip["rule"], "index": rule_index[skip["rule"]]},
                "properties": {"rule": skip["rule"], "reason": skip["reason"], "kind": kind},
            }
        )
    for state in ci.problems():
        note: dict[str, Any] = {
            "level": "warning",
            "message": {"text": waiver_problem(state)},
            "properties": state.to_dict(),
        }
        if ci.waivers is not None:
            physical: dict[str, Any] = {
                "artifactLocation": {
                    **_uri(ci.waivers.path),
                    "index": artifact_index[ci.waivers.path],
                }
            }
            if state.waiver.line:
                physical["region"] = {"startLine": state.waiver.line}
            note["locations"] = [{"physicalLocation": physical}]
        notes.append(note)
    return notes


# --- GitHub workflow commands --------------------------------------------------------------------


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_command(level: str, message: str, **properties: Any) -> str:
    props = ",".join(
        f"{key}={_gh_property(str(value))}" for key, value in properties.items() if value
    )
    return f"::{level}{' ' + props if props else ''}::{_gh_data(message)}"


def render_github(ci: CiResult, threshold: str) -> str:
    """GitHub Actions workflow commands, one annotation per finding at its file and row:
    `::error` for a finding that fails the run, `::warning` for one that counts but is below the
    threshold, `::notice` for a waived or baselined one; expired and stale waivers as warnings on
    the waiver file; a last plain line with the verdict."""
    failing_ids = set(ci.failing(threshold)["finding_id"].to_list())
    paths = _input_paths(ci.run)
    lines = []
    for row in _rows(ci.findings):
        rule = RULES[row["rule"]]
        if row["finding_id"] in failing_ids:
            level, note = "error", ""
        elif row["status"] in ("waived", "baselined"):
            level = "notice"
            note = f" [{_waiver_note(row)}]" if row["status"] == "waived" else " [baselined]"
        else:
            level, note = "warning", ""
        title = f"{row['rule']} {rule.name} ({row['severity']}, {row['status']})"
        message = f"{_where(row)}: {row['message']}{note} (finding {row['finding_id']})"
        lines.append(
            _gh_command(
                level,
                message,
                file=paths.get(row["table"]),
                line=row["source_row"],
                title=title,
            )
        )
    if ci.result.skipped:
        # One notice for all skipped rules: GitHub shows only the first few annotations of a kind.
        parts = [
            f"{s['rule']} {'ran in part' if s.get('partial') else 'skipped'}: {s['reason']}"
            for s in ci.result.skipped
        ]
        title = f"auditkit: {len(parts)} rule(s) skipped or run in part"
        lines.append(_gh_command("notice", "\n".join(parts), title=title))
    for state in ci.problems():
        lines.append(
            _gh_command(
                "warning",
                waiver_problem(state),
                file=ci.waivers.path if ci.waivers else None,
                line=state.waiver.line,
                title=f"auditkit: {state.state} waiver",
            )
        )
    failing = len(failing_ids)
    verdict = "FAIL" if failing else "PASS"
    lines.append(
        f"auditkit {verdict}: {failing} finding(s) fail --fail-on {threshold} "
        f"({ci.findings.height} in all, as of {ci.run['as_of']})"
    )
    return "\n".join(lines) + "\n"
