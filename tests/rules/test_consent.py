"""CON001-CON005: consent and objection (RULES.md "CON", "Derived facts": consent state, objection
requests, global objection; "Conventions": local dates, clock changes, missing inputs).

Timestamps are naive Helsinki wall time (UTC+2 in winter, UTC+3 from 2026-03-29 04:00). The as-of
date A is 2026-06-30 unless a test says otherwise.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.builders import audit, finding, found, make_policy

# ---- tiny row builders ---------------------------------------------------------------------


def person(sid: str = "S1") -> dict[str, Any]:
    return {"subject_id": sid, "subject_type": "person"}


def organisation(sid: str = "O1") -> dict[str, Any]:
    return {"subject_id": sid, "subject_type": "organisation", "business_id": "0984410-3"}


def event(
    eid: str,
    purpose: str,
    action: str,
    at: str,
    sid: str = "S1",
    *,
    source: str | None = "web_form",
    evidence_ref: str | None = "FORM-1",
) -> dict[str, Any]:
    return {
        "event_id": eid,
        "subject_id": sid,
        "purpose": purpose,
        "action": action,
        "recorded_at": at,
        "source": source,
        "evidence_ref": evidence_ref,
    }


def message(
    mid: str,
    at: str,
    channel: str = "email",
    category: str = "marketing",
    sid: str = "S1",
    product_group: str | None = None,
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "subject_id": sid,
        "channel": channel,
        "category": category,
        "sent_at": at,
        "product_group": product_group,
    }


def contract(
    cid: str,
    kind: str = "sale",
    signed: str = "2025-01-10",
    closed: str | None = None,
    sid: str = "S1",
) -> dict[str, Any]:
    return {
        "contract_id": cid,
        "subject_id": sid,
        "kind": kind,
        "signed_at": signed,
        "closed_at": closed,
    }


def objection_request(
    rid: str, at: str, sid: str = "S1", outcome: str | None = None
) -> dict[str, Any]:
    completed = None if outcome is None else "2026-01-20T10:00:00"
    return {
        "request_id": rid,
        "subject_id": sid,
        "kind": "objection",
        "received_at": at,
        "completed_at": completed,
        "outcome": outcome,
    }


# A consents table must exist for CON001-003 to run; this row says nothing about marketing.
UNRELATED = event("E0", "profiling", "grant", "2020-01-01T10:00:00")
NO_SOFT_OPT_IN = make_policy(consent={"soft_opt_in": False})


def evidence(result, rule: str, record_id: str) -> dict[str, Any]:
    return json.loads(finding(result, rule, record_id)["evidence"])


# ==== CON001 marketing-without-consent ======================================================


def test_con001_email_marketing_to_person_without_consent_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        communications=[message("M1", "2026-02-03T10:00:00")],
    )
    assert found(result, "CON001") == ["M1"]
    row = finding(result, "CON001", "M1")
    assert row["table"] == "communications"
    assert row["subject_id"] == "S1"
    assert row["severity"] == "high"
    assert row["occurred_at"] == date(2026, 2, 3)
    assert row["due_at"] is None and row["days_overdue"] is None
    facts = evidence(result, "CON001", "M1")
    assert facts["purpose"] == "email_marketing" and facts["consent_state"] == "none"


def test_con001_grant_before_the_message_is_lawful(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2026-02-01T10:00:00")],
        communications=[message("M1", "2026-02-03T10:00:00")],
    )
    assert found(result, "CON001") == []


def test_con001_grant_recorded_after_the_message_does_not_cover_it(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2026-02-03T10:00:01")],
        communications=[message("M1", "2026-02-03T10:00:00")],
    )
    assert found(result, "CON001") == ["M1"]


def test_con001_grant_for_another_channel_does_not_cover_the_message(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[event("E1", "sms_marketing", "grant", "2026-01-01T10:00:00")],
        communications=[message("M1", "2026-02-03T10:00:00", channel="email")],
    )
    assert found(result, "CON001") == ["M1"]


def test_con001_sms_and_automated_call_need_consent_but_person_calls_and_post_do_not(
    tmp_path,
) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        communications=[
            message("M-SMS", "2026-02-03T10:00:00", channel="sms"),
            message("M-AUTO", "2026-02-03T10:00:00", channel="automated_call"),
            message("M-PHONE", "2026-02-03T10:00:00", channel="phone"),
            message("M-POST", "2026-02-03T10:00:00", channel="post"),
        ],
    )
    assert found(result, "CON001") == ["M-AUTO", "M-SMS"]
    assert evidence(result, "CON001", "M-AUTO")["purpose"] == "automated_call_marketing"


def test_con001_organisation_contact_is_never_con001(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[organisation("O1")],
        consents=[UNRELATED],
        communications=[message("M1", "2026-02-03T10:00:00", sid="O1")],
    )
    assert found(result, "CON001") == []


def test_con001_unknown_subject_is_never_con001(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person("S1")],
        consents=[UNRELATED],
        communications=[message("M1", "2026-02-03T10:00:00", sid="GHOST")],
    )
    assert found(result, "CON001") == []


def test_con001_service_safety_and_transactional_messages_are_out_of_scope(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        communications=[
            message("M-SERVICE", "2026-02-03T10:00:00", category="service"),
            message("M-SAFETY", "2026-02-03T10:00:00", category="safety"),
            message("M-TRANS", "2026-02-03T10:00:00", category="transactional"),
        ],
    )
    assert found(result, "CON001") == []


def test_con001_research_message_is_in_scope_only_when_research_is_marketing(tmp_path) -> None:
    tables = dict(
        subjects=[person()],
        consents=[UNRELATED],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    plain = audit(tmp_path / "plain", select=["CON001"], **tables)
    strict = audit(
        tmp_path / "strict",
        select=["CON001"],
        policy=make_policy(consent={"research_is_marketing": True}),
        **tables,
    )
    assert found(plain, "CON001") == []
    assert found(strict, "CON001") == ["M1"]
    assert evidence(strict, "CON001", "M1")["purpose"] == "email_marketing"


def test_con001_withdrawn_consent_is_con002_not_con001(tmp_path) -> None:
    # A recent sale and an own product group would give the soft opt-in, but a withdrawal is CON002.
    result = audit(
        tmp_path,
        select=["CON001", "CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "email_marketing", "withdraw", "2026-01-01T10:00:00"),
        ],
        contracts=[contract("C1", signed="2025-06-01")],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == []
    assert found(result, "CON002") == ["M1"]


def test_con001_missing_consents_table_skips_the_rule(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        communications=[message("M1", "2026-02-03T10:00:00")],
    )
    assert {"rule": "CON001", "reason": "consents absent"} in result.skipped
    assert found(result, "CON001") == []


def test_con001_notes_that_no_soft_opt_in_could_be_shown_without_contracts(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == ["M1"]
    assert any(note.startswith("contracts absent") for note in result.statuses["CON001"].notes)


# ---- CON001: soft opt-in ----------------------------------------------------------------------


def test_con001_soft_opt_in_counts_the_local_date_of_sent_at(tmp_path) -> None:
    # The sale was signed 2026-03-10. M-ON is sent 2026-03-10 00:30 local = 2026-03-09 22:30 UTC:
    # its local date is the signing day, so the soft opt-in applies. M-BEFORE is the evening before.
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2026-03-10")],
        communications=[
            message("M-ON", "2026-03-10T00:30:00", product_group="vehicles"),
            message("M-BEFORE", "2026-03-09T23:30:00", product_group="vehicles"),
        ],
    )
    assert found(result, "CON001") == ["M-BEFORE"]
    assert finding(result, "CON001", "M-BEFORE")["occurred_at"] == date(2026, 3, 9)


def test_con001_soft_opt_in_expires_after_max_age(tmp_path) -> None:
    # Closed 2024-03-10 + P2Y = 2026-03-10: a message that day still qualifies, the next day not.
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2023-05-01", closed="2024-03-10")],
        communications=[
            message("M-LAST", "2026-03-10T23:00:00", product_group="service"),
            message("M-LATE", "2026-03-11T08:00:00", product_group="service"),
        ],
    )
    assert found(result, "CON001") == ["M-LATE"]


def test_con001_open_contract_always_qualifies_for_soft_opt_in(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", kind="financing", signed="2015-01-01", closed=None)],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="financing")],
    )
    assert found(result, "CON001") == []


def test_con001_contract_closed_after_the_message_was_open_on_that_date(tmp_path) -> None:
    # Closed 2026-05-01, i.e. still open when the message went out on 2026-02-03.
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", kind="leasing", signed="2015-01-01", closed="2026-05-01")],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == []


def test_con001_without_soft_opt_in_max_age_an_old_customer_still_qualifies(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        policy=make_policy(consent={"soft_opt_in_max_age": None}),
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2010-01-01", closed="2010-02-01")],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == []


def test_con001_soft_opt_in_needs_an_own_product_group(tmp_path) -> None:
    # A null group cannot show "own similar products"; the group is compared after trimming.
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2025-06-01")],
        communications=[
            message("M-NULL", "2026-02-03T10:00:00", product_group=None),
            message("M-OTHER", "2026-02-03T10:00:00", product_group="insurance"),
            message("M-CASE", "2026-02-03T10:00:00", product_group="Vehicles"),
            message("M-PADDED", "2026-02-03T10:00:00", product_group="  vehicles  "),
        ],
    )
    assert found(result, "CON001") == ["M-CASE", "M-NULL", "M-OTHER"]


def test_con001_soft_opt_in_off_in_policy_makes_a_customer_message_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        policy=NO_SOFT_OPT_IN,
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2025-06-01")],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == ["M1"]


def test_con001_contract_kind_outside_soft_opt_in_kinds_does_not_qualify(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person()],
        consents=[UNRELATED],
        contracts=[
            contract("C1", kind="offer", signed="2025-06-01"),
            contract("C2", kind="test_drive", signed="2025-06-01"),
        ],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == ["M1"]


def test_con001_another_subjects_contract_gives_no_soft_opt_in(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON001"],
        subjects=[person("S1"), person("S2")],
        consents=[UNRELATED],
        contracts=[contract("C1", signed="2025-06-01", sid="S2")],
        communications=[message("M1", "2026-02-03T10:00:00", product_group="vehicles")],
    )
    assert found(result, "CON001") == ["M1"]


# ==== CON002 marketing-after-objection ======================================================


def test_con002_marketing_hours_after_an_objection_is_a_finding(tmp_path) -> None:
    # No grace period: the objection at 10:00, the campaign at 13:00 the same day.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "email_marketing", "object", "2026-02-03T10:00:00"),
        ],
        communications=[message("M1", "2026-02-03T13:00:00")],
    )
    assert found(result, "CON002") == ["M1"]
    row = finding(result, "CON002", "M1")
    assert row["table"] == "communications" and row["subject_id"] == "S1"
    assert row["severity"] == "critical"
    assert row["occurred_at"] == date(2026, 2, 3)
    facts = evidence(result, "CON002", "M1")
    assert facts["consent_state"] == "object" and facts["purpose"] == "email_marketing"


def test_con002_message_before_the_objection_is_lawful(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "email_marketing", "object", "2026-02-03T10:00:00"),
        ],
        communications=[message("M1", "2026-02-03T09:59:00")],
    )
    assert found(result, "CON002") == []


def test_con002_marketing_after_a_withdrawal_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "sms_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "sms_marketing", "withdraw", "2026-01-15T10:00:00"),
        ],
        communications=[message("M1", "2026-02-03T10:00:00", channel="sms")],
    )
    assert found(result, "CON002") == ["M1"]
    assert evidence(result, "CON002", "M1")["consent_state"] == "withdraw"


def test_con002_tie_at_one_instant_object_beats_withdraw_beats_grant(tmp_path) -> None:
    # S1: grant + object at the same instant → object. S2: grant + withdraw → withdraw.
    # S3: withdraw + object → object.
    at = "2026-01-15T10:00:00"
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person("S1"), person("S2"), person("S3")],
        consents=[
            event("E1", "email_marketing", "grant", at, "S1"),
            event("E2", "email_marketing", "object", at, "S1"),
            event("E3", "email_marketing", "grant", at, "S2"),
            event("E4", "email_marketing", "withdraw", at, "S2"),
            event("E5", "email_marketing", "object", at, "S3"),
            event("E6", "email_marketing", "withdraw", at, "S3"),
        ],
        communications=[
            message("M1", "2026-02-03T10:00:00", sid="S1"),
            message("M2", "2026-02-03T10:00:00", sid="S2"),
            message("M3", "2026-02-03T10:00:00", sid="S3"),
        ],
    )
    assert found(result, "CON002") == ["M1", "M2", "M3"]
    assert evidence(result, "CON002", "M1")["consent_state"] == "object"
    assert evidence(result, "CON002", "M2")["consent_state"] == "withdraw"
    assert evidence(result, "CON002", "M3")["consent_state"] == "object"


def test_con002_email_objection_stops_sms_only_when_objection_is_global(tmp_path) -> None:
    tables = dict(
        subjects=[person()],
        consents=[
            event("E1", "sms_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "email_marketing", "object", "2026-01-15T10:00:00"),
        ],
        communications=[message("M1", "2026-02-03T10:00:00", channel="sms")],
    )
    global_ = audit(tmp_path / "global", select=["CON001", "CON002"], **tables)
    local = audit(
        tmp_path / "local",
        select=["CON001", "CON002"],
        policy=make_policy(consent={"objection_is_global": False}),
        **tables,
    )
    assert found(global_, "CON002") == ["M1"]
    assert found(local, "CON002") == [] and found(local, "CON001") == []


def test_con002_later_grant_restores_only_the_purpose_it_names(tmp_path) -> None:
    # The e-mail objection (global) blocks every marketing purpose; the SMS grant afterwards lifts
    # SMS only: e-mail and post stay objected.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "object", "2026-01-10T10:00:00"),
            event("E2", "sms_marketing", "grant", "2026-01-20T10:00:00"),
        ],
        communications=[
            message("M-SMS", "2026-02-03T10:00:00", channel="sms"),
            message("M-EMAIL", "2026-02-03T10:00:00", channel="email"),
            message("M-POST", "2026-02-03T10:00:00", channel="post"),
        ],
    )
    assert found(result, "CON002") == ["M-EMAIL", "M-POST"]


def test_con002_objection_request_counts_whatever_its_outcome(tmp_path) -> None:
    # A refused objection request still objects (Art. 21(3)); open and fulfilled ones too.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person("S1"), person("S2"), person("S3")],
        consents=[UNRELATED],
        requests=[
            objection_request("R1", "2026-01-10T10:00:00", "S1", outcome="refused"),
            objection_request("R2", "2026-01-10T10:00:00", "S2", outcome=None),
            objection_request("R3", "2026-01-10T10:00:00", "S3", outcome="fulfilled"),
        ],
        communications=[
            message("M1", "2026-02-03T10:00:00", sid="S1"),
            message("M2", "2026-02-03T10:00:00", channel="post", sid="S2"),
            message("M3", "2026-02-03T10:00:00", channel="automated_call", sid="S3"),
        ],
    )
    assert found(result, "CON002") == ["M1", "M2", "M3"]


def test_con002_objection_request_covers_every_channel_even_when_not_global(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        policy=make_policy(consent={"objection_is_global": False}),
        subjects=[person()],
        consents=[UNRELATED],
        requests=[objection_request("R1", "2026-01-10T10:00:00")],
        communications=[
            message("M-SMS", "2026-02-03T10:00:00", channel="sms"),
            message("M-PHONE", "2026-02-03T10:00:00", channel="phone"),
        ],
    )
    assert found(result, "CON002") == ["M-PHONE", "M-SMS"]


def test_con002_request_other_than_objection_is_no_objection(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[UNRELATED],
        requests=[
            {
                "request_id": "R1",
                "subject_id": "S1",
                "kind": "access",
                "received_at": "2026-01-10T10:00:00",
            }
        ],
        communications=[message("M1", "2026-02-03T10:00:00", channel="post")],
    )
    assert found(result, "CON002") == []


def test_con002_objection_reversed_by_a_later_grant(tmp_path) -> None:
    # Objection request 2026-01-10; e-mail grant 2026-01-20: e-mail is lawful again, SMS is not.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2026-01-20T10:00:00")],
        requests=[objection_request("R1", "2026-01-10T10:00:00", outcome="fulfilled")],
        communications=[
            message("M-EMAIL", "2026-02-03T10:00:00", channel="email"),
            message("M-SMS", "2026-02-03T10:00:00", channel="sms"),
        ],
    )
    assert found(result, "CON002") == ["M-SMS"]


def test_con002_person_calls_post_organisations_and_unknown_subjects_are_all_judged(
    tmp_path,
) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person("S1"), organisation("O1")],
        consents=[
            event("E1", "phone_marketing", "object", "2026-01-10T10:00:00", "S1"),
            event("E2", "email_marketing", "object", "2026-01-10T10:00:00", "O1"),
            event("E3", "post_marketing", "object", "2026-01-10T10:00:00", "GHOST"),
        ],
        communications=[
            message("M-PHONE", "2026-02-03T10:00:00", channel="phone", sid="S1"),
            message("M-POST", "2026-02-03T10:00:00", channel="post", sid="S1"),
            message("M-ORG", "2026-02-03T10:00:00", channel="email", sid="O1"),
            message("M-GHOST", "2026-02-03T10:00:00", channel="post", sid="GHOST"),
        ],
    )
    assert found(result, "CON002") == ["M-GHOST", "M-ORG", "M-PHONE", "M-POST"]


def test_con002_service_safety_and_transactional_messages_after_objection_are_lawful(
    tmp_path,
) -> None:
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        communications=[
            message("M-SERVICE", "2026-02-03T10:00:00", category="service"),
            message("M-SAFETY", "2026-02-03T10:00:00", category="safety"),
            message("M-TRANS", "2026-02-03T10:00:00", category="transactional"),
        ],
    )
    assert found(result, "CON002") == []


def test_con002_research_after_objection_only_when_research_is_marketing(tmp_path) -> None:
    tables = dict(
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    plain = audit(tmp_path / "plain", select=["CON002"], **tables)
    strict = audit(
        tmp_path / "strict",
        select=["CON002"],
        policy=make_policy(consent={"research_is_marketing": True}),
        **tables,
    )
    assert found(plain, "CON002") == []
    assert found(strict, "CON002") == ["M1"]


def test_con002_and_con003_both_for_research_after_an_objection_request(tmp_path) -> None:
    # The request objects to every marketing purpose and to market_research: with
    # research_is_marketing the survey e-mail breaks both rules.
    result = audit(
        tmp_path,
        select=["CON002", "CON003"],
        policy=make_policy(consent={"research_is_marketing": True}),
        subjects=[person()],
        consents=[UNRELATED],
        requests=[objection_request("R1", "2026-01-10T10:00:00", outcome="refused")],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    assert found(result, "CON002") == ["M1"]
    assert found(result, "CON003") == ["M1"]


def test_con002_local_date_of_a_message_just_after_midnight(tmp_path) -> None:
    # 2026-02-04 00:30 local is 2026-02-03 22:30 UTC: occurred_at is the local date.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        communications=[message("M1", "2026-02-04T00:30:00")],
    )
    assert finding(result, "CON002", "M1")["occurred_at"] == date(2026, 2, 4)


def test_con002_spring_gap_objection_at_0330_reads_as_0430_summer_time(tmp_path) -> None:
    # 2026-03-29 03:30 does not exist in Helsinki; it reads as 04:30 summer time (01:30 UTC).
    # A message at 04:15 local (01:15 UTC) went out before the objection; one at 04:45 after it.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2026-01-01T10:00:00"),
            event("E2", "email_marketing", "object", "2026-03-29T03:30:00"),
        ],
        communications=[
            message("M-BEFORE", "2026-03-29T04:15:00"),
            message("M-AFTER", "2026-03-29T04:45:00"),
        ],
    )
    assert found(result, "CON002") == ["M-AFTER"]


def test_con002_autumn_ambiguous_hour_is_the_earlier_instant(tmp_path) -> None:
    # 2025-10-26 03:30 happens twice in Helsinki; naive, it is the earlier one
    # (03:30+03:00 = 00:30 UTC).
    # The message at 01:00 UTC (04:00 summer time = 03:00 winter time) is after it; had the later
    # reading (01:30 UTC) been taken, it would have been before.
    result = audit(
        tmp_path,
        select=["CON002"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-01-01T10:00:00"),
            event("E2", "email_marketing", "object", "2025-10-26T03:30:00"),
        ],
        communications=[message("M1", "2025-10-26T01:00:00Z")],
    )
    assert found(result, "CON002") == ["M1"]
    assert result.run["clock_changes"]["ambiguous"] >= 1


# ==== CON003 research-after-objection ========================================================


def test_con003_research_after_market_research_objection_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[event("E1", "market_research", "object", "2026-01-10T10:00:00")],
        communications=[
            message("M-BEFORE", "2026-01-09T10:00:00", category="research"),
            message("M-AFTER", "2026-02-03T10:00:00", channel="sms", category="research"),
        ],
    )
    assert found(result, "CON003") == ["M-AFTER"]
    row = finding(result, "CON003", "M-AFTER")
    assert row["table"] == "communications" and row["subject_id"] == "S1"
    assert row["severity"] == "high" and row["occurred_at"] == date(2026, 2, 3)


def test_con003_needs_an_objection_not_a_withdrawal(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[event("E1", "market_research", "withdraw", "2026-01-10T10:00:00")],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    assert found(result, "CON003") == []


def test_con003_marketing_objection_does_not_cover_market_research(tmp_path) -> None:
    # The global spread reaches the marketing purposes only; market_research is not one of them.
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[event("E1", "email_marketing", "object", "2026-01-10T10:00:00")],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    assert found(result, "CON003") == []


def test_con003_only_research_messages_are_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[event("E1", "market_research", "object", "2026-01-10T10:00:00")],
        communications=[
            message("M-MKT", "2026-02-03T10:00:00", category="marketing"),
            message("M-SERVICE", "2026-02-03T10:00:00", category="service"),
        ],
    )
    assert found(result, "CON003") == []


def test_con003_objection_request_covers_market_research(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[UNRELATED],
        requests=[objection_request("R1", "2026-01-10T10:00:00", outcome="refused")],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    assert found(result, "CON003") == ["M1"]


def test_con003_later_market_research_grant_reverses_the_objection(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON003"],
        subjects=[person()],
        consents=[
            event("E1", "market_research", "object", "2026-01-10T10:00:00"),
            event("E2", "market_research", "grant", "2026-01-20T10:00:00"),
        ],
        communications=[message("M1", "2026-02-03T10:00:00", category="research")],
    )
    assert found(result, "CON003") == []


# ==== CON004 consent-without-evidence ========================================================


def test_con004_grant_without_evidence_ref_in_force_at_as_of_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T00:30:00", evidence_ref=None),
            event("E2", "sms_marketing", "grant", "2025-03-01T10:00:00"),
        ],
    )
    assert found(result, "CON004") == ["E1"]
    row = finding(result, "CON004", "E1")
    assert row["table"] == "consents" and row["subject_id"] == "S1"
    assert row["severity"] == "medium"
    # 00:30 local on 1 March is 28 February 22:30 UTC: occurred_at is the local date.
    assert row["occurred_at"] == date(2025, 3, 1)
    assert evidence(result, "CON004", "E1")["missing"] == ["evidence_ref"]


def test_con004_grant_without_source_is_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", source=None),
            event(
                "E2",
                "sms_marketing",
                "grant",
                "2025-03-01T10:00:00",
                source=None,
                evidence_ref=None,
            ),
        ],
    )
    assert found(result, "CON004") == ["E1", "E2"]
    assert evidence(result, "CON004", "E1")["missing"] == ["source"]
    assert evidence(result, "CON004", "E2")["missing"] == ["evidence_ref", "source"]


def test_con004_withdraw_and_object_events_without_evidence_are_not_judged(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "withdraw", "2025-03-01T10:00:00", evidence_ref=None),
            event("E2", "sms_marketing", "object", "2025-03-01T10:00:00", source=None),
        ],
    )
    assert found(result, "CON004") == []


def test_con004_any_subject_type_counts_when_in_force_at_as_of(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person("S1"), organisation("O1")],
        consents=[
            event(
                "E-ORG", "email_marketing", "grant", "2025-03-01T10:00:00", "O1", evidence_ref=None
            ),
            event(
                "E-GHOST", "post_marketing", "grant", "2025-03-01T10:00:00", "GHOST", source=None
            ),
        ],
    )
    assert found(result, "CON004") == ["E-GHOST", "E-ORG"]


def test_con004_superseded_unused_grant_is_not_a_finding(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None),
            event("E2", "email_marketing", "withdraw", "2025-09-01T10:00:00"),
        ],
    )
    assert found(result, "CON004") == []


def test_con004_superseded_grant_used_for_electronic_marketing_to_a_person(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None),
            event("E2", "email_marketing", "withdraw", "2025-09-01T10:00:00"),
        ],
        communications=[message("M1", "2025-05-05T10:00:00")],
    )
    assert found(result, "CON004") == ["E1"]


def test_con004_message_sent_after_the_grant_was_superseded_does_not_use_it(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None),
            event("E2", "email_marketing", "withdraw", "2025-09-01T10:00:00"),
        ],
        communications=[message("M1", "2025-10-05T10:00:00")],
    )
    assert found(result, "CON004") == []


def test_con004_superseded_grant_used_only_outside_con001_scope_is_not_a_finding(tmp_path) -> None:
    # An organisation contact's e-mail, a person-made call and a service e-mail are not in
    # CON001's scope, so they do not put the superseded grants "in use".
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person("S1"), organisation("O1")],
        consents=[
            event(
                "E-ORG", "email_marketing", "grant", "2025-03-01T10:00:00", "O1", evidence_ref=None
            ),
            event("E-ORG-W", "email_marketing", "withdraw", "2025-09-01T10:00:00", "O1"),
            event("E-PHONE", "phone_marketing", "grant", "2025-03-01T10:00:00", "S1", source=None),
            event("E-PHONE-W", "phone_marketing", "withdraw", "2025-09-01T10:00:00", "S1"),
            event("E-MAIL", "email_marketing", "grant", "2025-03-01T10:00:00", "S1", source=None),
            event("E-MAIL-W", "email_marketing", "withdraw", "2025-09-01T10:00:00", "S1"),
        ],
        communications=[
            message("M-ORG", "2025-05-05T10:00:00", sid="O1"),
            message("M-PHONE", "2025-05-05T10:00:00", channel="phone", sid="S1"),
            message("M-SERVICE", "2025-05-05T10:00:00", category="service", sid="S1"),
        ],
    )
    assert found(result, "CON004") == []


def test_con004_research_message_uses_a_grant_only_when_research_is_marketing(tmp_path) -> None:
    tables = dict(
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None),
            event("E2", "email_marketing", "withdraw", "2025-09-01T10:00:00"),
        ],
        communications=[message("M1", "2025-05-05T10:00:00", category="research")],
    )
    plain = audit(tmp_path / "plain", select=["CON004"], **tables)
    strict = audit(
        tmp_path / "strict",
        select=["CON004"],
        policy=make_policy(consent={"research_is_marketing": True}),
        **tables,
    )
    assert found(plain, "CON004") == []
    assert found(strict, "CON004") == ["E1"]


def test_con004_two_grants_at_one_instant_are_both_in_force(tmp_path) -> None:
    # S1: both grants still in force at A. S2: both superseded, but in force together when M1 went.
    at = "2025-03-01T10:00:00"
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person("S1"), person("S2")],
        consents=[
            event("E1", "email_marketing", "grant", at, "S1", evidence_ref=None),
            event("E2", "email_marketing", "grant", at, "S1", source=None),
            event("E3", "sms_marketing", "grant", at, "S2", evidence_ref=None),
            event("E4", "sms_marketing", "grant", at, "S2", evidence_ref=None),
            event("E5", "sms_marketing", "withdraw", "2025-09-01T10:00:00", "S2"),
        ],
        communications=[message("M1", "2025-05-05T10:00:00", channel="sms", sid="S2")],
    )
    assert found(result, "CON004") == ["E1", "E2", "E3", "E4"]


def test_con004_grant_tied_with_a_withdrawal_is_never_in_force(tmp_path) -> None:
    at = "2025-03-01T10:00:00"
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", at, evidence_ref=None),
            event("E2", "email_marketing", "withdraw", at),
        ],
        communications=[message("M1", "2025-05-05T10:00:00")],
    )
    assert found(result, "CON004") == []


def test_con004_objection_request_supersedes_a_profiling_grant(tmp_path) -> None:
    # An objection request objects to profiling too: the grant is no longer in force at A.
    tables = dict(
        subjects=[person()],
        consents=[event("E1", "profiling", "grant", "2025-03-01T10:00:00", evidence_ref=None)],
    )
    without = audit(tmp_path / "without", select=["CON004"], **tables)
    objected = audit(
        tmp_path / "objected",
        select=["CON004"],
        requests=[objection_request("R1", "2026-01-10T10:00:00", outcome="refused")],
        **tables,
    )
    assert found(without, "CON004") == ["E1"]
    assert found(objected, "CON004") == []


def test_con004_evidence_says_how_the_grant_is_in_use(tmp_path) -> None:
    # E1 is superseded on 2025-09-01 but M1 and M2 were sent while it was in force; E2 is in force
    # at A and no message used it.
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None),
            event("E-W", "email_marketing", "withdraw", "2025-09-01T10:00:00"),
            event("E2", "sms_marketing", "grant", "2025-03-01T10:00:00", source=None),
        ],
        communications=[
            message("M2", "2025-06-05T10:00:00"),
            message("M1", "2025-05-05T10:00:00"),
        ],
    )
    assert found(result, "CON004") == ["E1", "E2"]
    used = evidence(result, "CON004", "E1")
    assert used["in_force_at_as_of"] is False
    assert used["messages_relying"] == 2 and used["first_message"] == "M1"
    held = evidence(result, "CON004", "E2")
    assert held["in_force_at_as_of"] is True and held["messages_relying"] == 0


def test_con004_skipped_without_evidence_ref_column(tmp_path) -> None:
    row = event("E1", "email_marketing", "grant", "2025-03-01T10:00:00")
    del row["evidence_ref"]
    result = audit(tmp_path, select=["CON004"], subjects=[person()], consents=[row])
    assert result.skipped == [{"rule": "CON004", "reason": "consents.evidence_ref absent"}]


def test_con004_skipped_without_source_column(tmp_path) -> None:
    row = event("E1", "email_marketing", "grant", "2025-03-01T10:00:00")
    del row["source"]
    result = audit(tmp_path, select=["CON004"], subjects=[person()], consents=[row])
    assert result.skipped == [{"rule": "CON004", "reason": "consents.source absent"}]


def test_con004_column_of_nulls_is_judged_not_skipped(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON004"],
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2025-03-01T10:00:00", evidence_ref=None)
        ],
    )
    assert result.skipped == []
    assert found(result, "CON004") == ["E1"]


# ==== CON005 stale-consent ===================================================================

MAX_AGE_P1Y = make_policy(consent={"max_age": "P1Y"})


def test_con005_grant_older_than_max_age_is_stale_by_one_day(tmp_path) -> None:
    # E-OLD: 2025-06-29 + P1Y = 2026-06-29 < A (2026-06-30): stale, 1 day overdue.
    # E-EDGE: 2025-06-30 + P1Y = 2026-06-30 = A: not before A, fresh.
    result = audit(
        tmp_path,
        select=["CON005"],
        policy=MAX_AGE_P1Y,
        subjects=[person("S1"), person("S2")],
        consents=[
            event("E-OLD", "email_marketing", "grant", "2025-06-29T10:00:00", "S1"),
            event("E-EDGE", "email_marketing", "grant", "2025-06-30T10:00:00", "S2"),
        ],
    )
    assert found(result, "CON005") == ["E-OLD"]
    row = finding(result, "CON005", "E-OLD")
    assert row["table"] == "consents" and row["subject_id"] == "S1"
    assert row["severity"] == "low"
    assert row["due_at"] == date(2026, 6, 29)
    assert row["days_overdue"] == 1
    assert row["occurred_at"] == date(2026, 6, 30)


def test_con005_recorded_date_is_the_local_date(tmp_path) -> None:
    # 2025-06-30 00:30 local is 2025-06-29 21:30 UTC: the local date 2025-06-30 + P1Y = A, fresh.
    result = audit(
        tmp_path,
        select=["CON005"],
        policy=MAX_AGE_P1Y,
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2025-06-30T00:30:00")],
    )
    assert found(result, "CON005") == []


def test_con005_superseded_grant_is_not_stale(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON005"],
        policy=MAX_AGE_P1Y,
        subjects=[person()],
        consents=[
            event("E1", "email_marketing", "grant", "2020-01-01T10:00:00"),
            event("E2", "email_marketing", "withdraw", "2021-01-01T10:00:00"),
            event("E3", "sms_marketing", "object", "2020-01-01T10:00:00"),
        ],
    )
    assert found(result, "CON005") == []


def test_con005_old_grant_superseded_by_an_objection_request_is_not_stale(tmp_path) -> None:
    result = audit(
        tmp_path,
        select=["CON005"],
        policy=MAX_AGE_P1Y,
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2020-01-01T10:00:00")],
        requests=[objection_request("R1", "2021-01-01T10:00:00")],
    )
    assert found(result, "CON005") == []


def test_con005_skipped_when_max_age_not_set(tmp_path) -> None:
    tables = dict(
        subjects=[person()],
        consents=[event("E1", "email_marketing", "grant", "2010-01-01T10:00:00")],
    )
    unset = audit(tmp_path / "unset", select=["CON005"], **tables)
    empty = audit(
        tmp_path / "empty", select=["CON005"], policy=make_policy(consent={"max_age": ""}), **tables
    )
    for result in (unset, empty):
        assert result.skipped == [{"rule": "CON005", "reason": "consent.max_age not set"}]
        assert found(result, "CON005") == []
