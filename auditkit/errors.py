"""Errors that speak to the user: each carries where the problem is and what would fix it.

The CLI renders an `AuditkitError` in one or two lines and exits 2; a traceback means a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AuditkitError(Exception):
    """Base class: a problem with the user's input, policy or invocation."""

    message: str
    file: str | None = None
    table: str | None = None
    column: str | None = None
    row: int | None = None
    value: str | None = None
    expected: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.table:
            parts.append(f"table {self.table}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            text += f": {self.value!r}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class LoadError(AuditkitError):
    """A register export that cannot be read into the canonical model."""


class MappingError(AuditkitError):
    """A mapping file that is malformed or names something that does not exist."""


class PolicyError(AuditkitError):
    """A policy file that is malformed or contradicts itself."""


class UsageError(AuditkitError):
    """A command-line invocation that cannot be carried out."""


class RuleError(AuditkitError):
    """A rule raised while running: never a silent pass."""
