"""A bad export gives one clear error: file, table, column, first bad row and value, and a hint."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from auditkit.errors import AuditkitError, LoadError, MappingError
from auditkit.register import load_register
from tests.helpers_register import (
    CONSENTS_HEADER,
    SUBJECTS_CSV,
    SUBJECTS_HEADER,
    load,
    write_register,
    write_text,
    write_xlsx,
)


def load_error(folder: Path, mapping: str | None = None) -> AuditkitError:
    with pytest.raises(AuditkitError) as caught:
        load(folder, mapping)
    return caught.value


def assert_names(error: AuditkitError, **expected: object) -> None:
    """The error carries each expected attribute, and its message shows it."""
    for name, value in expected.items():
        assert getattr(error, name) == value, name
        shown = f"row {value}" if name == "row" else str(value)
        assert shown in str(error), name


# --- the errors of the foundation issue -----------------------------------------------------------


def test_missing_required_column_names_file_table_column_and_the_mapping_fix(
    tmp_path: Path,
) -> None:
    folder = write_register(tmp_path, subjects="subject_id,created_at\nS1,2020-01-02\n")
    error = load_error(folder)
    assert isinstance(error, LoadError)
    assert_names(error, file=str(folder / "subjects.csv"), table="subjects", column="subject_type")
    assert "missing required column" in error.message
    assert error.hint is not None
    assert "[tables.subjects.columns]" in error.hint
    assert "subject_id, created_at" in error.hint  # the file's columns


def test_missing_required_column_in_an_optional_table_is_an_error(tmp_path: Path) -> None:
    folder = write_register(tmp_path, consents="event_id,subject_id,purpose,action\n")
    error = load_error(folder)
    assert_names(error, table="consents", column="recorded_at")


def test_unparsable_date_names_the_first_bad_row_and_value(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + "S1,person,2020-01-02\nS2,person,31.02.2023\nS3,person,2020-13-01\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert isinstance(error, LoadError)
    assert_names(
        error,
        file=str(tmp_path / "subjects.csv"),
        table="subjects",
        column="created_at",
        row=3,
        value="31.02.2023",
    )
    assert "2 bad value(s)" in error.message
    assert error.expected is not None and "date" in error.expected
    assert error.hint is not None and "date_format" in error.hint


@pytest.mark.parametrize(
    "text", ["31.02.2023", "2023-02-29", "yesterday", "2023/01/01", "1.13.2023"]
)
def test_a_value_that_is_not_a_date_at_all_is_a_load_error(tmp_path: Path, text: str) -> None:
    error = load_error(write_register(tmp_path, subjects=SUBJECTS_HEADER + f"S1,person,{text}\n"))
    assert_names(error, column="created_at", row=2, value=text)


def test_unparsable_datetime_is_a_load_error(tmp_path: Path) -> None:
    text = CONSENTS_HEADER + "E1,S1,profiling,grant,2023-06-01 12:00\nE2,S1,profiling,grant,25:00\n"
    error = load_error(write_register(tmp_path, consents=text))
    assert_names(error, table="consents", column="recorded_at", row=3, value="25:00")


def test_unknown_enum_value_names_the_value_and_the_mapping_key_that_fixes_it(
    tmp_path: Path,
) -> None:
    text = SUBJECTS_HEADER + "S1,person,2020-01-02\nS2,Henkilö,2020-01-02\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert isinstance(error, LoadError)
    assert_names(error, table="subjects", column="subject_type", row=3, value="Henkilö")
    assert error.expected == "one of person, organisation"
    assert error.hint is not None
    assert '"Henkilö" = ...' in error.hint
    assert "[tables.subjects.values.subject_type]" in error.hint


def test_unknown_enum_value_in_a_mapped_column_names_source_column_and_canonical_key(
    tmp_path: Path,
) -> None:
    write_text(tmp_path / "asiakkaat.csv", "Nro;Tyyppi;Luotu\n1;Yhdistys ;2.1.2020\n")
    mapping = """
[tables.subjects]
file = "asiakkaat.csv"
columns = { Nro = "subject_id", Tyyppi = "subject_type", Luotu = "created_at" }
"""
    error = load_error(tmp_path, mapping)
    assert_names(error, column="Tyyppi", row=2, value="Yhdistys ")
    assert error.hint is not None
    assert '"Yhdistys" = ...' in error.hint  # trimmed, as values are matched
    assert "[tables.subjects.values.subject_type]" in error.hint


def test_unknown_boolean_value_names_the_mapping_key(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",protected\n") + "S1,person,2020-01-02,K\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert_names(error, column="protected", row=2, value="K")
    assert error.hint is not None and "[tables.subjects.values.protected]" in error.hint


def test_unparsable_number_is_a_load_error(tmp_path: Path) -> None:
    text = "vehicle_id,subject_id,odometer_km\nV1,S1,12 km\n"
    error = load_error(write_register(tmp_path, vehicles=text))
    assert_names(error, table="vehicles", column="odometer_km", row=2, value="12 km")
    assert error.expected == "a whole number"


@pytest.mark.parametrize("text", ["", "\n\n", "   \r\n", "\ufeff"])
def test_an_empty_file_is_a_load_error_with_a_hint(tmp_path: Path, text: str) -> None:
    error = load_error(write_register(tmp_path, subjects=text))
    assert isinstance(error, LoadError)
    assert_names(error, file=str(tmp_path / "subjects.csv"), table="subjects")
    assert "empty" in error.message
    assert error.hint


def test_a_binary_file_is_not_text(tmp_path: Path) -> None:
    (tmp_path / "subjects.csv").write_bytes(b"PK\x03\x04\x00\x00binary\x00")
    error = load_error(tmp_path)
    assert isinstance(error, LoadError)
    assert_names(error, file=str(tmp_path / "subjects.csv"), table="subjects")
    assert "not text" in error.message
    assert error.hint


def test_a_utf16_file_is_an_unreadable_encoding(tmp_path: Path) -> None:
    (tmp_path / "subjects.csv").write_bytes(codecs.BOM_UTF16_LE + SUBJECTS_CSV.encode("utf-16-le"))
    error = load_error(tmp_path)
    assert "unreadable encoding" in error.message and "UTF-16" in error.message
    assert error.hint is not None and "UTF-8" in error.hint


def test_unreadable_encoding_names_the_line_and_its_text(tmp_path: Path) -> None:
    # 0x81 is neither UTF-8 (a lone continuation byte) nor defined in Windows-1252.
    raw = SUBJECTS_CSV.encode() + b"S3,person,2020-01-02\x81\n"
    (tmp_path / "subjects.csv").write_bytes(raw)
    error = load_error(tmp_path)
    assert isinstance(error, LoadError)
    assert "unreadable encoding" in error.message
    assert_names(error, file=str(tmp_path / "subjects.csv"), table="subjects", row=4)
    assert error.value is not None and error.value.startswith("S3,person,2020-01-02")
    assert error.expected == "UTF-8, UTF-8 with BOM or Windows-1252"
    assert error.hint


def test_an_encoding_forced_by_the_mapping_must_fit_the_file(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",city\n") + "S1,person,2020-01-02,Jyväskylä\n"
    write_text(tmp_path / "subjects.csv", text, encoding="cp1252")
    error = load_error(tmp_path, '[source]\nencoding = "utf-8"\n')
    assert "not valid utf-8" in error.message
    assert_names(error, row=2)
    assert error.hint is not None and "auto" in error.hint


def test_a_row_with_more_fields_than_the_header_names_its_line(tmp_path: Path) -> None:
    text = SUBJECTS_CSV + "S3,person,2020-01-02,extra\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert_names(error, table="subjects", row=4, value="S3,person,2020-01-02,extra")
    assert error.hint


def test_an_empty_required_value_names_the_column_and_row(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + "S1,person,2020-01-02\n   ,person,2020-01-02\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert_names(error, table="subjects", column="subject_id", row=3)
    assert "empty value in required column" in error.message
    assert error.hint


# --- other files that cannot be read -------------------------------------------------------------


def test_a_folder_without_subjects_is_an_error(tmp_path: Path) -> None:
    folder = write_register(tmp_path, subjects=None, consents=CONSENTS_HEADER)
    error = load_error(folder)
    assert "no subjects table" in error.message
    assert error.expected is not None and "subjects.csv" in error.expected


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such folder"):
        load_register(tmp_path / "nope")


def test_a_file_instead_of_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not a folder"):
        load_register(write_text(tmp_path / "subjects.csv", SUBJECTS_CSV))


def test_two_files_for_one_table_is_an_error_naming_both(tmp_path: Path) -> None:
    write_register(tmp_path)
    write_xlsx(tmp_path / "subjects.xlsx", {"subjects": [["subject_id"], ["S1"]]})
    error = load_error(tmp_path)
    assert "subjects.csv" in error.message and "subjects.xlsx" in error.message
    assert error.hint is not None and "mapping" in error.hint


def test_a_file_that_is_not_a_workbook_is_an_error(tmp_path: Path) -> None:
    write_text(tmp_path / "subjects.xlsx", "subject_id,subject_type\n")
    error = load_error(tmp_path)
    assert_names(error, file=str(tmp_path / "subjects.xlsx"), table="subjects")
    assert "not a readable xlsx workbook" in error.message
    assert error.hint


def test_an_empty_sheet_is_an_error(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "subjects.xlsx", {"subjects": []})
    error = load_error(tmp_path)
    assert "sheet 'subjects' is empty" in error.message


def test_a_sheet_the_workbook_lacks_is_an_error_listing_the_sheets(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "crm.xlsx", {"Asiakkaat": [["subject_id"]], "Muut": [["x"]]})
    error = load_error(tmp_path, '[tables.subjects]\nfile = "crm.xlsx"\nsheet = "Subjects"\n')
    assert "no sheet named 'Subjects'" in error.message
    assert error.expected == "one of Asiakkaat, Muut"


def test_a_file_that_is_not_parquet_is_an_error(tmp_path: Path) -> None:
    write_text(tmp_path / "subjects.parquet", SUBJECTS_CSV)
    error = load_error(tmp_path)
    assert_names(error, file=str(tmp_path / "subjects.parquet"), table="subjects")
    assert "not a readable Parquet file" in error.message
    assert error.hint


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "subject_id": ["S1", "S2"],
            "subject_type": ["person", "robot"],
            "created_at": [date(2020, 1, 2), date(2020, 1, 2)],
        }
    ).write_parquet(tmp_path / "subjects.parquet")
    error = load_error(tmp_path)
    assert_names(error, column="subject_type", row=2, value="robot")


def test_xlsx_rows_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "subjects.xlsx",
        {
            "subjects": [
                ["subject_id", "subject_type", "created_at"],
                ["S1", "person", date(2020, 1, 2)],
                ["S2", "person", "31.02.2023"],
            ]
        },
    )
    error = load_error(tmp_path)
    assert_names(error, column="created_at", row=3, value="31.02.2023")


def test_load_errors_are_auditkit_errors_and_mapping_errors_their_own_kind(
    tmp_path: Path,
) -> None:
    folder = write_register(tmp_path)
    error = load_error(folder, '[tables.subjects]\nfile = "asiakkaat.csv"\n')
    assert isinstance(error, MappingError)
    assert isinstance(error, AuditkitError)
    assert "asiakkaat.csv" in str(error)


def test_row_numbers_are_lines_of_the_file_counting_blank_lines(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER + "S1,person,2020-01-02\n\n,,\nS2,person,2020-01-40\n"
    error = load_error(write_register(tmp_path, subjects=text))
    assert_names(error, column="created_at", row=5, value="2020-01-40")
