"""`auditkit init DIR [--from EXPORT_DIR]`: write a commented policy.toml and a suggested mapping.

Nothing is ever written into the export folder, and an existing file is overwritten only when
asked (`force`). Both files are checked before either is written, so a refusal leaves no half-done
folder behind.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from auditkit.errors import AuditkitError, UsageError
from auditkit.onboarding.policy_template import TEMPLATE, policy_template
from auditkit.onboarding.render import TODO, render_mapping
from auditkit.onboarding.suggest import Suggestion, suggest_mapping
from auditkit.policy import Policy, load_policy, parse_policy


@dataclass(frozen=True)
class InitResult:
    policy_path: Path
    mapping_path: Path | None
    suggestion: Suggestion | None
    policy_todos: int
    mapping_todos: int


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _vocabulary_policy(export: Path) -> tuple[Policy, str]:
    """The policy whose words (recipient categories, purposes, product groups) guide the values."""
    own = export / "policy.toml"
    if own.is_file():
        try:
            return load_policy(own), f"{own} (the export folder's policy)"
        except AuditkitError:
            pass
    return parse_policy(TEMPLATE), "the policy.toml written next to this file"


def run_init(dest: Path, export: Path | None = None, *, force: bool = False) -> InitResult:
    """Write DEST/policy.toml and, with an export folder, DEST/mapping.toml."""
    if export is not None:
        if not export.is_dir():
            raise UsageError(
                "the export folder does not exist" if not export.exists() else "not a folder",
                file=str(export),
                hint="--from takes the folder that holds the exported files",
            )
        if _inside(dest, export):
            raise UsageError(
                "auditkit init never writes into the export folder",
                file=str(dest),
                hint=f"choose a folder outside {export}, e.g. `auditkit init myaudit --from "
                f"{export}`",
            )
    if dest.exists() and not dest.is_dir():
        raise UsageError("not a folder", file=str(dest), hint="give a folder for the new files")
    policy_path = dest / "policy.toml"
    mapping_path = dest / "mapping.toml" if export is not None else None
    for path in (policy_path, mapping_path):
        if path is not None and path.exists() and not force:
            raise UsageError(
                "the file exists already",
                file=str(path),
                hint="pass --force to overwrite it, or choose another folder",
            )
    suggestion = None
    mapping_text = None
    if export is not None:
        vocabulary, source = _vocabulary_policy(export)
        suggestion = suggest_mapping(export, vocabulary, vocabulary_from=source)
        if not suggestion.tables and not suggestion.unreadable:
            raise UsageError(
                "no export files in the folder",
                file=str(export),
                expected="CSV, xlsx or Parquet files, one per table",
            )
        mapping_text = render_mapping(suggestion, f"auditkit init {dest} --from {export}")
    policy_text = policy_template(suggestion)
    dest.mkdir(parents=True, exist_ok=True)
    _write(policy_path, policy_text)
    if mapping_path is not None and mapping_text is not None:
        _write(mapping_path, mapping_text)
    return InitResult(
        policy_path,
        mapping_path,
        suggestion,
        _todos(policy_text),
        _todos(mapping_text or ""),
    )


_MARKER = re.compile(rf"{TODO}( \(|:)")


def _todos(text: str) -> int:
    """Lines marked for a decision (the files' own explanations of the marker not counted)."""
    return sum(1 for line in text.splitlines() if _MARKER.search(line) and "- TODO" not in line)


def _write(path: Path, text: str) -> None:
    """Owner-only permissions: the mapping can quote the export's values."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
