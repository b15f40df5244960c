"""Waivers and baselines: which findings count towards the exit code (RULES.md "Waivers and
baselines").

A finding's `status` is one of:

- `new`: not waived and not in the baseline: it counts;
- `unbaselinable`: in the baseline, but its rule (CON002, DIS003, DIS005, DIS007, DAT002) can never
  be baselined: it counts like a new one;
- `baselined`: in the baseline (same `finding_id`): it does not count;
- `waived`: an unexpired waiver names it: it does not count, and carries the waiver's reason, owner
  and expiry. A waiver may waive any rule's finding, the never-baselined ones included.

Loading the waiver and baseline files is the only I/O here; `apply_ci` is a pure function of the
audit result, the waivers and the baseline.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from auditkit.audit import AuditResult
from auditkit.errors import AuditkitError
from auditkit.findings import SEVERITY_ORDER
from auditkit.rules import find_rule

NEVER_BASELINED = ("CON002", "DAT002", "DIS003", "DIS005", "DIS007")
"""Rules whose findings count whether or not an earlier run had them (RULES.md)."""

STATUSES = ("new", "unbaselinable", "baselined", "waived")
COUNTING = ("new", "unbaselinable")
STATUS = pl.Enum(list(STATUSES))
CI_COLUMNS = pl.Schema(
    {
        "status": STATUS,
        "waiver_reason": pl.String,
        "waiver_owner": pl.String,
        "waiver_expires": pl.Date,
    }
)
WAIVER_STATES = ("active", "expired", "stale")


class WaiverError(AuditkitError):
    """A waiver file that is malformed."""


class BaselineError(AuditkitError):
    """A baseline file that is not an auditkit JSON result."""


@dataclass(frozen=True)
class Waiver:
    """One `[[waiver]]` entry: a finding id, or a rule and a record id."""

    entry: int  # 1-based position in the file
    line: int | None  # the line of its `[[waiver]]` header
    reason: str
    owner: str
    expires: date
    finding_id: str | None = None
    rule: str | None = None
    record_id: str | None = None

    def target(self) -> str:
        if self.finding_id is not None:
            return f"finding {self.finding_id}"
        return f"{self.rule} {self.record_id}"


@dataclass(frozen=True)
class Waivers:
    path: str
    sha256: str
    entries: tuple[Waiver, ...]


@dataclass(frozen=True)
class Baseline:
    path: str
    sha256: str
    as_of: str | None
    finding_ids: frozenset[str]


@dataclass(frozen=True)
class WaiverState:
    """How one waiver fared: `active` (waives findings), `expired` (matched findings but expired
    before the as-of date: they count again) or `stale` (matches no finding)."""

    waiver: Waiver
    state: str
    findings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        w = self.waiver
        return {
            "entry": w.entry,
            "line": w.line,
            "finding_id": w.finding_id,
            "rule": w.rule,
            "record_id": w.record_id,
            "reason": w.reason,
            "owner": w.owner,
            "expires": w.expires.isoformat(),
            "state": self.state,
            "findings": list(self.findings),
        }


@dataclass
class CiResult:
    """An audit result seen by CI: every finding with its status, and the waivers' states.

    `findings` always has the status columns (`new` when neither waivers nor a baseline are used);
    `tracked` says whether waivers or a baseline were in use, i.e. whether the status is news.
    """

    result: AuditResult
    findings: pl.DataFrame
    waivers: Waivers | None = None
    baseline: Baseline | None = None
    waiver_states: list[WaiverState] = field(default_factory=list)
    severity_overrides: dict[str, str] = field(default_factory=dict)  # the policy's check.severity

    @property
    def tracked(self) -> bool:
        return self.waivers is not None or self.baseline is not None

    @property
    def run(self) -> dict[str, Any]:
        return self.result.run

    def with_status(self) -> AuditResult:
        """The audit result whose findings carry the status and waiver columns."""
        return replace(self.result, findings=self.findings)

    def counting(self) -> pl.DataFrame:
        """The findings that count towards the exit code (status new or unbaselinable)."""
        return self.findings.filter(pl.col("status").is_in(COUNTING))

    def failing(self, threshold: str) -> pl.DataFrame:
        """The counting findings at or above the threshold (none for `never`)."""
        return failing(self.findings, threshold)

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for value, n in self.findings["status"].cast(pl.String).value_counts().iter_rows():
            counts[value] = n
        return counts

    def problems(self) -> list[WaiverState]:
        """Expired and stale waivers, in file order."""
        return [s for s in self.waiver_states if s.state != "active"]


def failing(findings: pl.DataFrame, threshold: str) -> pl.DataFrame:
    """Findings that fail the run: counting (no status column: all) and at or above `threshold`."""
    if threshold == "never":
        return findings.clear()
    limit = SEVERITY_ORDER[: SEVERITY_ORDER.index(threshold) + 1]
    mask = pl.col("severity").cast(pl.String).is_in(limit)
    if "status" in findings.columns:
        mask &= pl.col("status").is_in(COUNTING)
    return findings.filter(mask)


# --- applying waivers and a baseline -------------------------------------------------------------


def apply_ci(
    result: AuditResult,
    *,
    waivers: Waivers | None = None,
    baseline: Baseline | None = None,
    severity_overrides: dict[str, str] | None = None,
) -> CiResult:
    """Give every finding its status; waivers are checked against the audit's as-of date.
    `severity_overrides` (the policy's `check.severity`) is only recorded, for the renderers: the
    engine has already applied it to the findings."""
    findings = result.findings
    as_of = result.as_of
    waiver_of = _waiver_matches(findings, waivers.entries if waivers else (), as_of)
    states = _waiver_states(findings, waivers.entries if waivers else (), waiver_of, as_of)

    # The first active waiver (file order) that names a finding waives it.
    chosen = (
        waiver_of.filter(pl.col("active"))
        .sort("entry")
        .group_by("finding_id", maintain_order=True)
        .first()
        .select(
            "finding_id",
            waiver_reason=pl.col("reason"),
            waiver_owner=pl.col("owner"),
            waiver_expires=pl.col("expires"),
        )
    )
    in_baseline = pl.col("finding_id").is_in(sorted(baseline.finding_ids) if baseline else [])
    never = pl.col("rule").is_in(NEVER_BASELINED)
    with_status = (
        findings.join(chosen, on="finding_id", how="left", maintain_order="left")
        .with_columns(
            status=pl.when(pl.col("waiver_reason").is_not_null())
            .then(pl.lit("waived"))
            .when(in_baseline & never)
            .then(pl.lit("unbaselinable"))
            .when(in_baseline)
            .then(pl.lit("baselined"))
            .otherwise(pl.lit("new"))
            .cast(STATUS)
        )
        .select(*findings.columns, *CI_COLUMNS.names())
        .cast(dict(CI_COLUMNS))
    )
    return CiResult(result, with_status, waivers, baseline, states, dict(severity_overrides or {}))


_MATCH_SCHEMA = pl.Schema(
    {
        "entry": pl.Int64,
        "finding_id": pl.String,
        "rule": pl.String,
        "record_id": pl.String,
        "reason": pl.String,
        "owner": pl.String,
        "expires": pl.Date,
    }
)


def _waiver_matches(
    findings: pl.DataFrame, entries: tuple[Waiver, ...], as_of: date
) -> pl.DataFrame:
    """One row per (waiver entry, finding it names): entry, finding_id, reason, owner, expires,
    active (expires on or after the as-of date)."""
    frame = pl.DataFrame(
        [
            {
                "entry": w.entry,
                "finding_id": w.finding_id,
                "rule": w.rule,
                "record_id": w.record_id,
                "reason": w.reason,
                "owner": w.owner,
                "expires": w.expires,
            }
            for w in entries
        ],
        schema=_MATCH_SCHEMA,
    )
    keys = findings.select("finding_id", "rule", "record_id")
    by_id = frame.filter(pl.col("finding_id").is_not_null()).join(
        keys.select("finding_id"), on="finding_id", how="inner"
    )
    by_record = (
        frame.filter(pl.col("finding_id").is_null())
        .drop("finding_id")
        .join(keys, on=["rule", "record_id"], how="inner")
    )
    columns = ["entry", "finding_id", "reason", "owner", "expires"]
    return pl.concat([by_id.select(columns), by_record.select(columns)]).with_columns(
        active=pl.col("expires") >= as_of
    )


def _waiver_states(
    findings: pl.DataFrame, entries: tuple[Waiver, ...], matches: pl.DataFrame, as_of: date
) -> list[WaiverState]:
    # NOTE: ids listed in the findings' order, so the report is deterministic.
    order = {fid: i for i, fid in enumerate(findings["finding_id"].to_list())}
    named: dict[int, list[str]] = {}
    for entry, finding_id in matches.select("entry", "finding_id").iter_rows():
        named.setdefault(entry, []).append(finding_id)
    states = []
    for waiver in entries:
        ids = tuple(sorted(set(named.get(waiver.entry, ())), key=order.__getitem__))
        if not ids:
            state = "stale"
        elif waiver.expires < as_of:
            state = "expired"
        else:
            state = "active"
        states.append(WaiverState(waiver, state, ids))
    return states


# --- the waiver file -----------------------------------------------------------------------------

_WAIVER_KEYS = ("finding_id", "rule", "record_id", "reason", "owner", "expires")
_WAIVER_HINT = (
    'each [[waiver]] needs finding_id = "..." (or rule = "CON004" and record_id = "..."), '
    'reason = "...", owner = "..." and expires = YYYY-MM-DD'
)
_HEADER = re.compile(r"^\s*\[\[\s*waiver\s*\]\]")


def load_waivers(path: str | Path) -> Waivers:
    """Read and validate a waiver file (POLICY.md "Waivers")."""
    raw = _read(path, WaiverError, "waiver file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WaiverError("the waiver file is not UTF-8 text", file=str(path)) from exc
    return Waivers(str(path), hashlib.sha256(raw).hexdigest(), parse_waivers(text, str(path)))


def parse_waivers(text: str, path: str = "<waivers>") -> tuple[Waiver, ...]:
    """Validate waiver TOML text; every problem names the file, the entry and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WaiverError(f"not a valid TOML file: {exc}", file=path) from exc
    unknown = sorted(set(data) - {"waiver"})
    if unknown:
        raise WaiverError(
            f"unknown top-level key {unknown[0]!r} (a waiver file holds [[waiver]] entries only)",
            file=path,
            hint=_WAIVER_HINT,
        )
    entries = data.get("waiver", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise WaiverError(
            "'waiver' must be an array of tables: write each entry under [[waiver]]",
            file=path,
            hint=_WAIVER_HINT,
        )
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if _HEADER.match(line)]
    return tuple(
        _waiver(entry, n, lines[n - 1] if len(lines) == len(entries) else None, path)
        for n, entry in enumerate(entries, start=1)
    )


def _waiver(entry: dict[str, Any], n: int, line: int | None, path: str) -> Waiver:
    where = f"[[waiver]] entry {n}" + (f" (line {line})" if line else "")

    def fail(message: str, value: Any = None, expected: str | None = None) -> WaiverError:
        return WaiverError(
            f"{where}: {message}",
            file=path,
            value=None if value is None else str(value),
            expected=expected,
            hint=_WAIVER_HINT,
        )

    for key in entry:
        if key not in _WAIVER_KEYS:
            raise fail(f"unknown key {key!r}", expected=", ".join(_WAIVER_KEYS))

    def text(key: str, required: bool) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                raise fail(f"missing required key {key!r}")
            return None
        if not isinstance(value, str):
            raise fail(f"{key!r} must be a quoted string", value, "a string")
        if not value.strip():
            raise fail(f"{key!r} is empty")
        return value.strip()

    finding_id = text("finding_id", False)
    rule_key, record_id = text("rule", False), text("record_id", False)
    if finding_id is not None and (rule_key is not None or record_id is not None):
        raise fail("give either 'finding_id' or 'rule' + 'record_id', not both")
    if finding_id is None:
        if rule_key is None and record_id is None:
            raise fail("missing required key 'finding_id' (or 'rule' + 'record_id')")
        if rule_key is None:
            raise fail("missing required key 'rule' (a waiver by 'record_id' names its rule)")
        if record_id is None:
            raise fail("missing required key 'record_id' (a waiver by 'rule' names one record)")
    code = None
    if rule_key is not None:
        found = find_rule(rule_key)
        if found is None:
            raise fail("'rule' is not a rule code or name", rule_key, "e.g. CON004")
        code = found.code
    reason, owner = text("reason", True), text("owner", True)
    assert reason is not None and owner is not None
    return Waiver(
        entry=n,
        line=line,
        reason=reason,
        owner=owner,
        expires=_expires(entry.get("expires"), fail),
        finding_id=finding_id,
        rule=code,
        record_id=record_id,
    )


def _expires(value: Any, fail: Any) -> date:
    if value is None:
        raise fail("missing required key 'expires'")
    if isinstance(value, datetime):
        raise fail("'expires' must be a date, not a date and time", value, "YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail("'expires' is not a date", value, "YYYY-MM-DD")


# --- the baseline file ---------------------------------------------------------------------------

_BASELINE_HINT = "write one with `auditkit baseline PATH --output FILE` (or `check --format json`)"


def load_baseline(path: str | Path) -> Baseline:
    """Read the finding ids of an earlier run's JSON result (`auditkit baseline` or
    `check --format json`)."""
    raw = _read(path, BaselineError, "baseline file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(
            f"not an auditkit JSON result: {exc}", file=str(path), hint=_BASELINE_HINT
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(
            'not an auditkit JSON result: no "findings" list', file=str(path), hint=_BASELINE_HINT
        )
    ids = set()
    for n, item in enumerate(data["findings"], start=1):
        finding_id = item.get("finding_id") if isinstance(item, dict) else None
        if not isinstance(finding_id, str) or not finding_id:
            raise BaselineError(
                f'finding {n} has no "finding_id"', file=str(path), hint=_BASELINE_HINT
            )
        ids.add(finding_id)
    run = data.get("run")
    as_of = run.get("as_of") if isinstance(run, dict) else None
    return Baseline(
        str(path),
        hashlib.sha256(raw).hexdigest(),
        as_of if isinstance(as_of, str) else None,
        frozenset(ids),
    )


def baseline_document(result: AuditResult) -> dict[str, Any]:
    """What `auditkit baseline` writes: the run record and, per finding, only its id, rule,
    severity and table — no record or subject ids, messages or evidence, so a baseline kept in a CI
    cache holds no personal data."""
    findings = result.findings.select(
        "finding_id", "rule", pl.col("severity").cast(pl.String), "table"
    )
    return {
        "run": result.to_dict()["run"],
        "findings": findings.to_dicts(),
        "skipped": result.skipped,
    }


def _read(path: str | Path, error: type[AuditkitError], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", file=str(path)) from exc
