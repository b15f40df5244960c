"""`auditkit init DIR [--from EXPORT_DIR]`: the files it writes, and what it refuses to do."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from auditkit.onboarding.policy_template import TEMPLATE, policy_template
from auditkit.policy import Policy, load_policy, parse_policy
from tests.test_onboarding_allomeera import SAMPLE, cli
from tests.test_onboarding_suggest import CUSTOMERS, MESSAGES, PERMISSIONS, write_csv


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "customers.csv", CUSTOMERS)
    write_csv(folder / "marketing_permissions.csv", PERMISSIONS)
    write_csv(folder / "messages.csv", MESSAGES)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _values(policy: Policy) -> dict:
    return policy.model_dump(exclude={"sha256", "path"})


def test_the_policy_template_is_the_allomeera_policy_with_comments() -> None:
    assert _values(parse_policy(TEMPLATE)) == _values(load_policy(SAMPLE / "policy.toml"))


def test_the_policy_template_names_every_key_of_the_format() -> None:
    from auditkit.policy import Recipient

    def keys(model: type, prefix: str) -> list[tuple[str, str]]:
        """(section, key) for every key of a model, sections recursed into."""
        found = []
        for name, info in model.model_fields.items():
            key = info.alias or name
            if key in ("sha256", "path"):
                continue
            if hasattr(info.annotation, "model_fields"):
                found += keys(info.annotation, f"{prefix}{key}.")
            else:
                found.append((prefix.rstrip("."), key))
        return found

    for section, key in [*keys(Policy, ""), *keys(Recipient, "disclosures.recipients.")]:
        written = re.search(rf"^#? ?{key} = ", TEMPLATE, re.MULTILINE)
        assert written or f"[{section}.{key}]" in TEMPLATE, (section, key)


@pytest.mark.parametrize(
    "key",
    [
        "after_relationship",
        "marketing_extension",
        "inactive_after",
        "offer",
        "test_drive",
        "warranty",
        "soft_opt_in_max_age",
        "max_age",
        "delete_within",
    ],
)
def test_retention_periods_a_notice_never_states_are_marked_as_decisions(key: str) -> None:
    [line] = [line for line in TEMPLATE.splitlines() if line.startswith(f"{key} = ")]
    assert "# TODO (decide):" in line


def test_init_without_an_export_writes_the_commented_policy_only(tmp_path: Path) -> None:
    code, out, err = cli("init", tmp_path / "myaudit")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "myaudit").iterdir()) == ["policy.toml"]
    assert (tmp_path / "myaudit" / "policy.toml").read_text(encoding="utf-8") == policy_template()
    assert "lines marked TODO" in out and "auditkit check EXPORT_DIR" in out


def test_init_from_an_export_writes_both_files_owner_only_and_the_first_audit_runs(
    tmp_path: Path, export: Path
) -> None:
    before = snapshot(export)
    code, out, err = cli("init", tmp_path / "myaudit", "--from", export)
    assert code == 0, err
    for name in ("policy.toml", "mapping.toml"):
        mode = stat.S_IMODE((tmp_path / "myaudit" / name).stat().st_mode)
        assert mode == 0o600
    assert snapshot(export) == before
    assert "3 of 3 files placed as tables" in out
    policy, mapping = tmp_path / "myaudit" / "policy.toml", tmp_path / "myaudit" / "mapping.toml"
    assert f"auditkit check {export} --policy {policy} --mapping {mapping}" in out
    code, out, err = cli(
        "check", export, "--policy", policy, "--mapping", mapping, "--as-of", "2026-06-30"
    )
    assert code in (0, 1), err  # a first report: findings or none, never an error
    assert "finding(s) from" in out


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, export: Path) -> None:
    dest = tmp_path / "myaudit"
    dest.mkdir()
    (dest / "mapping.toml").write_text("# mine\n", encoding="utf-8")
    code, out, err = cli("init", dest, "--from", export)
    assert code == 2 and "mapping.toml: the file exists already" in err and "--force" in err
    assert (dest / "mapping.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (dest / "policy.toml").exists()  # nothing half-written
    code, _, err = cli("init", dest, "--from", export, "--force")
    assert code == 0, err
    assert (dest / "mapping.toml").read_text(encoding="utf-8").startswith("# mapping.toml")


@pytest.mark.parametrize("inside", [".", "audit", "audit/deeper"])
def test_init_never_writes_into_the_export_folder(export: Path, inside: str) -> None:
    before = snapshot(export)
    code, _, err = cli("init", export / inside, "--from", export)
    assert code == 2 and "never writes into the export folder" in err
    assert snapshot(export) == before


def test_init_from_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    code, out, err = cli("init", tmp_path / "myaudit", "--from", tmp_path / "nope")
    assert code == 2 and err.startswith("error: ") and "export folder does not exist" in err
    assert "Traceback" not in err and not (tmp_path / "myaudit").exists()


def test_init_from_a_folder_without_exports_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("not an export\n", encoding="utf-8")
    code, _, err = cli("init", tmp_path / "myaudit", "--from", tmp_path / "empty")
    assert code == 2 and "no export files in the folder" in err
    assert not (tmp_path / "myaudit").exists()


def test_an_export_with_an_unreadable_file_is_still_suggested(tmp_path: Path, export: Path):
    (export / "broken.csv").write_bytes(b"\xff\xfeb\x00r\x00")  # UTF-16
    code, _, err = cli("init", tmp_path / "myaudit", "--from", export)
    assert code == 0, err
    text = (tmp_path / "myaudit" / "mapping.toml").read_text(encoding="utf-8")
    assert "# TODO: broken.csv: cannot be read: unreadable encoding: the file is UTF-16" in text
