"""Read a folder of exports into a `Register` of typed LazyFrames in the canonical model.

One validating pass per source file: read, rename by the mapping, type every canonical column, and
stop at the first bad value with an error naming file, table, column, row, value and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from auditkit.errors import LoadError, MappingError
from auditkit.register import parse
from auditkit.register.mapping import (
    Mapping,
    SourceOptions,
    TableMapping,
    as_boolean,
    load_mapping,
)
from auditkit.register.readers import (
    EXCEL_SUFFIXES,
    SUFFIXES,
    RawTable,
    SourceFile,
    read_source,
)
from auditkit.register.schema import (
    ACCOUNTING_KINDS,
    BOOLEAN,
    DATE,
    DATETIME,
    ENUM,
    FLOAT,
    INT,
    LIST,
    ROW,
    TABLES,
    Column,
    Table,
)

DEFAULT_TIMEZONE = "Europe/Helsinki"


@dataclass(frozen=True)
class ExtraColumn:
    """A source column outside the canonical model: kept with a category, or unclassified (None)."""

    table: str
    name: str
    category: str | None
    has_value: bool

    @property
    def unclassified(self) -> bool:
        return self.category is None


@dataclass
class Register:
    """The loaded register: one typed LazyFrame per present table, plus the audit trail."""

    root: Path
    tables: dict[str, pl.LazyFrame]
    absent_columns: dict[str, frozenset[str]]
    extra_columns: dict[str, tuple[ExtraColumn, ...]]
    sources: list[SourceFile]
    timezone: str = DEFAULT_TIMEZONE
    mapping_sha256: str | None = None
    mapping_path: str | None = None
    clock_changes: dict[str, int] = field(
        default_factory=lambda: {"ambiguous": 0, "nonexistent": 0}
    )
    # canonical column → the source header it was read from, per table (DAT001 names columns so)
    source_columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def has(self, table: str) -> bool:
        return table in self.tables

    def has_column(self, table: str, column: str) -> bool:
        """True when the table is present and the column came from the source (not filled in)."""
        return table in self.tables and column not in self.absent_columns.get(table, frozenset())

    def table(self, name: str) -> pl.LazyFrame:
        return self.tables[name]

    def row_counts(self) -> dict[str, int]:
        return {s.table: s.rows for s in self.sources}

    def unclassified(self) -> list[ExtraColumn]:
        return [c for cols in self.extra_columns.values() for c in cols if c.unclassified]


def load_register(
    path: str | Path,
    mapping: str | Path | Mapping | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> Register:
    """Load every table found in `path` (a folder of exports), typed and validated."""
    root = Path(path)
    if not root.exists():
        raise LoadError("no such folder", file=str(root))
    if not root.is_dir():
        raise LoadError("not a folder of exports", file=str(root), expected="a folder")
    mapping_sha = mapping_path = None
    if isinstance(mapping, str | Path):
        mapping_path = str(mapping)
        mapping, mapping_sha = load_mapping(Path(mapping))
    mapping = mapping or Mapping()

    tables: dict[str, pl.LazyFrame] = {}
    absent: dict[str, frozenset[str]] = {}
    extras: dict[str, tuple[ExtraColumn, ...]] = {}
    sources: list[SourceFile] = []
    clock = {"ambiguous": 0, "nonexistent": 0}
    names: dict[str, dict[str, str]] = {}
    for name, spec in TABLES.items():
        located = _locate(root, name, mapping.tables.get(name))
        if located is None:
            continue
        file, sheet = located
        raw = read_source(file, name, mapping.options(name), sheet)
        loaded = _TableLoader(raw, spec, mapping.tables.get(name), mapping.options(name), timezone)
        frame = loaded.load()
        tables[name] = frame.rechunk().lazy()  # NOTE: one chunk per column: faster, and avoids a Polars 2.1 panic in pl.format over filtered multi-chunk strings
        absent[name] = loaded.absent
        extras[name] = loaded.extras
        names[name] = {target: source for source, target in loaded.renames.items()}
        sources.append(loaded.source)
        for kind, count in loaded.clock.items():
            clock[kind] += count
    if "subjects" not in tables:
        raise LoadError(
            "no subjects table: the register needs one",
            file=str(root),
            expected="subjects.csv / .xlsx / .parquet, or [tables.subjects] file = ... in the "
            "mapping",
        )
    return Register(
        root, tables, absent, extras, sources, timezone, mapping_sha, mapping_path, clock, names
    )


def _locate(root: Path, table: str, spec: TableMapping | None) -> tuple[Path, str | None] | None:
    sheet = spec.sheet if spec is not None else None
    if spec is not None and spec.file is not None:
        file = root / spec.file
        if not file.is_file():
            raise MappingError(
                f"the mapping names file {spec.file!r} for table {table}, which does not exist",
                file=str(root),
                table=table,
                hint=f"fix `file` under [tables.{table}] in the mapping",
            )
        return file, sheet
    candidates = [
        candidate
        for candidate in sorted(root.iterdir())
        if candidate.stem.lower() == table and candidate.suffix.lower() in SUFFIXES
    ]
    if len(candidates) > 1:
        raise LoadError(
            f"more than one file for table {table}: {', '.join(c.name for c in candidates)}",
            file=str(root),
            table=table,
            hint=f"remove all but one, or name the file under [tables.{table}] file = ... "
            "in the mapping",
        )
    if candidates:
        return candidates[0], sheet
    for workbook in sorted(root.iterdir()):
        if workbook.suffix.lower() in EXCEL_SUFFIXES and table in _sheet_names(workbook):
            return workbook, table
    return None


def _sheet_names(workbook: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(workbook)).sheet_names)
    except Exception:
        return []


class _TableLoader:
    """Renames, types and validates one source table."""

    def __init__(
        self,
        raw: RawTable,
        spec: Table,
        mapping: TableMapping | None,
        options: SourceOptions,
        timezone: str,
    ) -> None:
        self.raw, self.spec, self.options, self.timezone = raw, spec, options, timezone
        self.mapping = mapping or TableMapping()
        self.file = raw.source.path
        self.source_names = raw.frame.columns
        self.renames = self._renames()
        # Every record numbered by its line in the file; rows with no value at all (blank lines,
        # `;;;` lines Excel writes) are not records.
        numbered = raw.frame.with_row_index(ROW, offset=raw.first_row).with_columns(
            pl.col(ROW).cast(pl.Int64)
        )
        blank = pl.all_horizontal(self._text(c).is_null() for c in self.source_names)
        self.numbered = numbered.filter(~blank) if self.source_names else numbered
        self.source = replace(raw.source, rows=self.numbered.height)
        self.absent = frozenset(c for c in spec.names if c not in self.renames.values())
        self.clock: dict[str, int] = {"ambiguous": 0, "nonexistent": 0}
        self.extras: tuple[ExtraColumn, ...] = ()

    def _renames(self) -> dict[str, str]:
        """source column → canonical column."""
        renames: dict[str, str] = {}
        for source, target in self.mapping.columns.items():
            if source not in self.source_names:
                raise MappingError(
                    f"the mapping maps column {source!r}, which the file does not have",
                    file=self.file,
                    table=self.spec.name,
                    column=source,
                    hint=f"the file's columns are: {', '.join(self.source_names)}",
                )
            renames[source] = target
        for source in self.mapping.keep:
            if source not in self.source_names:
                raise MappingError(
                    f"the mapping keeps column {source!r}, which the file does not have",
                    file=self.file,
                    table=self.spec.name,
                    column=source,
                    hint=f"the file's columns are: {', '.join(self.source_names)}",
                )
        mapped = set(renames.values())
        for source in self.source_names:
            if source in self.spec.names and source not in mapped and source not in renames:
                renames[source] = source
        missing = [c for c in self.spec.required if c not in renames.values()]
        if missing:
            column = missing[0]
            raise LoadError(
                "missing required column",
                file=self.file,
                table=self.spec.name,
                column=column,
                expected=f"a column {column!r}, or a mapping entry for it",
                hint=(
                    f'add `"<source header>" = "{column}"` under [tables.{self.spec.name}.columns] '
                    f"in the mapping; the file's columns are: {', '.join(self.source_names)}"
                ),
            )
        return renames

    def load(self) -> pl.DataFrame:
        frame = self.numbered
        by_target = {target: source for source, target in self.renames.items()}
        typed: list[pl.Expr] = [pl.col(ROW)]
        checks: list[pl.Expr] = []
        for column in self.spec.columns:
            source = by_target.get(column.name)
            if source is None:
                typed.append(self._absent(column))
                continue
            text = self._text(source)
            value = self._typed(column, text, source)
            typed.append(value.alias(column.name))
            checks.append((text.is_not_null() & value.is_null()).alias(f"__bad__{column.name}"))
            if column.required and not column.nullable:
                checks.append(text.is_null().alias(f"__null__{column.name}"))
            if column.kind == DATETIME:
                naive, offset = parse.naive_datetime(text, self.options.date_format)
                ambiguous, gap = parse.clock_change_kinds(naive, self.timezone)
                checks.append((ambiguous & offset.is_null()).alias(f"__ambiguous__{column.name}"))
                checks.append((gap & offset.is_null()).alias(f"__nonexistent__{column.name}"))
        extras = self._extras()
        typed += [self._text(name).alias(name) for name in extras]
        try:
            result = frame.select(*typed, *checks)
        except pl.exceptions.PolarsError as exc:  # a bug, or a source Polars cannot type
            raise LoadError(
                f"cannot read the table: {str(exc).splitlines()[0]}",
                file=self.file,
                table=self.spec.name,
            ) from exc
        self._raise_first_problem(result, by_target)
        flags = [c for c in result.columns if c.startswith("__")]
        for kind in ("ambiguous", "nonexistent"):
            self.clock[kind] = sum(
                int(result[c].sum()) for c in flags if c.startswith(f"__{kind}__")
            )
        result = result.drop(flags)
        self.extras = tuple(
            ExtraColumn(self.spec.name, name, category, bool(result[name].is_not_null().any()))
            for name, category in extras.items()
        )
        return self._defaults(result)

    def _extras(self) -> dict[str, str | None]:
        """Source columns outside the model: kept (with their category) or unclassified (None)."""
        extras: dict[str, str | None] = {}
        for source in self.source_names:
            if source in self.renames or source in self.mapping.ignore:
                continue
            if source in self.spec.names or source == ROW:
                raise MappingError(
                    f"source column {source!r} has a canonical name but another column is mapped "
                    "to it",
                    file=self.file,
                    table=self.spec.name,
                    hint="rename one of them in the mapping, or list it under `ignore`",
                )
            extras[source] = self.mapping.keep.get(source)
        return extras

    def _text(self, source: str) -> pl.Expr:
        """The source column as text, blank → null; numeric keys as integer digits (12345)."""
        dtype = self.raw.frame.schema[source]
        col = pl.col(source)
        if dtype == pl.String:
            return parse.blank_to_null(col)
        if isinstance(dtype, pl.Decimal):  # 12345.00 → 12345
            return col.cast(pl.String).str.replace(r"\.0+$", "")
        if isinstance(dtype, pl.List):
            return parse.blank_to_null(col.cast(pl.List(pl.String)).list.join(";"))
        if dtype.is_float():
            return (
                pl.when(col.is_finite() & (col == col.floor()))
                .then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String))
            )
        if dtype == pl.Date:
            return col.dt.to_string("%Y-%m-%d")
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
                return col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f") + "Z"
            return col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
        if dtype == pl.Null:
            return pl.lit(None, pl.String)
        return parse.blank_to_null(col.cast(pl.String))

    def _mapped(self, column: Column, text: pl.Expr) -> pl.Expr:
        """Trimmed text with the mapping's value renames applied."""
        trimmed = text.str.strip_chars()
        values = self.mapping.values.get(column.name)
        if not values:
            return trimmed
        keys = [str(k).strip() for k in values]
        return trimmed.replace(keys, [str(v) for v in values.values()])

    def _typed(self, column: Column, text: pl.Expr, source: str) -> pl.Expr:
        kind, options = column.kind, self.options
        native = self.raw.frame.schema[source]
        if kind == ENUM:
            mapped = self._mapped(column, text)
            return pl.when(mapped.is_in(column.values)).then(mapped).cast(column.dtype)
        if kind == BOOLEAN:
            if native == pl.Boolean:
                return pl.col(source)
            values = self.mapping.values.get(column.name)
            canonical = parse.parse_bool(text)
            if not values:
                return canonical
            keys = [str(k).strip() for k in values]
            by_map = text.str.strip_chars().replace_strict(
                keys,
                [as_boolean(v) for v in values.values()],
                default=None,
                return_dtype=pl.Boolean,
            )
            return pl.coalesce(by_map, canonical)
        if kind == DATE:
            if native == pl.Date:
                return pl.col(source)
            if isinstance(native, pl.Datetime):
                return pl.col(source).dt.date()
            return parse.parse_date(text, options.date_format)
        if kind == DATETIME:
            if isinstance(native, pl.Datetime) and native.time_zone is not None:
                return pl.col(source).dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            if isinstance(native, pl.Datetime) or native == pl.Date:
                naive = pl.col(source).cast(pl.Datetime("us"))
                return parse.localize(naive, self.timezone)
            return parse.parse_datetime(text, self.timezone, options.date_format)
        if kind == INT:
            if native.is_integer():
                return pl.col(source).cast(pl.Int64)
            return parse.parse_int(text)
        if kind == FLOAT:
            if native.is_numeric():
                return pl.col(source).cast(pl.Float64)
            return parse.parse_float(text, options.decimal_comma)
        if kind == LIST:
            if isinstance(native, pl.List):
                items = pl.col(source).cast(pl.List(pl.String))
                return pl.when(text.is_not_null()).then(
                    items.list.eval(
                        pl.element().str.strip_chars().filter(pl.element().str.len_chars() > 0)
                    )
                )
            return parse.split_list(text)
        # Strings: keys as written; policy-matched values trimmed; countries upper-cased.
        if column.name == "country":
            return self._mapped(column, text).str.to_uppercase()
        if column.trimmed or column.name in self.mapping.values:
            return parse.blank_to_null(self._mapped(column, text))
        return text

    def _absent(self, column: Column) -> pl.Expr:
        return pl.lit(None, column.dtype).alias(column.name)

    def _defaults(self, frame: pl.DataFrame) -> pl.DataFrame:
        name = self.spec.name
        if name == "subjects":
            frame = frame.with_columns(pl.col("protected").fill_null(False))
        elif name == "contracts":
            frame = frame.with_columns(
                pl.col("accounting_record").fill_null(pl.col("kind").is_in(ACCOUNTING_KINDS))
            )
        elif name == "disclosures":
            frame = frame.with_columns(pl.col("safeguard").fill_null("none"))
        return frame

    def _raise_first_problem(self, result: pl.DataFrame, by_target: dict[str, str]) -> None:
        for column in self.spec.columns:
            for prefix in ("__null__", "__bad__"):
                flag = f"{prefix}{column.name}"
                if flag not in result.columns or not result[flag].any():
                    continue
                source = by_target[column.name]
                bad = self.numbered.filter(result[flag])
                row = int(bad[ROW][0])
                count = bad.height
                if prefix == "__null__":
                    raise LoadError(
                        f"empty value in required column ({count} row(s))",
                        file=self.file,
                        table=self.spec.name,
                        column=source,
                        row=row,
                        expected=f"a {column.name} in every row",
                        hint=f"every {self.spec.name} row needs a {column.name}: fill it in the "
                        "export, or map another column to it",
                    )
                value = str(bad[source][0])
                raise self._bad_value(column, source, row, value, count)

    def _bad_value(
        self, column: Column, source: str, row: int, value: str, count: int
    ) -> LoadError:
        where = {"file": self.file, "table": self.spec.name, "column": source, "row": row}
        name, table = column.name, self.spec.name
        message = f"{count} bad value(s), the first"
        if column.kind in (ENUM, BOOLEAN):
            allowed = column.values if column.kind == ENUM else ("true", "false")
            return LoadError(
                f"unknown value, {message}",
                value=value,
                expected="one of " + ", ".join(allowed),
                hint=f'add `"{value.strip()}" = ...` under [tables.{table}.values.{name}] in the '
                "mapping",
                **where,
            )
        expected = {
            DATE: "a date (yyyy-mm-dd, dd.mm.yyyy or d.m.yyyy) that exists",
            DATETIME: "a date and time (yyyy-mm-ddThh:mm[:ss] or dd.mm.yyyy hh:mm[:ss]) that "
            "exists",
            INT: "a whole number",
            FLOAT: "a number (decimal comma or point)",
        }.get(column.kind, column.kind)
        hint = None
        if column.kind in (DATE, DATETIME):
            hint = "set date_format in the mapping's [source] if the export uses another format"
        return LoadError(
            f"unparsable value, {message}", value=value, expected=expected, hint=hint, **where
        )
