"""The scale benchmark: auditkit on synthetic registers of 10k to 10M subjects, beside its peers.

    python benchmarks/bench_scale.py --sizes S,M,L [--runs 3] [--formats parquet,csv]

Sizes: S 10k, M 100k, L 1M (about 10M messages), XL 10M subjects. Each measurement runs in a fresh
process (so its peak RSS is its own), `--runs` times; the tables show medians. Stages of auditkit:
`load` (cold: every file validated, its typed copy written to an empty cache), `load warm` (the
same files again: the cache answers), `rules` (`run_audit` whole: the shared derived facts
computed once, the 31 rules collected, the findings assembled, the deletion calendar), `json` (the
JSON document), `excel` (the workbook), and each rule family alone (`plan_rules`, then one
`collect_all`). Peers, on the same files
in the same run: DuckDB SQL for CON001+CON002 and RET001 (from the files, and from tables already
loaded into DuckDB), the naive pandas CON001+CON002.

Results go to `--results` (JSON) and, between markers, into `benchmarks/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZES = {"S": 10_000, "M": 100_000, "L": 1_000_000, "XL": 10_000_000}
AS_OF = date(2026, 6, 30)
FAMILIES = ("RET", "CON", "DIS", "DSR", "DAT")
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"


# ---- workers: one measurement each, in a fresh process ----------------------------------------
def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def __call__(self, stage: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        value = func(*args, **kwargs)
        self.times[stage] = round(time.perf_counter() - started, 3)
        return value


def worker_auditkit(root: Path, streaming: bool) -> dict[str, Any]:
    """The whole pipeline as `auditkit check --format json` runs it, then the Excel report."""
    from auditkit.audit import run_audit
    from auditkit.policy import load_policy
    from auditkit.register.loader import load_register

    clock = _Clock()
    policy = load_policy(root / "policy.toml")
    with tempfile.TemporaryDirectory(prefix="auditkit-bench-cache-") as cache:
        register = clock("load", load_register, root, timezone=policy.timezone, cache=cache)
        kwargs = {"engine": "streaming"} if streaming else {}
        result = clock("rules", run_audit, register, policy, AS_OF, **kwargs)
        clock("json", result.to_json)
        findings = result.findings.height
        rss = _peak_gib()
        try:
            from auditkit.report.excel import write_excel
        except ImportError:
            excel = None
        else:
            with tempfile.TemporaryDirectory() as out:
                clock("excel", write_excel, result, Path(out) / "audit.xlsx", register=register)
                excel = True
        clock("load warm", load_register, root, timezone=policy.timezone, cache=cache)
    times = clock.times
    times["load+rules"] = round(times["load"] + times["rules"], 3)
    return {"times": times, "rss_gib": round(rss, 3), "findings": findings, "excel": excel}


def worker_families(root: Path) -> dict[str, Any]:
    """Each rule family alone (after one load): its rules planned and collected, as run_audit
    does, without the deletion calendar and warnings every run adds. Also the rules the peers
    implement, measured the same way (the peers compute exactly those findings)."""
    import polars as pl

    from auditkit.audit import plan_rules
    from auditkit.policy import load_policy
    from auditkit.register.loader import load_register

    def rules(register: Any, policy: Any, select: list[str]) -> None:
        _, _, plans = plan_rules(register, policy, AS_OF, select=select)
        pl.collect_all(list(plans.values()))

    clock = _Clock()
    policy = load_policy(root / "policy.toml")
    with tempfile.TemporaryDirectory(prefix="auditkit-bench-cache-") as cache:
        register = clock("load", load_register, root, timezone=policy.timezone, cache=cache)
        for family in FAMILIES:
            clock(family, rules, register, policy, [family])
        clock("CON001+CON002", rules, register, policy, ["CON001", "CON002"])
        clock("RET001", rules, register, policy, ["RET001"])
    return {"times": clock.times, "rss_gib": round(_peak_gib(), 3)}


def worker_duckdb(root: Path, fmt: str) -> dict[str, Any]:
    from auditkit.policy import load_policy
    from benchmarks.peers import duckdb_peer

    clock = _Clock()
    policy = load_policy(root / "policy.toml")
    con, present = duckdb_peer.connect_files(root, fmt, policy)
    found = clock("CON001+CON002 files", duckdb_peer.con_findings, con, present, policy)
    clock("RET001 files", duckdb_peer.ret001_findings, con, present, policy, AS_OF)
    con, present = clock("load", duckdb_peer.connect_files, root, fmt, policy, load=True)
    clock("CON001+CON002", duckdb_peer.con_findings, con, present, policy)
    clock("RET001", duckdb_peer.ret001_findings, con, present, policy, AS_OF)
    counts = {rule: len(ids) for rule, ids in found.items()}
    return {"times": clock.times, "rss_gib": round(_peak_gib(), 3), "findings": counts}


def worker_pandas(root: Path, fmt: str) -> dict[str, Any]:
    from auditkit.policy import load_policy
    from benchmarks.peers import pandas_peer

    clock = _Clock()
    policy = load_policy(root / "policy.toml")
    frames = clock("load", pandas_peer.read_files, root, fmt)
    found = clock("CON001+CON002", pandas_peer.con_findings, frames, policy)
    counts = {rule: len(ids) for rule, ids in found.items()}
    return {"times": clock.times, "rss_gib": round(_peak_gib(), 3), "findings": counts}


def worker_synth(root: Path, subjects: int, fmt: str) -> dict[str, Any]:
    from auditkit.synth import synthesize

    clock = _Clock()
    result = clock("synth", synthesize, root, subjects, seed=1, fmt=fmt)
    return {"times": clock.times, "rss_gib": round(_peak_gib(), 3), "rows": result.rows}


def run_worker(args: argparse.Namespace) -> None:
    root = Path(args.root)
    if args.worker == "auditkit":
        out = worker_auditkit(root, args.streaming)
    elif args.worker == "families":
        out = worker_families(root)
    elif args.worker == "duckdb":
        out = worker_duckdb(root, args.fmt)
    elif args.worker == "pandas":
        out = worker_pandas(root, args.fmt)
    else:
        out = worker_synth(root, args.subjects, args.fmt)
    print(json.dumps(out))


# ---- the driver -------------------------------------------------------------------------------
def measure(kind: str, root: Path, fmt: str, *extra: str, timeout: float = 3600) -> dict[str, Any]:
    """Run one worker in a fresh process; its JSON line, plus wall time and the load around it."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--root",
               str(root), "--fmt", fmt, *extra]  # fmt: skip
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = round(time.perf_counter() - started, 3)
    out["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median per stage and of the peak RSS over runs (errors kept)."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    stages = {k for r in good for k in r["times"]}
    out = dict(good[0])
    out["times"] = {s: round(statistics.median(r["times"][s] for r in good if s in r["times"]), 3)
                    for s in sorted(stages)}  # fmt: skip
    out["rss_gib"] = round(statistics.median(r["rss_gib"] for r in good), 3)
    out["runs"] = len(good)
    out["load_avg"] = [r["load_avg"] for r in good]
    return out


def machine() -> dict[str, Any]:
    import duckdb
    import numpy
    import pandas
    import polars

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        memory = int(handle.readline().split()[1]) / 2**20
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
    }


def ensure_data(data: Path, size: str, fmt: str, runs: list[dict[str, Any]]) -> Path:
    root = data / f"{size}-{fmt}"
    if not (root / "planted.json").is_file():
        print(f"  generating {size} ({SIZES[size]:,} subjects, {fmt}) ...", flush=True)
        out = measure("synth", root, fmt, "--subjects", str(SIZES[size]), timeout=7200)
        runs.append(out)
    return root


def bench_size(args: argparse.Namespace, size: str) -> dict[str, Any]:
    data = Path(args.data)
    record: dict[str, Any] = {"size": size, "subjects": SIZES[size], "formats": {}}
    for fmt in args.formats:
        synth_runs: list[dict[str, Any]] = []
        root = ensure_data(data, size, fmt, synth_runs)
        planted = json.loads((root / "planted.json").read_text())
        entry: dict[str, Any] = {
            "rows": planted["rows"],
            "synth": synth_runs[0] if synth_runs else None,
        }
        runs = args.runs if size != "XL" else 1
        streaming = ["--streaming"] if size == "XL" else []
        print(f"  {size} {fmt}: auditkit x{runs}", flush=True)
        entry["auditkit"] = median_of(
            [measure("auditkit", root, fmt, *streaming) for _ in range(runs)]
        )
        if size != "XL" or args.xl_peers:
            print(f"  {size} {fmt}: families, duckdb, pandas", flush=True)
            entry["families"] = median_of([measure("families", root, fmt) for _ in range(runs)])
            entry["duckdb"] = median_of([measure("duckdb", root, fmt) for _ in range(runs)])
            if SIZES[size] <= SIZES[args.pandas_max]:
                entry["pandas"] = median_of([measure("pandas", root, fmt) for _ in range(runs)])
        record["formats"][fmt] = entry
    return record


def render(results: dict[str, Any]) -> str:
    """The markdown tables of RESULTS.md."""
    lines = []
    info = results["machine"]
    lines.append(
        f"Run {results['started']} on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB; Python {info['python']}, Polars {info['polars']}, DuckDB "
        f"{info['duckdb']}, pandas {info['pandas']}, numpy {info['numpy']}. Medians of "
        f"{results['runs']} runs (XL: 1); wall seconds; RSS = peak resident memory of the process."
    )
    lines += ["", "### auditkit, stage by stage", ""]
    header = ("size", "format", "messages", "load", "rules", "load+rules", "json", "excel",
              "load warm", "peak RSS GiB", "load avg")  # fmt: skip
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for record in results["sizes"]:
        for fmt, entry in record["formats"].items():
            ak = entry["auditkit"]
            t = ak.get("times", {})
            loads = ak.get("load_avg", [])
            lines.append(
                "| " + " | ".join([
                    record["size"], fmt, f"{entry['rows']['communications']:,}",
                    *(f"{t[s]:.2f}" if s in t else "–" for s in ("load", "rules", "load+rules",
                                                                  "json", "excel", "load warm")),
                    f"{ak.get('rss_gib', float('nan')):.2f}",
                    ", ".join(f"{a[0]:.1f}" for a in loads) if loads else "",
                ]) + " |"
            )  # fmt: skip
    lines += ["", "### Rule families alone (after one load) and the peers", ""]
    header = ("size", "format", *FAMILIES, "auditkit CON001+002", "DuckDB CON001+002 (tables)",
              "ratio", "DuckDB CON (files)", "pandas CON (+load)", "auditkit RET001",
              "DuckDB RET001 (tables)", "DuckDB load")  # fmt: skip
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for record in results["sizes"]:
        for fmt, entry in record["formats"].items():
            fam = entry.get("families", {}).get("times", {})
            duck = entry.get("duckdb", {}).get("times", {})
            pan = entry.get("pandas", {}).get("times", {})
            ratio = (
                f"{fam['CON001+CON002'] / duck['CON001+CON002']:.2f}"
                if "CON001+CON002" in fam and duck.get("CON001+CON002")
                else "–"
            )
            pandas_cell = (
                f"{pan['CON001+CON002']:.2f} (+{pan['load']:.2f})"
                if "CON001+CON002" in pan
                else "–"
            )
            cells = [
                record["size"], fmt, *(f"{fam[f]:.2f}" if f in fam else "–" for f in FAMILIES),
                f"{fam['CON001+CON002']:.2f}" if "CON001+CON002" in fam else "–",
                f"{duck['CON001+CON002']:.2f}" if "CON001+CON002" in duck else "–", ratio,
                f"{duck['CON001+CON002 files']:.2f}" if "CON001+CON002 files" in duck else "–",
                pandas_cell,
                f"{fam['RET001']:.2f}" if "RET001" in fam else "–",
                f"{duck['RET001']:.2f}" if "RET001" in duck else "–",
                f"{duck['load']:.2f}" if "load" in duck else "–",
            ]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    growth = _growth(results)
    if growth:
        lines += ["", growth]
    return "\n".join(lines) + "\n"


def _growth(results: dict[str, Any]) -> str:
    by = {(r["size"], fmt): e for r in results["sizes"] for fmt, e in r["formats"].items()}
    parts = []
    for fmt in ("parquet", "csv"):
        m, large = by.get(("M", fmt)), by.get(("L", fmt))
        if not m or not large:
            continue
        tm, tl = m["auditkit"].get("times", {}), large["auditkit"].get("times", {})
        if "load+rules" in tm and "load+rules" in tl:
            factor = tl["load+rules"] / tm["load+rules"]
            rows = large["rows"]["communications"] / m["rows"]["communications"]
            parts.append(
                f"M → L ({fmt}): {rows:.1f}× the rows, load+rules {factor:.1f}× the time "
                f"({tm['load+rules']:.1f} s → {tl['load+rules']:.1f} s)"
            )
    return "Growth: " + "; ".join(parts) + "." if parts else ""


def write_results_md(text: str) -> None:
    path = HERE / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.is_file() else f"{MARK_START}\n{MARK_END}\n"
    if MARK_START not in current:
        current += f"\n{MARK_START}\n{MARK_END}\n"
    head, rest = current.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    path.write_text(f"{head}{MARK_START}\n{text}{MARK_END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M", help="Comma-separated: S, M, L, XL.")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "auditkit-bench"))
    parser.add_argument("--results", default=str(HERE / "results.json"))
    parser.add_argument("--pandas-max", default="L", help="Largest size the pandas peer runs at.")
    parser.add_argument("--xl-peers", action="store_true", help="Run the peers at XL too.")
    parser.add_argument("--no-markdown", action="store_true", help="Leave RESULTS.md alone.")
    parser.add_argument(
        "--render",
        help="Only write RESULTS.md from results files (comma-separated; their sizes merged).",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--fmt", default="parquet", help=argparse.SUPPRESS)
    parser.add_argument("--subjects", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--streaming", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    if args.render:
        files = [json.loads(Path(f).read_text()) for f in args.render.split(",")]
        merged = {**files[0], "sizes": [size for f in files for size in f["sizes"]]}
        write_results_md(render(merged))
        return
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    results = {
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "runs": args.runs,
        "sizes": [],
    }
    for size in sizes:
        print(
            f"{size}: {SIZES[size]:,} subjects (load average {os.getloadavg()[0]:.1f})", flush=True
        )
        results["sizes"].append(bench_size(args, size))
        Path(args.results).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = render(results)
    print(text)
    if not args.no_markdown:
        write_results_md(text)


if __name__ == "__main__":
    main()
