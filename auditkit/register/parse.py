"""Polars expressions that turn source text into canonical types.

Each parser takes the raw column expression and returns the typed expression; a value that is not
null in the source but null after parsing is a load error (the loader checks this for every column).
"""

from __future__ import annotations

import polars as pl

from auditkit.register.schema import UTC_DATETIME

# ISO: 2026-02-11, 2026-02-11T14:10:46, 2026-02-11 14:10, with optional fraction and offset.
_ISO = (
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
# Finnish: 11.2.2026, 11.02.2026 14.10, 11.02.2026 klo 14:10:46.
_FI = (
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4})"
    r"(?:[ T]+(?:klo\s*)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?)?$"
)
_PART_NAMES = ("year", "month", "day", "hour", "minute", "second", "fraction", "offset")
# The times a custom `date_format` may be followed by.
_TIMES = ("", " %H:%M:%S", " %H:%M", " %H.%M.%S", " %H.%M")


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Empty or whitespace-only text is null (RULES.md "Matching text")."""
    return pl.when(expr.str.strip_chars().str.len_chars() > 0).then(expr)


def _parts(text: pl.Expr, finnish: bool = True) -> dict[str, pl.Expr]:
    iso = text.str.extract_groups(_ISO)
    if not finnish:
        return {name: iso.struct[i] for i, name in enumerate(_PART_NAMES)}
    fi = text.str.extract_groups(_FI)
    parts = {
        "year": pl.coalesce(iso.struct[0], fi.struct[2]),
        "month": pl.coalesce(iso.struct[1], fi.struct[1]),
        "day": pl.coalesce(iso.struct[2], fi.struct[0]),
        "hour": pl.coalesce(iso.struct[3], fi.struct[3]),
        "minute": pl.coalesce(iso.struct[4], fi.struct[4]),
        "second": pl.coalesce(iso.struct[5], fi.struct[5]),
        "fraction": pl.coalesce(iso.struct[6], fi.struct[6]),
        "offset": iso.struct[7],
    }
    return parts


def _custom(text: pl.Expr, date_format: str) -> pl.Expr:
    """A naive Datetime in the mapping's `date_format`, optionally followed by a time."""
    return pl.coalesce(
        text.str.to_datetime(date_format + time, strict=False, time_unit="us") for time in _TIMES
    )


def _naive(parts: dict[str, pl.Expr]) -> pl.Expr:
    """A naive Datetime from the parts; an impossible date (31.02.2023) becomes null."""
    text = pl.concat_str(
        parts["year"],
        pl.lit("-"),
        parts["month"].str.zfill(2),
        pl.lit("-"),
        parts["day"].str.zfill(2),
        pl.lit(" "),
        parts["hour"].fill_null("0").str.zfill(2),
        pl.lit(":"),
        parts["minute"].fill_null("00"),
        pl.lit(":"),
        parts["second"].fill_null("00"),
        pl.lit("."),
        parts["fraction"].fill_null("0").str.slice(0, 6).str.pad_end(6, "0"),
    )
    return text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)


def parse_date(text: pl.Expr, date_format: str = "auto", shape: str | None = None) -> pl.Expr:
    """A Date from ISO or Finnish text, or the mapping's `date_format` (a time part is dropped)."""
    return naive_datetime(text, date_format, shape)[0].dt.date()


def localize(naive: pl.Expr, timezone: str) -> pl.Expr:
    """Naive local wall time → UTC instant, as RULES.md "Local dates" says.

    NOTE: an ambiguous time (the autumn change) is the earlier instant; a time that does not exist
    (the spring gap) is read with the UTC offset in force just before the gap (03:30 → 04:30 summer
    time).
    """
    earliest = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    day_before = naive - pl.duration(days=1)
    offset_before = day_before - day_before.dt.replace_time_zone(
        timezone, ambiguous="earliest"
    ).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    gap = (naive - offset_before).dt.replace_time_zone("UTC")
    return (
        pl.when(naive.is_not_null() & earliest.is_null())
        .then(gap)
        .otherwise(earliest.dt.convert_time_zone("UTC"))
    )


def clock_change_kinds(naive: pl.Expr, timezone: str) -> tuple[pl.Expr, pl.Expr]:
    """Boolean expressions: the local time is ambiguous / does not exist."""
    earliest = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    latest = naive.dt.replace_time_zone(timezone, ambiguous="latest", non_existent="null")
    return (earliest != latest).fill_null(False), (naive.is_not_null() & earliest.is_null())


def parse_datetime(
    text: pl.Expr, timezone: str, date_format: str = "auto", shape: str | None = None
) -> pl.Expr:
    """A UTC Datetime from ISO or Finnish text; naive values are local time in `timezone`."""
    naive, offset_minutes = naive_datetime(text, date_format, shape)
    return to_instant(naive, offset_minutes, timezone, shape)


def to_instant(
    naive: pl.Expr, offset_minutes: pl.Expr, timezone: str, shape: str | None = None
) -> pl.Expr:
    """The UTC instant of a naive wall time and its UTC offset (null: local time in `timezone`).

    With a fast `shape`, whose offset is the same for every value, only that branch is built.
    """
    if shape is not None:
        fixed = FAST_SHAPES[shape][2]
        if fixed is None:
            return localize(naive, timezone)
        return (naive - pl.duration(minutes=fixed)).dt.replace_time_zone("UTC")
    aware = (naive - pl.duration(minutes=offset_minutes)).dt.replace_time_zone("UTC")
    return pl.when(offset_minutes.is_null()).then(localize(naive, timezone)).otherwise(aware)


# The shapes exports use, read directly (far faster than the general grammar below): an anchored
# shape, the format that reads it, and its UTC offset in minutes (None: naive local time). A value
# of one of these shapes reads exactly as the general grammar reads it; the loader uses a shape
# only when every value of the column has it (else it reads the column again the general way).
_SECOND = r"[0-5]\d"
FAST_SHAPES: dict[str, tuple[str, str, int | None]] = {
    "iso-date": (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", None),
    "iso-utc": (rf"^\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:{_SECOND}Z$", "%Y-%m-%dT%H:%M:%SZ", 0),
    "iso-t": (rf"^\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:{_SECOND}$", "%Y-%m-%dT%H:%M:%S", None),
    "iso-space": (
        rf"^\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:{_SECOND}$",
        "%Y-%m-%d %H:%M:%S",
        None,
    ),
    "iso-minutes": (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", "%Y-%m-%d %H:%M", None),
    "fi-date": (r"^\d{2}\.\d{2}\.\d{4}$", "%d.%m.%Y", None),
    "fi-minutes": (r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$", "%d.%m.%Y %H:%M", None),
    "fi-seconds": (
        rf"^\d{{2}}\.\d{{2}}\.\d{{4}} \d{{2}}:\d{{2}}:{_SECOND}$",
        "%d.%m.%Y %H:%M:%S",
        None,
    ),
    "fi-dots": (
        rf"^\d{{2}}\.\d{{2}}\.\d{{4}} \d{{2}}\.\d{{2}}\.{_SECOND}$",
        "%d.%m.%Y %H.%M.%S",
        None,
    ),
    "fi-dot-minutes": (r"^\d{2}\.\d{2}\.\d{4} \d{2}\.\d{2}$", "%d.%m.%Y %H.%M", None),
}


def fast_shape(sample: str | None, date_format: str = "auto") -> str | None:
    """The fast shape a (stripped) sample value has, if any; none with a custom date_format."""
    import re

    if sample is None or date_format != "auto":
        return None
    value = sample.strip()
    for name, (pattern, _, _) in FAST_SHAPES.items():
        if re.fullmatch(pattern.replace("\\d", "[0-9]"), value):
            return name
    return None


def _fast(text: pl.Expr, shape: str) -> tuple[pl.Expr, pl.Expr]:
    pattern, fmt, offset = FAST_SHAPES[shape]
    naive = (
        pl.when(text.str.contains(pattern))
        .then(text.str.to_datetime(fmt, strict=False, time_unit="us"))
        .otherwise(pl.lit(None, pl.Datetime("us")))
    )
    minutes = pl.lit(offset, pl.Int64) if offset is not None else pl.lit(None, pl.Int64)
    return naive, pl.when(naive.is_not_null()).then(minutes)


def naive_datetime(
    text: pl.Expr, date_format: str = "auto", shape: str | None = None
) -> tuple[pl.Expr, pl.Expr]:
    """The naive wall time and the explicit UTC offset in minutes (null when the text has none).

    With a `date_format` other than "auto", values in that format (optionally followed by a time)
    are read first; ISO values (unambiguous) are still accepted. With a `shape` (FAST_SHAPES), only
    values of that shape are read (others are null): the loader's fast path.
    """
    text = text.str.strip_chars()
    if shape is not None:
        return _fast(text, shape)
    parts = _parts(text, finnish=date_format == "auto")
    offset = parts["offset"]
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    digits = offset.str.replace_all(r"[^0-9]", "")
    minutes = (
        pl.when(offset == "Z")
        .then(0)
        .when(offset.is_not_null())
        .then(
            sign
            * (
                digits.str.slice(0, 2).cast(pl.Int64) * 60
                + digits.str.slice(2, 2).str.pad_end(2, "0").cast(pl.Int64)
            )
        )
    )
    if date_format == "auto":
        return _naive(parts), minutes
    custom = _custom(text, date_format)
    return pl.coalesce(custom, _naive(parts)), pl.when(custom.is_null()).then(minutes)


def parse_float(text: pl.Expr, decimal_comma: bool | str) -> pl.Expr:
    """A number from text; with a decimal comma, `.` and spaces are thousands separators."""
    text = text.str.strip_chars().str.replace_all(r"[\s\u00a0\u202f]", "")
    comma = text.str.replace_all(r"\.", "").str.replace(",", ".", literal=True)
    if decimal_comma is True:
        cleaned = comma
    elif decimal_comma is False:
        cleaned = text.str.replace_all(",", "", literal=True)
    else:
        cleaned = pl.when(text.str.contains(",", literal=True)).then(comma).otherwise(text)
    return cleaned.cast(pl.Float64, strict=False)


def parse_int(text: pl.Expr) -> pl.Expr:
    number = parse_float(text, "auto")
    return pl.when(number == number.floor()).then(number.cast(pl.Int64, strict=False))


_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def parse_bool(text: pl.Expr) -> pl.Expr:
    lowered = text.str.strip_chars().str.to_lowercase()
    return pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False)


def split_list(text: pl.Expr) -> pl.Expr:
    """`a; b,c` → ["a", "b", "c"]: split on `;` and `,`, trimmed, empty parts dropped."""
    return (
        text.str.replace_all(",", ";", literal=True)
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.len_chars() > 0))
    )


__all__ = [
    "UTC_DATETIME",
    "blank_to_null",
    "clock_change_kinds",
    "fast_shape",
    "localize",
    "naive_datetime",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_float",
    "parse_int",
    "split_list",
    "to_instant",
]
