"""DSR — data-subject requests (GDPR 12(3)-(4), 15-21; notice §8, §10, §11)."""

from __future__ import annotations

import polars as pl

from auditkit.findings import evidence, findings
from auditkit.register.schema import MARKETING_PURPOSES, ROW
from auditkit.rules.calendar import add_months, finnish_holidays, next_working_day
from auditkit.rules.context import Context
from auditkit.rules.registry import rule


def request_deadlines(ctx: Context) -> pl.LazyFrame:
    """Requests with local dates and deadlines: `one_month` (rolled forward), `deadline` (three
    months as one step when the extension was notified on or before the one-month deadline)."""
    if not ctx.has_column("requests", "extension_notified_at"):
        ctx.notes.append(
            "requests.extension_notified_at absent: no extension can be shown, every deadline is "
            "the one-month deadline"
        )
    requests = ctx.table("requests")
    local = ctx.local_date
    received, extended = pl.col("received_on"), pl.col("extended_on")
    frame = requests.with_columns(
        received_on=local(pl.col("received_at")),
        extended_on=local(pl.col("extension_notified_at")),
        completed_on=local(pl.col("completed_at")),
    )
    holidays = finnish_holidays(1990, max(ctx.as_of.year, 2030) + 2)
    frame = frame.with_columns(one_month=next_working_day(add_months(received, 1), holidays))
    extended_in_time = extended.is_not_null() & (extended <= pl.col("one_month"))
    return frame.with_columns(
        extended_in_time=extended_in_time,
        deadline=pl.when(extended_in_time)
        .then(next_working_day(add_months(received, 3), holidays))
        .otherwise(pl.col("one_month")),
    )


def _evidence() -> pl.Expr:
    return evidence(
        kind=pl.col("kind").cast(pl.String),
        received_on=pl.col("received_on").cast(pl.String),
        extension_notified_on=pl.col("extended_on").cast(pl.String),
        completed_on=pl.col("completed_on").cast(pl.String),
        one_month_deadline=pl.col("one_month").cast(pl.String),
        deadline=pl.col("deadline").cast(pl.String),
        outcome=pl.col("outcome").cast(pl.String),
    )


_DOC = dict(
    legal_basis="GDPR Art. 12(3)-(4); notice §10",
    why="A request must be answered without undue delay and within one month of receipt (two more "
    "months only if the person is told within the first month, with reasons). The clock starts at "
    "receipt, whatever the request's form.",
)


@rule(
    "DSR001",
    "request-overdue",
    "Open data-subject request past its deadline",
    severity="high",
    tables=("requests",),
    columns=(("requests", "completed_at"),),
    what="An open request (no completed_at) whose deadline has passed at A. Deadline: the local "
    "receipt date + 1 calendar month (same day number, clamped to the month's end), rolled "
    "forward past weekends and Finnish holidays; + 3 months as one step when an extension was "
    "notified on or before the one-month deadline. Every kind and outcome is judged. Skipped "
    "without requests.completed_at (no request could be told open); without extension_notified_at "
    "every deadline is the one-month deadline, and the run notes it.",
    example="An access request received 2026-05-06: due 2026-06-08 (6 June is a Saturday); still "
    "open at A = 2026-06-30, 22 days overdue.",
    fix="Answer the request now; fix the intake so requests reach someone with a deadline.",
    **_DOC,
)
def dsr001(ctx: Context) -> pl.LazyFrame:
    frame = request_deadlines(ctx).filter(
        pl.col("completed_at").is_null() & (pl.col("deadline") < ctx.A)
    )
    days = (ctx.A - pl.col("deadline")).dt.total_days()
    return findings(
        frame,
        table="requests",
        record_id="request_id",
        occurred_at=pl.col("deadline").dt.offset_by("1d"),
        due_at=pl.col("deadline"),
        days_overdue=days,
        message=pl.format(
            "{} request {} received {} is still open, {} days past its deadline {}.",
            pl.col("kind").cast(pl.String).str.to_titlecase(),
            "request_id",
            "received_on",
            days,
            "deadline",
        ),
        evidence=_evidence(),
    )


@rule(
    "DSR002",
    "request-answered-late",
    "Data-subject request completed after its deadline",
    severity="medium",
    tables=("requests",),
    columns=(("requests", "completed_at"),),
    what="A request of any kind or outcome (refusals too, Art. 12(4)) completed, on a local date, "
    "after its deadline (see DSR001). days_overdue = completion date - deadline.",
    example="A rectification received 2026-01-31 is due 2026-03-02 (28 Feb is a Saturday); "
    "completed 2026-03-04, 2 days late.",
    fix="Find where the request waited; set up deadline tracking.",
    **_DOC,
)
def dsr002(ctx: Context) -> pl.LazyFrame:
    frame = request_deadlines(ctx).filter(pl.col("completed_on") > pl.col("deadline"))
    days = (pl.col("completed_on") - pl.col("deadline")).dt.total_days()
    return findings(
        frame,
        table="requests",
        record_id="request_id",
        occurred_at=pl.col("completed_on"),
        due_at=pl.col("deadline"),
        days_overdue=days,
        message=pl.format(
            "{} request {} received {} was completed on {}, {} days after its deadline {}.",
            pl.col("kind").cast(pl.String).str.to_titlecase(),
            "request_id",
            "received_on",
            "completed_on",
            days,
            "deadline",
        ),
        evidence=_evidence(),
    )


@rule(
    "DSR003",
    "extension-not-notified-in-time",
    "Deadline extended without notice within the first month",
    severity="medium",
    tables=("requests",),
    columns=(("requests", "completed_at"),),
    what="An extension notified after the one-month deadline; or, with no extension, a request "
    "completed after the one-month deadline. Not for requests completed on or before the "
    "one-month deadline. occurred_at is the late notice (else the completion); due_at the "
    "one-month deadline.",
    example="A request received 2026-02-02, answered 2026-04-20 with no extension notice: DSR002 "
    "and DSR003 (two separate failures).",
    fix="Notify the person of an extension, with reasons, within the first month.",
    **_DOC,
)
def dsr003(ctx: Context) -> pl.LazyFrame:
    frame = request_deadlines(ctx)
    on_time = pl.col("completed_on").is_not_null() & (pl.col("completed_on") <= pl.col("one_month"))
    late_notice = pl.col("extended_on") > pl.col("one_month")
    no_notice_late = pl.col("extended_on").is_null() & (
        pl.col("completed_on") > pl.col("one_month")
    )
    frame = frame.filter(~on_time & (late_notice | no_notice_late).fill_null(False))
    occurred = pl.coalesce(pl.col("extended_on"), pl.col("completed_on"))
    return findings(
        frame,
        table="requests",
        record_id="request_id",
        occurred_at=occurred,
        due_at=pl.col("one_month"),
        days_overdue=(occurred - pl.col("one_month")).dt.total_days(),
        message=pl.format(
            "{} request {} received {}: {} after the one-month deadline {}.",
            pl.col("kind").cast(pl.String).str.to_titlecase(),
            "request_id",
            "received_on",
            pl.when(pl.col("extended_on").is_not_null())
            .then(pl.format("extension notified on {}", "extended_on"))
            .otherwise(pl.format("completed on {} with no extension notice", "completed_on")),
            "one_month",
        ),
        evidence=_evidence(),
    )


@rule(
    "DSR004",
    "objection-not-propagated",
    "Objection request that never reached the marketing systems",
    severity="medium",
    tables=("requests", "consents"),
    what="An objection request (any outcome) with no consents `object` event for a marketing "
    "purpose of that subject recorded from the receipt date to that date + "
    "requests.objection_propagation_days (local dates), and no such objection already in force at "
    "received_at (consent state from the consents rows with the global spread; objection requests "
    "never count as propagation). A withdrawal, or an objection to profiling or market research "
    "only, is not propagation. Judged once the window's last day is before A.",
    why="An objection must stop marketing at once; if the marketing systems never learn of it, "
    "messages keep going out.",
    legal_basis="GDPR Art. 21(3), Art. 12(2); notice §11",
    example="An objection e-mailed 2026-03-02 with no prohibition in the consent register by "
    "2026-03-09.",
    fix="Record the objection as a prohibition in the consent register for every marketing "
    "purpose.",
)
def dsr004(ctx: Context) -> pl.LazyFrame:
    days = ctx.policy.requests.objection_propagation_days
    requests = (
        ctx.table("requests")
        .filter(pl.col("kind") == "objection")
        .with_columns(received_on=ctx.local_date(pl.col("received_at")))
    )
    requests = requests.with_columns(window_end=pl.col("received_on").dt.offset_by(f"{days}d"))
    objections = (
        ctx.table("consents")
        .filter((pl.col("action") == "object") & pl.col("purpose").is_in(MARKETING_PURPOSES))
        .select("subject_id", recorded_on=ctx.local_date(pl.col("recorded_at")))
    )
    propagated = (
        requests.select(ROW, "subject_id", "received_on", "window_end")
        .join(objections, on="subject_id")
        .filter(
            (pl.col("recorded_on") >= pl.col("received_on"))
            & (pl.col("recorded_on") <= pl.col("window_end"))
        )
        .select(ROW)
        .unique()
    )
    requests = ctx.objected_at(
        requests, at=pl.col("received_at"), name="already_objected", with_requests=False
    )
    frame = requests.join(propagated, on=ROW, how="anti").filter(
        ~pl.col("already_objected") & (pl.col("window_end") < ctx.A)
    )
    overdue = (ctx.A - pl.col("window_end")).dt.total_days()
    return findings(
        frame,
        table="requests",
        record_id="request_id",
        occurred_at=pl.col("window_end").dt.offset_by("1d"),
        due_at=pl.col("window_end"),
        days_overdue=overdue,
        message=pl.format(
            "Objection {} of {} received {} was not recorded as a marketing prohibition by {}.",
            "request_id",
            "subject_id",
            "received_on",
            "window_end",
        ),
        evidence=evidence(
            received_on=pl.col("received_on").cast(pl.String),
            window_end=pl.col("window_end").cast(pl.String),
            propagation_days=pl.lit(days),
            outcome=pl.col("outcome").cast(pl.String),
        ),
    )


@rule(
    "DSR005",
    "erasure-not-carried-out",
    "Erasure request completed but the subject is not erased",
    severity="high",
    tables=("requests", "subjects"),
    optional_tables=("contracts",),
    columns=(("subjects", "erased_at"), ("requests", "completed_at"), ("requests", "outcome")),
    what="An erasure request completed as fulfilled (whatever holds exist: a hold would make it "
    "partial) — or partially fulfilled while no accounting, credit or warranty hold holds the "
    "subject at A (an open request is no such hold; a hold until D holds on D) — whose subject "
    "(first row) is not erased. Requests of unknown subjects are skipped. Skipped without "
    "subjects.erased_at, requests.completed_at or requests.outcome.",
    why="A request reported as carried out must be carried out; only a legal hold justifies "
    "keeping data.",
    legal_basis="GDPR Art. 17, Art. 12(3); notice §8",
    example="Erasure request R7 marked fulfilled on 2025-11-03; subject S44 still has no "
    "erased_at.",
    fix="Erase the subject (keeping only what a hold needs) and set erased_at.",
)
def dsr005(ctx: Context) -> pl.LazyFrame:
    if not ctx.has("contracts"):
        ctx.notes.append("contracts absent: no accounting, credit or warranty hold known")
    frame = ctx.table("requests").filter(
        (pl.col("kind") == "erasure") & pl.col("completed_at").is_not_null()
    )
    frame = ctx.with_subject(frame, "erased_at", how="inner").filter(
        pl.col("subject_erased_at").is_null()
    )
    # NOTE: the holds of these requests' subjects only (formatting every subject's holds took
    # 0.9 s at 1M subjects).
    holds = (
        ctx.holds(kinds=("accounting", "credit", "warranty"))
        .join(frame.select("subject_id").unique(), on="subject_id", how="semi")
        .filter(pl.col("until").is_null() | (pl.col("until") >= ctx.A))
        .group_by("subject_id")
        .agg(held_by=pl.format("{} {}", "hold", "source").sort())
    )
    frame = frame.join(holds, on="subject_id", how="left").filter(
        (pl.col("outcome") == "fulfilled")
        | ((pl.col("outcome") == "partially_fulfilled") & pl.col("held_by").is_null())
    )
    completed_on = ctx.local_date(pl.col("completed_at"))
    return findings(
        frame,
        table="requests",
        record_id="request_id",
        occurred_at=completed_on,
        message=pl.format(
            "Erasure request {} was completed ({}) on {} but subject {} is not erased.",
            "request_id",
            pl.col("outcome").cast(pl.String),
            completed_on,
            "subject_id",
        ),
        evidence=evidence(
            outcome=pl.col("outcome").cast(pl.String),
            completed_at=pl.col("completed_at").cast(pl.String),
            holds=pl.col("held_by"),
        ),
    )
