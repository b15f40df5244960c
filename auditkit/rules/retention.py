"""RET — retention (GDPR 5(1)(e), 17; Accounting Act 2:10; notice §8-9)."""

from __future__ import annotations

import polars as pl

from auditkit.findings import evidence, findings
from auditkit.register.schema import ROW
from auditkit.rules.context import Context
from auditkit.rules.registry import rule

RESIDUAL_SUBJECT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street_address",
    "personal_id",
)


def note_absent(ctx: Context, absent: dict[str, str]) -> None:
    """Note each optional table or column (`table` or `table.column`) the rule could not use."""
    for name, consequence in absent.items():
        table, _, column = name.partition(".")
        missing = (
            not ctx.has(table)
            if not column
            else ctx.has(table) and not ctx.has_column(table, column)
        )
        if missing:
            ctx.notes.append(f"{name} absent: {consequence}")


def subject_deadlines(ctx: Context) -> pl.LazyFrame:
    """RET001's retention deadline per subject (first row, not erased); null deadline = none yet.

    Columns: subject_id, _row, end, base, objected, hold_open, hold_until, deadline.
    """
    retention = ctx.policy.retention
    subjects = ctx.subjects
    if ctx.can_tell_erased:
        subjects = subjects.filter(pl.col("erased_at").is_null())
    subjects = subjects.with_columns(end=ctx.relationship_end())
    subjects = ctx.objected_at(subjects, at=ctx.at_as_of, name="objected_marketing")
    subjects = ctx.profiling_objected_at(subjects, at=ctx.at_as_of, name="objected_profiling")
    subjects = subjects.join(ctx.subject_holds(), on="subject_id", how="left")
    base = pl.col("end").dt.offset_by(retention.after_relationship.offset)
    objected = pl.col("objected_marketing") | pl.col("objected_profiling")
    if retention.marketing_extension is not None:
        base = (
            pl.when(objected)
            .then(base)
            .otherwise(base.dt.offset_by(retention.marketing_extension.offset))
        )
    hold_open = pl.col("hold_open").fill_null(False)
    return subjects.with_columns(
        base=base,
        objected=objected,
        hold_open=hold_open,
        deadline=pl.when(pl.col("end").is_not_null() & ~hold_open).then(
            pl.max_horizontal(base, pl.col("hold_until"))
        ),
    )


@rule(
    "RET001",
    "subject-kept-past-retention",
    "Subject kept after its retention deadline",
    severity="high",
    tables=("subjects",),
    optional_tables=("contracts", "consents", "requests"),
    what="A subject, not erased, whose retention deadline has passed: the effective relationship "
    "end + retention.after_relationship, then + retention.marketing_extension unless at A the "
    "person objected to marketing or has an objection in force for profiling (objection requests "
    "count; a later grant restores only the purpose it names), or the end of the latest legal "
    "hold when that is later. An open hold (open bookkeeping contract, open credit, open warranty "
    "without an end, open request) means no deadline yet. Runs without erased_at (judging every "
    "subject) and notes each optional table or column it could not use.",
    why="Personal data may be kept only as long as the purpose needs it (storage limitation). The "
    "notice §9 promises deletion once the relationship and the legal obligations end.",
    legal_basis="GDPR Art. 5(1)(e), Art. 17; Accounting Act 1336/1997 2:10 §; notice §8-9",
    example="Relationship ended 2021-03-31, P3Y + P2Y, no objection, no hold → deadline "
    "2026-03-31; at A = 2026-06-30 the subject is 91 days overdue.",
    fix="Erase or anonymise the subject (keep only what a hold requires), or record the hold or "
    "activity that justifies keeping it.",
)
def ret001(ctx: Context) -> pl.LazyFrame:
    ctx.note_erased_unknown()
    note_absent(
        ctx,
        {
            "subjects.relationship_ended_at": "every relationship end is taken from inactivity",
            "subjects.last_activity_at": "a customer who came back cannot be seen",
            "contracts": "no accounting, credit or warranty hold known",
            "contracts.closed_at": "contracts are taken as open (warranties count to ends_at)",
            "consents": "objections known only from objection requests",
            "requests": "no open-request hold or objection request known",
        },
    )
    overdue = ctx.hold_list(subject_deadlines(ctx).filter(pl.col("deadline") < ctx.A))
    extension = ctx.policy.retention.marketing_extension
    days = (ctx.A - pl.col("deadline")).dt.total_days()
    held_longer = pl.col("hold_until").is_not_null() & (pl.col("hold_until") > pl.col("base"))
    return findings(
        overdue,
        table="subjects",
        record_id="subject_id",
        occurred_at=pl.col("deadline").dt.offset_by("1d"),
        due_at=pl.col("deadline"),
        days_overdue=days,
        message=pl.format(
            "Subject {} is kept {} days past its retention deadline {} ({}).",
            "subject_id",
            days,
            "deadline",
            pl.when(held_longer)
            .then(pl.format("relationship ended {}; last legal hold ended {}", "end", "hold_until"))
            .otherwise(pl.format("relationship ended {}", "end")),
        ),
        evidence=evidence(
            relationship_end=pl.col("end").cast(pl.String),
            after_relationship=pl.lit(str(ctx.policy.retention.after_relationship)),
            marketing_extension=pl.when(~pl.col("objected")).then(
                pl.lit(str(extension) if extension else None, pl.String)
            ),
            objected=pl.col("objected"),
            retention_end=pl.col("base").cast(pl.String),
            holds=pl.col("holds").fill_null(pl.lit([], pl.List(pl.String))),
            deadline=pl.col("deadline").cast(pl.String),
            days_overdue=days,
        ),
    )


def contract_deadlines(ctx: Context) -> pl.LazyFrame:
    """RET002's deadline per contract row; null = not checked or still open."""
    records = ctx.policy.retention.records
    contracts = ctx.table("contracts")
    closed = pl.col("closed_at")
    start = pl.coalesce(pl.max_horizontal(closed, pl.col("ends_at")), pl.col("signed_at"))
    by_kind = pl.lit(None, pl.Date)
    for kind, duration in records.items():
        if duration is not None:
            by_kind = (
                pl.when(pl.col("kind") == kind)
                .then(start.dt.offset_by(duration.offset))
                .otherwise(by_kind)
            )
    deadline = (
        pl.when(pl.col("accounting_record"))
        .then(pl.when(closed.is_not_null()).then(ctx.accounting_hold_until(closed)))
        .otherwise(by_kind)
    )
    open_request = pl.lit(False)
    if ctx.has("requests"):
        held = (
            ctx.table("requests")
            .filter(pl.col("completed_at").is_null())
            .select("subject_id")
            .unique()
            .with_columns(held_by_request=pl.lit(True))
        )
        contracts = contracts.join(held, on="subject_id", how="left")
        open_request = pl.col("held_by_request").fill_null(False)
    return contracts.with_columns(
        deadline=deadline,
        held_by_request=open_request,
        basis=pl.when(pl.col("accounting_record"))
        .then(pl.lit("accounting hold"))
        .otherwise(pl.format("retention.records.{}", pl.col("kind").cast(pl.String))),
    )


@rule(
    "RET002",
    "record-kept-past-retention",
    "Contract record kept after its own retention",
    severity="medium",
    tables=("contracts",),
    optional_tables=("requests",),
    what="A contracts row past its own retention: bookkeeping rows once their accounting hold has "
    "ended; other rows (offers, test drives, warranties...) once (the later of closed_at and "
    "ends_at, else signed_at) + retention.records.<kind>. Kinds with no entry are not checked; "
    "nothing is due while the subject has an open request.",
    why="Each record may be kept only for its own purpose: an offer or a test drive does not "
    "justify keeping data for years; bookkeeping material only for the statutory time.",
    legal_basis="GDPR Art. 5(1)(e); Accounting Act 1336/1997 2:10 §; notice §8-9",
    example="A test drive signed 2025-01-10, closed the same day, retention.records.test_drive = "
    "P6M → due 2025-07-10; at A = 2026-06-30 it is overdue.",
    fix="Delete or anonymise the record, or correct its dates or kind if they are wrong.",
)
def ret002(ctx: Context) -> pl.LazyFrame:
    note_absent(
        ctx,
        {
            "contracts.closed_at": "bookkeeping rows are taken as open; others count from ends_at "
            "or signed_at",
            "requests": "no open-request hold known",
        },
    )
    overdue = contract_deadlines(ctx).filter(
        (pl.col("deadline") < ctx.A) & ~pl.col("held_by_request")
    )
    days = (ctx.A - pl.col("deadline")).dt.total_days()
    return findings(
        overdue,
        table="contracts",
        record_id="contract_id",
        occurred_at=pl.col("deadline").dt.offset_by("1d"),
        due_at=pl.col("deadline"),
        days_overdue=days,
        message=pl.format(
            "Contract {} ({}) is kept {} days past its retention deadline {}.",
            "contract_id",
            pl.col("kind").cast(pl.String),
            days,
            "deadline",
        ),
        evidence=evidence(
            kind=pl.col("kind").cast(pl.String),
            basis=pl.col("basis"),
            signed_at=pl.col("signed_at").cast(pl.String),
            ends_at=pl.col("ends_at").cast(pl.String),
            closed_at=pl.col("closed_at").cast(pl.String),
            deadline=pl.col("deadline").cast(pl.String),
            days_overdue=days,
        ),
    )


@rule(
    "RET003",
    "identity-code-without-need",
    "Personal identity code kept without a need",
    severity="medium",
    tables=("subjects", "contracts"),
    columns=(("subjects", "personal_id"),),
    what="A subject, not erased, holds a personal_id (valid or not) while no contract of a kind "
    "in personal_id.needed_for is open or still under its accounting or credit hold at A (a hold "
    "until D still holds on D). Skipped when subjects.personal_id is absent. Evidence: needed_for "
    "and the subject's contracts of those kinds whose need has ended.",
    why="The identity code may be processed only where needed to identify a person reliably, e.g. "
    "for credit; otherwise it must not be kept (data minimisation).",
    legal_basis="Data Protection Act 1050/2018 29 §; GDPR Art. 5(1)(c); notice §5",
    example="A customer bought a car for cash in 2015 (no financing): the identity code typed in "
    "at the sale has no need behind it.",
    fix="Remove the identity code from the subject, or record the credit contract that needs it.",
)
def ret003(ctx: Context) -> pl.LazyFrame:
    ctx.note_erased_unknown()
    needed_for = list(ctx.policy.personal_id.needed_for)
    closed = pl.col("closed_at")
    accounting_end = pl.when(pl.col("accounting_record")).then(ctx.accounting_hold_until(closed))
    credit_end = pl.when(pl.col("kind").is_in(["financing", "leasing"])).then(closed)
    # NOTE: null need_until on a closed contract = neither hold applies: the need ended at closing.
    contracts = (
        ctx.table("contracts")
        .filter(pl.col("kind").is_in(needed_for))
        .with_columns(need_until=pl.max_horizontal(accounting_end, credit_end))
        .with_columns(needs=closed.is_null() | (pl.col("need_until") >= ctx.A).fill_null(False))
    )
    per_subject = contracts.group_by("subject_id").agg(
        needed=pl.col("needs").any(),
        ended=pl.format(
            "{} {} closed {}{}",
            "contract_id",
            pl.col("kind").cast(pl.String),
            closed.cast(pl.String),
            pl.when(pl.col("need_until").is_not_null())
            .then(pl.format(", held to {}", pl.col("need_until").cast(pl.String)))
            .otherwise(pl.lit("")),
        ).sort(),
    )
    subjects = ctx.subjects.filter(pl.col("personal_id").is_not_null())
    if ctx.can_tell_erased:
        subjects = subjects.filter(pl.col("erased_at").is_null())
    breaching = subjects.join(per_subject, on="subject_id", how="left").filter(
        ~pl.col("needed").fill_null(False)
    )
    kinds = " or ".join(needed_for) or "(no kind declared)"
    return findings(
        breaching,
        table="subjects",
        record_id="subject_id",
        message=pl.format(
            "Subject {} has a personal identity code but no {} contract that is open or still "
            "under its accounting or credit hold needs it.",
            "subject_id",
            pl.lit(kinds),
        ),
        evidence=evidence(
            needed_for=pl.lit(needed_for, pl.List(pl.String)),
            ended_contracts=pl.col("ended").fill_null(pl.lit([], pl.List(pl.String))),
        ),
    )


@rule(
    "RET004",
    "residual-data-after-erasure",
    "Data left behind after erasure",
    severity="high",
    tables=("subjects",),
    optional_tables=("vehicles", "communications", "notes"),
    columns=(("subjects", "erased_at"),),
    what="An erased subject whose row still holds a name, e-mail, phone, street address, identity "
    "code or any kept or unclassified column with a value, or that still has vehicles, "
    "communications or notes rows. One finding per residual table. Consents, contracts, requests "
    "and disclosures rows may remain (suppression, proof, accounting, the recipients log).",
    why="Erasure must be complete outside what a law requires to keep; residual copies are "
    "personal data processed without a basis.",
    legal_basis="GDPR Art. 17, Art. 5(1)(e); notice §8",
    example="Subject S12 was erased 2025-05-02 but its 14 marketing messages are still in "
    "communications.",
    fix="Delete the residual rows and clear the listed columns; check the erasure procedure "
    "covers every system the export comes from.",
)
def ret004(ctx: Context) -> pl.LazyFrame:
    erased = ctx.subjects.filter(pl.col("erased_at").is_not_null())
    extras = [c.name for c in ctx.register.extra_columns.get("subjects", ())]
    columns = [c for c in RESIDUAL_SUBJECT_COLUMNS if ctx.has_column("subjects", c)] + extras
    held = pl.concat_list(
        [pl.when(pl.col(c).is_not_null()).then(pl.lit(c)) for c in columns]
        or [pl.lit(None, pl.String)]
    ).list.drop_nulls()
    own_row = erased.with_columns(residual=held).filter(pl.col("residual").list.len() > 0)
    parts = [
        findings(
            own_row,
            table="subjects",
            record_id="subject_id",
            message=pl.format(
                "Erased subject {} still has values in: {}.",
                "subject_id",
                pl.col("residual").list.join(", "),
            ),
            evidence=evidence(
                erased_at=pl.col("erased_at").cast(pl.String), columns=pl.col("residual")
            ),
        )
    ]
    for table, key in (
        ("vehicles", "vehicle_id"),
        ("communications", "message_id"),
        ("notes", "note_id"),
    ):
        if not ctx.has(table):
            continue
        rows = (
            ctx.table(table)
            .join(erased.select("subject_id", "erased_at"), on="subject_id", how="inner")
            .group_by("subject_id")
            .agg(
                erased_at=pl.col("erased_at").first(),
                rows=pl.len(),
                first_row=pl.col(ROW).min(),
                ids=pl.col(key).sort().head(20),
            )
        )
        parts.append(
            findings(
                rows,
                table=table,
                record_id="subject_id",
                source_row="first_row",
                message=pl.format(
                    "Erased subject {} still has {} row(s) in {}.",
                    "subject_id",
                    "rows",
                    pl.lit(table),
                ),
                evidence=evidence(
                    erased_at=pl.col("erased_at").cast(pl.String),
                    rows=pl.col("rows"),
                    ids=pl.col("ids"),
                ),
            )
        )
    return pl.concat(parts, how="vertical")
