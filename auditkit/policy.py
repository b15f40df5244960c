"""The policy file (POLICY.md): the privacy notice as validated, typed data.

Loaded with `tomllib` into pydantic models. Unknown keys are errors (a typo must not silently weaken
an audit), durations are ISO 8601 with years, months, weeks and days only, and the file's SHA-256 is
kept.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)
from stdnum.fi import ytunnus

from auditkit.errors import PolicyError
from auditkit.register.schema import CONTRACT_KINDS

SEVERITIES = ("critical", "high", "medium", "low")
FAIL_ON = (*SEVERITIES, "never")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration of years, months, weeks and days (`P3Y`, `P18M`, `P90D`)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text)
        if not match or text == "P":
            raise ValueError(
                f"{text!r} is not an ISO 8601 duration of years, months, weeks and days "
                "(e.g. P3Y, P18M, P2W, P90D)"
            )
        years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
        return cls(years, months, weeks, days)

    @property
    def offset(self) -> str:
        """The same duration as a Polars `dt.offset_by` string (years and months first)."""
        parts = [
            f"{n}{unit}"
            for n, unit in (
                (self.years, "y"),
                (self.months, "mo"),
                (self.weeks, "w"),
                (self.days, "d"),
            )
            if n
        ]
        return "".join(parts) or "0d"

    def __str__(self) -> str:
        text = "P" + "".join(
            f"{n}{unit}"
            for n, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.weeks, "W"),
                (self.days, "D"),
            )
            if n
        )
        return text if text != "P" else "P0D"


def _duration(value: Any) -> Duration | None:
    if value is None or isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError('expected an ISO 8601 duration string such as "P3Y"')
    value = value.strip()
    return Duration.parse(value) if value else None


def _required_duration(value: Any) -> Duration:
    duration = _duration(value)
    if duration is None:
        raise ValueError('a duration is required here (e.g. "P3Y"); an empty string means unset')
    return duration


DurationField = Annotated[Duration, BeforeValidator(_required_duration), PlainSerializer(str)]
OptionalDuration = Annotated[Duration | None, BeforeValidator(_duration), PlainSerializer(str)]
ContractKind = Literal[
    "sale", "purchase", "financing", "leasing", "service", "warranty", "offer", "test_drive"
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True
    )


class RegisterInfo(_Strict):
    name: str
    controller: str
    business_id: str | None = None
    notice_date: date | None = None
    timezone: str = "Europe/Helsinki"

    @field_validator("business_id")
    @classmethod
    def _business_id(cls, value: str | None) -> str | None:
        if value is not None and not (
            re.fullmatch(r"[0-9]{7}-[0-9]", value) and ytunnus.is_valid(value)
        ):
            raise ValueError(f"{value!r} is not a valid Finnish business ID (check digit)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Helsinki)") from exc
        return value


class DataContent(_Strict):
    categories: list[str]


class Retention(_Strict):
    after_relationship: DurationField
    inactive_after: DurationField
    marketing_extension: OptionalDuration = None
    accounting_years: int = Field(6, ge=0)
    financial_year_end: str = "12-31"
    forecast_days: int = Field(90, ge=0)
    records: dict[ContractKind, OptionalDuration] = Field(default_factory=dict)

    @field_validator("financial_year_end")
    @classmethod
    def _year_end(cls, value: str) -> str:
        try:
            month, day = (int(p) for p in value.split("-"))
            date(2023, month, day)  # a day every year has: 02-29 fails here
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a MM-DD day that every year has") from exc
        if not re.fullmatch(r"\d{2}-\d{2}", value):
            raise ValueError(f"{value!r} is not in MM-DD form")
        return value

    @property
    def year_end(self) -> tuple[int, int]:
        month, day = (int(p) for p in self.financial_year_end.split("-"))
        return month, day


class PersonalId(_Strict):
    needed_for: list[ContractKind] = Field(default_factory=lambda: ["financing", "leasing"])


class Consent(_Strict):
    soft_opt_in: bool = False
    soft_opt_in_kinds: list[ContractKind] = Field(default_factory=list)
    soft_opt_in_max_age: OptionalDuration = None
    own_product_groups: list[str] = Field(default_factory=list)
    objection_is_global: bool = True
    research_is_marketing: bool = False
    max_age: OptionalDuration = None


class Requests(_Strict):
    objection_propagation_days: int = Field(7, ge=0)


class AdequateCountry(_Strict):
    country: str
    valid_from: date
    valid_to: date | None = None
    scope: Literal["", "dpf", "commercial"] = ""
    reference: str = ""

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value


class Transfers(_Strict):
    extra_adequate: list[AdequateCountry] = Field(default_factory=list)


class Recipient(_Strict):
    category: str
    purposes: list[str]
    data_categories: list[str]
    transfer_countries: list[str] = Field(default_factory=list)
    marketing: bool = False
    delete_within: OptionalDuration = None


class Disclosures(_Strict):
    prohibited_purposes: list[str] = Field(default_factory=list)
    allowed_for_protected: list[str] = Field(default_factory=lambda: ["authority"])
    recipients: list[Recipient] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Disclosures:
        seen: dict[str, int] = {}
        for index, recipient in enumerate(self.recipients):
            if recipient.category in seen:
                raise ValueError(
                    f"recipient category {recipient.category!r} is declared twice: "
                    f"disclosures.recipients[{seen[recipient.category]}] and "
                    f"disclosures.recipients[{index}]"
                )
            seen[recipient.category] = index
            for purpose in recipient.purposes:
                if purpose in self.prohibited_purposes:
                    raise ValueError(
                        f"purpose {purpose!r} is both declared for recipient category "
                        f"{recipient.category!r} (disclosures.recipients[{index}].purposes) and "
                        "prohibited (disclosures.prohibited_purposes)"
                    )
        return self

    def recipient(self, category: str) -> Recipient | None:
        return next((r for r in self.recipients if r.category == category), None)


class Check(_Strict):
    fail_on: Literal["critical", "high", "medium", "low", "never"] = "high"
    severity: dict[str, Literal["critical", "high", "medium", "low"]] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_codes(cls, severity: dict[str, str]) -> dict[str, str]:
        # NOTE: imported here: the rules import this module. A typo (CON04) must not be ignored.
        from auditkit.rules import RULES

        for code in severity:
            if code not in RULES:
                raise ValueError(
                    f"unknown rule code {code!r} (e.g. CON004; `auditkit rules` lists them)"
                )
        return severity


class Policy(_Strict):
    # NOTE: `register` would shadow ABC's `register` on the model; the TOML key stays `register`.
    register_info: RegisterInfo = Field(alias="register")
    data_content: DataContent
    retention: Retention
    personal_id: PersonalId = PersonalId()
    consent: Consent = Consent()
    requests: Requests = Requests()
    transfers: Transfers = Transfers()
    disclosures: Disclosures = Disclosures()
    check: Check = Check()
    sha256: str = ""
    path: str | None = None

    @property
    def timezone(self) -> str:
        return self.register_info.timezone


def parse_policy(text: str, *, path: str | None = None, sha256: str = "") -> Policy:
    """Validate policy TOML text."""
    where = path or "<policy>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not a valid TOML file: {exc}", file=where) from exc
    for reserved in ("sha256", "path"):
        if reserved in data:
            raise PolicyError(f"unknown key {reserved!r}", file=where, hint=_KEYS_HINT)
    try:
        return Policy.model_validate({**data, "sha256": sha256, "path": path})
    except ValidationError as exc:
        message = _describe(exc)
        hint = _KEYS_HINT if message.startswith("unknown key") else None
        raise PolicyError(message, file=where, hint=hint) from exc


_KEYS_HINT = "check the spelling: the policy keys are listed in POLICY.md"


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; its SHA-256 is kept on the result."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read the policy file: {exc.strerror}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError("the policy file is not UTF-8 text", file=str(path)) from exc
    return parse_policy(text, path=str(path), sha256=hashlib.sha256(raw).hexdigest())


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ""
    loc = error["loc"]
    if loc and loc[-1] == "[key]":  # a dict key that is not allowed, e.g. retention.records.<kind>
        where = ".".join(str(p) for p in loc[:-1])
        parent, key = where.rsplit(".", 1)
        expected = error["msg"].removeprefix("Input should be ")
        return f"{parent}: unknown key {key!r} (expected {expected})"
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    if error["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if error["type"] == "missing":
        return f"missing required key {where!r}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


__all__ = [
    "CONTRACT_KINDS",
    "FAIL_ON",
    "SEVERITIES",
    "Duration",
    "Policy",
    "Recipient",
    "load_policy",
    "parse_policy",
]
