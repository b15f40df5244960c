"""Write the audit notebooks (`notebooks/*.ipynb`) from the cells declared here.

The notebooks are thin: they load the register, run the audit and call `auditkit.charts`; the
logic lives (and is tested) in the package. Edit a notebook here, then run

    .venv/bin/python notebooks/_build.py

The files are written without outputs or execution counts, with stable cell ids, so a rebuild
changes only what was edited (tests/test_notebooks.py checks the files match this script). Each
notebook starts with the papermill `parameters` cell: DATA, POLICY, MAPPING, AS_OF, OUTPUT_DIR.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

HERE = Path(__file__).resolve().parent

PARAMETERS = """\
# Parameters: change these to audit another register (papermill can set them too).
DATA = "../sample_data/allomeera"  # the folder of exports
POLICY = "../sample_data/allomeera/policy.toml"  # the privacy notice as data
MAPPING = "../sample_data/allomeera/mapping.toml"  # None when the files use canonical names
AS_OF = "2026-06-30"  # the audit date, YYYY-MM-DD
OUTPUT_DIR = "../reports"  # where this notebook writes files"""

SETUP = """\
from datetime import date
from pathlib import Path

import polars as pl
from IPython.display import Markdown, display

from auditkit import charts
from auditkit.audit import run_audit
from auditkit.policy import load_policy
from auditkit.register import load_register
from auditkit.rules import RULES

pl.Config.set_tbl_rows(30).set_fmt_str_lengths(120).set_tbl_hide_dataframe_shape(True)

policy = load_policy(POLICY)
register = load_register(DATA, MAPPING, timezone=policy.timezone)
as_of = date.fromisoformat(AS_OF)
result = run_audit(register, policy, as_of)
findings = result.findings
output = Path(OUTPUT_DIR)
display(Markdown(
    f"**{policy.register_info.name}** ({policy.register_info.controller}), audited as of "
    f"**{as_of}**: **{findings.height}** finding(s) in {len(result.rules_run)} rules run."
))"""

SHOW_RULES = '''\
def show(codes):
    """The findings of some rules, most serious first, with each rule's title, fix and evidence."""
    for code in codes:
        rows = findings.filter(pl.col("rule") == code)
        rule = RULES[code]
        if rows.is_empty():
            display(Markdown(f"**{code} {rule.title}**: no findings."))
            continue
        display(Markdown(f"**{code}**: {rows.height} finding(s). *How to fix:* {rule.doc.fix}"))
        title = f"{code} {rule.title}"
        display(charts.findings_table(rows, limit=100, evidence=True, title=title))'''


def md(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(text)


def hidden(text: str) -> NotebookNode:
    """A code cell whose source JupyterLab shows collapsed (plumbing, not reading matter)."""
    cell = code(text)
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def notebook(title: str, intro: str, *cells: NotebookNode) -> NotebookNode:
    """Title, the parameters cell (first code cell, tagged for papermill), setup, then `cells`."""
    parameters = code(PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [parameters, md(f"# {title}\n\n{intro}"), hidden(SETUP), *cells]
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


HOW_TO = (
    "**How to use it.** Set the parameters in the first cell (the export folder, the policy, the "
    "mapping, the audit date) and run all cells (*Run → Run All Cells*). Nothing in the export is "
    "changed: the register is read, audited, and the charts are drawn from the findings."
)

OVERVIEW = notebook(
    "Privacy audit: overview",
    "The whole audit on one page: how many findings there are, in which area, how serious, "
    "since when, and which records they name. Start here each month; the other notebooks go "
    "deeper into one area each (02 retention, 03 consent, 04 disclosures, 05 requests, 06 "
    f"reports).\n\n{HOW_TO}",
    md(
        "## The audit in numbers\n\n"
        "A **finding** is one record that breaks one rule of the notice or the law. Critical and "
        "high findings are the ones a supervisory authority would act on: marketing after an "
        "objection, unlawful transfers, data kept long past its time."
    ),
    code("charts.summary(findings)"),
    md(
        "## Where the problems are\n\n"
        "Findings per area (retention, consent, disclosures, requests, data quality), split by "
        "severity. A tall dark bar is where to start; a tall pale bar is usually one sloppy "
        "process producing many small problems."
    ),
    code("charts.findings_by_area(findings)"),
    md(
        "## Which rules are broken most\n\n"
        "Each bar is a rule of the catalogue (`auditkit explain CODE` prints its documentation). "
        "Many findings of one rule usually have one cause: a campaign list that ignores "
        "objections, a purge job that never ran, a contract type nobody deletes."
    ),
    code("charts.top_rules(findings)"),
    md(
        "## Since when\n\n"
        "Findings by the month the breach began: the message sent, the disclosure made, the "
        "deadline missed. Recent bars show problems still being created; old bars show a backlog "
        "that nobody cleared."
    ),
    code("charts.findings_over_time(findings)"),
    md(
        "## The most serious findings\n\n"
        "Critical first, then the longest overdue. Each row names the table and the record to "
        "look at; the message says what is wrong with it."
    ),
    code("charts.findings_table(findings, limit=25)"),
    md(
        "## Drill into one rule\n\n"
        "The rule with the most serious findings is chosen below; set `RULE` to any code (for "
        'example `"RET001"`) and run the cell again to list its findings with their evidence.'
    ),
    code(
        'RULE = findings["rule"][0] if findings.height else "RET001"\n'
        "print(RULES[RULE].explain())\n"
        'rows = findings.filter(pl.col("rule") == RULE)\n'
        'charts.findings_table(rows, limit=100, evidence=True, title=f"{RULE} {RULES[RULE].title}")'
    ),
    md(
        "## The people most affected\n\n"
        "Subjects named by several findings: a person whose objection was ignored *and* whose "
        "data went to a partner deserves a look as a whole case."
    ),
    code("result.by_subject().head(10)"),
    md(
        "## Trend across audit runs\n\n"
        "Each run of this notebook records the audit in `OUTPUT_DIR/history` (one Parquet file "
        "per run; running it again on the same exports and date records nothing new). The chart "
        "compares consecutive runs by finding id: what is still open, what is new, what was "
        "resolved."
    ),
    code(
        "from auditkit.history import append_history, load_history, trend\n\n"
        'recorded = append_history(result, output / "history")\n'
        'history = load_history(output / "history")\n'
        'display(Markdown(f"{len(history)} run(s) recorded; this one is `{recorded.name}`."))\n'
        "charts.audit_trend(trend(history))"
    ),
    md(
        "## What could not be checked\n\n"
        "A rule whose table or column is missing from the export is skipped and said so, never "
        "passed silently. Ask the data team for the missing columns before you call the register "
        "clean."
    ),
    code(
        "lines = [f\"- **{s['rule']}** {'ran in part' if s.get('partial') else 'skipped'}: "
        "{s['reason']}\" for s in result.skipped]\n"
        'lines += [f"- warning: {w}" for w in result.warnings]\n'
        'display(Markdown("\\n".join(lines) or "Every rule ran on every input it needs."))'
    ),
)

RETENTION = notebook(
    "Retention: what is kept too long, and what falls due next",
    "The notice promises to keep a former customer's data only for a set time after the "
    "relationship ends (longer for marketing unless they objected), and contracts only as long "
    "as bookkeeping, credit or warranty requires. This notebook shows what is past its deadline "
    f"now and what reaches it in the coming weeks.\n\n{HOW_TO}",
    hidden(SHOW_RULES),
    md(
        "## How long past the deadline\n\n"
        "Subjects (RET001) and contract records (RET002) by how long they have been kept past "
        "their deadline. Anything over a year points to a deletion job that does not run, or "
        "does not know about these records."
    ),
    code("charts.retention_aging(findings)"),
    code(
        'overdue = findings.filter(pl.col("rule").is_in(["RET001", "RET002"]))\n'
        "if overdue.height:\n"
        "    display(Markdown(\n"
        '        f"**{overdue.height}** record(s) are kept past their retention deadline, the '
        'oldest by "\n'
        "        f\"**{overdue['days_overdue'].max()}** days. Delete or anonymise them, then fix "
        'the purge job."\n'
        "    ))"
    ),
    md(
        "## What to delete or anonymise now\n\n"
        "Each subject below has no legal hold left (no open contract, accounting period, credit "
        "or request keeps them). The evidence lists the relationship end, the periods applied "
        "and every hold considered."
    ),
    code('show(["RET001", "RET002"])'),
    md(
        "## Identity codes and residual data\n\n"
        "RET003: a personal identity code kept without a contract that needs it (only credit "
        "needs it, Data Protection Act 29 §). RET004: a subject marked erased whose data is still "
        "in other tables: the erasure did not reach every system."
    ),
    code('show(["RET003", "RET004"])'),
    md(
        "## The deletion calendar\n\n"
        "Records that reach their deadline within the policy's forecast window, week by week: "
        "plan the deletions before they become findings."
    ),
    code("charts.deletion_calendar(result.deletion_calendar)"),
    code("result.deletion_calendar.head(20)"),
)

CONSENT = notebook(
    "Consent: who may be sent marketing, and who was sent it anyway",
    "Electronic direct marketing to a person needs consent or the soft opt-in for own similar "
    "products; an objection stops all marketing at once and for good (GDPR 21(3)). This notebook "
    "shows how many customers may be contacted on each channel, and the campaigns that reached "
    f"people who had said no.\n\n{HOW_TO}",
    hidden(SHOW_RULES),
    md(
        "## Consent coverage by channel\n\n"
        "The share of registered customers with a marketing consent in force at each month end, "
        "per channel (objection requests and the global objection counted, as the rules count "
        "them). A sudden drop after a form change, or a rise without a campaign to collect "
        "consents, is worth a question."
    ),
    code(
        "states = charts.consent_states(register, policy, as_of)\n"
        'subjects = register.tables["subjects"].collect()\n'
        "charts.consent_coverage(states, subjects, as_of=as_of, timezone=policy.timezone)"
    ),
    md(
        "## Marketing without valid consent, by campaign\n\n"
        "Messages sent after an objection or withdrawal (CON002, critical: no exception, no grace "
        "period) and messages with neither consent nor soft opt-in (CON001). A campaign with many "
        "findings used a list that does not read the suppression data."
    ),
    code("charts.marketing_without_consent(findings)"),
    code('show(["CON002", "CON001", "CON003"])'),
    md(
        "## Consent that cannot be demonstrated\n\n"
        "CON004: a consent relied on without a source or a reference to its proof (GDPR 7(1)); "
        "CON005: a consent older than the policy's maximum age. DSR004: an objection request "
        "that never reached the marketing systems."
    ),
    code('show(["CON004", "CON005", "DSR004"])'),
)

DISCLOSURES = notebook(
    "Disclosures: what data goes to whom, and where",
    "The notice lists who receives customer data (importers, finance and insurance companies, "
    "authorities, partners), for which purposes, which data, and whether it may leave the EEA. "
    "This notebook follows every disclosure from the data categories to the recipient and the "
    f"country, and marks the ones that break the notice.\n\n{HOW_TO}",
    hidden(SHOW_RULES),
    code(
        'disclosures = register.tables["disclosures"].collect() if register.has("disclosures") '
        "else None\n"
        "if disclosures is None:\n"
        '    display(Markdown("This register has no disclosures table: nothing to show here."))\n'
        "else:\n"
        '    flagged = findings.filter(pl.col("table") == "disclosures")["record_id"].n_unique()\n'
        '    display(Markdown(f"**{disclosures.height}** disclosure(s), **{flagged}** with at '
        'least one finding."))'
    ),
    md(
        "## Data category → recipient → country\n\n"
        "Blue flows are lawful disclosures; red flows carry a finding of a DIS rule (undeclared "
        "recipient or purpose, undeclared data, transfer without a mechanism, a protected "
        "person's contact data, marketing after an objection...). Hover over a flow for its "
        "count."
    ),
    code("charts.disclosure_sankey(disclosures, findings) if disclosures is not None else None"),
    md(
        "## Transfers outside the EEA\n\n"
        "Each marker is a country outside the EEA where disclosed data is processed, coloured by "
        "the safeguard claimed (adequacy decision, Data Privacy Framework, standard contractual "
        "clauses...). A red marker (`none`) is a transfer without any mechanism. *The country "
        "outlines are loaded from Plotly's map server when the chart is viewed.*"
    ),
    code("charts.transfer_map(disclosures, findings) if disclosures is not None else None"),
    md(
        "The same transfers as a table (`with_finding`: disclosures with a DIS003 or DIS004 "
        "finding; a row without a country is a disclosure whose country is not recorded)."
    ),
    code(
        "charts.third_country_transfers(disclosures, findings) if disclosures is not None else None"
    ),
    code('show(["DIS003", "DIS004", "DIS005", "DIS007", "DIS009", "DIS010"])'),
    md(
        "## Declarations the notice lacks\n\n"
        "Recipients, purposes and data categories the notice does not declare (DIS001, DIS002, "
        "DIS008), and research vendors that did not confirm deletion in time (DIS006). Either "
        "the practice stops, or the notice is updated and customers are told."
    ),
    code('show(["DIS001", "DIS002", "DIS008", "DIS006"])'),
)

REQUESTS = notebook(
    "Data-subject requests: answered in time?",
    "Every request (access, rectification, erasure, objection...) must be answered within one "
    "calendar month, extendable by two months when the person is told within the first month "
    "(GDPR 12(3)). Deadlines roll past weekends and Finnish public holidays. This notebook shows "
    f"every request against its deadline.\n\n{HOW_TO}",
    hidden(SHOW_RULES),
    md(
        "## Every request against its deadline\n\n"
        "Each point is a request: how many days before (below the line) or after (above) its "
        "deadline it was answered. Open circles are still open; a red open circle is overdue "
        "today and needs an answer now."
    ),
    code(
        "timeline = charts.request_timeline(register, policy, as_of)\n"
        "charts.request_response_times(timeline, as_of=as_of)"
    ),
    code(
        "open_late = timeline.filter(\n"
        '    pl.col("completed_on").is_null() & (pl.col("deadline") < as_of)\n'
        ')\ndisplay(Markdown(f"**{timeline.height}** request(s), **{open_late.height}** open '
        'past their deadline."))\n'
        'open_late.sort("deadline")'
    ),
    md(
        "## Findings\n\n"
        "DSR001: open past the deadline. DSR002 and DSR003: answered late, or extended without "
        "telling the person in time. DSR005: an erasure reported done while the data is still "
        "there. DSR004 (objections not propagated) is in the consent notebook."
    ),
    code('show(["DSR001", "DSR002", "DSR003", "DSR005"])'),
)

REPORT = notebook(
    "Reports: the Excel workbook and the HTML report",
    "Writes this audit's reports into `OUTPUT_DIR`: the **HTML report** (one self-contained file "
    "that opens offline: summary, charts, the rules to act on first, every finding) and the "
    "**Excel workbook** (a sheet per area, for triage by the people who fix the findings). Both "
    "mask identity codes and withhold protected customers' addresses; set `KEY_FILE` below to a "
    "key file to replace customer numbers and names by keyed pseudonyms (for a report that "
    f"leaves the company). Files are written readable by you only.\n\n{HOW_TO}",
    code(
        "from auditkit.report.html import write_html\n"
        "from auditkit.report.pseudonymise import read_key\n\n"
        "KEY_FILE = None  # a file of at least 16 random bytes, to pseudonymise; None to not\n"
        "key = read_key(KEY_FILE) if KEY_FILE else None\n"
        "output.mkdir(parents=True, exist_ok=True)\n"
        'stem = f"audit_{as_of.isoformat()}"'
    ),
    md(
        "## The HTML report\n\n"
        "It includes the trend across runs when the overview notebook has recorded a history "
        "in `OUTPUT_DIR/history`."
    ),
    code(
        'history_dir = output / "history"\n'
        'html_path = output / f"{stem}.html"\n'
        "write_html(result, html_path, pseudonymise_key=key, register=register,\n"
        "           history=history_dir if history_dir.is_dir() else None)\n"
        'display(Markdown(f"HTML report written: `{html_path}` '
        '({html_path.stat().st_size / 1e6:.1f} MB). Open it in a browser."))'
    ),
    md(
        "## The Excel workbook\n\n"
        "Written by `auditkit.report.excel` when this auditkit version has it; otherwise the "
        "notebook says so and carries on."
    ),
    code(
        "try:\n"
        "    from auditkit.report.excel import write_excel\n"
        "except ImportError:\n"
        "    write_excel = None\n\n"
        "if write_excel is None:\n"
        '    display(Markdown("The Excel writer is not in this auditkit version: no workbook '
        'written."))\n'
        "else:\n"
        '    xlsx_path = output / f"{stem}.xlsx"\n'
        "    write_excel(result, xlsx_path, pseudonymise_key=key, register=register)\n"
        '    display(Markdown(f"Excel workbook written: `{xlsx_path}`."))'
    ),
    md("## What was written"),
    code(
        "pl.DataFrame(\n"
        '    [{"file": p.name, "bytes": p.stat().st_size, "mode": oct(p.stat().st_mode & 0o777)}\n'
        '     for p in sorted(output.glob(f"{stem}.*"))]\n'
        ")"
    ),
)

NOTEBOOKS: dict[str, NotebookNode] = {
    "01_overview.ipynb": OVERVIEW,
    "02_retention.ipynb": RETENTION,
    "03_consent.ipynb": CONSENT,
    "04_disclosures.ipynb": DISCLOSURES,
    "05_requests.ipynb": REQUESTS,
    "06_report.ipynb": REPORT,
}


def build() -> dict[str, str]:
    """Every notebook as the text its file holds: stable cell ids, no outputs."""
    texts = {}
    for name, nb in NOTEBOOKS.items():
        stem = name.split("_", 1)[0]
        for index, cell in enumerate(nb.cells):
            cell["id"] = f"nb{stem}-{index:02d}"
        nbformat.validate(nb)
        texts[name] = nbformat.writes(nb) + "\n"
    return texts


def main() -> int:
    for name, text in build().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote notebooks/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
