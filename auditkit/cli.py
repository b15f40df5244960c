"""The `auditkit` command."""

from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from auditkit import __version__
from auditkit.errors import AuditkitError
from auditkit.policy import Policy, load_policy
from auditkit.register.loader import DEFAULT_TIMEZONE, Register, load_register


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
    path: Path, policy: Path | None, mapping: Path | None, *, policy_required: bool
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
    return loaded, load_register(path, mapping, timezone=timezone)


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
    missing = [t for t in ("vehicles", "contracts", "consents", "communications",
                           "disclosures", "requests", "notes") if not register.has(t)]
    if missing:
        out.print(f"Tables not present (rules needing them will be skipped): {', '.join(missing)}")
    clock = register.clock_changes
    if clock["ambiguous"] or clock["nonexistent"]:
        out.print(
            f"Clock changes: {clock['ambiguous']} ambiguous local time(s) read as the earlier "
            f"instant, {clock['nonexistent']} non-existent one(s) read with the offset before the gap"
        )
    if loaded is not None:
        out.print(f"Policy {loaded.path}: {loaded.register_info.name} (sha256 {loaded.sha256[:12]})")
    out.print("[green]OK[/green]: the register loads.")


def main() -> None:
    """Entry point: user errors are rendered in one or two lines with exit code 2."""
    try:
        app()  # standalone: usage errors exit 2 with click's message
    except AuditkitError as exc:
        err.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        sys.exit(ExitCode.ERROR)
