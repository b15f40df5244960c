"""The mapping file (POLICY.md "The mapping file"): how an export names tables, columns, values."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditkit.errors import MappingError
from auditkit.register.schema import BOOLEAN, ENUM, TABLES, Column

Encoding = Literal["auto", "utf-8", "utf-8-sig", "cp1252", "windows-1252"]
Separator = Literal["auto", ";", ",", "\t", "|"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceOptions(_Strict):
    encoding: Encoding = "auto"
    separator: Separator = "auto"
    date_format: str = "auto"
    decimal_comma: bool | Literal["auto"] = "auto"


class TableMapping(_Strict):
    # None: the file is found by the table's name (subjects.csv, a sheet named subjects, ...).
    file: str | None = None
    sheet: str | None = None
    encoding: Encoding | None = None
    separator: Separator | None = None
    date_format: str | None = None
    decimal_comma: bool | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str | bool | int | float]] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)
    keep: dict[str, str] = Field(default_factory=dict)


class Mapping(_Strict):
    source: SourceOptions = SourceOptions()
    tables: dict[str, TableMapping] = Field(default_factory=dict)

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables: dict[str, TableMapping]) -> dict[str, TableMapping]:
        for name, table in tables.items():
            if name not in TABLES:
                raise ValueError(f"unknown table {name!r} (expected one of {', '.join(TABLES)})")
            canonical = TABLES[name].names
            seen: dict[str, str] = {}
            for source, target in table.columns.items():
                if target not in canonical:
                    raise ValueError(
                        f"tables.{name}.columns: {source!r} maps to unknown column {target!r} "
                        f"(expected one of {', '.join(canonical)})"
                    )
                if target in seen:
                    raise ValueError(
                        f"tables.{name}.columns: {seen[target]!r} and {source!r} both map to "
                        f"{target!r}"
                    )
                seen[target] = source
            for target, values in table.values.items():
                if target not in canonical:
                    raise ValueError(f"tables.{name}.values: unknown column {target!r}")
                for source, value in values.items():
                    problem = _value_problem(TABLES[name].column(target), value)
                    if problem:
                        where = f"tables.{name}.values.{target}"
                        raise ValueError(f"{where}: {source!r} maps to {value!r}, {problem}")
        return tables

    def options(self, table: str) -> SourceOptions:
        """The source options for one table: its own keys over the `[source]` defaults."""
        spec = self.tables.get(table)
        if spec is None:
            return self.source
        own = {
            key: getattr(spec, key)
            for key in ("encoding", "separator", "date_format", "decimal_comma")
            if getattr(spec, key) is not None
        }
        return self.source.model_copy(update=own)


BOOLEAN_TEXT = {"true": True, "false": False}


def as_boolean(value: str | bool | int | float) -> bool | None:
    """A `values` target for a Boolean column: a TOML boolean, or the text "true" / "false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return BOOLEAN_TEXT.get(value.strip().lower())
    return None


def _value_problem(column: Column, value: str | bool | int | float) -> str | None:
    if column.kind == BOOLEAN and as_boolean(value) is None:
        return "expected true or false"
    if column.kind == ENUM and value not in column.values:
        return f"expected one of {', '.join(column.values)}"
    return None


def load_mapping(path: Path) -> tuple[Mapping, str]:
    """Read and validate a mapping file; returns it with its SHA-256."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file: {exc.strerror}", file=str(path)) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise MappingError("the mapping file is not UTF-8 text", file=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            f"not a valid TOML file: {exc}", file=str(path), hint=_toml_hint(raw)
        ) from exc
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_first_problem(exc), file=str(path)) from exc
    return mapping, hashlib.sha256(raw).hexdigest()


_BARE_NON_ASCII = re.compile(r"^\s*([^\s\"'=\[]*[^\x00-\x7f][^\s\"'=]*)\s*=", re.MULTILINE)


def _toml_hint(raw: bytes) -> str | None:
    """Source headers such as `Henkilötunnus` must be quoted: TOML 1.0 bare keys are ASCII only."""
    match = _BARE_NON_ASCII.search(raw.decode("utf-8-sig", errors="replace"))
    if match:
        key = match.group(1)
        return (
            f'quote keys that contain letters such as ä or ö: "{key}" = ... instead of {key} = ...'
        )
    return None


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if error["type"] == "missing":
        return f"missing required key {where!r}"
    message = error["msg"].removeprefix("Value error, ")
    # A model validator's own message already names its location (tables.<name>...).
    if where == "tables" and message.startswith(("tables.", "unknown table")):
        return message
    return f"{where}: {message}" if where else message
