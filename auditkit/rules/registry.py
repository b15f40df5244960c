"""The rule registry: every rule is data (code, name, title, area, severity, inputs, docs) plus one
function.

A rule module declares its rules with the `@rule(...)` decorator next to the function; importing
`auditkit.rules` builds the catalogue. Adding a rule touches one module and its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditkit.findings import SEVERITY_ORDER

if TYPE_CHECKING:
    import polars as pl

    from auditkit.rules.context import Context

PREFIX_AREA = {
    "RET": "retention",
    "CON": "consent",
    "DIS": "disclosure",
    "DSR": "requests",
    "DAT": "data",
}


@dataclass(frozen=True)
class RuleDoc:
    """A rule's documentation page, as `auditkit explain` prints it."""

    what: str
    why: str
    example: str
    fix: str
    legal_basis: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    title: str
    severity: str
    tables: tuple[str, ...]
    optional_tables: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    doc: RuleDoc
    func: Callable[[Context], pl.LazyFrame] = field(compare=False, repr=False)
    # An eager fact the rule needs (e.g. DAT005's connected components), computed once by run_audit.
    prepare: Callable[[Context], dict[str, pl.DataFrame]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def area(self) -> str:
        return PREFIX_AREA[self.code[:3]]

    def explain(self) -> str:
        doc = self.doc
        return (
            f"{self.code} {self.name} ({self.area}, default severity {self.severity})\n"
            f"{self.title}\n\n"
            f"What it checks\n  {doc.what}\n\n"
            f"Why it matters\n  {doc.why}\n  Legal basis: {doc.legal_basis}\n\n"
            f"Example\n  {doc.example}\n\n"
            f"How to fix\n  {doc.fix}\n"
        )


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    title: str,
    *,
    severity: str,
    tables: Iterable[str],
    optional_tables: Iterable[str] = (),
    columns: Iterable[tuple[str, str]] = (),
    what: str,
    why: str,
    legal_basis: str,
    example: str,
    fix: str,
    prepare: Callable[[Context], dict[str, pl.DataFrame]] | None = None,
) -> Callable[[Callable[[Context], pl.LazyFrame]], Callable[[Context], pl.LazyFrame]]:
    """Declare a rule next to its function.

    `tables` must be present or the rule is skipped ("<table> absent"); `columns` are (table,
    column) pairs that must come from the source or the rule is skipped ("<table>.<column>
    absent").
    """
    if code[:3] not in PREFIX_AREA or severity not in SEVERITY_ORDER:
        raise ValueError(f"bad rule declaration {code} ({severity})")

    def register(func: Callable[[Context], pl.LazyFrame]) -> Callable[[Context], pl.LazyFrame]:
        if code in RULES:
            raise ValueError(f"rule {code} declared twice")
        RULES[code] = Rule(
            code,
            name,
            title,
            severity,
            tuple(tables),
            tuple(optional_tables),
            tuple(columns),
            RuleDoc(what, why, example, fix, legal_basis),
            func,
            prepare,
        )
        return func

    return register


def find_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    return RULES.get(key.upper()) or next((r for r in RULES.values() if r.name == key), None)


def _specificity(selector: str, rule_: Rule) -> int | None:
    """How specifically a selector names a rule: ALL 0, area prefix 1, code or name 2; None = no
    match."""
    token = selector.strip()
    if token.upper() == "ALL":
        return 0
    if token.upper() == rule_.code or token == rule_.name:
        return 2
    if token.upper() == rule_.code[:3]:
        return 1
    return None


def validate_selectors(selectors: Iterable[str]) -> None:
    from auditkit.errors import UsageError

    for token in selectors:
        if token.strip().upper() in ("ALL", *PREFIX_AREA) or find_rule(token):
            continue
        raise UsageError(
            f"unknown rule selector {token!r}",
            hint="use ALL, an area prefix (RET, CON, DIS, DSR, DAT), a code (CON002) or a name",
        )


def select_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> list[Rule]:
    """The rules to run: the more specific selector wins; at equal specificity `ignore` wins."""
    select = list(select) if select else ["ALL"]
    ignore = list(ignore or [])
    validate_selectors([*select, *ignore])
    chosen = []
    for rule_ in RULES.values():
        best_select = max(
            (s for t in select if (s := _specificity(t, rule_)) is not None), default=None
        )
        best_ignore = max(
            (s for t in ignore if (s := _specificity(t, rule_)) is not None), default=None
        )
        if best_select is None:
            continue
        if best_ignore is not None and best_ignore >= best_select:
            continue
        chosen.append(rule_)
    return sorted(chosen, key=lambda r: r.code)
