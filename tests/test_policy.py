"""The policy file (POLICY.md): the privacy notice as validated, typed data."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from auditkit.errors import AuditkitError, PolicyError
from auditkit.policy import Duration, Policy, load_policy, parse_policy

# The example of POLICY.md (a few comments shortened).
EXAMPLE = """\
[register]
name = "Allomeera Oy:n asiakasrekisteri"
controller = "Allomeera Oy"
business_id = "0984410-3"
notice_date = 2021-08-19
timezone = "Europe/Helsinki"          # naive timestamps in exports are read in this zone

[data_content]                        # notice §5: what the register may hold (RET/DAT rules)
categories = ["identity", "contact", "language", "marketing_preferences", "personal_id",
              "company", "vehicle", "transactions", "communications", "technical"]

[retention]                           # the notice gives no years: the company fills them in
after_relationship = "P3Y"            # keep a former customer this long after the relationship ends
marketing_extension = "P2Y"           # notice §9: longer for marketing unless the person objected
inactive_after = "P5Y"                # no relationship end: ended this long after last activity
accounting_years = 6                  # Accounting Act 2:10 vouchers
financial_year_end = "12-31"          # MM-DD, a day every year has (not 02-29)
forecast_days = 90                    # the deletion calendar looks this far ahead
[retention.records]                   # RET002: per contract kind
offer = "P1Y"
test_drive = "P6M"
warranty = "P1Y"                      # after the warranty ends

[personal_id]
needed_for = ["financing", "leasing"] # notice §5: only where the law allows (credit)

[consent]
soft_opt_in = true                    # §200(2): own similar products to existing customers
soft_opt_in_kinds = ["sale", "service", "financing", "leasing"]
soft_opt_in_max_age = "P2Y"           # optional
own_product_groups = ["vehicles", "service", "accessories", "financing"]  # null never qualifies
objection_is_global = true            # an objection to any marketing stops all marketing
research_is_marketing = false
max_age = ""                          # optional: CON005 off when empty

[requests]
objection_propagation_days = 7        # DSR004

[transfers]                           # optional overrides of the shipped adequacy table
extra_adequate = []                   # each replaces every shipped entry for its country:

[disclosures]
prohibited_purposes = ["third_party_marketing"]        # notice §7: never for others' marketing
allowed_for_protected = ["authority"]                  # DIS007

[[disclosures.recipients]]            # notice §7, one entry per declared recipient category
category = "importer"
purposes = ["warranty", "service", "maintenance", "safety"]
data_categories = ["identity", "contact", "vehicle", "transactions"]
transfer_countries = ["*"]            # "some importers' systems are outside the EEA"
marketing = false

[[disclosures.recipients]]
category = "finance_company"
purposes = ["contract"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "transactions"]
transfer_countries = []

[[disclosures.recipients]]
category = "insurance_company"
purposes = ["contract"]
data_categories = ["identity", "contact", "personal_id", "vehicle"]
transfer_countries = []

[[disclosures.recipients]]
category = "authority"                # Traficom and other authorities
purposes = ["contract", "legal_obligation", "register_update"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "company"]
transfer_countries = []

[[disclosures.recipients]]
category = "marketing_processor"      # "selected partners for Allomeera's own direct marketing"
purposes = ["controller_direct_marketing"]
data_categories = ["identity", "contact", "language", "vehicle"]
transfer_countries = []
marketing = true

[[disclosures.recipients]]
category = "research_vendor"          # surveys; data deleted afterwards
purposes = ["market_research", "customer_satisfaction"]
data_categories = ["identity", "contact", "language", "vehicle"]
transfer_countries = []
delete_within = "P90D"

[check]                               # optional: how `auditkit check` fails, per register
fail_on = "high"
[check.severity]
CON004 = "high"
"""

# Only the required keys.
MINIMAL = """\
[register]
name = "Pieni Oy:n asiakasrekisteri"
controller = "Pieni Oy"

[data_content]
categories = ["identity", "contact"]

[retention]
after_relationship = "P3Y"
inactive_after = "P5Y"
"""


def policy_error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    return caught.value


def with_retention(extra: str) -> str:
    """MINIMAL with more keys in its last table, [retention]."""
    return MINIMAL + extra


# --- the example and the defaults --------------------------------------------------------------


def test_the_policy_md_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    policy = load_policy(path)
    assert isinstance(policy, Policy)
    assert policy.register_info.name == "Allomeera Oy:n asiakasrekisteri"
    assert policy.register_info.business_id == "0984410-3"
    assert policy.register_info.notice_date == date(2021, 8, 19)
    assert policy.timezone == "Europe/Helsinki"
    assert policy.retention.after_relationship == Duration(years=3)
    assert policy.retention.records == {
        "offer": Duration(years=1),
        "test_drive": Duration(months=6),
        "warranty": Duration(years=1),
    }
    assert policy.consent.soft_opt_in_max_age == Duration(years=2)
    assert policy.consent.max_age is None  # "" means unset
    assert [r.category for r in policy.disclosures.recipients] == [
        "importer",
        "finance_company",
        "insurance_company",
        "authority",
        "marketing_processor",
        "research_vendor",
    ]
    research = policy.disclosures.recipient("research_vendor")
    assert research is not None and research.delete_within == Duration(days=90)
    assert policy.disclosures.recipient("importer").transfer_countries == ["*"]
    assert policy.check.severity == {"CON004": "high"}


def test_the_policy_keeps_its_sha256_and_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    policy = load_policy(path)
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert policy.path == str(path)


def test_a_utf8_bom_in_the_policy_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_policy(path).register_info.controller == "Pieni Oy"


def test_missing_optional_keys_take_the_documented_defaults() -> None:
    policy = parse_policy(MINIMAL)
    assert policy.register_info.business_id is None
    assert policy.register_info.notice_date is None
    assert policy.timezone == "Europe/Helsinki"
    retention = policy.retention
    assert retention.marketing_extension is None
    assert retention.accounting_years == 6
    assert retention.financial_year_end == "12-31"
    assert retention.year_end == (12, 31)
    assert retention.forecast_days == 90
    assert retention.records == {}
    assert policy.personal_id.needed_for == ["financing", "leasing"]
    consent = policy.consent
    assert consent.soft_opt_in is False
    assert consent.soft_opt_in_kinds == []
    assert consent.own_product_groups == []
    assert consent.soft_opt_in_max_age is None
    assert consent.objection_is_global is True
    assert consent.research_is_marketing is False
    assert consent.max_age is None
    assert policy.requests.objection_propagation_days == 7
    assert policy.transfers.extra_adequate == []
    assert policy.disclosures.prohibited_purposes == []
    assert policy.disclosures.allowed_for_protected == ["authority"]
    assert policy.disclosures.recipients == []
    assert policy.check.fail_on == "high"
    assert policy.check.severity == {}


def test_recipient_defaults() -> None:
    text = MINIMAL + (
        '[[disclosures.recipients]]\ncategory = "importer"\npurposes = ["warranty"]\n'
        'data_categories = ["contact"]\n'
    )
    recipient = parse_policy(text).disclosures.recipients[0]
    assert recipient.transfer_countries == []
    assert recipient.marketing is False
    assert recipient.delete_within is None


@pytest.mark.parametrize(
    "key",
    ["register.name", "register.controller", "data_content.categories", "retention.inactive_after"],
)
def test_a_missing_required_key_is_an_error_naming_it(key: str) -> None:
    name = key.rsplit(".", 1)[1]
    lines = [line for line in MINIMAL.splitlines() if not line.startswith(f"{name} =")]
    error = policy_error("\n".join(lines) + "\n")
    assert error.message == f"missing required key {key!r}"


# --- unknown keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (MINIMAL + "[reporting]\nlanguage = 'fi'\n", "reporting"),
        (with_retention("after_relationhip = 'P3Y'\n"), "retention.after_relationhip"),
        (MINIMAL + "[consent]\nsoft_optin = true\n", "consent.soft_optin"),
        (
            MINIMAL
            + '[[disclosures.recipients]]\ncategory = "importer"\npurposes = ["warranty"]\n'
            + 'data_categories = ["contact"]\nfoo = 1\n',
            "disclosures.recipients[0].foo",
        ),
        (
            MINIMAL + '[transfers]\nextra_adequate = [{ country = "JP", valid_from = 2019-01-23, '
            "until = 2030-01-01 }]\n",
            "transfers.extra_adequate[0].until",
        ),
        (MINIMAL + 'sha256 = "abc"\n', "retention.sha256"),
    ],
)
def test_an_unknown_key_is_rejected_naming_the_key_and_its_location(text: str, key: str) -> None:
    error = policy_error(text)
    assert error.message == f"unknown key {key!r}"
    assert error.hint is not None and "POLICY.md" in error.hint


def test_reserved_top_level_keys_are_unknown_keys() -> None:
    error = policy_error('sha256 = "abc"\n' + MINIMAL)
    assert error.message == "unknown key 'sha256'"


def test_an_unknown_contract_kind_under_retention_records_is_rejected() -> None:
    error = policy_error(with_retention('[retention.records]\ntestdrive = "P6M"\n'))
    assert "retention.records" in error.message
    assert "'testdrive'" in error.message
    assert "test_drive" in error.message


def test_an_unknown_contract_kind_in_a_list_is_rejected() -> None:
    error = policy_error(MINIMAL + '[personal_id]\nneeded_for = ["loan"]\n')
    assert "personal_id.needed_for[0]" in error.message


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3Y", Duration(years=3)),
        ("P18M", Duration(months=18)),
        ("P2W", Duration(weeks=2)),
        ("P90D", Duration(days=90)),
        ("P1Y6M", Duration(years=1, months=6)),
        (" P3Y ", Duration(years=3)),
    ],
)
def test_durations_are_iso_8601_years_months_weeks_and_days(text: str, expected: Duration) -> None:
    policy = parse_policy(MINIMAL.replace('"P3Y"', f'"{text}"'))
    assert policy.retention.after_relationship == expected


@pytest.mark.parametrize("text", ["1 year", "PT1H", "P1DT12H", "P", "3Y", "p3y", "P-1Y", "P1.5Y"])
def test_a_bad_duration_is_rejected_naming_the_key_and_value(text: str) -> None:
    error = policy_error(MINIMAL.replace('"P3Y"', f'"{text}"'))
    assert error.message.startswith("retention.after_relationship: ")
    assert repr(text) in error.message
    assert "ISO 8601" in error.message


def test_a_duration_that_is_not_text_is_rejected() -> None:
    error = policy_error(MINIMAL.replace('"P3Y"', "3"))
    assert "retention.after_relationship" in error.message
    assert "P3Y" in error.message


@pytest.mark.parametrize(
    ("extra", "get"),
    [
        ('marketing_extension = ""\n', lambda p: p.retention.marketing_extension),
        ('[retention.records]\noffer = ""\n', lambda p: p.retention.records["offer"]),
        ('[consent]\nmax_age = ""\n', lambda p: p.consent.max_age),
        ('[consent]\nsoft_opt_in_max_age = "  "\n', lambda p: p.consent.soft_opt_in_max_age),
        (
            '[[disclosures.recipients]]\ncategory = "research_vendor"\npurposes = ["survey"]\n'
            'data_categories = ["contact"]\ndelete_within = ""\n',
            lambda p: p.disclosures.recipients[0].delete_within,
        ),
    ],
)
def test_an_empty_string_for_an_optional_duration_means_unset(extra: str, get) -> None:
    assert get(parse_policy(with_retention(extra))) is None


def test_an_empty_string_for_a_required_duration_is_an_error() -> None:
    error = policy_error(MINIMAL.replace('"P3Y"', '""'))
    assert error.message.startswith("retention.after_relationship: ")
    assert "required" in error.message


def test_a_duration_prints_as_iso_and_converts_to_a_polars_offset() -> None:
    duration = Duration.parse("P1Y6M2W3D")
    assert str(duration) == "P1Y6M2W3D"
    assert duration.offset == "1y6mo2w3d"
    assert str(Duration()) == "P0D"


# --- other values -------------------------------------------------------------------------------


def test_a_valid_business_id_is_accepted() -> None:
    text = MINIMAL.replace(
        'controller = "Pieni Oy"', 'controller = "Pieni Oy"\nbusiness_id = "0984410-3"'
    )
    assert parse_policy(text).register_info.business_id == "0984410-3"


@pytest.mark.parametrize("business_id", ["0984410-4", "984410-3", "0984410 3", "FI09844103"])
def test_a_business_id_with_a_bad_check_digit_or_form_is_rejected(business_id: str) -> None:
    text = MINIMAL.replace(
        'controller = "Pieni Oy"', f'controller = "Pieni Oy"\nbusiness_id = "{business_id}"'
    )
    error = policy_error(text)
    assert error.message.startswith("register.business_id: ")
    assert repr(business_id) in error.message


def test_financial_year_end_02_29_is_rejected() -> None:
    error = policy_error(with_retention('financial_year_end = "02-29"\n'))
    assert error.message.startswith("retention.financial_year_end: ")
    assert "'02-29'" in error.message


@pytest.mark.parametrize("text", ["2-28", "13-01", "06-31", "0630", "June 30"])
def test_financial_year_end_must_be_a_real_mm_dd_day(text: str) -> None:
    error = policy_error(with_retention(f'financial_year_end = "{text}"\n'))
    assert "retention.financial_year_end" in error.message


def test_financial_year_end_06_30_is_accepted() -> None:
    policy = parse_policy(with_retention('financial_year_end = "06-30"\n'))
    assert policy.retention.year_end == (6, 30)


def test_a_recipient_category_declared_twice_is_an_error_naming_both() -> None:
    text = EXAMPLE.replace('category = "insurance_company"', 'category = "finance_company"')
    error = policy_error(text)
    assert "'finance_company'" in error.message
    assert "disclosures.recipients[1]" in error.message
    assert "disclosures.recipients[2]" in error.message


def test_a_declared_purpose_that_is_also_prohibited_is_an_error_naming_both() -> None:
    text = EXAMPLE.replace(
        'purposes = ["controller_direct_marketing"]',
        'purposes = ["controller_direct_marketing", "third_party_marketing"]',
    )
    error = policy_error(text)
    assert "'third_party_marketing'" in error.message
    assert "disclosures.recipients[4].purposes" in error.message
    assert "disclosures.prohibited_purposes" in error.message
    assert "'marketing_processor'" in error.message


def test_an_unknown_time_zone_is_rejected() -> None:
    error = policy_error(
        MINIMAL.replace(
            'controller = "Pieni Oy"', 'controller = "Pieni Oy"\ntimezone = "Europe/Turku"'
        )
    )
    assert error.message.startswith("register.timezone: ")


def test_an_unknown_fail_on_level_is_rejected() -> None:
    error = policy_error(MINIMAL + '[check]\nfail_on = "warning"\n')
    assert error.message.startswith("check.fail_on: ")


def test_extra_adequate_countries_are_normalised_and_checked() -> None:
    entry = '{ country = " jp ", valid_from = 2019-01-23, scope = "commercial" }'
    policy = parse_policy(MINIMAL + f"[transfers]\nextra_adequate = [{entry}]\n")
    adequate = policy.transfers.extra_adequate[0]
    assert (adequate.country, adequate.valid_to, adequate.scope) == ("JP", None, "commercial")
    error = policy_error(
        MINIMAL + '[transfers]\nextra_adequate = [{ country = "Japan", valid_from = 2019-01-23 }]\n'
    )
    assert "transfers.extra_adequate[0].country" in error.message


def test_invalid_toml_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL + "oops =\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not a valid TOML file") as caught:
        load_policy(path)
    assert caught.value.file == str(path)
    assert isinstance(caught.value, AuditkitError)


def test_a_policy_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(MINIMAL.replace("Pieni", "Pieni Äö").encode("cp1252"))
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(path)


def test_a_missing_policy_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "policy.toml")


def test_a_severity_override_for_a_known_rule_is_kept() -> None:
    policy = parse_policy(MINIMAL + '[check.severity]\nCON004 = "low"\n')
    assert policy.check.severity == {"CON004": "low"}


def test_a_severity_override_for_an_unknown_rule_code_is_rejected() -> None:
    error = policy_error(MINIMAL + '[check.severity]\nCON04 = "high"\n')
    assert error.message.startswith("check.severity: ")
    assert "'CON04'" in error.message
