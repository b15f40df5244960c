"""The GDPR calendar month (Art. 12(3), counted as in Regulation 1182/71 art. 3).

A month later is the same day number in the target month, clamped to its last day; a result on
a Saturday, Sunday or Finnish holiday rolls forward to the next working day. The holidays come from
the maintained `holidays` library (Finland's list includes Midsummer Eve and Christmas Eve, on
which Finnish time limits also roll forward, Act 150/1930).
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import version

import polars as pl
from holidays import country_holidays

HOLIDAYS_VERSION: str = version("holidays")
"""The `holidays` library version, for the run record."""


def finnish_holidays(first_year: int, last_year: int) -> list[date]:
    """Finnish holidays of the years `first_year` to `last_year` (inclusive), sorted."""
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    days = country_holidays("FI", years=range(first_year, last_year + 1))
    return sorted(days.keys())


def add_months(expr: pl.Expr, months: int) -> pl.Expr:
    """The same day number `months` later, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    return expr.dt.offset_by(f"{months}mo")


def next_working_day(expr: pl.Expr, holidays: list[date]) -> pl.Expr:
    """The date itself on a working day (Mon-Fri, not a holiday), else the next working day.

    `holidays` must cover the years the dates fall in: a date past the list only skips weekends.
    """
    return expr.dt.add_business_days(0, holidays=holidays, roll="forward")


def month_deadline(expr: pl.Expr, months: int, holidays: list[date]) -> pl.Expr:
    """`months` calendar months after the Date `expr` as one step, rolled to a working day."""
    return next_working_day(add_months(expr, months), holidays)
