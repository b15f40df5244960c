"""The deletion calendar: what falls due for deletion in the next `retention.forecast_days`."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from auditkit.rules.context import Context
from auditkit.rules.retention import contract_deadlines, subject_deadlines

CALENDAR_SCHEMA = {
    "due_at": pl.Date,
    "table": pl.String,
    "record_id": pl.String,
    "subject_id": pl.String,
    "reason": pl.String,
}


def deletion_calendar(ctx: Context) -> pl.DataFrame:
    """Subjects (RET001) and contracts (RET002) whose retention deadline falls on A or within
    `retention.forecast_days` after it, with the date and the reason."""
    horizon = ctx.as_of + timedelta(days=ctx.policy.retention.forecast_days)
    window = (pl.col("deadline") >= ctx.A) & (pl.col("deadline") <= pl.lit(horizon))
    parts = [pl.LazyFrame(schema=CALENDAR_SCHEMA)]
    if ctx.has("subjects"):
        parts.append(
            subject_deadlines(ctx)
            .filter(window)
            .select(
                due_at="deadline",
                table=pl.lit("subjects"),
                record_id="subject_id",
                subject_id="subject_id",
                reason=pl.when(pl.col("deadline") > pl.col("base"))
                .then(pl.format("last legal hold ends (RET001; relationship ended {})", "end"))
                .otherwise(pl.format("retention after relationship end {} (RET001)", "end")),
            )
        )
    if ctx.has("contracts"):
        parts.append(
            contract_deadlines(ctx)
            .filter(window & ~pl.col("held_by_request"))
            .select(
                due_at="deadline",
                table=pl.lit("contracts"),
                record_id="contract_id",
                subject_id="subject_id",
                reason=pl.format("{} (RET002)", "basis"),
            )
        )
    return pl.concat(parts, how="vertical").collect().sort("due_at", "table", "record_id")
