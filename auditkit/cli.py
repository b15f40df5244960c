"""The `auditkit` command."""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from enum import IntEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import click
import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand

from auditkit import __version__
from auditkit.audit import AuditResult, run_audit
from auditkit.ci import COUNTING, NEVER_BASELINED, CiResult, apply_ci, load_baseline, load_waivers
from auditkit.errors import AuditkitError, UsageError
from auditkit.findings import AREAS
from auditkit.policy import FAIL_ON, SEVERITIES, Policy, load_policy
from auditkit.progress import ProgressCallback, progress_display
from auditkit.register.loader import DEFAULT_TIMEZONE, Register, load_register
from auditkit.report.formats import pair_outputs, render, waiver_problem, write_private
from auditkit.rules import RULES, find_rule


class ExitCode(IntEnum):
    """The exit-code contract, frozen: 0 clean, 1 findings at or above the threshold, 2 error."""

    OK = 0
    FINDINGS = 1
    ERROR = 2


app = typer.Typer(
    name="auditkit",
    help="Audit a personal-data register against the promises of its privacy notice.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

PathArg = Annotated[Path, typer.Argument(help="Folder of register exports.")]
PolicyOpt = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy file (default: PATH/policy.toml when present)."),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="Mapping file (default: PATH/mapping.toml when present)."),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"auditkit {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Audit a personal-data register against the promises of its privacy notice."""


def resolve_inputs(
    path: Path,
    policy: Path | None,
    mapping: Path | None,
    *,
    policy_required: bool,
    progress: ProgressCallback | None = None,
) -> tuple[Policy | None, Register]:
    """Load the policy (explicit, or PATH/policy.toml) and the register with its mapping."""
    if policy is None and (path / "policy.toml").is_file():
        policy = path / "policy.toml"
    if mapping is None and (path / "mapping.toml").is_file():
        mapping = path / "mapping.toml"
    if policy is None and policy_required:
        raise AuditkitError(
            "no policy file",
            file=str(path),
            hint="pass --policy FILE or put a policy.toml in the export folder (auditkit init)",
        )
    loaded = load_policy(policy) if policy is not None else None
    timezone = loaded.timezone if loaded else DEFAULT_TIMEZONE
    return loaded, load_register(path, mapping, timezone=timezone, progress=progress)


@app.command()
def validate(path: PathArg, policy: PolicyOpt = None, mapping: MappingOpt = None) -> None:
    """Load every table and the policy; print row counts and unclassified columns."""
    loaded, register = resolve_inputs(path, policy, mapping, policy_required=False)
    table = Table(title=f"Register {path}", show_lines=False)
    for heading in ("table", "file", "rows", "absent optional columns"):
        table.add_column(heading, justify="right" if heading == "rows" else "left")
    for source in register.sources:
        absent = sorted(register.absent_columns.get(source.table, ()))
        table.add_row(source.table, Path(source.path).name, f"{source.rows:,}", ", ".join(absent))
    out.print(table)
    unclassified = register.unclassified()
    if unclassified:
        out.print("Unclassified columns (neither mapped, kept nor ignored; they feed DAT001):")
        for column in unclassified:
            state = "holds values" if column.has_value else "empty"
            out.print(f"  {column.table}.{column.name} ({state})")
    missing = [
        t
        for t in (
            "vehicles",
            "contracts",
            "consents",
            "communications",
            "disclosures",
            "requests",
            "notes",
        )
        if not register.has(t)
    ]
    if missing:
        out.print(f"Tables not present (rules needing them will be skipped): {', '.join(missing)}")
    clock = register.clock_changes
    if clock["ambiguous"] or clock["nonexistent"]:
        out.print(
            f"Clock changes: {clock['ambiguous']} ambiguous local time(s) read as the earlier "
            f"instant, {clock['nonexistent']} non-existent one(s) read with the offset before the "
            "gap"
        )
    if loaded is not None:
        out.print(
            f"Policy {loaded.path}: {loaded.register_info.name} (sha256 {loaded.sha256[:12]})"
        )
    out.print("[green]OK[/green]: the register loads.")


def _as_of(value: str | None, policy: Policy) -> date:
    """--as-of, or today in the policy's time zone (the only place auditkit reads the clock)."""
    if value is None:
        return datetime.now(ZoneInfo(policy.timezone)).date()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError("--as-of is not a date", value=value, expected="YYYY-MM-DD") from exc


def _codes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


class _OrderedCommand(TyperCommand):
    """A command that keeps the order of its options on the command line (in `ctx.meta`), so that
    `check` can pair each --format with the --output that follows it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            ctx.meta[OPTION_ORDER] = [param.name for param in order]
        except click.ClickException:
            pass  # the real parse below reports it
        return super().parse_args(ctx, args)


OPTION_ORDER = "auditkit.option_order"


@app.command(cls=_OrderedCommand)
def check(
    ctx: typer.Context,
    path: PathArg,
    policy: PolicyOpt = None,
    mapping: MappingOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Audit date YYYY-MM-DD (default: today).")
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Rules to run: ALL, an area (CON), codes or names."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Rules to leave out (same forms).")
    ] = None,
    output_format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            help="Output format: text (default), json, junit, sarif, github. Repeat it, each "
            "followed by its --output, to write several; one format may go to stdout.",
        ),
    ] = None,
    output: Annotated[
        list[Path] | None,
        typer.Option("--output", help="Write the preceding --format to this file (mode 0600)."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding that counts is at or above: critical, high, medium, low, "
            "never (default: the policy's check.fail_on, else high).",
        ),
    ] = None,
    waivers: Annotated[
        Path | None,
        typer.Option(
            "--waivers",
            help="Waiver file (TOML waiver entries; default: waivers.toml next to the policy "
            "when present).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="JSON result of an earlier run: its findings are baselined and do not fail the "
            "run (except CON002, DIS003, DIS005, DIS007, DAT002).",
        ),
    ] = None,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Time each rule (collected one by one) and each shared derived fact; print "
            "the times, slowest first, and their optimised query plans.",
        ),
    ] = False,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history", help="Append this run to an audit-history folder (Parquet per run)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress display (it shows on a terminal only).")
    ] = False,
) -> None:
    """Audit the register; exit 0 clean, 1 counting findings at or above the threshold, 2 error."""
    order = [
        "format" if name == "output_format" else name for name in ctx.meta.get(OPTION_ORDER, [])
    ]
    outputs = pair_outputs(order, output_format or [], output or [])
    with progress_display(enabled=not quiet) as progress:
        loaded, register = resolve_inputs(
            path, policy, mapping, policy_required=True, progress=progress
        )
        result = _audit_with_progress(loaded, register, as_of, select, ignore, profile, progress)
    assert loaded is not None
    threshold = fail_on or loaded.check.fail_on
    if threshold not in FAIL_ON:
        raise UsageError("unknown --fail-on", value=threshold, expected=", ".join(FAIL_ON))
    if waivers is None and loaded.path is not None:
        beside = Path(loaded.path).parent / "waivers.toml"
        waivers = beside if beside.is_file() else None
    waiver_file = load_waivers(waivers) if waivers is not None else None
    baseline_file = load_baseline(baseline) if baseline is not None else None
    _refuse_overwriting_inputs(
        [o for _, o in outputs if o is not None],
        [s.path for s in register.sources]
        + [p for p in (loaded.path, register.mapping_path, waivers, baseline) if p is not None],
    )
    if history is not None:
        from auditkit.history import append_history

        append_history(result, history)
    ci = apply_ci(
        result,
        waivers=waiver_file,
        baseline=baseline_file,
        severity_overrides=dict(loaded.check.severity),
    )
    to_stdout = None
    for fmt, target in outputs:
        if target is None:
            to_stdout = fmt
        elif fmt == "text":
            buffer = io.StringIO()
            _print_summary(Console(file=buffer, width=100), ci, threshold, profile)
            write_private(target, buffer.getvalue())
        else:
            write_private(target, render(fmt, ci, threshold, timings=profile))
    if to_stdout == "text":
        _print_summary(out, ci, threshold, profile)
    elif to_stdout is not None:
        sys.stdout.write(render(to_stdout, ci, threshold, timings=profile))
    raise typer.Exit(_exit_code(ci, threshold))


def _refuse_overwriting_inputs(outputs: list[Path], inputs: list[str | Path]) -> None:
    """An input file is never written: not even when --output names it."""
    protected = {Path(p).resolve() for p in inputs}
    for target in outputs:
        if Path(target).resolve() in protected:
            raise UsageError(
                "--output names an input file, which auditkit never overwrites",
                value=str(target),
            )


def _as_ci(result: AuditResult | CiResult) -> CiResult:
    return result if isinstance(result, CiResult) else apply_ci(result)


def _audit_with_progress(
    loaded: Policy | None,
    register: Register,
    as_of: str | None,
    select: list[str] | None,
    ignore: list[str] | None,
    profile: bool,
    progress: ProgressCallback | None,
) -> AuditResult:
    assert loaded is not None
    return run_audit(
        register,
        loaded,
        _as_of(as_of, loaded),
        select=_codes(select),
        ignore=_codes(ignore),
        profile=profile,
        progress=progress,
    )


def _exit_code(result: AuditResult | CiResult, threshold: str) -> int:
    """1 when a finding that counts (status new or unbaselinable) is at or above the threshold."""
    return ExitCode.FINDINGS if _as_ci(result).failing(threshold).height else ExitCode.OK


def _print_summary(
    console: Console, result: AuditResult | CiResult, threshold: str, profile: bool
) -> None:
    ci = _as_ci(result)
    audit = ci.result
    run = audit.run
    console.print(
        f"[bold]{escape(str(run['register']))}[/bold] ({escape(str(run['controller']))}) as of "
        f"{run['as_of']}: {audit.findings.height:,} finding(s) from {len(audit.rules_run)} rules",
        soft_wrap=True,
    )
    counts = {
        (row["area"], row["severity"]): row["len"]
        for row in audit.counts().with_columns(pl.col("area", "severity").cast(str)).to_dicts()
    }
    table = Table(title="Findings by area and severity")
    table.add_column("area")
    for severity in SEVERITIES:
        table.add_column(severity, justify="right", style=SEVERITY_STYLE[severity])
    table.add_column("total", justify="right")
    for area in AREAS:
        row = [counts.get((area, s), 0) for s in SEVERITIES]
        table.add_row(area, *[str(n) if n else "·" for n in row], str(sum(row)))
    console.print(table)
    by_rule = audit.by_rule().with_columns(pl.col("severity").cast(str))
    if by_rule.height:
        rules = Table(title="Findings by rule")
        for heading in ("rule", "severity", "findings", "title"):
            rules.add_column(heading, justify="right" if heading == "findings" else "left")
        for row in by_rule.sort("len", descending=True).to_dicts():
            rules.add_row(row["rule"], row["severity"], f"{row['len']:,}", RULES[row["rule"]].title)
        console.print(rules)
        _print_top(console, ci)
    if ci.tracked:
        _print_tracking(console, ci)
    for skip in audit.skipped:
        kind = "ran in part" if skip.get("partial") else "skipped"
        console.print(
            f"[dim]{skip['rule']} {kind}: {escape(str(skip['reason']))}[/dim]", soft_wrap=True
        )
    for warning in audit.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(warning)}", soft_wrap=True)
    if profile:
        _print_profile(console, audit)
    failing = ci.failing(threshold).height
    verdict = "[red]FAIL[/red]" if failing else "[green]PASS[/green]"
    console.print(
        f"{verdict}: {failing:,} finding(s) fail the threshold --fail-on {threshold}",
        soft_wrap=True,
    )


def _print_profile(console: Console, audit: AuditResult) -> None:
    """Where the time went: the shared derived facts (computed once, used by several rules) and
    each rule's own plan, slowest first; then every plan as Polars optimised it."""
    rows = [
        ("shared", key, fact.seconds, fact.rows, fact.plan)
        for key, fact in audit.shared_facts.items()
    ] + [
        ("rule", code, status.seconds, status.findings, status.plan)
        for code, status in audit.statuses.items()
        if status.seconds is not None
    ]
    rows.sort(key=lambda row: -row[2])
    timing = Table(title="Profile: shared derived facts and rules (collected one by one)")
    for heading in ("kind", "name", "seconds", "rows / findings"):
        timing.add_column(heading, justify="right" if heading[0] in "sr" else "left")
    for kind, name, seconds, count, _ in rows:
        timing.add_row(kind, escape(name), f"{seconds:.3f}", f"{count:,}")
    timing.add_row("total", "", f"{sum(row[2] for row in rows):.3f}", "")
    console.print(timing)
    for kind, name, seconds, _, plan in rows:
        if plan:
            console.print(f"[bold]Query plan of {kind} {escape(name)}[/bold] ({seconds:.3f} s)")
            console.print(escape(plan), highlight=False, soft_wrap=True)


def _print_top(console: Console, ci: CiResult) -> None:
    """The ten most severe findings, those that count first."""
    findings = ci.findings.with_columns(
        _counts=pl.col("status").is_in(COUNTING), _order=pl.int_range(pl.len())
    ).sort(["_counts", "_order"], descending=[True, False])
    top = Table(title="Top findings (most severe first)", show_lines=False)
    headings = ["severity", "rule", "record", "message"]
    if ci.tracked:
        headings.insert(0, "status")
    for heading in headings:
        top.add_column(heading, overflow="fold")
    for row in findings.head(10).with_columns(pl.col("severity", "status").cast(str)).to_dicts():
        cells = [
            f"[{SEVERITY_STYLE[row['severity']]}]{row['severity']}[/]",
            row["rule"],
            f"{row['table']}/{escape(row['record_id'] or '')}",
            escape(row["message"] or ""),
        ]
        if ci.tracked:
            cells.insert(0, row["status"])
        top.add_row(*cells)
    console.print(top)


def _print_tracking(console: Console, ci: CiResult) -> None:
    """What the baseline and the waivers did, and the waivers that need attention."""
    counts = ci.status_counts()
    if ci.baseline is not None:
        console.print(
            f"Baseline {escape(ci.baseline.path)} ({len(ci.baseline.finding_ids):,} finding(s), "
            f"as of {ci.baseline.as_of or '?'}): {counts['baselined']:,} baselined, "
            f"{counts['new']:,} new, {counts['unbaselinable']:,} in it but never baselined "
            f"({', '.join(NEVER_BASELINED)})",
            soft_wrap=True,
        )
    if ci.waivers is not None:
        states = [s.state for s in ci.waiver_states]
        console.print(
            f"Waivers {escape(ci.waivers.path)} ({len(ci.waivers.entries)} entries): "
            f"{counts['waived']:,} finding(s) waived, {states.count('expired')} waiver(s) expired, "
            f"{states.count('stale')} stale",
            soft_wrap=True,
        )
    for state in ci.problems():
        console.print(
            f"[yellow]waiver {state.state}[/yellow]: {escape(waiver_problem(state))}",
            soft_wrap=True,
        )


@app.command("rules")
def list_rules() -> None:
    """List the rule catalogue."""
    table = Table(title="auditkit rules")
    for heading in ("code", "name", "area", "severity", "title"):
        table.add_column(heading)
    for code, rule_ in sorted(RULES.items()):
        table.add_row(code, rule_.name, rule_.area, rule_.severity, rule_.title)
    out.print(table)


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code (CON002) or name.")]) -> None:
    """Print a rule's documentation."""
    rule_ = find_rule(code)
    if rule_ is None:
        raise UsageError(f"no rule {code!r}", hint="`auditkit rules` lists the codes and names")
    sys.stdout.write(rule_.explain())


from auditkit.commands import register_all  # noqa: E402 - the app must exist first

register_all(app)


def main() -> None:
    """Entry point: user errors are rendered in one or two lines with exit code 2."""
    try:
        app()  # standalone: usage errors exit 2 with click's message
    except AuditkitError as exc:
        # NOTE: soft_wrap keeps the message's own lines: no wrapping at the terminal width.
        err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(ExitCode.ERROR)
