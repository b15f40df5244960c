"""DIS — disclosures and transfers (GDPR 13(1)(f), 44-49; notice §7)."""

from __future__ import annotations

import polars as pl

from auditkit.findings import evidence, findings
from auditkit.policy import Policy
from auditkit.register.schema import MARKETING_PURPOSES, ROW
from auditkit.rules.consent import local_time
from auditkit.rules.context import Context, Skipped
from auditkit.rules.geography import (
    AdequacyEntry,
    in_eea,
    lawful_transfer,
    load_adequacy,
    merge_adequacy,
    normalise_country,
    normalise_country_code,
)
from auditkit.rules.registry import rule

THIRD_PARTY = "third_party_disclosure"


def per_category(values: dict[str, list[str]]) -> pl.Expr:
    """For the row's recipient_category, the list the policy declares for it (null: undeclared)."""
    expr = pl.lit(None, pl.List(pl.String))
    for category, listed in values.items():
        expr = (
            pl.when(pl.col("recipient_category") == category)
            .then(pl.lit(listed, pl.List(pl.String)))
            .otherwise(expr)
        )
    return expr


def declared(policy: Policy) -> pl.Expr:
    categories = [r.category for r in policy.disclosures.recipients]
    return pl.col("recipient_category").is_in(categories).fill_null(False)


def disclosures(ctx: Context) -> pl.LazyFrame:
    """Disclosures with their local date, whether the category is declared, and whether a
    third_party_disclosure consent in force at disclosed_at covers them (notice §7).

    Adds `tpd` (the consent state of third_party_disclosure at disclosed_at, null = none),
    `tpd_event` (the consents row that gives that state; the lowest event_id when several tie) and
    `consented` (the state is `grant`), and `country_code`: the country as the policy writes it
    (normalise_country: trimmed, upper-cased, EL → GR, UK → GB; null when blank).

    NOTE: a derived fact of all ten DIS rules, computed once per run (Context.shared).
    """
    return ctx.shared("disclosures", lambda: _disclosures(ctx))


def _disclosures(ctx: Context) -> pl.LazyFrame:
    frame = ctx.table("disclosures").with_columns(
        disclosed_on=ctx.local_date(pl.col("disclosed_at")),
        declared=declared(ctx.policy),
        # NOTE: a column, not an expression: DIS003 and DIS004 compare it once per adequacy
        # decision or recipient, and an expression would be evaluated again at each comparison.
        country_code=normalise_country(pl.col("country")),
    )
    if not ctx.has("consents"):
        # NOTE: objection requests never touch third_party_disclosure: without consents rows there
        # is no state.
        return frame.with_columns(
            tpd=pl.lit(None, pl.String), tpd_event=pl.lit(None, pl.String), consented=pl.lit(False)
        )
    frame = ctx.state_at(frame, purpose=pl.lit(THIRD_PARTY), at=pl.col("disclosed_at"), name="tpd")
    events = (
        ctx.table("consents")
        .filter(pl.col("purpose") == THIRD_PARTY)
        .select(
            "subject_id",
            __event="event_id",
            __action=pl.col("action").cast(pl.String),
            __recorded="recorded_at",
        )
    )
    in_force = (
        frame.select(ROW, "subject_id", "disclosed_at", "tpd")
        .join(events, on="subject_id")
        .filter(pl.col("__recorded") <= pl.col("disclosed_at"))
        .filter(pl.col("__recorded") == pl.col("__recorded").max().over(ROW))
        .filter(pl.col("__action") == pl.col("tpd"))
        .group_by(ROW)
        .agg(tpd_event=pl.col("__event").min())
    )
    return frame.join(in_force, on=ROW, how="left").with_columns(
        consented=(pl.col("tpd") == "grant").fill_null(False)
    )


def note_consents_absent(ctx: Context) -> None:
    if not ctx.has("consents"):
        ctx.notes.append("consents absent: no third_party_disclosure consent could be taken")


def _shape(ctx: Context, frame: pl.LazyFrame, message: pl.Expr, **facts: pl.Expr) -> pl.LazyFrame:
    return findings(
        frame,
        table="disclosures",
        record_id="disclosure_id",
        occurred_at=pl.col("disclosed_on"),
        message=message,
        evidence=evidence(
            recipient=pl.col("recipient"),
            recipient_category=pl.col("recipient_category"),
            purpose=pl.col("purpose"),
            disclosed_at=local_time(ctx, "disclosed_at"),
            **facts,
        ),
    )


@rule(
    "DIS001",
    "undeclared-recipient",
    "Disclosure to a recipient category the notice does not declare",
    severity="high",
    tables=("disclosures",),
    optional_tables=("consents",),
    what="A disclosure (any subject, known or not) whose recipient_category is not declared in "
    "the policy's [[disclosures.recipients]]: compared after trimming, case kept; a null category "
    "is undeclared. Not a finding when the consent state of third_party_disclosure at disclosed_at "
    "is `grant` (notice §7: other disclosures with the person's consent); the evidence names the "
    "consent event that gives the state.",
    why="The notice must tell people who receives their data; an undeclared recipient is a "
    "disclosure the person was never told about.",
    legal_basis="GDPR Art. 13(1)(e), Art. 5(1)(a); notice §7",
    example="Customer data passed to a leasing broker when the notice lists only importers, "
    "finance and insurance companies, authorities, marketing and research partners.",
    fix="Stop the disclosures, or declare the recipient category in the notice and the policy.",
)
def dis001(ctx: Context) -> pl.LazyFrame:
    note_consents_absent(ctx)
    frame = disclosures(ctx).filter(~pl.col("declared") & ~pl.col("consented"))
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} went to {} (category {}), which the notice does not declare.",
            "disclosure_id",
            "recipient",
            pl.col("recipient_category").fill_null("none"),
        ),
        third_party_consent=pl.col("tpd"),
        third_party_consent_event=pl.col("tpd_event"),
    )


@rule(
    "DIS002",
    "undeclared-disclosure-purpose",
    "Disclosure for a purpose not declared for its recipient category",
    severity="high",
    tables=("disclosures",),
    optional_tables=("consents",),
    what="A disclosure to a declared category whose purpose (trimmed, case kept; null included) "
    "is not among the purposes declared for that category; a prohibited purpose is DIS005 "
    "instead, never DIS002. Not a finding when the consent state of third_party_disclosure at "
    "disclosed_at is `grant`.",
    why="Data disclosed for a purpose the notice does not give breaks purpose limitation.",
    legal_basis="GDPR Art. 5(1)(b), Art. 13(1)(c); notice §7",
    example="Data sent to the importer for 'sales_leads' when the importer is declared only for "
    "warranty, service, maintenance and safety.",
    fix="Stop the disclosure or declare the purpose for that recipient category.",
)
def dis002(ctx: Context) -> pl.LazyFrame:
    note_consents_absent(ctx)
    policy = ctx.policy
    prohibited = list(policy.disclosures.prohibited_purposes)
    ok = pl.lit(False)
    for recipient in policy.disclosures.recipients:
        ok = ok | (
            (pl.col("recipient_category") == recipient.category)
            & pl.col("purpose").is_in(list(recipient.purposes))
        ).fill_null(False)
    frame = disclosures(ctx).filter(
        pl.col("declared")
        & ~ok
        & ~pl.col("purpose").is_in(prohibited).fill_null(False)
        & ~pl.col("consented")
    )
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} was for purpose {}, which is not declared for category {}.",
            "disclosure_id",
            "recipient",
            pl.col("purpose").fill_null("none"),
            "recipient_category",
        ),
        third_party_consent=pl.col("tpd"),
        third_party_consent_event=pl.col("tpd_event"),
    )


@rule(
    "DIS003",
    "transfer-without-safeguard",
    "Transfer outside the EEA without a lawful mechanism",
    severity="critical",
    tables=("disclosures",),
    what="A disclosure (any category) processed outside the EEA with no lawful mechanism on the "
    "transfer date (the local date of disclosed_at): safeguard none/null or adequacy need a "
    "whole-country adequacy decision in force (the US has none); dpf needs a dpf-scope decision "
    "(the US from 2023-07-10) or a whole-country one. scc, bcr and derogation are taken as "
    "claimed. Inside the EEA (EL and UK accepted for GR and GB; AX and the other territories "
    "with their own codes included) never; a null or unknown country is outside it and not "
    "adequate. A policy transfers.extra_adequate entry replaces every shipped entry of its "
    "country.",
    why="Personal data may leave the EEA only under an adequacy decision, appropriate safeguards "
    "or a derogation; the notice §7 promises SCC-equivalent safeguards.",
    legal_basis="GDPR Art. 44-49; notice §7",
    example="An importer system in the US received data on 2023-05-02 under 'dpf' — before the "
    "Framework's decision of 2023-07-10.",
    fix="Stop the transfer or put SCCs / BCRs in place and record the safeguard.",
)
def dis003(ctx: Context) -> pl.LazyFrame:
    entries = merge_adequacy(load_adequacy(), _policy_entries(ctx.policy))
    frame = disclosures(ctx).filter(
        ~lawful_transfer(
            pl.col("country_code"),
            pl.col("safeguard"),
            pl.col("disclosed_on"),
            entries,
            normalised=True,
        )
    )
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} in {} on {} had no lawful transfer mechanism (safeguard {}).",
            "disclosure_id",
            "recipient",
            pl.col("country").fill_null("an unknown country"),
            "disclosed_on",
            pl.col("safeguard").cast(pl.String).fill_null("none"),
        ),
        country=pl.col("country"),
        safeguard=pl.col("safeguard").cast(pl.String),
    )


def _policy_entries(policy: Policy) -> list[AdequacyEntry]:
    return [
        AdequacyEntry(e.country, e.valid_from, e.valid_to, e.scope, e.reference)
        for e in policy.transfers.extra_adequate
    ]


@rule(
    "DIS004",
    "undeclared-transfer",
    "Transfer outside the EEA that the notice does not declare",
    severity="high",
    tables=("disclosures",),
    what="A disclosure to a declared category processed outside the EEA (a null country "
    "included) where the category's transfer_countries lists neither the country (trimmed, "
    'upper-cased, UK = GB) nor "*" — whatever the safeguard, adequate countries included. A '
    'null country is listed only by "*".',
    why="The notice must tell people that their data goes outside the EEA and on what basis.",
    legal_basis="GDPR Art. 13(1)(f); notice §7",
    example="Data sent to a finance company's system in Switzerland, while the notice declares "
    "transfers only for importers.",
    fix="Declare the transfer in the notice and the policy, or keep the processing inside the EEA.",
)
def dis004(ctx: Context) -> pl.LazyFrame:
    # The row's code as the policy's: trimmed, upper-cased, EL → GR and UK → GB.
    country = pl.col("country_code")
    allowed = pl.lit(False)
    for recipient in ctx.policy.disclosures.recipients:
        countries = [normalise_country_code(c) or "" for c in recipient.transfer_countries]
        # NOTE: a null country is listed only by "*" (is_in gives null, filled as not listed).
        listed = pl.lit(True) if "*" in countries else country.is_in(countries).fill_null(False)
        allowed = allowed | (
            (pl.col("recipient_category") == recipient.category).fill_null(False) & listed
        )
    frame = disclosures(ctx).filter(pl.col("declared") & ~in_eea(country) & ~allowed)
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} was processed in {}, a transfer the notice does not declare "
            "for {}.",
            "disclosure_id",
            "recipient",
            pl.col("country").fill_null("an unknown country"),
            "recipient_category",
        ),
        country=pl.col("country"),
        safeguard=pl.col("safeguard").cast(pl.String),
        transfer_countries=per_category(
            {r.category: r.transfer_countries for r in ctx.policy.disclosures.recipients}
        ),
    )


@rule(
    "DIS005",
    "prohibited-disclosure-purpose",
    "Disclosure for a purpose the notice rules out",
    severity="critical",
    tables=("disclosures",),
    what="A disclosure whose purpose (trimmed, case kept) is in "
    "disclosures.prohibited_purposes (e.g. a third party's own marketing), whatever the category "
    "(an undeclared one is DIS001 as well) and even with a third_party_disclosure consent.",
    why="The notice §7 promises that data is not given to outside parties for their marketing.",
    legal_basis="GDPR Art. 5(1)(a)-(b); notice §7",
    example="A customer list handed to a partner for third_party_marketing.",
    fix="Stop the disclosure at once and ask the recipient to delete the data.",
)
def dis005(ctx: Context) -> pl.LazyFrame:
    prohibited = list(ctx.policy.disclosures.prohibited_purposes)
    frame = disclosures(ctx).filter(pl.col("purpose").is_in(prohibited).fill_null(False))
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} was for {}, which the notice rules out.",
            "disclosure_id",
            "recipient",
            "purpose",
        ),
        prohibited_purposes=pl.lit(prohibited, pl.List(pl.String)),
        third_party_consent=pl.col("tpd"),
        third_party_consent_event=pl.col("tpd_event"),
    )


@rule(
    "DIS006",
    "processor-deletion-overdue",
    "Recipient's deletion not confirmed in time",
    severity="medium",
    tables=("disclosures",),
    columns=(("disclosures", "deletion_confirmed_at"),),
    what="For a declared category with delete_within (research vendors): deadline = the local "
    "date of disclosed_at + delete_within. A finding when the local date of "
    "deletion_confirmed_at is later than the deadline (days_overdue = that date - deadline), or "
    "it is null and the deadline has passed at A (days_overdue = A - deadline). Confirmed on the "
    "deadline is on time; unconfirmed before the deadline has passed is no finding.",
    why="The notice §7 promises that outside researchers delete the data after the survey.",
    legal_basis="GDPR Art. 28(3)(g), Art. 5(1)(e); notice §7",
    example="Survey data sent 2026-01-10 with delete_within P90D: no confirmation by 2026-04-10.",
    fix="Obtain and record the vendor's deletion confirmation.",
)
def dis006(ctx: Context) -> pl.LazyFrame:
    deadline, delete_within = pl.lit(None, pl.Date), pl.lit(None, pl.String)
    for recipient in ctx.policy.disclosures.recipients:
        if recipient.delete_within is not None:
            this = pl.col("recipient_category") == recipient.category
            deadline = (
                pl.when(this)
                .then(pl.col("disclosed_on").dt.offset_by(recipient.delete_within.offset))
                .otherwise(deadline)
            )
            delete_within = (
                pl.when(this).then(pl.lit(str(recipient.delete_within))).otherwise(delete_within)
            )
    frame = disclosures(ctx).with_columns(
        deadline=deadline,
        delete_within=delete_within,
        confirmed_on=ctx.local_date(pl.col("deletion_confirmed_at")),
    )
    late = pl.col("confirmed_on") > pl.col("deadline")
    missing = pl.col("confirmed_on").is_null() & (pl.col("deadline") < ctx.A)
    frame = frame.filter(pl.col("deadline").is_not_null() & (late | missing).fill_null(False))
    days = pl.coalesce(pl.col("confirmed_on"), ctx.A) - pl.col("deadline")
    return findings(
        frame,
        table="disclosures",
        record_id="disclosure_id",
        occurred_at=pl.coalesce(pl.col("confirmed_on"), pl.col("deadline").dt.offset_by("1d")),
        due_at=pl.col("deadline"),
        days_overdue=days.dt.total_days(),
        message=pl.format(
            "{} had to confirm deletion of disclosure {} by {}: {}.",
            "recipient",
            "disclosure_id",
            "deadline",
            pl.when(pl.col("confirmed_on").is_null())
            .then(pl.lit("no confirmation"))
            .otherwise(pl.format("confirmed on {}", "confirmed_on")),
        ),
        evidence=evidence(
            recipient=pl.col("recipient"),
            recipient_category=pl.col("recipient_category"),
            disclosed_at=local_time(ctx, "disclosed_at"),
            deletion_confirmed_at=local_time(ctx, "deletion_confirmed_at"),
            deadline=pl.col("deadline").cast(pl.String),
            delete_within=pl.col("delete_within"),
        ),
    )


def _categories() -> pl.Expr:
    """data_categories as DIS008 reads them: trimmed, lower-cased, empty parts dropped."""
    return pl.col("data_categories").list.eval(
        pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.len_chars() > 0)
    )


@rule(
    "DIS007",
    "protected-contact-disclosed",
    "A protected person's contact data disclosed",
    severity="high",
    tables=("disclosures", "subjects"),
    columns=(("subjects", "protected"), ("disclosures", "data_categories")),
    what="A disclosure of a protected subject's (turvakielto; the subject's first row) data to a "
    "category not in disclosures.allowed_for_protected (a null or undeclared category included), "
    "when its data categories, read as DIS008 reads them, include contact or are unknown (null "
    "or empty) — whenever it was disclosed, as the flag carries no date. Subjects missing from "
    "`subjects` are not judged.",
    why="A person under non-disclosure protection may be endangered if their address leaks; the "
    "notice §8 promises protection for personal safety.",
    legal_basis="GDPR Art. 5(1)(f), Art. 32; Population Information Act 661/2009 § 36; notice §8",
    example="The address of a protected customer sent to a marketing partner.",
    fix="Stop such disclosures; flag protected subjects in every export; ask the recipient to "
    "delete.",
)
def dis007(ctx: Context) -> pl.LazyFrame:
    allowed = list(ctx.policy.disclosures.allowed_for_protected)
    frame = ctx.with_subject(disclosures(ctx), "protected", how="inner").with_columns(
        categories=_categories()
    )
    unknown = pl.col("categories").is_null() | (pl.col("categories").list.len() == 0)
    frame = frame.filter(
        pl.col("subject_protected")
        & ~pl.col("recipient_category").is_in(allowed).fill_null(False)
        & (unknown | pl.col("categories").list.contains("contact"))
    )
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} gave {} of protected subject {} to {} (category {}), which may not "
            "receive it.",
            "disclosure_id",
            pl.when(unknown)
            .then(pl.lit("data of unrecorded categories, possibly contact data,"))
            .otherwise(pl.lit("contact data")),
            "subject_id",
            "recipient",
            pl.col("recipient_category").fill_null("none"),
        ),
        data_categories=pl.col("categories"),
    )


@rule(
    "DIS008",
    "undeclared-data-category-disclosed",
    "Data category disclosed that the recipient entry does not declare",
    severity="high",
    tables=("disclosures",),
    what="A disclosure to a declared category that includes data categories (split on ; and ,, "
    "trimmed, lower-cased, empty parts dropped) missing from the entry's lower-cased "
    "data_categories. Null or empty is no finding; an undeclared category is DIS001's, not "
    "judged here. One finding per disclosure, listing each missing category once.",
    why="Only the data the notice names for a recipient may go to it (data minimisation).",
    legal_basis="GDPR Art. 5(1)(c), Art. 13(1)(e); notice §7",
    example="Identity codes sent to the importer, whose entry declares identity, contact, vehicle "
    "and transactions only.",
    fix="Stop sending the extra categories, or declare them for the recipient.",
)
def dis008(ctx: Context) -> pl.LazyFrame:
    frame = disclosures(ctx).filter(pl.col("declared")).with_columns(categories=_categories())
    extra = pl.lit(None, pl.List(pl.String))
    for recipient in ctx.policy.disclosures.recipients:
        declared_here = [c.lower() for c in recipient.data_categories]
        extra = (
            pl.when(pl.col("recipient_category") == recipient.category)
            .then(
                pl.col("categories").list.eval(
                    pl.element().filter(~pl.element().is_in(declared_here))
                )
            )
            .otherwise(extra)
        )
    frame = frame.with_columns(extra=extra.list.unique(maintain_order=True)).filter(
        pl.col("extra").list.len() > 0
    )
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} included {}, not declared for {}.",
            "disclosure_id",
            "recipient",
            pl.col("extra").list.join(", "),
            "recipient_category",
        ),
        data_categories=pl.col("categories"),
        declared_categories=per_category(
            {
                r.category: [c.lower() for c in r.data_categories]
                for r in ctx.policy.disclosures.recipients
            }
        ),
        undeclared_categories=pl.col("extra"),
    )


@rule(
    "DIS009",
    "marketing-disclosure-after-objection",
    "Disclosure for marketing after an objection",
    severity="high",
    tables=("disclosures",),
    optional_tables=("consents", "requests"),
    what="A disclosure to a declared category with marketing = true while the subject had "
    "objected to marketing at disclosed_at: the consent state of at least one marketing purpose "
    "is `object` (consents rows, objection requests of any outcome, the global spread). An "
    "objection made later, a withdrawal, or an objection to profiling or market research only, "
    "is no finding. Skipped when neither consents nor requests is present.",
    why="After an objection, data may no longer be processed for direct marketing, by the "
    "controller or its partners.",
    legal_basis="GDPR Art. 21(3); notice §9, §11",
    example="A customer's details sent to the marketing partner a month after they forbade "
    "marketing.",
    fix="Pass objections to marketing partners before each hand-over; ask them to delete.",
)
def dis009(ctx: Context) -> pl.LazyFrame:
    if not (ctx.has("consents") or ctx.has("requests")):
        raise Skipped("consents and requests absent")
    for table, known in (("consents", "objection requests"), ("requests", "consents rows")):
        if not ctx.has(table):
            ctx.notes.append(f"{table} absent: objections known only from {known}")
    marketing = [r.category for r in ctx.policy.disclosures.recipients if r.marketing]
    frame = disclosures(ctx).filter(pl.col("recipient_category").is_in(marketing).fill_null(False))
    frame = ctx.objected_at(frame, at=pl.col("disclosed_at")).filter(pl.col("objected"))
    # For the evidence: which marketing purposes were in state `object` at disclosed_at.
    objections = ctx.consent_intervals().filter(
        pl.col("purpose").is_in(MARKETING_PURPOSES) & (pl.col("state") == "object")
    )
    at = pl.col("disclosed_at")
    purposes = (
        frame.select(ROW, "subject_id", "disclosed_at")
        .join(objections, on="subject_id")
        .filter(
            (pl.col("valid_from") <= at)
            & (pl.col("valid_until").is_null() | (at < pl.col("valid_until")))
        )
        .group_by(ROW)
        .agg(objected_purposes=pl.col("purpose").unique().sort())
    )
    frame = frame.join(purposes, on=ROW, how="left")
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to marketing partner {} was made while {} had objected to marketing.",
            "disclosure_id",
            "recipient",
            "subject_id",
        ),
        objected_purposes=pl.col("objected_purposes"),
    )


@rule(
    "DIS010",
    "disclosure-after-erasure",
    "Disclosure of an erased subject's data",
    severity="high",
    tables=("disclosures", "subjects"),
    columns=(("subjects", "erased_at"),),
    what="A disclosure (any category) made after the subject's erasure: disclosed_at later than "
    "erased_at, compared as instants (a disclosure earlier on the erasure day is no finding). "
    "Skipped without subjects.erased_at; subjects missing from `subjects` are not judged.",
    why="Erased data must not exist, let alone be passed on.",
    legal_basis="GDPR Art. 17, Art. 19; notice §8",
    example="A subject erased on 2025-03-01 sent to the importer on 2025-06-12.",
    fix="Find the copy that survived the erasure and delete it; tell the recipient.",
)
def dis010(ctx: Context) -> pl.LazyFrame:
    frame = ctx.with_subject(disclosures(ctx), "erased_at", how="inner").filter(
        pl.col("disclosed_at") > pl.col("subject_erased_at")
    )
    return _shape(
        ctx,
        frame,
        pl.format(
            "Disclosure {} to {} was made after subject {} was erased.",
            "disclosure_id",
            "recipient",
            "subject_id",
        ),
        erased_at=local_time(ctx, "subject_erased_at"),
    )
