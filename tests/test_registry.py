"""The rule registry: every rule fully declared, the catalogue of RULES.md, and selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditkit.errors import UsageError
from auditkit.findings import SEVERITY_ORDER
from auditkit.register.schema import TABLES
from auditkit.rules import RULES, find_rule, select_rules
from auditkit.rules.registry import PREFIX_AREA

# RULES.md's tables: code → default severity (the catalogue; codes are never reused or renumbered).
CATALOGUE = {
    "RET001": "high", "RET002": "medium", "RET003": "medium", "RET004": "high",
    "CON001": "high", "CON002": "critical", "CON003": "high", "CON004": "medium", "CON005": "low",
    "DIS001": "high", "DIS002": "high", "DIS003": "critical", "DIS004": "high",
    "DIS005": "critical", "DIS006": "medium", "DIS007": "high", "DIS008": "high",
    "DIS009": "high", "DIS010": "high",
    "DSR001": "high", "DSR002": "medium", "DSR003": "medium", "DSR004": "medium", "DSR005": "high",
    "DAT001": "medium", "DAT002": "high", "DAT003": "low", "DAT004": "medium", "DAT005": "medium",
    "DAT006": "medium", "DAT007": "low",
}  # fmt: skip
RULES_MD = Path(__file__).resolve().parents[2] / "shared" / "design" / "RULES.md"
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def test_the_catalogue_has_exactly_the_31_codes_of_rules_md() -> None:
    assert len(CATALOGUE) == 31
    assert sorted(RULES) == sorted(CATALOGUE)


def test_default_severities_match_rules_md() -> None:
    assert {code: r.severity for code, r in RULES.items()} == CATALOGUE


@pytest.mark.skipif(not RULES_MD.exists(), reason="../shared/design is not beside the repository")
def test_catalogue_transcribes_the_rules_md_tables() -> None:
    rows = re.findall(r"^\| ([A-Z]{3}\d{3}) \| (\w+) \|", RULES_MD.read_text(), re.MULTILINE)
    assert dict(rows) == CATALOGUE


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_rule_is_fully_declared(code: str) -> None:
    rule = RULES[code]
    assert re.fullmatch(r"(RET|CON|DIS|DSR|DAT)\d{3}", rule.code)
    assert rule.area == PREFIX_AREA[code[:3]]
    assert rule.severity in SEVERITY_ORDER
    # The name names the violation, in kebab-case: never an instruction.
    assert KEBAB.fullmatch(rule.name), rule.name
    assert not rule.name.startswith(("avoid-", "use-", "prefer-", "no-", "check-")), rule.name
    assert rule.title.strip() and rule.title == rule.title.strip()
    doc = rule.doc
    for part in ("what", "why", "example", "fix", "legal_basis"):
        assert getattr(doc, part).strip(), f"{code} lacks {part}"
    page = rule.explain()
    for heading in ("What it checks", "Why it matters", "Legal basis", "Example", "How to fix"):
        assert heading in page


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_rule_inputs_name_canonical_tables_and_columns(code: str) -> None:
    rule = RULES[code]
    assert set(rule.tables) | set(rule.optional_tables) <= set(TABLES)
    for table, column in rule.columns:
        assert column in TABLES[table].names


def test_names_are_unique_and_con002_is_marketing_after_objection() -> None:
    names = [r.name for r in RULES.values()]
    assert len(set(names)) == len(names)
    assert RULES["CON002"].name == "marketing-after-objection"


def test_find_rule_by_code_or_name() -> None:
    assert find_rule("CON002") is RULES["CON002"]
    assert find_rule("marketing-after-objection") is RULES["CON002"]
    assert find_rule("CON999") is None
    assert find_rule("no-such-rule") is None


# --- select / ignore ------------------------------------------------------------------------------


def codes(select: list[str] | None = None, ignore: list[str] | None = None) -> list[str]:
    return [r.code for r in select_rules(select, ignore)]


CON = ["CON001", "CON002", "CON003", "CON004", "CON005"]


def test_default_selection_is_all_rules() -> None:
    assert codes() == sorted(CATALOGUE)
    assert codes(["ALL"]) == sorted(CATALOGUE)


def test_select_by_area_prefix_code_or_name() -> None:
    assert codes(["CON"]) == CON
    assert codes(["CON002"]) == ["CON002"]
    assert codes(["marketing-after-objection"]) == ["CON002"]
    assert codes(["DAT001", "RET"]) == ["DAT001", "RET001", "RET002", "RET003", "RET004"]


def test_more_specific_selector_wins() -> None:
    # ALL < area prefix < code or name
    assert codes(["ALL"], ["CON"]) == [c for c in sorted(CATALOGUE) if c not in CON]
    assert codes(["CON"], ["ALL"]) == CON
    assert codes(["CON002"], ["CON"]) == ["CON002"]
    assert codes(["CON", "ALL"], ["CON002"]) == [c for c in sorted(CATALOGUE) if c != "CON002"]
    assert codes(["marketing-after-objection"], ["ALL", "CON"]) == ["CON002"]
    assert codes(["ALL", "CON002"], ["CON"]) == [
        c for c in sorted(CATALOGUE) if c not in CON[:1] + CON[2:]
    ]


def test_at_equal_specificity_ignore_wins() -> None:
    assert codes(["ALL"], ["ALL"]) == []
    assert codes(["CON"], ["CON"]) == []
    assert codes(["CON002"], ["CON002"]) == []
    # A code and a name are equally specific.
    assert codes(["CON002"], ["marketing-after-objection"]) == []
    assert codes(["marketing-after-objection"], ["CON002"]) == []


@pytest.mark.parametrize(
    ("select", "ignore"),
    [
        (["CON999"], None),
        (["XYZ"], None),
        (["ALL"], ["not-a-rule"]),
        (["ALL"], ["CO"]),
        ([""], None),
    ],
)
def test_unknown_selector_is_a_usage_error(select: list[str], ignore: list[str] | None) -> None:
    with pytest.raises(UsageError):
        select_rules(select, ignore)
