"""`auditkit init --from` on the Allomeera export with its hand-written mapping taken away: the
suggested mapping loads it and the audit finds exactly what the hand-written mapping finds."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from auditkit.audit import run_audit
from auditkit.cli import main
from auditkit.policy import load_policy
from auditkit.register.loader import load_register
from auditkit.register.mapping import Mapping, load_mapping
from auditkit.rules.identifiers import HETU_SHAPE
from tests.test_sample_data import sample_result

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"
AS_OF = date(2026, 6, 30)


def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run `auditkit ARGS` in this process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["auditkit", *map(str, args)]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exited:
        code = 0 if exited.code is None else int(exited.code)
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The sample export without mapping.toml, and `auditkit init myaudit --from export` on it."""
    root = tmp_path_factory.mktemp("allomeera")
    export = root / "export"
    shutil.copytree(SAMPLE, export, ignore=shutil.ignore_patterns("mapping.toml"))
    code, out, err = cli("init", root / "myaudit", "--from", export)
    assert code == 0, err
    return export, root / "myaudit", out


def test_the_suggested_mapping_gives_exactly_the_findings_of_the_hand_written_one(
    onboarded: tuple[Path, Path, str],
) -> None:
    export, myaudit, _ = onboarded
    policy = load_policy(export / "policy.toml")
    register = load_register(export, myaudit / "mapping.toml", timezone=policy.timezone)
    suggested = run_audit(register, policy, AS_OF)
    expected = sample_result()  # the hand-written mapping's audit, shared with its own tests
    assert suggested.findings.height == expected.findings.height == 157
    assert suggested.findings.equals(expected.findings)  # messages and evidence included
    assert suggested.skipped == expected.skipped
    assert suggested.deletion_calendar.equals(expected.deletion_calendar)


def _placements(mapping: Mapping) -> dict[tuple[str, str], object]:
    """(table, source column) → what the mapping does with it."""
    placed: dict[tuple[str, str], object] = {}
    for table, spec in mapping.tables.items():
        placed[(table, "file")] = (spec.file, spec.sheet)
        placed |= {(table, source): ("map", target) for source, target in spec.columns.items()}
        placed |= {(table, source): ("keep", category) for source, category in spec.keep.items()}
        placed |= {(table, source): ("ignore", None) for source in spec.ignore}
    return placed


def _values(mapping: Mapping) -> dict[tuple[str, str, str], object]:
    return {
        (table, column, source): target
        for table, spec in mapping.tables.items()
        for column, values in spec.values.items()
        for source, target in values.items()
    }


def test_every_column_and_every_value_is_placed_as_the_hand_written_mapping_places_it(
    onboarded: tuple[Path, Path, str],
) -> None:
    export, myaudit, _ = onboarded
    hand, _ = load_mapping(SAMPLE / "mapping.toml")
    mine, _ = load_mapping(myaudit / "mapping.toml")
    expected, got = _placements(hand), _placements(mine)
    right = [key for key, placed in expected.items() if got.get(key) == placed]
    assert len(right) == len(expected) == 82  # 8 files, 71 columns mapped, 2 kept, 1 ignored
    assert set(got) == set(expected)
    # Values: every one the export holds (the hand mapping also lists a few it never uses).
    hand_values, my_values = _values(hand), _values(mine)
    assert set(my_values) <= set(hand_values)
    used = {
        (table, column, source)
        for (table, column, source) in hand_values
        if source in _source_values(export, hand, table, column)
    }
    right_values = [key for key in used if my_values.get(key) == hand_values[key]]
    assert len(right_values) == len(used) == 98


def _source_values(export: Path, mapping: Mapping, table: str, column: str) -> set[str]:
    """The distinct values of the source column mapped to `table.column`, as written."""
    from auditkit.onboarding.sample import read_sample

    spec = mapping.tables[table]
    source = next(s for s, t in spec.columns.items() if t == column)
    [sample] = [s for s in read_sample(export / str(spec.file)) if s.sheet in (None, spec.sheet)]
    return {str(v).strip() for v in sample.frame[source].drop_nulls().to_list()}


def test_the_columns_it_cannot_decide_are_left_unclassified_with_a_todo(
    onboarded: tuple[Path, Path, str],
) -> None:
    _, myaudit, out = onboarded
    text = (myaudit / "mapping.toml").read_text(encoding="utf-8")
    todo = [line for line in text.splitlines() if "TODO:" in line]
    assert [line.split('"')[1] for line in todo] == ["Lisätieto", "Faksi"]
    assert all(line.startswith("# ") for line in todo)  # commented out, never active
    assert "2 to decide" in out and "71 of 76 columns mapped, 2 kept, 1 ignored" in out


def test_the_mapping_is_valid_toml_with_every_key_quoted(
    onboarded: tuple[Path, Path, str],
) -> None:
    _, myaudit, _ = onboarded
    text = (myaudit / "mapping.toml").read_text(encoding="utf-8")
    tomllib.loads(text)
    assert '"Henkilötunnus" = "personal_id"' in text
    assert not re.search(r"^[^#\s\"\[][^=]*[^\x00-\x7f][^=]*=", text, re.MULTILINE)


def test_the_mapping_comments_quote_no_personal_data(onboarded: tuple[Path, Path, str]) -> None:
    _, myaudit, _ = onboarded
    text = (myaudit / "mapping.toml").read_text(encoding="utf-8")
    assert "@" not in text  # no e-mail address
    assert not re.search(HETU_SHAPE.strip("^$"), text)  # no identity code
    assert not re.search(r"\+358", text)  # no phone number
    for surname in ("Koivisto", "Kinnunen", "Hautamäki", "Hietala"):  # names, the salesperson's
        assert surname not in text


def test_the_policy_lists_what_the_export_holds_next_to_the_keys_that_declare_it(
    onboarded: tuple[Path, Path, str],
) -> None:
    _, myaudit, _ = onboarded
    text = (myaudit / "policy.toml").read_text(encoding="utf-8")
    assert "# Recipient categories in your export: importer (253)" in text
    assert "debt_collector (1)" in text  # undeclared: the user sees it before DIS001 does
    assert "# Product groups in your export's messages: service (12,276)" in text
    assert "tyres (596)" in text
    assert "# Contract kinds in your export: service (2,417)" in text
    assert "personal_id (Henkilötunnus)" in text
    assert load_policy(myaudit / "policy.toml").register_info.controller == "Allomeera Oy"


def test_init_reads_the_export_and_writes_nothing_into_it(
    onboarded: tuple[Path, Path, str],
) -> None:
    export, _, _ = onboarded
    assert sorted(p.name for p in export.iterdir()) == sorted(
        p.name for p in SAMPLE.iterdir() if p.name != "mapping.toml"
    )
    for path in export.iterdir():
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes()
