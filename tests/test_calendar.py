from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl
import pytest

from auditkit.rules.calendar import (
    HOLIDAYS_VERSION,
    add_months,
    finnish_holidays,
    month_deadline,
    next_working_day,
)

HOLIDAYS = finnish_holidays(2014, 2031)


def _apply(expr_of: Callable[[pl.Expr], pl.Expr], days: list[date | None]) -> list[date | None]:
    frame = pl.LazyFrame({"d": days}, schema={"d": pl.Date})
    return frame.select(expr_of(pl.col("d"))).collect(engine="streaming")["d"].to_list()


def test_holidays_include_midsummer_eve_and_christmas_eve() -> None:
    days = set(finnish_holidays(2026, 2026))
    assert date(2026, 6, 19) in days
    assert date(2026, 12, 24) in days


def test_holidays_cover_the_years_asked_for_and_no_others() -> None:
    days = finnish_holidays(2025, 2026)
    assert {d.year for d in days} == {2025, 2026}
    assert days == sorted(days)
    assert date(2025, 4, 18) in days  # Good Friday
    assert date(2025, 4, 21) in days  # Easter Monday


def test_holidays_version_is_recorded() -> None:
    assert HOLIDAYS_VERSION and HOLIDAYS_VERSION[0].isdigit()


def test_holidays_reject_an_empty_range() -> None:
    with pytest.raises(ValueError):
        finnish_holidays(2027, 2026)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 3, 31), 1, date(2023, 4, 30)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_last_day(start: date, months: int, expected: date) -> None:
    assert _apply(lambda e: add_months(e, months), [start]) == [expected]


def test_add_months_three_is_one_step_not_three() -> None:
    # Three one-month steps would give 31 Jan → 28 Feb → 28 Mar → 28 Apr.
    assert _apply(lambda e: add_months(e, 3), [date(2023, 1, 31)]) == [date(2023, 4, 30)]


def _python_next_working_day(day: date, holidays: set[date]) -> date:
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def test_next_working_day_matches_a_plain_python_oracle_2015_2030() -> None:
    first, last = date(2015, 1, 1), date(2030, 12, 31)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    holiday_set = set(HOLIDAYS)
    expected = [_python_next_working_day(d, holiday_set) for d in days]
    assert _apply(lambda e: next_working_day(e, HOLIDAYS), days) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 8), date(2026, 6, 8)),  # Monday, a working day
        (date(2026, 6, 6), date(2026, 6, 8)),  # Saturday
        (date(2026, 6, 7), date(2026, 6, 8)),  # Sunday
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday → Tuesday after Easter Monday
        (date(2026, 6, 19), date(2026, 6, 22)),  # Midsummer Eve
        (date(2025, 12, 24), date(2025, 12, 29)),  # Christmas Eve
    ],
)
def test_next_working_day_rolls_forward(day: date, expected: date) -> None:
    assert _apply(lambda e: next_working_day(e, HOLIDAYS), [day]) == [expected]


def test_next_working_day_keeps_null() -> None:
    assert _apply(lambda e: next_working_day(e, HOLIDAYS), [None]) == [None]


@pytest.mark.parametrize(
    ("received", "months", "deadline"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),  # Tuesday, clamped
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # Friday, clamped
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year, Thursday
        (date(2026, 5, 6), 1, date(2026, 6, 8)),  # 6 June is a Saturday
        (date(2025, 11, 24), 1, date(2025, 12, 29)),  # Christmas Eve, 25-26 holidays, weekend
        (date(2026, 5, 19), 1, date(2026, 6, 22)),  # Midsummer Eve, Midsummer Day, Sunday
        (date(2023, 11, 30), 3, date(2024, 2, 29)),  # three months as one step
        (date(2026, 3, 3), 1, date(2026, 4, 7)),  # Good Friday → after Easter Monday
    ],
)
def test_month_deadline(received: date, months: int, deadline: date) -> None:
    assert _apply(lambda e: month_deadline(e, months, HOLIDAYS), [received]) == [deadline]


def test_month_deadline_is_lazy_and_streams_with_other_columns() -> None:
    frame = pl.LazyFrame(
        {"received": [date(2026, 5, 6), None], "id": ["a", "b"]},
        schema={"received": pl.Date, "id": pl.String},
    )
    out = frame.with_columns(due=month_deadline(pl.col("received"), 1, HOLIDAYS)).collect(
        engine="streaming"
    )
    assert out["due"].to_list() == [date(2026, 6, 8), None]
    assert out.schema["due"] == pl.Date
