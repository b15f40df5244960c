"""Benchmark: time and peak memory to write the Excel report of 10k, 100k and 1M findings.

The findings are the Allomeera sample's (157 findings of 30 rules, as of 2026-06-30) repeated with
fresh record, subject and finding ids until there are N of them, so every sheet, evidence column
and style of a real report is exercised. Each measurement runs in its own process; peak memory is
that process's peak resident set size (ru_maxrss) minus its size just before writing.

The peer is Polars' `DataFrame.write_excel` (XlsxWriter) writing the same cells: one worksheet per
area with the same columns (evidence flattened, dates typed), an autofilter table each, no charts,
no triage validation and no safety checks. A second, lighter peer writes the raw findings frame
(13 columns, evidence as JSON text) to one sheet.

    .venv/bin/python benchmarks/bench_excel.py                 # 10k and 100k
    .venv/bin/python benchmarks/bench_excel.py 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "allomeera"
AS_OF = date(2026, 6, 30)


def sample_result():  # noqa: ANN201 - AuditResult
    from auditkit.audit import run_audit
    from auditkit.policy import load_policy
    from auditkit.register import load_register

    policy = load_policy(SAMPLE / "policy.toml")
    register = load_register(SAMPLE, SAMPLE / "mapping.toml", timezone=policy.timezone)
    return run_audit(register, policy, AS_OF)


def synthetic_result(n: int):  # noqa: ANN201 - AuditResult
    """The sample's findings tiled to `n` rows with unique ids (sorted as the engine sorts)."""
    from auditkit.findings import sort_findings

    result = sample_result()
    base = result.findings
    reps = -(-n // base.height)
    tiled = pl.concat([base] * reps).head(n).with_row_index("_k")
    suffix = pl.col("_k").cast(pl.String)
    tiled = tiled.with_columns(
        finding_id=pl.col("finding_id").str.slice(0, 8) + suffix.str.zfill(8),
        record_id=pl.col("record_id") + "-" + suffix,
        subject_id=pl.when(pl.col("subject_id").is_not_null()).then(
            (pl.col("_k") % 250_000 + 200_000).cast(pl.String)
        ),
    ).drop("_k")
    return dataclasses.replace(result, findings=sort_findings(tiled))


def view_frames(result):  # noqa: ANN001, ANN201
    """The per-area frames and columns auditkit writes (same cells for every tool)."""
    from auditkit.findings import AREAS
    from auditkit.report.excel import _Builder
    from auditkit.report.pseudonymise import Protector

    builder = _Builder(result, Path("unused.xlsx"), "en", Protector(), None, 1_048_575)
    findings = builder._with_triage(builder.protector.findings(result.findings))
    for area in AREAS:
        yield area, *builder._findings_view(findings.filter(pl.col("area") == area))


def write_with_openpyxl_cells(result, out: Path) -> None:  # noqa: ANN001
    """openpyxl's own write-only path, one cell per value: what auditkit would cost without its
    column-wise row writer (dates and wrapped text get a styled cell, as in the report)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment

    book = Workbook(write_only=True)
    for area, frame, columns in view_frames(result):
        ws = book.create_sheet(area)
        template = Cell(ws, 1, 1)
        template.number_format = "yyyy-mm-dd"
        date_style = template._style
        template = Cell(ws, 1, 1)
        template.alignment = Alignment(wrap_text=True)
        wrap_style = template._style
        kinds = [c.kind for c in columns]
        ws.append([c.header for c in columns])
        for row in frame.select([c.key for c in columns]).iter_rows():
            cells = []
            for kind, value in zip(kinds, row, strict=True):
                if value is not None and kind in ("date", "due"):
                    value = Cell(ws, 1, 1, value, date_style)
                elif value is not None and kind == "wrap":
                    value = Cell(ws, 1, 1, value, wrap_style)
                cells.append(value)
            ws.append(cells)
    book.save(out)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(tool: str, n: int, out: Path) -> dict[str, float | str | int]:
    """One measurement, run inside a child process."""
    result = synthetic_result(n)
    previous = out.with_name(out.stem + ".previous.xlsx")
    if tool == "auditkit-triage":  # last run's workbook, written before the clock starts
        from auditkit.report.excel import write_excel

        write_excel(result, previous)
    before = rss_mb()
    started = time.perf_counter()
    cpu = time.process_time()
    if tool == "auditkit":
        from auditkit.report.excel import write_excel

        write_excel(result, out)
    elif tool == "auditkit-pseudonymised":
        from auditkit.report.excel import write_excel

        write_excel(result, out, pseudonymise_key=b"benchmark-key-0123456789abcdef")
    elif tool == "auditkit-triage":
        from auditkit.report.excel import write_excel

        write_excel(result, out, triage=previous)
    elif tool == "openpyxl-cells":
        write_with_openpyxl_cells(result, out)
    elif tool == "polars-same-cells":
        from xlsxwriter import Workbook

        with Workbook(out) as book:
            for area, frame, columns in view_frames(result):
                view = frame.select([c.key for c in columns]).rename(
                    {c.key: c.header for c in columns}
                )
                view.write_excel(book, worksheet=area, table_style="Table Style Medium 2")
    elif tool == "polars-raw":
        result.findings.write_excel(out, worksheet="findings")
    else:
        raise SystemExit(f"unknown tool {tool}")
    seconds = time.perf_counter() - started
    return {
        "tool": tool,
        "n": n,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "peak_mb": round(peak_mb() - before, 1),
        "size_mb": round(out.stat().st_size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument(
        "--tools",
        default="auditkit,polars-same-cells,polars-raw,openpyxl-cells",
        help="comma-separated: auditkit, auditkit-pseudonymised, auditkit-triage, "
        "polars-same-cells, polars-raw, openpyxl-cells",
    )
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, n, out = args.child
        print(json.dumps(measure(tool, int(n), Path(out))))
        return
    print(f"python {sys.version.split()[0]}, polars {pl.__version__}, {os.cpu_count()} cores")
    print(f"{'tool':<24}{'findings':>10}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}{'file MB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for tool in args.tools.split(","):
                out = Path(tmp) / f"{tool}-{n}.xlsx"
                done = subprocess.run(
                    [sys.executable, __file__, "--child", tool, str(n), str(out)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    print(f"{tool:<24}{n:>10,}  failed: {done.stderr.strip().splitlines()[-1]}")
                    continue
                row = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"{tool:<24}{n:>10,}{row['seconds']:>10.2f}{row['cpu_seconds']:>10.2f}"
                    f"{row['peak_mb']:>10.1f}"
                    f"{row['size_mb']:>10.1f}",
                    flush=True,
                )
                out.unlink(missing_ok=True)
                out.with_name(out.stem + ".previous.xlsx").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
