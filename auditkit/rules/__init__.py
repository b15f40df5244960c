"""The rule catalogue: importing this package registers every rule (RULES.md)."""

from __future__ import annotations

from auditkit.rules import consent, data, disclosure, requests, retention  # noqa: F401
from auditkit.rules.registry import RULES, Rule, find_rule, select_rules

__all__ = ["RULES", "Rule", "find_rule", "select_rules"]
