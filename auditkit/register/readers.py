"""Readers per source format: CSV (sniffed separator and encoding), xlsx (fastexcel), Parquet.

Each reader returns the file's columns as written (no renaming, no typing) plus its audit-trail
facts. Files are opened read-only and never modified.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import astuple, dataclass
from pathlib import Path

import polars as pl

from auditkit.errors import LoadError
from auditkit.register.mapping import SourceOptions

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
SEPARATORS = (";", ",", "\t", "|")
_CHUNK = 1 << 20
_REEXPORT = "export the table again as CSV, xlsx or Parquet with a header row"


@dataclass(frozen=True)
class SourceFile:
    """One input file as the audit trail records it."""

    path: str
    table: str
    format: str
    size: int
    sha256: str
    rows: int
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None


@dataclass
class RawTable:
    frame: pl.DataFrame
    source: SourceFile
    # Source rows start here: a CSV or sheet's first data row is line 2 (the header is line 1).
    first_row: int = 2


@dataclass(frozen=True)
class Digest:
    """What one read of a file's bytes tells: SHA-256, size, valid UTF-8, NUL bytes."""

    sha256: str
    size: int
    utf8: bool
    nul: bool


def digest(path: Path) -> Digest:
    """Read the file once: its SHA-256 and size, whether it is UTF-8, whether it has NUL bytes."""
    return Digest(*_scan_bytes(path))


def read_source(
    path: Path,
    table: str,
    options: SourceOptions,
    sheet: str | None,
    scanned: Digest | None = None,
) -> RawTable:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, table, sheet, scanned)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, table, scanned)
    return _read_csv(path, table, options, scanned)


def _scan_bytes(path: Path) -> tuple[str, int, bool, bool]:
    """SHA-256, size, whether the bytes are valid UTF-8, and whether they contain a NUL byte."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, nul, size = True, False, 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            nul = nul or b"\x00" in chunk
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return digest.hexdigest(), size, utf8, nul


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file."""
    sha, size, _, _ = _scan_bytes(path)
    return sha, size


_HEAD = 1 << 16


def _read_csv(
    path: Path, table: str, options: SourceOptions, scanned: Digest | None = None
) -> RawTable:
    sha, size, is_utf8, has_nul = astuple(scanned) if scanned else _scan_bytes(path)
    where = {"file": str(path), "table": table}
    if size == 0:
        raise LoadError(
            "the file is empty", expected="a header line and rows", hint=_REEXPORT, **where
        )
    direct = _read_utf8_directly(path, table, options, sha, size, is_utf8, has_nul)
    if direct is not None:
        return direct
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoadError(
            "unreadable encoding: the file is UTF-16",
            expected="UTF-8, UTF-8 with BOM or Windows-1252",
            hint='save the export as UTF-8 (in Excel: "CSV UTF-8")',
            **where,
        )
    if has_nul:
        raise LoadError(
            "the file is not text (it contains NUL bytes)",
            expected="a CSV export",
            hint="export the table as CSV, xlsx or Parquet",
            **where,
        )
    encoding = _encoding(raw, is_utf8, options.encoding, path, table)
    text = raw.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LoadError(
            "the file is empty", expected="a header line and rows", hint=_REEXPORT, **where
        )
    separator = _separator(text, options.separator)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except pl.exceptions.PolarsError as exc:
        row, line = _first_ragged_row(text, separator)
        raise LoadError(
            "cannot read the CSV: a row has more fields than the header"
            if row is not None
            else f"cannot read the CSV: {str(exc).splitlines()[0]}",
            row=row,
            value=line,
            expected=f"rows with the same number of {separator!r}-separated fields as the header",
            hint="quote values that contain the separator, or set `separator` in the mapping",
            **where,
        ) from exc
    return RawTable(
        frame,
        SourceFile(str(path), table, "csv", size, sha, frame.height, encoding, separator),
    )


def _read_utf8_directly(
    path: Path,
    table: str,
    options: SourceOptions,
    sha: str,
    size: int,
    is_utf8: bool,
    has_nul: bool,
) -> RawTable | None:
    """A UTF-8 file is handed to Polars as it is (no decoding into memory first); None when the
    file needs the careful path (another encoding, a problem to report, an odd first line)."""
    if not is_utf8 or has_nul or options.encoding not in ("auto", "utf-8", "utf-8-sig"):
        return None
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\n" not in head:
        return None
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if not text.strip():
        return None
    separator = _separator(text, options.separator)
    try:
        frame = pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except pl.exceptions.PolarsError:
        return None  # the careful path names the problem
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if options.encoding != "auto":
        encoding = options.encoding
    return RawTable(
        frame, SourceFile(str(path), table, "csv", size, sha, frame.height, encoding, separator)
    )


def _encoding(raw: bytes, is_utf8: bool, wanted: str, path: Path, table: str) -> str:
    if wanted in ("cp1252", "windows-1252"):
        wanted = "cp1252"
    if wanted != "auto":
        try:
            raw.decode(wanted)
        except UnicodeDecodeError as exc:
            raise _undecodable(
                f"the file is not valid {wanted} (byte {exc.start})",
                raw,
                exc.start,
                path,
                table,
                hint='set encoding = "auto" in the mapping to detect it',
            ) from exc
        return wanted
    if is_utf8:
        return "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _undecodable(
            f"unreadable encoding: neither UTF-8 nor Windows-1252 (byte {exc.start})",
            raw,
            exc.start,
            path,
            table,
            hint="save the export as UTF-8, or set `encoding` in the mapping",
        ) from exc
    return "cp1252"


def _undecodable(
    message: str, raw: bytes, start: int, path: Path, table: str, hint: str
) -> LoadError:
    """An encoding error naming the line (row) and the line's text with the bad byte escaped."""
    line_start = raw.rfind(b"\n", 0, start) + 1
    line_end = raw.find(b"\n", start)
    line = raw[line_start : line_end if line_end >= 0 else len(raw)].rstrip(b"\r")
    return LoadError(
        message,
        file=str(path),
        table=table,
        row=raw.count(b"\n", 0, start) + 1,
        value=line[:120].decode("utf-8", errors="replace"),
        expected="UTF-8, UTF-8 with BOM or Windows-1252",
        hint=hint,
    )


def _first_ragged_row(text: str, separator: str) -> tuple[int | None, str | None]:
    """The line number and text of the first record with more fields than the header."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = next(reader, [])
    for record in reader:
        if len(record) > len(header):
            return reader.line_num, separator.join(record)[:120]
    return None, None


def _separator(text: str, wanted: str) -> str:
    if wanted != "auto":
        return wanted
    header = text.split("\n", 1)[0]
    counts = {sep: _count_outside_quotes(header, sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


def _read_excel(
    path: Path, table: str, sheet: str | None, scanned: Digest | None = None
) -> RawTable:
    import fastexcel

    sha, size = (scanned.sha256, scanned.size) if scanned else file_digest(path)
    where = {"file": str(path), "table": table}
    if size == 0:
        raise LoadError("the file is empty", expected="an xlsx workbook", hint=_REEXPORT, **where)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types
        raise LoadError(
            f"not a readable xlsx workbook: {str(exc).splitlines()[0]}",
            expected="an .xlsx workbook saved by Excel or LibreOffice",
            hint=_REEXPORT,
            **where,
        ) from exc
    names = reader.sheet_names
    if sheet is None:
        sheet = table if table in names else names[0]
    if sheet not in names:
        raise LoadError(
            f"no sheet named {sheet!r}",
            expected=f"one of {', '.join(names)}",
            hint="set `sheet` for this table in the mapping",
            **where,
        )
    try:
        # NOTE: every row is sampled for the column types: a text cell after the first 1,000
        # numeric ones must make the column text, not a silent null.
        frame = reader.load_sheet_by_name(sheet, schema_sample_rows=None).to_polars()
    except Exception as exc:
        raise LoadError(f"cannot read sheet {sheet!r}: {exc}", hint=_REEXPORT, **where) from exc
    if frame.width == 0:
        raise LoadError(
            f"sheet {sheet!r} is empty", expected="a header row and rows", hint=_REEXPORT, **where
        )
    return RawTable(
        frame, SourceFile(str(path), table, "xlsx", size, sha, frame.height, sheet=sheet)
    )


def _read_parquet(path: Path, table: str, scanned: Digest | None = None) -> RawTable:
    sha, size = (scanned.sha256, scanned.size) if scanned else file_digest(path)
    try:
        frame = pl.read_parquet(path)
    except pl.exceptions.PolarsError as exc:
        raise _unreadable_parquet(path, table, exc) from exc
    return RawTable(
        frame, SourceFile(str(path), table, "parquet", size, sha, frame.height), first_row=1
    )


def _unreadable_parquet(path: Path, table: str, exc: Exception) -> LoadError:
    return LoadError(
        f"not a readable Parquet file: {str(exc).splitlines()[0]}",
        file=str(path),
        table=table,
        expected="a Parquet file",
        hint=_REEXPORT,
    )


def parquet_rows(path: Path, table: str) -> int:
    """The row count of a Parquet file, from its metadata."""
    try:
        return int(pl.scan_parquet(path).select(pl.len()).collect().item())
    except pl.exceptions.PolarsError as exc:
        raise _unreadable_parquet(path, table, exc) from exc


def read_parquet_slice(
    path: Path, table: str, scanned: Digest, offset: int, length: int
) -> RawTable:
    """Rows [offset, offset + length) of a Parquet file (only their row groups are read)."""
    try:
        frame = pl.scan_parquet(path).slice(offset, length).collect()
    except pl.exceptions.PolarsError as exc:
        raise _unreadable_parquet(path, table, exc) from exc
    source = SourceFile(str(path), table, "parquet", scanned.size, scanned.sha256, frame.height)
    return RawTable(frame, source, first_row=1 + offset)


# Public names for the sniffers (`auditkit init` samples large files with them).
sniff_encoding = _encoding
sniff_separator = _separator
