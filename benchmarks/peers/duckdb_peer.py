"""CON001, CON002 and RET001 in DuckDB SQL: a peer to time auditkit against, and an independent
oracle (tests/test_peers.py checks both give the same findings).

The consent state is an ASOF join of each message onto the per-(subject, purpose) event instants,
with the conventions of RULES.md: objection requests count as objections to every marketing
purpose, profiling and market research; with `objection_is_global` an objection to one marketing
purpose objects to all of them; at one instant the stricter action wins. The peer reads canonical
files (`connect_files`) or an auditkit-loaded register (`connect_register`); it does no loading
checks of its own.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from auditkit.policy import Duration, Policy
from auditkit.register.schema import (
    ACCOUNTING_KINDS,
    BOOLEAN,
    DATE,
    DATETIME,
    FLOAT,
    INT,
    LIST,
    MARKETING_PURPOSES,
    TABLES,
)

TABLE_NAMES = ("subjects", "contracts", "consents", "communications", "requests")
CHANNEL_PURPOSE = {
    "email": "email_marketing",
    "sms": "sms_marketing",
    "automated_call": "automated_call_marketing",
    "phone": "phone_marketing",
    "post": "post_marketing",
}
OBJECTION_REQUEST_PURPOSES = (*MARKETING_PURPOSES, "profiling", "market_research")
_SQL_TYPES = {
    DATE: "DATE",
    DATETIME: "TIMESTAMPTZ",
    BOOLEAN: "BOOLEAN",
    INT: "BIGINT",
    FLOAT: "DOUBLE",
    LIST: "VARCHAR",
}


def _connect(policy: Policy, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{policy.timezone}'")
    if threads:
        con.execute(f"SET threads = {threads}")
    return con


def connect_files(
    folder: Path, fmt: str, policy: Policy, *, load: bool = False, threads: int | None = None
) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """Views (or with `load`, tables) over the canonical files of a register folder."""
    con = _connect(policy, threads)
    present = set()
    for table in TABLE_NAMES:
        path = folder / f"{table}.{fmt}"
        if not path.is_file():
            continue
        present.add(table)
        if fmt == "parquet":
            source = f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row FROM read_parquet('{path}', file_row_number = true)"  # noqa: E501
        else:
            columns = {c.name: _SQL_TYPES.get(c.kind, "VARCHAR") for c in TABLES[table].columns}
            header = path.open(encoding="utf-8").readline().strip().split(",")
            types = ", ".join(f"'{c}': '{columns.get(c, 'VARCHAR')}'" for c in header)
            source = (
                "SELECT *, row_number() OVER () + 1 AS _row FROM "
                f"read_csv('{path}', header = true, columns = {{{types}}})"
            )
        kind = "TABLE" if load else "VIEW"
        con.execute(f"CREATE {kind} {table} AS {source}")
    return con, present


def connect_register(
    register: Any, policy: Policy, *, threads: int | None = None
) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """Tables from an auditkit-loaded register (its typed frames, `_row` included)."""
    con = _connect(policy, threads)
    present = set()
    for table in TABLE_NAMES:
        if not register.has(table):
            continue
        present.add(table)
        arrow = register.table(table).collect().to_arrow()
        con.register(f"{table}_arrow", arrow)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_arrow")
    return con, present


def _interval(duration: Duration) -> str:
    """A DuckDB interval adding months first, then days (as Polars' offset_by does)."""
    return (
        f"INTERVAL '{duration.years * 12 + duration.months} months "
        f"{duration.weeks * 7 + duration.days} days'"
    )


def _strings(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in values) or "NULL"


def _events_sql(policy: Policy, present: set[str]) -> str:
    """Every consent event that counts, then the strictest action per instant (`rank`)."""
    parts = []
    if "consents" in present:
        parts.append(
            "SELECT subject_id, CAST(purpose AS VARCHAR) AS purpose, CAST(action AS VARCHAR) AS "
            "action, recorded_at FROM consents"
        )
    if "requests" in present:
        purposes = ", ".join(f"('{p}')" for p in OBJECTION_REQUEST_PURPOSES)
        parts.append(
            "SELECT r.subject_id, p.purpose, 'object' AS action, r.received_at AS recorded_at "
            f"FROM requests r CROSS JOIN (VALUES {purposes}) p(purpose) "
            "WHERE CAST(r.kind AS VARCHAR) = 'objection'"
        )
    if not parts:
        parts.append(
            "SELECT NULL::VARCHAR AS subject_id, NULL::VARCHAR AS purpose, NULL::VARCHAR AS "
            "action, NULL::TIMESTAMPTZ AS recorded_at WHERE false"
        )
    events = " UNION ALL ".join(parts)
    spread = ""
    if policy.consent.objection_is_global:
        marketing = ", ".join(f"('{p}')" for p in MARKETING_PURPOSES)
        spread = (
            " UNION ALL SELECT e.subject_id, m.purpose, 'object', e.recorded_at FROM events e "
            f"CROSS JOIN (VALUES {marketing}) m(purpose) WHERE e.action = 'object' AND "
            f"e.purpose IN ({_strings(MARKETING_PURPOSES)})"
        )
    return (
        f"events AS ({events}), "
        f"spread AS (SELECT * FROM events{spread}), "
        "state AS (SELECT subject_id, purpose, recorded_at, max(CASE action WHEN 'grant' THEN 1 "
        "WHEN 'withdraw' THEN 2 ELSE 3 END) AS rank FROM spread GROUP BY ALL)"
    )


def _first_subjects(erased: bool) -> str:
    keep = "AND erased_at IS NULL" if erased else ""
    return (
        "subj AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY subject_id "
        f"ORDER BY _row) AS k FROM subjects) WHERE k = 1 {keep})"
    )


def con_findings(
    con: duckdb.DuckDBPyConnection, present: set[str], policy: Policy
) -> dict[str, list[str]]:
    """CON001 and CON002: the message ids, sorted."""
    consent = policy.consent
    categories = ["marketing", "research"] if consent.research_is_marketing else ["marketing"]
    purpose = " ".join(f"WHEN '{c}' THEN '{p}'" for c, p in CHANNEL_PURPOSE.items())
    soft = "false"
    if consent.soft_opt_in and "contracts" in present:
        limit = ""
        if consent.soft_opt_in_max_age is not None:
            limit = (
                "AND (c.closed_at IS NULL OR CAST(j.sent_at AS DATE) <= "
                f"CAST(c.closed_at + {_interval(consent.soft_opt_in_max_age)} AS DATE))"
            )
        soft = (
            f"(coalesce(j.product_group IN ({_strings(consent.own_product_groups)}), false) "
            "AND EXISTS (SELECT 1 "
            "FROM contracts c WHERE c.subject_id = j.subject_id AND CAST(c.kind AS VARCHAR) IN "
            f"({_strings(consent.soft_opt_in_kinds)}) AND c.signed_at <= CAST(j.sent_at AS DATE) "
            f"{limit}))"
        )
    sql = f"""
        WITH {_events_sql(policy, present)},
        {_first_subjects(False)},
        msg AS (
            SELECT message_id, subject_id, CAST(channel AS VARCHAR) AS channel, sent_at,
                   NULLIF(trim(product_group), '') AS product_group,
                   CASE CAST(channel AS VARCHAR) {purpose} END AS purpose
            FROM communications WHERE CAST(category AS VARCHAR) IN ({_strings(categories)})
        ),
        judged AS (
            SELECT m.*, s.rank FROM msg m ASOF LEFT JOIN state s
            ON m.subject_id = s.subject_id AND m.purpose = s.purpose
            AND m.sent_at >= s.recorded_at
        )
        SELECT 'CON002' AS rule, message_id FROM judged WHERE rank >= 2
        UNION ALL
        SELECT 'CON001', j.message_id FROM judged j JOIN subj ON j.subject_id = subj.subject_id
        WHERE j.rank IS NULL AND j.channel IN ('email', 'sms', 'automated_call')
          AND CAST(subj.subject_type AS VARCHAR) = 'person' AND NOT {soft}
    """
    return _by_rule(con.execute(sql).fetchall(), ("CON001", "CON002"))


def ret001_findings(
    con: duckdb.DuckDBPyConnection, present: set[str], policy: Policy, as_of: date
) -> dict[str, list[str]]:
    """RET001: the subject ids, sorted."""
    retention = policy.retention
    zone = ZoneInfo(policy.timezone)
    at_as_of = datetime.combine(as_of + timedelta(days=1), time(), zone) - timedelta(microseconds=1)
    columns = {r[0] for r in con.execute("DESCRIBE subjects").fetchall()}
    erased = "erased_at" in columns
    month, day = retention.year_end
    holds = ["SELECT NULL::VARCHAR AS subject_id, NULL::DATE AS until, false AS open WHERE false"]
    if "contracts" in present:
        accounting = (
            f"coalesce(accounting_record, CAST(kind AS VARCHAR) IN ({_strings(ACCOUNTING_KINDS)}))"
        )
        year_end = (
            f"year(closed_at) + CASE WHEN month(closed_at) < {month} OR (month(closed_at) = "
            f"{month} AND day(closed_at) <= {day}) THEN 0 ELSE 1 END"
        )
        holds += [
            f"SELECT subject_id, CASE WHEN closed_at IS NOT NULL THEN make_date({year_end} + "
            f"{retention.accounting_years}, 12, 31) END, closed_at IS NULL FROM contracts "
            f"WHERE {accounting}",
            "SELECT subject_id, closed_at, closed_at IS NULL FROM contracts WHERE "
            "CAST(kind AS VARCHAR) IN ('financing', 'leasing')",
            "SELECT subject_id, coalesce(ends_at, closed_at), coalesce(ends_at, closed_at) IS "
            "NULL FROM contracts WHERE CAST(kind AS VARCHAR) = 'warranty'",
        ]
    if "requests" in present:
        holds.append("SELECT subject_id, NULL::DATE, true FROM requests WHERE completed_at IS NULL")
    a = f"DATE '{as_of.isoformat()}'"
    inactive = (
        f"CAST(coalesce(last_activity_at, created_at) + {_interval(retention.inactive_after)} "
        "AS DATE)"
    )
    base = f"CAST(e.end_at + {_interval(retention.after_relationship)} AS DATE)"
    extended = base
    if retention.marketing_extension is not None:
        extended = (
            f"CASE WHEN coalesce(o.objected, false) THEN {base} ELSE "
            f"CAST({base} + {_interval(retention.marketing_extension)} AS DATE) END"
        )
    sql = f"""
        WITH {_events_sql(policy, present)},
        {_first_subjects(erased)},
        at_a AS (
            SELECT subject_id, purpose, arg_max(rank, recorded_at) AS rank FROM state
            WHERE recorded_at <= TIMESTAMPTZ '{at_as_of.isoformat()}' GROUP BY ALL
        ),
        objected AS (
            SELECT subject_id, bool_or(rank = 3) AS objected FROM at_a
            WHERE purpose IN ({_strings((*MARKETING_PURPOSES, "profiling"))}) GROUP BY ALL
        ),
        holds AS ({" UNION ALL ".join(holds)}),
        held AS (
            SELECT subject_id, bool_or(open) AS hold_open, max(until) AS hold_until
            FROM holds GROUP BY ALL
        ),
        ends AS (
            SELECT subject_id, CASE
                WHEN relationship_ended_at IS NOT NULL
                    THEN greatest(relationship_ended_at,
                                  coalesce(last_activity_at, relationship_ended_at))
                WHEN {inactive} < {a} THEN {inactive}
            END AS end_at
            FROM subj
        ),
        deadlines AS (
            SELECT e.subject_id, CASE WHEN e.end_at IS NOT NULL
                AND NOT coalesce(h.hold_open, false)
                THEN greatest({extended}, coalesce(h.hold_until, {extended})) END AS deadline
            FROM ends e LEFT JOIN objected o USING (subject_id) LEFT JOIN held h USING (subject_id)
        )
        SELECT 'RET001', subject_id FROM deadlines WHERE deadline < {a}
    """
    return _by_rule(con.execute(sql).fetchall(), ("RET001",))


def _by_rule(rows: list[tuple[str, str]], rules: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {rule: [] for rule in rules}
    for rule, record in rows:
        found[rule].append(record)
    return {rule: sorted(records) for rule, records in found.items()}
