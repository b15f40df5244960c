"""Load once, scan many: the typed Parquet cache of validated source files, and the loader's fast
paths (fast date shapes, distinct-value lookups, large files a slice at a time) that must type
every value exactly as the general path does."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from auditkit.audit import run_audit
from auditkit.errors import LoadError, UsageError
from auditkit.policy import load_policy
from auditkit.register import Register, cache, load_register, loader
from tests.helpers_register import CONSENTS_HEADER, SUBJECTS_CSV, write_register

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"


def load_sample(**kwargs: object) -> Register:
    return load_register(SAMPLE, SAMPLE / "mapping.toml", **kwargs)  # type: ignore[arg-type]


def assert_same_register(a: Register, b: Register) -> None:
    assert a.tables.keys() == b.tables.keys()
    for table in a.tables:
        assert_frame_equal(a.table(table).collect(), b.table(table).collect())
    assert a.sources == b.sources
    assert (a.absent_columns, a.extra_columns) == (b.absent_columns, b.extra_columns)
    assert (a.clock_changes, a.source_columns) == (b.clock_changes, b.source_columns)


def cached_files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "registers").iterdir()}


def test_a_cached_register_is_the_register_and_audits_byte_for_byte_the_same(
    tmp_path: Path,
) -> None:
    policy = load_policy(SAMPLE / "policy.toml")
    in_memory = load_sample(timezone=policy.timezone, cache=False)
    cached = load_sample(timezone=policy.timezone, cache=tmp_path)
    assert_same_register(in_memory, cached)
    as_of = date(2026, 6, 30)
    assert (
        run_audit(cached, policy, as_of).to_json() == run_audit(in_memory, policy, as_of).to_json()
    )


def test_the_second_load_reads_the_typed_copies_without_validating_again(tmp_path: Path) -> None:
    first = load_sample(cache=tmp_path)
    written = cached_files(tmp_path)
    assert len([name for name in written if name.endswith(".parquet")]) == len(first.tables)
    second = load_sample(cache=tmp_path)
    assert cached_files(tmp_path) == written
    assert "Parquet SCAN" in second.table("communications").explain()
    assert_same_register(first, second)


def test_a_changed_file_or_mapping_is_validated_again(tmp_path: Path) -> None:
    export = write_register(tmp_path / "export", consents=CONSENTS_HEADER)
    load_register(export, cache=tmp_path / "cache")
    before = set(cached_files(tmp_path / "cache"))
    (export / "subjects.csv").write_text(SUBJECTS_CSV + "S3,person,2022-05-06\n")
    register = load_register(export, cache=tmp_path / "cache")
    assert register.table("subjects").collect().height == 3
    assert len(set(cached_files(tmp_path / "cache")) - before) == 2  # a copy and its facts


def test_the_cache_is_private_and_deleting_it_is_harmless(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    load_sample(cache=folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "registers").stat().st_mode) == 0o700
    for entry in (folder / "registers").iterdir():
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    for entry in (folder / "registers").iterdir():
        entry.unlink()
    (folder / "registers").rmdir()
    folder.rmdir()
    assert_same_register(load_sample(cache=False), load_sample(cache=folder))


def test_a_partial_entry_is_ignored_and_written_again(tmp_path: Path) -> None:
    load_sample(cache=tmp_path)
    for meta in (tmp_path / "registers").glob("*.json"):
        meta.unlink()
    assert_same_register(load_sample(cache=False), load_sample(cache=tmp_path))


def test_the_cache_is_never_inside_the_exports(tmp_path: Path) -> None:
    export = write_register(tmp_path / "export")
    with pytest.raises(UsageError, match="inside the export folder"):
        load_register(export, cache=export / ".cache")
    assert sorted(p.name for p in export.iterdir()) == ["subjects.csv"]


def test_the_default_cache_is_under_the_users_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert cache.default_dir() == tmp_path / "home-cache" / "auditkit"
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "chosen"))
    load_register(write_register(tmp_path / "export"), cache=True)
    assert len(list((tmp_path / "chosen" / "registers").glob("*.parquet"))) == 1


def test_small_registers_load_in_memory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    register = load_register(write_register(tmp_path / "export"))
    assert "Parquet SCAN" not in register.table("subjects").explain()
    assert not (tmp_path / "cache").exists()


def test_a_bad_value_is_reported_the_same_through_the_cache(tmp_path: Path) -> None:
    text = CONSENTS_HEADER + "E1,S1,profiling,grant,2024-01-05\nE2,S1,profiling,grant,31.02.2023\n"
    export = write_register(tmp_path / "export", consents=text)
    errors = []
    for where in (False, tmp_path / "cache"):
        with pytest.raises(LoadError) as caught:
            load_register(export, cache=where)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "row 3" in errors[0] and "'31.02.2023'" in errors[0]
    # Only the good table (subjects) has a typed copy; no temporary file is left behind.
    assert sorted(p.suffix for p in (tmp_path / "cache" / "registers").iterdir()) == [
        ".json",
        ".parquet",
    ]


def test_a_column_of_mixed_date_forms_reads_every_value(tmp_path: Path) -> None:
    """The first value picks a fast shape; a value of another form sends the column back to the
    general reader, which reads both forms."""
    text = (
        CONSENTS_HEADER + "E1,S1,profiling,grant,2024-01-05 10:00\nE2,S1,profiling,grant,6.1.2024\n"
    )
    register = load_register(write_register(tmp_path, consents=text), timezone="UTC")
    recorded = register.table("consents").collect()["recorded_at"].dt.date().to_list()
    assert recorded == [date(2024, 1, 5), date(2024, 1, 6)]


def test_a_large_parquet_file_is_validated_a_slice_at_a_time_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consents = pl.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(10)],
            "subject_id": "S1",
            "purpose": ["profiling", " email_marketing "] * 5,
            "action": "grant",
            "recorded_at": ["2024-01-05T10:00:00"] * 9 + ["2024-13-05T10:00:00"],
        }
    )
    export = write_register(tmp_path / "export")
    consents.head(9).write_parquet(export / "consents.parquet")
    whole = load_register(export, cache=False)
    monkeypatch.setattr(loader, "SLICE_ROWS", 4)
    for where in (False, tmp_path / "cache"):
        assert_same_register(whole, load_register(export, cache=where))
    consents.vstack(consents).write_parquet(export / "consents.parquet")
    errors = []
    for slice_rows in (4, 1_000):  # the error counts the bad values of the whole file
        monkeypatch.setattr(loader, "SLICE_ROWS", slice_rows)
        with pytest.raises(LoadError) as caught:
            load_register(export, cache=tmp_path / "cache")
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "row 10: unparsable value, 2 bad value(s), the first: '2024-13-05T10:00:00'" in errors[0]


def test_a_sliced_table_is_cached_as_private_parts_in_row_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consents = pl.DataFrame(
        {
            "event_id": [f"E{i:02d}" for i in range(11)],
            "subject_id": "S1",
            "purpose": "profiling",
            "action": "grant",
            "recorded_at": [f"2024-01-{i + 1:02d}T10:00:00" for i in range(11)],
        }
    )
    export = write_register(tmp_path / "export")
    consents.write_parquet(export / "consents.parquet")
    whole = load_register(export, cache=False)
    monkeypatch.setattr(loader, "SLICE_ROWS", 4)
    first = load_register(export, cache=tmp_path / "cache")
    folders = [p for p in (tmp_path / "cache" / "registers").iterdir() if p.is_dir()]
    assert len(folders) == 1 and folders[0].suffix == ".parquet"
    parts = sorted(folders[0].iterdir())
    assert [p.name for p in parts] == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert stat.S_IMODE(folders[0].stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in parts)
    second = load_register(export, cache=tmp_path / "cache")  # read from the parts
    for register in (first, second):
        assert_same_register(whole, register)
    ids = second.table("consents").collect()["event_id"].to_list()
    assert ids == [f"E{i:02d}" for i in range(11)]


def test_cache_entries_are_written_atomically(tmp_path: Path) -> None:
    """Only finished entries carry their facts file; temporary files do not linger."""
    load_sample(cache=tmp_path)
    names = os.listdir(tmp_path / "registers")
    assert not [n for n in names if n.endswith(".tmp")]
    stems = {n.rsplit(".", 1)[0] for n in names}
    assert all(f"{s}.parquet" in names and f"{s}.json" in names for s in stems)
