"""What a sampled column holds, judged from its values: identity codes, e-mails, dates, booleans...

Every test is a Polars expression over the sample, and the identifier checks are the rules' own
(`auditkit.rules.identifiers`), so `auditkit init` calls a column "identity codes" exactly when the
rules would accept its values as such.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache

import polars as pl

from auditkit.onboarding.countries import ALIASES, NAMES
from auditkit.onboarding.synonyms import FALSE_WORDS, TRUE_WORDS, fold
from auditkit.register import parse
from auditkit.rules.identifiers import HETU_SHAPE, YTUNNUS_SHAPE, hetu_valid, ytunnus_valid

# Values listed by `top` (for value mappings) only when a column has at most this many.
MAX_LISTED = 60
_FAR_FUTURE = date(9999, 12, 31)

_PATTERNS = {
    "email": r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
    "phone": r"^(\+|00|0)[0-9][0-9 ()-]{5,18}$",
    "vin": r"(?i)^[0-9A-Z]{17}$",
    "plate": r"^([A-ZÅÄÖ]{2,3}-[0-9]{1,3}|[A-Z]{3} ?[0-9]{2}[0-9A-Z])$",
    "integer": r"^[+-]?[0-9]+$",
    "number": r"^[+-]?([0-9]{1,3}([ .,\u00a0][0-9]{3})+|[0-9]+)([.,][0-9]+)?$",
    "postal_code": r"^[0-9]{5}$|^[0-9]{3} [0-9]{2}$",
    "language": r"^[a-z]{2}$",
    "id": r"^[A-Za-z]{0,5}[-_]?[0-9]{2,}$",
    "thousands_comma": r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$",
    "decimal_comma": r"^[+-]?[0-9]+,[0-9]+$",
    "time": r"[T ]+(klo\s*)?[0-9]{1,2}[:.][0-9]{2}",
}
_NUMERIC_DATE = r"^([0-9]{1,2})([/-])([0-9]{1,2})([/-])([0-9]{4})"


@dataclass(frozen=True)
class Profile:
    """One column of a sample, described by its content. Shares are of the non-empty values."""

    name: str
    rows: int
    values: int
    distinct: int
    native: str  # text | date | datetime | integer | number | boolean
    shares: dict[str, float] = field(default_factory=dict)
    # "%d/%m/%Y"-style format when the dates are numeric with / or -; "auto" for ISO / dd.mm.yyyy
    date_format: str | None = None
    date_order_sure: bool = True
    top: tuple[tuple[str, int], ...] = ()  # the distinct values and their counts, when few
    mean_length: float = 0.0

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)

    @property
    def empty(self) -> bool:
        return self.values == 0

    @property
    def unique(self) -> float:
        return self.distinct / self.values if self.values else 0.0

    @property
    def is_date(self) -> bool:
        return self.native in ("date", "datetime") or self.share("date") >= 0.9

    @property
    def is_boolean(self) -> bool:
        return self.native == "boolean" or (0 < self.distinct <= 3 and self.share("boolean") == 1.0)

    @property
    def is_free_text(self) -> bool:
        return self.native == "text" and (
            self.mean_length >= 40 or (self.mean_length >= 15 and self.share("spaces") >= 0.5)
        )

    def count(self, kind: str) -> int:
        return round(self.share(kind) * self.values)


@cache
def country_names() -> dict[str, str]:
    """Folded country name (Finnish, Swedish, English, everyday aliases) → ISO code."""
    names = {fold(name): code for code, triple in NAMES.items() for name in triple}
    names.update({fold(alias): code for alias, code in ALIASES.items()})
    return names


def text_of(frame: pl.DataFrame, name: str) -> pl.Series:
    """A column as trimmed text, blanks null (what the loader reads before typing it)."""
    series = frame[name]
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        return pl.select(pl.when(text != "").then(text)).to_series().alias(name)
    if series.dtype.is_float():
        whole = series.is_finite() & (series == series.floor())
        as_int = series.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.select(pl.when(whole).then(as_int).otherwise(series.cast(pl.String))).to_series()
    return series.cast(pl.String)


def profile(frame: pl.DataFrame, name: str) -> Profile:
    """Describe one column of a sample."""
    series = frame[name]
    native = _native(series)
    text = text_of(frame, name).drop_nulls()
    values = text.len()
    counts = text.value_counts(sort=True)
    distinct = counts.height
    top: tuple[tuple[str, int], ...] = ()
    if distinct <= MAX_LISTED:
        top = tuple((str(v), int(n)) for v, n in counts.iter_rows())
    base = {"name": name, "rows": series.len(), "values": values, "distinct": distinct}
    if values == 0 or native != "text":
        shares = {"integer": 1.0, "number": 1.0} if native == "integer" else {}
        if native == "number":
            shares = {"number": 1.0, "integer": _share(text, _PATTERNS["integer"])}
        if native in ("date", "datetime"):
            shares = {"date": 1.0, "time": 1.0 if _has_time(series) else 0.0}
        return Profile(
            **base, native=native, shares=shares, top=top, date_format="auto" if shares else None
        )
    frame_text = pl.DataFrame({"v": text})
    v = pl.col("v")
    exprs = {kind: v.str.contains(pattern) for kind, pattern in _PATTERNS.items()}
    exprs |= {
        "hetu_shape": v.str.contains(HETU_SHAPE),
        "hetu": hetu_valid(v, _FAR_FUTURE),
        "ytunnus_shape": v.str.contains(YTUNNUS_SHAPE),
        "ytunnus": ytunnus_valid(v),
        "spaces": v.str.contains(r"\S\s+\S"),
        "auto_date": parse.naive_datetime(v)[0].is_not_null(),
    }
    means = frame_text.select(
        *(e.cast(pl.Float64).mean().alias(k) for k, e in exprs.items()),
        v.str.len_chars().mean().alias("__length"),
    ).row(0, named=True)
    shares = {k: float(means[k] or 0.0) for k in exprs}
    mean_length = float(means.pop("__length") or 0.0)
    shares["boolean"] = _boolean_share(counts)
    shares["country"] = _country_share(counts)
    date_format, order_sure, numeric_share = _numeric_date(text)
    shares["date"] = shares["auto_date"] + numeric_share
    if shares["auto_date"] >= numeric_share:
        date_format, order_sure = ("auto", True) if shares["auto_date"] > 0 else (None, True)
    return Profile(
        **base,
        native="text",
        shares=shares,
        date_format=date_format,
        date_order_sure=order_sure,
        top=top,
        mean_length=mean_length,
    )


def _native(series: pl.Series) -> str:
    dtype = series.dtype
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        whole = series.drop_nulls()
        return "integer" if whole.len() and bool((whole == whole.floor()).all()) else "number"
    return "text"


def _has_time(series: pl.Series) -> bool:
    if not isinstance(series.dtype, pl.Datetime):
        return False
    values = series.drop_nulls()
    return bool(values.len()) and bool((values.dt.time() != time(0)).any())


def _share(text: pl.Series, pattern: str) -> float:
    return float(text.str.contains(pattern).mean() or 0.0) if text.len() else 0.0


def _boolean_share(counts: pl.DataFrame) -> float:
    if counts.height > 3:
        return 0.0
    words = {fold(w) for w in (*TRUE_WORDS, *FALSE_WORDS)}
    total = sum(n for _, n in counts.iter_rows())
    hits = sum(n for v, n in counts.iter_rows() if fold(str(v)) in words)
    return hits / total if total else 0.0


def _country_share(counts: pl.DataFrame) -> float:
    if counts.height > len(NAMES) + len(ALIASES):  # more distinct values than countries
        return 0.0
    names = country_names()
    total = sum(n for _, n in counts.iter_rows())
    hits = sum(n for v, n in counts.iter_rows() if country_code(str(v), names) is not None)
    return hits / total if total else 0.0


def country_code(value: str, names: dict[str, str] | None = None) -> str | None:
    """The ISO code a country value stands for: a code as written, or a known name."""
    stripped = value.strip()
    if stripped.upper() in NAMES and len(stripped) == 2:
        return stripped.upper()
    return (names or country_names()).get(fold(stripped))


def _numeric_date(text: pl.Series) -> tuple[str | None, bool, float]:
    """For dates written 03/04/2024 or 03-04-2024: the format, whether the order is certain, the
    share of such values. Day first when a first part is over 12, month first when a second is."""
    parts = text.str.extract_groups(_NUMERIC_DATE).struct.unnest().drop_nulls()
    if parts.height == 0:
        return None, True, 0.0
    first, second = parts[:, 0].cast(pl.Int64), parts[:, 2].cast(pl.Int64)
    separator = Counter(parts[:, 1].to_list()).most_common(1)[0][0]
    day_first = bool((first > 12).any()) and bool((second <= 12).all())
    month_first = bool((second > 12).any()) and bool((first <= 12).all())
    share = parts.height / text.len()
    if month_first:
        return f"%m{separator}%d{separator}%Y", True, share
    # NOTE: with every part ≤ 12 the order cannot be read from the data: day first is the
    # European default, and the mapping marks it as a guess.
    return f"%d{separator}%m{separator}%Y", day_first, share
