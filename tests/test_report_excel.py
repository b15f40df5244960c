"""The Excel report as its readers get it: opened with openpyxl (and LibreOffice), cell by cell."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from auditkit.audit import AuditResult, run_audit
from auditkit.cli import main
from auditkit.findings import FINDINGS_SCHEMA, finding_ids
from auditkit.policy import load_policy
from auditkit.register import load_register
from auditkit.report import write_excel
from auditkit.report.excel import read_triage
from auditkit.report.labels import RULE_TITLES_FI
from auditkit.rules import RULES
from tests.builders import AS_OF, audit, make_policy, write_register

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"
SAMPLE_AS_OF = date(2026, 6, 30)
KEY = b"test-key-that-is-long-enough-0001"
OTHER_KEY = b"test-key-that-is-long-enough-0002"
HETU_SHAPE = re.compile(r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]")
AREA_SHEETS = ["Retention", "Consent", "Disclosures", "Requests", "Data"]
STATUSES = "Open,In progress,Resolved,Accepted risk,False positive,Reopened"


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[Any, AuditResult]:
    policy = load_policy(SAMPLE / "policy.toml")
    register = load_register(SAMPLE, SAMPLE / "mapping.toml", timezone=policy.timezone)
    return register, run_audit(register, policy, SAMPLE_AS_OF)


@pytest.fixture(scope="module")
def sample_xlsx(sample, tmp_path_factory) -> Path:
    register, result = sample
    path = tmp_path_factory.mktemp("report") / "allomeera.xlsx"
    write_excel(result, path, register=register)
    return path


@pytest.fixture(scope="module")
def book(sample_xlsx):
    return load_workbook(sample_xlsx)


def rows(ws) -> list[dict[str, Any]]:
    """A table sheet's data rows keyed by header."""
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def strings(path: Path) -> list[str]:
    """Every string cell of every sheet."""
    book = load_workbook(path)
    return [
        cell.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


def package_text(path: Path) -> str:
    """Every part of the .xlsx package (XML, properties, charts) as one text."""
    with zipfile.ZipFile(path) as package:
        return "\n".join(package.read(name).decode("utf-8") for name in package.namelist())


def with_findings(result: AuditResult, *records: dict[str, Any]) -> AuditResult:
    """The result with its findings replaced by these (engine schema, ids computed)."""
    defaults = {
        "rule": "DAT002",
        "area": "data",
        "severity": "high",
        "table": "notes",
        "subject_id": "S1",
        "source_row": 2,
        "occurred_at": date(2026, 3, 2),
        "due_at": None,
        "days_overdue": None,
        "message": "a note",
        "evidence": "{}",
    }
    full = [{**defaults, **record} for record in records]
    ids = finding_ids(
        [r["rule"] for r in full], [r["table"] for r in full], [r["record_id"] for r in full]
    )
    for record, fid in zip(full, ids, strict=True):
        record.setdefault("finding_id", fid)
    return dataclasses.replace(result, findings=pl.DataFrame(full, schema=FINDINGS_SCHEMA))


@pytest.fixture
def tiny(tmp_path) -> AuditResult:
    """A tiny register's audit: three subjects whose personal_id fails its check (DAT003)."""
    return dat003(tmp_path, "S1", "S2", "S3")


def dat003(tmp_path: Path, *invalid: str, name: str = "r") -> AuditResult:
    subjects = [{"subject_id": s, "personal_id": "131052-308X"} for s in invalid]
    return audit(tmp_path / name, select=["DAT003"], subjects=subjects)


# -- the sample's workbook -----------------------------------------------------------------------


def test_workbook_has_summary_area_sheets_calendar_and_rules(book) -> None:
    assert book.sheetnames == ["Summary", *AREA_SHEETS, "Deletion calendar", "Rules"]


def test_summary_states_the_run(book, sample) -> None:
    _, result = sample
    ws = book["Summary"]
    labelled = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert labelled["Register"] == "Allomeera Oy:n asiakasrekisteri"
    assert labelled["Controller"] == "Allomeera Oy"
    assert labelled["As of"] == datetime(2026, 6, 30)
    assert labelled["Findings"] == result.findings.height
    assert labelled["auditkit version"] == result.run["auditkit_version"]
    assert result.run["policy"]["sha256"] in labelled["Policy"]
    assert labelled["Pseudonymised"] == "no"
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    for source in result.run["inputs"]:  # every input file with its rows and SHA-256
        assert source["sha256"] in cells and source["path"] in cells and source["rows"] in cells


def test_summary_counts_findings_by_area_and_severity(book, sample) -> None:
    _, result = sample
    table = list(book["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(table) if row[0] == "Area")
    assert table[start][:6] == ("Area", "critical", "high", "medium", "low", "Total")
    counts = result.counts().with_columns(pl.col("area", "severity").cast(pl.String))
    expected = {(a, s): n for a, s, n in counts.iter_rows()}
    for offset, area in enumerate(("retention", "consent", "disclosure", "requests", "data"), 1):
        row = table[start + offset]
        numbers = [expected.get((area, s), 0) for s in ("critical", "high", "medium", "low")]
        assert list(row[1:6]) == [*numbers, sum(numbers)]
    assert table[start + 6][0] == "Total" and table[start + 6][5] == result.findings.height


def test_summary_has_native_charts_by_area_and_severity_and_by_rule(book) -> None:
    charts = book["Summary"]._charts
    assert len(charts) == 2 and all(isinstance(c, BarChart) for c in charts)
    by_area, by_rule = charts
    assert by_area.grouping == "stacked" and len(by_area.series) == 4  # one per severity
    assert by_rule.type == "bar" and len(by_rule.series) == 1


def test_summary_lists_the_rules_with_title_and_legal_basis(book, sample) -> None:
    _, result = sample
    table = list(book["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(table) if row[:2] == ("Rule", "Severity"))
    end = next(i for i in range(start, len(table)) if not any(table[i]))
    listed = table[start + 1 : end]
    assert sorted(row[0] for row in listed) == sorted(result.findings["rule"].unique())
    top = result.by_rule().sort("len", descending=True)["len"][0]
    assert listed[0][3] == top  # most findings first
    for row in listed:
        assert row[6] == RULES[row[0]].title and row[7] == RULES[row[0]].doc.legal_basis


def test_findings_sheets_are_excel_tables_with_filter_style_and_frozen_header(book) -> None:
    for name in AREA_SHEETS:
        ws = book[name]
        (table,) = ws.tables.values()
        assert table.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert table.autoFilter is not None
        assert table.tableStyleInfo.name == "TableStyleMedium2"
        assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
        assert ws.freeze_panes == "B2"
        assert 8 <= ws.column_dimensions["A"].width <= 20
        assert ws.column_dimensions["K"].width >= 50  # the message


def test_findings_sheets_hold_every_finding_once_with_its_rule_title(book, sample) -> None:
    _, result = sample
    shown = [row for name in AREA_SHEETS for row in rows(book[name])]
    assert sorted(r["Finding ID"] for r in shown) == sorted(result.findings["finding_id"])
    for row in shown:
        assert row["Rule title"] == RULES[row["Rule"]].title
        assert row["Status"] == "Open"


def test_status_has_a_dropdown_and_due_a_date_check(book) -> None:
    for name in AREA_SHEETS:
        ws = book[name]
        header = [c.value for c in ws[1]]
        status = ws.cell(1, header.index("Status") + 1).column_letter
        due = ws.cell(1, header.index("Due") + 1).column_letter
        kinds = {v.type: v for v in ws.data_validations.dataValidation}
        assert kinds["list"].formula1 == f'"{STATUSES}"'
        assert str(kinds["list"].sqref) == f"{status}2:{status}{ws.max_row}"
        assert str(kinds["date"].sqref) == f"{due}2:{due}{ws.max_row}"


def test_dates_are_real_excel_dates(book, sample) -> None:
    _, result = sample
    retention = rows(book["Retention"])
    first = result.findings.filter(pl.col("area") == "retention").row(0, named=True)
    cell = book["Retention"]["H2"]  # Occurred
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert retention[0]["Occurred"] == datetime.combine(first["occurred_at"], datetime.min.time())
    assert isinstance(retention[0]["Relationship end"], datetime)  # evidence dates too
    calendar = book["Deletion calendar"]
    assert calendar["A2"].is_date
    assert calendar.max_row - 1 == result.deletion_calendar.height


def test_severity_is_coloured_by_conditional_formatting(book) -> None:
    ws = book["Consent"]
    rules = [
        (str(cf.sqref), rule.formula[0])
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if rule.type == "cellIs"
    ]
    assert ("B2:B" + str(ws.max_row), '"critical"') in rules
    assert {f for _, f in rules} >= {'"critical"', '"high"', '"medium"', '"low"'}


def test_evidence_is_flattened_into_readable_columns(book) -> None:
    disclosure = rows(book["Disclosures"])
    row = next(r for r in disclosure if r["Rule"] == "DIS008")
    assert row["Recipient"] and row["Undeclared categories"] == "personal_id"
    assert row["Declared categories"] == "identity, contact, language, vehicle"


def test_rules_sheet_is_the_catalogue_with_documentation(book) -> None:
    shown = rows(book["Rules"])
    assert [r["Rule"] for r in shown] == sorted(RULES)
    con002 = next(r for r in shown if r["Rule"] == "CON002")
    assert con002["Legal basis"] == RULES["CON002"].doc.legal_basis
    assert con002["What it checks"] == RULES["CON002"].doc.what
    assert next(r for r in shown if r["Rule"] == "CON005")["In this run"].startswith("skipped")


def test_no_identity_code_appears_anywhere(sample_xlsx) -> None:
    text = package_text(sample_xlsx)
    assert not HETU_SHAPE.search(text)
    assert re.search(r"[0-9]{6}-\*{4}", text)  # DAT002 shows the masked codes


def test_no_protected_subjects_address_appears(sample, sample_xlsx) -> None:
    register, _ = sample
    addresses = (
        (register.table("subjects").filter(pl.col("protected")).select("street_address").collect())[
            "street_address"
        ]
        .drop_nulls()
        .to_list()
    )
    assert addresses
    text = package_text(sample_xlsx)
    assert not [a for a in addresses if a in text]


def test_workbook_is_owner_only(sample_xlsx) -> None:
    assert sample_xlsx.stat().st_mode & 0o777 == 0o600


# -- safety with hostile data --------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=1",
    "#N/A",
]


def test_hostile_strings_are_written_as_text_never_as_formulas(tmp_path, tiny) -> None:
    result = with_findings(
        tiny,
        *[
            {
                "record_id": f"N{i}",
                "message": value,
                "evidence": f'{{"note": {json_str(value)}}}',
            }
            for i, value in enumerate(HOSTILE)
        ],
        {"record_id": "=cmd|' /C calc'!A0", "message": "ok"},
    )
    path = tmp_path / "hostile.xlsx"
    write_excel(result, path)
    ws = load_workbook(path)["Data"]
    header = [c.value for c in ws[1]]
    message = header.index("Message") + 1
    shown = {ws.cell(r, message).value: ws.cell(r, message) for r in range(2, ws.max_row + 1)}
    assert sorted(shown) == sorted([*HOSTILE, "ok"])  # every value back exactly, tab and CR too
    for value in HOSTILE:
        cell = shown[value]
        assert cell.data_type == "s" and cell.quotePrefix
    records = [ws.cell(r, header.index("Record") + 1) for r in range(2, ws.max_row + 1)]
    assert any(c.value == "=cmd|' /C calc'!A0" and c.data_type == "s" for c in records)
    with zipfile.ZipFile(path) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)


def test_quote_prefix_guards_formula_like_text_when_edited(tmp_path, tiny) -> None:
    result = with_findings(tiny, {"record_id": "N1", "message": "=1+1"})
    path = tmp_path / "quoted.xlsx"
    write_excel(result, path)
    ws = load_workbook(path)["Data"]
    assert ws["K2"].value == "=1+1" and ws["K2"].quotePrefix


def json_str(value: str) -> str:
    import json

    return json.dumps(value)


def test_identity_codes_in_messages_and_evidence_are_masked(tmp_path, tiny) -> None:
    result = with_findings(
        tiny,
        {
            "record_id": "131052-308T",
            "message": "asiakas 131052-308T soitti, vaimo 010190A123B",
            "evidence": '{"text": "hetu 131052-308T", "codes": ["010190A123B"]}',
        },
    )
    path = tmp_path / "codes.xlsx"
    write_excel(result, path)
    assert not HETU_SHAPE.search(package_text(path))
    shown = rows(load_workbook(path)["Data"])[0]
    assert shown["Message"] == "asiakas 131052-**** soitti, vaimo 010190A****"
    assert shown["Record"] == "131052-****"
    assert shown["Codes"] == "010190A****"


def test_a_protected_subjects_address_is_withheld_wherever_it_appears(tmp_path) -> None:
    root = write_register(
        tmp_path / "r",
        {
            "subjects": [
                {
                    "subject_id": "S1",
                    "street_address": "Salainen katu 7 B 12",
                    "protected": "true",
                    "personal_id": "131052-308X",
                },
            ]
        },
    )
    register = load_register(root)
    result = run_audit(register, make_policy(), AS_OF, select=["DAT003"])
    result = with_findings(
        result,
        {
            "record_id": "N1",
            "message": "letter to Salainen katu 7 B 12 came back",
            "evidence": '{"address": "Salainen katu 7 B 12"}',
        },
    )
    path = tmp_path / "protected.xlsx"
    write_excel(result, path, register=register)
    text = package_text(path)
    assert "Salainen katu" not in text
    assert (
        rows(load_workbook(path)["Data"])[0]["Message"] == "letter to [address withheld] came back"
    )


def test_control_characters_do_not_break_the_file(tmp_path, tiny) -> None:
    result = with_findings(tiny, {"record_id": "N1", "message": "bell\x07 and nul\x00 & <tag>"})
    path = tmp_path / "control.xlsx"
    write_excel(result, path)
    assert rows(load_workbook(path)["Data"])[0]["Message"] == "bell and nul & <tag>"


def test_the_file_is_created_owner_only_not_chmodded_after(tmp_path, tiny, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("chmod after creation")

    path = tmp_path / "private.xlsx"
    path.write_bytes(b"last month's report, readable by all")
    path.chmod(0o644)
    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(os, "fchmod", refuse)
    old = os.umask(0o022)
    try:
        write_excel(tiny, path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_workbook(path).sheetnames[0] == "Summary"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


# -- pseudonymised ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pseudonymised(sample, tmp_path_factory) -> dict[str, Path]:
    register, result = sample
    folder = tmp_path_factory.mktemp("pseudonymised")
    paths = {}
    for name, key in (("a", KEY), ("b", KEY), ("other", OTHER_KEY)):
        paths[name] = folder / f"{name}.xlsx"
        write_excel(result, paths[name], pseudonymise_key=key, register=register)
    return paths


def subject_and_ids(path: Path) -> list[tuple[Any, Any]]:
    book = load_workbook(path)
    return [(r["Finding ID"], r["Subject"]) for name in AREA_SHEETS for r in rows(book[name])]


def test_pseudonymised_workbook_shows_no_subject_id_name_or_code(sample, pseudonymised) -> None:
    register, result = sample
    raw_ids = set(result.findings["subject_id"].drop_nulls())
    names = register.table("subjects").select("last_name").collect()["last_name"].drop_nulls()
    text = package_text(pseudonymised["a"])
    tokens = set(re.findall(r"[\w-]+", text))
    assert not raw_ids & tokens
    assert not set(names) & tokens
    assert not HETU_SHAPE.search(text) and "******-****" in text
    assert not set(result.findings["finding_id"]) & tokens  # finding ids are keyed too
    assert KEY.decode() not in text
    assert 'name="auditkit.pseudonymised"' in text


def test_pseudonyms_are_stable_with_one_key_and_differ_with_another(pseudonymised) -> None:
    a, b, other = (subject_and_ids(pseudonymised[k]) for k in ("a", "b", "other"))
    assert a == b
    assert {s for _, s in a if s} and not {s for _, s in a if s} & {s for _, s in other if s}
    assert not {f for f, _ in a} & {f for f, _ in other}
    assert all(str(s).startswith("S-") for _, s in a if s)


def test_pseudonymised_finding_ids_are_the_keyed_finding_ids(sample, pseudonymised) -> None:
    _, result = sample
    expected = finding_ids(
        result.findings["rule"].to_list(),
        result.findings["table"].to_list(),
        result.findings["record_id"].to_list(),
        key=KEY,
    )
    assert sorted(f for f, _ in subject_and_ids(pseudonymised["a"])) == sorted(expected)


# -- triage round trip ---------------------------------------------------------------------------


def set_triage(path: Path, changes: dict[str, dict[str, Any]]) -> None:
    """What a person does in Excel: type into Status / Owner / Due / Comment, then save."""
    book = load_workbook(path)
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        if "Finding ID" not in header or "Status" not in header:
            continue
        for row in ws.iter_rows(min_row=2):
            change = changes.get(row[header.index("Finding ID")].value)
            for key, value in (change or {}).items():
                cell = row[header.index(key)]
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
    book.save(path)


def ids_by_record(result: AuditResult) -> dict[str, str]:
    return dict(result.findings.select("record_id", "finding_id").iter_rows())


def test_triage_is_carried_over_and_a_resolved_finding_that_returns_is_reopened(tmp_path) -> None:
    first = dat003(tmp_path, "S1", "S2", "S3", name="first")
    ids = ids_by_record(first)
    previous = tmp_path / "2026-05.xlsx"
    write_excel(first, previous)
    set_triage(
        previous,
        {
            ids["S1"]: {"Status": "Resolved", "Comment": "fixed in CRM"},
            ids["S2"]: {
                "Status": "In progress",
                "Owner": "Maija Myyjä",
                "Due": datetime(2026, 7, 31),
                "Comment": '=HYPERLINK("http://x")',
            },
            ids["S3"]: {"Status": "Accepted risk", "Owner": "DPO"},
        },
    )
    second = dat003(tmp_path, "S1", "S2", "S4", name="second")  # S3 fixed, S4 new
    path = tmp_path / "2026-06.xlsx"
    report = write_excel(second, path, triage=previous)
    assert (report.carried_over, report.reopened, report.closed) == (2, 1, 1)
    book = load_workbook(path)
    shown = {r["Record"]: r for r in rows(book["Data"])}
    assert shown["S1"]["Status"] == "Reopened" and shown["S1"]["Comment"] == "fixed in CRM"
    assert shown["S2"]["Status"] == "In progress" and shown["S2"]["Owner"] == "Maija Myyjä"
    assert shown["S2"]["Due"] == datetime(2026, 7, 31)
    assert shown["S2"]["Comment"] == '=HYPERLINK("http://x")'
    header = [c.value for c in book["Data"][1]]
    comment = next(
        row[header.index("Comment")]
        for row in book["Data"].iter_rows(min_row=2)
        if row[header.index("Record")].value == "S2"
    )
    assert comment.data_type == "s"  # typed text comes back as text, never a formula
    assert shown["S4"]["Status"] == "Open" and shown["S4"]["Owner"] is None
    closed = rows(book["Closed since last run"])
    assert [(r["Record"], r["Last status"], r["Owner"]) for r in closed] == [
        ("S3", "Accepted risk", "DPO")
    ]
    labelled = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert "2 carried over, 1 reopened, 1 closed" in labelled["Triage from"]


def test_triage_carries_over_between_languages(tmp_path) -> None:
    first = dat003(tmp_path, "S1", name="first")
    previous = tmp_path / "fi.xlsx"
    write_excel(first, previous, lang="fi")
    set_triage_fi(previous, ids_by_record(first)["S1"], "Työn alla", "Matti")
    path = tmp_path / "en.xlsx"
    write_excel(dat003(tmp_path, "S1", name="second"), path, triage=previous)
    row = rows(load_workbook(path)["Data"])[0]
    assert (row["Status"], row["Owner"]) == ("In progress", "Matti")


def set_triage_fi(path: Path, finding_id: str, status: str, owner: str) -> None:
    book = load_workbook(path)
    ws = book["Tietosisältö"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("Havainnon tunnus")].value == finding_id:
            row[header.index("Tila")].value = status
            row[header.index("Vastuuhenkilö")].value = owner
    book.save(path)


def test_triage_needs_an_auditkit_workbook_and_never_overwrites_it(tmp_path, tiny) -> None:
    from auditkit.errors import AuditkitError

    other = tmp_path / "other.xlsx"
    from openpyxl import Workbook

    Workbook().save(other)
    with pytest.raises(AuditkitError, match="no findings sheet"):
        read_triage(other)
    (tmp_path / "broken.xlsx").write_text("not a zip")
    with pytest.raises(AuditkitError, match="cannot read the triage workbook"):
        read_triage(tmp_path / "broken.xlsx")
    previous = tmp_path / "previous.xlsx"
    write_excel(tiny, previous)
    with pytest.raises(AuditkitError, match="overwrite the triage workbook"):
        write_excel(tiny, previous, triage=previous)
    with pytest.raises(AuditkitError, match="was not pseudonymised"):
        write_excel(tiny, tmp_path / "p.xlsx", triage=previous, pseudonymise_key=KEY)


# -- Finnish, waivers, size ----------------------------------------------------------------------


def test_finnish_rule_titles_exist_for_every_rule() -> None:
    assert sorted(RULE_TITLES_FI) == sorted(RULES)
    assert all(title and title != RULES[code].title for code, title in RULE_TITLES_FI.items())


def test_finnish_workbook_has_finnish_sheets_headers_statuses_and_titles(tmp_path, tiny) -> None:
    path = tmp_path / "fi.xlsx"
    write_excel(tiny, path, lang="fi")
    book = load_workbook(path)
    assert book.sheetnames == [
        "Yhteenveto",
        "Säilytys",
        "Suostumukset",
        "Luovutukset",
        "Pyynnöt",
        "Tietosisältö",
        "Poistokalenteri",
        "Säännöt",
    ]
    ws = book["Tietosisältö"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Havainnon tunnus", "Vakavuus", "Sääntö", "Säännön otsikko"]
    assert {"Tila", "Vastuuhenkilö", "Valmis viimeistään", "Kommentti"} <= set(header)
    row = rows(ws)[0]
    assert row["Säännön otsikko"] == RULE_TITLES_FI["DAT003"]
    assert row["Vakavuus"] == "matala" and row["Tila"] == "Avoin"
    (listed,) = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert listed.formula1 == (
        '"Avoin,Työn alla,Korjattu,Hyväksytty riski,Virheellinen havainto,Avattu uudelleen"'
    )
    assert ws["H2"].number_format == "d.m.yyyy" or ws["H2"].value is None


def test_waivers_are_rendered_when_findings_carry_them(tmp_path, tiny) -> None:
    findings = tiny.findings.with_columns(
        status=pl.Series(["waived", "new", "new"]),
        waiver_reason=pl.Series(["migrated in Q3", None, None]),
        waiver_owner=pl.Series(["DPO", None, None]),
        waiver_expires=pl.Series([date(2026, 12, 31), None, None]),
    )
    path = tmp_path / "waivers.xlsx"
    write_excel(dataclasses.replace(tiny, findings=findings), path)
    book = load_workbook(path)
    assert "Waivers" in book.sheetnames
    (waived,) = rows(book["Waivers"])
    assert (waived["CI status"], waived["Waiver reason"], waived["Waiver owner"]) == (
        "waived",
        "migrated in Q3",
        "DPO",
    )
    assert waived["Waiver expires"] == datetime(2026, 12, 31)
    assert {"CI status", "Waiver reason"} <= set(rows(book["Data"])[0])


def test_no_waivers_sheet_without_waivers(book) -> None:
    assert "Waivers" not in book.sheetnames


def test_a_sheet_that_overflows_continues_and_all_findings_go_to_parquet(tmp_path, tiny) -> None:
    path = tmp_path / "big.xlsx"
    report = write_excel(tiny, path, max_rows_per_sheet=2)
    book = load_workbook(path)
    assert [len(rows(book[n])) for n in ("Data", "Data (2)")] == [2, 1]
    assert report.parquet == tmp_path / "big.findings.parquet"
    assert report.parquet.stat().st_mode & 0o777 == 0o600
    assert pl.read_parquet(report.parquet)["finding_id"].sort().to_list() == sorted(
        tiny.findings["finding_id"]
    )
    notes = " ".join(str(v) for r in book["Summary"].iter_rows(values_only=True) for v in r if v)
    assert "continued on Data (2)" in notes and "big.findings.parquet" in notes


def test_a_report_of_no_findings_still_opens(tmp_path) -> None:
    result = audit(tmp_path, select=["DAT003"], subjects=[{"subject_id": "S1"}])
    path = tmp_path / "clean.xlsx"
    write_excel(result, path)
    ws = load_workbook(path)["Data"]
    assert ws["A2"].value == "No findings."


# -- the command ---------------------------------------------------------------------------------


def run(capsys, monkeypatch, *args: object) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["auditkit", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code or 0, captured.out, captured.err


@pytest.fixture
def export(tmp_path) -> Path:
    root = write_register(
        tmp_path / "export", {"subjects": [{"subject_id": "S1", "personal_id": "131052-308X"}]}
    )
    (root / "policy.toml").write_text(
        (Path(__file__).parent / "builders.py")
        .read_text()
        .split('BASE_POLICY = """')[1]
        .split('"""')[0]
    )
    return root


def test_report_command_writes_the_workbook(capsys, monkeypatch, tmp_path, export) -> None:
    out = tmp_path / "reports" / "r.xlsx"
    code, stdout, _ = run(
        capsys,
        monkeypatch,
        "report",
        export,
        "--as-of",
        "2026-06-30",
        "--excel",
        out,
        "--lang",
        "fi",
    )
    assert code == 0 and "Wrote" in stdout
    assert load_workbook(out).sheetnames[0] == "Yhteenveto"
    again = tmp_path / "reports" / "r2.xlsx"
    code, stdout, _ = run(
        capsys,
        monkeypatch,
        "report",
        export,
        "--as-of",
        "2026-06-30",
        "--excel",
        again,
        "--triage",
        out,
    )
    assert code == 0 and "1 carried over, 0 reopened, 0 closed" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--excel", "{t}/a.xlsx", "--pseudonymise", "--key-file", "{t}/missing"], "no such key"),
        (["--excel", "{t}/a.xlsx", "--pseudonymise", "--key-file", "{t}/empty"], "empty"),
        (["--excel", "{t}/a.xlsx", "--pseudonymise"], "needs --key-file"),
        (["--excel", "{t}/a.xlsx", "--lang", "sv"], "unknown --lang"),
        ([], "nothing to write"),
        (["--excel", "{t}/a.xlsx", "--triage", "{t}/missing.xlsx"], "no such triage"),
    ],
)
def test_report_command_errors_exit_2_in_one_line(
    capsys, monkeypatch, tmp_path, export, args, message
) -> None:
    (tmp_path / "empty").write_bytes(b"")
    filled = [a.format(t=tmp_path) for a in args]
    code, stdout, stderr = run(capsys, monkeypatch, "report", export, *filled)
    assert code == 2 and message in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "a.xlsx").exists()


def test_report_command_pseudonymises_with_the_key_file(capsys, monkeypatch, tmp_path, export):
    key = tmp_path / "key"
    key.write_bytes(KEY)
    out = tmp_path / "p.xlsx"
    code, _, _ = run(
        capsys,
        monkeypatch,
        "report",
        export,
        "--as-of",
        "2026-06-30",
        "--excel",
        out,
        "--pseudonymise",
        "--key-file",
        key,
    )
    assert code == 0
    (row,) = rows(load_workbook(out)["Data"])
    assert row["Subject"].startswith("S-") and "S1" not in package_text(out).split()
    assert KEY.decode() not in package_text(out)


def test_report_command_writes_html_when_the_html_report_exists(
    capsys, monkeypatch, tmp_path, export
) -> None:
    from importlib.util import find_spec

    out = tmp_path / "r.html"
    code, stdout, stderr = run(
        capsys, monkeypatch, "report", export, "--as-of", "2026-06-30", "--html", out
    )
    if find_spec("auditkit.report.html") is None:
        assert code == 2 and "HTML report is not available" in stderr
    else:
        assert code == 0 and out.stat().st_mode & 0o777 == 0o600


# -- LibreOffice ---------------------------------------------------------------------------------


def test_libreoffice_opens_the_workbook_and_renders_it(sample_xlsx, tmp_path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs it to run this test")
    profile = tmp_path / "profile"  # its own profile: another soffice may be running
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sample_xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "allomeera.pdf"
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "error" not in done.stdout.lower()
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    assert pages >= 8  # the summary, five areas, the calendar and the rules at least


def test_report_with_waivers_lists_them_on_a_waivers_sheet(tmp_path) -> None:
    """`auditkit report --waivers FILE`: the waived finding is marked and listed on its own
    sheet."""
    import subprocess
    import sys

    import openpyxl

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waiver]]\nrule = "CON002"\nrecord_id = "V0010106"\nreason = "In flight"\n'
        'owner = "Marketing lead"\nexpires = 2026-12-31\n',
        encoding="utf-8",
    )
    out = tmp_path / "w.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit",
            "report",
            str(sample),
            "--as-of",
            "2026-06-30",
            "--excel",
            str(out),
            "--waivers",
            str(waivers),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    rows = list(openpyxl.load_workbook(out)["Waivers"].iter_rows(values_only=True))
    assert rows[1][2:5] == ("CON002", "Marketing sent after a withdrawal or objection", "V0010106")
    assert "In flight" in rows[1]
