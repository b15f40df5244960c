from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from auditkit.rules.geography import (
    ADEQUACY_VERSION,
    EEA,
    AdequacyEntry,
    adequate_dpf,
    adequate_whole_country,
    in_eea,
    lawful_transfer,
    load_adequacy,
    merge_adequacy,
    normalise_country,
)

SHIPPED = load_adequacy()


def _transfers(rows: list[tuple[str | None, str | None, date]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={"country": pl.String, "safeguard": pl.String, "on": pl.Date},
        orient="row",
    )


def _lawful(
    rows: list[tuple[str | None, str | None, date]], entries: list[AdequacyEntry] = SHIPPED
) -> list[bool]:
    expr = lawful_transfer(pl.col("country"), pl.col("safeguard"), pl.col("on"), entries)
    return _transfers(rows).select(expr.alias("ok")).collect(engine="streaming")["ok"].to_list()


def test_eea_has_the_27_eu_states_their_territories_and_efta_three() -> None:
    assert len(EEA) == 27 + 7 + 3
    assert {"FI", "SE", "GR", "AX", "RE", "MF", "IS", "LI", "NO"} <= EEA
    assert not {"EL", "GB", "UK", "CH", "US"} & EEA


def test_normalise_country() -> None:
    values = [" fi ", "el", "UK", "", "   ", None, "us"]
    out = pl.select(normalise_country(pl.Series("c", values, dtype=pl.String)))["c"].to_list()
    assert out == ["FI", "GR", "GB", None, None, None, "US"]


def test_in_eea_on_normalised_codes() -> None:
    values = ["EL", "se", "GB", None, "XX", "NO"]
    series = pl.Series("c", values, dtype=pl.String)
    assert pl.select(in_eea(normalise_country(series)))["c"].to_list() == [
        True,
        True,
        False,
        False,
        False,
        True,
    ]


def test_shipped_table_has_one_entry_per_decision() -> None:
    by_country = {entry.country: entry for entry in SHIPPED}
    assert len(by_country) == len(SHIPPED) == 16
    assert by_country["CA"].scope == "commercial"
    assert by_country["US"].scope == "dpf"
    assert by_country["US"].valid_from == date(2023, 7, 10)
    assert by_country["GB"].valid_to == date(2031, 12, 27)
    assert by_country["JP"].valid_from == date(2019, 1, 23)
    assert by_country["BR"].valid_from == date(2026, 1, 26)
    assert all(entry.scope in {"", "dpf", "commercial"} for entry in SHIPPED)


def test_adequacy_version_is_a_date_not_before_any_decision() -> None:
    version = date.fromisoformat(ADEQUACY_VERSION)
    assert all(entry.valid_from <= version for entry in SHIPPED)


def test_entry_rejects_an_unknown_scope_and_reversed_dates() -> None:
    with pytest.raises(ValueError, match="scope"):
        AdequacyEntry("US", date(2020, 1, 1), scope="privacy-shield")
    with pytest.raises(ValueError, match="before"):
        AdequacyEntry("US", date(2020, 1, 1), valid_to=date(2019, 1, 1))
    with pytest.raises(ValueError, match="two-letter"):
        AdequacyEntry("USA", date(2020, 1, 1))


def test_entry_normalises_its_country() -> None:
    assert AdequacyEntry(" uk", date(2020, 1, 1)).country == "GB"


def test_merge_replaces_every_shipped_entry_of_a_named_country() -> None:
    extra = [AdequacyEntry("US", date(2020, 1, 1))]
    merged = merge_adequacy(SHIPPED, extra)
    assert [e for e in merged if e.country == "US"] == extra
    assert len(merged) == len(SHIPPED)
    assert {e.country for e in merged} == {e.country for e in SHIPPED}


@pytest.mark.parametrize(
    ("country", "safeguard", "on", "lawful"),
    [
        ("US", "dpf", date(2023, 7, 9), False),
        ("US", "dpf", date(2023, 7, 10), True),
        ("US", "adequacy", date(2023, 7, 10), False),
        ("US", "adequacy", date(2030, 1, 1), False),
        ("US", "none", date(2030, 1, 1), False),
        ("US", None, date(2030, 1, 1), False),
        ("JP", "adequacy", date(2019, 1, 22), False),
        ("JP", "adequacy", date(2019, 1, 23), True),
        ("JP", "dpf", date(2019, 1, 23), True),  # a whole-country decision covers dpf too
        ("GB", "none", date(2021, 6, 27), False),
        ("GB", "none", date(2021, 6, 28), True),
        ("GB", "none", date(2031, 12, 27), True),
        ("GB", "none", date(2031, 12, 28), False),
        ("UK", "adequacy", date(2025, 1, 1), True),
        ("CA", None, date(2010, 1, 1), True),  # commercial: treated as the whole country
        ("CN", "scc", date(2024, 1, 1), True),  # taken as claimed
        ("CN", "bcr", date(2024, 1, 1), True),
        ("CN", "derogation", date(2024, 1, 1), True),
        ("CN", "none", date(2024, 1, 1), False),
        ("CN", "dpf", date(2024, 1, 1), False),
        (None, "none", date(2024, 1, 1), False),
        (None, "scc", date(2024, 1, 1), True),
        ("", None, date(2024, 1, 1), False),
        ("SE", "none", date(2024, 1, 1), True),
        ("SE", "dpf", date(2024, 1, 1), True),  # inside the EEA, whatever the safeguard
        ("EL", None, date(2024, 1, 1), True),
        (" no ", "adequacy", date(2024, 1, 1), True),
        ("BR", "adequacy", date(2026, 1, 25), False),
        ("BR", "adequacy", date(2026, 1, 26), True),
    ],
)
def test_lawful_transfer(
    country: str | None, safeguard: str | None, on: date, lawful: bool
) -> None:
    assert _lawful([(country, safeguard, on)]) == [lawful]


def test_lawful_transfer_with_a_null_date_outside_the_eea_is_not_lawful() -> None:
    assert _lawful([("JP", "adequacy", None), ("FI", None, None)]) == [False, True]  # type: ignore[list-item]


def test_policy_extra_entry_replaces_the_us_dpf_entry() -> None:
    entries = merge_adequacy(SHIPPED, [AdequacyEntry("US", date(2020, 1, 1))])
    rows = [
        ("US", "adequacy", date(2019, 12, 31)),
        ("US", "adequacy", date(2020, 1, 1)),
        ("US", "none", date(2021, 1, 1)),
        ("US", "dpf", date(2021, 1, 1)),  # whole-country entry covers dpf
    ]
    assert _lawful(rows, entries) == [False, True, True, True]


def test_policy_extra_dpf_entry_alone_leaves_adequacy_claims_unlawful() -> None:
    entries = merge_adequacy(SHIPPED, [AdequacyEntry("US", date(2025, 1, 1), scope="dpf")])
    rows = [("US", "dpf", date(2024, 12, 31)), ("US", "dpf", date(2025, 1, 1))]
    assert _lawful(rows, entries) == [False, True]


def test_adequacy_expressions_separate_whole_country_and_dpf() -> None:
    frame = _transfers(
        [
            ("US", None, date(2024, 1, 1)),
            ("JP", None, date(2024, 1, 1)),
            (None, None, date(2024, 1, 1)),
        ]
    )
    out = frame.select(
        whole=adequate_whole_country(pl.col("country"), pl.col("on"), SHIPPED),
        dpf=adequate_dpf(pl.col("country"), pl.col("on"), SHIPPED),
    ).collect()
    assert out["whole"].to_list() == [False, True, False]
    assert out["dpf"].to_list() == [True, False, False]


def test_no_entries_means_nothing_is_adequate() -> None:
    assert _lawful([("JP", "adequacy", date(2024, 1, 1)), ("FI", None, date(2024, 1, 1))], []) == [
        False,
        True,
    ]


def test_lawful_transfer_accepts_an_enum_safeguard() -> None:
    safeguards = pl.Enum(["none", "adequacy", "dpf", "scc", "bcr", "derogation"])
    frame = pl.LazyFrame(
        {"country": ["US", "US"], "safeguard": ["dpf", "adequacy"], "on": [date(2024, 1, 1)] * 2},
        schema={"country": pl.String, "safeguard": safeguards, "on": pl.Date},
    )
    expr = lawful_transfer(pl.col("country"), pl.col("safeguard"), pl.col("on"), SHIPPED)
    assert frame.select(expr).collect()["country"].to_list() == [True, False]


def test_lawful_transfer_on_a_normalised_column_agrees_with_the_raw_one() -> None:
    """DIS003 normalises the country once and passes the column (normalised=True)."""
    countries = [" us ", "uk", "EL", "jp", "CH", "", None, "FI", "br", "Us"]
    safeguards = ["dpf", "none", None, "adequacy", "scc", "none", "none", "none", "none", "dpf"]
    frame = pl.LazyFrame(
        {"country": countries, "safeguard": safeguards, "on": [date(2024, 1, 1)] * 10},
        schema={"country": pl.String, "safeguard": pl.String, "on": pl.Date},
    )
    raw = lawful_transfer(pl.col("country"), pl.col("safeguard"), pl.col("on"), SHIPPED)
    done = lawful_transfer(
        pl.col("code"), pl.col("safeguard"), pl.col("on"), SHIPPED, normalised=True
    )
    out = frame.with_columns(code=normalise_country(pl.col("country"))).select(raw=raw, done=done)
    result = out.collect()
    assert result["raw"].to_list() == result["done"].to_list()
    assert result["raw"].to_list() == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        False,
        True,
    ]
