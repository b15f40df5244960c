"""run_audit: the register, the policy and the as-of date in; one AuditResult out.

Every selected rule builds a lazy plan; all plans are collected together once (`pl.collect_all`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from auditkit import __version__
from auditkit.errors import RuleError
from auditkit.findings import (
    AREA,
    FINDINGS_SCHEMA,
    SEVERITY,
    empty_findings,
    finding_ids,
    sort_findings,
)
from auditkit.policy import Policy
from auditkit.progress import ProgressCallback, report
from auditkit.register.loader import Register
from auditkit.rules import RULES, Rule, select_rules
from auditkit.rules.calendar import HOLIDAYS_VERSION
from auditkit.rules.context import Context, SharedFact, Skipped
from auditkit.rules.geography import ADEQUACY_VERSION


@dataclass
class RuleStatus:
    """How one rule went: run (maybe partial), or skipped with its reason."""

    code: str
    status: str  # "run" | "partial" | "skipped"
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float | None = None
    findings: int = 0
    # With profile=True: the optimised query plan the rule ran (Polars' explain()).
    plan: str | None = None


@dataclass
class AuditResult:
    """The findings frame plus everything needed to reproduce and explain it."""

    findings: pl.DataFrame
    as_of: date
    statuses: dict[str, RuleStatus]
    run: dict[str, Any]
    deletion_calendar: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    # The derived facts several rules share, computed once (their time is no rule's own).
    shared_facts: dict[str, SharedFact] = field(default_factory=dict)

    @property
    def rules_run(self) -> list[str]:
        return [c for c, s in self.statuses.items() if s.status != "skipped"]

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Rules skipped whole, and rules that ran only in part (`partial: true`)."""
        out: list[dict[str, Any]] = []
        for code, status in self.statuses.items():
            if status.status == "skipped":
                out.append({"rule": code, "reason": status.reason})
            elif status.status == "partial":
                out.append({"rule": code, "reason": status.reason, "partial": True})
        return out

    def counts(self) -> pl.DataFrame:
        """Findings by area × severity."""
        return self.findings.group_by("area", "severity").len().sort("area", "severity")

    def by_rule(self) -> pl.DataFrame:
        return self.findings.group_by("rule", "severity").len().sort("rule")

    def by_subject(self) -> pl.DataFrame:
        return (
            self.findings.filter(pl.col("subject_id").is_not_null())
            .group_by("subject_id")
            .agg(findings=pl.len(), rules=pl.col("rule").unique().sort())
            .sort("findings", "subject_id", descending=[True, False])
        )

    def to_dict(self, *, timings: bool = False) -> dict[str, Any]:
        run = dict(self.run)
        run["rules"] = {
            code: {
                k: v
                for k, v in {
                    "status": s.status,
                    "reason": s.reason,
                    "notes": s.notes or None,
                    "findings": s.findings,
                    "seconds": round(s.seconds, 4) if timings and s.seconds is not None else None,
                }.items()
                if v is not None
            }
            for code, s in self.statuses.items()
        }
        run["warnings"] = self.warnings
        if timings:
            run["shared_facts"] = {
                key: {"seconds": round(fact.seconds, 4), "rows": fact.rows}
                for key, fact in self.shared_facts.items()
            }
        return {
            "run": run,
            "findings": _records(self.findings),
            "skipped": self.skipped,
            "deletion_calendar": _records(self.deletion_calendar),
        }

    def to_json(self, *, timings: bool = False) -> str:
        return (
            json.dumps(self.to_dict(timings=timings), ensure_ascii=False, indent=2, sort_keys=False)
            + "\n"
        )

    def write_json(self, path: str | Path, *, timings: bool = False) -> None:
        Path(path).write_text(self.to_json(timings=timings), encoding="utf-8")

    def write_parquet(self, path: str | Path) -> None:
        self.findings.write_parquet(path, metadata={"auditkit": json.dumps(self.run, default=str)})


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for row in frame.iter_rows(named=True):
        record = {}
        for key, value in row.items():
            if isinstance(value, date):
                value = value.isoformat()
            if key == "evidence" and isinstance(value, str):
                value = json.loads(value)
            record[key] = value
        rows.append(record)
    return rows


def run_audit(
    register: Register,
    policy: Policy,
    as_of: date,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    profile: bool = False,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
) -> AuditResult:
    """Run the selected rules (default: all) and return the findings with the run record.

    `engine` is Polars' ("auto", "in-memory", "streaming"); `progress` is told of each rule
    planned, the collect, and the result assembled (auditkit.progress).
    """
    ctx = Context(register, policy, as_of)
    ctx.profile = profile
    statuses, frames = _run_rules(
        select_rules(select, ignore), ctx, profile=profile, engine=engine, progress=progress
    )
    report(progress, "collect", len(frames), len(frames), "assembling the findings")
    findings = _assemble(frames, policy)
    for code, status in statuses.items():
        status.findings = int((findings["rule"] == code).sum()) if findings.height else 0

    from auditkit.deletion_calendar import deletion_calendar

    calendar = deletion_calendar(ctx)
    warnings = _warnings(register, ctx)
    run = {
        "as_of": as_of.isoformat(),
        "auditkit_version": __version__,
        "register": policy.register_info.name,
        "controller": policy.register_info.controller,
        "timezone": policy.timezone,
        "policy": {"path": policy.path, "sha256": policy.sha256},
        "mapping": {"path": register.mapping_path, "sha256": register.mapping_sha256},
        "inputs": [
            {
                "path": s.path,
                "table": s.table,
                "format": s.format,
                "size": s.size,
                "sha256": s.sha256,
                "rows": s.rows,
            }
            for s in register.sources
        ],
        "rule_data": {"adequacy": ADEQUACY_VERSION, "holidays": HOLIDAYS_VERSION},
        "rules_run": [c for c, s in statuses.items() if s.status != "skipped"],
        "clock_changes": register.clock_changes,
    }
    return AuditResult(findings, as_of, statuses, run, calendar, warnings, ctx.shared_facts)


def _run_rules(
    rules: list[Rule],
    ctx: Context,
    *,
    profile: bool,
    engine: str,
    progress: ProgressCallback | None,
) -> tuple[dict[str, RuleStatus], list[pl.DataFrame]]:
    """Plan every rule, then collect them: first the rules that use no shared derived fact, then,
    with the shared facts computed once (Context.shared), the others.

    NOTE: in this order the large shared frames (consent intervals, holds per subject, the
    not-granted marketing messages) are not held in memory while the heaviest scans of the other
    rules run; the peak is the larger of the two phases (XL, 10M subjects and 100M messages:
    8.2 GiB, benchmarks/RESULTS.md).
    """
    statuses: dict[str, RuleStatus] = {}
    plans: dict[str, pl.LazyFrame] = {}
    later: list[Rule] = []
    for done, rule_ in enumerate(rules):
        report(progress, "rules", done, len(rules), rule_.code)
        ctx.shared_used = set()
        status, plan = _plan(rule_, ctx)
        statuses[rule_.code] = status
        if ctx.shared_used:
            later.append(rule_)
        elif plan is not None:
            plans[rule_.code] = plan
    report(progress, "rules", len(rules), len(rules))
    frames = _collect(plans, statuses, profile, engine, progress)
    plans.clear()
    ctx.share_engine = engine
    for rule_ in later:
        status, plan = _plan(rule_, ctx)
        statuses[rule_.code] = status
        if plan is not None:
            plans[rule_.code] = plan
    frames += _collect(plans, statuses, profile, engine, progress)
    return statuses, frames


def plan_rules(
    register: Register,
    policy: Policy,
    as_of: date,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
) -> tuple[Context, dict[str, RuleStatus], dict[str, pl.LazyFrame]]:
    """Each selected rule's status and lazy plan (the rules run is `pl.collect_all` of them)."""
    rules = select_rules(select, ignore)
    ctx = Context(register, policy, as_of)
    # NOTE: derived facts many rules join (the consent intervals) are computed once, while
    # planning, and shared: one pass instead of one per rule.
    ctx.share_engine = engine
    statuses: dict[str, RuleStatus] = {}
    plans: dict[str, pl.LazyFrame] = {}
    for done, rule_ in enumerate(rules):
        report(progress, "rules", done, len(rules), rule_.code)
        status, plan = _plan(rule_, ctx)
        statuses[rule_.code] = status
        if plan is not None:
            plans[rule_.code] = plan
    report(progress, "rules", len(rules), len(rules))
    return ctx, statuses, plans


def _plan(rule_: Rule, ctx: Context) -> tuple[RuleStatus, pl.LazyFrame | None]:
    missing = [t for t in rule_.tables if not ctx.has(t)]
    if missing:
        return RuleStatus(rule_.code, "skipped", f"{missing[0]} absent"), None
    absent = [f"{t}.{c}" for t, c in rule_.columns if not ctx.has_column(t, c)]
    if absent:
        return RuleStatus(rule_.code, "skipped", f"{absent[0]} absent"), None
    ctx.partial, ctx.notes = [], []
    started = time.perf_counter()
    try:
        if rule_.prepare is not None:
            ctx.eager.update(rule_.prepare(ctx))
        plan = rule_.func(ctx)
    except Skipped as skip:
        return RuleStatus(rule_.code, "skipped", skip.reason, list(ctx.notes)), None
    except Exception as exc:  # a rule that raises is never a silent pass
        raise RuleError(f"rule {rule_.code} failed while planning: {exc}") from exc
    status = RuleStatus(
        rule_.code,
        "partial" if ctx.partial else "run",
        "; ".join(ctx.partial) or None,
        list(ctx.notes),
        time.perf_counter() - started,
    )
    return status, plan.with_columns(rule=pl.lit(rule_.code))


def _collect(
    plans: dict[str, pl.LazyFrame],
    statuses: dict[str, RuleStatus],
    profile: bool,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
) -> list[pl.DataFrame]:
    """Collect each rule's plan, timing it; a rule that raises is named (never a silent pass).

    NOTE: one plan after another, not `pl.collect_all`: with Polars 2.1 the joint collect
    (common-subplan elimination over 31 plans) took about twice the wall time and memory
    (benchmarks/RESULTS.md); the shared derived facts are computed once while planning instead.
    """
    frames = []
    for done, code in enumerate(plans):
        report(progress, "collect", done, len(plans), code)
        started = time.perf_counter()
        try:
            frames.append(plans[code].collect(engine=engine))  # type: ignore[arg-type]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # NOTE: Polars panics are BaseException
            raise RuleError(f"rule {code} failed: {str(exc).splitlines()[0]}") from exc
        if profile:
            statuses[code].seconds = time.perf_counter() - started
            statuses[code].plan = plans[code].explain(engine=engine)  # type: ignore[arg-type]
    return frames


def _assemble(frames: list[pl.DataFrame], policy: Policy) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return empty_findings()
    combined = pl.concat(frames, how="vertical_relaxed")
    overrides = policy.check.severity
    defaults = {code: r.severity for code, r in RULES.items()}
    combined = combined.with_columns(
        area=pl.col("rule").replace_strict({c: r.area for c, r in RULES.items()}).cast(AREA),
        severity=pl.when(pl.col("rule").is_in(list(overrides)))
        .then(pl.col("rule").replace_strict(overrides, default=None))
        .otherwise(pl.coalesce(pl.col("severity"), pl.col("rule").replace_strict(defaults)))
        .cast(SEVERITY),
    )
    # Stable ids; repeats of one id get #2, #3... in file order.
    combined = combined.sort("rule", "table", "record_id", "source_row", nulls_last=True)
    combined = combined.with_columns(
        finding_id=pl.Series(
            finding_ids(
                combined["rule"].to_list(),
                combined["table"].to_list(),
                combined["record_id"].to_list(),
            ),
            dtype=pl.String,
        )
    )
    return sort_findings(combined.select(FINDINGS_SCHEMA.names()).cast(dict(FINDINGS_SCHEMA)))


def _warnings(register: Register, ctx: Context) -> list[str]:
    warnings = []
    if register.clock_changes.get("ambiguous") or register.clock_changes.get("nonexistent"):
        warnings.append(
            f"{register.clock_changes['ambiguous']} ambiguous and "
            f"{register.clock_changes['nonexistent']} non-existent local times (clock changes)"
        )
    from auditkit.rules.data import future_values

    count = future_values(ctx)
    if count:
        warnings.append(
            f"{count} value(s) are dated after the as-of date {ctx.as_of}: an audit as of a day "
            "before the export is not a reconstruction of the past"
        )
    return warnings
