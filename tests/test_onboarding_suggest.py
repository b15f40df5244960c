"""Suggesting a mapping for exports auditkit has never seen: English headers, other spellings,
slash dates, misleading headers and columns nobody can place."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import polars as pl
import pytest

from auditkit.onboarding.render import render_mapping
from auditkit.onboarding.sample import read_sample
from auditkit.onboarding.suggest import Suggestion, suggest_mapping
from auditkit.onboarding.synonyms import COLUMN_SYNONYMS, fold, header_index
from auditkit.register.loader import load_register
from auditkit.register.mapping import Mapping
from auditkit.register.schema import TABLES


def write_csv(path: Path, rows: list[list[str]], separator: str = ",", encoding: str = "utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=separator).writerows(rows)
    return path


CUSTOMERS = [
    ["Customer ID", "Type", "First Name", "Last Name", "Email", "E-mail address", "Mobile",
     "ZIP", "City", "Personal ID", "Created", "Customer until", "Protected identity",
     "Shoe size", "Segment"],
    ["C-1", "Private", "Aino", "Virtanen", "Y", "aino@example.com", "+358401234567", "00100",
     "Helsinki", "131052-308T", "13/02/2021", "", "No", "38", "A"],
    ["C-2", "Company", "Eero", "Laine", "N", "eero@example.com", "+358407654321", "33100",
     "Tampere", "", "01/03/2020", "28/02/2023", "Yes", "44", "B"],
    ["C-3", "Private", "Liisa", "Koski", "Y", "liisa@example.com", "0401112223", "20100",
     "Turku", "", "25/12/2019", "", "No", "39", "C"],
]  # fmt: skip
PERMISSIONS = [
    ["Event ID", "Customer", "Permission type", "Choice", "Timestamp", "Origin", "Proof"],
    ["P1", "C-1", "Newsletter", "Opt-in", "2021-02-13T10:00:00", "Website", "form-1"],
    ["P2", "C-1", "SMS", "Withdrawn", "2022-05-01T09:30:00", "Store", "sig-2"],
    ["P3", "C-3", "Newsletter", "Objection", "2023-01-02T12:00:00", "Website", "form-3"],
]
MESSAGES = [
    ["Message ID", "Customer", "Channel", "Type", "Sent", "Campaign", "Product line", "Text"],
    ["M1", "C-1", "E-mail", "Marketing", "2024-05-02 14:00", "SPRING", "Cars", "Spring offers"],
    ["M2", "C-3", "Text message", "Service reminder", "2024-06-01 09:00", "", "Tires", "Tyres"],
    ["M3", "C-2", "Letter", "Invoice", "2024-07-01 08:00", "", "", "Your invoice"],
]
BRANCHES = [["Branch", "Street", "City"], ["North", "Main St 1", "Oulu"]]


@pytest.fixture
def english(tmp_path: Path) -> tuple[Path, Suggestion]:
    export = tmp_path / "crm_export"
    export.mkdir()
    write_csv(export / "customers.csv", CUSTOMERS)
    write_csv(export / "marketing_permissions.csv", PERMISSIONS, separator=";")
    write_csv(export / "messages.csv", MESSAGES, separator="\t")
    write_csv(export / "branches.csv", BRANCHES)
    return export, suggest_mapping(export)


def _mapping_file(tmp_path: Path, suggestion: Suggestion) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(render_mapping(suggestion), encoding="utf-8")
    return path


def test_an_english_export_gets_a_mapping_that_loads_with_the_right_values(
    tmp_path: Path, english: tuple[Path, Suggestion]
) -> None:
    export, suggestion = english
    register = load_register(export, _mapping_file(tmp_path, suggestion))
    subjects = register.tables["subjects"].collect()
    assert subjects["subject_type"].cast(str).to_list() == ["person", "organisation", "person"]
    assert subjects["email"].to_list() == [
        "aino@example.com",
        "eero@example.com",
        "liisa@example.com",
    ]
    assert subjects["protected"].to_list() == [False, True, False]
    assert subjects["created_at"].cast(str).to_list() == ["2021-02-13", "2020-03-01", "2019-12-25"]
    assert subjects["relationship_ended_at"].cast(str).to_list() == [None, "2023-02-28", None]
    consents = register.tables["consents"].collect()
    assert consents["purpose"].cast(str).to_list() == [
        "email_marketing",
        "sms_marketing",
        "email_marketing",
    ]
    assert consents["action"].cast(str).to_list() == ["grant", "withdraw", "object"]
    assert consents["source"].to_list() == ["web_form", "store", "web_form"]
    messages = register.tables["communications"].collect()
    assert messages["channel"].cast(str).to_list() == ["email", "sms", "post"]
    assert messages["category"].cast(str).to_list() == ["marketing", "service", "transactional"]
    assert messages["product_group"].to_list() == ["vehicles", "tyres", None]
    assert messages["body"].to_list() == ["Spring offers", "Tyres", "Your invoice"]


def test_slash_dates_with_a_day_over_12_are_read_day_first(english: tuple[Path, Suggestion]):
    _, suggestion = english
    [subjects] = [t for t in suggestion.placed if t.table == "subjects"]
    assert (subjects.date_format, subjects.date_format_sure) == ("%d/%m/%Y", True)
    assert "day first" in subjects.date_format_evidence


def test_a_header_its_content_contradicts_is_never_mapped(english: tuple[Path, Suggestion]):
    _, suggestion = english
    [subjects] = [t for t in suggestion.placed if t.table == "subjects"]
    email = next(c for c in subjects.columns if c.source == "Email")
    assert (email.target, email.sure) == ("email", False)  # Y/N flags, not addresses
    assert "e-mail addresses in none of the 3 values" in email.evidence
    assert subjects.mapped()["E-mail address"] == "email"


def test_columns_it_cannot_place_stay_out_of_the_mapping_and_unclassified(
    tmp_path: Path, english: tuple[Path, Suggestion]
) -> None:
    export, suggestion = english
    mapping = suggestion.mapping()["tables"]["subjects"]
    for column in ("Shoe size", "Segment", "Email"):
        assert column not in mapping["columns"]
        assert column not in mapping.get("keep", {})
        assert column not in mapping.get("ignore", [])
    register = load_register(export, _mapping_file(tmp_path, suggestion))
    unclassified = {c.name for c in register.unclassified()}
    assert unclassified == {"Shoe size", "Segment", "Email"}
    text = render_mapping(suggestion)
    assert '# "Shoe size" = "?"' in text and '# "Segment" = "?"' in text


def test_a_file_that_is_no_register_table_is_not_placed(english: tuple[Path, Suggestion]):
    _, suggestion = english
    assert {t.table for t in suggestion.placed} == {"subjects", "consents", "communications"}
    [branches] = [t for t in suggestion.tables if t.sample.path.name == "branches.csv"]
    assert not branches.sure
    assert "branches" not in str(suggestion.mapping())
    assert "# TODO: branches.csv" in render_mapping(suggestion)


def test_an_unknown_enum_value_is_a_commented_todo_and_loading_stops_on_it(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "customers.csv", CUSTOMERS)
    rows = [*MESSAGES, ["M4", "C-1", "Carrier pigeon", "Marketing", "2024-08-01 10:00", "", "", ""]]
    write_csv(export / "messages.csv", rows)
    suggestion = suggest_mapping(export)
    text = render_mapping(suggestion)
    assert '# "Carrier pigeon" = "?"' in text and "TODO: no known synonym" in text
    assert "Carrier pigeon" not in str(suggestion.mapping())
    from auditkit.errors import LoadError

    with pytest.raises(LoadError, match="Carrier pigeon"):
        load_register(export, _mapping_file(tmp_path, suggestion))


def test_a_file_with_an_unknown_name_is_placed_by_its_columns(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "export_0001.csv", CUSTOMERS)
    [guess] = suggest_mapping(export).placed
    assert guess.table == "subjects" and "12 of its 15 headers" in guess.evidence


def test_identity_codes_are_placed_by_their_content_when_the_header_is_unknown(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    rows = [["Customer ID", "Created", "Tunniste X"]] + [
        [f"C{i}", "2020-01-01", code]
        for i, code in enumerate(["131052-308T", "010101A123N", "311299-999E"])
    ]
    write_csv(export / "customers.csv", rows)
    [subjects] = suggest_mapping(export).placed
    column = next(c for c in subjects.columns if c.source == "Tunniste X")
    assert (column.target, column.sure) == ("personal_id", True)
    assert column.evidence == "content: valid identity codes in all 3 values"


def test_ambiguous_slash_dates_are_a_commented_date_format(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    rows = [["Customer ID", "Type", "Created"], ["C1", "person", "03/04/2021"]]
    write_csv(export / "customers.csv", rows)
    [subjects] = suggest_mapping(export).placed
    assert subjects.date_format == "%d/%m/%Y" and not subjects.date_format_sure
    text = render_mapping(suggest_mapping(export))
    assert '# date_format = "%d/%m/%Y"' in text and "day or month first" in text


def test_thousands_with_commas_turn_the_decimal_comma_off(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    write_csv(
        export / "customers.csv",
        [["Customer ID", "Type", "Created"], ["C1", "person", "2020-01-01"]],
    )
    rows = [
        ["Contract ID", "Customer", "Type", "Signed", "Amount"],
        ["K1", "C1", "Sale", "2021-01-01", "12,500.00"],
        ["K2", "C1", "Service", "2021-02-01", "310.50"],
    ]
    write_csv(export / "deals.csv", rows)
    suggestion = suggest_mapping(export)
    [contracts] = [t for t in suggestion.placed if t.table == "contracts"]
    assert contracts.decimal_comma is False
    register = load_register(export, _mapping_file(tmp_path, suggestion))
    assert register.tables["contracts"].collect()["amount_eur"].to_list() == [12500.0, 310.5]


def test_a_large_file_is_read_from_a_sample_that_ends_on_a_whole_record(tmp_path: Path):
    path = tmp_path / "notes.csv"
    rows = [["Note", "Customer", "Text"]] + [
        [f"N{i}", f"C{i}", f'line one {i}\nline two; with "quotes"'] for i in range(2000)
    ]
    write_csv(path, rows, separator=";")
    [sample] = read_sample(path, max_rows=50_000, max_bytes=10_000)
    assert not sample.complete
    assert 0 < sample.frame.height < 2000
    assert sample.frame["Text"].str.ends_with('with "quotes"').all()  # no record cut in two
    [capped] = read_sample(path, max_rows=100)
    assert capped.frame.height == 100 and not capped.complete


def test_encoding_and_separator_are_sniffed_as_the_loader_sniffs_them(tmp_path: Path):
    path = write_csv(
        tmp_path / "asiakkaat.csv",
        [["Asiakasnumero", "Asiakastyyppi", "Luontipäivä"], ["1", "Henkilö", "1.2.2020"]],
        separator=";",
        encoding="cp1252",
    )
    [sample] = read_sample(path)
    assert (sample.encoding, sample.separator) == ("cp1252", ";")
    assert sample.frame.columns == ["Asiakasnumero", "Asiakastyyppi", "Luontipäivä"]
    text = render_mapping(suggest_mapping(tmp_path))
    register = load_register(tmp_path, Mapping.model_validate(tomllib.loads(text)))
    assert register.sources[0].encoding == "cp1252" and register.sources[0].separator == ";"


def test_an_xlsx_sheet_is_placed_by_its_sheet_name(tmp_path: Path):
    frame = pl.DataFrame({"Request": ["R1"], "Customer": ["C1"], "Kind": ["Access"],
                          "Received": ["2025-01-02 10:00"]})  # fmt: skip
    frame.write_excel(tmp_path / "crm.xlsx", worksheet="requests")
    pl.DataFrame({"Note": ["x"]}).write_excel(tmp_path / "other.xlsx", worksheet="Sheet1")
    with __import__("xlsxwriter").Workbook(tmp_path / "two.xlsx") as book:
        book.add_worksheet("requests").write_row(0, 0, ["Request ID", "Customer"])
        book.add_worksheet("junk").write_row(0, 0, ["a"])
    [two] = [t for t in suggest_mapping(tmp_path).tables if t.sample.path.name == "two.xlsx"
             and t.sample.sheet == "requests"]  # fmt: skip
    assert two.table == "requests" and two.sample.stem == "requests"


def test_the_rendered_toml_says_exactly_what_the_suggestion_says(english: tuple[Path, Suggestion]):
    _, suggestion = english
    parsed = Mapping.model_validate(tomllib.loads(render_mapping(suggestion)))
    assert parsed == Mapping.model_validate(suggestion.mapping())


def test_no_header_synonym_names_two_columns_of_one_table() -> None:
    for table, columns in COLUMN_SYNONYMS.items():
        seen: dict[str, str] = {}
        for column, words in columns.items():
            assert column in TABLES[table].names
            for word in words:
                assert seen.setdefault(fold(word), column) == column, (table, word)
        assert set(header_index(table).values()) == set(columns)


def test_parquet_with_canonical_names_and_native_types_needs_no_value_mapping(tmp_path: Path):
    from datetime import date

    export = tmp_path / "export"
    export.mkdir()
    pl.DataFrame(
        {
            "subject_id": ["1", "2"],
            "subject_type": ["person", "organisation"],
            "created_at": [date(2020, 1, 1), date(2021, 5, 6)],
            "protected": [True, False],
        }
    ).write_parquet(export / "subjects.parquet")
    pl.DataFrame(
        {"contract_id": ["K1"], "subject_id": ["1"], "kind": ["sale"],
         "signed_at": [date(2021, 1, 1)], "amount_eur": [1200.5]}
    ).write_parquet(export / "contracts.parquet")  # fmt: skip
    suggestion = suggest_mapping(export)
    assert {t.table for t in suggestion.placed} == {"subjects", "contracts"}
    for guess in suggestion.placed:
        assert all(c.sure and c.source == c.target for c in guess.columns)
        assert all(not r.mapped for r in guess.values.values())
    register = load_register(export, _mapping_file(tmp_path, suggestion))
    assert register.tables["contracts"].collect()["amount_eur"].to_list() == [1200.5]


def test_a_swedish_export_is_placed_by_its_swedish_names(tmp_path: Path):
    rows = [
        ["Kundnummer", "Kundtyp", "Förnamn", "Efternamn", "E-post", "Skapad", "Skyddad identitet"],
        ["1", "Privatperson", "Anna", "Berg", "anna@example.se", "2.3.2021", "Nej"],
        ["2", "Företag", "Erik", "Lund", "erik@example.se", "15.4.2020", "Ja"],
    ]
    write_csv(tmp_path / "kunder.csv", rows, separator=";", encoding="cp1252")
    rows = [["Händelsenummer", "Kund", "Syfte", "Åtgärd", "Registrerad", "Källa", "Bevis"],
            ["H1", "1", "Nyhetsbrev", "Samtycke", "2.3.2021 10.00", "Butik", "B-1"]]  # fmt: skip
    write_csv(tmp_path / "samtycken.csv", rows, separator=";")
    suggestion = suggest_mapping(tmp_path)
    register = load_register(tmp_path, _mapping_file(tmp_path, suggestion))
    subjects = register.tables["subjects"].collect()
    assert subjects["subject_type"].cast(str).to_list() == ["person", "organisation"]
    assert subjects["protected"].to_list() == [False, True]
    consents = register.tables["consents"].collect()
    assert consents.select("purpose", "action", "source").rows() == [
        ("email_marketing", "grant", "store")
    ]
