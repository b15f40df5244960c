"""DAT001-DAT007: data content and quality, each rule's breach, near miss, edge cases and shape.

As-of date A = 2026-06-30 (tests/builders.AS_OF) unless a test says otherwise. Timestamps are
naive local Helsinki time (UTC+3 in summer, UTC+2 in winter).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit.audit import AuditResult, run_audit
from auditkit.register.loader import load_register
from auditkit.rules.context import Context
from auditkit.rules.identifiers import HETU_CHECK_ALPHABET
from tests.builders import AS_OF, audit, finding, found, make_policy, write_register


def declared_without(*categories: str) -> list[str]:
    """The base policy's data_content.categories less some."""
    return [c for c in make_policy().data_content.categories if c not in categories]


def hetu(ddmmyy: str, sign: str, individual: str) -> str:
    """An identity code with the right check character: (ddmmyy + individual) mod 31."""
    return f"{ddmmyy}{sign}{individual}{HETU_CHECK_ALPHABET[int(ddmmyy + individual) % 31]}"


def wrong_check(code: str) -> str:
    """The same code with a check character that is not the right one."""
    right = HETU_CHECK_ALPHABET.index(code[-1])
    return code[:-1] + HETU_CHECK_ALPHABET[(right + 1) % 31]


VALID = hetu("131052", "-", "308")  # 131052-308T, the DVV example
assert VALID == "131052-308T"


def skipped(result: AuditResult, rule: str) -> list[dict[str, Any]]:
    return [s for s in result.skipped if s["rule"] == rule]


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["evidence"])


def audit_mapped(tmp_path: Path, mapping: str, *, select: list[str], policy=None, **tables):
    """Write the tables (source headers as given) plus a mapping.toml, load with it and audit."""
    policy = policy or make_policy()
    subjects = tables.pop("subjects")
    root = write_register(tmp_path / "register", tables)
    # Written by hand: write_register would add the canonical subject_type and created_at.
    with (root / "asiakkaat.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(subjects[0]))
        writer.writeheader()
        writer.writerows([{k: "" if v is None else v for k, v in row.items()} for row in subjects])
    (root / "mapping.toml").write_text(mapping, encoding="utf-8")
    register = load_register(root, root / "mapping.toml", timezone=policy.timezone)
    return run_audit(register, policy, AS_OF, select=select)


# =============================================================================================
# DAT001 undeclared-data-category
# =============================================================================================


def test_dat001_canonical_column_of_undeclared_category_with_a_value_is_medium(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": declared_without("personal_id")}),
        subjects=[
            {"subject_id": "S1", "personal_id": VALID},
            {"subject_id": "S2", "personal_id": None},
        ],
    )
    assert found(result, "DAT001") == ["personal_id"]
    row = finding(result, "DAT001", "personal_id")
    assert row["table"] == "subjects"
    assert row["subject_id"] is None
    assert row["severity"] == "medium"
    assert row["occurred_at"] is None and row["due_at"] is None and row["days_overdue"] is None
    assert evidence(row)["category"] == "personal_id"
    # The finding names the column, never its values.
    assert VALID not in row["message"] + row["evidence"]


def test_dat001_undeclared_column_that_is_empty_in_every_row_is_no_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": declared_without("personal_id")}),
        subjects=[
            {"subject_id": "S1", "personal_id": ""},
            {"subject_id": "S2", "personal_id": "  "},
        ],
    )
    assert found(result, "DAT001") == []


def test_dat001_declared_category_is_no_finding(tmp_path) -> None:
    result = audit(
        tmp_path, select=["DAT001"], subjects=[{"subject_id": "S1", "personal_id": VALID}]
    )
    assert found(result, "DAT001") == []


def test_dat001_one_finding_per_column_of_an_undeclared_table_category(tmp_path) -> None:
    # Every column of vehicles is "vehicle" except its key and the subject reference; only the
    # columns holding a value count (make yes, model empty).
    result = audit(
        tmp_path,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": declared_without("vehicle")}),
        subjects=[{"subject_id": "S1"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1", "make": "Volvo", "model": None}],
    )
    assert found(result, "DAT001") == ["make"]
    assert finding(result, "DAT001", "make")["table"] == "vehicles"


def test_dat001_controller_records_hold_no_category(tmp_path) -> None:
    # disclosures and requests and subjects' own dates are the controller's records: with only
    # "identity" declared, a full subjects row without names is still no finding.
    result = audit(
        tmp_path,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": ["identity"]}),
        subjects=[{"subject_id": "S1", "relationship_ended_at": "2025-01-01", "protected": "true"}],
        requests=[
            {
                "request_id": "R1",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-01-01T10:00:00",
            }
        ],
    )
    assert found(result, "DAT001") == []


def test_dat001_unclassified_column_with_values_is_medium_and_empty_one_is_low(tmp_path) -> None:
    # No mapping file: every column outside the canonical model is unclassified.
    result = audit(
        tmp_path,
        select=["DAT001"],
        subjects=[
            {"subject_id": "S1", "terveystiedot": "diabetes", "kenkakoko": None},
            {"subject_id": "S2", "terveystiedot": None, "kenkakoko": ""},
        ],
    )
    assert found(result, "DAT001") == ["kenkakoko", "terveystiedot"]
    full = finding(result, "DAT001", "terveystiedot")
    empty = finding(result, "DAT001", "kenkakoko")
    assert (full["severity"], empty["severity"]) == ("medium", "low")
    assert full["subject_id"] is None and empty["subject_id"] is None
    assert full["table"] == empty["table"] == "subjects"
    assert "diabetes" not in full["message"] + full["evidence"]


def test_dat001_unclassified_column_of_another_table(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT001"],
        subjects=[{"subject_id": "S1"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-01-01T10:00:00",
                "cookie_id": "abc123",
            }
        ],
    )
    assert found(result, "DAT001") == ["cookie_id"]
    assert finding(result, "DAT001", "cookie_id")["table"] == "communications"


MAPPING = """
[tables.subjects]
file = "asiakkaat.csv"
ignore = ["Sisainen_huomio"]
[tables.subjects.columns]
Asiakasnumero = "subject_id"
Tyyppi = "subject_type"
"Henkilötunnus" = "personal_id"
Luotu = "created_at"
[tables.subjects.values.subject_type]
"Henkilö" = "person"
[tables.subjects.keep]
Ajokorttiluokka = "identity"
Terveys = "health"
Evaste = "technical"
"""


def mapped_subjects(**extra: Any) -> list[dict[str, Any]]:
    row = {
        "Asiakasnumero": "S1",
        "Tyyppi": "Henkilö",
        "Henkilötunnus": VALID,
        "Luotu": "2020-01-01",
        "Ajokorttiluokka": "B",
        "Terveys": "astma",
        "Evaste": None,
        "Sisainen_huomio": "hankala asiakas",
        "Lisatieto": "x",
        **extra,
    }
    return [row]


def test_dat001_names_the_column_as_written_in_the_source(tmp_path) -> None:
    # With a mapping, record_id is the source header (Henkilötunnus), not the canonical name.
    result = audit_mapped(
        tmp_path,
        MAPPING,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": declared_without("personal_id")}),
        subjects=mapped_subjects(),
    )
    ids = found(result, "DAT001")
    assert "Henkilötunnus" in ids and "personal_id" not in ids
    assert finding(result, "DAT001", "Henkilötunnus")["severity"] == "medium"


def test_dat001_kept_columns_are_judged_by_their_category_and_ignored_ones_never(tmp_path) -> None:
    result = audit_mapped(tmp_path, MAPPING, select=["DAT001"], subjects=mapped_subjects())
    # Ajokorttiluokka: kept as identity (declared) → none. Terveys: kept as "health" (undeclared),
    # holds a value → medium. Evaste: kept as technical (declared) → none. Sisainen_huomio:
    # ignored → none. Lisatieto: neither mapped, kept nor ignored → unclassified, medium.
    assert found(result, "DAT001") == ["Lisatieto", "Terveys"]
    assert finding(result, "DAT001", "Terveys")["severity"] == "medium"
    assert evidence(finding(result, "DAT001", "Terveys"))["category"] == "health"
    assert finding(result, "DAT001", "Lisatieto")["severity"] == "medium"


def test_dat001_kept_column_of_undeclared_category_that_is_empty_is_no_finding(tmp_path) -> None:
    result = audit_mapped(
        tmp_path,
        MAPPING,
        select=["DAT001"],
        policy=make_policy(data_content={"categories": declared_without("technical")}),
        subjects=mapped_subjects(Terveys=None, Lisatieto=None),
    )
    # Evaste (technical, now undeclared) is empty: no finding. Lisatieto is unclassified and
    # empty: low.
    assert found(result, "DAT001") == ["Lisatieto"]
    assert finding(result, "DAT001", "Lisatieto")["severity"] == "low"


# =============================================================================================
# DAT002 identity-code-in-free-text
# =============================================================================================


def note(note_id: str, text: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "note_id": note_id,
        "subject_id": "S1",
        "created_at": "2026-03-02T10:00:00",
        "text": text,
        **extra,
    }


def dat002_notes(tmp_path, *texts: str, as_of: date = date(2026, 6, 30)) -> list[str]:
    result = audit(
        tmp_path,
        as_of=as_of,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        notes=[note(f"N{i}", text) for i, text in enumerate(texts, start=1)],
    )
    return found(result, "DAT002")


def test_dat002_valid_code_in_a_note_is_found_and_printed_masked(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        notes=[note("N1", f"asiakas {VALID} soitti"), note("N2", "asiakas soitti")],
    )
    assert found(result, "DAT002") == ["N1"]
    row = finding(result, "DAT002", "N1")
    assert (row["table"], row["subject_id"], row["severity"]) == ("notes", "S1", "high")
    assert row["occurred_at"] == date(2026, 3, 2)
    assert "131052-****" in row["message"]
    assert evidence(row)["codes"] == ["131052-****"]
    # Never unmasked anywhere in the finding.
    assert not any(VALID in str(value) for value in row.values())
    assert "308T" not in row["message"] + row["evidence"]


def test_dat002_code_in_a_message_body(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-03-02T01:30:00",
                "body": f"Hetu: {VALID}.",
            },
            {
                "message_id": "M2",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-03-02T01:30:00",
                "body": "Kiitos!",
            },
        ],
    )
    assert found(result, "DAT002") == ["M1"]
    row = finding(result, "DAT002", "M1")
    assert (row["table"], row["subject_id"]) == ("communications", "S1")
    # 01:30 local on 2 March is 23:30 UTC on 1 March: occurred_at is the local date.
    assert row["occurred_at"] == date(2026, 3, 2)
    assert not any(VALID in str(value) for value in row.values())


def test_dat002_code_with_a_wrong_check_character_is_not_a_code(tmp_path) -> None:
    assert dat002_notes(tmp_path, f"hetu {wrong_check(VALID)}") == []


@pytest.mark.parametrize(
    "text",
    [f"x{VALID}", f"{VALID}a", f"1{VALID}", f"{VALID}9", f"ä{VALID}", f"{VALID}Ö"],
)
def test_dat002_code_directly_beside_a_letter_or_digit_is_not_a_token(tmp_path, text: str) -> None:
    assert dat002_notes(tmp_path, text) == []


@pytest.mark.parametrize("text", [f"({VALID})", f"hetu:{VALID},", f"\n{VALID}\n", f"_{VALID}_"])
def test_dat002_code_beside_punctuation_is_a_token(tmp_path, text: str) -> None:
    assert dat002_notes(tmp_path, text) == ["N1"]


@pytest.mark.parametrize(
    "code",
    [
        hetu("010150", "Y", "123"),  # 2023 sign for the 1900s
        hetu("010150", "X", "123"),
        hetu("010150", "U", "123"),
        hetu("010105", "B", "123"),  # 2023 sign for the 2000s
        hetu("010105", "F", "123"),
        hetu("010199", "+", "123"),  # 1899
    ],
)
def test_dat002_every_century_sign_is_accepted(tmp_path, code: str) -> None:
    assert dat002_notes(tmp_path, f"koodi {code}") == ["N1"]


def test_dat002_code_dated_after_as_of_is_not_a_code(tmp_path) -> None:
    on_a = hetu("300626", "A", "123")  # born 2026-06-30 = A: possible
    after_a = hetu("010726", "A", "123")  # born 2026-07-01 > A: not yet born
    assert dat002_notes(tmp_path, on_a, after_a) == ["N1"]


def test_dat002_code_with_an_impossible_date_is_not_a_code(tmp_path) -> None:
    assert dat002_notes(tmp_path, hetu("300250", "-", "123"), hetu("290223", "A", "123")) == []
    # 29 Feb of a leap year is a date.
    assert dat002_notes(tmp_path, hetu("290224", "A", "123")) == ["N1"]


def test_dat002_individual_number_001_is_not_a_code_but_temporary_900_999_are(tmp_path) -> None:
    texts = [
        hetu("010150", "-", "001"),
        hetu("010150", "-", "002"),
        hetu("010150", "-", "900"),
        hetu("010150", "-", "999"),
        hetu("010150", "-", "000"),
    ]
    assert dat002_notes(tmp_path, *texts) == ["N2", "N3", "N4"]


def test_dat002_one_finding_per_note_listing_every_code_masked(tmp_path) -> None:
    second = hetu("010105", "A", "456")
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        notes=[note("N1", f"{VALID} ja {second}; väärä {wrong_check(second)}")],
    )
    assert found(result, "DAT002") == ["N1"]
    row = finding(result, "DAT002", "N1")
    assert evidence(row)["codes"] == ["131052-****", "010105A****"]
    assert "131052-****" in row["message"] and "010105A****" in row["message"]
    assert not any(code in str(v) for v in row.values() for code in (VALID, second))


def test_dat002_note_without_subject_has_a_null_subject_id(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        notes=[{"note_id": "N1", "subject_id": None, "created_at": None, "text": VALID}],
    )
    row = finding(result, "DAT002", "N1")
    assert row["subject_id"] is None and row["occurred_at"] is None


def test_dat002_is_partial_when_notes_text_is_absent(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        notes=[{"note_id": "N1", "subject_id": "S1", "created_at": "2026-03-02T10:00:00"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-03-02T10:00:00",
                "body": VALID,
            }
        ],
    )
    assert found(result, "DAT002") == ["M1"]
    assert skipped(result, "DAT002") == [
        {"rule": "DAT002", "reason": "notes.text absent", "partial": True}
    ]


def test_dat002_is_skipped_when_no_text_column_is_present(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT002"],
        subjects=[{"subject_id": "S1"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-03-02T10:00:00",
            }
        ],
    )
    assert skipped(result, "DAT002") == [{"rule": "DAT002", "reason": "communications.body absent"}]
    assert "DAT002" not in result.rules_run


def test_dat002_is_skipped_when_both_tables_are_absent(tmp_path) -> None:
    result = audit(tmp_path, select=["DAT002"], subjects=[{"subject_id": "S1"}])
    [skip] = skipped(result, "DAT002")
    assert "partial" not in skip
    assert "notes" in skip["reason"] and "communications" in skip["reason"]


# =============================================================================================
# DAT003 invalid-identifier
# =============================================================================================


def test_dat003_valid_identifiers_are_no_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[
            {"subject_id": "S1", "personal_id": VALID, "business_id": "0984410-3"},
            {"subject_id": "S2", "personal_id": None, "business_id": None},
        ],
        vehicles=[
            {"vehicle_id": "V1", "subject_id": "S1", "vin": "YV1LW5547W2345678"},
            {"vehicle_id": "V2", "subject_id": "S1", "vin": None},
        ],
    )
    assert found(result, "DAT003") == []
    assert skipped(result, "DAT003") == []


@pytest.mark.parametrize(
    "personal_id",
    [
        "131052-308t",  # lower-case check character: compared as written
        VALID + " ",  # trailing space: no trimming
        " " + VALID,
        wrong_check(VALID),
        hetu("010726", "A", "123"),  # born after A
        hetu("010150", "-", "001"),  # individual number 001
        "131052/308T",  # bad century sign
    ],
)
def test_dat003_personal_id_that_fails_its_check(tmp_path, personal_id: str) -> None:
    result = audit(
        tmp_path, select=["DAT003"], subjects=[{"subject_id": "S1", "personal_id": personal_id}]
    )
    assert found(result, "DAT003") == ["S1"]
    row = finding(result, "DAT003", "S1")
    assert (row["table"], row["subject_id"], row["severity"]) == ("subjects", "S1", "low")
    assert row["occurred_at"] is None
    assert evidence(row)["failed"] == ["personal_id"]
    # The identity code is never printed, not even an invalid one.
    assert personal_id.strip() not in row["message"] + row["evidence"]


def test_dat003_temporary_identity_code_is_valid(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1", "personal_id": hetu("010150", "Y", "950")}],
    )
    assert found(result, "DAT003") == []


@pytest.mark.parametrize("business_id", ["0984410-4", "0984410 3", "984410-3", "0984410-3 "])
def test_dat003_business_id_with_wrong_check_digit_or_shape(tmp_path, business_id: str) -> None:
    # 0984410-3: 0*7+9*9+8*10+4*5+4*8+1*4+0*2 = 217; 217 mod 11 = 8; 11-8 = 3 is the check digit.
    result = audit(
        tmp_path, select=["DAT003"], subjects=[{"subject_id": "S1", "business_id": business_id}]
    )
    assert found(result, "DAT003") == ["S1"]
    assert evidence(finding(result, "DAT003", "S1"))["failed"] == ["business_id"]


def test_dat003_lists_both_subject_identifiers_in_one_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1", "personal_id": "131052-308t", "business_id": "0984410-4"}],
    )
    assert found(result, "DAT003") == ["S1"]
    assert evidence(finding(result, "DAT003", "S1"))["failed"] == ["personal_id", "business_id"]


@pytest.mark.parametrize(
    "vin",
    [
        "YV1LW5547W234567I",  # I is not used in VINs
        "YV1LW5547W234567O",
        "QV1LW5547W2345678",
        "yv1lw5547w2345678",  # lower case: compared as written
        "YV1LW5547W23456-8",
    ],
)
def test_dat003_seventeen_character_vin_with_a_forbidden_character(tmp_path, vin: str) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1", "vin": vin}],
    )
    assert found(result, "DAT003") == ["V1"]
    row = finding(result, "DAT003", "V1")
    assert (row["table"], row["subject_id"], row["severity"]) == ("vehicles", "S1", "low")


@pytest.mark.parametrize("vin", ["TRL123456789", "ABC12", "YV1LW5547W2345678"])
def test_dat003_serial_of_another_length_and_valid_vin_are_accepted(tmp_path, vin: str) -> None:
    # A 12-character trailer serial, a pre-1981 short serial, a 17-character VIN (no check digit).
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1", "vin": vin}],
    )
    assert found(result, "DAT003") == []


def test_dat003_every_row_of_a_duplicated_subject_is_judged(tmp_path) -> None:
    # An exception to the first-row convention: the second S1 row has the bad code.
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[
            {"subject_id": "S1", "personal_id": VALID},
            {"subject_id": "S1", "personal_id": wrong_check(VALID)},
            {"subject_id": "S2", "personal_id": "x"},
            {"subject_id": "S2", "personal_id": "y"},
        ],
    )
    assert found(result, "DAT003") == ["S1", "S2", "S2"]
    assert finding(result, "DAT003", "S1")["source_row"] == 3  # header = 1, second S1 row = 3
    ids = result.findings.filter(result.findings["record_id"] == "S2")["finding_id"].to_list()
    assert len(set(ids)) == 2 and any(i.endswith("#2") for i in ids)


def test_dat003_is_partial_when_vehicles_vin_is_absent(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1", "personal_id": "bad", "business_id": "0984410-3"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1", "make": "Volvo"}],
    )
    assert found(result, "DAT003") == ["S1"]
    assert skipped(result, "DAT003") == [
        {"rule": "DAT003", "reason": "vehicles.vin absent", "partial": True}
    ]


def test_dat003_is_partial_when_subjects_business_id_is_absent(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1", "personal_id": "bad"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1", "vin": "yv1lw5547w2345678"}],
    )
    assert found(result, "DAT003") == ["S1", "V1"]
    assert skipped(result, "DAT003") == [
        {"rule": "DAT003", "reason": "subjects.business_id absent", "partial": True}
    ]


def test_dat003_without_vehicles_table_judges_subjects_only(tmp_path) -> None:
    # vehicles is an optional table: absent, there are simply no VINs to check.
    result = audit(
        tmp_path,
        select=["DAT003"],
        subjects=[{"subject_id": "S1", "personal_id": "bad", "business_id": None}],
    )
    assert found(result, "DAT003") == ["S1"]
    assert skipped(result, "DAT003") == []


def test_dat003_is_skipped_when_no_identifier_column_is_present(tmp_path) -> None:
    result = audit(tmp_path, select=["DAT003"], subjects=[{"subject_id": "S1"}])
    [skip] = skipped(result, "DAT003")
    assert "partial" not in skip
    assert "subjects.personal_id absent" in skip["reason"]
    assert "subjects.business_id absent" in skip["reason"]


# =============================================================================================
# DAT004 unknown-subject-reference
# =============================================================================================


def test_dat004_padded_reference_is_an_unknown_subject(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT004"],
        subjects=[{"subject_id": "S1"}],
        contracts=[
            {"contract_id": "C1", "subject_id": " S1", "kind": "sale", "signed_at": "2024-01-01"},
            {"contract_id": "C2", "subject_id": "S1", "kind": "sale", "signed_at": "2024-01-01"},
            {"contract_id": "C3", "subject_id": "s1", "kind": "sale", "signed_at": "2024-01-01"},
        ],
    )
    assert found(result, "DAT004") == ["C1", "C3"]
    row = finding(result, "DAT004", "C1")
    assert (row["table"], row["subject_id"], row["severity"]) == ("contracts", " S1", "medium")
    assert row["source_row"] == 2
    assert row["occurred_at"] is None


def test_dat004_null_subject_id_is_no_reference(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT004"],
        subjects=[{"subject_id": "S1"}],
        notes=[
            {"note_id": "N1", "subject_id": None, "text": "yleinen muistiinpano"},
            {"note_id": "N2", "subject_id": "S9", "text": "x"},
        ],
    )
    assert found(result, "DAT004") == ["N2"]


def test_dat004_every_referring_table_is_judged(tmp_path) -> None:
    ref = "S9"
    result = audit(
        tmp_path,
        select=["DAT004"],
        subjects=[{"subject_id": "S1"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": ref}],
        contracts=[
            {"contract_id": "C1", "subject_id": ref, "kind": "sale", "signed_at": "2024-01-01"}
        ],
        consents=[
            {
                "event_id": "E1",
                "subject_id": ref,
                "purpose": "email_marketing",
                "action": "grant",
                "recorded_at": "2024-01-01T10:00:00",
            }
        ],
        communications=[
            {
                "message_id": "M1",
                "subject_id": ref,
                "channel": "email",
                "category": "service",
                "sent_at": "2024-01-01T10:00:00",
            }
        ],
        disclosures=[
            {
                "disclosure_id": "D1",
                "subject_id": ref,
                "recipient": "X",
                "recipient_category": "authority",
                "purpose": "contract",
                "country": "FI",
                "disclosed_at": "2024-01-01T10:00:00",
            }
        ],
        requests=[
            {
                "request_id": "R1",
                "subject_id": ref,
                "kind": "access",
                "received_at": "2024-01-01T10:00:00",
            }
        ],
        notes=[{"note_id": "N1", "subject_id": ref, "text": "x"}],
    )
    tables = sorted(result.findings.filter(result.findings["rule"] == "DAT004")["table"].to_list())
    assert tables == sorted(
        ["vehicles", "contracts", "consents", "communications", "disclosures", "requests", "notes"]
    )
    assert found(result, "DAT004") == ["C1", "D1", "E1", "M1", "N1", "R1", "V1"]


def test_dat004_duplicated_subject_is_still_known(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT004"],
        subjects=[{"subject_id": "S1"}, {"subject_id": "S1"}],
        vehicles=[{"vehicle_id": "V1", "subject_id": "S1"}],
    )
    assert found(result, "DAT004") == []


# =============================================================================================
# DAT005 duplicate-person
# =============================================================================================


def test_dat005_shared_email_differing_in_case_and_spaces_is_one_group(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S2", "email": " Matti@Example.FI "},
            {"subject_id": "S1", "email": "matti@example.fi"},
            {"subject_id": "S3", "email": "maija@example.fi"},
        ],
    )
    assert found(result, "DAT005") == ["S1"]
    row = finding(result, "DAT005", "S1")
    assert (row["table"], row["subject_id"], row["severity"]) == ("subjects", "S1", "medium")
    assert row["occurred_at"] is None
    assert row["source_row"] == 3  # the row of S1, the subject that names the group
    assert evidence(row) == {"members": ["S1", "S2"], "shared": ["email"]}


def test_dat005_shared_personal_id_is_one_group_compared_as_written_after_trimming(
    tmp_path,
) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "personal_id": VALID},
            {"subject_id": "S2", "personal_id": f" {VALID} "},
            # Not the same as written: lower-case check character.
            {"subject_id": "S3", "personal_id": VALID.lower()},
        ],
    )
    assert found(result, "DAT005") == ["S1"]
    row = finding(result, "DAT005", "S1")
    assert evidence(row)["members"] == ["S1", "S2"]
    assert VALID not in row["message"] + row["evidence"]


def test_dat005_links_are_transitive_and_the_group_is_named_by_its_lowest_subject_id(
    tmp_path,
) -> None:
    # A-B share an e-mail, B-C a personal_id: one group A, B, C. String order: "S10" < "S7" < "S8".
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S7", "email": "a@example.fi", "personal_id": None},
            {"subject_id": "S8", "email": "a@example.fi", "personal_id": VALID},
            {"subject_id": "S10", "email": "c@example.fi", "personal_id": VALID},
        ],
    )
    assert found(result, "DAT005") == ["S10"]
    assert evidence(finding(result, "DAT005", "S10"))["members"] == ["S10", "S7", "S8"]


def test_dat005_organisations_and_erased_persons_are_not_persons_to_merge(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "email": "x@example.fi"},
            {"subject_id": "S2", "email": "x@example.fi", "subject_type": "organisation"},
            {"subject_id": "S3", "email": "x@example.fi", "erased_at": "2025-01-01T10:00:00"},
        ],
    )
    assert found(result, "DAT005") == []
    assert result.statuses["DAT005"].notes == []  # erased_at present: erasure could be told


def test_dat005_duplicated_subject_counts_by_its_first_row(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "email": "first@example.fi"},
            {"subject_id": "S1", "email": "second@example.fi"},  # ignored: not the first row
            {"subject_id": "S2", "email": "second@example.fi"},
            {"subject_id": "S3", "email": "first@example.fi"},
        ],
    )
    assert found(result, "DAT005") == ["S1"]
    assert evidence(finding(result, "DAT005", "S1"))["members"] == ["S1", "S3"]


def test_dat005_duplicated_subject_alone_is_no_group(tmp_path) -> None:
    # Two rows of one subject_id are DAT006, not "several distinct subject_ids".
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "email": "x@example.fi"},
            {"subject_id": "S1", "email": "x@example.fi"},
        ],
    )
    assert found(result, "DAT005") == []


def test_dat005_two_separate_groups_give_two_findings(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "email": "a@example.fi"},
            {"subject_id": "S2", "email": "a@example.fi"},
            {"subject_id": "S3", "email": "b@example.fi"},
            {"subject_id": "S4", "email": "b@example.fi"},
        ],
    )
    assert found(result, "DAT005") == ["S1", "S3"]


def test_dat005_notes_that_no_subject_could_be_taken_as_erased(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT005"],
        subjects=[
            {"subject_id": "S1", "email": "a@example.fi"},
            {"subject_id": "S2", "email": "a@example.fi"},
        ],
    )
    assert found(result, "DAT005") == ["S1"]
    assert result.statuses["DAT005"].status == "run"
    assert any("erased_at" in n for n in result.statuses["DAT005"].notes)


# =============================================================================================
# DAT006 duplicate-key
# =============================================================================================


def test_dat006_duplicate_key_per_table_with_subject_from_the_first_row(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT006"],
        subjects=[{"subject_id": "S1"}, {"subject_id": "S2"}, {"subject_id": "S1"}],
        contracts=[
            {"contract_id": "C1", "subject_id": "S2", "kind": "sale", "signed_at": "2024-01-01"},
            {"contract_id": "C2", "subject_id": "S2", "kind": "sale", "signed_at": "2024-01-01"},
            {"contract_id": "C1", "subject_id": "S1", "kind": "sale", "signed_at": "2024-01-01"},
            {"contract_id": "C1", "subject_id": "S1", "kind": "sale", "signed_at": "2024-01-01"},
        ],
    )
    assert found(result, "DAT006") == ["C1", "S1"]
    contract = finding(result, "DAT006", "C1")
    assert (contract["table"], contract["subject_id"], contract["severity"]) == (
        "contracts",
        "S2",
        "medium",
    )
    assert contract["source_row"] == 2
    assert contract["occurred_at"] is None
    assert evidence(contract) == {"count": 3, "source_rows": [2, 4, 5]}
    subject = finding(result, "DAT006", "S1")
    assert (subject["table"], subject["subject_id"]) == ("subjects", "S1")


def test_dat006_keys_are_compared_exactly(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT006"],
        subjects=[{"subject_id": "S1"}, {"subject_id": "S1 "}, {"subject_id": "s1"}],
    )
    assert found(result, "DAT006") == []


def test_dat006_same_key_in_two_tables_is_no_duplicate(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT006"],
        subjects=[{"subject_id": "X1"}],
        notes=[
            {"note_id": "X1", "subject_id": "X1", "text": "a"},
            {"note_id": "X2", "subject_id": None, "text": "b"},
            {"note_id": "X2", "subject_id": "X1", "text": "c"},
        ],
    )
    # X2 twice in notes: its first row has no subject.
    assert found(result, "DAT006") == ["X2"]
    assert finding(result, "DAT006", "X2")["subject_id"] is None


# =============================================================================================
# DAT007 impossible-date
# =============================================================================================


def test_dat007_event_after_as_of_is_a_finding_and_on_as_of_is_not(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1"}],
        consents=[
            {
                "event_id": "E1",
                "subject_id": "S1",
                "purpose": "email_marketing",
                "action": "grant",
                "recorded_at": "2026-06-30T23:59:00",
            },
            {
                "event_id": "E2",
                "subject_id": "S1",
                "purpose": "email_marketing",
                "action": "grant",
                "recorded_at": "2026-07-01T00:00:00",
            },
        ],
    )
    assert found(result, "DAT007") == ["E2"]
    row = finding(result, "DAT007", "E2")
    assert (row["table"], row["subject_id"], row["severity"]) == ("consents", "S1", "low")
    assert row["occurred_at"] == date(2026, 7, 1)
    assert evidence(row)["problems"] == ["recorded_at after as-of"]


def test_dat007_datetime_is_compared_by_its_local_date(tmp_path) -> None:
    # 2026-07-01T01:00 Helsinki (UTC+3) is 2026-06-30T22:00 UTC: its UTC date is A, its local
    # date is after A.
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2026-07-01T01:00:00",
            }
        ],
    )
    assert found(result, "DAT007") == ["M1"]
    assert finding(result, "DAT007", "M1")["occurred_at"] == date(2026, 7, 1)


def test_dat007_every_recorded_event_column_is_checked(tmp_path) -> None:
    late, late_dt = "2026-07-01", "2026-07-01T12:00:00"
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[
            {"subject_id": "S1", "created_at": late},
            {"subject_id": "S2", "relationship_ended_at": late},
            {"subject_id": "S3", "last_activity_at": late},
            {"subject_id": "S4", "erased_at": late_dt},
            {"subject_id": "S5"},
        ],
        vehicles=[
            {"vehicle_id": "V1", "subject_id": "S5", "linked_at": late},
            {"vehicle_id": "V2", "subject_id": "S5", "unlinked_at": late},
        ],
        contracts=[
            {"contract_id": "C1", "subject_id": "S5", "kind": "sale", "signed_at": late},
            {
                "contract_id": "C2",
                "subject_id": "S5",
                "kind": "sale",
                "signed_at": "2024-01-01",
                "closed_at": late,
            },
        ],
        disclosures=[
            {
                "disclosure_id": "D1",
                "subject_id": "S5",
                "recipient": "X",
                "recipient_category": "authority",
                "purpose": "contract",
                "country": "FI",
                "disclosed_at": late_dt,
            },
            {
                "disclosure_id": "D2",
                "subject_id": "S5",
                "recipient": "X",
                "recipient_category": "authority",
                "purpose": "contract",
                "country": "FI",
                "disclosed_at": "2024-01-01T10:00:00",
                "deletion_confirmed_at": late_dt,
            },
        ],
        requests=[
            {"request_id": "R1", "subject_id": "S5", "kind": "access", "received_at": late_dt},
            {
                "request_id": "R2",
                "subject_id": "S5",
                "kind": "access",
                "received_at": "2024-01-01T10:00:00",
                "extension_notified_at": late_dt,
            },
            {
                "request_id": "R3",
                "subject_id": "S5",
                "kind": "access",
                "received_at": "2024-01-01T10:00:00",
                "completed_at": late_dt,
            },
        ],
        notes=[{"note_id": "N1", "subject_id": "S5", "created_at": late_dt, "text": "x"}],
    )
    assert found(result, "DAT007") == [
        "C1",
        "C2",
        "D1",
        "D2",
        "N1",
        "R1",
        "R2",
        "R3",
        "S1",
        "S2",
        "S3",
        "S4",
        "V1",
        "V2",
    ]
    assert finding(result, "DAT007", "S4")["occurred_at"] == date(2026, 7, 1)


def test_dat007_planned_contract_end_after_as_of_is_allowed(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1"}],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S1",
                "kind": "financing",
                "signed_at": "2024-01-01",
                "ends_at": "2029-01-01",
            }
        ],
    )
    assert found(result, "DAT007") == []


def test_dat007_event_one_day_before_subject_created_is_allowed_two_days_is_not(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2024-01-10"}],
        contracts=[
            {
                "contract_id": "C1",
                "subject_id": "S1",
                "kind": "sale",
                "signed_at": "2024-01-09",
            },  # -1 day
            {
                "contract_id": "C2",
                "subject_id": "S1",
                "kind": "sale",
                "signed_at": "2024-01-08",
            },  # -2 days
        ],
    )
    assert found(result, "DAT007") == ["C2"]
    row = finding(result, "DAT007", "C2")
    assert row["occurred_at"] == date(2024, 1, 8)
    assert evidence(row)["problems"] == ["signed_at before subject created"]


def test_dat007_before_created_uses_the_local_date_of_a_datetime(tmp_path) -> None:
    # 2024-01-09T00:30 Helsinki (UTC+2) is 2024-01-08T22:30 UTC. Its local date is created_at - 1:
    # allowed. 2024-01-08T23:30 local is two days before: a finding.
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2024-01-10"}],
        communications=[
            {
                "message_id": "M1",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2024-01-09T00:30:00",
            },
            {
                "message_id": "M2",
                "subject_id": "S1",
                "channel": "email",
                "category": "service",
                "sent_at": "2024-01-08T23:30:00",
            },
        ],
    )
    assert found(result, "DAT007") == ["M2"]


def test_dat007_every_table_with_an_event_is_checked_against_created_at(tmp_path) -> None:
    early, early_dt = "2019-01-01", "2019-01-01T10:00:00"
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2020-01-01"}],
        vehicles=[
            {"vehicle_id": "V1", "subject_id": "S1", "linked_at": early},
            {"vehicle_id": "V2", "subject_id": "S1", "unlinked_at": early},
        ],  # not an event checked
        consents=[
            {
                "event_id": "E1",
                "subject_id": "S1",
                "purpose": "email_marketing",
                "action": "grant",
                "recorded_at": early_dt,
            }
        ],
        disclosures=[
            {
                "disclosure_id": "D1",
                "subject_id": "S1",
                "recipient": "X",
                "recipient_category": "authority",
                "purpose": "contract",
                "country": "FI",
                "disclosed_at": early_dt,
            }
        ],
        requests=[
            {"request_id": "R1", "subject_id": "S1", "kind": "access", "received_at": early_dt}
        ],
        notes=[{"note_id": "N1", "subject_id": "S1", "created_at": early_dt, "text": "x"}],
    )
    assert found(result, "DAT007") == ["D1", "E1", "N1", "R1", "V1"]


def test_dat007_one_finding_per_row_listing_every_column(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2020-01-01"}],
        requests=[
            {
                "request_id": "R1",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-07-05T10:00:00",
                "extension_notified_at": "2026-07-03T10:00:00",
                "completed_at": "2026-08-01T10:00:00",
            }
        ],
    )
    assert found(result, "DAT007") == ["R1"]
    row = finding(result, "DAT007", "R1")
    problems = evidence(row)["problems"]
    assert sorted(problems) == sorted(
        ["received_at after as-of", "extension_notified_at after as-of", "completed_at after as-of"]
    )
    # occurred_at: the local date of the earliest offending value.
    assert row["occurred_at"] == date(2026, 7, 3)


def test_dat007_unknown_subject_gets_only_the_after_as_of_test(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2020-01-01"}],
        contracts=[
            {"contract_id": "C1", "subject_id": "S9", "kind": "sale", "signed_at": "2000-01-01"},
            {"contract_id": "C2", "subject_id": "S9", "kind": "sale", "signed_at": "2026-07-01"},
        ],
    )
    assert found(result, "DAT007") == ["C2"]
    assert finding(result, "DAT007", "C2")["subject_id"] == "S9"


def test_dat007_duplicated_subject_uses_its_first_row_created_at(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[
            {"subject_id": "S1", "created_at": "2024-01-10"},
            {"subject_id": "S1", "created_at": "2010-01-01"},
        ],
        contracts=[
            {"contract_id": "C1", "subject_id": "S1", "kind": "sale", "signed_at": "2020-01-01"}
        ],
    )
    # Judged against the first row (2024-01-10): one finding, not two.
    assert found(result, "DAT007") == ["C1"]


def test_dat007_occurred_at_is_the_event_date_for_an_event_before_created(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1", "created_at": "2024-01-10"}],
        notes=[
            {"note_id": "N1", "subject_id": "S1", "created_at": "2023-05-05T12:00:00", "text": "x"}
        ],
    )
    assert finding(result, "DAT007", "N1")["occurred_at"] == date(2023, 5, 5)


def test_the_run_warns_of_values_dated_after_the_as_of_date(tmp_path) -> None:
    # Helsinki is UTC+3 in summer: 2026-07-01T00:30 local is after A, 2026-06-30T23:59 is not.
    result = audit(
        tmp_path,
        select=["DAT007"],
        subjects=[{"subject_id": "S1"}],
        communications=[
            {"message_id": m, "subject_id": "S1", "channel": "email", "category": "service",
             "sent_at": at}
            for m, at in (("M1", "2026-07-01T00:30:00"), ("M2", "2026-06-30T23:59:00"))
        ],
        contracts=[{"contract_id": "C1", "subject_id": "S1", "kind": "purchase",
                    "signed_at": "2026-07-01"}],
    )  # fmt: skip
    assert [w for w in result.warnings if "dated after" in w] == [
        "2 value(s) are dated after the as-of date 2026-06-30: an audit as of a day before the "
        "export is not a reconstruction of the past"
    ]
    assert sorted(found(result, "DAT007")) == ["C1", "M1"]


_ZONES = ["Europe/Helsinki", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns"]


@settings(max_examples=300, deadline=None)
@given(
    instants=st.lists(
        st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)), min_size=1, max_size=20
    ),
    created=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    as_of=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    zone=st.sampled_from(_ZONES),
)
def test_dat007_cheap_tests_agree_with_the_local_date_tests(
    instants: list[datetime], created: date, as_of: date, zone: str
) -> None:
    """DAT007 filters on the stored instants before the local-date tests: `_after` is exactly
    `local date > A`, `_maybe_before` is true wherever `local date < created - 1 day`."""
    from auditkit.rules import data

    ctx = type("Ctx", (), {})()
    ctx.as_of, ctx.timezone = as_of, zone
    ctx.A = pl.lit(as_of, pl.Date)
    ctx.end_of_as_of = Context.end_of_as_of.func(ctx)
    ctx.at_as_of = Context.at_as_of.fget(ctx)
    ctx.local_date = lambda e: Context.local_date(ctx, e)
    frame = pl.DataFrame(
        {"sent_at": instants, "subject_created_at": [created] * len(instants)},
        schema={"sent_at": pl.Datetime("us", "UTC"), "subject_created_at": pl.Date},
    )
    local = ctx.local_date(pl.col("sent_at"))
    out = frame.select(
        after=data._after(ctx, "communications", "sent_at"),
        exact_after=local > ctx.A,
        maybe_before=data._maybe_before("communications", "sent_at"),
        exact_before=local < pl.col("subject_created_at").dt.offset_by("-1d"),
    )
    assert out["after"].to_list() == out["exact_after"].to_list()
    assert all(m for m, e in zip(out["maybe_before"], out["exact_before"], strict=True) if e)
