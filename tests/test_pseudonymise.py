"""Protecting personal data in reports: identity codes, protected addresses, keyed pseudonyms."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from auditkit.errors import AuditkitError
from auditkit.findings import FINDINGS_SCHEMA, finding_ids
from auditkit.report.pseudonymise import People, Protector, mask_identity_codes_in, read_key

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
VALID = "131052-308T"


def findings(*rows: dict[str, object]) -> pl.DataFrame:
    """A findings frame (the engine's schema) from a few partial rows."""
    defaults = {
        "finding_id": None,
        "rule": "DAT002",
        "area": "data",
        "severity": "high",
        "table": "notes",
        "record_id": "N1",
        "subject_id": "100056",
        "source_row": 2,
        "occurred_at": date(2026, 3, 2),
        "due_at": None,
        "days_overdue": None,
        "message": "",
        "evidence": "{}",
    }
    full = [{**defaults, **row} for row in rows]
    for row in full:
        if row["finding_id"] is None:
            row["finding_id"] = finding_ids([row["rule"]], [row["table"]], [row["record_id"]])[0]
    return pl.DataFrame(full, schema=FINDINGS_SCHEMA)


def test_identity_codes_are_masked_everywhere_keeping_the_birth_date() -> None:
    frame = findings(
        {
            "record_id": f"X{VALID}",
            "message": f"note says {VALID} and 010190A123B",
            "evidence": json.dumps({"text": f"code {VALID}", "codes": [VALID]}),
        }
    )
    shown = Protector().findings(frame).row(0, named=True)
    assert shown["message"] == "note says 131052-**** and 010190A****"
    assert shown["record_id"] == "X131052-****"
    assert json.loads(shown["evidence"]) == {"text": "code 131052-****", "codes": ["131052-****"]}


def test_codes_side_by_side_are_all_masked_but_longer_digit_runs_are_not_codes() -> None:
    frame = findings(
        {"message": f"{VALID},{VALID};010190A123B and record V0019721-10082 or 1310521-308T"}
    )
    assert Protector().findings(frame)["message"][0] == (
        "131052-****,131052-****;010190A**** and record V0019721-10082 or 1310521-308T"
    )
    assert mask_identity_codes_in(f"x{VALID}y 99{VALID}", whole=True) == f"x******-****y 99{VALID}"


def test_identity_codes_are_masked_whole_when_pseudonymising() -> None:
    frame = findings({"message": f"code {VALID}", "evidence": json.dumps({"codes": [VALID]})})
    shown = Protector(key=KEY).findings(frame).row(0, named=True)
    assert shown["message"] == "code ******-****"
    assert json.loads(shown["evidence"]) == {"codes": ["******-****"]}


def test_a_protected_subjects_address_is_withheld_also_inside_evidence() -> None:
    people = People(protected_addresses=("Salainen katu 7 B 12",))
    frame = findings(
        {
            "message": "letter to Salainen katu 7 B 12 returned",
            "evidence": json.dumps({"address": 'SALAINEN KATU 7 B 12 "c/o"'}),
        }
    )
    shown = Protector(people=people, withheld="[withheld]").findings(frame).row(0, named=True)
    assert shown["message"] == "letter to [withheld] returned"
    assert json.loads(shown["evidence"]) == {"address": '[withheld] "c/o"'}


def test_control_characters_are_removed() -> None:
    frame = findings({"message": "a\x00b\x07c\td\ne"})
    assert Protector().findings(frame)["message"][0] == "abc\td\ne"


def test_pseudonyms_are_stable_with_one_key_and_differ_with_another() -> None:
    frame = findings({"message": "sent to 100056 twice"})
    first = Protector(key=KEY).findings(frame).row(0, named=True)
    again = Protector(key=KEY).findings(frame).row(0, named=True)
    other = Protector(key=OTHER_KEY).findings(frame).row(0, named=True)
    assert first == again
    assert first["subject_id"].startswith("S-") and len(first["subject_id"]) == 18
    assert first["subject_id"] != other["subject_id"]
    assert first["message"] == f"sent to {first['subject_id']} twice"
    assert "100056" not in str(first)


def test_subject_ids_are_replaced_as_whole_tokens_only() -> None:
    frame = findings(
        {"subject_id": "1001", "message": "subject 1001 has rows 10010 and 1001.5; S1001, 1001."}
    )
    shown = Protector(key=KEY).findings(frame).row(0, named=True)
    pseudonym = shown["subject_id"]
    assert shown["message"] == f"subject {pseudonym} has rows 10010 and 1001.5; S1001, {pseudonym}."


def test_record_ids_that_are_subject_ids_are_pseudonymised() -> None:
    frame = findings({"rule": "RET001", "table": "subjects", "record_id": "100056"})
    shown = Protector(key=KEY).findings(frame).row(0, named=True)
    assert shown["record_id"] == shown["subject_id"] != "100056"


def test_evidence_subject_lists_are_pseudonymised_and_stay_json() -> None:
    frame = findings(
        {
            "rule": "DAT005",
            "table": "subjects",
            "record_id": "100363",
            "subject_id": "100363",
            "message": "Subjects 100363, 101527 look like one person.",
            "evidence": '{"members":["100363","101527"],"rows":101527,"shared":["email"]}',
        }
    )
    protector = Protector(key=KEY)
    shown = protector.findings(frame).row(0, named=True)
    evidence = json.loads(shown["evidence"])
    members = [protector.pseudonym("subject", s) for s in ("100363", "101527")]
    assert evidence == {"members": members, "rows": 101527, "shared": ["email"]}
    assert list(evidence) == ["members", "rows", "shared"]  # keys and their order kept
    assert shown["message"] == f"Subjects {members[0]}, {members[1]} look like one person."


def test_emails_phones_and_known_names_are_pseudonymised() -> None:
    people = People(names=("Virtanen",), phones=("0401234567",))
    frame = findings(
        {
            "message": "Matti Virtanen <matti.virtanen@example.fi>, +358 40 123 4567, "
            "040-123 4567, 0401234567",
        }
    )
    protector = Protector(key=KEY, people=people)
    message = protector.findings(frame)["message"][0]
    assert "Virtanen" not in message and "example.fi" not in message
    assert protector.pseudonym("name", "Virtanen") in message
    assert protector.pseudonym("email", "matti.virtanen@example.fi") in message
    assert "123" not in message and "4567" not in message
    assert message.startswith("Matti N-")  # a first name not in the register is not guessed


def test_finding_ids_are_keyed_and_keep_their_repeat_suffix() -> None:
    base = finding_ids(["DAT006"], ["subjects"], ["100056"])[0]
    frame = findings(
        {"rule": "DAT006", "table": "subjects", "record_id": "100056", "finding_id": base},
        {"rule": "DAT006", "table": "subjects", "record_id": "100056", "finding_id": base + "#2"},
    )
    keyed = Protector(key=KEY).findings(frame)["finding_id"].to_list()
    expected = finding_ids(["DAT006"], ["subjects"], ["100056"], key=KEY)[0]
    assert keyed == [expected, expected + "#2"]
    assert expected != base


def test_subjects_keyed_by_identity_code_get_distinct_pseudonyms() -> None:
    frame = findings({"subject_id": "131052-308T"}, {"subject_id": "131052-309U"})
    ids = Protector(key=KEY).findings(frame)["subject_id"].to_list()
    assert ids[0] != ids[1] and all(i.startswith("S-") for i in ids)


def test_without_a_key_nothing_is_pseudonymised() -> None:
    frame = findings({"message": "to 100056 at matti@example.fi"})
    shown = Protector().findings(frame).row(0, named=True)
    assert shown["subject_id"] == "100056"
    assert shown["message"] == "to 100056 at matti@example.fi"
    with pytest.raises(ValueError):
        Protector().pseudonym("subject", "100056")


def test_frames_and_strings_follow_the_same_rules() -> None:
    protector = Protector(key=KEY, people=People(subject_ids=("100056",)))
    calendar = pl.DataFrame(
        {
            "due_at": [date(2026, 7, 1)],
            "table": ["subjects"],
            "record_id": ["100056"],
            "subject_id": ["100056"],
            "reason": ["retention of 100056"],
        }
    )
    shown = protector.frame(calendar).row(0, named=True)
    pseudonym = protector.pseudonym("subject", "100056")
    assert (shown["record_id"], shown["subject_id"]) == (pseudonym, pseudonym)
    assert shown["reason"] == f"retention of {pseudonym}"
    assert protector.strings([f"call 100056 re {VALID}", None]) == [
        f"call {pseudonym} re ******-****",
        None,
    ]


def test_people_from_a_register(tmp_path) -> None:
    from auditkit.register.loader import load_register
    from tests.builders import write_register

    root = write_register(
        tmp_path / "r",
        {
            "subjects": [
                {
                    "subject_id": "S1",
                    "first_name": "Anna-Liisa",
                    "last_name": "Mäki",
                    "street_address": "Salainen katu 7",
                    "protected": "true",
                    "email": " anna@example.fi ",
                },
                {"subject_id": "S2", "street_address": "Julkinen tie 1", "protected": "false"},
            ]
        },
    )
    people = People.from_register(load_register(root))
    assert people.subject_ids == ("S1", "S2")
    assert people.names == ("Anna-Liisa", "Mäki")
    assert people.protected_addresses == ("Salainen katu 7",)
    assert people.emails == ("anna@example.fi",)


def test_read_key(tmp_path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"\x00" * 8 + KEY)
    assert read_key(key) == b"\x00" * 8 + KEY
    with pytest.raises(AuditkitError, match="no such key file"):
        read_key(tmp_path / "missing")
    (tmp_path / "empty").write_bytes(b"\n")
    with pytest.raises(AuditkitError, match="empty"):
        read_key(tmp_path / "empty")
    (tmp_path / "short").write_bytes(b"secret")
    with pytest.raises(AuditkitError, match="too short"):
        read_key(tmp_path / "short")


def test_codes_a_rule_already_masked_are_hidden_whole_when_pseudonymising() -> None:
    """DAT002 quotes codes as `010190-****`; the birth date still identifies, so a pseudonymised
    report shows `******-****` instead."""
    protector = Protector(key=b"0123456789abcdef0123")
    (value,) = protector.strings(["Note N1 contains 1 personal identity code(s): 010190-****."])
    assert "010190" not in value and "******-****" in value
    (plain,) = Protector().strings(["codes: 010190-****"])
    assert "010190-****" in plain
