"""`auditkit baseline`: record today's findings so that CI fails on new ones only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

PathArg = Annotated[Path, typer.Argument(help="Folder of register exports.")]
PolicyOpt = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy file (default: PATH/policy.toml when present)."),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="Mapping file (default: PATH/mapping.toml when present)."),
]


def register(app: typer.Typer) -> None:
    """Add the `baseline` command to the app."""

    @app.command("baseline")
    def baseline(
        path: PathArg,
        output: Annotated[
            Path,
            typer.Option("--output", help="The baseline file to write (JSON, mode 0600)."),
        ],
        policy: PolicyOpt = None,
        mapping: MappingOpt = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Audit date YYYY-MM-DD (default: today).")
        ] = None,
    ) -> None:
        """Write the findings of a full audit as a baseline for `check --baseline FILE`.

        The file holds the run record and, per finding, its id, rule, severity and table only: no
        record or subject ids, messages or evidence.
        """
        # NOTE: imported here: auditkit.cli imports this module while the app is being built.
        from auditkit.audit import run_audit
        from auditkit.ci import NEVER_BASELINED, baseline_document
        from auditkit.cli import _as_of, _refuse_overwriting_inputs, out, resolve_inputs
        from auditkit.report.formats import write_private

        loaded, register_ = resolve_inputs(path, policy, mapping, policy_required=True)
        assert loaded is not None
        _refuse_overwriting_inputs(
            [output],
            [s.path for s in register_.sources]
            + [p for p in (loaded.path, register_.mapping_path) if p is not None],
        )
        result = run_audit(register_, loaded, _as_of(as_of, loaded))
        document = baseline_document(result)
        write_private(output, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        never = result.findings.filter(result.findings["rule"].is_in(NEVER_BASELINED)).height
        out.print(
            f"Baseline of {result.findings.height:,} finding(s) as of {result.run['as_of']} "
            f"written to {output}"
            + (
                f" ({never:,} of them from rules that are never baselined and keep failing: "
                f"{', '.join(NEVER_BASELINED)})"
                if never
                else ""
            ),
            highlight=False,
            soft_wrap=True,
        )
