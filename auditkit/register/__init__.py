"""Loading register exports into the canonical model."""

from __future__ import annotations

from auditkit.register.loader import ExtraColumn, Register, load_register
from auditkit.register.readers import SourceFile

__all__ = ["ExtraColumn", "Register", "SourceFile", "load_register"]
