"""Read the head of every export file: enough rows to recognise its columns, never the whole file.

CSV encoding and separator are sniffed by the loader's own readers (`auditkit.register.readers`),
so `auditkit init` sees a file exactly as `auditkit check` will. Files are opened read-only.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from auditkit.errors import AuditkitError
from auditkit.register import readers
from auditkit.register.mapping import SourceOptions
from auditkit.register.readers import CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES, SUFFIXES

MAX_ROWS = 50_000
MAX_BYTES = 16 << 20


@dataclass(frozen=True)
class Sample:
    """The first rows of one export file (or one sheet of a workbook)."""

    path: Path
    sheet: str | None
    frame: pl.DataFrame
    complete: bool  # every row of the file is in the sample
    encoding: str | None = None
    separator: str | None = None
    sheets: int = 1  # how many sheets the workbook has

    @property
    def label(self) -> str:
        return f"{self.path.name} (sheet {self.sheet!r})" if self.sheet else self.path.name

    @property
    def stem(self) -> str:
        """The name that may say which table this is: the sheet's, else the file's."""
        return self.sheet if self.sheet and self.sheets > 1 else self.path.stem


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def export_files(folder: Path) -> list[Path]:
    """The files in an export folder that the loader can read, in name order."""
    return [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES]


def read_samples(
    folder: Path, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> tuple[list[Sample], list[Unreadable]]:
    """A sample of every export file in `folder`; files that cannot be read are listed apart."""
    samples: list[Sample] = []
    unreadable: list[Unreadable] = []
    for path in export_files(folder):
        try:
            samples.extend(read_sample(path, max_rows, max_bytes))
        except AuditkitError as exc:
            unreadable.append(Unreadable(path, exc.message))
    return samples, unreadable


def read_sample(path: Path, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> list[Sample]:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _excel(path, max_rows)
    if suffix in PARQUET_SUFFIXES:
        return [_parquet(path, max_rows)]
    if suffix in CSV_SUFFIXES:
        return [_csv(path, max_rows, max_bytes)]
    raise AuditkitError("not an export format", file=str(path))


def _csv(path: Path, max_rows: int, max_bytes: int) -> Sample:
    size = path.stat().st_size
    if size <= max_bytes:  # the loader's own reader: the same frame, the same errors
        raw_table = readers.read_source(path, path.stem, SourceOptions(), None)
        frame, source = raw_table.frame, raw_table.source
        complete = frame.height <= max_rows
        return Sample(path, None, frame.head(max_rows), complete, source.encoding, source.separator)
    with path.open("rb") as handle:
        raw = handle.read(max_bytes)
    # A head cut at a line end: one is never inside a multi-byte character.
    raw = raw[: raw.rfind(b"\n") + 1] or raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        raise AuditkitError("the file is not UTF-8 or Windows-1252 text", file=str(path))
    try:
        raw.decode("utf-8")
        is_utf8 = True
    except UnicodeDecodeError:
        is_utf8 = False
    encoding = readers.sniff_encoding(raw, is_utf8, "auto", path, path.stem)
    text = _whole_records(raw.decode(encoding).removeprefix("\ufeff"))
    separator = readers.sniff_separator(text, "auto")
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=separator,
            infer_schema=False,
            n_rows=max_rows,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise AuditkitError(
            f"cannot read the CSV: {str(exc).splitlines()[0]}", file=str(path)
        ) from exc
    return Sample(path, None, frame, False, encoding, separator)


def _whole_records(text: str) -> str:
    """The text up to the last line end outside quotes (a sample never ends inside a record)."""
    quotes = text.count('"')
    end = len(text)
    while end > 0:
        cut = text.rfind("\n", 0, end)
        if cut < 0:
            return text
        quotes -= text.count('"', cut, end)
        if quotes % 2 == 0:
            return text[: cut + 1]
        end = cut
    return text


def _excel(path: Path, max_rows: int) -> list[Sample]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        samples = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet_by_name(name, n_rows=max_rows, schema_sample_rows=None)
            frame = sheet.to_polars()
            if frame.width == 0:
                continue
            complete = frame.height < max_rows
            samples.append(Sample(path, name, frame, complete, sheets=len(reader.sheet_names)))
    except Exception as exc:  # fastexcel raises its own error types
        raise AuditkitError(
            f"not a readable xlsx workbook: {str(exc).splitlines()[0]}", file=str(path)
        ) from exc
    return samples


def _parquet(path: Path, max_rows: int) -> Sample:
    try:
        lazy = pl.scan_parquet(path)
        frame = lazy.head(max_rows).collect()
        rows = lazy.select(pl.len()).collect().item()
    except pl.exceptions.PolarsError as exc:
        raise AuditkitError(
            f"not a readable Parquet file: {str(exc).splitlines()[0]}", file=str(path)
        ) from exc
    return Sample(path, None, frame, rows <= max_rows)
