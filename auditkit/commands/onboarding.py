"""The onboarding commands: `auditkit init` and `auditkit policy explain`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from auditkit.errors import UsageError


def init(
    dest: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder for policy.toml (and mapping.toml).")
    ],
    export: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="EXPORT_DIR",
            help="An export folder: suggest mapping.toml from its files and columns.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite policy.toml / mapping.toml in DEST.")
    ] = False,
) -> None:
    """Write a commented policy.toml and, with --from, a mapping.toml suggested from the export."""
    from auditkit.cli import out
    from auditkit.onboarding.init import run_init

    result = run_init(dest, export, force=force)
    out.print(
        f"Wrote {result.policy_path}: the policy, Allomeera's values as a worked example; "
        f"{result.policy_todos} lines marked TODO.",
        highlight=False,
        soft_wrap=True,
    )
    if result.suggestion is not None and result.mapping_path is not None:
        c = result.suggestion.counts()
        out.print(
            f"Wrote {result.mapping_path}: {c['tables']} of {c['files']} files placed as tables; "
            f"{c['mapped']} of {c['columns']} columns mapped, {c['kept']} kept, {c['ignored']} "
            f"ignored, {c['columns_to_decide']} to decide; {c['values']} values mapped, "
            f"{c['values_to_decide']} to decide; {result.mapping_todos} lines marked TODO.",
            highlight=False,
            soft_wrap=True,
        )
    mapping = f" --mapping {result.mapping_path}" if result.mapping_path else ""
    target = str(export) if export is not None else "EXPORT_DIR"
    steps = [
        f"Read {result.policy_path} and fix the lines marked TODO "
        f"(grep -n TODO {result.policy_path}).",
    ]
    if result.mapping_path:
        steps.append(
            f"Read {result.mapping_path}: TODO lines are guesses auditkit was not sure of."
        )
    steps += [
        f"auditkit validate {target} --policy {result.policy_path}{mapping}",
        f"auditkit check {target} --policy {result.policy_path}{mapping}",
    ]
    out.print("Next:", highlight=False, soft_wrap=True)
    for number, step in enumerate(steps, 1):
        out.print(f"  {number}. {step}", highlight=False, soft_wrap=True)


def explain(
    policy: Annotated[Path, typer.Argument(metavar="POLICY", help="A policy.toml.")],
    lang: Annotated[str, typer.Option("--lang", help="Language: en or fi.")] = "en",
) -> None:
    """Print what the policy promises in plain words, and warn on contradictions.

    Exit 0: no warning; 1: warnings; 2: the policy does not load (a contradiction the loader
    refuses is still explained).
    """
    from auditkit.cli import ExitCode
    from auditkit.onboarding.explain import LANGS, explain_policy, load_for_explain

    if lang not in LANGS:
        raise UsageError("unknown --lang", value=lang, expected=" or ".join(LANGS))
    explained = load_for_explain(policy)
    sys.stdout.write(explain_policy(explained, lang))
    worst = explained.worst
    code = {"error": ExitCode.ERROR, "warning": ExitCode.FINDINGS}.get(worst or "", ExitCode.OK)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `init` and the `policy` group to the app."""
    app.command("init")(init)
    policy_app = typer.Typer(
        name="policy", help="The policy file: what it promises.", no_args_is_help=True
    )
    policy_app.command("explain")(explain)
    app.add_typer(policy_app, name="policy")
