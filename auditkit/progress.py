"""Progress of long runs: the callback the library reports to, and a display for terminals.

`load_register`, `run_audit` and `synthesize` take `progress=`: a callable receiving
`(task, done, total, detail)` — task is a stable name ("load", "rules", "collect", "write",
"synth"), `done` of `total` steps are finished (total 0: no count known), `detail` names the
current step (a table, a rule). The library never prints; `progress_display()` renders the calls
with rich on a terminal and is silent everywhere else (pipes, CI logs, notebooks' stderr files).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressCallback(Protocol):
    """What the library calls to report progress."""

    def __call__(self, task: str, done: int, total: int, detail: str = "") -> None: ...


TITLES = {
    "load": "Loading tables",
    "rules": "Planning rules",
    "collect": "Running rules",
    "write": "Writing",
    "synth": "Generating",
}


def report(
    progress: ProgressCallback | None, task: str, done: int, total: int, detail: str = ""
) -> None:
    """Call `progress` when there is one (the library's single entry point)."""
    if progress is not None:
        progress(task, done, total, detail)


class RichProgress:
    """A `ProgressCallback` that draws one bar per task with rich."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, task: str, done: int, total: int, detail: str = "") -> None:
        title = TITLES.get(task, task)
        description = f"{title}: {detail}" if detail else title
        if task not in self._tasks:
            self._tasks[task] = self._progress.add_task(description, total=total or None)
        self._progress.update(
            self._tasks[task], completed=done, total=total or None, description=description
        )

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


@contextmanager
def progress_display(
    enabled: bool = True, console: Console | None = None
) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing on the terminal, or None when disabled (`--quiet`) or when
    stderr is not a terminal."""
    console = console or Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    with RichProgress(console) as progress:
        yield progress
