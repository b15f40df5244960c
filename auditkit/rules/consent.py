"""CON — consent and objection (GDPR 7, 21; Act 917/2014 §200-202; notice §9, §11)."""

from __future__ import annotations

import polars as pl

from auditkit.findings import evidence, findings
from auditkit.register.schema import ROW
from auditkit.rules.context import CHANNEL_PURPOSE, Context, Skipped
from auditkit.rules.registry import rule

ELECTRONIC = ("email", "sms", "automated_call")


def _channel_purpose() -> pl.Expr:
    return pl.col("channel").cast(pl.String).replace_strict(CHANNEL_PURPOSE, return_dtype=pl.String)


def local_time(ctx: Context, column: str) -> pl.Expr:
    """An instant as local wall time with its UTC offset (evidence): 2026-02-03T10:00:00+02:00."""
    return pl.col(column).dt.convert_time_zone(ctx.timezone).dt.to_string("%Y-%m-%dT%H:%M:%S%:z")


def note_requests_absent(ctx: Context) -> None:
    if not ctx.has("requests"):
        ctx.notes.append("requests absent: objection requests could not be counted")


def scope_categories(ctx: Context) -> list[str]:
    """Message categories in scope of CON001-002 (and of CON004's "in use")."""
    return ["marketing", "research"] if ctx.policy.consent.research_is_marketing else ["marketing"]


def marketing_messages(ctx: Context) -> pl.LazyFrame:
    """Messages in scope of CON001-002 whose channel purpose was not granted when sent: marketing
    (and research when research_is_marketing), with the channel's purpose (`purpose`) and its
    consent state at sent_at (`state`: null = none, withdraw or object).

    NOTE: a derived fact of both rules, computed once per run (Context.shared); the granted
    messages (most of them) and the bodies are left out, which keeps it small.
    """

    def plan() -> pl.LazyFrame:
        messages = ctx.table("communications").filter(
            pl.col("category").is_in(scope_categories(ctx))
        )
        messages = messages.drop("body", strict=False).with_columns(purpose=_channel_purpose())
        messages = ctx.state_at(messages, purpose=pl.col("purpose"), at=pl.col("sent_at"))
        return messages.filter(pl.col("state").ne_missing("grant"))

    return ctx.shared("marketing_messages/not_granted", plan)


def soft_opt_in(ctx: Context, messages: pl.LazyFrame) -> pl.LazyFrame:
    """Add `soft_opt_in` (Boolean): §200(2) applies to the message, and `soft_opt_in_contract`
    (the lowest qualifying contract_id)."""
    consent = ctx.policy.consent
    if consent.soft_opt_in and not ctx.has("contracts"):
        ctx.notes.append("contracts absent: no message could be shown to have a soft opt-in")
    if not consent.soft_opt_in or not ctx.has("contracts"):
        return messages.with_columns(
            soft_opt_in=pl.lit(False), soft_opt_in_contract=pl.lit(None, pl.String)
        )
    sent_on = ctx.local_date(pl.col("sent_at"))
    contracts = ctx.table("contracts").filter(pl.col("kind").is_in(list(consent.soft_opt_in_kinds)))
    qualifies = pl.col("signed_at") <= pl.col("__sent_on")
    if consent.soft_opt_in_max_age is not None:
        # NOTE: a contract open on the sending day always qualifies: closed_at null, or closed
        # later (then closed_at + max age is later still).
        limit = pl.col("closed_at").dt.offset_by(consent.soft_opt_in_max_age.offset)
        qualifies &= pl.col("closed_at").is_null() | (pl.col("__sent_on") <= limit)
    # NOTE: product_group is trimmed by the loader; a null group never qualifies.
    eligible = messages.filter(
        pl.col("product_group").is_in(list(consent.own_product_groups)).fill_null(False)
    )
    hits = (
        eligible.select(ROW, "subject_id", __sent_on=sent_on)
        .join(
            contracts.select("subject_id", "contract_id", "signed_at", "closed_at"), on="subject_id"
        )
        .filter(qualifies)
        .group_by(ROW)
        .agg(soft_opt_in_contract=pl.col("contract_id").min())
    )
    return messages.join(hits, on=ROW, how="left").with_columns(
        soft_opt_in=pl.col("soft_opt_in_contract").is_not_null()
    )


@rule(
    "CON001",
    "marketing-without-consent",
    "Electronic direct marketing to a person without consent",
    severity="high",
    tables=("communications", "subjects", "consents"),
    optional_tables=("contracts", "requests"),
    what="An e-mail, SMS or automated-call marketing message (research too with "
    "consent.research_is_marketing) to a person while the channel's purpose had no consent state "
    "at sent_at (a withdrawal or objection is CON002 instead) and the soft opt-in does not apply. "
    "The soft opt-in needs consent.soft_opt_in, a contract of a kind in soft_opt_in_kinds signed "
    "on or before the local date of sent_at and, with soft_opt_in_max_age, open on that date or "
    "closed no longer than the max age before it, and a product_group (trimmed, case kept) in "
    "own_product_groups; a null group never qualifies. Organisation contacts (§202), person-made "
    "calls, post and subjects missing from `subjects` are never CON001.",
    why="Electronic direct marketing to a natural person needs prior consent; the soft opt-in "
    "covers only the seller's own similar products to its customers.",
    legal_basis="Act on Electronic Communications Services 917/2014 § 200; GDPR Art. 6(1)(a), 7; "
    "notice §4, §11",
    example="An SMS about a tyre campaign to a person who never granted sms_marketing and has no "
    "purchase that would allow the soft opt-in.",
    fix="Stop the campaign for people without consent; collect consent with evidence, or restrict "
    "soft-opt-in campaigns to own product groups and recent customers.",
)
def con001(ctx: Context) -> pl.LazyFrame:
    note_requests_absent(ctx)
    messages = marketing_messages(ctx).filter(pl.col("channel").is_in(ELECTRONIC))
    messages = ctx.with_subject(messages, "subject_type", how="inner").filter(
        pl.col("subject_subject_type") == "person"
    )
    messages = soft_opt_in(ctx, messages.filter(pl.col("state").is_null()))
    breaching = messages.filter(~pl.col("soft_opt_in"))
    sent_on = ctx.local_date(pl.col("sent_at"))
    consent = ctx.policy.consent
    return findings(
        breaching,
        table="communications",
        record_id="message_id",
        occurred_at=sent_on,
        message=pl.format(
            "{} {} message {} was sent on {} to person {} with no {} consent and no soft opt-in.",
            pl.col("category").cast(pl.String).str.to_titlecase(),
            pl.col("channel").cast(pl.String),
            "message_id",
            sent_on,
            "subject_id",
            "purpose",
        ),
        evidence=evidence(
            channel=pl.col("channel").cast(pl.String),
            category=pl.col("category").cast(pl.String),
            purpose=pl.col("purpose"),
            consent_state=pl.lit("none"),
            sent_at=local_time(ctx, "sent_at"),
            product_group=pl.col("product_group"),
            own_product_group=pl.col("product_group")
            .is_in(list(consent.own_product_groups))
            .fill_null(False),
            campaign_id=pl.col("campaign_id"),
            soft_opt_in_enabled=pl.lit(consent.soft_opt_in),
        ),
    )


@rule(
    "CON002",
    "marketing-after-objection",
    "Marketing sent after a withdrawal or objection",
    severity="critical",
    tables=("communications", "consents"),
    optional_tables=("requests",),
    what="A marketing message (research too with consent.research_is_marketing; any channel, any "
    "subject, known or not) sent while the consent state of the channel's purpose is `object` or "
    "`withdraw` — at the very instant or any time after, no grace period. Objection requests count "
    "whatever their outcome; with consent.objection_is_global an objection to one marketing "
    "purpose objects to all of them, until a later grant restores the purpose it names.",
    why="After an objection to direct marketing the data must no longer be processed for it: no "
    "exception, no grace period. A withdrawn consent ends the basis for the message.",
    legal_basis="GDPR Art. 21(2)-(3), Art. 7(3); Act 917/2014 § 200-202; notice §11",
    example="A customer forbade marketing by e-mail on 2026-03-02; a newsletter reached them on "
    "2026-03-05.",
    fix="Propagate objections and withdrawals to every sending system at once; suppress before "
    "each campaign; investigate how the message got through.",
)
def con002(ctx: Context) -> pl.LazyFrame:
    note_requests_absent(ctx)
    breaching = marketing_messages(ctx).filter(pl.col("state").is_in(["object", "withdraw"]))
    sent_on = ctx.local_date(pl.col("sent_at"))
    return findings(
        breaching,
        table="communications",
        record_id="message_id",
        occurred_at=sent_on,
        message=pl.format(
            "{} {} message {} was sent on {} to {} while the {} consent state was {}.",
            pl.col("category").cast(pl.String).str.to_titlecase(),
            pl.col("channel").cast(pl.String),
            "message_id",
            sent_on,
            "subject_id",
            "purpose",
            "state",
        ),
        evidence=evidence(
            channel=pl.col("channel").cast(pl.String),
            category=pl.col("category").cast(pl.String),
            purpose=pl.col("purpose"),
            consent_state=pl.col("state"),
            sent_at=local_time(ctx, "sent_at"),
            campaign_id=pl.col("campaign_id"),
        ),
    )


@rule(
    "CON003",
    "research-after-objection",
    "Research message sent after an objection to research",
    severity="high",
    tables=("communications", "consents"),
    optional_tables=("requests",),
    what="A research message (any channel, any subject) sent while the consent state of "
    "market_research is `object`. Objection requests count (they cover market_research); an "
    "objection to a marketing purpose does not, and a withdrawal is not an objection.",
    why="The notice §11 lets a person forbid market and opinion research; the prohibition binds.",
    legal_basis="GDPR Art. 21; notice §11",
    example="A satisfaction survey e-mailed to a customer who objected to market research in 2024.",
    fix="Suppress objectors from survey lists; pass objections on to research vendors.",
)
def con003(ctx: Context) -> pl.LazyFrame:
    note_requests_absent(ctx)
    research = ctx.table("communications").filter(pl.col("category") == "research")
    research = ctx.state_at(research, purpose=pl.lit("market_research"), at=pl.col("sent_at"))
    breaching = research.filter(pl.col("state") == "object")
    sent_on = ctx.local_date(pl.col("sent_at"))
    return findings(
        breaching,
        table="communications",
        record_id="message_id",
        occurred_at=sent_on,
        message=pl.format(
            "Research {} message {} was sent on {} to {} after an objection to market research.",
            pl.col("channel").cast(pl.String),
            "message_id",
            sent_on,
            "subject_id",
        ),
        evidence=evidence(
            channel=pl.col("channel").cast(pl.String),
            purpose=pl.lit("market_research"),
            consent_state=pl.col("state"),
            sent_at=local_time(ctx, "sent_at"),
            campaign_id=pl.col("campaign_id"),
        ),
    )


def grants_in_force(ctx: Context) -> pl.LazyFrame:
    """Each `grant` consents row with the interval [valid_from, valid_until) in which it is in force
    (no row when a stricter event at the same instant overrides it; grants at one instant share
    their interval)."""
    grants = ctx.table("consents").filter(pl.col("action") == "grant")
    intervals = ctx.consent_intervals().filter(pl.col("state") == "grant")
    return (
        grants.with_columns(pl.col("purpose").cast(pl.String).alias("__purpose"))
        .join(
            intervals,
            left_on=["subject_id", "__purpose", "recorded_at"],
            right_on=["subject_id", "purpose", "valid_from"],
            how="inner",
        )
        .with_columns(valid_from=pl.col("recorded_at"))
    )


def _in_force_at(at: pl.Expr) -> pl.Expr:
    return (pl.col("valid_from") <= at) & (
        pl.col("valid_until").is_null() | (at < pl.col("valid_until"))
    )


@rule(
    "CON004",
    "consent-without-evidence",
    "Consent in use that cannot be demonstrated",
    severity="medium",
    tables=("consents",),
    optional_tables=("communications", "subjects", "requests"),
    columns=(("consents", "evidence_ref"), ("consents", "source")),
    what="A `grant` event with no evidence_ref or no source that is in force at A (any subject: "
    "person, organisation or one missing from `subjects`), or that was in force when a message "
    "in CON001's scope was sent (e-mail, SMS or automated-call marketing to a person, research "
    "too with consent.research_is_marketing). A grant overridden at its own instant by a "
    "withdrawal or objection is never in force; grants at one instant are in force together. "
    "One finding per event.",
    why="The controller must be able to demonstrate that the person consented; a consent without "
    "its proof is, before an authority, no consent.",
    legal_basis="GDPR Art. 7(1), Art. 5(2); notice §5",
    example="An imported email_marketing grant with no form id or recording behind it, used for "
    "three newsletters.",
    fix="Attach the evidence (form id, signed document, recording) or stop relying on the consent "
    "and ask again.",
)
def con004(ctx: Context) -> pl.LazyFrame:
    note_requests_absent(ctx)
    grants = grants_in_force(ctx).filter(
        pl.col("evidence_ref").is_null() | pl.col("source").is_null()
    )
    grants = grants.with_columns(in_force_at_as_of=_in_force_at(ctx.at_as_of))
    if ctx.has("communications"):
        # NOTE: only the messages of subjects with such a grant (few) are joined to subjects.
        messages = (
            ctx.table("communications")
            .filter(
                pl.col("category").is_in(scope_categories(ctx))
                & pl.col("channel").is_in(ELECTRONIC)
            )
            .join(grants.select("subject_id").unique(), on="subject_id", how="semi")
        )
        messages = (
            ctx.with_subject(messages, "subject_type", how="inner")
            .filter(pl.col("subject_subject_type") == "person")
            .select("subject_id", "message_id", "sent_at", __purpose=_channel_purpose())
        )
        used = (
            grants.select(ROW, "subject_id", "__purpose", "valid_from", "valid_until")
            .join(messages, on=["subject_id", "__purpose"])
            .filter(_in_force_at(pl.col("sent_at")))
            .group_by(ROW)
            .agg(
                messages_relying=pl.len(),
                first_message=pl.col("message_id").sort_by("sent_at", "message_id").first(),
            )
        )
        grants = grants.join(used, on=ROW, how="left")
    else:
        ctx.notes.append("communications absent: only grants in force at A are judged")
        grants = grants.with_columns(
            messages_relying=pl.lit(None, pl.UInt32), first_message=pl.lit(None, pl.String)
        )
    grants = grants.with_columns(pl.col("messages_relying").fill_null(0))
    breaching = grants.filter(pl.col("in_force_at_as_of") | (pl.col("messages_relying") > 0))
    missing = pl.concat_list(
        pl.when(pl.col("evidence_ref").is_null()).then(pl.lit("evidence_ref")),
        pl.when(pl.col("source").is_null()).then(pl.lit("source")),
    ).list.drop_nulls()
    use = (
        pl.when(pl.col("in_force_at_as_of") & (pl.col("messages_relying") > 0))
        .then(pl.format("is in force and {} marketing message(s) relied on it", "messages_relying"))
        .when(pl.col("in_force_at_as_of"))
        .then(pl.lit("is in force"))
        .otherwise(pl.format("{} marketing message(s) relied on it", "messages_relying"))
    )
    recorded_on = ctx.local_date(pl.col("recorded_at"))
    return findings(
        breaching,
        table="consents",
        record_id="event_id",
        occurred_at=recorded_on,
        message=pl.format(
            "Consent {} ({}) of {}, recorded on {}, has no {}, yet {}.",
            "event_id",
            pl.col("purpose").cast(pl.String),
            "subject_id",
            recorded_on,
            missing.list.join(" and "),
            use,
        ),
        evidence=evidence(
            purpose=pl.col("purpose").cast(pl.String),
            recorded_at=local_time(ctx, "recorded_at"),
            missing=missing,
            in_force_at_as_of=pl.col("in_force_at_as_of"),
            messages_relying=pl.col("messages_relying"),
            first_message=pl.col("first_message"),
        ),
    )


@rule(
    "CON005",
    "stale-consent",
    "Consent older than the policy's maximum age",
    severity="low",
    tables=("consents",),
    optional_tables=("requests",),
    what="A `grant` in force at A whose recorded_at (local date) + consent.max_age is before A; a "
    "grant superseded by a later withdrawal, objection or objection request is not judged. Only "
    "when the policy sets consent.max_age; otherwise the rule is skipped.",
    why="A consent given long ago may no longer reflect the person's wishes; the policy says how "
    "long the company relies on one.",
    legal_basis="GDPR Art. 7, Art. 5(1)(d); company policy consent.max_age",
    example="An e-mail consent from 2014 with max_age P10Y is stale since 2024.",
    fix="Ask the person to renew the consent, or stop using it.",
)
def con005(ctx: Context) -> pl.LazyFrame:
    max_age = ctx.policy.consent.max_age
    if max_age is None:
        raise Skipped("consent.max_age not set")
    note_requests_absent(ctx)
    recorded_on = ctx.local_date(pl.col("recorded_at"))
    expires = recorded_on.dt.offset_by(max_age.offset)
    stale = grants_in_force(ctx).filter(_in_force_at(ctx.at_as_of) & (expires < ctx.A))
    return findings(
        stale,
        table="consents",
        record_id="event_id",
        occurred_at=expires.dt.offset_by("1d"),
        due_at=expires,
        days_overdue=(ctx.A - expires).dt.total_days(),
        message=pl.format(
            "Consent {} ({}) of {} was recorded on {}; with a maximum age of {} it expired on {}.",
            "event_id",
            pl.col("purpose").cast(pl.String),
            "subject_id",
            recorded_on,
            pl.lit(str(max_age)),
            expires,
        ),
        evidence=evidence(
            purpose=pl.col("purpose").cast(pl.String),
            recorded_at=local_time(ctx, "recorded_at"),
            max_age=pl.lit(str(max_age)),
            expired_on=expires.cast(pl.String),
        ),
    )
