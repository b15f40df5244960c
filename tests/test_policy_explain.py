"""`auditkit policy explain`: what a policy promises in plain words, and every contradiction."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from auditkit.onboarding.contradictions import MESSAGES, check_policy
from auditkit.onboarding.explain import explain_policy, load_for_explain
from tests.builders import BASE_POLICY, _dump, make_policy
from tests.test_onboarding_allomeera import cli

SAMPLE_POLICY = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera" / "policy.toml"


def codes(**sections: dict[str, Any]) -> list[str]:
    """The contradiction codes of the base (Allomeera) policy with some keys replaced."""
    return [c.code for c in check_policy(make_policy(**sections))]


def recipients(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The base policy's recipients, with keys of some (by category) replaced or removed."""
    entries = tomllib.loads(BASE_POLICY)["disclosures"]["recipients"]
    for entry in entries:
        for key, value in changes.get(entry["category"], {}).items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
    return entries


def test_the_allomeera_policy_has_only_the_note_on_importers_transferring_anywhere() -> None:
    assert codes() == ["transfers-anywhere"]


def test_a_recipient_with_marketing_while_marketing_is_prohibited_is_a_warning() -> None:
    assert "marketing-recipient-while-marketing-prohibited" in codes(
        disclosures={"prohibited_purposes": ["marketing"]}
    )
    # Someone else's marketing is not the controller's own: no contradiction.
    assert "marketing-recipient-while-marketing-prohibited" not in codes(
        disclosures={"prohibited_purposes": ["partner_marketing", "third_party_marketing"]}
    )


def test_an_accounting_kind_kept_shorter_than_the_accounting_hold_is_a_warning() -> None:
    records = {"offer": "P1Y", "sale": "P2Y", "service": "P6Y"}
    found = check_policy(make_policy(retention={"records": records}))
    warned = [c for c in found if c.code == "record-retention-shorter-than-accounting"]
    assert [c.params["kind"] for c in warned] == [
        "sale"
    ]  # offer is no accounting kind; P6Y is not shorter
    assert "shorter than the accounting hold (6 years" in warned[0].message()


def test_soft_opt_in_without_own_product_groups_or_kinds_is_a_warning() -> None:
    assert "soft-opt-in-without-groups" in codes(consent={"own_product_groups": []})
    assert "soft-opt-in-without-kinds" in codes(consent={"soft_opt_in_kinds": []})
    off = codes(consent={"soft_opt_in": False})
    assert "soft-opt-in-without-groups" not in off and "soft-opt-in-settings-unused" in off


def test_soft_opt_in_on_a_kind_that_is_no_sale_is_a_warning() -> None:
    found = codes(consent={"soft_opt_in_kinds": ["sale", "offer", "test_drive"]})
    assert found.count("soft-opt-in-kind-not-a-sale") == 2


def test_a_recipient_receiving_a_category_the_notice_does_not_hold_is_a_warning() -> None:
    found = check_policy(
        make_policy(data_content={"categories": ["identity", "contact", "vehicle", "language"]})
    )
    missing = {
        (c.params["category"], c.params["data_category"])
        for c in found
        if c.code == "recipient-data-category-undeclared"
    }
    assert ("finance_company", "personal_id") in missing and ("importer", "transactions") in missing


def test_a_research_vendor_without_delete_within_is_a_warning() -> None:
    found = codes(disclosures={"recipients": recipients(research_vendor={"delete_within": None})})
    assert found.count("research-vendor-without-delete-within") == 1


def test_transfers_to_any_country_and_unknown_country_codes_are_reported() -> None:
    found = check_policy(
        make_policy(
            disclosures={
                "recipients": recipients(finance_company={"transfer_countries": ["Japan", "US"]})
            }
        )
    )
    assert [(c.code, c.level) for c in found if c.code.startswith("transfer")] == [
        ("transfer-country-unknown", "warning"),
        ("transfers-anywhere", "note"),
    ]


def test_a_marketing_purpose_without_the_marketing_flag_is_a_warning() -> None:
    changed = recipients(marketing_processor={"marketing": False})
    assert "marketing-purpose-without-flag" in codes(disclosures={"recipients": changed})
    flagged = recipients(importer={"marketing": True})
    assert "marketing-flag-without-marketing-purpose" in codes(disclosures={"recipients": flagged})


def test_protected_data_allowed_to_an_undeclared_recipient_is_a_warning() -> None:
    found = codes(disclosures={"allowed_for_protected": ["authority", "bailiff"]})
    assert found.count("protected-recipient-undeclared") == 1


def test_fewer_accounting_years_than_the_law_no_recipients_and_fail_on_never() -> None:
    assert "accounting-years-below-law" in codes(retention={"accounting_years": 4})
    assert "no-recipients" in codes(disclosures={"recipients": []})
    assert "fail-on-never" in codes(check={"fail_on": "never"})


def test_every_contradiction_has_a_finnish_message_with_the_same_placeholders() -> None:
    import string

    for code, (en, fi) in MESSAGES.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(en) if name}
        assert fields == {name for _, name, _, _ in string.Formatter().parse(fi) if name}, code


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_purpose_declared_and_prohibited_is_explained_and_reported_as_an_error(
    tmp_path: Path,
) -> None:
    data = tomllib.loads(BASE_POLICY)
    data["disclosures"]["prohibited_purposes"] = ["third_party_marketing", "warranty"]
    path = _write(tmp_path, _dump(data))
    code, out, err = cli("policy", "explain", path)
    assert code == 2 and err == ""
    assert (
        "error: purpose 'warranty' is declared for recipient 'importer' and also prohibited" in out
    )
    assert "Never for: third_party_marketing." in out  # the rest is still explained
    explained = load_for_explain(path)
    assert explained.worst == "error"


def test_explain_says_what_the_allomeera_notice_promises(tmp_path: Path) -> None:
    code, out, _ = cli("policy", "explain", SAMPLE_POLICY)
    assert code == 0
    for line in (
        "Customers: 3 years after the relationship ends, and 2 years more for marketing unless",
        "    warranty: 1 year after the warranty ends",
        "    test drive: 6 months after it closed",
        "  importer: names, contact details, vehicle data, contracts and transactions — for",
        "  Never for: third_party_marketing.",
        "  A protected person's contact data only to: authority.",
        "  Allowed for: importer (in any country).",
        "  Consents do not go stale (consent.max_age not set; CON005 is skipped).",
    ):
        assert line in out
    assert "note: recipient 'importer' may receive data in any country" in out


def test_explain_in_finnish(tmp_path: Path) -> None:
    code, out, _ = cli("policy", "explain", SAMPLE_POLICY, "--lang", "fi")
    assert code == 0
    assert "Kuinka kauan tietoja säilytetään" in out
    assert "Asiakkaat: 3 vuotta asiakkuuden päättymisestä" in out
    assert "huomio: vastaanottaja 'importer' saa tietoja mihin tahansa maahan" in out
    assert explain_policy(load_for_explain(SAMPLE_POLICY), "fi") == out


def test_explain_exits_1_on_a_warning_and_2_on_a_policy_that_does_not_load(tmp_path: Path) -> None:
    data = tomllib.loads(BASE_POLICY)
    data["consent"]["own_product_groups"] = []
    code, out, _ = cli("policy", "explain", _write(tmp_path, _dump(data)))
    assert code == 1 and "warning: consent.soft_opt_in is on but" in out
    code, out, err = cli("policy", "explain", _write(tmp_path, "[register]\nname = 1\n"))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    code, _, err = cli("policy", "explain", SAMPLE_POLICY, "--lang", "sv")
    assert code == 2 and "unknown --lang" in err
    code, _, err = cli("policy", "explain", tmp_path / "missing.toml")
    assert code == 2 and "cannot read the policy file" in err and "Traceback" not in err


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_explain_lines_fit_a_terminal(lang: str) -> None:
    text = explain_policy(load_for_explain(SAMPLE_POLICY), lang)
    assert max(len(line) for line in text.splitlines()) <= 100
