"""Progress of long runs: the library reports, the terminal shows, everything else stays quiet."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from rich.console import Console

from auditkit.audit import run_audit
from auditkit.policy import load_policy
from auditkit.progress import progress_display
from auditkit.register import load_register

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, str]] = []

    def __call__(self, task: str, done: int, total: int, detail: str = "") -> None:
        self.calls.append((task, done, total, detail))


def test_loading_and_auditing_report_each_table_and_rule() -> None:
    recorder = Recorder()
    policy = load_policy(SAMPLE / "policy.toml")
    register = load_register(SAMPLE, SAMPLE / "mapping.toml", progress=recorder)
    run_audit(register, policy, date(2026, 6, 30), select=["CON", "RET001"], progress=recorder)
    loads = [c for c in recorder.calls if c[0] == "load"]
    assert [c[3] for c in loads[:-1]] == list(register.tables)
    assert loads[-1][1:3] == (len(register.tables), len(register.tables))
    rules = [c[3] for c in recorder.calls if c[0] == "rules" and c[3]]
    assert rules == ["CON001", "CON002", "CON003", "CON004", "CON005", "RET001"]
    assert any(c[0] == "collect" for c in recorder.calls)


def test_the_display_draws_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with progress_display(console=console) as progress:
        assert progress is not None
        progress("load", 1, 3, "consents")
        progress("collect", 0, 0, "31 rules together")
    assert "Loading tables" in screen.getvalue()


def test_quiet_or_not_a_terminal_shows_nothing() -> None:
    screen = io.StringIO()
    with progress_display(enabled=False, console=Console(file=screen, force_terminal=True)) as p:
        assert p is None
    with progress_display(console=Console(file=screen, force_terminal=False)) as p:
        assert p is None
    assert screen.getvalue() == ""


def test_report_shows_loading_rules_and_writing_and_quiet_turns_it_off(
    tmp_path: Path, monkeypatch
) -> None:
    from contextlib import contextmanager

    from typer.testing import CliRunner

    from auditkit.cli import app
    from auditkit.commands import report as report_command

    recorder = Recorder()
    states: list[bool] = []

    @contextmanager
    def display(enabled: bool = True, **_: object):
        states.append(enabled)
        yield recorder if enabled else None

    monkeypatch.setattr(report_command, "progress_display", display)
    args = [
        "report",
        str(SAMPLE),
        "--as-of",
        "2026-06-30",
        "--mapping",
        str(SAMPLE / "mapping.toml"),
    ]
    outputs = ["--excel", str(tmp_path / "a.xlsx"), "--html", str(tmp_path / "a.html")]
    done = CliRunner().invoke(app, [*args, *outputs])
    assert done.exit_code == 0, done.output
    tasks = {c[0] for c in recorder.calls}
    assert {"load", "rules", "collect", "write"} <= tasks
    writes = [c for c in recorder.calls if c[0] == "write"]
    assert [c[3] for c in writes] == ["Excel workbook", "HTML report", ""]
    assert writes[-1][1:3] == (2, 2)
    recorder.calls.clear()
    done = CliRunner().invoke(app, [*args, "--excel", str(tmp_path / "b.xlsx"), "--quiet"])
    assert done.exit_code == 0, done.output
    assert states == [True, False] and recorder.calls == []
