"""`auditkit synth`: synthetic registers whose audit finds exactly the breaches planted in them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from auditkit.audit import AuditResult, run_audit
from auditkit.cli import app
from auditkit.errors import UsageError
from auditkit.policy import load_policy
from auditkit.register.loader import load_register
from auditkit.register.schema import ROW
from auditkit.synth import RULE_CODES, plant_counts, synthesize

AS_OF = date(2026, 6, 30)
EVERY_RULE = dict.fromkeys(RULE_CODES, 0.004)  # with 1,500 subjects: 6 per rule, every variant


def audit(root: Path) -> AuditResult:
    policy = load_policy(root / "policy.toml")
    mapping = root / "mapping.toml" if (root / "mapping.toml").is_file() else None
    register = load_register(root, mapping, timezone=policy.timezone)
    return run_audit(register, policy, AS_OF)


def planted_records(root: Path) -> set[tuple[str, str, str]]:
    records = pl.read_csv(root / "planted.csv", infer_schema=False)
    return set(records.iter_rows())


def found_records(result: AuditResult) -> set[tuple[str, str, str]]:
    return set(result.findings.select("rule", "table", "record_id").iter_rows())


@pytest.fixture(scope="module")
def parquet_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "register"
    synthesize(root, 1_500, seed=11, rates=EVERY_RULE)
    return root


def test_the_audit_finds_exactly_the_planted_breaches_per_rule(parquet_register: Path) -> None:
    planted = json.loads((parquet_register / "planted.json").read_text())["planted"]
    result = audit(parquet_register)
    counts = Counter(result.findings["rule"].to_list())
    assert {code: counts.get(code, 0) for code in RULE_CODES} == planted
    assert all(planted[code] > 0 for code in RULE_CODES)
    assert result.skipped == []


def test_the_audit_names_exactly_the_planted_records(parquet_register: Path) -> None:
    assert found_records(audit(parquet_register)) == planted_records(parquet_register)


def test_a_breach_that_is_two_failures_is_planted_as_two(parquet_register: Path) -> None:
    """A late answer with no extension notice is DSR002 and DSR003 (RULES.md)."""
    planted = json.loads((parquet_register / "planted.json").read_text())["planted"]
    assert planted["DSR002"] == planted["DSR003"] + plant_counts(1_500, EVERY_RULE)["DSR002"]


def test_the_background_alone_is_lawful(tmp_path: Path) -> None:
    root = tmp_path / "register"
    synthesize(root, 2_000, seed=5, rates=dict.fromkeys(RULE_CODES, 0.0))
    result = audit(root)
    assert result.findings.is_empty()
    assert result.warnings == []


def test_the_finnish_export_with_its_mapping_gives_the_same_exact_findings(
    tmp_path: Path,
) -> None:
    root = tmp_path / "register"
    synthesize(root, 700, seed=3, fmt="csv", finnish=True, rates=dict.fromkeys(RULE_CODES, 0.005))
    assert (root / "mapping.toml").is_file()
    assert (root / "asiakkaat.csv").read_bytes().decode("cp1252").startswith("Asiakasnumero;")
    assert found_records(audit(root)) == planted_records(root)
    assert ("DAT001", "subjects", "Faksi") in planted_records(root)


def test_csv_and_parquet_of_one_seed_hold_the_same_register(tmp_path: Path) -> None:
    roots = {}
    for fmt in ("csv", "parquet"):
        roots[fmt] = tmp_path / fmt
        synthesize(roots[fmt], 400, seed=9, fmt=fmt, rates=dict.fromkeys(RULE_CODES, 0.005))
    policy = load_policy(roots["csv"] / "policy.toml")
    csv, parquet = (load_register(r, timezone=policy.timezone) for r in roots.values())
    for table in parquet.tables:
        assert_frame_equal(
            csv.table(table).drop(ROW).collect(), parquet.table(table).drop(ROW).collect()
        )


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(root.iterdir())}

    synthesize(tmp_path / "a", 300, seed=1)
    synthesize(tmp_path / "b", 300, seed=1)
    synthesize(tmp_path / "c", 300, seed=2)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert (
        files(tmp_path / "a")["communications.parquet"]
        != files(tmp_path / "c")["communications.parquet"]
    )


def test_volumes_per_subject_are_those_of_a_dealer_register(tmp_path: Path) -> None:
    rows = synthesize(tmp_path / "r", 20_000, seed=4, rates=dict.fromkeys(RULE_CODES, 0.0)).rows
    per_subject = {table: n / rows["subjects"] for table, n in rows.items()}
    assert per_subject["communications"] == pytest.approx(10, rel=0.05)
    assert per_subject["consents"] == pytest.approx(2, rel=0.1)
    assert per_subject["contracts"] == pytest.approx(1.5, rel=0.05)
    assert per_subject["disclosures"] == pytest.approx(0.5, rel=0.1)
    assert per_subject["vehicles"] == pytest.approx(1, rel=0.05)
    assert per_subject["requests"] == pytest.approx(0.01, rel=0.3)


def test_rates_set_how_many_breaches_are_planted() -> None:
    counts = plant_counts(10_000, {"CON002": 0.01, "DSR001": 0.0})
    assert counts["CON002"] == 100
    assert counts["DSR001"] == 0
    assert counts["RET001"] == 10  # the default rate, 0.001
    assert counts["DAT001"] == 1  # one unclassified column, whatever the rate


def test_identity_codes_are_temporary_ones(parquet_register: Path) -> None:
    """Every identity code uses the individual numbers 900-999: no real person's code."""
    subjects = pl.read_parquet(parquet_register / "subjects.parquet")
    codes = subjects["personal_id"].drop_nulls().to_list()
    assert codes and all(int(code[7:10]) >= 900 for code in codes)


def test_the_cli_writes_a_register_and_its_plants(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "reg"
    done = runner.invoke(app, ["synth", str(out), "--subjects", "300", "--format", "csv",
                               "--rates", "CON002=0.01,DSR001=0", "--quiet"])  # fmt: skip
    assert done.exit_code == 0, done.output
    planted = json.loads((out / "planted.json").read_text())
    assert planted["planted"]["CON002"] == 3
    assert planted["planted"]["DSR001"] == 0
    assert (out / "subjects.csv").is_file() and (out / "policy.toml").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--subjects", "10", "--format", "xlsx"], "unknown --format"),
        (["--subjects", "0"], "--subjects must be at least 1"),
        (["--subjects", "10", "--rates", "XXX001=0.1"], "unknown rule code"),
        (["--subjects", "10", "--rates", "CON002"], "--rates takes CODE=RATE pairs"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path: Path, arguments: list[str], message: str) -> None:
    done = CliRunner().invoke(app, ["synth", str(tmp_path / "out"), *arguments])
    assert isinstance(done.exception, UsageError)
    assert message in str(done.exception)
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_other_files_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = subprocess.run(
        [sys.executable, "-m", "auditkit", "synth", str(tmp_path), "--subjects", "10"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "holds other files" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_synth_works_at_sizes_where_few_company_contacts_are_drawn(tmp_path) -> None:
    """Regression: with seed 3 and 2,000 subjects a business-id draw once came up short."""
    import subprocess
    import sys

    for subjects in ("1", "2000"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditkit",
                "synth",
                str(tmp_path / subjects),
                "--subjects",
                subjects,
                "--seed",
                "3",
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert (tmp_path / subjects / "subjects.parquet").is_file()
