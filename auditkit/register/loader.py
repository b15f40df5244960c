"""Read a folder of exports into a `Register` of typed LazyFrames in the canonical model.

One validating pass per source file: read, rename by the mapping, type every canonical column, and
stop at the first bad value with an error naming file, table, column, row, value and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from auditkit.errors import LoadError, MappingError
from auditkit.progress import ProgressCallback, report
from auditkit.register import cache as register_cache
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
    PARQUET_SUFFIXES,
    SUFFIXES,
    Digest,
    RawTable,
    SourceFile,
    digest,
    parquet_rows,
    read_parquet_slice,
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
    STRING,
    TABLES,
    Column,
    Table,
)

DEFAULT_TIMEZONE = "Europe/Helsinki"
# A Parquet file with more rows is validated a slice at a time (row groups), so loading a table
# of any size needs memory for one slice only.
SLICE_ROWS = 4_000_000
CACHE_COMPRESSION = "lz4"  # the cache is local: fast to write and read matters more than size


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
    *,
    cache: str | Path | bool | None = None,
    progress: ProgressCallback | None = None,
) -> Register:
    """Load every table found in `path` (a folder of exports), typed and validated.

    `cache`: where the typed copies go (cache.py): None ("auto": the user's cache folder for
    registers of 64 MiB or more, memory below), True (always the user's cache folder), False
    (memory only) or a folder. `progress` is called once per table loaded.
    """
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

    located = {
        name: found
        for name in TABLES
        if (found := _locate(root, name, mapping.tables.get(name))) is not None
    }
    folder = register_cache.resolve(
        cache, root, sum(file.stat().st_size for file, _ in located.values())
    )
    tables: dict[str, pl.LazyFrame] = {}
    absent: dict[str, frozenset[str]] = {}
    extras: dict[str, tuple[ExtraColumn, ...]] = {}
    sources: list[SourceFile] = []
    clock = {"ambiguous": 0, "nonexistent": 0}
    names: dict[str, dict[str, str]] = {}
    for done, (name, (file, sheet)) in enumerate(located.items()):
        report(progress, "load", done, len(located), name)
        loaded = _load_table(
            file, sheet, TABLES[name], mapping.tables.get(name), mapping.options(name), timezone,
            folder,
        )  # fmt: skip
        tables[name] = loaded.frame
        absent[name] = loaded.absent
        extras[name] = loaded.extras
        names[name] = {target: source for source, target in loaded.renames.items()}
        sources.append(loaded.source)
        for kind, count in loaded.clock.items():
            clock[kind] += count
    report(progress, "load", len(located), len(located))
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


@dataclass
class _Loaded:
    """One table loaded: its LazyFrame and the facts the Register keeps."""

    frame: pl.LazyFrame
    absent: frozenset[str]
    extras: tuple[ExtraColumn, ...]
    renames: dict[str, str]
    source: SourceFile
    clock: dict[str, int]

    def meta(self) -> dict[str, Any]:
        """The facts a cache entry keeps (the path is the caller's, not the entry's)."""
        source = {k: v for k, v in vars(self.source).items() if k != "path"}
        return {
            "absent": sorted(self.absent),
            "extras": [[e.name, e.category, e.has_value] for e in self.extras],
            "renames": self.renames,
            "source": source,
            "clock": self.clock,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any], table: str, file: Path, parquet: Path) -> _Loaded:
        extras = tuple(ExtraColumn(table, name, cat, has) for name, cat, has in meta["extras"])
        return cls(
            _scan(parquet),
            frozenset(meta["absent"]),
            extras,
            dict(meta["renames"]),
            SourceFile(path=str(file), **meta["source"]),
            dict(meta["clock"]),
        )


def _scan(parquet: Path) -> pl.LazyFrame:
    """A cached copy: one file, or a folder of parts read in name (row) order."""
    return pl.scan_parquet(parquet, hive_partitioning=False)


def _load_table(
    file: Path,
    sheet: str | None,
    spec: Table,
    mapping: TableMapping | None,
    options: SourceOptions,
    timezone: str,
    folder: Path | None,
) -> _Loaded:
    """Validate one source file into its typed table: in memory, or through the cache."""
    scanned = digest(file)
    entry = None
    if folder is not None:
        key_spec = {
            "table": spec.name,
            "suffix": file.suffix.lower(),
            "sheet": sheet,
            "mapping": mapping.model_dump() if mapping is not None else None,
            "options": options.model_dump(),
            "timezone": timezone,
        }
        entry = register_cache.entry(folder, scanned.sha256, key_spec)
        meta = entry.meta()
        if meta is not None:
            return _Loaded.from_meta(meta, spec.name, file, entry.parquet)
    sliced = file.suffix.lower() in PARQUET_SUFFIXES and parquet_rows(file, spec.name) > SLICE_ROWS
    if entry is None:
        if sliced:
            parts, loaded = _load_parquet_slices(file, spec, mapping, options, timezone, scanned)
            frame = pl.concat(parts, how="vertical").rechunk()
        else:
            raw = read_source(file, spec.name, options, sheet, scanned)
            loader = _TableLoader(raw, spec, mapping, options, timezone)
            frame, loaded = loader.load(), loader.loaded()
        # NOTE: one chunk per column: faster, and avoids a Polars 2.1 panic in pl.format over
        # filtered multi-chunk strings.
        loaded.frame = frame.rechunk().lazy()
        return loaded
    written = entry.temporary_folder() if sliced else entry.temporary()
    try:
        if sliced:
            _, loaded = _load_parquet_slices(
                file, spec, mapping, options, timezone, scanned, written
            )
        else:
            raw = read_source(file, spec.name, options, sheet, scanned)
            loader = _TableLoader(raw, spec, mapping, options, timezone)
            loader.load().write_parquet(written, compression=CACHE_COMPRESSION)
            loaded = loader.loaded()
        entry.commit(written, loaded.meta())
    finally:
        register_cache.remove(written)
    loaded.frame = _scan(entry.parquet)
    return loaded


def _load_parquet_slices(
    file: Path,
    spec: Table,
    mapping: TableMapping | None,
    options: SourceOptions,
    timezone: str,
    scanned: Digest,
    written: Path | None = None,
) -> tuple[list[pl.DataFrame], _Loaded]:
    """Validate a large Parquet file a slice at a time; each slice is typed exactly as the whole
    would be (every check is row by row). With `written` (a folder), each slice goes to its own
    Parquet part there and nothing is kept; otherwise they are returned.

    NOTE: parts written by Polars, not one file through pyarrow's ParquetWriter: at 10M messages
    the conversion to Arrow and pyarrow's single-threaded writer took 5.4 s, Polars' writer 2 s.
    """
    total = parquet_rows(file, spec.name)
    parts: list[pl.DataFrame] = []
    loaded: _Loaded | None = None
    rows = 0
    for offset in range(0, max(total, 1), SLICE_ROWS):
        raw = read_parquet_slice(file, spec.name, scanned, offset, SLICE_ROWS)
        loader = _TableLoader(raw, spec, mapping, options, timezone)
        result = loader.evaluate()
        problem = loader.problem(result)
        if problem is not None:
            # NOTE: the error counts the bad values of the whole file, as an unsliced load.
            for start in range(offset + SLICE_ROWS, total, SLICE_ROWS):
                rest = read_parquet_slice(file, spec.name, scanned, start, SLICE_ROWS)
                more = _TableLoader(rest, spec, mapping, options, timezone)
                problem = replace(problem, count=problem.count + more.count(problem.flag))
            raise loader.error(problem)
        frame = loader.finish(result)
        rows += frame.height
        part = loader.loaded()
        if loaded is None:
            loaded = part
        else:
            loaded.extras = tuple(
                replace(a, has_value=a.has_value or b.has_value)
                for a, b in zip(loaded.extras, part.extras, strict=True)
            )
            for kind, count in part.clock.items():
                loaded.clock[kind] += count
        if written is None:
            parts.append(frame)
            continue
        frame.write_parquet(
            written / f"part-{offset // SLICE_ROWS:05d}.parquet", compression=CACHE_COMPRESSION
        )
    assert loaded is not None
    loaded.source = replace(loaded.source, rows=rows)
    return parts, loaded


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


@dataclass(frozen=True)
class _Problem:
    """The first bad value of a table: its check flag, column, row and how many rows fail."""

    flag: str
    column: str
    row: int
    count: int


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
        self.numbered = numbered.filter(~self._blank()) if self._may_have_blank_rows() else numbered
        self.source = replace(raw.source, rows=self.numbered.height)
        self.absent = frozenset(c for c in spec.names if c not in self.renames.values())
        self.clock: dict[str, int] = {"ambiguous": 0, "nonexistent": 0}
        self.extras: tuple[ExtraColumn, ...] = ()
        self.shapes = self._fast_shapes()

    def _blank(self) -> pl.Expr:
        return pl.all_horizontal(~self._present(c) for c in self.source_names)

    def _may_have_blank_rows(self) -> bool:
        """False when a blank row cannot exist: some required column has a value in every row
        (checked on that one column, which is far cheaper than every column of every row)."""
        if not self.source_names:
            return False
        by_target = {target: source for source, target in self.renames.items()}
        for name in self.spec.required:
            source = by_target.get(name)
            if source is not None and not self.spec.column(name).nullable:
                return not bool(self.raw.frame.select(self._present(source).all()).item())
        return True

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

    def _fast_shapes(self) -> dict[str, str]:
        """Date and time columns whose first value has a fast shape (parse.FAST_SHAPES)."""
        shapes: dict[str, str] = {}
        by_target = {target: source for source, target in self.renames.items()}
        for column in self.spec.columns:
            source = by_target.get(column.name)
            if column.kind not in (DATE, DATETIME) or source is None:
                continue
            if self.raw.frame.schema[source] != pl.String:
                continue
            sample = self.numbered[source].drop_nulls().head(1).to_list()
            shape = parse.fast_shape(sample[0] if sample else None, self.options.date_format)
            if shape is not None:
                shapes[column.name] = shape
        return shapes

    def load(self) -> pl.DataFrame:
        """The typed table; a bad value raises a LoadError naming it."""
        result = self.evaluate()
        problem = self.problem(result)
        if problem is not None:
            raise self.error(problem)
        return self.finish(result)

    def loaded(self) -> _Loaded:
        """The facts of the table loaded (its frame is set by the caller)."""
        return _Loaded(
            pl.LazyFrame(), self.absent, self.extras, self.renames, self.source, dict(self.clock)
        )

    def _expressions(self) -> tuple[list[pl.Expr], list[pl.Expr]]:
        """The typed columns and the check flags (`__null__`, `__bad__`, clock changes); they
        read the parsed date and time columns of `_all_parsed`, which are computed first."""
        self._all_parsed: dict[str, pl.Expr] = {}
        by_target = {target: source for source, target in self.renames.items()}
        typed: list[pl.Expr] = [pl.col(ROW)]
        checks: list[pl.Expr] = []
        for column in self.spec.columns:
            source = by_target.get(column.name)
            if source is None:
                typed.append(self._absent(column))
                continue
            self._parsed = {}
            cell = self._cell(column, source)
            self._all_parsed.update(self._parsed)
            typed.append(cell["value"].alias(column.name))
            if "bad" in cell:
                checks.append(cell["bad"].alias(f"__bad__{column.name}"))
            if column.required and not column.nullable:
                checks.append((~cell["present"]).alias(f"__null__{column.name}"))
            if "ambiguous" in cell:
                checks.append(cell["ambiguous"].alias(f"__ambiguous__{column.name}"))
                checks.append(cell["gap"].alias(f"__nonexistent__{column.name}"))
        typed += [self._text(name).alias(name) for name in self._extras()]
        return typed, checks

    def _cell(self, column: Column, source: str) -> dict[str, pl.Expr]:
        """What the loader computes from one source cell: its typed `value`, whether it is
        `present`, whether it is `bad` (present but not typable) and, for local times, the clock
        flags. Each is a function of the cell alone, so a column with few distinct values is
        computed once per distinct value and looked up (the same results, far fewer parses)."""
        text = self._text(source)
        value = self._typed(column, text, source)
        present = self._present(source)
        clock: tuple[pl.Expr, pl.Expr] | None = None
        if column.kind in (DATE, DATETIME) and self.raw.frame.schema[source] == pl.String:
            # NOTE: the text is parsed once, into columns the value and the checks then read.
            shape = self.shapes.get(column.name)
            naive, offset = f"__naive__{column.name}", f"__offset__{column.name}"
            self._parsed[naive], self._parsed[offset] = parse.naive_datetime(
                text, self.options.date_format, shape
            )
            if column.kind == DATE:
                value = pl.col(naive).dt.date()
            else:
                value = parse.to_instant(pl.col(naive), pl.col(offset), self.timezone, shape)
                if shape is None or parse.FAST_SHAPES[shape][2] is None:
                    ambiguous, gap = parse.clock_change_kinds(pl.col(naive), self.timezone)
                    unmarked = pl.col(offset).is_null()
                    clock = (ambiguous & unmarked), (gap & unmarked)
        elif column.kind == DATETIME:
            clock = self._clock_checks(column, source, text)
        cell = {"value": value, "present": present}
        # NOTE: a text column with no mapping is never bad: a value present stays present.
        unmapped = column.kind == STRING and column.name not in self.mapping.values
        if not unmapped:
            cell["bad"] = present & value.is_null()
        if clock is not None:
            cell["ambiguous"], cell["gap"] = clock
        as_written = unmapped and not column.trimmed and column.name != "country"
        if self.raw.frame.schema[source] == pl.String and not as_written and column.kind != LIST:
            return self._dictionary(source, cell)
        return cell

    def _dictionary(self, source: str, cell: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """`cell` computed on the column's distinct values and looked up, when they are few."""
        distinct = self.numbered.select(pl.col(source).unique()).to_series().drop_nulls()
        if len(distinct) > max(1_000, self.numbered.height // 20):
            return cell
        table = (
            pl.DataFrame({source: distinct})
            .with_columns(**self._parsed)
            .select(**{name: expr for name, expr in cell.items()})
        )
        self._parsed = {}  # the distinct values were parsed; the lookups need no parsed columns
        looked_up = {}
        for name in cell:
            values = table[name]
            default = None if name == "value" else False  # a null cell: no value, no flag
            looked_up[name] = pl.col(source).replace_strict(
                distinct, values, default=default, return_dtype=values.dtype
            )
        return looked_up

    def _clock_checks(
        self, column: Column, source: str, text: pl.Expr
    ) -> tuple[pl.Expr, pl.Expr] | None:
        """Flags for local times that are ambiguous or do not exist (the clock changes)."""
        native = self.raw.frame.schema[source]
        if isinstance(native, pl.Datetime) and native.time_zone is not None:
            return None  # instants: no wall time, no clock change
        if isinstance(native, pl.Datetime) or native == pl.Date:
            naive, offset = pl.col(source).cast(pl.Datetime("us")), pl.lit(None, pl.Int64)
        else:
            naive, offset = parse.naive_datetime(
                text, self.options.date_format, self.shapes.get(column.name)
            )
        ambiguous, gap = parse.clock_change_kinds(naive, self.timezone)
        return (ambiguous & offset.is_null()), (gap & offset.is_null())

    def evaluate(self) -> pl.DataFrame:
        """Every typed column and check flag; a fast shape that misses a value (a value of
        another shape, or a bad one) is dropped and the table read the general way."""
        typed, checks = self._expressions()
        try:
            result = self.numbered.lazy().with_columns(**self._all_parsed).select(*typed, *checks)
            result = result.collect()
        except pl.exceptions.PolarsError as exc:  # a bug, or a source Polars cannot type
            raise LoadError(
                f"cannot read the table: {str(exc).splitlines()[0]}",
                file=self.file,
                table=self.spec.name,
            ) from exc
        if any(result[f"__bad__{c}"].any() for c in self.shapes if f"__bad__{c}" in result.columns):
            self.shapes = {}
            return self.evaluate()
        return result

    def finish(self, result: pl.DataFrame) -> pl.DataFrame:
        """The typed table from a result without problems: flags counted and dropped."""
        flags = [c for c in result.columns if c.startswith("__")]
        for kind in ("ambiguous", "nonexistent"):
            self.clock[kind] = sum(
                int(result[c].sum()) for c in flags if c.startswith(f"__{kind}__")
            )
        result = result.drop(flags)
        extras = self._extras()
        self.extras = tuple(
            ExtraColumn(self.spec.name, name, category, bool(result[name].is_not_null().any()))
            for name, category in extras.items()
        )
        return self._defaults(result)

    def count(self, flag: str) -> int:
        """How many rows raise one check flag."""
        _, checks = self._expressions()
        chosen = [c for c in checks if c.meta.output_name() == flag]
        if not chosen:
            return 0
        parsed = self.numbered.with_columns(**self._all_parsed)
        return int(parsed.select(chosen[0].sum()).item() or 0)

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

    def _present(self, source: str) -> pl.Expr:
        """Whether the source cell holds a value (`_text` is not null), without building text
        for typed cells: a number, date or boolean is present when it is not null."""
        dtype = self.raw.frame.schema[source]
        if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Boolean, pl.Null):
            return pl.col(source).is_not_null()
        return self._text(source).is_not_null()

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
            return parse.parse_date(text, options.date_format, self.shapes.get(column.name))
        if kind == DATETIME:
            if isinstance(native, pl.Datetime) and native.time_zone is not None:
                return pl.col(source).dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            if isinstance(native, pl.Datetime) or native == pl.Date:
                naive = pl.col(source).cast(pl.Datetime("us"))
                return parse.localize(naive, self.timezone)
            return parse.parse_datetime(
                text, self.timezone, options.date_format, self.shapes.get(column.name)
            )
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

    def problem(self, result: pl.DataFrame) -> _Problem | None:
        """The first problem in column order: an empty required value, then a bad value."""
        for column in self.spec.columns:
            for prefix in ("__null__", "__bad__"):
                flag = f"{prefix}{column.name}"
                if flag not in result.columns or not result[flag].any():
                    continue
                bad = self.numbered.filter(result[flag])
                return _Problem(flag, column.name, int(bad[ROW][0]), bad.height)
        return None

    def error(self, problem: _Problem) -> LoadError:
        by_target = {target: source for source, target in self.renames.items()}
        column = self.spec.column(problem.column)
        source = by_target[column.name]
        if problem.flag.startswith("__null__"):
            return LoadError(
                f"empty value in required column ({problem.count} row(s))",
                file=self.file,
                table=self.spec.name,
                column=source,
                row=problem.row,
                expected=f"a {column.name} in every row",
                hint=f"every {self.spec.name} row needs a {column.name}: fill it in the "
                "export, or map another column to it",
            )
        first = self.numbered.filter(pl.col(ROW) == problem.row)
        value = str(first[source][0])
        return self._bad_value(column, source, problem.row, value, problem.count)

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
