"""Audit history: one Parquet file per audit run, and the trend between consecutive runs.

`append_history(result, directory)` writes the run's findings with its summary (the run record and
counts) in the file's metadata, named `<as-of>_<run stamp>.parquet`, owner-only (0600: findings are
personal data). Appending a run identical to one already in the folder (same as-of, same inputs,
policy and findings) writes nothing and returns the existing file, so re-running a notebook does not
count a month twice. `load_history(directory)` reads every run back, oldest first (by as-of, then
stamp), and `trend(history)` compares consecutive runs by `finding_id`: per run and area, how many
findings are open, new since the previous run, resolved since it, and still open.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from auditkit.errors import UsageError
from auditkit.findings import AREA, AREAS, FINDINGS_SCHEMA, SEVERITY_ORDER

if TYPE_CHECKING:
    from auditkit.audit import AuditResult

FORMAT = 1
METADATA_KEY = "auditkit.history"
SUFFIX = ".parquet"
_STAMP = re.compile(r"[0-9A-Za-z-]+")

RUNS_SCHEMA = pl.Schema(
    {
        "run": pl.Int64,
        "as_of": pl.Date,
        "stamp": pl.String,
        "label": pl.String,
        "file": pl.String,
        "findings": pl.Int64,
        "digest": pl.String,
        "auditkit_version": pl.String,
        "policy_sha256": pl.String,
    }
)
TREND_SCHEMA = pl.Schema(
    {
        "run": pl.Int64,
        "as_of": pl.Date,
        "stamp": pl.String,
        "label": pl.String,
        "area": pl.String,
        "open": pl.Int64,
        "new": pl.Int64,
        "resolved": pl.Int64,
        "still_open": pl.Int64,
    }
)


@dataclass(frozen=True)
class History:
    """Every recorded run (`runs`, oldest first) and their findings (`findings`, with `run`)."""

    runs: pl.DataFrame
    findings: pl.DataFrame
    summaries: tuple[dict[str, Any], ...] = ()

    def __len__(self) -> int:
        return self.runs.height


def summarise(result: AuditResult) -> dict[str, Any]:
    """The run's summary as stored with its findings: the run record and the counts."""
    findings = result.findings
    return {
        "run": result.run,
        "findings": findings.height,
        "by_severity": _counts(findings, "severity", SEVERITY_ORDER),
        "by_area": _counts(findings, "area", AREAS),
        "by_rule": dict(sorted(findings.group_by("rule").len().rows())),
        "skipped": result.skipped,
        "warnings": result.warnings,
    }


def _counts(findings: pl.DataFrame, column: str, order: tuple[str, ...]) -> dict[str, int]:
    found = dict(findings.group_by(pl.col(column).cast(pl.String)).len().rows())
    return {key: int(found.get(key, 0)) for key in order}


def _digest(result: AuditResult) -> str:
    """What makes two runs the same run: as-of, inputs, policy, mapping and the findings."""
    identity = {
        "as_of": result.run.get("as_of"),
        "inputs": sorted(i.get("sha256") or "" for i in result.run.get("inputs", [])),
        "policy": (result.run.get("policy") or {}).get("sha256"),
        "mapping": (result.run.get("mapping") or {}).get("sha256"),
        "findings": sorted(
            f"{i}|{s}" for i, s in result.findings.select("finding_id", "severity").rows()
        ),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def append_history(result: AuditResult, directory: str | Path, *, stamp: str | None = None) -> Path:
    """Record one audit run in `directory` (created, owner-only, when missing); returns its file.

    `stamp` names the run after its as-of date (default: the UTC time of writing,
    `YYYYMMDDTHHMMSSZ`); it orders runs with the same as-of date."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise UsageError("the history folder is a file", file=str(folder), expected="a folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    as_of = result.as_of.isoformat()
    digest = _digest(result)
    for existing in sorted(folder.glob(f"{as_of}_*{SUFFIX}")):
        if _read_meta(existing).get("digest") == digest:
            return existing
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if not _STAMP.fullmatch(stamp):
        raise UsageError("a run stamp may hold only letters, digits and '-'", value=stamp)
    path = folder / f"{as_of}_{stamp}{SUFFIX}"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{as_of}_{stamp}-{number}{SUFFIX}"
    meta = {
        "format": FORMAT,
        "as_of": as_of,
        "stamp": path.stem.split("_", 1)[1],
        "digest": digest,
        "summary": summarise(result),
    }
    temporary = folder / f".{path.name}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            result.findings.write_parquet(
                handle, metadata={METADATA_KEY: json.dumps(meta, default=str, sort_keys=True)}
            )
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        metadata = pl.read_parquet_metadata(path)
    except Exception as exc:  # a file that is not Parquet at all
        raise UsageError(
            "not an auditkit history file", file=str(path), hint=str(exc).splitlines()[0]
        ) from exc
    raw = metadata.get(METADATA_KEY)
    if raw is None:
        raise UsageError(
            "not an auditkit history file (no run summary in its metadata)",
            file=str(path),
            hint="the history folder should hold only files written by append_history",
        )
    meta: dict[str, Any] = json.loads(raw)
    if meta.get("format") != FORMAT:
        raise UsageError(
            "history file of an unknown format", file=str(path), value=str(meta.get("format"))
        )
    return meta


def load_history(directory: str | Path) -> History:
    """Every run recorded in `directory`, oldest first (as-of date, then stamp)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError("no such history folder", file=str(folder), expected="a folder")
    entries = []
    for path in folder.glob(f"*{SUFFIX}"):
        meta = _read_meta(path)
        entries.append((date.fromisoformat(meta["as_of"]), meta["stamp"], path, meta))
    entries.sort(key=lambda e: (e[0], e[1]))
    labels = _labels([(as_of, stamp) for as_of, stamp, _, _ in entries])
    runs, frames, summaries = [], [], []
    for number, ((as_of, stamp, path, meta), label) in enumerate(zip(entries, labels, strict=True)):
        findings = pl.read_parquet(path).select(FINDINGS_SCHEMA.names()).cast(dict(FINDINGS_SCHEMA))
        frames.append(findings.with_columns(run=pl.lit(number, pl.Int64)))
        summary = meta["summary"]
        run = summary.get("run", {})
        runs.append(
            {
                "run": number,
                "as_of": as_of,
                "stamp": stamp,
                "label": label,
                "file": str(path),
                "findings": findings.height,
                "digest": meta["digest"],
                "auditkit_version": run.get("auditkit_version"),
                "policy_sha256": (run.get("policy") or {}).get("sha256"),
            }
        )
        summaries.append(summary)
    schema = pl.Schema({"run": pl.Int64, **FINDINGS_SCHEMA})
    findings = (
        pl.concat(frames, how="vertical").select(schema.names())
        if frames
        else pl.DataFrame(schema=schema)
    )
    return History(pl.DataFrame(runs, schema=RUNS_SCHEMA), findings, tuple(summaries))


def _labels(keys: list[tuple[date, str]]) -> list[str]:
    """A run's label: its as-of date, with the stamp added where two runs share the date."""
    dates = [as_of for as_of, _ in keys]
    return [
        as_of.isoformat() if dates.count(as_of) == 1 else f"{as_of.isoformat()} {stamp}"
        for as_of, stamp in keys
    ]


def trend(history: History) -> pl.DataFrame:
    """Per run and area (all five areas, every run): open findings, new since the previous run,
    resolved since it (open then, gone now) and still open, compared by `finding_id`.

    The first run has every finding new."""
    if not len(history):
        return pl.DataFrame(schema=TREND_SCHEMA)
    current = history.findings.select("run", "finding_id", area=pl.col("area").cast(pl.String))
    last_run = history.runs["run"].max()
    previous = current.with_columns(pl.col("run") + 1).filter(pl.col("run") <= last_run)
    matched = current.join(
        previous, on=["run", "finding_id"], how="full", coalesce=True, suffix="_before"
    ).with_columns(
        area=pl.coalesce("area", "area_before"),
        now=pl.col("area").is_not_null(),
        before=pl.col("area_before").is_not_null(),
    )
    counts = matched.group_by("run", "area").agg(
        open=pl.col("now").sum().cast(pl.Int64),
        new=(pl.col("now") & ~pl.col("before")).sum().cast(pl.Int64),
        resolved=(~pl.col("now") & pl.col("before")).sum().cast(pl.Int64),
        still_open=(pl.col("now") & pl.col("before")).sum().cast(pl.Int64),
    )
    grid = history.runs.select("run", "as_of", "stamp", "label").join(
        pl.DataFrame({"area": list(AREAS)}), how="cross"
    )
    return (
        grid.join(counts, on=["run", "area"], how="left")
        .with_columns(pl.col("open", "new", "resolved", "still_open").fill_null(0))
        .with_columns(pl.col("area").cast(AREA).alias("_order"))
        .sort("run", "_order")
        .select(TREND_SCHEMA.names())
        .cast(dict(TREND_SCHEMA))
    )


__all__ = ["History", "append_history", "load_history", "summarise", "trend"]
