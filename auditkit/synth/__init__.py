"""Synthetic registers of any size, with planted breaches of every rule (`auditkit synth`).

A lawful background register (about 10 messages, 2 consent events, 1.5 contracts, 0.5 disclosures,
1 vehicle and 0.01 requests per subject) plus, per rule, planted breaches at a configurable rate.
Each planted breach gets a subject of its own that is otherwise lawful, so `planted.json` holds the
exact number of findings per rule the audit must report as of 2026-06-30 (and `planted.csv` the
exact records). The background is lawful by construction: every marketing message is sent while
its channel's consent is in force, every hold and deadline lies after the as-of date, identifiers
are valid and unique; where a random draw would break a rule it is turned into a lawful one (a
marketing message without consent becomes a service message).

Everything is vectorised with numpy and Polars, a chunk of subjects at a time, so memory stays flat
at any size; the output is the same for the same subject count and seed. Everything is invented:
identity codes use the temporary individual numbers 900-999, e-mail addresses are at example.fi.

Modules: `base` (reference data, internal table shapes, identifier generators), `background`
(the lawful register), `plants` (the planted breaches), `export` (canonical or Finnish files, the
policy); this module holds the entry point.

The register is written in the canonical model (`subjects.parquet`, ... with `policy.toml`), or with
`finnish=True` the way a Finnish dealer CRM exports it (the sample's vocabulary: Finnish headers
and values, dd.mm.yyyy dates, decimal commas, a Windows-1252 customer file) with its
`mapping.toml`.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from auditkit.errors import UsageError
from auditkit.progress import ProgressCallback, report
from auditkit.synth.background import _background
from auditkit.synth.base import AS_OF, CHUNK, DEFAULT_RATE, FORMATS, INTERNAL, RULE_CODES, _Tables
from auditkit.synth.export import FINNISH_HEADERS, POLICY, _finish, _mapping_toml, _Writer
from auditkit.synth.plants import PLANTERS, _Plants


# ---- the public entry point ------------------------------------------------------------------
@dataclass(frozen=True)
class SynthResult:
    """What `synthesize` wrote: the folder, rows per table and planted findings per rule."""

    path: Path
    rows: dict[str, int]
    planted: dict[str, int]


def plant_counts(subjects: int, rates: Mapping[str, float] | None = None) -> dict[str, int]:
    """Breaches to plant per rule: round(rate × subjects); DAT001 is one column (0 or 1)."""
    rates = {**dict.fromkeys(RULE_CODES, DEFAULT_RATE), **(rates or {})}
    unknown = sorted(set(rates) - set(RULE_CODES))
    if unknown:
        raise UsageError(
            f"unknown rule code {unknown[0]!r} in the rates", hint="see `auditkit rules`"
        )
    bad = [code for code, rate in rates.items() if not 0 <= rate <= 1]
    if bad:
        raise UsageError(f"the rate for {bad[0]} is not between 0 and 1", value=str(rates[bad[0]]))
    counts = {code: int(round(rates[code] * subjects)) for code in RULE_CODES}
    counts["DAT001"] = min(counts["DAT001"], 1)
    return counts


def synthesize(
    out: str | Path,
    subjects: int,
    *,
    seed: int = 0,
    fmt: str = "parquet",
    finnish: bool = False,
    rates: Mapping[str, float] | None = None,
    progress: ProgressCallback | None = None,
) -> SynthResult:
    """Write a synthetic register of `subjects` lawful subjects plus planted breaches to `out`.

    Files: one per table, `policy.toml`, `planted.json` (counts per rule, the run's parameters),
    `planted.csv` (rule, table, record_id of every planted finding) and, with `finnish`,
    `mapping.toml`. The same arguments give the same files.
    """
    if subjects < 1:
        raise UsageError("--subjects must be at least 1", value=str(subjects))
    if fmt not in FORMATS:
        raise UsageError("unknown --format", value=fmt, expected=" or ".join(FORMATS))
    counts = plant_counts(subjects, rates)
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "planted.json").is_file():
        raise UsageError(
            "the output folder exists and holds other files",
            file=str(out),
            hint="name a new or empty folder (an earlier `auditkit synth` output is overwritten)",
        )
    if out.exists() and (out / "planted.json").is_file():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    fax = counts["DAT001"] > 0
    writer = _Writer(out, fmt, finnish)
    counters: dict[str, int] = {}
    planted: list[pl.DataFrame] = []
    chunks = -(-subjects // CHUNK)
    pid_serial = 0
    try:
        for index in range(chunks):
            report(progress, "synth", index, chunks + 1, f"chunk {index + 1} of {chunks}")
            first = index * CHUNK + 1
            size = min(CHUNK, subjects - index * CHUNK)
            tables, pid_serial = _background(np.random.default_rng([seed, index]), first, size,
                                             pid_serial)  # fmt: skip
            _write_chunk(writer, tables, counters, fax, planted)
        report(progress, "synth", chunks, chunks + 1, "planted breaches")
        plants = _Plants(subjects + 1, pid_serial)
        for index, code in enumerate(RULE_CODES):
            if counts[code]:
                PLANTERS[code](plants, np.random.default_rng([seed, 1 << 20, index]), counts[code])
        _write_chunk(writer, plants.tables, counters, fax, planted)
    finally:
        writer.close()
    report(progress, "synth", chunks + 1, chunks + 1)

    records = (
        pl.concat(planted, how="vertical")
        if planted
        else pl.DataFrame(schema={"rule": pl.String, "table": pl.String, "record_id": pl.String})
    )
    if fax:
        column = FINNISH_HEADERS["subjects"]["fax"] if finnish else "fax"
        records = pl.concat([records, pl.DataFrame({"rule": ["DAT001"], "table": ["subjects"],
                                                    "record_id": [column]})])  # fmt: skip
    records = records.sort("rule", "table", "record_id")
    by_rule = Counter(records["rule"].to_list())
    per_rule = {code: by_rule.get(code, 0) for code in RULE_CODES}
    records.write_csv(out / "planted.csv")
    (out / "policy.toml").write_text(POLICY, encoding="utf-8")
    if finnish:
        (out / "mapping.toml").write_text(_mapping_toml(fmt), encoding="utf-8")
    rows = {table: writer.rows.get(table, 0) for table in INTERNAL}
    summary = {
        "generator": "auditkit synth",
        "as_of": AS_OF.isoformat(),
        "subjects": subjects,
        "planted_subjects": rows["subjects"] - subjects,
        "seed": seed,
        "format": fmt,
        "finnish": finnish,
        "planted": per_rule,
        "rows": rows,
    }
    (out / "planted.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return SynthResult(out, rows, per_rule)


def _write_chunk(
    writer: _Writer,
    tables: _Tables,
    counters: dict[str, int],
    fax: bool,
    planted: list[pl.DataFrame],
) -> None:
    for table in INTERNAL:
        frame = tables.get(table)
        if frame is None:
            continue
        canonical, records = _finish(table, frame, counters, fax)
        writer.write(table, canonical)
        if records.height:
            planted.append(records)
