"""Write a `Suggestion` as a commented mapping.toml (the format of POLICY.md "The mapping file").

Every key is quoted (TOML bare keys are ASCII only: `Henkilötunnus = ...` would not parse). A sure
guess is an active line with its evidence in a comment; a guess that is not sure is a commented-out
line marked TODO, with its candidates. Comments carry counts and shapes, never the values of a
personal-data column.
"""

from __future__ import annotations

import json

from auditkit.onboarding.suggest import ColumnGuess, Suggestion, TableGuess
from auditkit.onboarding.values import ValueGuess
from auditkit.register.schema import TABLES

TODO = "TODO"
_WIDTH = 44  # comments start in this column when the line is shorter


def quote(text: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _value(target: str | bool) -> str:
    if isinstance(target, bool):
        return "true" if target else "false"
    return quote(target)


def _line(code: str, comment: str = "") -> str:
    if not comment:
        return code
    return (
        f"{code.ljust(_WIDTH - 1)} # {comment}"
        if len(code) < _WIDTH - 1
        else f"{code}  # {comment}"
    )


def _commented(code: str, comment: str) -> str:
    return _line(f"# {code}", f"{TODO}: {comment}")


def render_mapping(suggestion: Suggestion, command: str | None = None) -> str:
    """The mapping file's text; `command` is named in its first line."""
    out = _header(suggestion, command or f"auditkit init DIR --from {suggestion.export}")
    for guess in suggestion.placed:
        out += ["", *_table(guess)]
    pending = [t for t in suggestion.tables if t.table is None or not t.sure]
    if pending or suggestion.unreadable:
        out += ["", "# ── Files not placed ───────────────────────────────────────────────────────"]
        out += ["# Each needs a [tables.<name>] section written by hand, or nothing if it is not"]
        out += ["# register data (auditkit then does not read it)."]
        for guess in pending:
            out += _pending(guess)
        for bad in suggestion.unreadable:
            out.append(f"# {TODO}: {bad.path.name}: cannot be read: {bad.reason}")
    return "\n".join(out) + "\n"


def _header(suggestion: Suggestion, command: str) -> list[str]:
    lines = [
        f"# mapping.toml suggested by `{command}`.",
        "# It tells auditkit which file holds which table of the register model and how its",
        "# columns and values are named (the model: REGISTER_MODEL.md; this file: POLICY.md",
        '# "The mapping file"). Every guess says why in a comment.',
        "#",
        f"# Lines marked {TODO} need your decision: a commented-out line is a guess auditkit was",
        "# not sure of (uncomment it, or write the right one); a column that is neither mapped,",
        "# kept nor ignored is reported by DAT001 as an unclassified column until you decide.",
        "# `auditkit validate EXPORT --mapping THIS_FILE` shows what still does not load.",
    ]
    if suggestion.vocabulary_from:
        lines.append(
            "# Recipient categories, purposes and product groups follow "
            f"{suggestion.vocabulary_from}."
        )
    partial = [t.sample.label for t in suggestion.tables if not t.sample.complete]
    if partial:
        lines += [
            f"# Read from a sample (the first rows) of: {', '.join(partial)}.",
            "# A value that first appears later in a file is not listed: loading stops on it",
            "# and names the key to add.",
        ]
    lines += [
        "",
        "[source]                                   # how to read the files (sniffed when 'auto')",
        'encoding = "auto"                          # auto | utf-8 | utf-8-sig | cp1252',
        'separator = "auto"                         # auto | ";" | "," | "\\t" | "|"',
        'date_format = "auto"                       # auto: ISO, dd.mm.yyyy; or e.g. "%d/%m/%Y"',
        'decimal_comma = "auto"                     # auto | true | false',
    ]
    return lines


def _table(guess: TableGuess) -> list[str]:
    assert guess.table is not None
    table, sample = guess.table, guess.sample
    rows = f"{sample.frame.height:,} rows" + ("" if sample.complete else " (the first rows)")
    read = [rows]
    if sample.encoding:
        read.append(f"{sample.encoding}, separator {sample.separator!r}")
    lines = [
        f"# ── {table} ← {sample.label} " + "─" * max(3, 80 - len(table) - len(sample.label)),
        f"# Placed by {guess.evidence}.",
        f"# Read {', '.join(read)}.",
        f"[tables.{table}]",
        f"file = {quote(sample.path.name)}",
    ]
    if sample.sheet is not None:
        lines.append(f"sheet = {quote(sample.sheet)}")
    if guess.date_format:
        code = f"date_format = {quote(guess.date_format)}"
        lines.append(
            _line(code, guess.date_format_evidence)
            if guess.date_format_sure
            else _commented(code, guess.date_format_evidence)
        )
    if guess.decimal_comma is not None:
        lines.append(_line("decimal_comma = false", "numbers written 1,234.50"))
    ignored = [c for c in guess.columns if c.action == "ignore"]
    if ignored:
        lines.append("ignore = [                                 # dropped on purpose")
        for column in ignored:
            code = f"    {quote(column.source)},"
            lines.append(
                _line(code, column.evidence)
                if column.sure
                else _commented(
                    code, column.evidence + ": ignore it, or keep it with its data category"
                )
            )
        lines.append("]")
    lines.append(f"[tables.{table}.columns]")
    for column in guess.columns:
        if column.action == "map":
            lines.append(_column_line(column))
    for name in guess.missing:
        lines.append(
            f'# {TODO}: no column found for the required {name}: add "<header>" = "{name}"'
        )
    for target, result in guess.values.items():
        if not result.mapped and not result.unknown:
            continue
        lines.append(f"[tables.{table}.values.{target}]")
        lines += [_value_line(v, TABLES[table].column(target).values) for v in result.mapped]
        if result.unknown:
            listed = ", ".join(f"{quote(v)} ({n:,})" for v, n in result.unknown)
            lines.append(f"# {TODO}: kept as written (no synonym known): {listed}.")
            lines.append("#   Map each to the word your policy uses, if it means one.")
    kept = [c for c in guess.columns if c.action == "keep"]
    if kept:
        lines.append(
            f"[tables.{table}.keep]"
            + " " * max(1, _WIDTH - 14 - len(table))
            + "# outside the model, kept with their data category"
        )
        for column in kept:
            code = f"{quote(column.source)} = {quote(column.target or '?')}"
            if column.sure:
                lines.append(_line(code, column.evidence))
            else:
                lines.append(_commented(code, column.evidence))
    return lines


def _column_line(column: ColumnGuess) -> str:
    assert column.target is not None
    code = f"{quote(column.source)} = {quote(column.target)}"
    if column.sure:
        return _line(code, column.evidence)
    candidates = ", ".join(column.candidates) if column.candidates else column.target
    return _commented(code, f"not sure: {column.evidence}; candidates: {candidates}")


def _value_line(value: ValueGuess, allowed: tuple[str, ...]) -> str:
    count = f"{value.count:,} row{'s' if value.count != 1 else ''}"
    if value.sure and value.target is not None:
        return _line(
            f"{quote(value.source)} = {_value(value.target)}", f"{value.evidence}; {count}"
        )
    candidates = ", ".join(value.candidates or allowed)
    return _commented(
        f'{quote(value.source)} = "?"', f"{value.evidence}; {count}; one of: {candidates}"
    )


def _pending(guess: TableGuess) -> list[str]:
    sample = guess.sample
    if guess.table is None:
        head = f"# {TODO}: {sample.label}: not placed ({guess.evidence})."
    else:
        others = ", ".join(guess.candidates) or guess.table
        head = (
            f"# {TODO}: {sample.label}: perhaps {guess.table}? ({guess.evidence}; "
            f"candidates: {others})"
        )
    headers = ", ".join(quote(h) for h in sample.frame.columns)
    return [head, f"#   its columns: {headers}"]
