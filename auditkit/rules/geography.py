"""Where data may go: the EEA, EU adequacy decisions and lawful transfers (GDPR 44-49).

The adequacy decisions ship as `auditkit/data/adequacy.csv`, one row per decision, every row
carrying the table's version (`table_version`). A policy's `transfers.extra_adequate` entries
replace every shipped entry of their country (`merge_adequacy`). The expressions here are OR-ed
comparisons over that small list: no joins.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import reduce
from importlib.resources import files

import polars as pl

EEA: frozenset[str] = frozenset(
    {
        # The 27 EU member states (Greece as GR).
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        # Territories inside the EU that carry their own codes.
        "AX", "GF", "GP", "MQ", "RE", "YT", "MF",
        # The EFTA states of the EEA.
        "IS", "LI", "NO",
    }
)  # fmt: skip

COUNTRY_ALIASES: dict[str, str] = {"EL": "GR", "UK": "GB"}
"""Codes accepted for a country whose ISO 3166 code differs."""

SCOPES: frozenset[str] = frozenset({"", "dpf", "commercial"})
WHOLE_COUNTRY_SCOPES: frozenset[str] = frozenset({"", "commercial"})
CLAIMED_SAFEGUARDS: tuple[str, ...] = ("scc", "bcr", "derogation")
"""Safeguards taken as claimed (named in the evidence, never a DIS003 finding)."""

_DATA_FILE = "adequacy.csv"


def normalise_country_code(code: str | None) -> str | None:
    """The Python twin of `normalise_country`, for policy values and entries."""
    if code is None or not code.strip():
        return None
    code = code.strip().upper()
    return COUNTRY_ALIASES.get(code, code)


def normalise_country(expr: pl.Expr) -> pl.Expr:
    """Trimmed, upper-cased country code; empty → null; `EL` → `GR`, `UK` → `GB`."""
    code = expr.str.strip_chars().str.to_uppercase()
    return pl.when(code != "").then(code.replace(COUNTRY_ALIASES))


def in_eea(expr: pl.Expr) -> pl.Expr:
    """Whether a normalised country code is in the EEA (null or unknown → False)."""
    return expr.is_in(sorted(EEA)).fill_null(False)


@dataclass(frozen=True)
class AdequacyEntry:
    """One adequacy decision: in force from `valid_from` to `valid_to`, both inclusive."""

    country: str
    valid_from: date
    valid_to: date | None = None
    scope: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        country = normalise_country_code(self.country)
        if country is None or len(country) != 2 or not country.isascii() or not country.isalpha():
            raise ValueError(f"adequacy entry: country {self.country!r} is not a two-letter code")
        # NOTE: a frozen dataclass stores the normalised code through object.__setattr__.
        object.__setattr__(self, "country", country)
        if self.scope not in SCOPES:
            raise ValueError(
                f"adequacy entry for {country}: scope {self.scope!r} is not one of "
                f"{', '.join(repr(s) for s in sorted(SCOPES))}"
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"adequacy entry for {country}: valid_to is before valid_from")


def _parse_adequacy(text: str) -> tuple[str, list[AdequacyEntry]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    versions = {row["table_version"] for row in rows}
    if len(versions) != 1:
        raise ValueError(f"{_DATA_FILE}: expected one table_version, found {sorted(versions)}")
    entries = [
        AdequacyEntry(
            country=row["country"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            scope=row["scope"],
            reference=row["reference"],
        )
        for row in rows
    ]
    return versions.pop(), entries


def _read_data_file() -> str:
    return files("auditkit").joinpath("data", _DATA_FILE).read_text(encoding="utf-8")


ADEQUACY_VERSION: str = _parse_adequacy(_read_data_file())[0]
"""The shipped adequacy table's version (the date of its latest change), for the run record."""


def load_adequacy() -> list[AdequacyEntry]:
    """The adequacy decisions shipped with the package."""
    return _parse_adequacy(_read_data_file())[1]


def merge_adequacy(
    shipped: Iterable[AdequacyEntry], extra: Iterable[AdequacyEntry]
) -> list[AdequacyEntry]:
    """Shipped entries, with every country that `extra` names replaced by its `extra` entries."""
    extra = list(extra)
    replaced = {entry.country for entry in extra}
    return [entry for entry in shipped if entry.country not in replaced] + extra


def _in_force(
    country: pl.Expr, on: pl.Expr, entries: Sequence[AdequacyEntry], scopes: frozenset[str]
) -> pl.Expr:
    conditions = []
    for entry in entries:  # the decisions, not rows: a few dozen at most
        if entry.scope not in scopes:
            continue
        condition = (country == entry.country) & (on >= entry.valid_from)
        if entry.valid_to is not None:
            condition &= on <= entry.valid_to
        conditions.append(condition)
    if not conditions:
        return pl.lit(False)
    # NOTE: a null country or date makes every comparison null: not adequate.
    return reduce(lambda a, b: a | b, conditions).fill_null(False)


def adequate_whole_country(
    country: pl.Expr, on: pl.Expr, entries: Sequence[AdequacyEntry]
) -> pl.Expr:
    """Whether a whole-country decision (scope "" or "commercial") is in force on the Date `on`."""
    return _in_force(normalise_country(country), on, entries, WHOLE_COUNTRY_SCOPES)


def adequate_dpf(country: pl.Expr, on: pl.Expr, entries: Sequence[AdequacyEntry]) -> pl.Expr:
    """Whether a `dpf`-scope decision (the EU-US Data Privacy Framework) is in force on `on`."""
    return _in_force(normalise_country(country), on, entries, frozenset({"dpf"}))


def lawful_transfer(
    country: pl.Expr,
    safeguard: pl.Expr,
    on: pl.Expr,
    entries: Sequence[AdequacyEntry],
    *,
    normalised: bool = False,
) -> pl.Expr:
    """Whether a disclosure has a lawful transfer mechanism on `on` (DIS003 negated).

    True inside the EEA whatever the safeguard; with `scc`, `bcr` or `derogation` (taken as
    claimed); with safeguard `none`, null or `adequacy` and a whole-country decision in force; with
    `dpf` and a `dpf`-scope or whole-country decision in force. Never null.

    `normalised`: `country` is already normalise_country's result. NOTE: pass a column computed
    once: the code is compared once per decision, and an expression is evaluated at every
    comparison (at 500k disclosures, 1.1 s instead of 0.1 s).
    """
    code = country if normalised else normalise_country(country)
    # NOTE: cast so an Enum or Categorical safeguard compares like a string.
    kind = safeguard.cast(pl.String)
    whole = _in_force(code, on, entries, WHOLE_COUNTRY_SCOPES)
    dpf = _in_force(code, on, entries, frozenset({"dpf"}))
    by_adequacy = (kind.is_null() | kind.is_in(["none", "adequacy"])).fill_null(False) & whole
    by_dpf = (kind == "dpf").fill_null(False) & (dpf | whole)
    claimed = kind.is_in(list(CLAIMED_SAFEGUARDS)).fill_null(False)
    return in_eea(code) | claimed | by_adequacy | by_dpf
