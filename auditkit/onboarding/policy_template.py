"""The commented policy.toml that `auditkit init` writes: the POLICY.md format, every key explained.

The values are Allomeera Oy's (the reference notice), as a worked example that loads as it is.
Lines marked TODO are the ones a new user must look at: the register's own identity, and the
retention periods that a privacy notice never states ("as long as necessary") — decisions the
company has to make and write down. With an export at hand, comments list what the export holds
(recipient categories, product groups, contract kinds, data categories) next to the keys that must
declare them.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from auditkit.register.schema import column_category

if TYPE_CHECKING:
    from auditkit.onboarding.suggest import Suggestion

TEMPLATE = """\
# policy.toml — the privacy notice as data (auditkit's POLICY.md format, TOML 1.0).
#
# auditkit checks the register against what this file says the notice promises. The values below
# are Allomeera Oy's (a Finnish car dealer, auditkit's reference notice) as a worked example: the
# file loads as it is, so you can run a first audit at once, but every value must become yours.
#
# Lines marked TODO are decisions to make: grep -n TODO policy.toml
#   - TODO (yours): facts about your register that only you know.
#   - TODO (decide): retention periods. A notice usually says "as long as necessary"; auditkit
#     needs a number. Decide it with whoever owns the register, and write down why.
# Durations are ISO 8601 with years, months, weeks, days: P3Y, P18M, P2W, P90D ("" = not set).
# Unknown keys are an error (a typo must not weaken an audit silently). `auditkit policy explain
# policy.toml` prints what this file promises in plain words and warns on contradictions.

[register]
# TODO (yours): the register's name and controller as the notice writes them; the business id
# (Y-tunnus, check digit validated) and the notice's date are optional.
name = "Allomeera Oy:n asiakasrekisteri"
controller = "Allomeera Oy"
business_id = "0984410-3"
notice_date = 2021-08-19
timezone = "Europe/Helsinki"          # naive timestamps in the exports are read in this zone

[data_content]
# Notice §5 "what the register holds": every data category the register may hold. A column of
# a category missing here is DAT001 (e.g. identity codes in a register whose notice never names
# them). Categories: identity (names), contact (e-mail, phone, address), language, personal_id
# (henkilötunnus), company (business id, company name), vehicle, transactions (contracts),
# marketing_preferences (consents), communications (messages, notes), technical (cookies, ids).
#@data_content
categories = ["identity", "contact", "language", "marketing_preferences", "personal_id",
              "company", "vehicle", "transactions", "communications", "technical"]

[retention]
# When a customer's data must go (RET001). The notice gives no years: the company fills them in.
# A customer is kept `after_relationship` after the relationship ends, plus `marketing_extension`
# unless they objected to marketing; legal holds (accounting, credit, warranty, open requests)
# keep them longer. With no end recorded, the relationship counts as ended `inactive_after`
# after the last activity.
after_relationship = "P3Y"            # TODO (decide): kept this long after the relationship ends
marketing_extension = "P2Y"           # TODO (decide): extra time for marketing ("" = none)
inactive_after = "P5Y"                # TODO (decide): no end recorded: ended this long after
                                      # the last activity
accounting_years = 6                  # Accounting Act 2:10: vouchers, 6 years after the year
financial_year_end = "12-31"          # TODO (yours): your financial year's last day, MM-DD
                                      # (a day every year has: not 02-29)
forecast_days = 90                    # the deletion calendar looks this far ahead

[retention.records]
# RET002: how long each kind of contract row is kept, from closed_at (else ends_at, else
# signed_at). Kinds: sale, purchase, financing, leasing, service (accounting records: held by
# accounting_years above), warranty, offer, test_drive. A kind with no entry is not checked.
#@records
offer = "P1Y"                         # TODO (decide): an offer that led nowhere
test_drive = "P6M"                    # TODO (decide): a test drive's record
warranty = "P1Y"                      # TODO (decide): after the warranty ends

[personal_id]
# Notice §5: identity codes only where the law allows. A subject may keep a henkilötunnus only
# while they have a contract of these kinds open or held (RET003, Data Protection Act 29 §).
needed_for = ["financing", "leasing"]

[consent]
# Electronic direct marketing (e-mail, SMS, automated calls) to persons needs consent (CON001),
# except the soft opt-in of §200(2) of the Electronic Communications Act: the controller's own
# similar products, to a customer who bought from it. soft_opt_in_kinds: the contract kinds
# that make a customer; own_product_groups: your own products (communications.product_group;
# a null group never qualifies).
soft_opt_in = true                    # TODO (yours): does your notice rely on the soft opt-in?
soft_opt_in_kinds = ["sale", "service", "financing", "leasing"]
soft_opt_in_max_age = "P2Y"           # TODO (decide): how long after the contract closed
                                      # ("" = no limit)
#@product_groups
own_product_groups = ["vehicles", "service", "accessories", "financing"]
objection_is_global = true            # an objection to any marketing stops all marketing
research_is_marketing = false         # true: e-mailed surveys need consent like marketing
max_age = ""                          # TODO (decide): a consent older than this is stale
                                      # (CON005); "" = not checked

[requests]
objection_propagation_days = 7        # DSR004: days for an objection to reach marketing systems

[transfers]
# Optional: adequacy decisions added to (or ending) the shipped EU table. Each entry replaces
# every shipped entry for its country; valid_to (inclusive), scope ("" whole country | "dpf" |
# "commercial") and reference are optional:
# extra_adequate = [{ country = "XX", valid_from = 2026-01-01, valid_to = 2030-12-31 }]
extra_adequate = []

[disclosures]
# Notice §7: who receives data, for what, and where it may go. One [[disclosures.recipients]]
# entry per recipient category the notice names. A disclosure to a category not declared is
# DIS001; for a purpose not declared for its category, DIS002; of a data category the entry does
# not list, DIS008; outside the EEA to a country the entry does not list, DIS004.
#@recipients
prohibited_purposes = ["third_party_marketing"]   # purposes the notice rules out (DIS005)
allowed_for_protected = ["authority"]   # who may get a protected person's contact data (DIS007)

[[disclosures.recipients]]
# TODO (yours): one entry per recipient category of your notice.
category = "importer"
purposes = ["warranty", "service", "maintenance", "safety"]
data_categories = ["identity", "contact", "vehicle", "transactions"]
transfer_countries = ["*"]            # "*" any country; [] EEA only; or codes ["JP", "US"]
marketing = false                     # true: disclosed for marketing (DIS009 checks objections)

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
category = "research_vendor"          # surveys; the data is deleted afterwards
purposes = ["market_research", "customer_satisfaction"]
data_categories = ["identity", "contact", "language", "vehicle"]
transfer_countries = []
delete_within = "P90D"                # TODO (decide): deletion confirmed within this (DIS006)

[check]
# How `auditkit check` fails in CI: exit 1 when a finding is at or above fail_on
# (critical, high, medium, low, never). [check.severity] overrides one rule's severity.
fail_on = "high"

[check.severity]
# CON004 = "high"
"""


def policy_template(suggestion: Suggestion | None = None) -> str:
    """The commented policy file; with a suggestion, notes on what the export holds."""
    notes = export_notes(suggestion) if suggestion is not None else {}
    lines = []
    for line in TEMPLATE.splitlines():
        if line.startswith("#@"):
            lines += notes.get(line[2:], [])
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _mapped_values(suggestion: Suggestion, table: str, column: str) -> Counter[str]:
    """How often each value of a mapped column occurs in the sample, after the value mapping."""
    counts: Counter[str] = Counter()
    for guess in suggestion.placed:
        if guess.table != table:
            continue
        source = next((s for s, t in guess.mapped().items() if t == column), None)
        if source is None:
            continue
        renames = {}
        result = guess.values.get(column)
        if result is not None:
            renames = {v.source: str(v.target) for v in result.mapped if v.sure}
        for value, count in guess.profiles[source].top:
            counts[renames.get(value.strip(), value.strip())] += count
    return counts


def _listing(counts: Counter[str]) -> str:
    return ", ".join(f"{value} ({count:,})" for value, count in counts.most_common())


def _wrapped(prefix: str, text: str, width: int = 98) -> list[str]:
    lines, line = [], prefix
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line.strip("# "):
            lines.append(line.rstrip())
            line = "#   "
        line += word + " "
    lines.append(line.rstrip())
    return lines


def export_notes(suggestion: Suggestion) -> dict[str, list[str]]:
    """Comment lines, per anchor of the template, on what the export holds."""
    where = f"(from {suggestion.export}, by the suggested mapping)"
    notes: dict[str, list[str]] = {}
    categories: dict[str, list[str]] = {}
    for guess in suggestion.placed:
        assert guess.table is not None
        for column in guess.columns:
            if not column.sure or column.target is None:
                continue
            if column.action == "map":
                category = column_category(guess.table, column.target)
            elif column.action == "keep":
                category = column.target
            else:
                continue
            if category is not None and not guess.profiles[column.source].empty:
                categories.setdefault(category, []).append(column.source)
    if categories:
        text = "; ".join(f"{c} ({', '.join(cols)})" for c, cols in sorted(categories.items()))
        notes["data_content"] = _wrapped(f"# Your export holds {where}: ", text)
    kinds = _mapped_values(suggestion, "contracts", "kind")
    if kinds:
        notes["records"] = _wrapped("# Contract kinds in your export: ", _listing(kinds) + ".")
    groups = _mapped_values(suggestion, "communications", "product_group")
    if groups:
        notes["product_groups"] = _wrapped(
            "# Product groups in your export's messages: ", _listing(groups) + "."
        )
    recipients = _mapped_values(suggestion, "disclosures", "recipient_category")
    purposes = _mapped_values(suggestion, "disclosures", "purpose")
    lines = []
    if recipients:
        lines += _wrapped("# Recipient categories in your export: ", _listing(recipients) + ".")
    if purposes:
        lines += _wrapped("# Disclosure purposes in your export: ", _listing(purposes) + ".")
    if lines:
        lines.append("#   Declare those your notice names below; the rest are findings.")
        notes["recipients"] = lines
    return notes
