"""The findings schema (RULES.md "Findings"), stable ids and deterministic order.

A rule builds its findings with `findings(...)`; the engine adds rule, area, severity and
finding_id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

import polars as pl

from auditkit.register.schema import ROW

AREAS = ("retention", "consent", "disclosure", "requests", "data")
SEVERITY_ORDER = ("critical", "high", "medium", "low")
SEVERITY = pl.Enum(list(SEVERITY_ORDER))
AREA = pl.Enum(list(AREAS))

RULE_OUTPUT = {
    "table": pl.String,
    "record_id": pl.String,
    "subject_id": pl.String,
    "source_row": pl.Int64,
    "occurred_at": pl.Date,
    "due_at": pl.Date,
    "days_overdue": pl.Int32,
    "message": pl.String,
    "evidence": pl.String,
    "severity": pl.String,  # null: the rule's severity
}

FINDINGS_SCHEMA = pl.Schema(
    {
        "finding_id": pl.String,
        "rule": pl.String,
        "area": AREA,
        "severity": SEVERITY,
        "table": pl.String,
        "record_id": pl.String,
        "subject_id": pl.String,
        "source_row": pl.Int64,
        "occurred_at": pl.Date,
        "due_at": pl.Date,
        "days_overdue": pl.Int32,
        "message": pl.String,
        "evidence": pl.String,
    }
)


def evidence(**facts: pl.Expr) -> pl.Expr:
    """A JSON object with sorted keys from named expressions (dates as ISO strings)."""
    return pl.struct(*[facts[key].alias(key) for key in sorted(facts)]).struct.json_encode()


def findings(
    frame: pl.LazyFrame,
    *,
    table: str,
    record_id: pl.Expr | str,
    message: pl.Expr,
    evidence: pl.Expr,
    subject_id: pl.Expr | str | None = "subject_id",
    source_row: pl.Expr | str | None = ROW,
    occurred_at: pl.Expr | None = None,
    due_at: pl.Expr | None = None,
    days_overdue: pl.Expr | None = None,
    severity: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Shape a frame of breaching records into the rule output columns."""

    def expr(value: pl.Expr | str | None, name: str) -> pl.Expr:
        if value is None:
            return pl.lit(None, RULE_OUTPUT[name]).alias(name)
        value = pl.col(value) if isinstance(value, str) else value
        return value.cast(RULE_OUTPUT[name]).alias(name)

    return frame.select(
        pl.lit(table).alias("table"),
        expr(record_id, "record_id"),
        expr(subject_id, "subject_id"),
        expr(source_row, "source_row"),
        expr(occurred_at, "occurred_at"),
        expr(due_at, "due_at"),
        expr(days_overdue, "days_overdue"),
        expr(message, "message"),
        expr(evidence, "evidence"),
        expr(severity, "severity"),
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDINGS_SCHEMA)


def finding_ids(
    rules: list[str], tables: list[str], records: list[str | None], key: bytes | None = None
) -> list[str]:
    """Stable ids: the first 16 hex digits of SHA-256 of `RULE|table|record_id` (keyed HMAC when
    pseudonymised); repeats of one id get `#2`, `#3`... in the order given (file order)."""
    seen: Counter[str] = Counter()
    ids = []
    for rule, table, record in zip(rules, tables, records, strict=True):
        text = f"{rule}|{table}|{record if record is not None else ''}".encode()
        digest = (
            hmac.new(key, text, hashlib.sha256).hexdigest()
            if key is not None
            else hashlib.sha256(text).hexdigest()
        )[:16]
        seen[digest] += 1
        ids.append(digest if seen[digest] == 1 else f"{digest}#{seen[digest]}")
    return ids


SORT_KEYS = ["severity", "rule", "table", "record_id", "finding_id"]


def sort_findings(frame: pl.DataFrame) -> pl.DataFrame:
    """Severity (critical first), rule, table, record_id, finding_id."""
    return frame.sort(SORT_KEYS, nulls_last=True)
