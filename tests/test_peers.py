"""The benchmark's peers (DuckDB SQL, naive pandas) find what auditkit finds: same rules, same
records, so their timings compare like with like — and they serve as independent oracles."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from auditkit.audit import run_audit
from auditkit.policy import Policy, load_policy
from auditkit.register import Register, load_register
from auditkit.synth import RULE_CODES, synthesize
from benchmarks.peers import duckdb_peer, pandas_peer

AS_OF = date(2026, 6, 30)
PEER_RULES = ("CON001", "CON002", "RET001")
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "allomeera"
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


def auditkit_findings(register: Register, policy: Policy, as_of: date) -> dict[str, list[str]]:
    findings = run_audit(register, policy, as_of, select=list(PEER_RULES)).findings
    return {
        rule: sorted(findings.filter(findings["rule"] == rule)["record_id"].to_list())
        for rule in PEER_RULES
    }


@pytest.fixture(scope="module", params=["parquet", "csv"])
def synthetic(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small benchmark register (the S register's shape, 2,000 subjects), 2 % planted."""
    root = tmp_path_factory.mktemp("peers") / request.param
    synthesize(root, 2_000, seed=21, fmt=request.param, rates=dict.fromkeys(RULE_CODES, 0.003))
    return root


def test_duckdb_finds_what_auditkit_finds_from_the_same_files(synthetic: Path) -> None:
    fmt = "csv" if (synthetic / "subjects.csv").is_file() else "parquet"
    policy = load_policy(synthetic / "policy.toml")
    expected = auditkit_findings(load_register(synthetic, timezone=policy.timezone), policy, AS_OF)
    con, present = duckdb_peer.connect_files(synthetic, fmt, policy)
    found = {
        **duckdb_peer.con_findings(con, present, policy),
        **duckdb_peer.ret001_findings(con, present, policy, AS_OF),
    }
    assert found == expected
    assert all(expected[rule] for rule in PEER_RULES)


def test_pandas_finds_what_auditkit_finds_from_the_same_files(synthetic: Path) -> None:
    fmt = "csv" if (synthetic / "subjects.csv").is_file() else "parquet"
    policy = load_policy(synthetic / "policy.toml")
    expected = auditkit_findings(load_register(synthetic, timezone=policy.timezone), policy, AS_OF)
    found = pandas_peer.con_findings(pandas_peer.read_files(synthetic, fmt), policy)
    assert found == {rule: expected[rule] for rule in ("CON001", "CON002")}


def registers() -> list[tuple[str, Path, Path | None, Path, date]]:
    cases = [("allomeera", SAMPLE, SAMPLE / "mapping.toml", SAMPLE / "policy.toml", AS_OF)]
    for base in sorted(CONFORMANCE.glob("register-*")) if CONFORMANCE.exists() else []:
        as_of = date.fromisoformat(json.loads((base / "expected.json").read_text())["as_of"])
        cases.append((base.name, base / "data", None, base / "policy.toml", as_of))
    return cases


REGISTERS = registers()


@pytest.mark.parametrize(
    ("name", "root", "mapping", "policy_file", "as_of"), REGISTERS, ids=[r[0] for r in REGISTERS]
)
def test_the_peers_agree_on_the_edge_cases_of_the_shared_registers(
    name: str, root: Path, mapping: Path | None, policy_file: Path, as_of: date
) -> None:
    """The sample and the conformance registers hold the consent-state edge cases (ties,
    objection requests, the global objection, soft opt-in limits, duplicated subjects)."""
    policy = load_policy(policy_file)
    register = load_register(root, mapping, timezone=policy.timezone)
    expected = auditkit_findings(register, policy, as_of)
    con, present = duckdb_peer.connect_register(register, policy)
    assert duckdb_peer.con_findings(con, present, policy) == {
        rule: expected[rule] for rule in ("CON001", "CON002")
    }
    assert duckdb_peer.ret001_findings(con, present, policy, as_of) == {
        "RET001": expected["RET001"]
    }
    found = pandas_peer.con_findings(pandas_peer.from_register(register), policy)
    assert found == {rule: expected[rule] for rule in ("CON001", "CON002")}
