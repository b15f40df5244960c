"""The HTML report: self-contained, private, escaped, and drawn in a real browser."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from plotly.offline import get_plotlyjs

from auditkit.audit import AuditResult, run_audit
from auditkit.errors import UsageError
from auditkit.findings import FINDINGS_SCHEMA, finding_ids, sort_findings
from auditkit.history import append_history
from auditkit.policy import load_policy
from auditkit.register import load_register
from auditkit.report import html as html_report
from auditkit.report.html import render_html, write_html
from auditkit.rules import RULES
from tests.builders import write_register

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "allomeera"
CHROMIUM = Path("/usr/bin/chromium")
KEY = b"0123456789abcdef-test-key"
PLOTLY_JS = get_plotlyjs()


def crafted(*rows: dict[str, Any], as_of: date = date(2026, 6, 30)) -> AuditResult:
    """An audit result with exactly these findings (rule, record_id, subject_id, message...)."""
    full = []
    for row in rows:
        rule = RULES[row["rule"]]
        full.append(
            {
                "area": rule.area,
                "severity": rule.severity,
                "table": "subjects",
                "subject_id": row.get("record_id"),
                "evidence": "{}",
                **row,
            }
        )
    frame = pl.DataFrame(
        full, schema={k: v for k, v in FINDINGS_SCHEMA.items() if k != "finding_id"}
    )
    frame = frame.with_columns(
        finding_id=pl.Series(finding_ids(frame["rule"].to_list(), frame["table"].to_list(),
                                         frame["record_id"].to_list()))
    )  # fmt: skip
    findings = sort_findings(frame.select(FINDINGS_SCHEMA.names()))
    run = {
        "as_of": as_of.isoformat(),
        "auditkit_version": "0.1.0",
        "register": "Testirekisteri",
        "controller": "Testi Oy",
        "inputs": [{"path": "subjects.csv", "table": "subjects", "rows": 1, "sha256": "ab" * 32}],
        "policy": {"path": "policy.toml", "sha256": "cd" * 32},
        "mapping": {"path": None, "sha256": None},
    }
    calendar = pl.DataFrame(
        schema={"due_at": pl.Date, "table": pl.String, "record_id": pl.String,
                "subject_id": pl.String, "reason": pl.String}
    )  # fmt: skip
    return AuditResult(findings, as_of, {}, run, calendar)


def body(document: str) -> str:
    """The document without the inlined Plotly library (which is code, not report content)."""
    assert document.count(PLOTLY_JS) == 1
    return document.replace(PLOTLY_JS, "")


@pytest.fixture(scope="module")
def sample() -> tuple[Any, AuditResult]:
    policy = load_policy(SAMPLE / "policy.toml")
    register = load_register(SAMPLE, SAMPLE / "mapping.toml", timezone=policy.timezone)
    return register, run_audit(register, policy, date(2026, 6, 30))


# ---- the file ------------------------------------------------------------------------------------
def test_the_report_is_one_file_written_owner_only_even_over_a_readable_one(tmp_path) -> None:
    target = tmp_path / "reports" / "audit.html"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target, 0o644)
    write_html(crafted({"rule": "RET001", "record_id": "S1", "message": "kept"}), target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in target.parent.iterdir()) == ["audit.html"]  # no temporary left


def test_the_report_creates_missing_folders_and_refuses_a_folder_as_its_path(tmp_path) -> None:
    write_html(crafted(), tmp_path / "a" / "b" / "audit.html")
    assert (tmp_path / "a" / "b" / "audit.html").is_file()
    with pytest.raises(UsageError, match="is a folder"):
        write_html(crafted(), tmp_path)


def test_the_report_loads_nothing_from_the_network(sample) -> None:
    _, result = sample
    document = render_html(result)
    rest = body(document)  # Plotly's JavaScript inlined exactly once
    assert "<script src" not in rest and "<link" not in rest
    assert "http://" not in rest and "https://" not in rest
    assert "default-src 'none'" in rest  # and the page may not fetch anything


# ---- what it shows -------------------------------------------------------------------------------
def test_the_report_has_the_summary_the_charts_the_rules_to_act_on_and_every_finding(
    sample,
) -> None:
    _, result = sample
    rest = body(render_html(result))
    charts = re.findall(r'<figure class="chart[^"]*" data-chart="([a-z_]+)"', rest)
    assert charts == [
        "findings_by_area", "top_rules", "findings_over_time", "retention_aging",
        "deletion_calendar", "marketing_without_consent",
    ]  # fmt: skip
    assert rest.count("<tr data-severity=") == result.findings.height
    assert f'<span class="number">{result.findings.height:,}</span>' in rest
    assert "What to act on first" in rest and "Allomeera Oy" in rest
    first = re.search(r"<ol class=\"rules\">.*?<b>([A-Z]{3}\d{3})</b>", rest, re.S)
    assert first and RULES[first.group(1)].severity == "critical"


def test_the_trend_across_runs_appears_when_a_history_is_given(tmp_path) -> None:
    earlier = crafted({"rule": "RET001", "record_id": "S1"}, as_of=date(2026, 3, 31))
    now = crafted({"rule": "RET001", "record_id": "S2"})
    append_history(earlier, tmp_path)
    append_history(now, tmp_path)
    assert 'data-chart="audit_trend"' in render_html(now, history=tmp_path)
    assert 'data-chart="audit_trend"' not in render_html(now)


def test_a_long_findings_table_is_cut_and_says_so(monkeypatch) -> None:
    monkeypatch.setattr(html_report, "TABLE_LIMIT", 2)
    result = crafted(*[{"rule": "RET001", "record_id": f"S{i}"} for i in range(3)])
    rest = body(render_html(result))
    assert rest.count("<tr data-severity=") == 2
    assert "The 2 most serious of 3 findings are listed" in rest


def test_the_report_speaks_finnish_and_refuses_an_unknown_language(tmp_path) -> None:
    result = crafted({"rule": "RET001", "record_id": "S1"})
    rest = body(render_html(result, lang="fi"))
    assert '<html lang="fi">' in rest and "Henkilörekisterin tarkastus" in rest
    assert "Korjaa ensin" in rest
    with pytest.raises(UsageError, match="unknown report language"):
        write_html(result, tmp_path / "x.html", lang="de")
    assert not (tmp_path / "x.html").exists()


# ---- privacy -------------------------------------------------------------------------------------
def test_identity_codes_are_masked_and_hidden_whole_when_pseudonymised() -> None:
    result = crafted(
        {"rule": "DAT002", "table": "notes", "record_id": "N1", "subject_id": "S1",
         "message": "Note N1 holds 131052-308T.", "evidence": '{"codes":["131052-****"]}'},
    )  # fmt: skip
    plain = body(render_html(result))
    assert "131052-308T" not in plain and "131052-****" in plain
    pseudonymised = body(render_html(result, pseudonymise_key=KEY))
    assert "131052" not in pseudonymised and "******-****" in pseudonymised


def test_pseudonymising_replaces_subject_ids_and_keys_the_finding_ids() -> None:
    result = crafted(
        {"rule": "RET001", "record_id": "100056", "message": "Subject 100056 is kept."},
    )
    rest = body(render_html(result, pseudonymise_key=KEY))
    assert not re.search(r"\b100056\b", rest)
    assert re.search(r"Subject S-[0-9a-f]{16} is kept", rest)
    plain_id = result.findings["finding_id"][0]
    keyed_id = finding_ids(["RET001"], ["subjects"], ["100056"], key=KEY)[0]
    assert f'data-id="{keyed_id}"' in rest and plain_id not in rest
    assert KEY.decode() not in rest
    assert "Pseudonymised" in rest


def test_a_protected_subjects_address_is_withheld_when_the_register_is_given(tmp_path) -> None:
    root = write_register(
        tmp_path / "register",
        {"subjects": [
            {"subject_id": "S1", "street_address": "Salainen katu 7", "protected": "true"},
            {"subject_id": "S2", "street_address": "Julkinen tie 1", "protected": "false"},
        ]},
    )  # fmt: skip
    register = load_register(root)
    result = crafted(
        {"rule": "RET004", "record_id": "S1", "message": "S1 still has Salainen katu 7."},
        {"rule": "RET004", "record_id": "S2", "message": "S2 still has Julkinen tie 1."},
    )
    rest = body(render_html(result, register=register))
    assert "Salainen katu 7" not in rest and "[address withheld]" in rest
    assert "Julkinen tie 1" in rest  # only protected subjects' addresses are withheld


def test_every_value_is_escaped_in_the_page_and_in_the_charts() -> None:
    hostile = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'
    result = crafted(
        {"rule": "CON002", "table": "communications", "record_id": "M1", "subject_id": "S1",
         "message": hostile, "evidence": json.dumps({"campaign_id": hostile})},
    )  # fmt: skip
    document = render_html(result)
    assert "<script>alert" not in document and "<img src=x" not in document
    assert "&lt;/script&gt;&lt;script&gt;alert" in document  # shown, as text


# ---- in a browser --------------------------------------------------------------------------------
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_sample_report_renders_every_chart_in_chromium_without_console_errors(
    sample, tmp_path
) -> None:
    from playwright.sync_api import sync_playwright

    _, result = sample
    append_history(
        crafted({"rule": "RET001", "record_id": "S1"}, as_of=date(2026, 3, 31)), tmp_path
    )
    append_history(result, tmp_path)
    report = tmp_path / "audit.html"
    write_html(result, report, history=tmp_path)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(report.as_uri())
            page.wait_for_function(
                "Array.from(document.querySelectorAll('figure.chart'))"
                ".every(f => f.querySelector('svg.main-svg'))",
                timeout=30_000,
            )
            charts = page.eval_on_selector_all(
                "figure.chart",
                "fs => fs.map(f => [f.dataset.chart, f.querySelectorAll('svg').length])",
            )
            assert [name for name, _ in charts][0] == "audit_trend"
            assert len(charts) == 7 and all(svgs > 0 for _, svgs in charts), charts

            con002 = int((result.findings["rule"] == "CON002").sum())
            page.fill("#filter", "CON002")
            assert page.inner_text("#shown-count") == str(con002)
            page.fill("#filter", "")
            page.select_option("#severity-filter", "critical")
            critical = int((result.findings["severity"] == "critical").sum())
            assert page.inner_text("#shown-count") == str(critical)
            page.select_option("#severity-filter", "")
            overdue = page.locator("#findings-table th", has_text="Days overdue")
            overdue.click()
            overdue.click()  # descending
            first = page.locator("#findings-table tbody tr").first.locator("td.num").inner_text()
            assert int(first) == result.findings["days_overdue"].max()
        finally:
            browser.close()
    assert problems == []
