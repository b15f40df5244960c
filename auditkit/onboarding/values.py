"""Value mappings: each distinct source value → the canonical value it stands for, with evidence.

Enum and yes/no columns must end up with canonical values (an unknown one stops loading); a value
without a synonym is a commented-out line with its closest candidates. Plain-text columns that the
rules compare with the policy (recipient category, purpose, product group, country, language,
consent source) are mapped where a synonym or the policy's own word is known, and otherwise left
as written and listed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from auditkit.onboarding.profile import Profile, country_code
from auditkit.onboarding.synonyms import (
    FALSE_WORDS,
    TRUE_WORDS,
    VOCABULARY_COLUMNS,
    fold,
    value_index,
)
from auditkit.register.schema import BOOLEAN, ENUM, TABLES

_PARSED_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class ValueGuess:
    source: str
    target: str | bool | None  # None: not placed
    sure: bool
    evidence: str
    count: int
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueResult:
    mapped: tuple[ValueGuess, ...]  # lines for the mapping (sure ones active, others commented)
    as_written: tuple[str, ...]  # values that need no mapping (already canonical)
    unknown: tuple[tuple[str, int], ...]  # plain-text values left as written, no synonym known


def needs_values(table: str, column: str) -> bool:
    kind = TABLES[table].column(column).kind
    return kind in (ENUM, BOOLEAN) or (table, column) in VOCABULARY_COLUMNS


def suggest_values(
    table: str, column: str, p: Profile, vocabulary: frozenset[str] = frozenset()
) -> ValueResult:
    """Value mappings for one mapped column from its distinct sampled values.

    `vocabulary` holds the policy's own words for this column (recipient categories, purposes,
    product groups): a value equal to one of them, up to case and punctuation, maps to it.
    """
    col = TABLES[table].column(column)
    mapped: list[ValueGuess] = []
    as_written: list[str] = []
    unknown: list[tuple[str, int]] = []
    for raw, count in p.top:
        value = raw.strip()
        if col.kind == ENUM:
            guess = _enum(table, column, value, count, col.values)
        elif col.kind == BOOLEAN:
            guess = _boolean(value, count)
        elif column == "country":
            guess = _country(value, count)
        else:
            guess = _word(table, column, value, count, vocabulary)
        if guess is None:
            as_written.append(value)
        elif guess.target is None and col.kind not in (ENUM, BOOLEAN):
            unknown.append((value, count))
        else:
            mapped.append(guess)
    return ValueResult(tuple(mapped), tuple(as_written), tuple(unknown))


def _enum(
    table: str, column: str, value: str, count: int, allowed: tuple[str, ...]
) -> ValueGuess | None:
    if value in allowed:
        return None
    index = value_index(table, column)
    folded = fold(value)
    if folded in index:
        return ValueGuess(value, index[folded], True, "known value", count)
    close = difflib.get_close_matches(folded, list(index), n=5, cutoff=0.75)
    candidates = tuple(dict.fromkeys(index[c] for c in close)) or allowed
    return ValueGuess(value, None, False, "no known synonym", count, candidates)


def _boolean(value: str, count: int) -> ValueGuess | None:
    if value.lower() in _PARSED_BOOLEANS:
        return None
    folded = fold(value)
    if folded in {fold(w) for w in TRUE_WORDS}:
        return ValueGuess(value, True, True, "yes", count)
    if folded in {fold(w) for w in FALSE_WORDS}:
        return ValueGuess(value, False, True, "no", count)
    return ValueGuess(value, None, False, "neither yes nor no", count, ("true", "false"))


def _country(value: str, count: int) -> ValueGuess | None:
    code = country_code(value)
    if code is not None and value.upper() == code:
        return None
    if code is None:
        return ValueGuess(value, None, False, "not a country auditkit knows", count)
    return ValueGuess(value, code, True, "country name", count)


def _word(
    table: str, column: str, value: str, count: int, vocabulary: frozenset[str]
) -> ValueGuess | None:
    if value in vocabulary:
        return None
    folded = fold(value)
    for word in sorted(vocabulary):
        if fold(word) == folded:
            return ValueGuess(value, word, True, "the policy's word", count)
    index = value_index(table, column)
    if column == "language" and len(value) == 2 and value.islower():
        return None
    if folded in index:
        target = index[folded]
        return None if target == value else ValueGuess(value, target, True, "known value", count)
    return ValueGuess(value, None, False, "no known synonym", count)
