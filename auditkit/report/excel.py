"""The Excel report: a summary with charts, findings ready for triage, and triage carried over.

`write_excel(result, path, ...)` renders an `AuditResult`: a Summary sheet (run record, area ×
severity table, native charts, the rules that found most), one sheet per area with an Excel Table
of findings (evidence flattened into columns, triage columns Status / Owner / Due / Comment with a
dropdown), the deletion calendar, the rule catalogue, the waivers when findings carry them, and,
given last run's workbook (`read_triage`), the findings that closed since.

openpyxl builds the workbook in write-only mode: styles, tables, validation, conditional formats,
charts, the summary and every header row. The data rows of the table sheets (the bulk of a big
workbook) are then streamed into the sheets openpyxl wrote, serialised column by column by Polars
(`_rows_xml`): openpyxl's per-cell writer costs about 10 µs a cell, half a minute for 100,000
findings (benchmarks/EXCEL.md). Everything shown passes through
`auditkit.report.pseudonymise.Protector` first; every string is written as text (never a formula);
the file is created owner-only (0600).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.etree import ElementTree

import fastexcel
import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from auditkit import __version__
from auditkit.errors import UsageError
from auditkit.findings import AREAS, SEVERITY_ORDER
from auditkit.report import labels
from auditkit.report.pseudonymise import (
    People,
    Protector,
    mask_identity_codes,
    mask_identity_codes_in,
)
from auditkit.rules import RULES

if TYPE_CHECKING:
    from auditkit.audit import AuditResult
    from auditkit.register.loader import Register

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, header included
FORMAT_VERSION = "1"
STATUS_KEYS = ("open", "in_progress", "resolved", "accepted_risk", "false_positive", "reopened")
WAIVER_COLUMNS = ("status", "waiver_reason", "waiver_owner", "waiver_expires")
DROPPED_EVIDENCE = frozenset({"days_overdue", "as_of", "subject_id"})  # shown elsewhere
MAX_TEXT = 32_767
LINE_HEIGHT = 15  # points per line of 11-point text
CHART_HEIGHT = 8.5  # cm
MAX_LINES = 20
HOSTILE_START = ("=", "+", "-", "@", "\t", "\r")
FINDING_ID = re.compile(r"[0-9a-f]{16}(#[0-9]+)?")
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$"
DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%d %H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
)
DATE_FORMAT = {"en": "yyyy-mm-dd", "fi": "d.m.yyyy"}
DATETIME_FORMAT = {"en": "yyyy-mm-dd hh:mm", "fi": "d.m.yyyy h:mm"}
SEVERITY_COLOURS = {  # fill, font
    "critical": ("9C0006", "FFFFFF"),
    "high": ("FFC7CE", "9C0006"),
    "medium": ("FFEB9C", "7F4F00"),
    "low": ("DDEBF7", "1F4E78"),
}
CHART_COLOURS = {"critical": "9C0006", "high": "E8453C", "medium": "F2B233", "low": "5B9BD5"}
ACCENT = "1F4E78"
TABLE_STYLE = "TableStyleMedium2"


# -- public API ----------------------------------------------------------------------------------


@dataclass
class ExcelReport:
    """What `write_excel` wrote."""

    path: Path
    sheets: list[str]
    findings: int
    parquet: Path | None = None
    carried_over: int = 0
    reopened: int = 0
    closed: int = 0
    notes: list[str] = field(default_factory=list)


def write_excel(
    result: AuditResult,
    path: str | Path,
    *,
    lang: str = "en",
    pseudonymise_key: bytes | None = None,
    register: Register | None = None,
    triage: str | Path | None = None,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS - 1,
) -> ExcelReport:
    """Write the audit workbook to `path` (created 0600) and return what was written.

    `register` lets the report withhold protected subjects' addresses and pseudonymise names and
    known contact details (without it only shapes are caught: identity codes, e-mails, phones).
    `triage` is last run's workbook: Status / Owner / Due / Comment are carried over by finding id.
    `max_rows_per_sheet` (data rows) is Excel's limit; beyond it a sheet continues on another and
    all findings are also written next to the workbook as Parquet.
    """
    if lang not in labels.LANGS:
        raise UsageError("unknown language", value=lang, expected=" or ".join(labels.LANGS))
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the folder for the workbook ({exc.strerror})", file=str(target.parent)
        ) from exc
    if target.is_dir():
        raise UsageError("the workbook path is a folder", file=str(target))
    previous = read_triage(triage) if triage is not None else None
    if previous is not None and target.resolve() == previous.path.resolve():
        raise UsageError(
            "the workbook would overwrite the triage workbook it reads",
            file=str(target),
            hint="write this run's workbook under a new name (e.g. with the as-of date)",
        )
    if previous is not None and previous.pseudonymised is not None:
        if previous.pseudonymised != (pseudonymise_key is not None):
            state = "was" if previous.pseudonymised else "was not"
            raise UsageError(
                f"the triage workbook {state} pseudonymised and this run "
                f"{'is not' if previous.pseudonymised else 'is'}: finding ids cannot match",
                file=str(previous.path),
                hint="run with the same --pseudonymise setting (and key) as last time",
            )
    protector = Protector(
        key=pseudonymise_key,
        people=People.from_register(register) if register is not None else People(),
        withheld=labels.summary("address_withheld", lang),
    )
    return _Builder(result, target, lang, protector, previous, max_rows_per_sheet).write()


# -- triage: reading last run's workbook ----------------------------------------------------------


@dataclass
class Triage:
    """Last run's workbook as triage: one row per finding id, what people typed and what the row
    said (all text, as read; `due` is a date where the cell held one)."""

    path: Path
    frame: pl.DataFrame
    pseudonymised: bool | None


TRIAGE_FIELDS = ("status", "owner", "due", "comment")
CONTEXT_FIELDS = ("severity", "rule", "table", "record_id", "subject_id", "message")
DUE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d.%m.%Y")


def read_triage(path: str | Path) -> Triage:
    """Read Status / Owner / Due / Comment by finding id from every findings sheet of a workbook
    written by auditkit (in either language, as saved by Excel or LibreOffice).

    The cells are read with fastexcel (calamine), about twenty times faster than openpyxl's
    read-only mode on a big workbook; a formula typed into a cell gives its last computed value.
    """
    file = Path(path)
    if not file.is_file():
        raise UsageError("no such triage workbook", file=str(file))
    fields = (*TRIAGE_FIELDS, *CONTEXT_FIELDS)
    frames = []
    try:
        reader = fastexcel.read_excel(file)
        for name in reader.sheet_names:
            header = [c.name for c in reader.load_sheet(name, n_rows=0).available_columns()]
            found: dict[str, str] = {}
            for column in header:
                key = labels.header_key(column)
                if key in fields and key not in found:
                    found[key] = column
                elif key == "finding_id" and key not in found:
                    found[key] = column
            if not {"finding_id", "status", "message"} <= set(found):
                continue  # the summary, calendar, rules, closed and waivers sheets
            sheet = reader.load_sheet(name, use_columns=list(found.values()), dtypes="string")
            frames.append(sheet.to_polars().rename({v: k for k, v in found.items()}))
        pseudonymised = _custom_property(file, "auditkit.pseudonymised")
    except Exception as exc:  # zip, XML and calamine errors alike
        raise UsageError(
            f"cannot read the triage workbook ({type(exc).__name__})",
            file=str(file),
            expected="an .xlsx workbook written by auditkit report",
        ) from exc
    if not frames:
        raise UsageError(
            "no findings sheet in the triage workbook",
            file=str(file),
            expected="a workbook written by auditkit report (sheets with Finding ID and Status)",
        )
    schema = {key: pl.String for key in ("finding_id", *fields)}
    frame = (
        pl.concat([pl.DataFrame(schema=schema), *frames], how="diagonal_relaxed")
        .with_columns(pl.col(k).str.strip_chars().replace("", None) for k in schema)
        # a note row ("No findings.") or anything typed below a table is not a finding
        .filter(pl.col("finding_id").str.contains(FINDING_ID.pattern + "$"))
        .unique("finding_id", keep="first", maintain_order=True)
        .with_columns(
            due_date=pl.coalesce(
                [pl.col("due").str.to_date(f, strict=False) for f in DUE_FORMATS]
            ).cast(pl.Date)
        )
    )
    return Triage(file, frame, None if pseudonymised is None else pseudonymised == "yes")


def _custom_property(file: Path, name: str) -> str | None:
    """A custom document property (docProps/custom.xml) of an .xlsx file."""
    with zipfile.ZipFile(file) as package:
        if "docProps/custom.xml" not in package.namelist():
            return None
        root = ElementTree.fromstring(package.read("docProps/custom.xml"))
    for prop in root:
        if prop.get("name") == name and len(prop):
            return prop[0].text
    return None


def _status_keys(status: pl.Expr) -> pl.Expr:
    """A status as typed (either language, any case) → its key; unknown text → null."""
    folded = status.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
    table = {
        **{k.replace("_", " "): k for k in labels.STATUSES},
        **{label.lower(): k for k, pair in labels.STATUSES.items() for label in pair},
    }
    return folded.replace_strict(table, default=None, return_dtype=pl.String)


# -- cells and styles ----------------------------------------------------------------------------


class _Styles:
    """Style arrays made once per workbook; a cell copies one (cheap) instead of setting fonts."""

    def __init__(self, ws: Any, lang: str) -> None:
        self.ws = ws
        thin = Side(style="thin", color="BFBFBF")
        # Data cells: top-aligned, so a row made tall by one wrapped text still reads as a line.
        top = Alignment(vertical="top")
        top_wrap = Alignment(vertical="top", wrap_text=True)
        self.top = self.make(alignment=top)
        self.wrap = self.make(alignment=top_wrap)
        self.quote = self.make(quote=True, alignment=top)
        self.quote_wrap = self.make(quote=True, alignment=top_wrap)
        self.date = self.make(number_format=DATE_FORMAT[lang], alignment=top)
        self.datetime = self.make(number_format=DATETIME_FORMAT[lang], alignment=top)
        self.number = self.make(number_format="0", alignment=top)
        self.int_left = self.make(number_format="#,##0", alignment=Alignment(horizontal="left"))
        self.date_left = self.make(
            number_format=DATE_FORMAT[lang], alignment=Alignment(horizontal="left")
        )
        self.title = self.make(font=Font(bold=True, size=16, color=ACCENT))
        self.subtitle = self.make(font=Font(size=12, color="404040"))
        self.section = self.make(
            font=Font(bold=True, size=12, color=ACCENT),
            border=Border(bottom=Side(style="medium", color=ACCENT)),
        )
        self.label = self.make(font=Font(bold=True), alignment=Alignment(vertical="top"))
        self.grid_head = self.make(
            font=Font(bold=True, color="FFFFFF"),
            fill=PatternFill("solid", start_color=ACCENT, end_color=ACCENT),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
        )
        self.grid_head_left = self.make(
            font=Font(bold=True, color="FFFFFF"),
            fill=PatternFill("solid", start_color=ACCENT, end_color=ACCENT),
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
        )
        self.grid = self.make(
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
            alignment=Alignment(vertical="top", wrap_text=True),
        )
        self.grid_int = self.make(
            number_format="#,##0",
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
            alignment=Alignment(vertical="top"),
        )
        self.grid_pct = self.make(
            number_format="0.0%",
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
            alignment=Alignment(vertical="top"),
        )
        self.grid_total = self.make(
            font=Font(bold=True),
            number_format="#,##0",
            fill=PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2"),
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
        )
        self.note = self.make(
            font=Font(italic=True, color="404040"),
            alignment=Alignment(wrap_text=True, vertical="top"),
        )
        self.severity = {
            key: self.make(
                font=Font(bold=True, color=font),
                fill=PatternFill("solid", start_color=fill, end_color=fill),
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                border=Border(left=thin, right=thin, top=thin, bottom=thin),
            )
            for key, (fill, font) in SEVERITY_COLOURS.items()
        }

    def make(
        self,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        border: Border | None = None,
        alignment: Alignment | None = None,
        number_format: str | None = None,
        quote: bool = False,
    ) -> StyleArray:
        cell = Cell(self.ws, 1, 1)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        if quote:
            cell.quotePrefix = True
        return StyleArray(cell._style)


class _Cells:
    """Make cells for one worksheet: strings always text, identity codes never shown."""

    def __init__(self, ws: Any, styles: _Styles, *, whole_mask: bool) -> None:
        self.ws = ws
        self.styles = styles
        self.whole_mask = whole_mask

    def text(self, value: str) -> str:
        """The last guard: no identity-code shape and no over-long string reaches a cell."""
        value = mask_identity_codes_in(value, whole=self.whole_mask)
        if len(value) > MAX_TEXT:
            value = value[: MAX_TEXT - 1] + "…"
        return value

    def cell(self, value: Any, style: StyleArray | None = None) -> Cell:
        """A styled cell; a string is typed as text whatever it starts with."""
        cell = Cell(self.ws, 1, 1, style_array=style)
        if value is None:
            return cell
        if isinstance(value, str):
            value = self.text(value)
            cell._value = value
            cell.data_type = "s"
            if value.startswith(HOSTILE_START) or value in ERROR_CODES:
                cell.quotePrefix = True
        else:
            cell.value = value
        return cell


# -- the builder ---------------------------------------------------------------------------------


@dataclass
class _Column:
    key: str  # column of the sheet frame
    header: str
    kind: str  # text | wrap | int | date | datetime | bool | due
    width: float


@dataclass
class _Bulk:
    """A table sheet's data rows, written straight into the sheet's XML (see `_rows_xml`)."""

    ws: Any
    frame: pl.DataFrame
    columns: list[_Column]


@dataclass
class _SheetPlan:
    area: str
    title: str
    table: str
    frame: pl.DataFrame
    total: int


class _Builder:
    def __init__(
        self,
        result: AuditResult,
        path: Path,
        lang: str,
        protector: Protector,
        previous: Triage | None,
        max_rows: int,
    ) -> None:
        self.result = result
        self.path = path
        self.lang = lang
        self.protector = protector
        self.previous = previous
        self.max_rows = max(1, max_rows)
        self.tz = result.run.get("timezone") or "Europe/Helsinki"
        self.notes: list[str] = []
        self.bulk: list[_Bulk] = []
        self.closed = pl.DataFrame()
        self.report = ExcelReport(path, [], result.findings.height)

    # -- orchestration ----------------------------------------------------------------------------

    def write(self) -> ExcelReport:
        findings = self.protector.findings(self.result.findings)
        findings = self._with_triage(findings)
        calendar = self.protector.frame(self.result.deletion_calendar)
        plans = self._plan_areas(findings)
        waivers = self._waivers(findings)
        if any(len(p) > 1 for p in plans.values()):
            self.report.parquet = self.path.with_name(self.path.stem + ".findings.parquet")
            for parts in plans.values():
                if len(parts) > 1:
                    self.notes.append(
                        labels.summary("split_note", self.lang).format(
                            sheet=parts[0].title,
                            total=parts[0].total,
                            limit=self.max_rows,
                            more=", ".join(p.title for p in parts[1:]),
                        )
                    )
            self.notes.append(
                labels.summary("parquet_note", self.lang).format(file=self.report.parquet.name)
            )

        book = Workbook(write_only=True)
        summary_ws = book.create_sheet(labels.sheet("summary", self.lang))
        styles = _Styles(summary_ws, self.lang)
        sheets = [summary_ws.title]
        area_sheets = []
        for parts in plans.values():
            for part in parts:
                area_sheets.append((book.create_sheet(part.title), part))
                sheets.append(part.title)
        closed_ws = (
            book.create_sheet(labels.sheet("closed", self.lang))
            if self.previous is not None
            else None
        )
        waivers_ws = (
            book.create_sheet(labels.sheet("waivers", self.lang)) if waivers is not None else None
        )
        calendar_ws = book.create_sheet(labels.sheet("calendar", self.lang))
        rules_ws = book.create_sheet(labels.sheet("rules", self.lang))
        sheets += [ws.title for ws in (closed_ws, waivers_ws, calendar_ws, rules_ws) if ws]

        self._summary(summary_ws, styles, findings)
        for ws, part in area_sheets:
            self._findings_sheet(ws, styles, part)
        if closed_ws is not None:
            self._closed_sheet(closed_ws, styles)
        if waivers_ws is not None and waivers is not None:
            self._table_sheet(waivers_ws, styles, *waivers, table="Waivers")
        self._calendar_sheet(calendar_ws, styles, calendar)
        self._rules_sheet(rules_ws, styles)

        for name, value in (
            ("auditkit.format", FORMAT_VERSION),
            ("auditkit.version", __version__),
            ("auditkit.as_of", str(self.result.run.get("as_of", self.result.as_of))),
            ("auditkit.lang", self.lang),
            ("auditkit.pseudonymised", "yes" if self.protector.pseudonymising else "no"),
        ):
            book.custom_doc_props.append(StringProperty(name=name, value=value))
        book.properties.creator = f"auditkit {__version__}"
        book.properties.title = labels.summary("title", self.lang)
        book.properties.created = datetime.combine(self.result.as_of, datetime.min.time())

        ids = _StyleIds(styles)
        whole = self.protector.pseudonymising
        package = io.BytesIO()
        book.save(package)  # every sheet with its header row; the data rows are streamed in below
        rows = {
            bulk.ws.path.lstrip("/"): partial(_rows_xml, bulk.frame, bulk.columns, ids, whole)
            for bulk in self.bulk
        }
        _write_private(self.path, partial(_splice_rows, package, rows))
        if self.report.parquet is not None:
            frame = findings.rename(
                {
                    "status_": "triage_status",
                    "owner": "triage_owner",
                    "due": "triage_due",
                    "due_text": "triage_due_text",
                    "comment": "triage_comment",
                }
            )
            _write_private(self.report.parquet, frame.write_parquet)
        self.report.sheets = sheets
        self.report.notes = self.notes
        return self.report

    # -- triage ---------------------------------------------------------------------------------

    def _with_triage(self, findings: pl.DataFrame) -> pl.DataFrame:
        """Status / Owner / Due / Comment: carried over by finding id (a resolved finding seen
        again is Reopened), else Open."""
        lang = self.lang
        previous = self.previous
        if previous is None:
            return findings.with_columns(
                status_=pl.lit(labels.status("open", lang)),
                owner=pl.lit(None, pl.String),
                due=pl.lit(None, pl.Date),
                due_text=pl.lit(None, pl.String),
                comment=pl.lit(None, pl.String),
            )
        typed = previous.frame.select(
            "finding_id",
            pl.lit(True).alias("_seen"),
            pl.col("status").alias("_status"),
            _status_keys(pl.col("status")).alias("_key"),
            "owner",
            pl.col("due_date").alias("due"),
            pl.when(pl.col("due_date").is_null()).then(pl.col("due")).alias("due_text"),
            "comment",
        )
        texts = ("owner", "due_text", "comment")
        typed = typed.with_columns(self.protector.frame(typed.select(texts)))
        shown = {k: labels.status(k, lang) for k in labels.STATUSES}
        merged = findings.join(typed, on="finding_id", how="left", maintain_order="left")
        key = pl.when(pl.col("_key") == "resolved").then(pl.lit("reopened")).otherwise("_key")
        merged = merged.with_columns(
            status_=pl.when(pl.col("_key").is_not_null())
            .then(key.replace_strict(shown, default=None, return_dtype=pl.String))
            .otherwise(pl.coalesce("_status", pl.lit(shown["open"])))
        )
        self.report.carried_over = int(merged["_seen"].sum() or 0)
        self.report.reopened = int((merged["_key"] == "resolved").sum() or 0)
        self.closed = previous.frame.join(
            findings.select("finding_id"), on="finding_id", how="anti"
        )
        self.report.closed = self.closed.height
        if previous.frame.height and not self.report.carried_over and self.protector.pseudonymising:
            self.notes.append(
                labels.summary("triage_mismatch_note", lang).format(count=previous.frame.height)
            )
        return merged.drop("_seen", "_status", "_key")

    # -- findings sheets ------------------------------------------------------------------------

    def _plan_areas(self, findings: pl.DataFrame) -> dict[str, list[_SheetPlan]]:
        plans: dict[str, list[_SheetPlan]] = {}
        for area in AREAS:
            frame = findings.filter(pl.col("area") == area)
            name = labels.sheet(area, self.lang)
            chunks = [frame.slice(o, self.max_rows) for o in range(0, frame.height, self.max_rows)]
            plans[area] = [
                _SheetPlan(
                    area,
                    name if i == 0 else f"{name} ({i + 1})",
                    f"Findings_{area}" + ("" if i == 0 else f"_{i + 1}"),
                    chunk,
                    frame.height,
                )
                for i, chunk in enumerate(chunks or [frame])
            ]
        return plans

    def _findings_sheet(self, ws: Any, styles: _Styles, plan: _SheetPlan) -> None:
        frame, columns = self._findings_view(plan.frame)
        ws.freeze_panes = "B2"
        self._setup_print(ws, landscape=True)
        printed = next(i for i, c in enumerate(columns, 1) if c.key == "comment")
        ws.print_area = f"A1:{get_column_letter(printed)}{max(frame.height, 1) + 1}"
        cells = _Cells(ws, styles, whole_mask=self.protector.pseudonymising)
        for i, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        _append_header(ws, cells, styles, columns)
        if frame.is_empty():
            ws.append([cells.cell(labels.summary("no_findings", self.lang), styles.note)])
            return
        self._bulk_rows(ws, frame, columns)
        last = frame.height + 1
        ref = f"A1:{get_column_letter(len(columns))}{last}"
        _add_table(ws, plan.table, ref, [c.header for c in columns])
        letters = {c.key: get_column_letter(i) for i, c in enumerate(columns, 1)}
        self._severity_formats(ws, f"{letters['severity']}2:{letters['severity']}{last}")
        self._status_validation(ws, f"{letters['status_']}2:{letters['status_']}{last}")
        due = f"{letters['due']}2:{letters['due']}{last}"
        validation = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # 2000-01-01
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error="A date" if self.lang == "en" else "Päivämäärä",
        )
        validation.add(due)
        ws.data_validations.append(validation)
        overdue = f"{letters['days_overdue']}2:{letters['days_overdue']}{last}"
        ws.conditional_formatting.add(
            overdue, DataBarRule(start_type="num", start_value=0, end_type="max", color="F4B183")
        )

    def _findings_view(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[_Column]]:
        lang = self.lang
        severity = {k: labels.severity(k, lang) for k in SEVERITY_ORDER}
        titles = {code: labels.rule_title(code, lang) for code in RULES}
        base = frame.with_columns(
            pl.col("severity").cast(pl.String).replace_strict(severity, default=None),
            title=pl.col("rule").replace_strict(titles, default=None),
        )
        h = labels.header
        columns = [
            _Column("finding_id", h("finding_id", lang), "text", 17),
            _Column("severity", h("severity", lang), "text", 10.5),
            _Column("rule", h("rule", lang), "text", 8.5),
            _Column("title", h("title", lang), "wrap", 30),
            _Column("table", h("table", lang), "text", 14),
            _Column("record_id", h("record_id", lang), "text", 12),
            _Column("subject_id", h("subject_id", lang), "text", 12),
            _Column("occurred_at", h("occurred_at", lang), "date", 11.5),
            _Column("due_at", h("due_at", lang), "date", 11.5),
            _Column("days_overdue", h("days_overdue", lang), "int", 10),
            _Column("message", h("message", lang), "wrap", 60),
            _Column("status_", h("status", lang), "text", 15),
            _Column("owner", h("owner", lang), "text", 16),
            _Column("due", h("due", lang), "due", 12),
            _Column("comment", h("comment", lang), "wrap", 28),
            _Column("source_row", h("source_row", lang), "int", 9),
        ]
        if self.protector.pseudonymising:
            columns[6].width = 20
        present = [c for c in WAIVER_COLUMNS if c in frame.columns]
        for key in present:
            header = "waiver_status" if key == "status" else key
            kind = (
                "date" if key == "waiver_expires" else "wrap" if key == "waiver_reason" else "text"
            )
            base = base.with_columns(_waiver_value(pl.col(key), key, lang).alias(f"w:{key}"))
            columns.append(_Column(f"w:{key}", h(header, lang), kind, 14 if kind != "wrap" else 30))
        evidence, keys = _flatten_evidence(frame.select("rule", "evidence"), self.tz)
        used = {c.header.casefold() for c in columns}
        for key in keys:
            name = f"ev:{key}"
            header = labels.evidence_label(key, lang)
            if header.casefold() in used:
                header += " (evidence)" if lang == "en" else " (näyttö)"
            used.add(header.casefold())
            series = evidence[name]
            kind, width = _evidence_kind(series, header)
            columns.append(_Column(name, header, kind, width))
        view = pl.concat([base, evidence], how="horizontal")
        view = _clean_strings(view)
        return view, columns

    def _bulk_rows(self, ws: Any, frame: pl.DataFrame, columns: Sequence[_Column]) -> None:
        """Queue the data rows of a table sheet: they are streamed in when the file is written."""
        self.bulk.append(_Bulk(ws, frame, list(columns)))

    def _severity_formats(self, ws: Any, ref: str) -> None:
        for key, (fill, font) in SEVERITY_COLOURS.items():
            label = labels.severity(key, self.lang)
            ws.conditional_formatting.add(
                ref,
                CellIsRule(
                    operator="equal",
                    formula=[f'"{label}"'],
                    fill=PatternFill("solid", start_color=fill, end_color=fill),
                    font=Font(color=font, bold=key == "critical"),
                ),
            )

    def _status_validation(self, ws: Any, ref: str) -> None:
        statuses = [labels.status(k, self.lang) for k in STATUS_KEYS]
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(statuses) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=labels.header("status", self.lang),
            error=", ".join(statuses),
        )
        validation.add(ref)
        ws.data_validations.append(validation)
        for key, colour in (("resolved", "C6EFCE"), ("reopened", "F8CBAD")):
            ws.conditional_formatting.add(
                ref,
                CellIsRule(
                    operator="equal",
                    formula=[f'"{labels.status(key, self.lang)}"'],
                    fill=PatternFill("solid", start_color=colour, end_color=colour),
                ),
            )

    # -- other sheets ---------------------------------------------------------------------------

    def _table_sheet(
        self,
        ws: Any,
        styles: _Styles,
        frame: pl.DataFrame,
        columns: list[_Column],
        *,
        table: str,
        empty: str | None = None,
        landscape: bool = True,
    ) -> None:
        ws.freeze_panes = "A2"
        self._setup_print(ws, landscape=landscape)
        cells = _Cells(ws, styles, whole_mask=self.protector.pseudonymising)
        for i, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        _append_header(ws, cells, styles, columns)
        if frame.is_empty():
            ws.append([cells.cell(empty or labels.summary("no_findings", self.lang), styles.note)])
            return
        frame = _clean_strings(frame)
        if "due_text" not in frame.columns:
            frame = frame.with_columns(due_text=pl.lit(None, pl.String))
        self._bulk_rows(ws, frame, columns)
        ref = f"A1:{get_column_letter(len(columns))}{frame.height + 1}"
        _add_table(ws, table, ref, [c.header for c in columns])
        letters = {c.key: get_column_letter(i) for i, c in enumerate(columns, 1)}
        if "severity" in letters:
            col = letters["severity"]
            self._severity_formats(ws, f"{col}2:{col}{frame.height + 1}")

    def _waivers(self, findings: pl.DataFrame) -> tuple[pl.DataFrame, list[_Column]] | None:
        present = [c for c in WAIVER_COLUMNS if c in findings.columns]
        details = [c for c in present if c != "status"]
        if not details:
            return None
        waived = findings.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in details))
        if waived.is_empty():
            return None
        lang, h = self.lang, labels.header
        severity = {k: labels.severity(k, lang) for k in SEVERITY_ORDER}
        frame = waived.with_columns(
            pl.col("severity").cast(pl.String).replace_strict(severity, default=None),
            title=pl.col("rule").replace_strict(
                {c: labels.rule_title(c, lang) for c in RULES}, default=None
            ),
            **{f"w:{c}": _waiver_value(pl.col(c), c, lang) for c in present},
        )
        columns = [
            _Column("finding_id", h("finding_id", lang), "text", 18),
            _Column("severity", h("severity", lang), "text", 11),
            _Column("rule", h("rule", lang), "text", 8.5),
            _Column("title", h("title", lang), "wrap", 32),
            _Column("record_id", h("record_id", lang), "text", 13),
            _Column("subject_id", h("subject_id", lang), "text", 20),
        ]
        for key in present:
            header = "waiver_status" if key == "status" else key
            kind = (
                "date" if key == "waiver_expires" else "wrap" if key == "waiver_reason" else "text"
            )
            columns.append(_Column(f"w:{key}", h(header, lang), kind, 40 if kind == "wrap" else 16))
        return frame, columns

    def _closed_sheet(self, ws: Any, styles: _Styles) -> None:
        lang, h = self.lang, labels.header
        severities = {
            label.lower(): labels.severity(key, lang)
            for key, pair in labels.SEVERITIES.items()
            for label in pair
        }
        shown = {k: labels.status(k, lang) for k in labels.STATUSES}
        titles = {code: labels.rule_title(code, lang) for code in RULES}
        frame = self.closed.select(
            "finding_id",
            pl.col("severity")
            .str.to_lowercase()
            .replace_strict(severities, default=pl.col("severity")),
            "rule",
            pl.col("rule").replace_strict(titles, default=None).alias("title"),
            "table",
            "record_id",
            "subject_id",
            "message",
            pl.when(_status_keys(pl.col("status")).is_not_null())
            .then(_status_keys(pl.col("status")).replace_strict(shown, default=None))
            .otherwise(pl.col("status"))
            .alias("last_status"),
            "owner",
            pl.col("due_date").alias("due"),
            pl.when(pl.col("due_date").is_null()).then(pl.col("due")).alias("due_text"),
            "comment",
        )
        frame = self.protector.frame(frame)
        columns = [
            _Column("finding_id", h("finding_id", lang), "text", 18),
            _Column("severity", h("severity", lang), "text", 11),
            _Column("rule", h("rule", lang), "text", 8.5),
            _Column("title", h("title", lang), "wrap", 32),
            _Column("table", h("table", lang), "text", 15),
            _Column("record_id", h("record_id", lang), "text", 13),
            _Column("subject_id", h("subject_id", lang), "text", 14),
            _Column("message", h("message", lang), "wrap", 60),
            _Column("last_status", h("last_status", lang), "text", 15),
            _Column("owner", h("owner", lang), "text", 16),
            _Column("due", h("due", lang), "due", 12),
            _Column("comment", h("comment", lang), "wrap", 30),
        ]
        self._table_sheet(
            ws, styles, frame, columns, table="Closed", empty=labels.summary("no_closed", lang)
        )

    def _calendar_sheet(self, ws: Any, styles: _Styles, calendar: pl.DataFrame) -> None:
        lang, h = self.lang, labels.header
        columns = [
            _Column("due_at", h("due_at", lang), "date", 12),
            _Column("table", h("table", lang), "text", 15),
            _Column("record_id", h("record_id", lang), "text", 14),
            _Column("subject_id", h("subject_id", lang), "text", 20),
            _Column("reason", h("reason", lang), "wrap", 60),
        ]
        frame = calendar.select(
            [
                pl.col(c.key) if c.key in calendar.columns else pl.lit(None).alias(c.key)
                for c in columns
            ]
        )
        self._table_sheet(
            ws, styles, frame, columns, table="Deletion_calendar", empty="—", landscape=False
        )

    def _rules_sheet(self, ws: Any, styles: _Styles) -> None:
        lang, h = self.lang, labels.header
        counts = dict(self.result.findings.group_by("rule").len().iter_rows())
        statuses = self.result.statuses
        run_labels = {
            "run": ("run", "ajettu"),
            "partial": ("ran in part", "ajettu osittain"),
            "skipped": ("skipped", "ohitettu"),
            "absent": ("not selected", "ei valittu"),
        }
        records = []
        for code, rule in sorted(RULES.items()):
            status = statuses.get(code)
            state = status.status if status is not None else "absent"
            run = run_labels[state][labels.LANGS.index(lang)]
            if status is not None and status.reason:
                run += f": {status.reason}"
            records.append(
                {
                    "code": code,
                    "name": rule.name,
                    "title": labels.rule_title(code, lang),
                    "area": labels.area(rule.area, lang),
                    "default_severity": labels.severity(rule.severity, lang),
                    "run_status": run,
                    "findings": counts.get(code, 0),
                    "legal_basis": rule.doc.legal_basis,
                    "what": rule.doc.what,
                    "why": rule.doc.why,
                    "fix": rule.doc.fix,
                    "example": rule.doc.example,
                }
            )
        frame = self.protector.frame(pl.DataFrame(records))
        columns = [
            _Column("code", h("rule", lang), "text", 8.5),
            _Column("name", h("name", lang), "text", 30),
            _Column("title", h("title", lang), "wrap", 36),
            _Column("area", h("area", lang), "text", 13),
            _Column("default_severity", h("default_severity", lang), "text", 11),
            _Column("run_status", h("run_status", lang), "wrap", 20),
            _Column("findings", h("findings", lang), "int", 10),
            _Column("legal_basis", h("legal_basis", lang), "wrap", 36),
            _Column("what", h("what", lang), "wrap", 70),
            _Column("why", h("why", lang), "wrap", 50),
            _Column("fix", h("fix", lang), "wrap", 50),
            _Column("example", h("example", lang), "wrap", 50),
        ]
        self._table_sheet(ws, styles, frame, columns, table="Rules")

    # -- summary --------------------------------------------------------------------------------

    def _summary(self, ws: Any, styles: _Styles, findings: pl.DataFrame) -> None:
        WIDTHS = (30, 12, 12, 12, 12, 12, 46, 60)  # noqa: N806 - the Summary's columns A-H
        LEFT = ("rule", "title", "legal_basis")  # noqa: N806
        lang, s = self.lang, labels.summary
        run = self.result.run
        cells = _Cells(ws, styles, whole_mask=self.protector.pseudonymising)
        texts = self.protector.strings
        self._setup_print(ws, landscape=False, header_row=False)
        ws.sheet_view.showGridLines = False
        for letter, width in zip("ABCDEFGH", WIDTHS, strict=True):
            ws.column_dimensions[letter].width = width
        sheet = _Rows(ws)
        c = cells.cell

        sheet.add([c(s("title", lang), styles.title)])
        head = texts([f"{run.get('register') or ''} — {run.get('controller') or ''}"])[0]
        sheet.add([c(head, styles.subtitle)])
        sheet.add([])

        inputs = run.get("inputs") or []
        rules_run = len(self.result.rules_run)
        policy = run.get("policy") or {}
        mapping = run.get("mapping") or {}
        rule_data = run.get("rule_data") or {}
        meta: list[tuple[str, Any]] = [
            (s("register", lang), run.get("register")),
            (s("controller", lang), run.get("controller")),
            (s("as_of", lang), self.result.as_of),
            (s("findings", lang), self.result.findings.height),
            (s("rules_run", lang), f"{rules_run} / {len(RULES)}"),
            (s("auditkit_version", lang), run.get("auditkit_version")),
            (s("policy", lang), _path_hash(policy)),
            (s("mapping", lang), _path_hash(mapping) if mapping.get("path") else "—"),
            (s("timezone", lang), run.get("timezone")),
            (s("rule_data", lang), ", ".join(f"{k} {v}" for k, v in rule_data.items())),
            (
                s("pseudonymised", lang),
                s("yes", lang) if self.protector.pseudonymising else s("no", lang),
            ),
        ]
        if self.previous is not None:
            counts = (
                f"{self.previous.path.name}: {self.report.carried_over:,} "
                + ("carried over" if lang == "en" else "siirretty")
                + f", {self.report.reopened:,} "
                + ("reopened" if lang == "en" else "avattu uudelleen")
                + f", {self.report.closed:,} "
                + ("closed" if lang == "en" else "poistunut")
            )
            meta.append((s("triage_from", lang), counts))
        values = texts([v if isinstance(v, str) else None for _, v in meta])
        for (label, value), text in zip(meta, values, strict=True):
            shown = text if isinstance(value, str) else value
            style = styles.date_left if isinstance(value, date) else styles.top
            if isinstance(value, int):
                style = styles.int_left
            row = sheet.add([c(label, styles.label), c(shown, style)])
            ws.merged_cells.add(f"B{row}:H{row}")
        sheet.add([])

        # Findings by area and severity (feeds the first chart).
        sheet.add([c(s("by_area", lang), styles.section)])
        counts = {
            (a, sv): n
            for a, sv, n in findings.group_by("area", "severity")
            .len()
            .with_columns(pl.col("area", "severity").cast(pl.String))
            .iter_rows()
        }
        head_row = sheet.add(
            [c(labels.header("area", lang), styles.grid_head_left)]
            + [c(labels.severity(sv, lang), styles.severity[sv]) for sv in SEVERITY_ORDER]
            + [c(labels.header("total", lang), styles.grid_head)]
        )
        first_area = head_row + 1
        for area in AREAS:
            numbers = [counts.get((area, sv), 0) for sv in SEVERITY_ORDER]
            sheet.add(
                [c(labels.area(area, lang), styles.grid)]
                + [c(n, styles.grid_int) for n in numbers]
                + [c(sum(numbers), styles.grid_total)]
            )
        last_area = first_area + len(AREAS) - 1
        totals = [sum(counts.get((a, sv), 0) for a in AREAS) for sv in SEVERITY_ORDER]
        sheet.add(
            [c(labels.header("total", lang), styles.grid_total)]
            + [c(n, styles.grid_total) for n in totals]
            + [c(sum(totals), styles.grid_total)]
        )
        sheet.add([])

        # Charts go here, side by side; the rule table below feeds the second one.
        chart_row = sheet.row + 1
        rule_count = findings["rule"].n_unique() if findings.height else 0
        chart_height = max(CHART_HEIGHT, 2.5 + 0.45 * rule_count)  # cm
        for _ in range(int(chart_height / 0.53) + 2):
            sheet.add([])
        by_rule = (
            findings.group_by("rule")
            .agg(
                n=pl.len(),
                subjects=pl.col("subject_id").drop_nulls().n_unique(),
                severity=pl.col("severity").min().cast(pl.String),
            )
            .sort(["n", "rule"], descending=[True, False])
        )
        sheet.add([c(s("by_rule", lang), styles.section)])
        keys = ("rule", "severity", "area", "findings", "subjects", "share", "title", "legal_basis")
        rule_head = sheet.add(
            [
                c(labels.header(k, lang), styles.grid_head_left if k in LEFT else styles.grid_head)
                for k in keys
            ],
            lines=max(
                _text_lines(labels.header(k, lang), w) for k, w in zip(keys, WIDTHS, strict=True)
            ),
        )
        total = max(findings.height, 1)
        for rule, n, subjects, severity in by_rule.iter_rows():
            r = RULES[rule]
            title = labels.rule_title(rule, lang)
            lines = max(_text_lines(title, WIDTHS[6]), _text_lines(r.doc.legal_basis, WIDTHS[7]))
            sheet.add(
                [
                    c(rule, styles.grid),
                    c(labels.severity(severity, lang), styles.severity[severity]),
                    c(labels.area(r.area, lang), styles.grid),
                    c(n, styles.grid_int),
                    c(subjects, styles.grid_int),
                    c(n / total, styles.grid_pct),
                    c(title, styles.grid),
                    c(r.doc.legal_basis, styles.grid),
                ],
                lines=lines,
            )
        if by_rule.is_empty():
            sheet.add([c(s("no_findings", lang), styles.note)])
        rule_last = rule_head + by_rule.height
        sheet.add([])

        # Input files.
        sheet.add([c(s("inputs", lang), styles.section)])
        input_head = sheet.add(
            [
                c(labels.header("table", lang), styles.grid_head_left),
                c(labels.header("format", lang), styles.grid_head),
                c(labels.header("rows", lang), styles.grid_head),
                c(labels.header("size", lang), styles.grid_head),
                c(labels.header("file", lang), styles.grid_head_left),
                None,
                None,
                c(labels.header("sha256", lang), styles.grid_head_left),
            ]
        )
        ws.merged_cells.add(f"E{input_head}:G{input_head}")
        paths = texts([str(i.get("path", "")) for i in inputs])
        for item, shown in zip(inputs, paths, strict=True):
            row = sheet.add(
                [
                    c(item.get("table"), styles.grid),
                    c(item.get("format"), styles.grid),
                    c(item.get("rows"), styles.grid_int),
                    c(item.get("size"), styles.grid_int),
                    c(shown, styles.grid),
                    c(None, styles.grid),
                    c(None, styles.grid),
                    c(item.get("sha256"), styles.grid),
                ]
            )
            ws.merged_cells.add(f"E{row}:G{row}")
        sheet.add([])

        skipped = self.result.skipped
        if skipped:
            sheet.add([c(s("skipped", lang), styles.section)])
            reasons = texts([str(item.get("reason") or "") for item in skipped])
            for item, reason in zip(skipped, reasons, strict=True):
                kind = s("partial", lang) if item.get("partial") else s("skipped_one", lang)
                row = sheet.add(
                    [c(item["rule"], styles.label), c(f"{kind}: {reason}", styles.wrap)]
                )
                ws.merged_cells.add(f"B{row}:H{row}")
            sheet.add([])
        if self.result.warnings:
            sheet.add([c(s("warnings", lang), styles.section)])
            for warning in texts(list(self.result.warnings)):
                row = sheet.add([c("!", styles.label), c(warning, styles.wrap)])
                ws.merged_cells.add(f"B{row}:H{row}")
            sheet.add([])
        notes = [s("pseudonymised_note" if self.protector.pseudonymising else "masked_note", lang)]
        if lang == "fi":
            notes.append(s("docs_english", lang))
        notes += self.notes
        sheet.add([c(s("notes", lang), styles.section)])
        for note in texts(notes):
            row = sheet.add([c("•", styles.label), c(note, styles.note)])
            ws.merged_cells.add(f"B{row}:H{row}")

        self._charts(
            ws,
            chart_row,
            head_row,
            first_area,
            last_area,
            rule_head,
            rule_last,
            by_rule,
            chart_height,
        )

    def _charts(
        self,
        ws: Any,
        anchor_row: int,
        head_row: int,
        first_area: int,
        last_area: int,
        rule_head: int,
        rule_last: int,
        by_rule: pl.DataFrame,
        rule_chart_height: float,
    ) -> None:
        lang = self.lang
        areas = BarChart()
        areas.type = "col"
        areas.grouping = "stacked"
        areas.overlap = 100
        areas.title = labels.summary("chart_area", lang)
        areas.y_axis.title = labels.header("findings", lang)
        areas.y_axis.majorGridlines = None
        data = Reference(ws, min_col=2, max_col=5, min_row=head_row, max_row=last_area)
        categories = Reference(ws, min_col=1, min_row=first_area, max_row=last_area)
        areas.add_data(data, titles_from_data=True)
        areas.set_categories(categories)
        for series, severity in zip(areas.series, SEVERITY_ORDER, strict=True):
            series.graphicalProperties.solidFill = CHART_COLOURS[severity]
            series.graphicalProperties.line.solidFill = CHART_COLOURS[severity]
        areas.x_axis.delete = False
        areas.y_axis.delete = False
        areas.legend.position = "b"
        areas.width, areas.height = 15.5, CHART_HEIGHT
        ws.add_chart(areas, f"A{anchor_row}")

        if by_rule.is_empty():
            return
        rules = BarChart()
        rules.type = "bar"
        rules.style = 10
        rules.title = labels.summary("chart_rule", lang)
        rules.legend = None
        data = Reference(ws, min_col=4, min_row=rule_head, max_row=rule_last)
        categories = Reference(ws, min_col=1, min_row=rule_head + 1, max_row=rule_last)
        rules.add_data(data, titles_from_data=True)
        rules.set_categories(categories)
        series = rules.series[0]
        series.graphicalProperties.solidFill = CHART_COLOURS["medium"]
        for i, severity in enumerate(by_rule["severity"].to_list()):
            point = DataPoint(idx=i)
            point.graphicalProperties = GraphicalProperties(solidFill=CHART_COLOURS[severity])
            series.dPt.append(point)
        rules.x_axis.scaling.orientation = "maxMin"  # the rule with most findings on top
        rules.x_axis.delete = False
        rules.y_axis.delete = False
        rules.y_axis.majorGridlines = None
        rules.gapWidth = 40
        rules.width, rules.height = 19.5, rule_chart_height
        ws.add_chart(rules, f"G{anchor_row}")

    def _setup_print(self, ws: Any, *, landscape: bool, header_row: bool = True) -> None:
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_title_rows = "1:1" if header_row else None


class _Rows:
    """Appends rows to a write-only sheet and remembers the row number."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def add(self, cells: list[Any], *, lines: int = 1) -> int:
        self.row += 1
        if lines > 1:
            self.ws.row_dimensions[self.row] = {
                "ht": str(LINE_HEIGHT * lines),
                "customHeight": "1",
            }
        self.ws.append(cells)
        self.ws.row_dimensions.pop(self.row, None)
        return self.row


# -- helpers -------------------------------------------------------------------------------------


def _add_table(ws: Any, name: str, ref: str, headers: list[str]) -> None:
    """An Excel Table (autofilter, banded rows); write-only mode needs its column names given."""
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    table._initialise_columns()
    for column, header in zip(table.tableColumns, headers, strict=True):
        column.name = header
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "you must add table columns manually": done
        ws.add_table(table)


def _append_header(ws: Any, cells: _Cells, styles: _Styles, columns: Sequence[_Column]) -> None:
    lines = max(_text_lines(c.header, c.width) for c in columns)
    if lines > 1:
        ws.row_dimensions[1] = {"ht": str(LINE_HEIGHT * lines), "customHeight": "1"}
    ws.append([cells.cell(c.header, styles.grid_head_left) for c in columns])
    ws.row_dimensions.pop(1, None)


def _text_lines(text: str | None, width: float) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide (an estimate)."""
    if not text:
        return 1
    per_line = _per_line(width)
    return min(sum(max(1, -(-len(part) // per_line)) for part in text.split("\n")), MAX_LINES)


def _per_line(width: float) -> int:
    # NOTE: a column's width counts digits of the default font; text in a substitute font (DejaVu
    # Sans where Calibri is missing) runs about 1.1 characters a unit, and a word that does not
    # fit moves to the next line. Estimated for the wider font: a clipped line is worse than a
    # roomy one.
    return max(int(width * 1.1 - max(2.0, min(7.0, width * 0.12))), 4)


def _row_lines(frame: pl.DataFrame, columns: Sequence[_Column]) -> pl.Series:
    """The lines each row needs: the most any of its wrapped columns takes (vectorised)."""
    wrapped = [c for c in columns if c.kind == "wrap"]
    if not wrapped or frame.is_empty():
        return pl.Series([1] * frame.height)
    lines = [
        (
            (pl.col(c.key).str.len_chars().fill_null(0) + _per_line(c.width) - 1)
            // _per_line(c.width)
            + pl.col(c.key).str.count_matches("\n").fill_null(0)
        )
        for c in wrapped
    ]
    return frame.select(pl.max_horizontal(lines).clip(1, MAX_LINES).alias("lines"))["lines"]


def _waiver_value(expr: pl.Expr, key: str, lang: str) -> pl.Expr:
    if key == "waiver_expires":
        return expr.cast(pl.Date, strict=False)
    if key == "status":
        shown = {k: labels.text(labels.CI_STATUSES, k, lang) for k in labels.CI_STATUSES}
        return expr.cast(pl.String).replace(shown)
    return expr.cast(pl.String)


def _path_hash(entry: dict[str, Any]) -> str:
    path = entry.get("path") or "—"
    digest = entry.get("sha256")
    return f"{path} (SHA-256 {digest})" if digest else str(path)


def _clean_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Control characters out, over-long strings cut (Excel holds 32,767 characters a cell)."""
    strings = [n for n, d in frame.schema.items() if d == pl.String]
    if not strings:
        return frame
    return frame.with_columns(
        pl.col(strings)
        .str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "")
        .pipe(
            lambda e: (
                pl.when(e.str.len_chars() > MAX_TEXT)
                .then(e.str.slice(0, MAX_TEXT - 1) + "…")
                .otherwise(e)
            )
        )
    )


def _flatten_evidence(frame: pl.DataFrame, tz: str) -> tuple[pl.DataFrame, list[str]]:
    """Evidence JSON → one display column per key (`ev:<key>`), rule by rule, in row order.

    Lists become `a, b, c`; nested objects `key: value` text; ISO dates become dates and ISO
    timestamps local date-times (in the register's time zone), so they filter and sort in Excel.
    """
    if frame.is_empty():
        return pl.DataFrame(), []
    indexed = frame.with_row_index("_i")
    parts: list[pl.DataFrame] = []
    keys: list[str] = []
    for part in indexed.partition_by("rule", maintain_order=True):
        evidence = part["evidence"]
        decoded: pl.Series | None
        try:
            decoded = evidence.str.json_decode(infer_schema_length=None)
        except Exception:  # NOTE: evidence that is not JSON is shown as it is
            decoded = None
        if decoded is None or not isinstance(decoded.dtype, pl.Struct):
            parts.append(part.select("_i", pl.col("evidence").alias("ev:evidence")))
            if "evidence" not in keys:
                keys.append("evidence")
            continue
        fields = decoded.struct.unnest()
        shown = []
        for name, dtype in fields.schema.items():
            if name in DROPPED_EVIDENCE:
                continue
            shown.append(_display(pl.col(name), dtype).alias(f"ev:{name}"))
            if name not in keys:
                keys.append(name)
        parts.append(pl.concat([part.select("_i"), fields], how="horizontal").select("_i", *shown))
    flat = pl.concat(parts, how="diagonal_relaxed").sort("_i").drop("_i")
    flat = flat.select(
        [
            pl.col(f"ev:{k}") if f"ev:{k}" in flat.columns else pl.lit(None).alias(f"ev:{k}")
            for k in keys
        ]
    )
    return flat.with_columns(_typed(flat[c], tz).alias(c) for c in flat.columns), keys


def _display(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        if isinstance(inner, pl.Struct | pl.List):
            items = expr.list.eval(_pretty_json(pl.element(), inner))
            joined = items.list.join("; ")
        else:
            joined = expr.list.eval(pl.element().cast(pl.String)).list.join(", ")
        return pl.when(joined == "").then(None).otherwise(joined)
    if isinstance(dtype, pl.Struct):
        return _pretty_json(expr, dtype)
    if dtype == pl.Null:
        return expr.cast(pl.String)
    return expr


def _pretty_json(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A nested value as readable text: `{"kind":"sale","until":"2028-12-31"}` → `kind: sale, until:
    2028-12-31`."""
    text = expr.struct.json_encode() if isinstance(dtype, pl.Struct) else expr.cast(pl.String)
    return (
        text.str.replace_all(r'"([^"]+)":', "$1: ")
        .str.replace_all(r'[{}\[\]"]', "")
        .str.replace_all(",", ", ")
    )


def _typed(series: pl.Series, tz: str) -> pl.Series:
    """A string column whose every value is an ISO date (time) becomes Date (local Datetime)."""
    if series.dtype != pl.String or series.null_count() == series.len():
        return series
    values = series.drop_nulls()
    if values.str.contains(ISO_DATE).all():
        return series.str.to_date("%Y-%m-%d", strict=False)
    if values.str.contains(ISO_DATETIME).all():
        parsed = series.to_frame("v").select(
            pl.coalesce(
                [
                    pl.col("v").str.to_datetime(f, strict=False, time_zone="UTC")
                    for f in DATETIME_FORMATS
                ]
            )
            .dt.convert_time_zone(tz)
            .dt.replace_time_zone(None)
            .dt.truncate("1s")
        )["v"]
        if parsed.null_count() == series.null_count():
            return parsed
    return series


def _evidence_kind(series: pl.Series, header: str) -> tuple[str, float]:
    if series.dtype == pl.Date:
        return "date", max(11.5, min(len(header) + 2, 16))
    if isinstance(series.dtype, pl.Datetime):
        return "datetime", max(16.0, min(len(header) + 2, 20))
    if series.dtype in (pl.Int64, pl.Int32, pl.Float64, pl.Boolean):
        return "int" if series.dtype != pl.Boolean else "bool", max(9.0, min(len(header) + 2, 16))
    lengths = series.cast(pl.String).str.len_chars().drop_nulls()
    typical = float(lengths.quantile(0.9) or 0) if lengths.len() else 0.0
    width = max(min(len(header) + 2, 24), min(typical + 2, 40), 9)
    return ("wrap" if typical > 40 else "text"), width


class _StyleIds:
    """The workbook's cell-format ids of the styles the streamed rows use."""

    def __init__(self, styles: _Styles) -> None:
        def register(style: StyleArray) -> int:
            return Cell(styles.ws, 1, 1, style_array=style).style_id

        self.text = register(styles.top)
        self.number = register(styles.number)
        self.wrap = register(styles.wrap)
        self.quote = register(styles.quote)
        self.quote_wrap = register(styles.quote_wrap)
        self.date = register(styles.date)
        self.datetime = register(styles.datetime)


ROWS_PER_CHUNK = 20_000
EXCEL_EPOCH = date(1899, 12, 30)


def _rows_xml(
    frame: pl.DataFrame, columns: Sequence[_Column], ids: _StyleIds, whole: bool
) -> Iterator[bytes]:
    """The sheet's data rows as SpreadsheetML, built column-wise by Polars, chunk by chunk.

    This is what openpyxl's write-only mode writes for each cell (`<c r=.. s=.. t="inlineStr">`),
    without a Python call per cell: strings are always inline strings (never formulas), a string
    that a spreadsheet could take for a formula (= + - @ tab CR) or an error value also gets the
    quote-prefix style, identity-code shapes are masked once more, and XML is escaped.
    """
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    cells = [
        _cell_xml(column, letter, ids, whole)
        for column, letter in zip(columns, letters, strict=True)
    ]
    lines = _row_lines(frame, columns)
    height = (
        pl.when(pl.col("_lines") > 1)
        .then(
            pl.format(' ht="{}" customHeight="1"', (pl.col("_lines") * LINE_HEIGHT).cast(pl.String))
        )
        .otherwise(pl.lit(""))
    )
    row = pl.concat_str(
        [
            pl.lit('<row r="'),
            pl.col("_r"),
            pl.lit('"'),
            height,
            pl.lit(">"),
            *cells,
            pl.lit("</row>"),
        ]
    )
    frame = frame.with_columns(_lines=lines)
    for offset in range(0, frame.height, ROWS_PER_CHUNK):
        chunk = frame.slice(offset, ROWS_PER_CHUNK)
        number = (pl.int_range(pl.len(), dtype=pl.Int64) + offset + 2).cast(pl.String)
        text = chunk.with_columns(_r=number).select(row.str.join(""))
        yield text.item().encode("utf-8")


def _cell_xml(column: _Column, letter: str, ids: _StyleIds, whole: bool) -> pl.Expr:
    value = pl.col(column.key)
    ref = pl.concat_str([pl.lit(f'<c r="{letter}'), pl.col("_r"), pl.lit('"')])
    kind = column.kind
    if kind in ("text", "wrap"):
        xml = _text_xml(value, ref, ids, whole, wrap=kind == "wrap")
    elif kind == "date":
        xml = _date_xml(value, ref, ids)
    elif kind == "datetime":
        serial = (value - pl.lit(datetime(1899, 12, 30))).dt.total_microseconds() / 86_400_000_000
        xml = pl.concat_str(
            [ref, pl.lit(f' s="{ids.datetime}"><v>'), serial.cast(pl.String), pl.lit("</v></c>")]
        )
    elif kind == "bool":
        xml = pl.concat_str(
            [
                ref,
                pl.lit(f' s="{ids.text}" t="b"><v>'),
                value.cast(pl.Int8).cast(pl.String),
                pl.lit("</v></c>"),
            ]
        )
    elif kind == "due":
        text = _text_xml(pl.col("due_text"), ref, ids, whole, wrap=False)
        return (
            pl.when(value.is_not_null())
            .then(_date_xml(value, ref, ids))
            .when(pl.col("due_text").is_not_null())
            .then(text)
            .otherwise(pl.lit(""))
        )
    else:  # int, float
        xml = pl.concat_str(
            [ref, pl.lit(f' s="{ids.number}" t="n"><v>'), value.cast(pl.String), pl.lit("</v></c>")]
        )
    return pl.when(value.is_null()).then(pl.lit("")).otherwise(xml)


def _date_xml(value: pl.Expr, ref: pl.Expr, ids: _StyleIds) -> pl.Expr:
    serial = (value.cast(pl.Date) - pl.lit(EXCEL_EPOCH)).dt.total_days()
    return pl.concat_str(
        [ref, pl.lit(f' s="{ids.date}"><v>'), serial.cast(pl.String), pl.lit("</v></c>")]
    )


def _text_xml(value: pl.Expr, ref: pl.Expr, ids: _StyleIds, whole: bool, *, wrap: bool) -> pl.Expr:
    text = mask_identity_codes(value.cast(pl.String), whole=whole)
    formula_like = text.str.contains(r"^[=+\-@\t\r]") | text.is_in(list(ERROR_CODES))
    plain = f' s="{ids.wrap if wrap else ids.text}"'
    style = (
        pl.when(formula_like)
        .then(pl.lit(f' s="{ids.quote_wrap if wrap else ids.quote}"'))
        .otherwise(pl.lit(plain))
    )
    space = (
        pl.when(text != text.str.strip_chars())
        .then(pl.lit(' xml:space="preserve"'))
        .otherwise(pl.lit(""))
    )
    escaped = (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all("\r", "&#13;", literal=True)
    )
    return pl.concat_str(
        [
            ref,
            style,
            pl.lit(' t="inlineStr"><is><t'),
            space,
            pl.lit(">"),
            escaped,
            pl.lit("</t></is></c>"),
        ]
    )


def _splice_rows(
    package: io.BytesIO, rows: dict[str, Callable[[], Iterator[bytes]]], handle: IO[bytes]
) -> None:
    """Copy the workbook openpyxl wrote, streaming each table sheet's rows into its sheetData."""
    package.seek(0)
    with (
        zipfile.ZipFile(package) as source,
        # NOTE: deflate level 3: a third of level 6's time for a file about 8% larger.
        zipfile.ZipFile(
            handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=3
        ) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            chunks = rows.get(info.filename)
            if chunks is None:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            cut = data.rindex(b"</sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(data[:cut])
                for chunk in chunks():
                    stream.write(chunk)
                stream.write(data[cut:])


def _write_private(path: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Create `path` owner-only (0600) from the start: a temporary file made 0600 beside it is
    written and then renamed over it, so no other user can ever open the data."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
