"""Tiny registers built inside a test: a few rows per table, written as canonical CSV and loaded
through the real loader, so a rule test reads as its specification."""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from auditkit.audit import AuditResult, run_audit
from auditkit.policy import Policy, parse_policy
from auditkit.register.loader import load_register

BASE_POLICY = """
[register]
name = "Allomeera Oy:n asiakasrekisteri"
controller = "Allomeera Oy"
business_id = "0984410-3"
timezone = "Europe/Helsinki"

[data_content]
categories = ["identity", "contact", "language", "marketing_preferences", "personal_id",
              "company", "vehicle", "transactions", "communications", "technical"]

[retention]
after_relationship = "P3Y"
marketing_extension = "P2Y"
inactive_after = "P5Y"
accounting_years = 6
financial_year_end = "12-31"
forecast_days = 90
[retention.records]
offer = "P1Y"
test_drive = "P6M"
warranty = "P1Y"

[personal_id]
needed_for = ["financing", "leasing"]

[consent]
soft_opt_in = true
soft_opt_in_kinds = ["sale", "service", "financing", "leasing"]
soft_opt_in_max_age = "P2Y"
own_product_groups = ["vehicles", "service", "accessories", "financing"]
objection_is_global = true
research_is_marketing = false

[requests]
objection_propagation_days = 7

[disclosures]
prohibited_purposes = ["third_party_marketing"]
allowed_for_protected = ["authority"]

[[disclosures.recipients]]
category = "importer"
purposes = ["warranty", "service", "maintenance", "safety"]
data_categories = ["identity", "contact", "vehicle", "transactions"]
transfer_countries = ["*"]

[[disclosures.recipients]]
category = "finance_company"
purposes = ["contract"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "transactions"]

[[disclosures.recipients]]
category = "authority"
purposes = ["contract", "legal_obligation", "register_update"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "company"]

[[disclosures.recipients]]
category = "marketing_processor"
purposes = ["controller_direct_marketing"]
data_categories = ["identity", "contact", "language", "vehicle"]
marketing = true

[[disclosures.recipients]]
category = "research_vendor"
purposes = ["market_research", "customer_satisfaction"]
data_categories = ["identity", "contact", "language", "vehicle"]
delete_within = "P90D"
"""

AS_OF = date(2026, 6, 30)


def make_policy(**sections: dict[str, Any]) -> Policy:
    """The base policy with some keys replaced: `make_policy(consent={"soft_opt_in": False})`."""
    data = tomllib.loads(BASE_POLICY)
    for section, values in sections.items():
        target = data.setdefault(section, {})
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return parse_policy(_dump(data))


def _dump(data: dict[str, Any]) -> str:
    """A minimal TOML writer for the policy shapes used in tests."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def table(prefix: str, body: dict[str, Any]) -> None:
        scalars = {
            k: v
            for k, v in body.items()
            if not isinstance(v, dict)
            and not (isinstance(v, list) and v and isinstance(v[0], dict) and k == "recipients")
        }
        lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {value(v)}" for k, v in scalars.items())
        for key, sub in body.items():
            if isinstance(sub, dict) and not (prefix == "check" and False):
                table(f"{prefix}.{key}", sub)
            elif key == "recipients" and isinstance(sub, list):
                for item in sub:
                    lines.append(f"[[{prefix}.recipients]]")
                    lines.extend(f"{k} = {value(v)}" for k, v in item.items())

    for section, body in data.items():
        table(section, body)
    return "\n".join(lines) + "\n"


SUBJECT_DEFAULTS = {"subject_type": "person", "created_at": "2020-01-01"}


def write_register(root: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """Write each table as canonical CSV (columns = the union of the rows' keys, '' = null)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        if name == "subjects":
            rows = [{**SUBJECT_DEFAULTS, **row} for row in rows]
        columns: list[str] = []
        for row in rows:
            columns += [k for k in row if k not in columns]
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return root


def audit(
    tmp_path: Path,
    *,
    as_of: date = AS_OF,
    policy: Policy | None = None,
    select: list[str] | None = None,
    **tables: list[dict[str, Any]],
) -> AuditResult:
    """Write the tables, load them with the real loader and run the audit."""
    policy = policy or make_policy()
    tables.setdefault("subjects", [])
    root = write_register(tmp_path / "register", tables)
    register = load_register(root, timezone=policy.timezone)
    return run_audit(register, policy, as_of, select=select)


def found(result: AuditResult, rule: str) -> list[str]:
    """The record_ids one rule reported, sorted."""
    return sorted(result.findings.filter(result.findings["rule"] == rule)["record_id"].to_list())


def finding(result: AuditResult, rule: str, record_id: str) -> dict[str, Any]:
    rows = result.findings.filter(
        (result.findings["rule"] == rule) & (result.findings["record_id"] == record_id)
    ).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]
