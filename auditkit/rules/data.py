"""DAT — data content and quality (GDPR 5(1)(c)-(d); Data Protection Act 29 §; notice §5)."""

from __future__ import annotations

from functools import partial

import polars as pl

from auditkit.findings import evidence, findings
from auditkit.register.schema import DATE, ROW, TABLES, column_category
from auditkit.rules.context import Context, Skipped
from auditkit.rules.identifiers import (
    find_hetus,
    hetu_valid,
    mask_hetu,
    may_hold_hetu,
    vin_valid,
    ytunnus_valid,
)
from auditkit.rules.registry import rule

REFERRING_TABLES = (
    "vehicles",
    "contracts",
    "consents",
    "communications",
    "disclosures",
    "requests",
    "notes",
)
# DAT007: the recorded events that cannot lie after A, and those that cannot precede the subject.
EVENT_COLUMNS = {
    "subjects": ("created_at", "relationship_ended_at", "last_activity_at", "erased_at"),
    "vehicles": ("linked_at", "unlinked_at"),
    "contracts": ("signed_at", "closed_at"),
    "consents": ("recorded_at",),
    "communications": ("sent_at",),
    "disclosures": ("disclosed_at", "deletion_confirmed_at"),
    "requests": ("received_at", "extension_notified_at", "completed_at"),
    "notes": ("created_at",),
}
AFTER_SUBJECT_COLUMNS = {
    "vehicles": "linked_at",
    "contracts": "signed_at",
    "consents": "recorded_at",
    "communications": "sent_at",
    "disclosures": "disclosed_at",
    "requests": "received_at",
    "notes": "created_at",
}


@rule(
    "DAT001",
    "undeclared-data-category",
    "Column holding data the notice does not declare",
    severity="medium",
    tables=(),
    what="A loaded column with a value in at least one row whose data category (REGISTER_MODEL.md) "
    "is not in data_content.categories; or a source column the mapping neither maps, keeps nor "
    "ignores (unclassified): medium when it holds a value, low when empty. One finding per column, "
    "named as in the source. A canonical column the source lacks is not judged.",
    why="The register may hold only the data the notice §5 describes; a column nobody classified "
    "is data nobody decided to keep.",
    legal_basis="GDPR Art. 5(1)(c), Art. 13(1)(c)-(e), Art. 30(1)(c); notice §5",
    example="A 'terveystiedot' (health notes) column in the customer export, mapped to nothing.",
    fix="Drop the column from the export and the system, or declare its category in the notice and "
    "map or keep it.",
)
def dat001(ctx: Context) -> pl.LazyFrame:
    declared = set(ctx.policy.data_content.categories)
    parts = []
    for table in TABLES:
        if not ctx.has(table):
            continue
        # (loaded column, source column, category, unclassified)
        candidates: list[tuple[str, str, str | None, bool]] = []
        for column in TABLES[table].names:
            category = column_category(table, column)
            if category is None or category in declared or not ctx.has_column(table, column):
                continue
            source = ctx.register.source_columns.get(table, {}).get(column, column)
            candidates.append((column, source, category, False))
        for extra in ctx.register.extra_columns.get(table, ()):
            if extra.unclassified or extra.category not in declared:
                candidates.append((extra.name, extra.name, extra.category, extra.unclassified))
        if not candidates:
            continue
        has_value = (
            ctx.table(table)
            .select(
                [
                    pl.col(c).is_not_null().any().alias(f"c{i}")
                    for i, (c, *_) in enumerate(candidates)
                ]
            )
            .unpivot(variable_name="index", value_name="has_value")
        )
        facts = pl.LazyFrame(
            {
                "index": [f"c{i}" for i in range(len(candidates))],
                "column": [s for _, s, _, _ in candidates],
                "category": [c for _, _, c, _ in candidates],
                "unclassified": [u for *_, u in candidates],
            },
            schema={
                "index": pl.String,
                "column": pl.String,
                "category": pl.String,
                "unclassified": pl.Boolean,
            },
        )
        rows = facts.join(has_value, on="index").filter(
            pl.col("has_value") | pl.col("unclassified")
        )
        parts.append(
            findings(
                rows,
                table=table,
                record_id="column",
                subject_id=None,
                source_row=None,
                severity=pl.when(pl.col("unclassified") & ~pl.col("has_value")).then(pl.lit("low")),
                message=pl.when(pl.col("unclassified"))
                .then(
                    pl.format(
                        "Column {} of {} is neither mapped, kept nor ignored ({}).",
                        "column",
                        pl.lit(table),
                        pl.when(pl.col("has_value"))
                        .then(pl.lit("it holds values"))
                        .otherwise(pl.lit("empty")),
                    )
                )
                .otherwise(
                    pl.format(
                        "Column {} of {} holds {} data, a category the notice does not declare.",
                        "column",
                        pl.lit(table),
                        "category",
                    )
                ),
                evidence=evidence(
                    category=pl.col("category"),
                    unclassified=pl.col("unclassified"),
                    has_value=pl.col("has_value"),
                    declared_categories=pl.lit(sorted(declared), pl.List(pl.String)),
                ),
            )
        )
    if not parts:
        return pl.LazyFrame(schema=_empty_schema())
    return pl.concat(parts, how="vertical")


def _empty_schema() -> dict[str, pl.DataType]:
    from auditkit.findings import RULE_OUTPUT

    return dict(RULE_OUTPUT)


@rule(
    "DAT002",
    "identity-code-in-free-text",
    "Personal identity code written in free text",
    severity="high",
    tables=(),
    optional_tables=("notes", "communications"),
    what="A valid Finnish personal identity code (shape with any century sign, a real date not "
    "after A, individual number 002-999 with temporary codes 900-999, check character) standing "
    "alone (no letter or digit directly before or after it) in notes.text or communications.body. "
    "One finding per note or message, listing the codes masked (010190-****). Runs on the text "
    "columns present; partial when one is absent.",
    why="The identity code may be processed only where the law allows and must not be spread into "
    "documents needlessly; free text is copied, printed and exported without control.",
    legal_basis="Data Protection Act 1050/2018 29 §; GDPR Art. 5(1)(c), Art. 87; notice §5",
    example="A service note 'asiakas 131052-308T soitti' holds an identity code.",
    fix="Remove the code from the text; train staff; block the pattern at input.",
)
def dat002(ctx: Context) -> pl.LazyFrame:
    parts = []
    for table, column, key in (
        ("notes", "text", "note_id"),
        ("communications", "body", "message_id"),
    ):
        if not ctx.has(table):
            continue
        if not ctx.has_column(table, column):
            ctx.partial.append(f"{table}.{column} absent")
            continue
        # NOTE: the regex work only on texts that hold the code's shape at all (at 10M messages,
        # half without a body, 1.4 s → 0.3 s).
        rows = (
            ctx.table(table)
            .filter(may_hold_hetu(pl.col(column)))
            .with_columns(codes=find_hetus(pl.col(column), ctx.as_of))
            .filter(pl.col("codes").list.len() > 0)
        )
        masked = pl.col("codes").list.eval(mask_hetu(pl.element()))
        date_column = "created_at" if table == "notes" else "sent_at"
        parts.append(
            findings(
                rows,
                table=table,
                record_id=key,
                occurred_at=ctx.local_date(pl.col(date_column)),
                message=pl.format(
                    "{} {} contains {} personal identity code(s): {}.",
                    pl.lit("Note" if table == "notes" else "Message"),
                    key,
                    pl.col("codes").list.len(),
                    masked.list.join(", "),
                ),
                evidence=evidence(codes=masked, column=pl.lit(f"{table}.{column}")),
            )
        )
    if not parts:
        reasons = ctx.partial or ["notes and communications absent"]
        ctx.partial = []
        raise Skipped("; ".join(reasons))
    return pl.concat(parts, how="vertical")


@rule(
    "DAT003",
    "invalid-identifier",
    "Identifier that fails its check",
    severity="low",
    tables=("subjects",),
    optional_tables=("vehicles",),
    what="A personal_id, business_id or VIN that fails its check as written (no trimming, no case "
    "folding): identity-code shape, date, individual number and check character; business-id shape "
    "and check digit; a 17-character VIN using only 0-9 and A-Z without I, O, Q. One finding per "
    "subjects row (every row, duplicates too) and per vehicle.",
    why="Wrong identifiers link records to the wrong person and make the register inaccurate.",
    legal_basis="GDPR Art. 5(1)(d); notice §5",
    example="personal_id '131052-308t' (lower-case check character) or business_id '0984410-4'.",
    fix="Correct the identifier from a reliable source, or remove it.",
)
def dat003(ctx: Context) -> pl.LazyFrame:
    checks = []
    for column, valid in (
        ("personal_id", hetu_valid(pl.col("personal_id"), ctx.as_of)),
        ("business_id", ytunnus_valid(pl.col("business_id"))),
    ):
        if ctx.has_column("subjects", column):
            checks.append(pl.when(valid.not_()).then(pl.lit(column)))
        else:
            ctx.partial.append(f"subjects.{column} absent")
    parts = []
    if checks:
        failed = pl.concat_list(checks).list.drop_nulls()
        subjects = (
            ctx.table("subjects")
            .with_columns(failed=failed)
            .filter(pl.col("failed").list.len() > 0)
        )
        parts.append(
            findings(
                subjects,
                table="subjects",
                record_id="subject_id",
                message=pl.format(
                    "Subject {} has an invalid {}.",
                    "subject_id",
                    pl.col("failed").list.join(" and "),
                ),
                evidence=evidence(failed=pl.col("failed")),
            )
        )
    if ctx.has("vehicles"):
        if ctx.has_column("vehicles", "vin"):
            vehicles = ctx.table("vehicles").filter(
                vin_valid(pl.col("vin")).not_().fill_null(False)
            )
            parts.append(
                findings(
                    vehicles,
                    table="vehicles",
                    record_id="vehicle_id",
                    message=pl.format("Vehicle {} has an invalid VIN.", "vehicle_id"),
                    evidence=evidence(failed=pl.lit(["vin"], pl.List(pl.String))),
                )
            )
        else:
            ctx.partial.append("vehicles.vin absent")
    if not parts:
        reasons, ctx.partial = ctx.partial, []
        raise Skipped("; ".join(reasons))
    return pl.concat(parts, how="vertical")


@rule(
    "DAT004",
    "unknown-subject-reference",
    "Row referring to a subject the register does not have",
    severity="medium",
    tables=("subjects",),
    optional_tables=REFERRING_TABLES,
    what="A row of any table whose subject_id is not in subjects (a null subject_id is no "
    "reference; keys are compared exactly as written). One finding per referring row.",
    why="Orphan rows are personal data nobody can answer for: they escape erasure, access requests "
    "and retention.",
    legal_basis="GDPR Art. 5(1)(d)-(e), Art. 5(2)",
    example="Messages to subject 'S000123 ' (with a trailing space) when the subject is 'S000123'.",
    fix="Link the row to the right subject, or delete it.",
)
def dat004(ctx: Context) -> pl.LazyFrame:
    parts = []
    for table in REFERRING_TABLES:
        if not ctx.has(table):
            continue
        key = TABLES[table].key
        rows = subject_links(ctx, table).filter(
            pl.col("subject_id").is_not_null() & ~pl.col("subject_known")
        )
        parts.append(
            findings(
                rows,
                table=table,
                record_id=key,
                message=pl.format(
                    "{} row {} refers to subject {}, which is not in subjects.",
                    pl.lit(table.capitalize()),
                    key,
                    "subject_id",
                ),
                evidence=evidence(subject_id=pl.col("subject_id")),
            )
        )
    if not parts:
        return pl.LazyFrame(schema=_empty_schema())
    return pl.concat(parts, how="vertical")


def subject_links(ctx: Context, table: str) -> pl.LazyFrame:
    """The rows of a referring table that DAT004 or DAT007 may report, found by one join of the
    table to its subjects that both rules share: rows whose subject_id is not in subjects
    (`subject_known` false; a null subject_id is never known), and rows whose event may lie more
    than a day before their subject's created_at (`_maybe_before`: DAT007 makes the exact test).

    Columns: _row, the key, subject_id, the event columns, subject_known, subject_created_at (the
    first subjects row's created_at).

    NOTE: one join per table instead of one per rule: at 10M messages each join takes ~0.9 s.
    """

    def plan() -> pl.LazyFrame:
        columns = [ROW, TABLES[table].key, "subject_id", *EVENT_COLUMNS[table]]
        facts = ctx.subjects.select(
            "subject_id", subject_created_at="created_at", subject_known=pl.lit(True)
        )
        unknown = pl.col("subject_id").is_not_null() & ~pl.col("subject_known")
        return (
            ctx.table(table)
            .select(columns)
            .join(facts, on="subject_id", how="left")
            .with_columns(pl.col("subject_known").fill_null(False))
            .filter(unknown | _maybe_before(table, AFTER_SUBJECT_COLUMNS[table]).fill_null(False))
        )

    return ctx.shared(f"subject_links/{table}", plan)


def duplicate_person_groups(ctx: Context) -> dict[str, pl.DataFrame]:
    """DAT005's groups: persons (first row, not erased) linked transitively by one personal_id
    (trimmed) or e-mail (trimmed, lower-cased). Connected components over a small edge list."""
    persons = ctx.subjects.filter(pl.col("subject_type") == "person")
    if ctx.can_tell_erased:
        persons = persons.filter(pl.col("erased_at").is_null())
    links = pl.concat(
        [
            persons.select(
                "subject_id", link=pl.lit("personal_id:") + pl.col("personal_id").str.strip_chars()
            ),
            persons.select(
                "subject_id",
                link=pl.lit("email:") + pl.col("email").str.strip_chars().str.to_lowercase(),
            ),
        ]
    ).filter(pl.col("link").is_not_null() & (pl.col("link").str.len_chars() > 0))
    shared = links.filter(pl.col("subject_id").n_unique().over("link") > 1).unique().collect()
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for _, members in shared.group_by("link", maintain_order=True):
        ids = members["subject_id"].to_list()
        for other in ids[1:]:
            a, b = find(ids[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    # Each linked subject with its group's root; the groups of two or more, with the kinds of
    # link (personal_id, email) their members share.
    roots = pl.DataFrame(
        {"subject_id": list(parent), "root": [find(node) for node in parent]},
        schema={"subject_id": pl.String, "root": pl.String},
    )
    kinds = (
        shared.join(roots, on="subject_id")
        .group_by("root")
        .agg(links=pl.col("link").str.split(":").list.first().unique().sort())
    )
    frame = (
        roots.group_by("root")
        .agg(members=pl.col("subject_id").sort())
        .filter(pl.col("members").list.len() > 1)
        .join(kinds, on="root")
        .select(subject_id=pl.col("members").list.first(), members="members", links="links")
        .sort("subject_id")
    )
    return {"dat005_groups": frame}


@rule(
    "DAT005",
    "duplicate-person",
    "Possible duplicate records of one person",
    severity="medium",
    tables=("subjects",),
    what="Persons (not erased) linked by one personal_id (trimmed) or one e-mail (trimmed, "
    "lower-cased) across several subject_ids, grouped transitively. One finding per group, named "
    "by its lowest subject_id.",
    why="A person split over several records escapes objections, erasure and access requests: an "
    "objection on one record does not stop marketing to the other.",
    legal_basis="GDPR Art. 5(1)(d), Art. 21(3)",
    example="S100 and S245 share the e-mail 'matti@example.fi'; S100 objected, S245 is still "
    "marketed to.",
    fix="Merge the records, carrying every consent, objection and request over.",
    prepare=duplicate_person_groups,
)
def dat005(ctx: Context) -> pl.LazyFrame:
    ctx.note_erased_unknown()
    groups = ctx.eager["dat005_groups"].lazy()
    rows = groups.join(ctx.subjects.select("subject_id", ROW), on="subject_id", how="left")
    return findings(
        rows,
        table="subjects",
        record_id="subject_id",
        message=pl.format(
            "Subjects {} look like one person (shared {}).",
            pl.col("members").list.join(", "),
            pl.col("links").list.join(" and "),
        ),
        evidence=evidence(members=pl.col("members"), shared=pl.col("links")),
    )


@rule(
    "DAT006",
    "duplicate-key",
    "Primary key used twice in one table",
    severity="medium",
    tables=(),
    what="A key (subject_id, vehicle_id, contract_id, event_id, message_id, disclosure_id, "
    "request_id, note_id) that appears more than once in its table, compared exactly. One finding "
    "per duplicated key and table.",
    why="Duplicate keys make every later lookup ambiguous: the wrong row may be erased or kept.",
    legal_basis="GDPR Art. 5(1)(d)",
    example="Two subjects rows S000044 with different names.",
    fix="Give each record its own key, merging true duplicates.",
)
def dat006(ctx: Context) -> pl.LazyFrame:
    parts = []
    for table, spec in TABLES.items():
        if not ctx.has(table):
            continue
        key = spec.key
        # NOTE: candidates first: the keys whose 64-bit hash repeats (a sort of the hashes), then
        # only their rows are grouped exactly by the key (a hash collision is a candidate that
        # the count > 1 test drops). A group_by with list aggregates over every key took 10 s
        # at 10M messages, is_duplicated() on the strings 4 s; this takes under 1 s.
        frame = ctx.table(table).select(
            *dict.fromkeys([key, ROW, "subject_id"]), _hash=pl.col(key).hash()
        )
        hashes = pl.col("_hash")
        repeated = (
            frame.select("_hash")
            .sort("_hash")
            .filter((hashes == hashes.shift(1)) | (hashes == hashes.shift(-1)))
            .unique()
        )
        rows = (
            frame.join(repeated, on="_hash", how="semi")
            .group_by(key)
            .agg(
                count=pl.len(),
                rows=pl.col(ROW).sort(),
                first_row=pl.col(ROW).min(),
                first_subject=pl.col("subject_id").sort_by(ROW).first(),
            )
            .filter(pl.col("count") > 1)
        )
        parts.append(
            findings(
                rows,
                table=table,
                record_id=key,
                subject_id="first_subject",
                source_row="first_row",
                message=pl.format(
                    "Key {} appears {} times in {} (rows {}).",
                    key,
                    "count",
                    pl.lit(table),
                    pl.col("rows").cast(pl.List(pl.String)).list.join(", "),
                ),
                evidence=evidence(count=pl.col("count"), source_rows=pl.col("rows")),
            )
        )
    return pl.concat(parts, how="vertical")


@rule(
    "DAT007",
    "impossible-date",
    "Date that cannot be right",
    severity="low",
    tables=(),
    optional_tables=("subjects",),
    what="A recorded event whose local date is after A (planned dates such as contracts.ends_at "
    "excepted), or an event (vehicle linked, contract signed, consent recorded, message sent, "
    "disclosure, request received, note) whose local date is more than one day before its "
    "subject's created_at (a duplicated subject's first row; a row of an unknown subject gets only "
    "the after-A test). One finding per row, listing the columns; occurred_at is the local date of "
    "the earliest offending value.",
    why="Impossible dates break every deadline computed from them: retention, consent state and "
    "request deadlines.",
    legal_basis="GDPR Art. 5(1)(d)",
    example="A consent recorded on 2031-01-01, or a contract signed ten years before the customer "
    "was created.",
    fix="Correct the date from the source system; check the export's date format.",
)
def dat007(ctx: Context) -> pl.LazyFrame:
    parts = []
    for table, columns in EVENT_COLUMNS.items():
        if not ctx.has(table):
            continue
        spec = TABLES[table]
        columns_read = list(dict.fromkeys([ROW, spec.key, "subject_id", *columns]))
        frame = ctx.table(table).select(columns_read)
        local = partial(_local_date, ctx, table)
        # Per check: whether it fails, the local date that fails it, its code and its sentence.
        checks = [
            (
                local(c) > ctx.A,
                local(c),
                f"{c} after as-of",
                pl.format("{} {} is after the as-of date {}", pl.lit(c), local(c), ctx.A),
            )
            for c in columns
        ]
        facts = {c: local(c) for c in columns}
        if table in AFTER_SUBJECT_COLUMNS:
            column = AFTER_SUBJECT_COLUMNS[table]
            # NOTE: a left join: an unknown subject has no created_at, so this test is null (not
            # failed) and only the after-A test judges its rows. The rows dated after A are
            # joined here (few); those that may precede their subject come from subject_links.
            after = ctx.with_subject(
                frame.filter(pl.any_horizontal([_after(ctx, table, c) for c in columns])),
                "created_at",
            )
            before = subject_links(ctx, table).filter(pl.col("subject_known"))
            frame = pl.concat(
                [f.select(*columns_read, "subject_created_at") for f in (after, before)],
                how="vertical",
            ).unique(ROW, keep="first")
            created = pl.col("subject_created_at")
            checks.append(
                (
                    local(column) < created.dt.offset_by("-1d"),
                    local(column),
                    f"{column} before subject created",
                    pl.format(
                        "{} {} is more than a day before the subject was created ({})",
                        pl.lit(column),
                        local(column),
                        created,
                    ),
                )
            )
            facts["subject_created_at"] = created
        # NOTE: a cheap superset of the offending rows first, on the stored instants (no time
        # zone conversion per row), then the exact local-date tests on the few rows left. A
        # local date after A is exactly an instant after the last instant of A; a local date more
        # than a day before the subject's creation is always an instant before that day's UTC
        # midnight (offsets are within ±14 h). At 10M messages: 4.1 s → 0.9 s.
        candidates = [_after(ctx, table, c) for c in columns]
        if table in AFTER_SUBJECT_COLUMNS:
            candidates.append(_maybe_before(table, AFTER_SUBJECT_COLUMNS[table]))
        frame = (
            frame.filter(pl.any_horizontal(candidates))
            .with_columns(
                problems=pl.concat_list(
                    [pl.when(f).then(pl.lit(code)) for f, _, code, _ in checks]
                ).list.drop_nulls(),
                sentences=pl.concat_list(
                    [pl.when(f).then(text) for f, _, _, text in checks]
                ).list.drop_nulls(),
                first_bad=pl.min_horizontal([pl.when(f).then(value) for f, value, _, _ in checks]),
            )
            .filter(pl.col("problems").list.len() > 0)
        )
        parts.append(
            findings(
                frame,
                table=table,
                record_id=spec.key,
                subject_id="subject_id",
                occurred_at=pl.col("first_bad"),
                message=pl.format(
                    "{} row {} has an impossible date: {}.",
                    pl.lit(table.capitalize()),
                    spec.key,
                    pl.col("sentences").list.join("; "),
                ),
                evidence=evidence(problems=pl.col("problems"), as_of=ctx.A, **facts),
            )
        )
    return pl.concat(parts, how="vertical")


def _after(ctx: Context, table: str, column: str) -> pl.Expr:
    """Whether a value's local date is after A: a Date after A, an instant after the last instant
    of A (exactly `local date > A`, without converting every value's time zone)."""
    if TABLES[table].column(column).kind == DATE:
        return pl.col(column) > ctx.A
    return pl.col(column) > ctx.at_as_of


def _maybe_before(table: str, column: str) -> pl.Expr:
    """True for every value whose local date is more than a day before subject_created_at (and
    for some that are not: the exact test follows)."""
    created = pl.col("subject_created_at")
    if TABLES[table].column(column).kind == DATE:
        return pl.col(column) < created.dt.offset_by("-1d")
    return pl.col(column) < created.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _local_date(ctx: Context, table: str, column: str) -> pl.Expr:
    """A Date column as it is; a Datetime column's local date."""
    expr = pl.col(column)
    return expr if TABLES[table].column(column).kind == DATE else ctx.local_date(expr)


def future_values(ctx: Context) -> int:
    """How many recorded event values lie after A (the run warns about them)."""
    total = 0
    plans = []
    for table, columns in EVENT_COLUMNS.items():
        if not ctx.has(table):
            continue
        # NOTE: _after is exact (an instant after the last instant of A), without a time zone
        # conversion per value.
        exprs = [_after(ctx, table, c).sum().alias(c) for c in columns]
        plans.append(ctx.table(table).select(pl.sum_horizontal(exprs).alias("n")))
    for frame in pl.collect_all(plans):
        total += int(frame["n"][0] or 0)
    return total
