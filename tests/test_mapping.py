"""The mapping file (POLICY.md "The mapping file"): source names and values into the model."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditkit.errors import LoadError, MappingError
from auditkit.register import ExtraColumn, load_register
from auditkit.register.mapping import Mapping, load_mapping
from tests.helpers_register import (
    CONSENTS_HEADER,
    SUBJECTS_HEADER,
    frame,
    load,
    values,
    write_mapping,
    write_register,
    write_text,
    write_xlsx,
)

# A Finnish CRM export and its mapping: POLICY.md's example, keys with ä/ö quoted (TOML 1.0).
ASIAKKAAT = """\
Asiakasnumero;Asiakastyyppi;Etunimi;Henkilötunnus;Luontipäivä;Turvakielto;Ajokorttiluokka;Vanha;Muistiinpano
10001;Henkilö;Aino;;2.1.2020;K;B;x;soita iltaisin
10002;Yritys;Bertil;;15.6.2021;E;;x;
"""
FINNISH_MAPPING = """\
[source]
encoding = "auto"
separator = "auto"
date_format = "auto"
decimal_comma = true

[tables.subjects]
file = "asiakkaat.csv"
ignore = ["Vanha"]
[tables.subjects.columns]
Asiakasnumero = "subject_id"
Asiakastyyppi = "subject_type"
Etunimi = "first_name"
"Henkilötunnus" = "personal_id"
"Luontipäivä" = "created_at"
Turvakielto = "protected"
[tables.subjects.values.subject_type]
"Henkilö" = "person"
Yritys = "organisation"
[tables.subjects.values.protected]
K = true
E = false
[tables.subjects.keep]
Ajokorttiluokka = "identity"
"""


def mapping_error(folder: Path, mapping: str) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load(folder, mapping)
    return caught.value


@pytest.fixture
def finnish(tmp_path: Path) -> Path:
    write_text(tmp_path / "asiakkaat.csv", ASIAKKAAT)
    return tmp_path


# --- renaming columns and values ----------------------------------------------------------------


def test_mapped_columns_are_renamed_to_canonical_names(finnish: Path) -> None:
    subjects = frame(load(finnish, FINNISH_MAPPING), "subjects")
    assert subjects["subject_id"].to_list() == ["10001", "10002"]
    assert subjects["first_name"].to_list() == ["Aino", "Bertil"]
    assert subjects["created_at"].to_list() == [date(2020, 1, 2), date(2021, 6, 15)]
    assert subjects["personal_id"].to_list() == [None, None]


def test_enum_values_are_renamed_by_the_mapping(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    assert values(register, "subjects", "subject_type") == ["person", "organisation"]


def test_boolean_values_are_renamed_with_toml_booleans(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    assert values(register, "subjects", "protected") == [True, False]


def test_boolean_values_may_be_given_as_the_text_true_and_false(finnish: Path) -> None:
    mapping = FINNISH_MAPPING.replace("K = true\nE = false", 'K = "true"\nE = "false"')
    register = load(finnish, mapping)
    assert values(register, "subjects", "protected") == [True, False]


def test_plain_string_values_are_renamed_after_trimming(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",language\n")
    text += "S1,person,2020-01-02, Suomi \nS2,person,2020-01-02,Svenska\nS3,person,2020-01-02,en\n"
    write_register(tmp_path, subjects=text)
    mapping = '[tables.subjects.values.language]\nSuomi = "fi"\nSvenska = "sv"\n'
    register = load(tmp_path, mapping)
    assert values(register, "subjects", "language") == ["fi", "sv", "en"]


def test_policy_matched_values_are_renamed(tmp_path: Path) -> None:
    disclosures = (
        "disclosure_id,subject_id,recipient,recipient_category,purpose,country,disclosed_at\n"
    )
    disclosures += "D1,S1,Vakuutus Oy,vakuutusyhtiö,sopimus,Suomi,2023-01-01\n"
    write_register(tmp_path, disclosures=disclosures)
    mapping = """
[tables.disclosures.values.recipient_category]
"vakuutusyhtiö" = "insurance_company"
[tables.disclosures.values.purpose]
sopimus = "contract"
[tables.disclosures.values.country]
Suomi = "fi"
"""
    row = frame(load(tmp_path, mapping), "disclosures").row(0, named=True)
    assert (row["recipient_category"], row["purpose"], row["country"]) == (
        "insurance_company",
        "contract",
        "FI",
    )


def test_a_table_mapping_without_file_finds_the_canonical_file(tmp_path: Path) -> None:
    text = SUBJECTS_HEADER.replace("\n", ",protected\n") + "S1,person,2020-01-02,K\n"
    write_register(tmp_path, subjects=text)
    register = load(tmp_path, "[tables.subjects.values.protected]\nK = true\n")
    assert values(register, "subjects", "protected") == [True]


def test_a_canonical_folder_needs_no_mapping(tmp_path: Path) -> None:
    register = load_register(write_register(tmp_path))
    assert register.mapping_sha256 is None
    assert values(register, "subjects", "subject_id") == ["S1", "S2"]


# --- keep, ignore and unclassified columns --------------------------------------------------------


def test_kept_columns_are_loaded_with_their_data_category(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    assert (
        ExtraColumn("subjects", "Ajokorttiluokka", "identity", True)
        in register.extra_columns["subjects"]
    )
    assert values(register, "subjects", "Ajokorttiluokka") == ["B", None]


def test_ignored_columns_are_dropped(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    assert "Vanha" not in frame(register, "subjects").columns
    assert "Vanha" not in [c.name for c in register.extra_columns["subjects"]]


def test_columns_neither_mapped_kept_nor_ignored_are_unclassified(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    assert register.unclassified() == [ExtraColumn("subjects", "Muistiinpano", None, True)]


def test_absent_optional_columns_are_those_no_mapping_entry_provides(finnish: Path) -> None:
    absent = load(finnish, FINNISH_MAPPING).absent_columns["subjects"]
    assert "first_name" not in absent and "protected" not in absent
    assert {"last_name", "email", "erased_at"} <= absent


# --- per-table source options ------------------------------------------------------------------


def test_per_table_separator_and_encoding_override_the_source_defaults(tmp_path: Path) -> None:
    write_register(tmp_path)
    text = "event_id|subject_id|purpose|action|recorded_at|source\n"
    text += "E1|S1|profiling|grant|2023-06-01 12:00|myymälä\n"
    write_text(tmp_path / "luvat.txt", text, encoding="cp1252")
    mapping = """
[source]
encoding = "utf-8"
separator = ","
[tables.consents]
file = "luvat.txt"
encoding = "cp1252"
separator = "|"
"""
    register = load(tmp_path, mapping)
    assert values(register, "consents", "source") == ["myymälä"]
    consents = next(s for s in register.sources if s.table == "consents")
    assert (consents.encoding, consents.separator) == ("cp1252", "|")


def test_a_named_sheet_is_read(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "crm.xlsx",
        {
            "Ohjeet": [["Tämä välilehti ei ole taulu"]],
            "Asiakkaat": [
                ["subject_id", "subject_type", "created_at"],
                ["S1", "person", date(2020, 1, 2)],
            ],
        },
    )
    register = load(tmp_path, '[tables.subjects]\nfile = "crm.xlsx"\nsheet = "Asiakkaat"\n')
    assert values(register, "subjects", "subject_id") == ["S1"]
    assert register.sources[0].sheet == "Asiakkaat"


def test_decimal_comma_true_reads_points_as_thousands_separators(tmp_path: Path) -> None:
    text = "contract_id;subject_id;kind;signed_at;amount_eur\nC1;S1;sale;2022-01-01;12.500\n"
    write_register(tmp_path, contracts=text)
    register = load(tmp_path, "[source]\ndecimal_comma = true\n")
    assert values(register, "contracts", "amount_eur") == [12500.0]


def test_decimal_comma_false_reads_commas_as_thousands_separators(tmp_path: Path) -> None:
    text = "contract_id;subject_id;kind;signed_at;amount_eur\nC1;S1;sale;2022-01-01;12,500.5\n"
    write_register(tmp_path, contracts=text)
    register = load(tmp_path, "[tables.contracts]\nfile = 'contracts.csv'\ndecimal_comma = false\n")
    assert values(register, "contracts", "amount_eur") == [12500.5]


def test_a_custom_date_format_reads_dates_and_datetimes(tmp_path: Path) -> None:
    write_register(
        tmp_path,
        subjects=SUBJECTS_HEADER + "S1,person,01/02/2020\nS2,person,2020-02-03\n",
        consents=CONSENTS_HEADER
        + "E1,S1,profiling,grant,01/06/2023 12:30\n"
        + "E2,S1,profiling,grant,29/10/2023 03:30\n"
        + "E3,S1,profiling,grant,01/06/2023\n",
    )
    register = load(tmp_path, '[source]\ndate_format = "%d/%m/%Y"\n')
    assert values(register, "subjects", "created_at") == [date(2020, 2, 1), date(2020, 2, 3)]
    assert values(register, "consents", "recorded_at") == [
        datetime(2023, 6, 1, 9, 30, tzinfo=UTC),
        datetime(2023, 10, 29, 0, 30, tzinfo=UTC),
        datetime(2023, 5, 31, 21, 0, tzinfo=UTC),
    ]
    assert register.clock_changes["ambiguous"] == 1


def test_a_custom_date_format_rejects_other_forms(tmp_path: Path) -> None:
    write_register(tmp_path, subjects=SUBJECTS_HEADER + "S1,person,1.2.2020\n")
    with pytest.raises(LoadError, match="created_at") as caught:
        load(tmp_path, '[source]\ndate_format = "%d/%m/%Y"\n')
    assert (caught.value.row, caught.value.value) == (2, "1.2.2020")


# --- the mapping as audit trail -------------------------------------------------------------------


def test_the_mapping_file_and_its_sha256_are_recorded(finnish: Path) -> None:
    register = load(finnish, FINNISH_MAPPING)
    raw = (finnish / "mapping.toml").read_bytes()
    assert register.mapping_sha256 == hashlib.sha256(raw).hexdigest()
    assert register.mapping_path == str(finnish / "mapping.toml")


def test_a_mapping_object_can_be_passed_directly(finnish: Path) -> None:
    mapping, _ = load_mapping(write_mapping(finnish, FINNISH_MAPPING))
    assert isinstance(mapping, Mapping)
    register = load_register(finnish, mapping)
    assert values(register, "subjects", "subject_type") == ["person", "organisation"]


# --- mapping errors -----------------------------------------------------------------------------


def test_unknown_canonical_column_is_an_error_listing_the_columns(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING.replace('= "first_name"', '= "firstname"'))
    assert error.file == str(finnish / "mapping.toml")
    assert "'Etunimi' maps to unknown column 'firstname'" in error.message
    assert "first_name" in error.message  # the expected names


def test_a_mapped_column_the_file_lacks_is_an_error(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING.replace("Etunimi =", "Etunimet ="))
    assert error.file == str(finnish / "asiakkaat.csv")
    assert error.table == "subjects"
    assert error.column == "Etunimet"
    assert error.hint is not None and "Etunimi" in error.hint  # the file's columns


def test_a_kept_column_the_file_lacks_is_an_error(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING.replace("Ajokorttiluokka =", "Ajokortti ="))
    assert error.column == "Ajokortti"
    assert "keeps column 'Ajokortti'" in error.message


def test_unknown_table_is_an_error(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING + '[tables.customers]\nfile = "a.csv"\n')
    assert "unknown table 'customers'" in error.message
    assert "subjects" in error.message


def test_two_sources_mapped_to_one_column_is_an_error_naming_both(finnish: Path) -> None:
    mapping = FINNISH_MAPPING.replace(
        'Etunimi = "first_name"', 'Etunimi = "first_name"\nVanha = "first_name"'
    )
    error = mapping_error(finnish, mapping)
    assert "'Etunimi' and 'Vanha' both map to 'first_name'" in error.message


def test_a_canonical_source_column_shadowed_by_a_mapped_one_is_an_error(tmp_path: Path) -> None:
    write_text(
        tmp_path / "subjects.csv",
        "subject_id,Tunnus,subject_type,created_at\nA,1,person,2020-01-02\n",
    )
    error = mapping_error(tmp_path, '[tables.subjects.columns]\nTunnus = "subject_id"\n')
    assert "'subject_id'" in error.message
    assert error.hint is not None and "ignore" in error.hint


def test_unknown_mapping_key_is_an_error(finnish: Path) -> None:
    error = mapping_error(
        finnish, FINNISH_MAPPING.replace("[source]\n", "[source]\nsheet_name = 1\n")
    )
    assert error.message == "unknown key 'source.sheet_name'"


def test_an_unknown_source_option_value_is_an_error(finnish: Path) -> None:
    error = mapping_error(
        finnish, FINNISH_MAPPING.replace('encoding = "auto"', 'encoding = "latin-9"')
    )
    assert "source.encoding" in error.message


def test_an_enum_value_mapped_to_an_unknown_value_is_an_error(finnish: Path) -> None:
    error = mapping_error(
        finnish, FINNISH_MAPPING.replace('Yritys = "organisation"', 'Yritys = "company"')
    )
    assert "tables.subjects.values.subject_type" in error.message
    assert "'Yritys' maps to 'company'" in error.message
    assert "person, organisation" in error.message


def test_a_boolean_value_mapped_to_a_non_boolean_is_an_error(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING.replace("K = true", 'K = "kyllä"'))
    assert "tables.subjects.values.protected" in error.message
    assert "true or false" in error.message


def test_values_for_an_unknown_column_is_an_error(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING + '[tables.subjects.values.tyyppi]\nA = "b"\n')
    assert "unknown column 'tyyppi'" in error.message


def test_a_file_the_folder_lacks_is_an_error(tmp_path: Path) -> None:
    write_register(tmp_path)
    error = mapping_error(tmp_path, '[tables.consents]\nfile = "luvat.csv"\n')
    assert "'luvat.csv'" in error.message
    assert error.table == "consents"


def test_unquoted_non_ascii_keys_get_a_hint_to_quote_them(finnish: Path) -> None:
    error = mapping_error(finnish, FINNISH_MAPPING.replace('"Henkilö" =', "Henkilö ="))
    assert "not a valid TOML file" in error.message
    assert error.hint is not None and '"Henkilö" = ...' in error.hint


def test_a_missing_mapping_file_is_an_error(tmp_path: Path) -> None:
    write_register(tmp_path)
    with pytest.raises(MappingError, match="cannot read the mapping file"):
        load_register(tmp_path, tmp_path / "nope.toml")


def test_ignoring_the_shadowed_canonical_column_resolves_the_clash(tmp_path: Path) -> None:
    text = "subject_id,Tunnus,subject_type,created_at\nA,1,person,2020-01-02\n"
    write_text(tmp_path / "subjects.csv", text)
    mapping = """
[tables.subjects]
ignore = ["subject_id"]
[tables.subjects.columns]
Tunnus = "subject_id"
"""
    register = load(tmp_path, mapping)
    assert values(register, "subjects", "subject_id") == ["1"]
    assert register.unclassified() == []
