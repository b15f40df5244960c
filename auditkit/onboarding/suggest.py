"""Suggest a mapping from an export folder: each file → a table, each column → a column, each
enum value → a canonical value, every guess with its evidence.

A guess is *sure* when a known name and the content agree (or the content alone is unmistakable:
valid identity codes, e-mail addresses, subject ids); anything less is written commented out with
its candidates, so the loader stops on it instead of auditing a wrong column. `render.py` writes the
result as TOML; `Suggestion.mapping()` is the same mapping as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from auditkit.onboarding.judge import CONTRADICTS, Context, content_targets, judge
from auditkit.onboarding.profile import Profile, profile, text_of
from auditkit.onboarding.sample import MAX_BYTES, MAX_ROWS, Sample, Unreadable, read_samples
from auditkit.onboarding.synonyms import (
    COLUMN_SYNONYMS,
    KEEP_NEEDS_DECISION,
    TABLE_NAMES,
    fold,
    header_index,
    ignore_index,
    keep_index,
    table_index,
)
from auditkit.onboarding.values import ValueResult, needs_values, suggest_values
from auditkit.policy import Policy
from auditkit.register.schema import DATE, DATETIME, FLOAT, INT, TABLES

# How a column was recognised, strongest first (used to settle two columns claiming one target).
_RANK = {"canonical": 4, "header": 3, "partial": 2, "content": 1}


@dataclass
class ColumnGuess:
    """One source column: mapped to a canonical column, kept, ignored, or not placed."""

    source: str
    action: str  # map | keep | ignore | unplaced
    target: str | None  # canonical column (map) or data category (keep)
    sure: bool
    evidence: str
    candidates: tuple[str, ...] = ()
    how: str = ""  # canonical | header | partial | content


@dataclass
class TableGuess:
    """One file (or sheet) and the table it is taken for; `table` None when not placed."""

    sample: Sample
    table: str | None
    sure: bool
    evidence: str
    candidates: tuple[str, ...] = ()
    score: int = 0
    columns: list[ColumnGuess] = field(default_factory=list)
    values: dict[str, ValueResult] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    date_format: str | None = None
    date_format_sure: bool = True
    date_format_evidence: str = ""
    decimal_comma: bool | None = None
    missing: list[str] = field(default_factory=list)

    def mapped(self) -> dict[str, str]:
        """source → canonical column, sure guesses only."""
        return {
            c.source: c.target
            for c in self.columns
            if c.action == "map" and c.sure and c.target is not None
        }


@dataclass
class Suggestion:
    export: Path
    tables: list[TableGuess]
    unreadable: list[Unreadable]
    vocabulary_from: str

    @property
    def placed(self) -> list[TableGuess]:
        """The files placed as tables, in the register model's table order."""
        order = list(TABLES)
        placed = [t for t in self.tables if t.table is not None and t.sure]
        return sorted(placed, key=lambda t: order.index(str(t.table)))

    def counts(self) -> dict[str, int]:
        """How much was placed: files, tables, columns and values, sure or to decide."""
        columns = [c for t in self.placed for c in t.columns]
        values = [v for t in self.placed for r in t.values.values() for v in r.mapped]
        return {
            "files": len(self.tables) + len(self.unreadable),
            "tables": len(self.placed),
            "files_to_decide": len(self.tables) - len(self.placed) + len(self.unreadable),
            "columns": len(columns),
            "mapped": sum(c.action == "map" and c.sure for c in columns),
            "kept": sum(c.action == "keep" and c.sure for c in columns),
            "ignored": sum(c.action == "ignore" and c.sure for c in columns),
            "columns_to_decide": sum(not c.sure for c in columns),
            "values": sum(v.sure for v in values),
            "values_to_decide": sum(not v.sure for v in values),
            "values_as_written": sum(
                len(r.unknown) for t in self.placed for r in t.values.values()
            ),
            "missing_required": sum(len(t.missing) for t in self.placed),
        }

    def mapping(self) -> dict:
        """The suggested mapping as data: exactly the active (uncommented) lines of the TOML."""
        tables: dict[str, dict] = {}
        for guess in self.placed:
            assert guess.table is not None
            spec: dict = {"file": guess.sample.path.name}
            if guess.sample.sheet is not None:
                spec["sheet"] = guess.sample.sheet
            if guess.date_format and guess.date_format_sure:
                spec["date_format"] = guess.date_format
            if guess.decimal_comma is not None:
                spec["decimal_comma"] = guess.decimal_comma
            ignore = [c.source for c in guess.columns if c.action == "ignore" and c.sure]
            if ignore:
                spec["ignore"] = ignore
            spec["columns"] = guess.mapped()
            values = {
                column: {v.source: v.target for v in result.mapped if v.sure}
                for column, result in guess.values.items()
            }
            values = {k: v for k, v in values.items() if v}
            if values:
                spec["values"] = values
            keep = {c.source: c.target for c in guess.columns if c.action == "keep" and c.sure}
            if keep:
                spec["keep"] = keep
            tables[guess.table] = spec
        return {
            "source": {
                "encoding": "auto",
                "separator": "auto",
                "date_format": "auto",
                "decimal_comma": "auto",
            },
            "tables": tables,
        }


def vocabulary(policy: Policy | None, table: str, column: str) -> frozenset[str]:
    """The policy's own words for a policy-matched column."""
    if policy is None:
        return frozenset()
    recipients = policy.disclosures.recipients
    words: dict[tuple[str, str], list[str]] = {
        ("disclosures", "recipient_category"): [r.category for r in recipients]
        + list(policy.disclosures.allowed_for_protected),
        ("disclosures", "purpose"): [p for r in recipients for p in r.purposes]
        + list(policy.disclosures.prohibited_purposes),
        ("communications", "product_group"): list(policy.consent.own_product_groups),
    }
    return frozenset(words.get((table, column), ()))


def suggest_mapping(
    export: Path,
    policy: Policy | None = None,
    *,
    vocabulary_from: str = "",
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> Suggestion:
    """Read a sample of every file in `export` and suggest how it maps to the register model."""
    samples, unreadable = read_samples(export, max_rows, max_bytes)
    guesses = _place_tables(samples)
    ordered = sorted(guesses, key=lambda g: g.table != "subjects")
    ctx = Context()
    for guess in ordered:
        guess.profiles = {c: profile(guess.sample.frame, c) for c in guess.sample.frame.columns}
        if guess.table is None or not guess.sure:
            continue
        if guess.table != "subjects":
            guess.profiles = _with_references(guess, ctx)
        _place_columns(guess, ctx)
        _place_values(guess, policy)
        _source_options(guess)
        if guess.table == "subjects":
            ctx = _subject_context(guess)
    return Suggestion(export, guesses, unreadable, vocabulary_from)


# ── files → tables ──────────────────────────────────────────────────────────────────────────
def _table_scores(sample: Sample) -> list[tuple[int, str, str]]:
    """(score, table, evidence) for every table, best first."""
    stem = fold(sample.stem)
    folded_headers = [fold(h) for h in sample.frame.columns]
    scores = []
    for table, spec in TABLES.items():
        score, why = 0, []  # NOTE: subject_id names every table but subjects: it never counts
        if table_index().get(stem) == table:
            score += 6
            why.append(f"the file name {sample.stem!r}")
        elif any(len(w) >= 5 and w in stem for w in map(fold, TABLE_NAMES[table])):
            score += 3
            why.append(f"the file name {sample.stem!r} contains a name for {table}")
        index = header_index(table)
        hits = {index[h] for h in folded_headers if h in index}
        specific = {c for c in hits if table == "subjects" or c != "subject_id"}
        score += len(specific) + (1 if spec.key in hits else 0)
        if specific:
            why.append(f"{len(specific)} of its {len(folded_headers)} headers name {table} columns")
        scores.append((score, table, " and ".join(why)))
    return sorted(scores, key=lambda s: -s[0])


def _place_tables(samples: list[Sample]) -> list[TableGuess]:
    guesses: list[TableGuess] = []
    for sample in samples:
        scores = _table_scores(sample)
        (best, table, why), (second, other, _) = scores[0], scores[1]
        sure = best >= 4 and best - second >= 2
        candidates = tuple(t for s, t, _ in scores[:3] if s > 0)
        if best == 0:
            guess = TableGuess(sample, None, False, "no file name or header is known")
        elif sure:
            guess = TableGuess(sample, table, True, why, candidates)
        else:
            close = f"; {other} scores {second} of {best}" if second else ""
            guess = TableGuess(sample, table, False, why + close, candidates)
        guess.score = best
        guesses.append(guess)
    # Two files for one table: the better-matching one keeps it, the other waits for a decision.
    by_table: dict[str, TableGuess] = {}
    for guess in sorted(guesses, key=lambda g: -g.score):
        if guess.table is None or not guess.sure:
            continue
        if guess.table in by_table:
            guess.sure = False
            guess.evidence += f"; {by_table[guess.table].sample.label} was placed as {guess.table}"
        else:
            by_table[guess.table] = guess
    return guesses


# ── columns ─────────────────────────────────────────────────────────────────────────────────
def _header_target(table: str, header: str) -> tuple[str | None, str, tuple[str, ...]]:
    """The canonical column a header names: (column, how, partial candidates)."""
    spec = TABLES[table]
    folded = fold(header)
    for name in spec.names:
        if folded == fold(name):
            return name, "canonical", ()
    index = header_index(table)
    if folded in index:
        return index[folded], "header", ()
    partial: list[tuple[int, str]] = []
    for column, words in COLUMN_SYNONYMS[table].items():
        longest = max(
            (len(fold(w)) for w in words if len(fold(w)) >= 5 and fold(w) in folded), default=0
        )
        if longest:
            partial.append((longest, column))
    candidates = tuple(c for _, c in sorted(partial, reverse=True))
    return None, "partial" if candidates else "", candidates


def _place_columns(guess: TableGuess, ctx: Context) -> None:
    assert guess.table is not None
    table = guess.table
    columns: list[ColumnGuess] = []
    for header in guess.sample.frame.columns:
        p = guess.profiles[header]
        columns.append(_column(table, header, p, ctx))
    _settle_conflicts(columns)
    guess.columns = columns
    placed = {c.target for c in columns if c.action == "map" and c.sure}
    guess.missing = [c for c in TABLES[table].required if c not in placed]


def _column(table: str, header: str, p: Profile, ctx: Context) -> ColumnGuess:
    target, how, partial = _header_target(table, header)
    folded = fold(header)
    if target is not None:
        verdict = judge(table, target, p, ctx)
        words = "the canonical name" if how == "canonical" else "known header"
        if verdict.verdict != CONTRADICTS:
            return ColumnGuess(header, "map", target, True, f"{words}; {verdict.evidence}", how=how)
        others = tuple(t for t, _, _ in content_targets(table, p, ctx) if t != target)
        return ColumnGuess(
            header,
            "map",
            target,
            False,
            f"the header says {target}, but its content does not fit: {verdict.evidence}",
            (target, *others),
            how,
        )
    if folded in keep_index():
        category = keep_index()[folded]
        decide = category in KEEP_NEEDS_DECISION or p.empty
        why = "empty in the sample" if p.empty else _filled(p)
        if category in KEEP_NEEDS_DECISION:
            why += f"; keep it as {category}, or list it under ignore"
        return ColumnGuess(header, "keep", category, not decide, f"known header; {why}")
    if folded in ignore_index():
        return ColumnGuess(
            header, "ignore", None, True, "known header: the controller's own record", how="header"
        )
    for candidate in partial:
        verdict = judge(table, candidate, p, ctx)
        if verdict.verdict == "confirms":
            return ColumnGuess(
                header,
                "map",
                candidate,
                True,
                f"the header contains a name for {candidate}; {verdict.evidence}",
                partial,
                "partial",
            )
    by_content = content_targets(table, p, ctx)
    specific = [t for t in by_content if t[1]]
    if len(specific) == 1:
        target, _, evidence = specific[0]
        return ColumnGuess(header, "map", target, True, f"content: {evidence}", how="content")
    candidates = tuple(dict.fromkeys([*partial, *(t for t, _, _ in by_content)]))
    if candidates:
        evidence = f"the header contains a name for {partial[0]}" if partial else "unknown header"
        if by_content:
            evidence += f"; content: {by_content[0][2]}"
        return ColumnGuess(header, "map", candidates[0], False, evidence, candidates, "partial")
    return _unplaced(header, p)


def _unplaced(header: str, p: Profile) -> ColumnGuess:
    """A column auditkit cannot place: a commented keep (or ignore) suggestion with a reason."""
    if p.empty:
        return ColumnGuess(header, "ignore", None, False, "unknown header, empty in the sample")
    category, what = "?", _filled(p)
    if p.share("hetu") >= 0.5:
        category, what = "personal_id", "identity codes"
    elif p.share("email") >= 0.5 or p.share("phone") >= 0.8:
        category, what = "contact", "contact details"
    elif p.is_free_text:
        category, what = "communications", f"free text, {what}"
    hint = "keep it with the data category it holds, or list it under ignore"
    return ColumnGuess(header, "keep", category, False, f"unknown header; {what}; {hint}")


def _filled(p: Profile) -> str:
    """ "a value in 355 of 3,040 rows"."""
    if p.values == p.rows:
        return f"a value in every row ({p.rows:,})"
    return f"a value in {p.values:,} of {p.rows:,} rows"


def _settle_conflicts(columns: list[ColumnGuess]) -> None:
    """Two sure columns for one canonical column: the stronger keeps it, the other is a guess."""
    winners: dict[str, ColumnGuess] = {}
    for guess in sorted(
        (c for c in columns if c.action == "map" and c.sure), key=lambda c: -_RANK[c.how]
    ):
        assert guess.target is not None
        if guess.target in winners:
            guess.sure = False
            guess.evidence += f"; {winners[guess.target].source!r} is mapped to it already"
            guess.candidates = guess.candidates or (guess.target,)
        else:
            winners[guess.target] = guess


def _with_references(guess: TableGuess, ctx: Context) -> dict[str, Profile]:
    """Profiles with the share of values that are subject ids of the subjects sample."""
    if not ctx.subject_keys:
        return guess.profiles
    keys = ctx.subject_keys
    profiles = {}
    for name, p in guess.profiles.items():
        values = text_of(guess.sample.frame, name).drop_nulls()
        share = float(values.is_in(list(keys)).mean() or 0.0) if values.len() else 0.0
        profiles[name] = replace(p, shares={**p.shares, "subject_ref": share})
    return profiles


def _subject_context(guess: TableGuess) -> Context:
    key = next((s for s, t in guess.mapped().items() if t == "subject_id"), None)
    if key is None:
        return Context()
    keys = frozenset(text_of(guess.sample.frame, key).drop_nulls().to_list())
    return Context(keys, guess.sample.complete)


# ── values and source options ─────────────────────────────────────────────────────────────────
def _place_values(guess: TableGuess, policy: Policy | None) -> None:
    assert guess.table is not None
    for source, target in guess.mapped().items():
        if needs_values(guess.table, target):
            words = vocabulary(policy, guess.table, target)
            guess.values[target] = suggest_values(
                guess.table, target, guess.profiles[source], words
            )


def _source_options(guess: TableGuess) -> None:
    """A date_format when the dates are not ISO or dd.mm.yyyy; decimal_comma off for 1,234.50."""
    assert guess.table is not None
    spec = TABLES[guess.table]
    formats: dict[str, list[Profile]] = {}
    for source, target in guess.mapped().items():
        p = guess.profiles[source]
        kind = spec.column(target).kind
        fmt = p.date_format
        if kind in (DATE, DATETIME) and fmt is not None and fmt != "auto":
            formats.setdefault(fmt, []).append(p)
        if kind in (FLOAT, INT) and p.share("thousands_comma") > 0:
            guess.decimal_comma = False
    if not formats:
        return
    if len(formats) > 1:
        guess.date_format = sorted(formats)[0]
        guess.date_format_sure = False
        guess.date_format_evidence = "the date columns disagree: " + ", ".join(sorted(formats))
        return
    ((fmt, profiles),) = formats.items()
    guess.date_format = fmt
    guess.date_format_sure = all(p.date_order_sure for p in profiles)
    order = "day" if fmt.startswith("%d") else "month"
    if guess.date_format_sure:
        guess.date_format_evidence = f"numeric dates, {order} first (a part over 12 shows it)"
    else:
        guess.date_format_evidence = (
            "numeric dates with every part 12 or less: day or month first cannot be told "
            "from the data"
        )
