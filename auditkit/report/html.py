"""The HTML report: one self-contained file that opens offline, for people who read the audit.

`write_html(result, path)` writes the audit's summary, its charts (`auditkit.charts`, Plotly's
JavaScript inlined once), the rules to act on first, a findings table the reader can filter and
sort, and the run record. It follows the privacy rules of every report (ARCHITECTURE.md
"Principles"): everything shown passes through `auditkit.report.pseudonymise.Protector` first
(identity codes masked, protected subjects' addresses withheld when the register is given, keyed
pseudonyms with `pseudonymise_key`); every value is HTML-escaped; a Content Security
Policy forbids the page any network access; the file is written owner-only (0600).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.offline import get_plotlyjs

from auditkit import charts
from auditkit.errors import UsageError
from auditkit.findings import AREAS, SEVERITY_ORDER
from auditkit.report import labels
from auditkit.report.pseudonymise import People, Protector
from auditkit.rules import RULES
from auditkit.rules.identifiers import HETU_MASK

if TYPE_CHECKING:
    from auditkit.audit import AuditResult
    from auditkit.history import History
    from auditkit.register.loader import Register

TABLE_LIMIT = 5000
"""At most this many findings in the table (most severe first); the Excel report holds them all."""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
# NOTE: a chart drawn before the grid has its final width overflows its card; fit every chart to its
# container once the page has laid out.
_FIT_CHARTS = (
    "window.addEventListener('load', function () {"
    " document.querySelectorAll('.js-plotly-plot').forEach(function (el) {"
    " Plotly.Plots.resize(el); }); });"
)
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)

_WORDS: dict[str, tuple[str, str]] = {
    "lede": (
        "What the register's exports show against the promises of the privacy notice, "
        "as of {as_of}.",
        "Rekisterin poiminnat verrattuna tietosuojaselosteen lupauksiin, tilanne {as_of}.",
    ),
    "pseudonymised_badge": ("Pseudonymised", "Pseudonymisoitu"),
    "act_first": ("What to act on first", "Korjaa ensin"),
    "act_first_lede": (
        "Rules broken, most serious first. Each finding names one record; fix the cause, then the "
        "records.",
        "Rikotut säännöt vakavimmasta alkaen. Jokainen havainto osoittaa yhden tietueen: "
        "korjaa syy, sitten tietueet.",
    ),
    "how_to_fix": ("How to fix", "Näin korjaat"),
    "charts": ("Charts", "Kaaviot"),
    "all_findings": ("All findings", "Kaikki havainnot"),
    "filter": ("Filter", "Suodata"),
    "filter_placeholder": (
        "rule, record, subject or words of the message",
        "sääntö, tietue, rekisteröity tai kuvauksen sana",
    ),
    "any_severity": ("every severity", "kaikki vakavuudet"),
    "any_area": ("every area", "kaikki alueet"),
    "shown": ("shown", "näkyvissä"),
    "limit_note": (
        "The {limit:,} most serious of {total:,} findings are listed; the Excel report holds all.",
        "Listassa {limit:,} vakavinta {total:,} havainnosta; Excel-raportissa ovat kaikki.",
    ),
    "sort_hint": ("Click a column header to sort.", "Lajittele napsauttamalla otsikkoa."),
    "evidence": ("evidence", "todisteet"),
    "run_record": ("The run", "Tarkastusajo"),
    "generated": (
        "Written by auditkit {version}. The findings are reproducible from the input files, the "
        "policy and the as-of date listed here.",
        "Tuottanut auditkit {version}. Havainnot voi toistaa tässä luetelluista syötetiedostoista, "
        "käytännöstä ja tarkastuspäivästä.",
    ),
}


def _say(key: str, lang: str, **values: Any) -> str:
    text = _WORDS[key][labels.LANGS.index(lang)]
    return text.format(**values) if values else text


def _summary(key: str, lang: str) -> str:
    return labels.summary(key, lang)


def _header(key: str, lang: str) -> str:
    return labels.header(key, lang)


def _e(value: object) -> str:
    """HTML-escaped text; None is empty."""
    return "" if value is None else html.escape(str(value), quote=True)


# ---- the privacy step ----------------------------------------------------------------------------
def protect(
    result: AuditResult, *, pseudonymise_key: bytes | None, register: Register | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The findings and the deletion calendar as the report may show them (the one privacy step)."""
    people = People.from_register(register) if register is not None else People()
    protector = Protector(key=pseudonymise_key, people=people)
    findings = protector.findings(result.findings)
    if pseudonymise_key is not None:
        # NOTE: rules already write codes masked (`230879-****`, DAT002); the date part still
        # identifies, so a pseudonymised report hides those whole too.
        findings = findings.with_columns(
            pl.col("message", "evidence").str.replace_all(_MASKED_CODE, HETU_MASK, literal=False)
        )
    return findings, protector.frame(result.deletion_calendar)


_MASKED_CODE = r"[0-9]{6}[-+A-FU-Y]\*{4}"


# ---- the page ------------------------------------------------------------------------------------
def render_html(
    result: AuditResult,
    *,
    pseudonymise_key: bytes | None = None,
    lang: str = "en",
    register: Register | None = None,
    history: History | str | Path | None = None,
) -> str:
    """The report as one HTML document (see `write_html`)."""
    lang = charts.check_language(lang)
    findings, calendar = protect(result, pseudonymise_key=pseudonymise_key, register=register)
    trend = _trend(history)
    figures = [] if trend is None else [charts.audit_trend(trend, lang=lang)]
    figures += [
        charts.findings_by_area(findings, lang=lang),
        charts.top_rules(findings, lang=lang),
        charts.findings_over_time(findings, lang=lang),
        charts.retention_aging(findings, lang=lang),
        charts.deletion_calendar(calendar, lang=lang),
        charts.marketing_without_consent(findings, lang=lang),
    ]
    run = result.run
    title = f"{_summary('title', lang)}: {run.get('register') or ''}"
    body = "\n".join(
        [
            _masthead(result, lang, pseudonymised=pseudonymise_key is not None),
            _tiles(findings, lang),
            _act_first(findings, lang),
            _charts(figures, lang),
            _table(findings, lang),
            _run_record(result, lang, pseudonymised=pseudonymise_key is not None),
        ]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} · {_e(run.get('as_of'))}</title>\n"
        f"<style>{_STYLE}</style>\n"
        f"<script>{get_plotlyjs()}</script>\n"
        f"</head>\n<body>\n{body}\n<script>{_SCRIPT}\n{_FIT_CHARTS}</script>\n</body>\n</html>\n"
    )


def write_html(
    result: AuditResult,
    path: str | Path,
    *,
    pseudonymise_key: bytes | None = None,
    lang: str = "en",
    register: Register | None = None,
    history: History | str | Path | None = None,
) -> None:
    """Write the HTML report of `result` to `path`, owner-only (0600).

    `pseudonymise_key` replaces subject ids, names, contacts and finding ids by keyed pseudonyms
    (`auditkit.report.pseudonymise`); `lang` is "en" or "fi". Optional, as for the Excel report:
    `register` lets the report withhold protected subjects' addresses and pseudonymise known
    names and contacts; `history` (a `History` or its folder) adds the trend across runs."""
    target = Path(path)
    if target.is_dir():
        raise UsageError("the report path is a folder", file=str(target), expected="a file name")
    text = render_html(
        result, pseudonymise_key=pseudonymise_key, lang=lang, register=register, history=history
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_private(target, text)


def _write_private(target: Path, text: str) -> None:
    """Write through a temporary owner-only file and rename it over the target."""
    temporary = target.with_name(f".{target.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def _trend(history: History | str | Path | None) -> pl.DataFrame | None:
    if history is None:
        return None
    from auditkit.history import History, load_history, trend

    loaded = history if isinstance(history, History) else load_history(history)
    return trend(loaded) if len(loaded) else None


# ---- sections ------------------------------------------------------------------------------------
def _masthead(result: AuditResult, lang: str, *, pseudonymised: bool) -> str:
    run = result.run
    badge = (
        f' <span class="badge">{_e(_say("pseudonymised_badge", lang))}</span>'
        if pseudonymised
        else ""
    )
    facts = [
        (_summary("register", lang), run.get("register")),
        (_summary("controller", lang), run.get("controller")),
        (_summary("as_of", lang), run.get("as_of")),
    ]
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
    return (
        f"<header><h1>{_e(_summary('title', lang))}{badge}</h1>"
        f'<p class="lede">{_e(_say("lede", lang, as_of=run.get("as_of")))}</p>'
        f'<dl class="facts">{items}</dl></header>'
    )


def _tiles(findings: pl.DataFrame, lang: str) -> str:
    severity = findings["severity"].cast(pl.String)
    tiles = [(_summary("findings", lang), findings.height, "total")]
    tiles += [(labels.severity(s, lang), int((severity == s).sum()), s) for s in SEVERITY_ORDER]
    tiles.append(
        (
            charts.word("subjects_affected", lang),
            findings["subject_id"].drop_nulls().n_unique(),
            "total",
        )
    )
    cells = "".join(
        f'<div class="tile {cls}"><span class="number">{value:,}</span>'
        f'<span class="label">{_e(label)}</span></div>'
        for label, value, cls in tiles
    )
    return f'<section id="summary" class="tiles">{cells}</section>'


def _act_first(findings: pl.DataFrame, lang: str) -> str:
    if findings.is_empty():
        return (
            f'<section id="act"><h2>{_e(_say("act_first", lang))}</h2>'
            f"<p>{_e(_summary('no_findings', lang))}</p></section>"
        )
    per_rule = (
        findings.group_by("rule")
        .agg(count=pl.len(), severity=pl.col("severity").min())
        .sort(["severity", "count", "rule"], descending=[False, True, False])
    )
    items = []
    for code, count, severity in per_rule.select("rule", "count", "severity").rows():
        rule = RULES.get(code)
        title = labels.rule_title(code, lang) if rule else code
        fix = rule.doc.fix if rule else ""
        items.append(
            f'<li><details><summary><span class="sev {_e(severity)}">'
            f"{_e(labels.severity(severity, lang))}</span> <b>{_e(code)}</b> {_e(title)} "
            f'<span class="count">{count:,}</span></summary>'
            f"<p><b>{_e(_say('how_to_fix', lang))}:</b> {_e(fix)}</p></details></li>"
        )
    note = f'<p class="note">{_e(_summary("docs_english", lang))}</p>' if lang != "en" else ""
    return (
        f'<section id="act"><h2>{_e(_say("act_first", lang))}</h2>'
        f'<p class="lede">{_e(_say("act_first_lede", lang))}</p>'
        f'<ol class="rules">{"".join(items)}</ol>{note}</section>'
    )


def _charts(figures: Iterable[go.Figure], lang: str) -> str:
    blocks = []
    for fig in figures:
        name = charts.chart_name(fig) or "chart"
        div = pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=f"chart-{name}",
            config=PLOTLY_CONFIG,
            validate=False,
        )
        wide = " wide" if name in _WIDE else ""
        blocks.append(f'<figure class="chart{wide}" data-chart="{_e(name)}">{div}</figure>')
    return (
        f'<section id="charts"><h2>{_e(_say("charts", lang))}</h2>'
        f'<div class="grid">{"".join(blocks)}</div></section>'
    )


_WIDE = frozenset({"findings_over_time", "audit_trend", "marketing_without_consent"})
_COLUMNS = ("severity", "rule", "area", "table", "record_id", "subject_id", "occurred_at",
            "due_at", "days_overdue", "message")  # fmt: skip


def _table(findings: pl.DataFrame, lang: str) -> str:
    total = findings.height
    shown = findings.head(TABLE_LIMIT)  # the findings frame is sorted most severe first
    head = "".join(
        f'<th data-type="{"number" if c == "days_overdue" else "text"}">{_e(_header(c, lang))}</th>'
        for c in _COLUMNS
    )
    rows = [_row(row, lang) for row in shown.iter_rows(named=True)]
    severity_options = "".join(
        f'<option value="{s}">{_e(labels.severity(s, lang))}</option>' for s in SEVERITY_ORDER
    )
    area_options = "".join(
        f'<option value="{a}">{_e(labels.area(a, lang))}</option>' for a in AREAS
    )
    limit = (
        f'<p class="note">{_e(_say("limit_note", lang, limit=TABLE_LIMIT, total=total))}</p>'
        if total > TABLE_LIMIT
        else ""
    )
    return (
        f'<section id="findings"><h2>{_e(_say("all_findings", lang))}</h2>{limit}'
        '<div class="controls">'
        f'<label>{_e(_say("filter", lang))} <input id="filter" type="search" '
        f'placeholder="{_e(_say("filter_placeholder", lang))}"></label>'
        f'<select id="severity-filter"><option value="">{_e(_say("any_severity", lang))}</option>'
        f"{severity_options}</select>"
        f'<select id="area-filter"><option value="">{_e(_say("any_area", lang))}</option>'
        f"{area_options}</select>"
        f'<span class="shown"><span id="shown-count">{shown.height:,}</span> '
        f"{_e(_say('shown', lang))}</span>"
        f'<span class="note">{_e(_say("sort_hint", lang))}</span></div>'
        f'<div class="table-wrap"><table id="findings-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _row(row: dict[str, Any], lang: str) -> str:
    severity, area = str(row["severity"]), str(row["area"])
    cells = [
        f'<td><span class="sev {_e(severity)}">{_e(labels.severity(severity, lang))}</span></td>',
        f'<td title="{_e(RULES[row["rule"]].title if row["rule"] in RULES else "")}">'
        f"{_e(row['rule'])}</td>",
        f"<td>{_e(labels.area(area, lang))}</td>",
        f"<td>{_e(row['table'])}</td>",
        f'<td class="id">{_e(row["record_id"])}</td>',
        f'<td class="id">{_e(row["subject_id"])}</td>',
        f'<td class="date">{_e(_iso(row["occurred_at"]))}</td>',
        f'<td class="date">{_e(_iso(row["due_at"]))}</td>',
        f'<td class="num">{_e(row["days_overdue"])}</td>',
        f"<td>{_e(row['message'])}{_evidence(row['evidence'], lang)}</td>",
    ]
    return (
        f'<tr data-severity="{_e(severity)}" data-area="{_e(area)}" '
        f'data-id="{_e(row["finding_id"])}">{"".join(cells)}</tr>'
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _evidence(raw: str | None, lang: str) -> str:
    if not raw:
        return ""
    try:
        facts = json.loads(raw)
    except ValueError:
        facts = {"evidence": raw}
    if not isinstance(facts, dict):
        facts = {"evidence": facts}
    items = "".join(
        f"<dt>{_e(labels.evidence_label(k, lang))}</dt><dd>{_e(_fact(v))}</dd>"
        for k, v in facts.items()
        if v is not None
    )
    summary = _e(_say("evidence", lang))
    return f'<details class="evidence"><summary>{summary}</summary><dl>{items}</dl></details>'


def _fact(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_fact(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run_record(result: AuditResult, lang: str, *, pseudonymised: bool) -> str:
    run = result.run
    policy, mapping = run.get("policy") or {}, run.get("mapping") or {}
    rule_data = ", ".join(f"{k} {v}" for k, v in (run.get("rule_data") or {}).items())
    facts = [
        (_summary("as_of", lang), run.get("as_of")),
        (_summary("policy", lang), _with_hash(policy.get("path"), policy.get("sha256"))),
        (_summary("mapping", lang), _with_hash(mapping.get("path"), mapping.get("sha256"))),
        (_summary("timezone", lang), run.get("timezone")),
        (_summary("rule_data", lang), rule_data),
        (_summary("rules_run", lang), len(run.get("rules_run") or [])),
        (_summary("pseudonymised", lang), _summary("yes" if pseudonymised else "no", lang)),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    inputs = "".join(
        f"<tr><td>{_e(i.get('table'))}</td><td>{_e(i.get('path'))}</td>"
        f'<td class="num">{_e(i.get("rows"))}</td><td class="id">{_e(i.get("sha256"))}</td></tr>'
        for i in run.get("inputs") or []
    )
    inputs_table = (
        f'<h3>{_e(_summary("inputs", lang))}</h3><div class="table-wrap"><table><thead><tr>'
        f"<th>{_e(_header('table', lang))}</th><th>{_e(_header('file', lang))}</th>"
        f"<th>{_e(_header('rows', lang))}</th><th>{_e(_header('sha256', lang))}</th>"
        f"</tr></thead><tbody>{inputs}</tbody></table></div>"
    )
    skipped = "".join(
        f"<li><b>{_e(s['rule'])}</b> "
        f"{_e(_summary('partial' if s.get('partial') else 'skipped_one', lang))}: "
        f"{_e(s.get('reason'))}</li>"
        for s in result.skipped
    )
    skipped_list = f"<h3>{_e(_summary('skipped', lang))}</h3><ul>{skipped}</ul>" if skipped else ""
    warnings = "".join(f"<li>{_e(w)}</li>" for w in result.warnings)
    warning_list = (
        f"<h3>{_e(_summary('warnings', lang))}</h3><ul>{warnings}</ul>" if warnings else ""
    )
    privacy = _summary("pseudonymised_note" if pseudonymised else "masked_note", lang)
    return (
        f'<section id="run"><h2>{_e(_say("run_record", lang))}</h2>'
        f'<dl class="record">{dl}</dl>{inputs_table}{skipped_list}{warning_list}'
        f"<footer><p>{_e(privacy)}</p>"
        f"<p>{_e(_say('generated', lang, version=run.get('auditkit_version')))}</p></footer>"
        "</section>"
    )


def _with_hash(path: object, sha256: object) -> str:
    if not path:
        return "—"
    return f"{path} (SHA-256 {str(sha256)[:16]}…)" if sha256 else str(path)


_STYLE = """
:root { --critical: #a50026; --high: #f46d43; --medium: #fdae61; --low: #74add1;
  --ink: #1f2933; --muted: #52606d; --line: #d9dee3; --paper: #ffffff; --wash: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0; padding: 0 2rem 3rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI",
  Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: var(--wash); }
header { padding: 1.5rem 0 0.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 0.3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
.lede { color: var(--muted); margin: 0 0 0.8rem; }
.note { color: var(--muted); font-size: 0.9rem; }
.badge { font-size: 0.8rem; vertical-align: middle; background: var(--ink); color: #fff;
  border-radius: 4px; padding: 0.15rem 0.5rem; margin-left: 0.5rem; }
dl.facts { display: flex; flex-wrap: wrap; gap: 0.4rem 2rem; margin: 0; }
dl.facts dt { font-size: 0.8rem; color: var(--muted); } dl.facts dd { margin: 0; font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 0.8rem;
  margin-top: 1.2rem; }
.tile { background: var(--paper); border: 1px solid var(--line); border-left: 6px solid var(--ink);
  border-radius: 6px; padding: 0.7rem 0.9rem; display: flex; flex-direction: column; }
.tile .number { font-size: 1.9rem; font-weight: 700; }
.tile .label { color: var(--muted); }
.tile.critical { border-left-color: var(--critical); }
.tile.high { border-left-color: var(--high); }
.tile.medium { border-left-color: var(--medium); } .tile.low { border-left-color: var(--low); }
.sev { display: inline-block; min-width: 6.8em; text-align: center; border-radius: 3px;
  padding: 0 0.4em; font-size: 0.85rem; color: #fff; background: var(--muted); }
.sev.critical { background: var(--critical); } .sev.high { background: var(--high); }
.sev.medium { background: var(--medium); color: #222; }
.sev.low { background: var(--low); color: #222; }
ol.rules { padding-left: 1.5rem; background: var(--paper); border: 1px solid var(--line);
  border-radius: 6px; padding: 0.6rem 0.6rem 0.6rem 2.2rem; }
ol.rules li { margin: 0.25rem 0; } ol.rules summary { cursor: pointer; }
ol.rules .count { color: var(--muted); margin-left: 0.4rem; }
ol.rules .count::before { content: "× "; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1rem;
  align-items: start; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart { margin: 0; background: var(--paper); border: 1px solid var(--line);
  border-radius: 6px; padding: 0.4rem; min-width: 0; }
.controls { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: center;
  margin-bottom: 0.6rem; }
.controls input { width: 22rem; max-width: 100%; padding: 0.3rem 0.5rem; }
.controls select { padding: 0.3rem; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line);
  border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.55rem;
  border-bottom: 1px solid var(--line); }
th { position: sticky; top: 0; background: #eef1f4; cursor: pointer; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td.id, td.date, td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num { text-align: right; }
details.evidence summary { color: var(--muted); cursor: pointer; font-size: 0.85rem; }
details.evidence dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem;
  margin: 0.3rem 0; font-size: 0.85rem; }
details.evidence dt { color: var(--muted); } details.evidence dd { margin: 0; }
dl.record { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.record dt { color: var(--muted); } dl.record dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 1.5rem; color: var(--muted); font-size: 0.9rem; }
@media print { body { background: #fff; } .controls { display: none; } }
"""

_SCRIPT = """
(function () {
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter");
  var severity = document.getElementById("severity-filter");
  var area = document.getElementById("area-filter");
  var count = document.getElementById("shown-count");
  function apply() {
    var words = text.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var haystack = row.textContent.toLowerCase();
      var ok = (!severity.value || row.dataset.severity === severity.value) &&
        (!area.value || row.dataset.area === area.value) &&
        words.every(function (w) { return haystack.indexOf(w) >= 0; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown.toLocaleString();
  }
  [text, severity, area].forEach(function (el) { el.addEventListener("input", apply); });
  var order = rows.slice();
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(th.parentNode.cells, function (c) {
        c.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.dataset.type === "number";
      var keyed = order.map(function (row, i) {
        var value = row.cells[index].textContent.trim();
        return { row: row, i: i, value: numeric ? (value === "" ? null : Number(value)) : value };
      });
      keyed.sort(function (a, b) {
        if (a.value === b.value) { return a.i - b.i; }
        if (a.value === null || a.value === "") { return 1; }
        if (b.value === null || b.value === "") { return -1; }
        var cmp = numeric ? a.value - b.value : String(a.value).localeCompare(String(b.value));
        return ascending ? cmp : -cmp;
      });
      keyed.forEach(function (k) { body.appendChild(k.row); });
    });
  });
})();
"""

__all__ = ["TABLE_LIMIT", "protect", "render_html", "write_html"]
