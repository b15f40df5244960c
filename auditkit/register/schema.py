"""The canonical register model (REGISTER_MODEL.md), declared once as data.

Every table lists its columns with their kind, whether they are required, their default and the data
category they hold (for DAT001). Loading, the rules and `auditkit init` all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

SUBJECT_TYPES = ("person", "organisation")
CONTRACT_KINDS = (
    "sale",
    "purchase",
    "financing",
    "leasing",
    "service",
    "warranty",
    "offer",
    "test_drive",
)
ACCOUNTING_KINDS = ("sale", "purchase", "financing", "leasing", "service")
CONSENT_PURPOSES = (
    "email_marketing",
    "sms_marketing",
    "automated_call_marketing",
    "phone_marketing",
    "post_marketing",
    "profiling",
    "market_research",
    "third_party_disclosure",
)
MARKETING_PURPOSES = CONSENT_PURPOSES[:5]
CONSENT_ACTIONS = ("grant", "withdraw", "object")
CHANNELS = ("email", "sms", "phone", "post", "automated_call")
MESSAGE_CATEGORIES = ("marketing", "research", "service", "safety", "transactional")
SAFEGUARDS = ("none", "adequacy", "dpf", "scc", "bcr", "derogation")
REQUEST_KINDS = (
    "access",
    "rectification",
    "erasure",
    "objection",
    "restriction",
    "portability",
    "encryption",
)
OUTCOMES = ("fulfilled", "partially_fulfilled", "refused")

# The kinds a column can have; each maps to one Polars type.
STRING, ENUM, DATE, DATETIME, BOOLEAN, INT, FLOAT, LIST = (
    "string",
    "enum",
    "date",
    "datetime",
    "boolean",
    "int",
    "float",
    "list",
)
UTC_DATETIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()
    category: str | None = None
    # NOTE: nullable only matters for required columns: a null there is a load error unless True.
    nullable: bool = False
    # A column compared after trimming (policy-matched values, enums); keys are never trimmed.
    trimmed: bool = False

    @property
    def dtype(self) -> pl.DataType:
        return {
            STRING: pl.String(),
            ENUM: pl.Enum(list(self.values)),
            DATE: pl.Date(),
            DATETIME: UTC_DATETIME,
            BOOLEAN: pl.Boolean(),
            INT: pl.Int64(),
            FLOAT: pl.Float64(),
            LIST: pl.List(pl.String()),
        }[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    # The data category of every column not named otherwise (None: the controller's own records).
    category: str | None = None

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})


def _key(name: str) -> Column:
    return Column(name, STRING, required=True)


SUBJECT_REF = Column("subject_id", STRING, required=True)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "subjects",
            "subject_id",
            (
                _key("subject_id"),
                Column("subject_type", ENUM, True, SUBJECT_TYPES),
                Column("first_name", STRING, category="identity"),
                Column("last_name", STRING, category="identity"),
                Column("language", STRING, category="language"),
                Column("email", STRING, category="contact"),
                Column("phone", STRING, category="contact"),
                Column("street_address", STRING, category="contact"),
                Column("postal_code", STRING, category="contact"),
                Column("city", STRING, category="contact"),
                Column("personal_id", STRING, category="personal_id"),
                Column("business_id", STRING, category="company"),
                Column("created_at", DATE, required=True),
                Column("relationship_ended_at", DATE),
                Column("last_activity_at", DATE),
                Column("protected", BOOLEAN),
                Column("erased_at", DATETIME),
            ),
        ),
        Table(
            "vehicles",
            "vehicle_id",
            (
                _key("vehicle_id"),
                SUBJECT_REF,
                Column("registration_number", STRING),
                Column("vin", STRING),
                Column("make", STRING),
                Column("model", STRING),
                Column("odometer_km", INT),
                Column("linked_at", DATE),
                Column("unlinked_at", DATE),
            ),
            category="vehicle",
        ),
        Table(
            "contracts",
            "contract_id",
            (
                _key("contract_id"),
                SUBJECT_REF,
                Column("kind", ENUM, True, CONTRACT_KINDS),
                Column("signed_at", DATE, required=True),
                Column("ends_at", DATE),
                Column("closed_at", DATE),
                Column("amount_eur", FLOAT),
                Column("accounting_record", BOOLEAN),
            ),
            category="transactions",
        ),
        Table(
            "consents",
            "event_id",
            (
                _key("event_id"),
                SUBJECT_REF,
                Column("purpose", ENUM, True, CONSENT_PURPOSES),
                Column("action", ENUM, True, CONSENT_ACTIONS),
                Column("recorded_at", DATETIME, required=True),
                Column("source", STRING),
                Column("evidence_ref", STRING),
                Column("notice_version", STRING),
            ),
            category="marketing_preferences",
        ),
        Table(
            "communications",
            "message_id",
            (
                _key("message_id"),
                SUBJECT_REF,
                Column("channel", ENUM, True, CHANNELS),
                Column("category", ENUM, True, MESSAGE_CATEGORIES),
                Column("sent_at", DATETIME, required=True),
                Column("campaign_id", STRING),
                Column("product_group", STRING, trimmed=True),
                Column("body", STRING),
            ),
            category="communications",
        ),
        Table(
            "disclosures",
            "disclosure_id",
            (
                _key("disclosure_id"),
                SUBJECT_REF,
                Column("recipient", STRING, required=True),
                Column("recipient_category", STRING, True, nullable=True, trimmed=True),
                Column("purpose", STRING, True, nullable=True, trimmed=True),
                Column("country", STRING, True, nullable=True, trimmed=True),
                Column("safeguard", ENUM, values=SAFEGUARDS),
                Column("data_categories", LIST),
                Column("disclosed_at", DATETIME, required=True),
                Column("deletion_confirmed_at", DATETIME),
            ),
        ),
        Table(
            "requests",
            "request_id",
            (
                _key("request_id"),
                SUBJECT_REF,
                Column("kind", ENUM, True, REQUEST_KINDS),
                Column("received_at", DATETIME, required=True),
                Column("extension_notified_at", DATETIME),
                Column("completed_at", DATETIME),
                Column("outcome", ENUM, values=OUTCOMES),
            ),
        ),
        Table(
            "notes",
            "note_id",
            (
                _key("note_id"),
                Column("subject_id", STRING, required=False),
                Column("created_at", DATETIME),
                Column("text", STRING, category="communications"),
            ),
        ),
    )
}

# Columns that hold no data category of their own: keys, subject references, the controller's
# records.
_NO_CATEGORY = {"subject_id", "vehicle_id", "contract_id", "event_id", "message_id", "note_id"}


def column_category(table: str, column: str) -> str | None:
    """The data category a canonical column holds (REGISTER_MODEL.md "Data categories")."""
    spec = TABLES[table]
    if column in _NO_CATEGORY:
        return None
    named = spec.column(column).category
    if named is not None or table in ("subjects", "notes"):
        return named
    return spec.category


ROW = "_row"
"""The hidden column holding each record's line in its source file (header = 1)."""
