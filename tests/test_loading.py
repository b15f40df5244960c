"""Loading register exports into the canonical model (REGISTER_MODEL.md "Loading rules")."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from auditkit.register import ExtraColumn, SourceFile, load_register
from auditkit.register.schema import TABLES
from tests.helpers_register import (
    ASIAKKAAT_CSV,
    ASIAKKAAT_MAPPING,
    CONSENTS_HEADER,
    CONTRACTS_HEADER,
    DISCLOSURES_HEADER,
    SUBJECTS_CSV,
    SUBJECTS_HEADER,
    csv_text,
    digests,
    frame,
    load,
    values,
    write_register,
    write_text,
    write_xlsx,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def consents(tmp_path: Path, *recorded_at: str, timezone: str = "Europe/Helsinki"):
    """A register whose consents are one event per `recorded_at` text."""
    rows = "".join(f"E{i},S1,profiling,grant,{at}\n" for i, at in enumerate(recorded_at))
    folder = write_register(tmp_path / "register", consents=CONSENTS_HEADER + rows)
    return load_register(folder, timezone=timezone)


# --- CSV dialects and encodings ---------------------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_csv_separator_is_sniffed(tmp_path: Path, separator: str) -> None:
    text = SUBJECTS_CSV.replace(",", separator)
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "subject_id") == ["S1", "S2"]
    assert register.sources[0].separator == separator


def test_separator_inside_quotes_does_not_fool_the_sniffer(tmp_path: Path) -> None:
    text = 'subject_id;subject_type;created_at;"street_address, with comma"\n'
    text += "S1;person;2020-01-02;Katu 1, A 2\n"
    register = load(write_register(tmp_path, subjects=text))
    assert register.sources[0].separator == ";"
    assert [c.name for c in register.unclassified()] == ["street_address, with comma"]


def test_utf8_file_is_read_as_utf8(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",city\n") + "S1,person,2020-01-02,Jyväskylä\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "city") == ["Jyväskylä"]
    assert register.sources[0].encoding == "utf-8"


def test_utf8_bom_is_detected_and_stripped_from_the_first_header(tmp_path: Path) -> None:
    text = "\ufeff" + SUBJECTS_HEADER.replace("\n", ",city\n") + "S1,person,2020-01-02,Jyväskylä\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "subject_id") == ["S1"]
    assert values(register, "subjects", "city") == ["Jyväskylä"]
    assert register.sources[0].encoding == "utf-8-sig"


def test_windows_1252_file_is_detected_and_decoded(tmp_path: Path) -> None:
    text = "subject_id;subject_type;created_at;last_name;city\n"
    text += "S1;person;2.1.2020;Jääskeläinen;Öja €\n"
    folder = tmp_path / "register"
    write_text(folder / "subjects.csv", text, encoding="cp1252")
    register = load(folder)
    assert values(register, "subjects", "last_name") == ["Jääskeläinen"]
    assert values(register, "subjects", "city") == ["Öja €"]
    assert register.sources[0].encoding == "cp1252"


def test_crlf_line_endings_are_read(tmp_path: Path) -> None:
    register = load(write_register(tmp_path, subjects=SUBJECTS_CSV.replace("\n", "\r\n")))
    assert values(register, "subjects", "subject_type") == ["person", "organisation"]


def test_blank_lines_and_empty_separator_lines_are_not_records(tmp_path: Path) -> None:
    text = (
        SUBJECTS_HEADER.replace(",", ";") + "S1;person;2020-01-02\n;;\n\nS2;person;2020-01-03\n;;\n"
    )
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "subject_id") == ["S1", "S2"]
    assert register.sources[0].rows == 2


def test_header_only_file_loads_as_an_empty_table(tmp_path: Path) -> None:
    register = load(write_register(tmp_path, subjects=SUBJECTS_HEADER))
    assert frame(register, "subjects").height == 0
    assert register.sources[0].rows == 0


# --- dates, times and numbers -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["2020-01-02", "02.01.2020", "2.1.2020", " 2.1.2020 "])
def test_dates_are_read_in_iso_and_finnish_forms(tmp_path: Path, text: str) -> None:
    register = load(write_register(tmp_path, subjects=SUBJECTS_HEADER + f"S1,person,{text}\n"))
    assert values(register, "subjects", "created_at") == [date(2020, 1, 2)]


def test_a_date_column_drops_the_time_part(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + "S1,person,2020-01-02 14:10\nS2,person,3.1.2020 klo 9.05\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "created_at") == [date(2020, 1, 2), date(2020, 1, 3)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-01T12:30:15", utc(2023, 6, 1, 9, 30, 15)),
        ("2023-06-01 12:30", utc(2023, 6, 1, 9, 30)),
        ("2023-06-01 12.30.15", utc(2023, 6, 1, 9, 30, 15)),
        ("01.06.2023 12:30", utc(2023, 6, 1, 9, 30)),
        ("1.6.2023 12.30", utc(2023, 6, 1, 9, 30)),
        ("1.6.2023 klo 12.30.15", utc(2023, 6, 1, 9, 30, 15)),
        ("2023-01-15 12:00", utc(2023, 1, 15, 10, 0)),
    ],
)
def test_naive_datetimes_are_local_helsinki_time_stored_as_utc(
    tmp_path: Path, text: str, expected: datetime
) -> None:
    register = consents(tmp_path, text)
    assert values(register, "consents", "recorded_at") == [expected]
    assert frame(register, "consents").schema["recorded_at"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-01T12:30:00Z", utc(2023, 6, 1, 12, 30)),
        ("2023-06-01T12:30:00+02:00", utc(2023, 6, 1, 10, 30)),
        ("2023-06-01T12:30:00-0130", utc(2023, 6, 1, 14, 0)),
        ("2023-06-01T12:30:00.250+03", utc(2023, 6, 1, 9, 30, 0, 250000)),
    ],
)
def test_datetimes_with_an_explicit_offset_keep_their_instant(
    tmp_path: Path, text: str, expected: datetime
) -> None:
    assert values(consents(tmp_path, text), "consents", "recorded_at") == [expected]


def test_a_date_only_value_in_a_datetime_column_is_local_midnight(tmp_path: Path) -> None:
    register = consents(tmp_path, "2023-06-01", "1.1.2023")
    assert values(register, "consents", "recorded_at") == [
        utc(2023, 5, 31, 21, 0),
        utc(2022, 12, 31, 22, 0),
    ]


def test_the_ambiguous_autumn_hour_is_the_earlier_instant_and_counted(tmp_path: Path) -> None:
    # 29 Oct 2023: 04:00 summer time (UTC+3) became 03:00 winter time (UTC+2); 03:30 happened twice.
    register = consents(tmp_path, "2023-10-29 03:30", "2023-10-29 05:00")
    assert values(register, "consents", "recorded_at") == [
        utc(2023, 10, 29, 0, 30),
        utc(2023, 10, 29, 3, 0),
    ]
    assert register.clock_changes == {"ambiguous": 1, "nonexistent": 0}


def test_the_spring_gap_time_reads_as_summer_time_an_hour_later_and_is_counted(
    tmp_path: Path,
) -> None:
    # 26 Mar 2023: 03:00 winter time became 04:00 summer time; 03:30 never happened.
    register = consents(tmp_path, "26.3.2023 03.30", "2023-03-26 02:59")
    assert values(register, "consents", "recorded_at") == [
        utc(2023, 3, 26, 1, 30),  # 04:30 summer time (UTC+3)
        utc(2023, 3, 26, 0, 59),
    ]
    assert register.clock_changes == {"ambiguous": 0, "nonexistent": 1}


def test_a_clock_change_time_with_an_explicit_offset_is_not_counted(tmp_path: Path) -> None:
    register = consents(tmp_path, "2023-10-29T03:30:00+02:00")
    assert values(register, "consents", "recorded_at") == [utc(2023, 10, 29, 1, 30)]
    assert register.clock_changes == {"ambiguous": 0, "nonexistent": 0}


def test_naive_timestamps_are_read_in_the_given_time_zone(tmp_path: Path) -> None:
    register = consents(tmp_path, "2023-06-01 12:00", timezone="UTC")
    assert values(register, "consents", "recorded_at") == [utc(2023, 6, 1, 12, 0)]
    assert register.timezone == "UTC"


def test_decimal_comma_and_thousands_separators_are_read(tmp_path: Path) -> None:
    text = "contract_id;subject_id;kind;signed_at;amount_eur\n"
    text += "C1;S1;sale;1.2.2022;1 234,50\nC2;S1;sale;1.2.2022;1.234,5\nC3;S1;sale;1.2.2022;99.95\n"
    register = load(write_register(tmp_path, contracts=text))
    assert values(register, "contracts", "amount_eur") == [1234.5, 1234.5, 99.95]


def test_whole_numbers_are_read_with_spaces_as_thousands_separators(tmp_path: Path) -> None:
    text = "vehicle_id,subject_id,odometer_km\nV1,S1,120 000\nV2,S1,\n"
    register = load(write_register(tmp_path, vehicles=text))
    assert values(register, "vehicles", "odometer_km") == [120000, None]


# --- text: nulls, keys, trimming ---------------------------------------------------------------


def test_blank_and_whitespace_only_values_are_null(tmp_path: Path) -> None:
    text = "subject_id,subject_type,created_at,first_name,email\nS1,person,2020-01-02,,   \n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "first_name") == [None]
    assert values(register, "subjects", "email") == [None]


def test_keys_are_never_trimmed(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + " S1,person,2020-01-02\nS2 ,person,2020-01-02\n"
    contracts = CONTRACTS_HEADER + "C1, S1,sale,2022-01-01\n"
    register = load(write_register(tmp_path, subjects=text, contracts=contracts))
    assert values(register, "subjects", "subject_id") == [" S1", "S2 "]
    assert values(register, "contracts", "subject_id") == [" S1"]


def test_enum_values_are_trimmed(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + "S1,  person ,2020-01-02\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "subject_type") == ["person"]
    assert frame(register, "subjects").schema["subject_type"] == pl.Enum(["person", "organisation"])


def test_policy_matched_values_are_trimmed_and_countries_upper_cased(tmp_path: Path) -> None:
    disclosures = DISCLOSURES_HEADER + "D1,S1, Importer Oy , importer , warranty , fi ,2023-01-01\n"
    communications = "message_id,subject_id,channel,category,sent_at,product_group\n"
    communications += "M1,S1,email,marketing,2023-01-01, service \n"
    folder = write_register(tmp_path, disclosures=disclosures, communications=communications)
    register = load(folder)
    row = frame(register, "disclosures").row(0, named=True)
    assert row["recipient"] == " Importer Oy "  # a name, not matched against the policy
    assert (row["recipient_category"], row["purpose"], row["country"]) == (
        "importer",
        "warranty",
        "FI",
    )
    assert values(register, "communications", "product_group") == ["service"]


def test_data_categories_are_split_on_semicolons_and_commas(tmp_path: Path) -> None:
    text = DISCLOSURES_HEADER.replace("\n", ",data_categories\n")
    text += 'D1,S1,R,importer,warranty,FI,2023-01-01,"contact; vehicle,personal_id"\n'
    text += "D2,S1,R,importer,warranty,FI,2023-01-01,\n"
    register = load(write_register(tmp_path, disclosures=text))
    assert values(register, "disclosures", "data_categories") == [
        ["contact", "vehicle", "personal_id"],
        None,
    ]


def test_booleans_are_read_from_common_spellings(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",protected\n")
    text += "S1,person,2020-01-02,TRUE\nS2,person,2020-01-02,0\nS3,person,2020-01-02,yes\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "protected") == [True, False, True]


# --- absent columns, defaults, extra columns ----------------------------------------------------


def test_an_absent_optional_column_loads_as_null_and_is_recorded_as_absent(
    tmp_path: Path,
) -> None:
    register = load(write_register(tmp_path))
    subjects = frame(register, "subjects")
    assert subjects["email"].to_list() == [None, None]
    assert "email" in register.absent_columns["subjects"]
    assert not register.has_column("subjects", "email")
    assert register.has_column("subjects", "created_at")


def test_every_table_has_exactly_its_canonical_columns_and_types(tmp_path: Path) -> None:
    register = load(write_register(tmp_path, consents=CONSENTS_HEADER))
    for table in ("subjects", "consents"):
        schema = frame(register, table).drop("_row").schema
        assert schema == TABLES[table].schema()


def test_absent_subjects_protected_defaults_to_false(tmp_path: Path) -> None:
    register = load(write_register(tmp_path))
    assert values(register, "subjects", "protected") == [False, False]
    assert "protected" in register.absent_columns["subjects"]


def test_a_blank_protected_value_defaults_to_false(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",protected\n") + "S1,person,2020-01-02,\n"
    register = load(write_register(tmp_path, subjects=text))
    assert values(register, "subjects", "protected") == [False]
    assert "protected" not in register.absent_columns["subjects"]


def test_accounting_record_defaults_to_true_for_bookkeeping_kinds(tmp_path: Path) -> None:
    kinds = [
        "sale",
        "purchase",
        "financing",
        "leasing",
        "service",
        "warranty",
        "offer",
        "test_drive",
    ]
    rows = "".join(f"C{i},S1,{kind},2022-01-01\n" for i, kind in enumerate(kinds))
    register = load(write_register(tmp_path, contracts=CONTRACTS_HEADER + rows))
    assert values(register, "contracts", "accounting_record") == [True] * 5 + [False] * 3
    assert "accounting_record" in register.absent_columns["contracts"]


def test_an_explicit_accounting_record_value_is_kept(tmp_path: Path) -> None:
    text = CONTRACTS_HEADER.replace("\n", ",accounting_record\n")
    text += "C1,S1,sale,2022-01-01,false\nC2,S1,offer,2022-01-01,true\nC3,S1,sale,2022-01-01,\n"
    register = load(write_register(tmp_path, contracts=text))
    assert values(register, "contracts", "accounting_record") == [False, True, True]


def test_absent_safeguard_defaults_to_none(tmp_path: Path) -> None:
    text = DISCLOSURES_HEADER + "D1,S1,R,importer,warranty,FI,2023-01-01\n"
    register = load(write_register(tmp_path, disclosures=text))
    assert values(register, "disclosures", "safeguard") == ["none"]
    assert "safeguard" in register.absent_columns["disclosures"]


def test_null_policy_matched_columns_load_for_the_dis_rules_to_judge(tmp_path: Path) -> None:
    text = DISCLOSURES_HEADER + "D1,S1,R,,,,2023-01-01\n"
    register = load(write_register(tmp_path, disclosures=text))
    row = frame(register, "disclosures").row(0, named=True)
    assert (row["recipient_category"], row["purpose"], row["country"]) == (None, None, None)


def test_columns_outside_the_model_are_unclassified_with_has_value(tmp_path: Path) -> None:
    text = "subject_id,subject_type,created_at,cookie_id,fax\nS1,person,2020-01-02,abc,\n"
    register = load(write_register(tmp_path, subjects=text))
    assert register.unclassified() == [
        ExtraColumn("subjects", "cookie_id", None, True),
        ExtraColumn("subjects", "fax", None, False),
    ]
    assert values(register, "subjects", "cookie_id") == ["abc"]


def test_absent_tables_are_not_loaded(tmp_path: Path) -> None:
    register = load(write_register(tmp_path))
    assert register.has("subjects")
    assert not register.has("consents")
    assert set(register.tables) == {"subjects"}


def test_file_names_match_tables_case_insensitively(tmp_path: Path) -> None:
    write_text(tmp_path / "Subjects.CSV", SUBJECTS_CSV)
    assert values(load(tmp_path), "subjects", "subject_id") == ["S1", "S2"]


def test_duplicate_keys_unknown_subjects_and_dates_out_of_order_load_for_the_dat_rules(
    tmp_path: Path,
) -> None:
    subjects = SUBJECTS_HEADER.replace("\n", ",relationship_ended_at\n")
    subjects += "S1,person,2020-01-02,2019-01-01\nS1,person,2020-01-02,\n"
    contracts = CONTRACTS_HEADER + "C1,S404,sale,2022-01-01\n"
    register = load(write_register(tmp_path, subjects=subjects, contracts=contracts))
    assert values(register, "subjects", "subject_id") == ["S1", "S1"]
    assert values(register, "contracts", "subject_id") == ["S404"]


# --- xlsx and Parquet ----------------------------------------------------------------------------


def test_xlsx_sheet_per_table_with_real_excel_dates(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "register.xlsx",
        {
            "subjects": [
                ["subject_id", "subject_type", "created_at", "erased_at"],
                ["S1", "person", datetime(2020, 1, 2), datetime(2023, 6, 1, 12, 0)],
                ["S2", "person", date(2021, 3, 4), None],
            ],
            "consents": [
                ["event_id", "subject_id", "purpose", "action", "recorded_at"],
                ["E1", "S1", "profiling", "grant", datetime(2023, 10, 29, 3, 30)],
            ],
        },
    )
    register = load(tmp_path)
    assert values(register, "subjects", "created_at") == [date(2020, 1, 2), date(2021, 3, 4)]
    assert values(register, "subjects", "erased_at") == [utc(2023, 6, 1, 9, 0), None]
    assert values(register, "consents", "recorded_at") == [utc(2023, 10, 29, 0, 30)]
    assert register.clock_changes["ambiguous"] == 1
    assert [(s.table, s.sheet, s.format) for s in register.sources] == [
        ("subjects", "subjects", "xlsx"),
        ("consents", "consents", "xlsx"),
    ]


def test_numeric_xlsx_key_cells_load_as_integer_digits(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "subjects.xlsx",
        {
            "Sheet1": [
                ["subject_id", "subject_type", "created_at", "postal_code"],
                [12345, "person", date(2020, 1, 2), "00100"],
                [12346.0, "person", date(2020, 1, 2), 33100],
            ]
        },
    )
    register = load(tmp_path)
    assert values(register, "subjects", "subject_id") == ["12345", "12346"]
    assert values(register, "subjects", "postal_code") == ["00100", "33100"]


def test_an_xlsx_text_cell_after_many_numeric_ones_is_kept(tmp_path: Path) -> None:
    rows = [[i, "person", date(2020, 1, 2)] for i in range(1, 1101)] + [
        ["S-X", "person", "1.1.2020"]
    ]
    write_xlsx(
        tmp_path / "subjects.xlsx",
        {"subjects": [["subject_id", "subject_type", "created_at"]] + rows},
    )
    subject_ids = values(load(tmp_path), "subjects", "subject_id")
    assert subject_ids[:2] == ["1", "2"]
    assert subject_ids[-1] == "S-X"


def test_parquet_loads_with_native_types(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "subject_id": [12345, 2],
            "subject_type": ["person", "organisation"],
            "created_at": [date(2020, 1, 2), date(2020, 1, 3)],
            "erased_at": [datetime(2023, 6, 1, 12, 0), None],
            "protected": [True, None],
        }
    ).write_parquet(tmp_path / "subjects.parquet")
    register = load(tmp_path)
    subjects = frame(register, "subjects")
    assert subjects["subject_id"].to_list() == ["12345", "2"]
    assert subjects["created_at"].to_list() == [date(2020, 1, 2), date(2020, 1, 3)]
    assert subjects["erased_at"].to_list() == [utc(2023, 6, 1, 9, 0), None]
    assert subjects["protected"].to_list() == [True, False]
    assert register.sources[0].format == "parquet"


def test_parquet_float_and_decimal_keys_load_as_integer_digits(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "subject_id": pl.Series([12345, 7], dtype=pl.Decimal(12, 2)),
            "subject_type": ["person", "person"],
            "created_at": ["2020-01-02", "2020-01-02"],
        }
    ).write_parquet(tmp_path / "subjects.parquet")
    pl.DataFrame({"vehicle_id": [1.0, 2.5], "subject_id": [12345.0, 7.0]}).write_parquet(
        tmp_path / "vehicles.parquet"
    )
    register = load(tmp_path)
    assert values(register, "subjects", "subject_id") == ["12345", "7"]
    assert values(register, "vehicles", "vehicle_id") == ["1", "2.5"]
    assert values(register, "vehicles", "subject_id") == ["12345", "7"]


def test_parquet_timezone_aware_timestamps_keep_their_instant(tmp_path: Path) -> None:
    write_register(tmp_path)
    pl.DataFrame(
        {
            "event_id": ["E1"],
            "subject_id": ["S1"],
            "purpose": ["profiling"],
            "action": ["grant"],
            "recorded_at": [datetime(2023, 6, 1, 12, 0, tzinfo=UTC)],
        }
    ).with_columns(pl.col("recorded_at").dt.convert_time_zone("America/New_York")).write_parquet(
        tmp_path / "consents.parquet"
    )
    assert values(load(tmp_path), "consents", "recorded_at") == [utc(2023, 6, 1, 12, 0)]


def test_parquet_list_of_data_categories_is_read(tmp_path: Path) -> None:
    write_register(tmp_path)
    pl.DataFrame(
        {
            "disclosure_id": ["D1", "D2"],
            "subject_id": ["S1", "S1"],
            "recipient": ["R", "R"],
            "recipient_category": ["importer", "importer"],
            "purpose": ["warranty", "warranty"],
            "country": ["FI", "SE"],
            "data_categories": [[" contact", "vehicle"], None],
            "disclosed_at": [datetime(2023, 1, 1), datetime(2023, 1, 1)],
        }
    ).write_parquet(tmp_path / "disclosures.parquet")
    assert values(load(tmp_path), "disclosures", "data_categories") == [
        ["contact", "vehicle"],
        None,
    ]


# --- the audit trail and read-only inputs -------------------------------------------------------


def test_sources_record_path_size_sha256_and_rows(tmp_path: Path) -> None:
    folder = write_register(
        tmp_path, consents=CONSENTS_HEADER + "E1,S1,profiling,grant,2023-01-01\n"
    )
    register = load(folder)
    by_table = {s.table: s for s in register.sources}
    for table, rows in (("subjects", 2), ("consents", 1)):
        path = folder / f"{table}.csv"
        source = by_table[table]
        assert isinstance(source, SourceFile)
        assert Path(source.path) == path
        assert source.size == path.stat().st_size
        assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert source.rows == rows
        assert source.format == "csv"
    assert register.row_counts() == {"subjects": 2, "consents": 1}


def test_loading_leaves_every_input_file_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    write_text(folder / "asiakkaat.csv", ASIAKKAAT_CSV, encoding="cp1252")
    write_text(
        folder / "consents.csv", "\ufeff" + CONSENTS_HEADER + "E1,1,profiling,grant,1.1.2023\n"
    )
    write_xlsx(folder / "vehicles.xlsx", {"vehicles": [["vehicle_id", "subject_id"], [1, 1]]})
    pl.DataFrame(
        {
            "contract_id": ["C1"],
            "subject_id": ["1"],
            "kind": ["sale"],
            "signed_at": [date(2022, 1, 1)],
        }
    ).write_parquet(folder / "contracts.parquet")
    write_text(folder / "mapping.toml", ASIAKKAAT_MAPPING)
    before = digests(folder)
    register = load_register(folder, folder / "mapping.toml")
    for table in register.tables:
        frame(register, table)
    assert digests(folder) == before
    assert sorted(s.table for s in register.sources) == [
        "consents",
        "contracts",
        "subjects",
        "vehicles",
    ]


# --- property: CSV and Parquet of the same table load identically --------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from([" ", ";", ",", '"', "|", "\t", "\n"]),
    max_size=12,
)
_LOCAL = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
_CLOCK_CHANGE = st.sampled_from(
    [datetime(2023, 10, 29, 3, 30), datetime(2023, 3, 26, 3, 30), datetime(2024, 3, 31, 3, 0)]
)
_SUBJECTS_SCHEMA = {
    "subject_id": pl.String,
    "subject_type": pl.String,
    "created_at": pl.Date,
    "first_name": pl.String,
    "protected": pl.Boolean,
    "erased_at": pl.Datetime("us"),
    "fax": pl.String,  # outside the model: unclassified
}


def _subject(key: st.SearchStrategy) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "subject_id": key,
            "subject_type": st.sampled_from(["person", "organisation", " person "]),
            "created_at": st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)),
            "first_name": st.none() | _TEXT,
            "protected": st.none() | st.booleans(),
            "erased_at": st.none() | _LOCAL | _CLOCK_CHANGE,
            "fax": st.none() | _TEXT,
        }
    )


# Keys are either all numbers (an Int64 column in Parquet) or any non-blank text.
_SUBJECT_TABLES = st.lists(_subject(st.integers(0, 10**15)), max_size=6) | st.lists(
    _subject(_TEXT.filter(lambda text: text.strip() != "")), max_size=6
)


def _as_text(row: dict, style: int) -> list[str]:
    """The row as a CSV export writes it; `style` picks ISO or one of the Finnish date forms."""
    created, erased = row["created_at"], row["erased_at"]
    dates = [
        created.isoformat(),
        f"{created:%d.%m.%Y}",
        f"{created.day}.{created.month}.{created.year}",
    ]
    times = erased and [
        f"{erased:%Y-%m-%dT%H:%M:%S}",
        f"{erased:%d.%m.%Y %H:%M:%S}",
        f"{erased.day}.{erased.month}.{erased.year} {erased:%H.%M.%S}",
    ]
    return [
        str(row["subject_id"]),
        row["subject_type"],
        dates[style],
        row["first_name"] or "",
        "" if row["protected"] is None else str(row["protected"]).lower(),
        times[style] if times else "",
        row["fax"] or "",
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=_SUBJECT_TABLES,
    separator=st.sampled_from([",", ";", "\t", "|"]),
    style=st.integers(0, 2),
)
def test_csv_and_parquet_of_the_same_table_load_identically(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict], separator: str, style: int
) -> None:
    """The CSV holds the table as text; the Parquet holds it with native types."""
    csv_folder = tmp_path_factory.mktemp("csv")
    parquet_folder = tmp_path_factory.mktemp("parquet")
    header = list(_SUBJECTS_SCHEMA)
    text = csv_text(header, [_as_text(row, style) for row in rows], separator)
    write_text(csv_folder / "subjects.csv", text)
    numeric_keys = any(isinstance(row["subject_id"], int) for row in rows)
    schema = {**_SUBJECTS_SCHEMA, "subject_id": pl.Int64 if numeric_keys else pl.String}
    pl.DataFrame(rows, schema=schema, orient="row").write_parquet(
        parquet_folder / "subjects.parquet"
    )

    from_csv = load_register(csv_folder)
    from_parquet = load_register(parquet_folder)

    assert_frame_equal(
        frame(from_csv, "subjects").drop("_row"), frame(from_parquet, "subjects").drop("_row")
    )
    assert from_csv.absent_columns == from_parquet.absent_columns
    assert from_csv.unclassified() == from_parquet.unclassified()
    assert from_csv.clock_changes == from_parquet.clock_changes
    assert from_csv.row_counts() == from_parquet.row_counts() == {"subjects": len(rows)}
