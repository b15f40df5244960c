"""DIS001-DIS010: disclosures and transfers (RULES.md "DIS", "Derived facts": EEA, adequacy,
objected to marketing; "Conventions": local dates, matching text, missing inputs).

The base policy (tests/builders.py) declares importer (transfer_countries ["*"]), finance_company,
authority, marketing_processor (marketing = true) and research_vendor (delete_within P90D);
prohibited_purposes = ["third_party_marketing"]; allowed_for_protected = ["authority"].
Timestamps are naive Helsinki wall time (UTC+2 in winter, UTC+3 in summer); A is 2026-06-30.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from typing import Any

from tests.builders import BASE_POLICY, audit, finding, found, make_policy

# ---- tiny row builders ---------------------------------------------------------------------


def person(sid: str = "S1", **facts: Any) -> dict[str, Any]:
    return {"subject_id": sid, "subject_type": "person", **facts}


def disclosure(
    did: str,
    category: str | None = "importer",
    purpose: str | None = "warranty",
    country: str | None = "FI",
    *,
    at: str = "2026-02-03T10:00:00",
    sid: str = "S1",
    **columns: Any,
) -> dict[str, Any]:
    return {
        "disclosure_id": did,
        "subject_id": sid,
        "recipient": f"Recipient of {did}",
        "recipient_category": category,
        "purpose": purpose,
        "country": country,
        "disclosed_at": at,
        **columns,
    }


def event(eid: str, purpose: str, action: str, at: str, sid: str = "S1") -> dict[str, Any]:
    return {
        "event_id": eid,
        "subject_id": sid,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
        "source": "web_form",
        "evidence_ref": "FORM-1",
    }


def objection_request(
    rid: str, at: str, sid: str = "S1", outcome: str | None = None
) -> dict[str, Any]:
    return {
        "request_id": rid,
        "subject_id": sid,
        "kind": "objection",
        "received_at": at,
        "completed_at": None if outcome is None else "2026-01-20T10:00:00",
        "outcome": outcome,
    }


def recipients(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The base policy's recipient entries with some keys of some categories replaced."""
    entries = tomllib.loads(BASE_POLICY)["disclosures"]["recipients"]
    return [{**entry, **changes.get(entry["category"], {})} for entry in entries]


def evidence(result, rule: str, record_id: str) -> dict[str, Any]:
    return json.loads(finding(result, rule, record_id)["evidence"])


def assert_shape(
    result, rule: str, record_id: str, severity: str, occurred: date, sid: str = "S1"
) -> None:
    row = finding(result, rule, record_id)
    assert row["table"] == "disclosures"
    assert row["subject_id"] == sid
    assert row["severity"] == severity
    assert row["occurred_at"] == occurred


# ==== DIS001 undeclared-recipient ============================================================


def test_dis001_undeclared_category_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001"],
        subjects=[person()],
        disclosures=[
            disclosure("D-BROKER", category="leasing_broker", purpose="contract"),
            disclosure("D-OK", category="importer"),
        ],
    )
    assert found(result, "DIS001") == ["D-BROKER"]
    assert_shape(result, "DIS001", "D-BROKER", "high", date(2026, 2, 3))
    assert finding(result, "DIS001", "D-BROKER")["due_at"] is None


def test_dis001_null_category_is_undeclared(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001"],
        subjects=[person()],
        disclosures=[disclosure("D1", category=None)],
    )
    assert found(result, "DIS001") == ["D1"]


def test_dis001_category_is_trimmed_but_case_kept(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001"],
        subjects=[person()],
        disclosures=[
            disclosure("D-PADDED", category="  importer "),
            disclosure("D-CASE", category="Importer"),
        ],
    )
    assert found(result, "DIS001") == ["D-CASE"]


def test_dis001_third_party_consent_in_force_lifts_it(tmp_path) -> None:
    # D-AFTER: the consent was granted before. D-BEFORE: disclosed before the grant.
    # S2 granted and withdrew before the disclosure.
    result = audit(
        tmp_path,
        select=["DIS001"],
        subjects=[person("S1"), person("S2")],
        consents=[
            event("E1", "third_party_disclosure", "grant", "2026-01-10T10:00:00", "S1"),
            event("E2", "third_party_disclosure", "grant", "2025-01-10T10:00:00", "S2"),
            event("E3", "third_party_disclosure", "withdraw", "2025-06-10T10:00:00", "S2"),
        ],
        disclosures=[
            disclosure("D-AFTER", category="leasing_broker", at="2026-02-03T10:00:00"),
            disclosure("D-BEFORE", category="leasing_broker", at="2026-01-09T10:00:00"),
            disclosure("D-WITHDRAWN", category="leasing_broker", sid="S2"),
        ],
    )
    assert found(result, "DIS001") == ["D-BEFORE", "D-WITHDRAWN"]
    facts = evidence(result, "DIS001", "D-WITHDRAWN")
    assert facts["third_party_consent"] == "withdraw"
    assert facts["third_party_consent_event"] == "E3"


def test_dis001_applies_to_unknown_subjects(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001"],
        subjects=[person("S1")],
        disclosures=[disclosure("D1", category="leasing_broker", sid="GHOST")],
    )
    assert found(result, "DIS001") == ["D1"]


# ==== DIS002 undeclared-disclosure-purpose ===================================================


def test_dis002_purpose_not_declared_for_the_category_is_a_finding(tmp_path) -> None:
    # "contract" is declared for finance_company, not for importer.
    result = audit(
        tmp_path,
        select=["DIS002"],
        subjects=[person()],
        disclosures=[
            disclosure("D-LEADS", purpose="sales_leads"),
            disclosure("D-OTHER", purpose="contract"),
            disclosure("D-OK", purpose="warranty"),
            disclosure("D-PADDED", purpose=" service "),
            disclosure("D-CASE", purpose="Warranty"),
        ],
    )
    # Purposes are compared after trimming, case kept.
    assert found(result, "DIS002") == ["D-CASE", "D-LEADS", "D-OTHER"]
    assert_shape(result, "DIS002", "D-LEADS", "high", date(2026, 2, 3))


def test_dis002_null_purpose_is_undeclared(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS002"],
        subjects=[person()],
        disclosures=[disclosure("D1", purpose=None)],
    )
    assert found(result, "DIS002") == ["D1"]


def test_dis002_undeclared_category_is_dis001_only(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001", "DIS002"],
        subjects=[person()],
        disclosures=[disclosure("D1", category="leasing_broker", purpose="sales_leads")],
    )
    assert found(result, "DIS001") == ["D1"]
    assert found(result, "DIS002") == []


def test_dis002_third_party_consent_in_force_lifts_it(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS002"],
        subjects=[person()],
        consents=[event("E1", "third_party_disclosure", "grant", "2026-01-10T10:00:00")],
        disclosures=[disclosure("D1", purpose="sales_leads")],
    )
    assert found(result, "DIS002") == []


def test_dis002_prohibited_purpose_is_dis005_never_dis002(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS002", "DIS005"],
        subjects=[person()],
        disclosures=[disclosure("D1", purpose="third_party_marketing")],
    )
    assert found(result, "DIS002") == []
    assert found(result, "DIS005") == ["D1"]


# ==== DIS003 transfer-without-safeguard ======================================================


def dis003(tmp_path, *rows: dict[str, Any], **kwargs: Any) -> list[str]:
    result = audit(
        tmp_path, select=["DIS003"], subjects=[person()], disclosures=list(rows), **kwargs
    )
    return found(result, "DIS003")


def test_dis003_us_without_safeguard_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS003"],
        subjects=[person()],
        disclosures=[disclosure("D1", country="US", safeguard="none", at="2024-05-02T10:00:00")],
    )
    assert found(result, "DIS003") == ["D1"]
    assert_shape(result, "DIS003", "D1", "critical", date(2024, 5, 2))
    facts = evidence(result, "DIS003", "D1")
    assert facts["country"] == "US" and facts["safeguard"] == "none"


def test_dis003_null_safeguard_is_none(tmp_path) -> None:
    assert dis003(tmp_path, disclosure("D1", country="US", at="2024-05-02T10:00:00")) == ["D1"]


def test_dis003_us_dpf_from_2023_07_10(tmp_path) -> None:
    assert dis003(
        tmp_path,
        disclosure("D-BEFORE", country="US", safeguard="dpf", at="2023-07-09T23:00:00"),
        disclosure("D-ON", country="US", safeguard="dpf", at="2023-07-10T00:30:00"),
    ) == ["D-BEFORE"]


def test_dis003_us_adequacy_claim_is_never_enough(tmp_path) -> None:
    # The US has only its dpf-scope decision: safeguard "adequacy" needs a whole-country one.
    assert dis003(
        tmp_path, disclosure("D1", country="US", safeguard="adequacy", at="2025-05-02T10:00:00")
    ) == ["D1"]


def test_dis003_japan_adequate_from_2019_01_23(tmp_path) -> None:
    assert dis003(
        tmp_path,
        disclosure("D-BEFORE", country="JP", safeguard="adequacy", at="2019-01-22T12:00:00"),
        disclosure("D-ON", country="JP", safeguard="adequacy", at="2019-01-23T12:00:00"),
        disclosure("D-NONE", country="JP", safeguard="none", at="2019-01-23T12:00:00"),
    ) == ["D-BEFORE"]


def test_dis003_dpf_safeguard_with_a_whole_country_decision_is_lawful(tmp_path) -> None:
    assert (
        dis003(tmp_path, disclosure("D1", country="JP", safeguard="dpf", at="2025-05-02T10:00:00"))
        == []
    )


def test_dis003_united_kingdom_window_ends_2031_12_27(tmp_path) -> None:
    assert dis003(
        tmp_path,
        disclosure("D-LAST", country="GB", at="2031-12-27T12:00:00"),
        disclosure("D-AFTER", country="GB", at="2031-12-28T12:00:00"),
        disclosure("D-UK", country="uk", at="2025-05-02T12:00:00"),
        disclosure("D-EARLY", country="GB", at="2021-06-27T12:00:00"),
        as_of=date(2032, 1, 31),
    ) == ["D-AFTER", "D-EARLY"]


def test_dis003_canada_commercial_counts_as_whole_country(tmp_path) -> None:
    assert (
        dis003(tmp_path, disclosure("D1", country="CA", safeguard="none", at="2025-05-02T10:00:00"))
        == []
    )


def test_dis003_brazil_from_2026_01_26_by_local_date(tmp_path) -> None:
    # D-MIDNIGHT: 2026-01-26 00:30 local = 2026-01-25 22:30 UTC; the transfer date is local.
    assert dis003(
        tmp_path,
        disclosure("D-BEFORE", country="BR", at="2026-01-25T23:30:00"),
        disclosure("D-MIDNIGHT", country="BR", at="2026-01-26T00:30:00"),
    ) == ["D-BEFORE"]


def test_dis003_scc_bcr_and_derogation_are_taken_as_claimed(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS003"],
        subjects=[person()],
        disclosures=[
            disclosure("D-SCC", country="CN", safeguard="scc"),
            disclosure("D-BCR", country="US", safeguard="bcr", at="2020-01-10T10:00:00"),
            disclosure("D-DEROG", country=None, safeguard="derogation"),
            disclosure("D-NONE", country="CN", safeguard="none"),
        ],
    )
    assert found(result, "DIS003") == ["D-NONE"]


def test_dis003_inside_the_eea_is_never_a_finding(tmp_path) -> None:
    # EL is Greece, AX Åland (an EU territory with its own code), NO an EFTA state of the EEA.
    assert dis003(
        tmp_path,
        disclosure("D-FI", country="FI", safeguard="none"),
        disclosure("D-EL", country="EL", safeguard="none"),
        disclosure("D-AX", country="ax", safeguard="adequacy"),
        disclosure("D-NO", country="NO", safeguard="dpf"),
        disclosure("D-CN", country="CN", safeguard="adequacy"),
    ) == ["D-CN"]


def test_dis003_null_country_is_outside_the_eea_and_not_adequate(tmp_path) -> None:
    assert dis003(tmp_path, disclosure("D1", country=None, safeguard="none")) == ["D1"]


def test_dis003_policy_extra_adequate_replaces_the_shipped_entry(tmp_path) -> None:
    # US: a whole-country entry from 2020 replaces the dpf-only one (a "none" transfer is lawful).
    # JP: an entry ending 2024-12-31 replaces the open shipped one (2025 is no longer adequate).
    policy = make_policy(
        transfers={
            "extra_adequate": [
                {"country": "US", "valid_from": date(2020, 1, 1)},
                {"country": "JP", "valid_from": date(2019, 1, 23), "valid_to": date(2024, 12, 31)},
            ]
        }
    )
    assert dis003(
        tmp_path,
        disclosure("D-US", country="US", safeguard="none", at="2021-05-02T10:00:00"),
        disclosure("D-JP-IN", country="JP", at="2024-12-31T12:00:00"),
        disclosure("D-JP-OUT", country="JP", at="2025-01-01T12:00:00"),
        policy=policy,
    ) == ["D-JP-OUT"]


def test_dis003_policy_can_end_the_dpf(tmp_path) -> None:
    policy = make_policy(
        transfers={
            "extra_adequate": [
                {
                    "country": "US",
                    "valid_from": date(2023, 7, 10),
                    "valid_to": date(2025, 12, 31),
                    "scope": "dpf",
                }
            ]
        }
    )
    assert dis003(
        tmp_path,
        disclosure("D-IN", country="US", safeguard="dpf", at="2025-12-31T12:00:00"),
        disclosure("D-OUT", country="US", safeguard="dpf", at="2026-01-05T12:00:00"),
        policy=policy,
    ) == ["D-OUT"]


def test_dis003_applies_to_undeclared_categories(tmp_path) -> None:
    assert dis003(tmp_path, disclosure("D1", category="leasing_broker", country="CN")) == ["D1"]


# ==== DIS004 undeclared-transfer =============================================================


def test_dis004_adequate_country_not_listed_is_still_a_finding(tmp_path) -> None:
    # finance_company declares no transfer countries: Switzerland is adequate but not told.
    result = audit(
        tmp_path,
        select=["DIS004"],
        subjects=[person()],
        disclosures=[
            disclosure("D-CH", category="finance_company", purpose="contract", country="CH"),
            disclosure("D-FI", category="finance_company", purpose="contract", country="FI"),
        ],
    )
    assert found(result, "DIS004") == ["D-CH"]
    assert_shape(result, "DIS004", "D-CH", "high", date(2026, 2, 3))
    assert evidence(result, "DIS004", "D-CH")["country"] == "CH"


def test_dis004_star_allows_every_country_even_null(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS004"],
        subjects=[person()],
        disclosures=[
            disclosure("D-US", category="importer", country="US"),
            disclosure("D-NULL", category="importer", country=None),
        ],
    )
    assert found(result, "DIS004") == []


def test_dis004_listed_country_is_declared_and_null_is_listed_only_by_star(tmp_path) -> None:
    policy = make_policy(
        disclosures={"recipients": recipients(finance_company={"transfer_countries": ["CH", "GB"]})}
    )
    result = audit(
        tmp_path,
        select=["DIS004"],
        policy=policy,
        subjects=[person()],
        disclosures=[
            disclosure("D-CH", category="finance_company", purpose="contract", country="ch"),
            disclosure("D-UK", category="finance_company", purpose="contract", country="UK"),
            disclosure(
                "D-US",
                category="finance_company",
                purpose="contract",
                country="US",
                safeguard="scc",
            ),
            disclosure("D-NULL", category="finance_company", purpose="contract", country=None),
        ],
    )
    assert found(result, "DIS004") == ["D-NULL", "D-US"]


def test_dis004_undeclared_category_is_not_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS004"],
        subjects=[person()],
        disclosures=[disclosure("D1", category="leasing_broker", country="US")],
    )
    assert found(result, "DIS004") == []


# ==== DIS005 prohibited-disclosure-purpose ===================================================


def test_dis005_prohibited_purpose_is_a_finding_whatever_the_consent(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS005"],
        subjects=[person()],
        consents=[event("E1", "third_party_disclosure", "grant", "2026-01-10T10:00:00")],
        disclosures=[
            disclosure("D-BAD", category="marketing_processor", purpose="third_party_marketing"),
            disclosure(
                "D-OK", category="marketing_processor", purpose="controller_direct_marketing"
            ),
            disclosure("D-NULL", category="importer", purpose=None),
        ],
    )
    assert found(result, "DIS005") == ["D-BAD"]
    assert_shape(result, "DIS005", "D-BAD", "critical", date(2026, 2, 3))
    assert evidence(result, "DIS005", "D-BAD")["third_party_consent_event"] == "E1"


def test_dis005_undeclared_category_with_prohibited_purpose_is_dis001_and_dis005(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS001", "DIS002", "DIS005"],
        subjects=[person()],
        disclosures=[disclosure("D1", category="data_broker", purpose=" third_party_marketing ")],
    )
    assert found(result, "DIS001") == ["D1"]
    assert found(result, "DIS002") == []
    assert found(result, "DIS005") == ["D1"]


# ==== DIS006 processor-deletion-overdue ======================================================
# research_vendor: delete_within P90D. Disclosed 2026-01-10 → deadline 2026-04-10
# (21 days to 31 Jan, +28 to 28 Feb = 49, +31 to 31 Mar = 80, +10 = 90).


def research(
    did: str, at: str = "2026-01-10T10:00:00", confirmed: str | None = None, **kw: Any
) -> dict[str, Any]:
    return disclosure(
        did,
        "research_vendor",
        "customer_satisfaction",
        at=at,
        deletion_confirmed_at=confirmed,
        **kw,
    )


def test_dis006_confirmed_exactly_on_the_deadline_is_lawful(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[research("D1", confirmed="2026-04-10T23:30:00")],
    )
    assert found(result, "DIS006") == []


def test_dis006_confirmed_one_day_late_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[research("D1", confirmed="2026-04-11T09:00:00")],
    )
    assert found(result, "DIS006") == ["D1"]
    row = finding(result, "DIS006", "D1")
    assert row["table"] == "disclosures" and row["subject_id"] == "S1"
    assert row["severity"] == "medium"
    assert row["due_at"] == date(2026, 4, 10)
    assert row["days_overdue"] == 1  # late completion: confirmation date - deadline
    assert row["occurred_at"] == date(2026, 4, 11)


def test_dis006_confirmation_just_after_local_midnight_is_late(tmp_path) -> None:
    # 2026-04-11 00:30 local = 2026-04-10 21:30 UTC: its local date is past the deadline.
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[research("D1", confirmed="2026-04-11T00:30:00")],
    )
    assert found(result, "DIS006") == ["D1"]


def test_dis006_deadline_counts_from_the_local_date_of_disclosure(tmp_path) -> None:
    # Disclosed 2026-01-10 00:30 local = 2026-01-09 22:30 UTC: the deadline is 2026-04-10 (local),
    # so a confirmation on 2026-04-10 is on time.
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[research("D1", at="2026-01-10T00:30:00", confirmed="2026-04-10T12:00:00")],
    )
    assert found(result, "DIS006") == []


def test_dis006_unconfirmed_is_a_finding_only_once_the_deadline_has_passed(tmp_path) -> None:
    tables = dict(subjects=[person()], disclosures=[research("D1", confirmed=None)])
    on_deadline = audit(tmp_path / "on", select=["DIS006"], as_of=date(2026, 4, 10), **tables)
    day_after = audit(tmp_path / "after", select=["DIS006"], as_of=date(2026, 4, 11), **tables)
    assert found(on_deadline, "DIS006") == []
    assert found(day_after, "DIS006") == ["D1"]
    row = finding(day_after, "DIS006", "D1")
    assert row["due_at"] == date(2026, 4, 10) and row["days_overdue"] == 1
    assert row["occurred_at"] == date(2026, 4, 11)


def test_dis006_unconfirmed_at_default_as_of_is_81_days_overdue(tmp_path) -> None:
    # 2026-04-10 → 2026-06-30: 20 (rest of April) + 31 + 30 = 81 days.
    result = audit(tmp_path, select=["DIS006"], subjects=[person()], disclosures=[research("D1")])
    assert finding(result, "DIS006", "D1")["days_overdue"] == 81


def test_dis006_categories_without_delete_within_are_not_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[
            disclosure("D-IMPORTER", at="2025-01-10T10:00:00", deletion_confirmed_at=None),
            disclosure(
                "D-BROKER", "leasing_broker", at="2025-01-10T10:00:00", deletion_confirmed_at=None
            ),
        ],
    )
    assert found(result, "DIS006") == []


def test_dis006_skipped_without_deletion_confirmed_at_column(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS006"],
        subjects=[person()],
        disclosures=[
            disclosure("D1", "research_vendor", "customer_satisfaction", at="2025-01-10T10:00:00")
        ],
    )
    assert result.skipped == [
        {"rule": "DIS006", "reason": "disclosures.deletion_confirmed_at absent"}
    ]


# ==== DIS007 protected-contact-disclosed =====================================================


def test_dis007_protected_subjects_contact_data_disclosed_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="true")],
        disclosures=[
            disclosure("D-CONTACT", data_categories="identity;Contact", at="2019-05-02T10:00:00"),
            disclosure("D-VEHICLE", data_categories="vehicle"),
        ],
    )
    assert found(result, "DIS007") == ["D-CONTACT"]
    assert_shape(result, "DIS007", "D-CONTACT", "high", date(2019, 5, 2))


def test_dis007_null_or_empty_categories_are_unknown_and_count(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="true")],
        disclosures=[
            disclosure("D-NULL", data_categories=None),
            disclosure("D-EMPTY", data_categories=" ; "),
        ],
    )
    assert found(result, "DIS007") == ["D-EMPTY", "D-NULL"]


def test_dis007_authority_is_allowed_for_protected(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="true")],
        disclosures=[
            disclosure("D-AUTH", "authority", "legal_obligation", data_categories="contact"),
            disclosure("D-UNDECLARED", "data_broker", "resale", data_categories="contact"),
        ],
    )
    assert found(result, "DIS007") == ["D-UNDECLARED"]


def test_dis007_not_protected_or_unknown_subject_is_not_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="false"), person("S2", protected=None)],
        disclosures=[
            disclosure("D1", data_categories="contact", sid="S1"),
            disclosure("D2", data_categories="contact", sid="S2"),
            disclosure("D3", data_categories="contact", sid="GHOST"),
        ],
    )
    assert found(result, "DIS007") == []


def test_dis007_duplicated_subject_takes_its_first_row(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="false"), person("S1", protected="true")],
        disclosures=[disclosure("D1", data_categories="contact")],
    )
    assert found(result, "DIS007") == []


def test_dis007_skipped_without_protected_column(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1")],
        disclosures=[disclosure("D1", data_categories="contact")],
    )
    assert result.skipped == [{"rule": "DIS007", "reason": "subjects.protected absent"}]


def test_dis007_skipped_without_data_categories_column(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS007"],
        subjects=[person("S1", protected="true")],
        disclosures=[disclosure("D1")],
    )
    assert result.skipped == [{"rule": "DIS007", "reason": "disclosures.data_categories absent"}]


# ==== DIS008 undeclared-data-category-disclosed ==============================================
# importer declares identity, contact, vehicle, transactions.


def test_dis008_split_trimmed_lower_cased_one_finding_listing_categories(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS008"],
        subjects=[person()],
        disclosures=[
            disclosure("D-1", data_categories="Vehicle; language"),
            disclosure("D-2", data_categories="identity ;contact ;LANGUAGE"),
            disclosure("D-3", data_categories="personal_id, language;Language"),
            disclosure("D-OK", data_categories="VEHICLE,contact"),
        ],
    )
    assert found(result, "DIS008") == ["D-1", "D-2", "D-3"]
    assert evidence(result, "DIS008", "D-1")["undeclared_categories"] == ["language"]
    assert evidence(result, "DIS008", "D-2")["undeclared_categories"] == ["language"]
    assert evidence(result, "DIS008", "D-3")["undeclared_categories"] == ["personal_id", "language"]
    assert_shape(result, "DIS008", "D-3", "high", date(2026, 2, 3))


def test_dis008_null_or_empty_categories_are_no_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS008"],
        subjects=[person()],
        disclosures=[
            disclosure("D-NULL", data_categories=None),
            disclosure("D-EMPTY", data_categories=";,"),
        ],
    )
    assert found(result, "DIS008") == []


def test_dis008_undeclared_category_is_not_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS008"],
        subjects=[person()],
        disclosures=[disclosure("D1", "data_broker", "resale", data_categories="personal_id")],
    )
    assert found(result, "DIS008") == []


# ==== DIS009 marketing-disclosure-after-objection ============================================


def marketing(did: str, at: str = "2026-02-03T10:00:00", sid: str = "S1") -> dict[str, Any]:
    return disclosure(did, "marketing_processor", "controller_direct_marketing", at=at, sid=sid)


def test_dis009_marketing_disclosure_after_objection_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS009"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        disclosures=[
            marketing("D-AFTER", at="2026-01-10T11:00:00"),
            marketing("D-BEFORE", at="2026-01-10T09:00:00"),
        ],
    )
    assert found(result, "DIS009") == ["D-AFTER"]
    assert_shape(result, "DIS009", "D-AFTER", "high", date(2026, 1, 10))
    assert "email_marketing" in evidence(result, "DIS009", "D-AFTER")["objected_purposes"]


def test_dis009_global_objection_outlives_a_grant_for_one_purpose(tmp_path) -> None:
    # An e-mail objection then an e-mail grant: with the global spread SMS, phone and post are still
    # objected, so the subject has objected to marketing; without it, nothing is objected any more.
    tables = dict(
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "object", "2026-01-10T10:00:00"),
            event("E2", "email_marketing", "grant", "2026-01-20T10:00:00"),
        ],
        disclosures=[marketing("D1")],
    )
    global_ = audit(tmp_path / "global", select=["DIS009"], **tables)
    local = audit(
        tmp_path / "local",
        select=["DIS009"],
        policy=make_policy(consent={"objection_is_global": False}),
        **tables,
    )
    assert found(global_, "DIS009") == ["D1"]
    assert found(local, "DIS009") == []


def test_dis009_objection_request_counts_even_refused(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS009"],
        subjects=[person()],
        requests=[objection_request("R1", "2026-01-10T10:00:00", outcome="refused")],
        disclosures=[marketing("D1")],
    )
    assert found(result, "DIS009") == ["D1"]


def test_dis009_only_marketing_categories_are_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS009"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        disclosures=[
            disclosure("D-IMPORTER", "importer", "warranty"),
            disclosure("D-RESEARCH", "research_vendor", "market_research"),
        ],
    )
    assert found(result, "DIS009") == []


def test_dis009_withdrawal_or_non_marketing_objection_is_not_an_objection_to_marketing(
    tmp_path,
) -> None:
    result = audit(
        tmp_path,
        select=["DIS009"],
        subjects=[person("S1"), person("S2")],
        consents=[
            event("E1", "email_marketing", "withdraw", "2026-01-10T10:00:00", "S1"),
            event("E2", "profiling", "object", "2026-01-10T10:00:00", "S2"),
            event("E3", "market_research", "object", "2026-01-10T10:00:00", "S2"),
        ],
        disclosures=[marketing("D1", sid="S1"), marketing("D2", sid="S2")],
    )
    assert found(result, "DIS009") == []


def test_dis009_skipped_when_neither_consents_nor_requests(tmp_path) -> None:
    result = audit(tmp_path, select=["DIS009"], subjects=[person()], disclosures=[marketing("D1")])
    assert result.skipped == [{"rule": "DIS009", "reason": "consents and requests absent"}]


# ==== DIS010 disclosure-after-erasure ========================================================


def test_dis010_disclosure_after_the_erasure_instant_is_a_finding(tmp_path) -> None:
    # Same local day: 12:00 is after the 10:00 erasure, 09:00 before it.
    result = audit(
        tmp_path,
        select=["DIS010"],
        subjects=[person("S1", erased_at="2026-01-15T10:00:00"), person("S2", erased_at=None)],
        disclosures=[
            disclosure("D-AFTER", at="2026-01-15T12:00:00"),
            disclosure("D-BEFORE", at="2026-01-15T09:00:00"),
            disclosure("D-NOT-ERASED", at="2026-01-15T12:00:00", sid="S2"),
            disclosure("D-GHOST", at="2026-01-15T12:00:00", sid="GHOST"),
        ],
    )
    assert found(result, "DIS010") == ["D-AFTER"]
    assert_shape(result, "DIS010", "D-AFTER", "high", date(2026, 1, 15))


def test_dis010_applies_to_undeclared_categories(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["DIS010"],
        subjects=[person("S1", erased_at="2026-01-15T10:00:00")],
        disclosures=[disclosure("D1", category=None, at="2026-02-15T12:00:00")],
    )
    assert found(result, "DIS010") == ["D1"]


def test_dis010_skipped_without_erased_at_column(tmp_path) -> None:
    result = audit(
        tmp_path, select=["DIS010"], subjects=[person("S1")], disclosures=[disclosure("D1")]
    )
    assert result.skipped == [{"rule": "DIS010", "reason": "subjects.erased_at absent"}]


# ==== missing tables =========================================================================


def test_dis_rules_skipped_without_disclosures_table(tmp_path) -> None:
    result = audit(tmp_path, select=["DIS"], subjects=[person()])
    skipped = {s["rule"]: s["reason"] for s in result.skipped}
    assert skipped == {f"DIS{n:03d}": "disclosures absent" for n in range(1, 11)}
