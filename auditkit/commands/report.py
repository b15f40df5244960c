"""`auditkit report`: the Excel workbook (and the HTML report) of one audit."""

from __future__ import annotations

import inspect
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from auditkit.progress import ProgressCallback, progress_display
from auditkit.progress import report as report_progress

PathArg = Annotated[Path, typer.Argument(help="Folder of register exports.")]


def register(app: typer.Typer) -> None:
    """Add the `report` command to the app."""

    @app.command("report")
    def report(
        path: PathArg,
        policy: Annotated[
            Path | None,
            typer.Option("--policy", help="Policy file (default: PATH/policy.toml when present)."),
        ] = None,
        mapping: Annotated[
            Path | None,
            typer.Option(
                "--mapping", help="Mapping file (default: PATH/mapping.toml when present)."
            ),
        ] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Audit date YYYY-MM-DD (default: today).")
        ] = None,
        excel: Annotated[
            Path | None, typer.Option("--excel", help="Write the Excel workbook here (0600).")
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write the HTML report here (0600).")
        ] = None,
        triage: Annotated[
            Path | None,
            typer.Option(
                "--triage",
                help="Last run's workbook: carry Status, Owner, Due and Comment over by finding "
                "id.",
            ),
        ] = None,
        pseudonymise: Annotated[
            bool,
            typer.Option(
                "--pseudonymise",
                help="Replace subject ids, names, e-mails, phones and finding ids by keyed "
                "pseudonyms (needs --key-file), for a report that leaves the company.",
            ),
        ] = False,
        key_file: Annotated[
            Path | None,
            typer.Option("--key-file", help="The pseudonymisation key: a file of secret bytes."),
        ] = None,
        lang: Annotated[
            str, typer.Option("--lang", help="Language of the report: en or fi.")
        ] = "en",
        waivers: Annotated[
            Path | None,
            typer.Option(
                "--waivers",
                help="Waiver file: waived findings are marked and listed on a Waivers sheet "
                "(default: waivers.toml next to the policy when present).",
            ),
        ] = None,
        history: Annotated[
            Path | None,
            typer.Option(
                "--history",
                help="Append this run to an audit-history folder (Parquet, one file per run); the "
                "HTML report then shows the trend across runs.",
            ),
        ] = None,
        quiet: Annotated[
            bool,
            typer.Option("--quiet", help="No progress display (it shows on a terminal only)."),
        ] = False,
    ) -> None:
        """Write the audit as an Excel workbook (summary, charts, findings to triage) and/or HTML.

        Exit 0 when the reports are written, 2 on an error (the findings do not change the exit
        code: use `auditkit check` as the gate).
        """
        # NOTE: imported here: auditkit.cli imports this module while the app is being built.
        from auditkit.errors import UsageError
        from auditkit.report.labels import LANGS
        from auditkit.report.pseudonymise import read_key

        if excel is None and html is None:
            raise UsageError(
                "nothing to write", hint="give --excel OUT.xlsx and/or --html OUT.html"
            )
        if lang not in LANGS:
            raise UsageError("unknown --lang", value=lang, expected=" or ".join(LANGS))
        if triage is not None and excel is None:
            raise UsageError("--triage needs --excel", hint="triage lives in the Excel workbook")
        if pseudonymise and key_file is None:
            raise UsageError("--pseudonymise needs --key-file", hint="a file of secret bytes")
        if key_file is not None and not pseudonymise:
            raise UsageError("--key-file is used only with --pseudonymise")
        if html is not None and find_spec("auditkit.report.html") is None:
            raise UsageError(
                "--html: the HTML report is not available in this installation "
                "(auditkit.report.html is missing)"
            )
        key = read_key(key_file) if key_file is not None else None

        with progress_display(enabled=not quiet) as progress:
            _report(path, policy, mapping, as_of, excel, html, triage, key, lang, waivers, history,
                    progress)  # fmt: skip

    def _report(
        path: Path,
        policy: Path | None,
        mapping: Path | None,
        as_of: str | None,
        excel: Path | None,
        html: Path | None,
        triage: Path | None,
        key: bytes | None,
        lang: str,
        waivers: Path | None,
        history: Path | None,
        progress: ProgressCallback | None,
    ) -> None:
        """Load, audit and write (the progress display is the caller's)."""
        from auditkit.audit import run_audit
        from auditkit.cli import _as_of, out, resolve_inputs
        from auditkit.errors import UsageError
        from auditkit.report.excel import write_excel

        loaded, register_ = resolve_inputs(
            path, policy, mapping, policy_required=True, progress=progress
        )
        assert loaded is not None
        inputs = {Path(s.path).resolve() for s in register_.sources}
        inputs |= {Path(p).resolve() for p in (loaded.path, register_.mapping_path) if p}
        for target in (excel, html):
            if target is not None and target.resolve() in inputs:
                raise UsageError(
                    "the output names an input file, which is never overwritten", value=str(target)
                )
        result = run_audit(register_, loaded, _as_of(as_of, loaded), progress=progress)
        if waivers is None and loaded.path is not None:
            beside = Path(loaded.path).parent / "waivers.toml"
            waivers = beside if beside.is_file() else None
        if waivers is not None:
            from auditkit.ci import apply_ci, load_waivers

            result = apply_ci(result, waivers=load_waivers(waivers)).with_status()
        if history is not None:
            from auditkit.history import append_history

            recorded = append_history(result, history)
            out.print(f"Recorded the run in {recorded}", highlight=False, soft_wrap=True)

        steps = [
            name for name, target in (("Excel workbook", excel), ("HTML report", html)) if target
        ]
        if excel is not None:
            report_progress(progress, "write", 0, len(steps), steps[0])
            written = write_excel(
                result,
                excel,
                lang=lang,
                pseudonymise_key=key,
                register=register_,
                triage=triage,
            )
            line = f"Wrote {written.path} ({written.findings:,} findings"
            if triage is not None:
                line += (
                    f"; triage: {written.carried_over:,} carried over, {written.reopened:,} "
                    f"reopened, {written.closed:,} closed"
                )
            out.print(line + ")", highlight=False, soft_wrap=True)
            if written.parquet is not None:
                out.print(f"Wrote {written.parquet} (every finding)", highlight=False)
        if html is not None:
            from auditkit.report.html import write_html

            extra = {}
            if "register" in inspect.signature(write_html).parameters:
                extra["register"] = register_
            if history is not None:
                extra["history"] = history
            report_progress(progress, "write", len(steps) - 1, len(steps), steps[-1])
            write_html(result, html, pseudonymise_key=key, lang=lang, **extra)
            out.print(f"Wrote {html}", highlight=False, soft_wrap=True)
        report_progress(progress, "write", len(steps), len(steps))
