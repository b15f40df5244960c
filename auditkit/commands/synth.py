"""The `synth` command: write a synthetic register of any size with planted breaches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from auditkit.errors import UsageError
from auditkit.progress import progress_display
from auditkit.synth import DEFAULT_RATE, FORMATS, RULE_CODES, synthesize


def _rates(rate: float, rates: list[str] | None) -> dict[str, float]:
    """`--rate` for every rule, then `--rates CODE=R,...` per rule."""
    chosen = dict.fromkeys(RULE_CODES, rate)
    for item in (part.strip() for value in rates or [] for part in value.split(",")):
        if not item:
            continue
        code, _, value = item.partition("=")
        try:
            chosen[code.strip().upper()] = float(value)
        except ValueError as exc:
            raise UsageError("--rates takes CODE=RATE pairs", value=item,
                             expected="e.g. CON002=0.01,DSR001=0") from exc  # fmt: skip
    return chosen


def register(app: typer.Typer) -> None:
    """Add `auditkit synth` to the app."""

    @app.command()
    def synth(
        out: Annotated[
            Path,
            typer.Argument(
                help="Folder to write (new, empty, or an earlier synth output, which is replaced)."
            ),
        ],  # fmt: skip
        subjects: Annotated[int, typer.Option("--subjects", help="Lawful background subjects.")],
        seed: Annotated[
            int, typer.Option("--seed", help="Random seed (same seed, same files).")
        ] = 0,
        output_format: Annotated[
            str, typer.Option("--format", help=f"File format: {' or '.join(FORMATS)}.")
        ] = "parquet",
        finnish: Annotated[
            bool,
            typer.Option("--finnish", help="Write the Finnish CRM export style with its mapping."),
        ] = False,
        rate: Annotated[
            float,
            typer.Option("--rate", help="Planted breaches per background subject, every rule."),
        ] = DEFAULT_RATE,
        rates: Annotated[
            list[str] | None,
            typer.Option("--rates", help="Per-rule rates, CODE=RATE[,CODE=RATE...]."),
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
    ) -> None:
        """Write a synthetic register with planted breaches of every rule (planted.json)."""
        with progress_display(enabled=not quiet) as progress:
            result = synthesize(
                out,
                subjects,
                seed=seed,
                fmt=output_format,
                finnish=finnish,
                rates=_rates(rate, rates),
                progress=progress,
            )
        console = Console(stderr=True, quiet=quiet)
        rows = ", ".join(f"{table} {n:,}" for table, n in result.rows.items() if n)
        console.print(f"Wrote {result.path}: {rows}")
        console.print(f"Planted findings: {sum(result.planted.values()):,} (planted.json)")
