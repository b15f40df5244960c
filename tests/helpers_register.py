"""Small register exports for tests: canonical CSV folders, xlsx workbooks, file digests.

Fixtures are written as the text a user's export would contain, so a test shows its input:

    write_register(tmp_path, consents=CONSENTS_HEADER + "E1,S1,profiling,grant,2023-06-01\\n")
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook

from auditkit.register import Register, load_register

SUBJECTS_HEADER = "subject_id,subject_type,created_at\n"
SUBJECTS_CSV = SUBJECTS_HEADER + "S1,person,2020-01-02\nS2,organisation,2021-03-04\n"
CONSENTS_HEADER = "event_id,subject_id,purpose,action,recorded_at\n"
CONTRACTS_HEADER = "contract_id,subject_id,kind,signed_at\n"
DISCLOSURES_HEADER = (
    "disclosure_id,subject_id,recipient,recipient_category,purpose,country,disclosed_at\n"
)
# A small non-canonical export and the mapping that reads it.
ASIAKKAAT_CSV = "Nro;Tyyppi;Luotu\n1;H;2.1.2020\n"
ASIAKKAAT_MAPPING = """\
[tables.subjects]
file = "asiakkaat.csv"
[tables.subjects.columns]
Nro = "subject_id"
Tyyppi = "subject_type"
Luotu = "created_at"
[tables.subjects.values.subject_type]
H = "person"
"""


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` byte for byte in `encoding` (newlines as given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_register(folder: Path, subjects: str | None = SUBJECTS_CSV, **tables: str) -> Path:
    """A folder of canonical CSV exports: `<table>.csv` for `subjects` and every table given."""
    folder.mkdir(parents=True, exist_ok=True)
    if subjects is not None:
        write_text(folder / "subjects.csv", subjects)
    for table, text in tables.items():
        write_text(folder / f"{table}.csv", text)
    return folder


def write_mapping(folder: Path, text: str) -> Path:
    return write_text(folder / "mapping.toml", text)


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook with one sheet per entry; each sheet's first row is its header."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def load(folder: Path, mapping: str | None = None, **kwargs: Any) -> Register:
    """Load `folder`; with `mapping` text, write it to `folder/mapping.toml` first."""
    if mapping is not None:
        return load_register(folder, write_mapping(folder, mapping), **kwargs)
    return load_register(folder, **kwargs)


def frame(register: Register, table: str) -> pl.DataFrame:
    return register.table(table).collect()


def values(register: Register, table: str, column: str) -> list[Any]:
    return frame(register, table)[column].to_list()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its SHA-256 and modification time (ns)."""
    return {
        str(path.relative_to(folder)): (sha256(path), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]], separator: str = ",") -> str:
    """CSV text with every field quoted (so any value survives the round trip)."""

    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [separator.join(header)]
    lines += [separator.join(quote(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"
