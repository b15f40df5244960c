"""The register cache: a typed Parquet copy of every validated source file (ARCHITECTURE.md "Load
once, scan many").

Loading reads every byte of a source file anyway (its SHA-256 and row count go into the audit
trail); the validating pass then writes the typed, canonical table to
`<cache>/registers/<key>.parquet`, keyed by the file's SHA-256 and everything else that decides its
typed form (the table's mapping, the source options, the time zone, the loader's version). The
register's LazyFrames scan those copies, so rules read only the columns they use and the same file
is never validated twice.

The copies hold personal data: the cache folder is created owner-only (0700) and its files are
0600. It lives under the user's cache home (`$AUDITKIT_CACHE_DIR`, else
`$XDG_CACHE_HOME/auditkit`, else `~/.cache/auditkit`), never next to the inputs, and is safe to
delete at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditkit import __version__
from auditkit.errors import UsageError

CACHE_ENV = "AUDITKIT_CACHE_DIR"
# NOTE: bump when the typed form of a table changes, so old copies are never read.
CACHE_FORMAT = 1
# With the default cache="auto", registers smaller than this load in memory: they load in well
# under a second, and a test run does not fill the cache.
AUTO_MIN_BYTES = 64 << 20


def default_dir() -> Path:
    """The user's auditkit cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "auditkit"


def resolve(cache: str | Path | bool | None, inputs: Path, input_bytes: int) -> Path | None:
    """The cache folder to use, or None to load in memory.

    `cache`: None ("auto": the default folder for registers of AUTO_MIN_BYTES or more), True (the
    default folder), False (memory only) or a folder.
    """
    if cache is False or (cache is None and input_bytes < AUTO_MIN_BYTES):
        return None
    folder = default_dir() if cache is None or cache is True else Path(cache).expanduser()
    folder, inputs = folder.resolve(), inputs.resolve()
    if folder == inputs or inputs in folder.parents:
        raise UsageError(
            "the cache folder is inside the export folder",
            file=str(folder),
            hint=f"the cache holds personal data: point {CACHE_ENV} outside the exports, or "
            "leave it to the default under your cache home",
        )
    return folder


def _private_dir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        folder.chmod(0o700)
    return folder


def entry_key(sha256: str, spec: dict[str, Any]) -> str:
    """The cache key: the file's content plus everything that decides its typed form."""
    text = json.dumps(
        {"format": CACHE_FORMAT, "auditkit": __version__, "sha256": sha256, **spec},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One cached table: the typed Parquet copy and its facts (rows, absent columns...)."""

    folder: Path
    key: str

    @property
    def parquet(self) -> Path:
        """The typed copy: one Parquet file, or (a table validated a slice at a time) a folder of
        Parquet parts in row order (`part-00000.parquet`, ...)."""
        return self.folder / f"{self.key}.parquet"

    @property
    def meta_path(self) -> Path:
        return self.folder / f"{self.key}.json"

    def meta(self) -> dict[str, Any] | None:
        """The entry's facts, or None when the entry is absent, partial or unreadable."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("format") != CACHE_FORMAT or not self.parquet.exists():
            return None
        return meta

    def temporary(self) -> Path:
        """A private temporary path beside the entry, for writing its Parquet copy."""
        handle, name = tempfile.mkstemp(prefix=f".{self.key}.", suffix=".tmp", dir=self.folder)
        os.close(handle)
        os.chmod(name, 0o600)
        return Path(name)

    def temporary_folder(self) -> Path:
        """A private temporary folder beside the entry, for writing its copy as parts."""
        return Path(tempfile.mkdtemp(prefix=f".{self.key}.", suffix=".tmp", dir=self.folder))

    def commit(self, written: Path, meta: dict[str, Any]) -> None:
        """Move a finished copy (file or folder of parts) into place, then its facts (an entry
        without facts is ignored)."""
        if written.is_dir():
            os.chmod(written, 0o700)
            for part in written.iterdir():
                os.chmod(part, 0o600)
        else:
            os.chmod(written, 0o600)
        remove(self.parquet)  # an earlier copy without its facts (a run that was cut off)
        os.replace(written, self.parquet)
        meta_tmp = self.temporary()
        meta_tmp.write_text(
            json.dumps({"format": CACHE_FORMAT, **meta}, sort_keys=True, default=str),
            encoding="utf-8",
        )
        os.replace(meta_tmp, self.meta_path)


def remove(path: Path) -> None:
    """Delete a file or a folder of parts; an absent path is fine."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def entry(folder: Path, sha256: str, spec: dict[str, Any]) -> Entry:
    return Entry(_private_dir(_private_dir(folder) / "registers"), entry_key(sha256, spec))
