"""Sub-commands that live in their own modules; each module exposes `register(app)`.

`auditkit.cli` owns the app, `validate`, `check`, `rules` and `explain`; the modules here add the
rest (report, baseline, synth, init, policy), so each concern keeps its command next to its code.
"""

from __future__ import annotations

from importlib import import_module

import typer

MODULES = ("report", "baseline", "synth", "onboarding")


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        import_module(f"auditkit.commands.{name}").register(app)
