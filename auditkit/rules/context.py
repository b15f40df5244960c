"""What a rule sees: the register, the policy, the as-of date, and the shared derived facts.

Every derived fact of RULES.md ("Derived facts shared by several rules") is defined here once,
lazily: consent state as intervals, objection to marketing, effective relationship end, legal holds,
local dates.
"""

from __future__ import annotations

import time as time_
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import polars as pl

from auditkit.policy import Policy
from auditkit.register.loader import Register
from auditkit.register.schema import CONSENT_PURPOSES, MARKETING_PURPOSES, ROW

CHANNEL_PURPOSE = {
    "email": "email_marketing",
    "sms": "sms_marketing",
    "automated_call": "automated_call_marketing",
    "phone": "phone_marketing",
    "post": "post_marketing",
}
OBJECTION_REQUEST_PURPOSES = (*MARKETING_PURPOSES, "profiling", "market_research")
_RANK = {"grant": 1, "withdraw": 2, "object": 3}
_PURPOSE = pl.Enum(CONSENT_PURPOSES)
_ACTION = {rank: action for action, rank in _RANK.items()}
_STRICTEST_FIRST = [False, False, False, True]  # sort order of consent events at one instant


@dataclass
class SharedFact:
    """A derived fact computed once per run: how long it took, its rows, its plan (profile)."""

    key: str
    seconds: float
    rows: int
    plan: str | None = None


class Skipped(Exception):
    """Raised by a rule that cannot run on this register; the reason is reported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Context:
    """The inputs of one audit run, with the derived facts computed once and shared."""

    def __init__(self, register: Register, policy: Policy, as_of: date) -> None:
        self.register = register
        self.policy = policy
        self.as_of = as_of
        self.timezone = policy.timezone
        # Filled while a rule builds its plan; the engine collects them per rule.
        self.partial: list[str] = []
        self.notes: list[str] = []
        # Eager facts handed in by run_audit (e.g. DAT005's duplicate groups).
        self.eager: dict[str, pl.DataFrame] = {}
        # Set by run_audit: derived facts several rules use (`shared`: the consent intervals, the
        # holds per subject) are computed once per run with this engine, not once per rule.
        self.share_engine: str | None = None
        # The keys of the shared facts asked for (run_audit reads it while planning each rule).
        self.shared_used: set[str] = set()
        # Each shared fact computed: its seconds and rows, and (with `profile`) its query plan.
        self.profile = False
        self.shared_facts: dict[str, SharedFact] = {}

    def shared(self, key: str, plan: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
        """A derived fact several rules use, by a key naming it: with sharing on (run_audit), its
        plan is computed once per run and handed to every rule as a frame; otherwise the lazy plan
        itself. (Use it for facts, never for a rule's own findings.)"""
        self.shared_used.add(key)
        if self.share_engine is None:
            return plan()
        if key not in self.eager:
            lazy = plan()  # NOTE: first, so a fact this one uses is timed on its own
            started = time_.perf_counter()
            # NOTE: one chunk per column, as the loader does (Polars 2.1 panics in pl.format over
            # filtered multi-chunk strings).
            frame = lazy.collect(engine=self.share_engine).rechunk()  # type: ignore[arg-type]
            self.eager[key] = frame
            self.shared_facts[key] = SharedFact(
                key,
                time_.perf_counter() - started,
                frame.height,
                lazy.explain(engine=self.share_engine) if self.profile else None,  # type: ignore[arg-type]
            )
        return self.eager[key].lazy()

    # ---- time -------------------------------------------------------------------------------
    @property
    def A(self) -> pl.Expr:  # noqa: N802 - RULES.md names the as-of date A
        return pl.lit(self.as_of, pl.Date)

    @cached_property
    def end_of_as_of(self) -> datetime:
        """The first instant after A (local midnight that ends A), in UTC."""
        local = datetime.combine(self.as_of + timedelta(days=1), time(), ZoneInfo(self.timezone))
        return local.astimezone(ZoneInfo("UTC"))

    @property
    def at_as_of(self) -> pl.Expr:
        """The instant "at A" (the end of that local day) for instant comparisons `<=`."""
        return pl.lit(self.end_of_as_of - timedelta(microseconds=1)).dt.convert_time_zone("UTC")

    def local_date(self, expr: pl.Expr) -> pl.Expr:
        """A Datetime's calendar date in the register's time zone."""
        return expr.dt.convert_time_zone(self.timezone).dt.date()

    # ---- tables -----------------------------------------------------------------------------
    def has(self, table: str) -> bool:
        return self.register.has(table)

    def has_column(self, table: str, column: str) -> bool:
        return self.register.has_column(table, column)

    def table(self, name: str) -> pl.LazyFrame:
        return self.register.table(name)

    def require_column(self, table: str, column: str) -> None:
        if not self.has(table):
            raise Skipped(f"{table} absent")
        if not self.has_column(table, column):
            raise Skipped(f"{table}.{column} absent")

    @cached_property
    def subjects(self) -> pl.LazyFrame:
        """One row per subject_id: a duplicated subject's facts come from its first row."""
        table = self.table("subjects")
        # NOTE: the sort and unique run only when some subject_id repeats (rare; DAT006): every
        # rule joins subject facts, and at 1M subjects each first-row pass costs ~0.15 s.
        ids = pl.col("subject_id")
        if table.select(ids.n_unique() == ids.len()).collect().item():
            return table
        return table.sort(ROW).unique("subject_id", keep="first", maintain_order=True)

    @property
    def can_tell_erased(self) -> bool:
        return self.has_column("subjects", "erased_at")

    def note_erased_unknown(self) -> None:
        if not self.can_tell_erased:
            self.notes.append("subjects.erased_at absent: no subject could be taken as erased")

    def with_subject(self, frame: pl.LazyFrame, *columns: str, how: str = "left") -> pl.LazyFrame:
        """Join subject facts (first row) onto rows by subject_id; `how="inner"` drops unknown
        subjects."""
        facts = self.subjects.select(
            "subject_id", *[pl.col(c).alias(f"subject_{c}") for c in columns]
        )
        return frame.join(facts, on="subject_id", how=how)  # type: ignore[arg-type]

    # ---- consent state ----------------------------------------------------------------------
    def consent_events(self, *, with_requests: bool = True) -> pl.LazyFrame:
        """Every consent event that counts: consents rows, objection requests, the global spread.

        Columns: subject_id, purpose (String), action (String), recorded_at, event_id (null when
        derived).
        """
        schema = {
            "subject_id": pl.String,
            "purpose": pl.String,
            "action": pl.String,
            "recorded_at": pl.Datetime("us", "UTC"),
            "event_id": pl.String,
        }
        parts = [pl.LazyFrame(schema=schema)]
        if self.has("consents"):
            parts.append(
                self.table("consents").select(
                    "subject_id",
                    pl.col("purpose").cast(pl.String),
                    pl.col("action").cast(pl.String),
                    "recorded_at",
                    "event_id",
                )
            )
        if with_requests and self.has("requests"):
            objections = (
                self.table("requests")
                .filter(pl.col("kind") == "objection")
                .select(
                    "subject_id",
                    purpose=pl.lit(list(OBJECTION_REQUEST_PURPOSES), pl.List(pl.String)),
                    action=pl.lit("object"),
                    recorded_at="received_at",
                    event_id=pl.lit(None, pl.String),
                )
                .explode("purpose")
            )
            parts.append(objections)
        events = pl.concat(parts, how="vertical")
        if self.policy.consent.objection_is_global:
            spread = (
                events.filter(
                    (pl.col("action") == "object") & pl.col("purpose").is_in(MARKETING_PURPOSES)
                )
                .select(
                    "subject_id",
                    purpose=pl.lit(list(MARKETING_PURPOSES), pl.List(pl.String)),
                    action=pl.lit("object"),
                    recorded_at="recorded_at",
                    event_id=pl.lit(None, pl.String),
                )
                .explode("purpose")
            )
            events = pl.concat([events, spread], how="vertical")
        return events

    def consent_intervals(self, *, with_requests: bool = True) -> pl.LazyFrame:
        """Consent state per (subject, purpose) as intervals [valid_from, valid_until) and a state.

        At one instant the stricter action wins: object > withdraw > grant. valid_until null = open.
        """
        return self.shared(
            f"consent_intervals/{with_requests}", lambda: self._consent_intervals(with_requests)
        )

    def _consent_intervals(self, with_requests: bool) -> pl.LazyFrame:
        rank = pl.col("action").replace_strict(_RANK, return_dtype=pl.Int8)
        # NOTE: sorted with the strictest action first at each instant, the first row of an
        # instant is its state, and the next row of the same pair starts the next interval:
        # neighbour comparisons instead of a group_by and a window (same frame, several x faster).
        subject, purpose, at = pl.col("subject_id"), pl.col("purpose"), pl.col("recorded_at")
        same_pair_before = (subject == subject.shift(1)) & (purpose == purpose.shift(1))
        same_pair_after = (subject == subject.shift(-1)) & (purpose == purpose.shift(-1))
        return (
            self.consent_events(with_requests=with_requests)
            .with_columns(rank=rank)
            .sort(["subject_id", "purpose", "recorded_at", "rank"], descending=_STRICTEST_FIRST)
            .filter(~(same_pair_before & (at == at.shift(1))).fill_null(False))
            .select(
                "subject_id",
                "purpose",
                valid_from="recorded_at",
                valid_until=pl.when(same_pair_after).then(at.shift(-1)),
                state=pl.col("rank").replace_strict(_ACTION, return_dtype=pl.String),
            )
        )

    def state_at(
        self,
        frame: pl.LazyFrame,
        *,
        purpose: pl.Expr,
        at: pl.Expr,
        name: str = "state",
        with_requests: bool = True,
    ) -> pl.LazyFrame:
        """Add the consent state (grant / withdraw / object, null = none) of `purpose` at `at`.

        `frame` must carry the unique `_row` key and `subject_id`.
        """
        # NOTE: the purposes joined by their Enum codes (integers), not as strings: at 3.2M
        # marketing messages the join took a fifth less. A purpose outside the model matches no
        # interval either way (null code).
        code = pl.col("purpose").cast(_PURPOSE, strict=False).to_physical()
        probe = frame.select(
            ROW, "subject_id", __purpose=purpose.cast(_PURPOSE, strict=False).to_physical(), __at=at
        )
        intervals = self.consent_intervals(with_requests=with_requests)
        if purpose.meta.is_literal():  # NOTE: one purpose: join only its intervals (same rows)
            intervals = intervals.filter(pl.col("purpose") == pl.select(purpose).item())
        found = (
            probe.join(
                intervals.with_columns(purpose=code),
                left_on=["subject_id", "__purpose"],
                right_on=["subject_id", "purpose"],
            )
            .filter(_covers(pl.col("__at")))
            .select(ROW, pl.col("state").alias(name))
        )
        return frame.join(found, on=ROW, how="left")

    def objected_at(
        self,
        frame: pl.LazyFrame,
        *,
        at: pl.Expr,
        name: str = "objected",
        with_requests: bool = True,
    ) -> pl.LazyFrame:
        """Add a Boolean: the subject had objected to marketing at instant `at` (some marketing
        purpose's state is `object`)."""
        objections = self.consent_intervals(with_requests=with_requests).filter(
            pl.col("purpose").is_in(MARKETING_PURPOSES) & (pl.col("state") == "object")
        )
        return self._flag_covered(frame, objections, at, name)

    def profiling_objected_at(self, frame: pl.LazyFrame, *, at: pl.Expr, name: str) -> pl.LazyFrame:
        """Add a Boolean: an `object` event is in force for `profiling` at instant `at`."""
        objections = self.consent_intervals().filter(
            (pl.col("purpose") == "profiling") & (pl.col("state") == "object")
        )
        return self._flag_covered(frame, objections, at, name)

    def _flag_covered(
        self, frame: pl.LazyFrame, intervals: pl.LazyFrame, at: pl.Expr, name: str
    ) -> pl.LazyFrame:
        hits = (
            frame.select(ROW, "subject_id", __at=at)
            .join(intervals, on="subject_id")
            .filter(_covers(pl.col("__at")))
            .select(ROW)
            .unique()
            .with_columns(pl.lit(True).alias(name))
        )
        return frame.join(hits, on=ROW, how="left").with_columns(pl.col(name).fill_null(False))

    # ---- retention facts --------------------------------------------------------------------
    def relationship_end(self) -> pl.Expr:
        """Effective relationship end (RULES.md decision list) on subjects rows; null = active."""
        ended, last = pl.col("relationship_ended_at"), pl.col("last_activity_at")
        inactive = pl.coalesce(last, pl.col("created_at")).dt.offset_by(
            self.policy.retention.inactive_after.offset
        )
        return (
            pl.when(ended.is_not_null())
            .then(pl.max_horizontal(ended, last))
            .when(inactive < self.A)
            .then(inactive)
        )

    def accounting_hold_until(self, closed: pl.Expr) -> pl.Expr:
        """31 Dec of (the year in which the financial year containing `closed` ended) + N years."""
        month, day = self.policy.retention.year_end
        same_year = (closed.dt.month() < month) | (
            (closed.dt.month() == month) & (closed.dt.day() <= day)
        )
        year_end = closed.dt.year() + pl.when(same_year).then(0).otherwise(1)
        return pl.date(year_end + self.policy.retention.accounting_years, 12, 31)

    def holds(
        self, *, kinds: tuple[str, ...] = ("accounting", "credit", "warranty", "request")
    ) -> pl.LazyFrame:
        """Every legal hold: subject_id, hold (kind), source (contract or request id), until
        (null = open).

        A hold "until D" still holds on D.
        """
        schema = {"subject_id": pl.String, "hold": pl.String, "source": pl.String, "until": pl.Date}
        parts = [pl.LazyFrame(schema=schema)]
        if self.has("contracts"):
            contracts = self.table("contracts")
            closed = pl.col("closed_at")
            if "accounting" in kinds:
                parts.append(
                    contracts.filter(pl.col("accounting_record")).select(
                        "subject_id",
                        hold=pl.lit("accounting"),
                        source="contract_id",
                        until=pl.when(closed.is_not_null()).then(
                            self.accounting_hold_until(closed)
                        ),
                    )
                )
            if "credit" in kinds:
                parts.append(
                    contracts.filter(pl.col("kind").is_in(["financing", "leasing"])).select(
                        "subject_id", hold=pl.lit("credit"), source="contract_id", until=closed
                    )
                )
            if "warranty" in kinds:
                parts.append(
                    contracts.filter(pl.col("kind") == "warranty").select(
                        "subject_id",
                        hold=pl.lit("warranty"),
                        source="contract_id",
                        until=pl.coalesce(pl.col("ends_at"), closed),
                    )
                )
        if "request" in kinds and self.has("requests"):
            parts.append(
                self.table("requests")
                .filter(pl.col("completed_at").is_null())
                .select(
                    "subject_id",
                    hold=pl.lit("open_request"),
                    source="request_id",
                    until=pl.lit(None, pl.Date),
                )
            )
        return pl.concat(parts, how="vertical")

    def subject_holds(self, **kwargs: tuple[str, ...]) -> pl.LazyFrame:
        """Per subject: whether a hold is open (`hold_open`) and the latest hold end
        (`hold_until`). (The holds themselves, for evidence: hold_list.)"""
        return self.shared(f"subject_holds/{sorted(kwargs.items())}", lambda: self._holds(kwargs))

    def _holds(self, kwargs: dict[str, tuple[str, ...]]) -> pl.LazyFrame:
        return (
            self.holds(**kwargs)
            .group_by("subject_id")
            .agg(hold_open=pl.col("until").is_null().any(), hold_until=pl.col("until").max())
        )

    def hold_list(self, frame: pl.LazyFrame, **kwargs: tuple[str, ...]) -> pl.LazyFrame:
        """Add `holds`: the subject's holds as sorted "kind source until" strings (evidence).

        NOTE: formatted for the rows of `frame` only (the findings), not for every subject.
        """
        listed = (
            self.holds(**kwargs)
            .join(frame.select("subject_id").unique(), on="subject_id", how="semi")
            .group_by("subject_id")
            .agg(
                holds=pl.format(
                    "{} {} {}", "hold", "source", pl.col("until").cast(pl.String).fill_null("open")
                ).sort()
            )
        )
        return frame.join(listed, on="subject_id", how="left")


def _covers(at: pl.Expr) -> pl.Expr:
    return (pl.col("valid_from") <= at) & (
        pl.col("valid_until").is_null() | (at < pl.col("valid_until"))
    )
