"""`auditkit validate PATH [--policy F] [--mapping F]`: loads everything or says clearly why not.

Errors go through `auditkit.cli.main`: one message on stderr, no traceback, exit code 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit.cli import ExitCode, main
from tests.helpers_register import (
    ASIAKKAAT_CSV,
    ASIAKKAAT_MAPPING,
    CONSENTS_HEADER,
    SUBJECTS_CSV,
    SUBJECTS_HEADER,
    digests,
    write_register,
    write_text,
)
from tests.test_policy import MINIMAL

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str):
    """Run `auditkit ARGS` in this process through `main`; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["auditkit", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (0 if code is None else code), captured.out, captured.err


def assert_one_clear_error(code: int, out: str, err: str, *shown: str) -> None:
    assert code == ExitCode.ERROR == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err and "Traceback" not in out
    assert len(err.strip().splitlines()) <= 2  # the message and its hint, never wrapped
    for text in shown:
        assert text in err
    assert "OK" not in out


def policy(tmp_path: Path, timezone: str = "Europe/Helsinki") -> Path:
    text = MINIMAL.replace(
        'controller = "Pieni Oy"', f'controller = "Pieni Oy"\ntimezone = "{timezone}"'
    )
    return write_text(tmp_path / "policy" / "policy.toml", text)


# --- a register that loads ----------------------------------------------------------------------


def test_validate_prints_row_counts_and_exits_0(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(
        tmp_path / "register", consents=CONSENTS_HEADER + "E1,S1,profiling,grant,2023-01-01\n"
    )
    code, out, err = run(capsys, monkeypatch, "validate", folder)
    assert code == ExitCode.OK
    assert err == ""
    assert "subjects.csv" in out and "consents.csv" in out
    assert "OK: the register loads." in out
    assert "Tables not present" in out and "vehicles" in out


def test_validate_lists_unclassified_columns(tmp_path, capsys, monkeypatch) -> None:
    text = "subject_id,subject_type,created_at,cookie_id,fax\nS1,person,2020-01-02,abc,\n"
    code, out, _ = run(capsys, monkeypatch, "validate", write_register(tmp_path, subjects=text))
    assert code == 0
    assert "subjects.cookie_id (holds values)" in out
    assert "subjects.fax (empty)" in out


def test_validate_with_a_policy_names_it_and_its_sha256(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register")
    code, out, _ = run(capsys, monkeypatch, "validate", folder, "--policy", policy(tmp_path))
    assert code == 0
    assert "Pieni Oy:n asiakasrekisteri" in out
    assert "sha256" in out


def test_the_policy_time_zone_is_used_for_naive_timestamps(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(
        tmp_path / "register", consents=CONSENTS_HEADER + "E1,S1,profiling,grant,2023-10-29 03:30\n"
    )
    _, helsinki, _ = run(capsys, monkeypatch, "validate", folder, "--policy", policy(tmp_path))
    assert "1 ambiguous local time(s)" in helsinki
    utc_policy = policy(tmp_path / "utc", timezone="UTC")
    _, utc, _ = run(capsys, monkeypatch, "validate", folder, "--policy", utc_policy)
    assert "Clock changes" not in utc


def test_policy_and_mapping_in_the_export_folder_are_found(tmp_path, capsys, monkeypatch) -> None:
    folder = tmp_path / "register"
    write_text(folder / "asiakkaat.csv", ASIAKKAAT_CSV)
    write_text(folder / "mapping.toml", ASIAKKAAT_MAPPING)
    write_text(folder / "policy.toml", MINIMAL)
    code, out, err = run(capsys, monkeypatch, "validate", folder)
    assert (code, err) == (0, "")
    assert "asiakkaat.csv" in out
    assert "Pieni Oy:n asiakasrekisteri" in out


def test_an_explicit_mapping_option_is_used(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register", subjects=SUBJECTS_HEADER + "S1,P,2020-01-02\n")
    mapping = write_text(
        tmp_path / "mapping.toml", '[tables.subjects.values.subject_type]\nP = "person"\n'
    )
    code, _, err = run(capsys, monkeypatch, "validate", folder, "--mapping", mapping)
    assert (code, err) == (0, "")


def test_validate_leaves_every_input_file_unchanged(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(
        tmp_path / "register", consents=CONSENTS_HEADER + "E1,S1,profiling,grant,2023-01-01\n"
    )
    write_text(folder / "policy.toml", MINIMAL)
    write_text(folder / "mapping.toml", '[source]\nseparator = ","\n')
    before = digests(folder)
    code, _, _ = run(capsys, monkeypatch, "validate", folder)
    assert code == 0
    assert digests(folder) == before


# --- errors: one message, no traceback, exit code 2 ---------------------------------------------


def test_a_missing_required_column_exits_2_with_one_message(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path, subjects="subject_id,created_at\nS1,2020-01-02\n")
    code, out, err = run(capsys, monkeypatch, "validate", folder)
    assert_one_clear_error(
        code,
        out,
        err,
        "subjects.csv",
        "table subjects",
        "'subject_type'",
        "missing required column",
        "hint:",
    )


def test_an_unparsable_date_exits_2_naming_row_and_value(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path, subjects=SUBJECTS_CSV + "S3,person,31.02.2023\n")
    code, out, err = run(capsys, monkeypatch, "validate", folder)
    assert_one_clear_error(
        code, out, err, "subjects.csv", "column 'created_at'", "row 4", "'31.02.2023'", "hint:"
    )


def test_an_unknown_enum_value_exits_2_with_the_mapping_key(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path, subjects=SUBJECTS_HEADER + "S1,Henkilö,2020-01-02\n")
    code, out, err = run(capsys, monkeypatch, "validate", folder)
    assert_one_clear_error(
        code,
        out,
        err,
        "column 'subject_type'",
        "row 2",
        "'Henkilö'",
        "[tables.subjects.values.subject_type]",
    )
    # The message is one line however long the path: never wrapped at the terminal width.
    assert "row 2" in err.splitlines()[0] and "'Henkilö'" in err.splitlines()[0]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\x03"])
def test_an_empty_or_binary_file_exits_2(tmp_path, capsys, monkeypatch, content: bytes) -> None:
    (tmp_path / "subjects.csv").write_bytes(content)
    code, out, err = run(capsys, monkeypatch, "validate", tmp_path)
    assert_one_clear_error(code, out, err, "subjects.csv", "table subjects", "hint:")


def test_an_unreadable_encoding_exits_2(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "subjects.csv").write_bytes(SUBJECTS_CSV.encode() + b"S3,person,2020-01-02\x9d\n")
    code, out, err = run(capsys, monkeypatch, "validate", tmp_path)
    assert_one_clear_error(code, out, err, "subjects.csv", "unreadable encoding", "row 4", "hint:")


def test_a_bad_policy_exits_2_naming_the_key(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register")
    bad = write_text(tmp_path / "policy.toml", MINIMAL + 'inactive_afterr = "P5Y"\n')
    code, out, err = run(capsys, monkeypatch, "validate", folder, "--policy", bad)
    assert_one_clear_error(code, out, err, "policy.toml", "unknown key 'retention.inactive_afterr'")


def test_a_bad_duration_in_the_policy_exits_2(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register")
    bad = write_text(tmp_path / "policy.toml", MINIMAL.replace('"P3Y"', '"1 year"'))
    code, out, err = run(capsys, monkeypatch, "validate", folder, "--policy", bad)
    assert_one_clear_error(code, out, err, "retention.after_relationship", "'1 year'")


def test_a_bad_mapping_exits_2(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register")
    bad = write_text(
        tmp_path / "mapping.toml", '[tables.subjects.columns]\nTunnus = "subject_idd"\n'
    )
    code, out, err = run(capsys, monkeypatch, "validate", folder, "--mapping", bad)
    assert_one_clear_error(code, out, err, "mapping.toml", "'subject_idd'")


def test_a_missing_folder_exits_2(tmp_path, capsys, monkeypatch) -> None:
    code, out, err = run(capsys, monkeypatch, "validate", tmp_path / "nope")
    assert_one_clear_error(code, out, err, "no such folder")


def test_a_missing_policy_file_exits_2(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path / "register")
    code, out, err = run(
        capsys, monkeypatch, "validate", folder, "--policy", tmp_path / "nope.toml"
    )
    assert_one_clear_error(code, out, err, "nope.toml", "cannot read the policy file")


def test_errors_leave_the_input_files_unchanged(tmp_path, capsys, monkeypatch) -> None:
    folder = write_register(tmp_path, subjects=SUBJECTS_CSV + "S3,person,31.02.2023\n")
    before = digests(folder)
    code, _, _ = run(capsys, monkeypatch, "validate", folder)
    assert code == 2
    assert digests(folder) == before


def test_a_usage_error_exits_2(capsys, monkeypatch) -> None:
    code, _, err = run(capsys, monkeypatch, "validate")
    assert code == 2
    assert "Missing argument" in err
    assert "Traceback" not in err


# --- as a real process --------------------------------------------------------------------------


def test_python_m_auditkit_validate_exits_2_without_a_traceback(tmp_path: Path) -> None:
    folder = write_register(tmp_path, subjects=SUBJECTS_HEADER + "S1,person,2020-01-40\n")
    before = digests(folder)
    result = subprocess.run(
        [sys.executable, "-m", "auditkit", "validate", str(folder)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert "column 'created_at', row 2" in result.stderr
    assert "'2020-01-40'" in result.stderr
    assert digests(folder) == before


def test_the_auditkit_command_validates_a_good_register(tmp_path: Path) -> None:
    folder = write_register(tmp_path)
    command = Path(sys.executable).with_name("auditkit")
    args = [str(command)] if command.exists() else [sys.executable, "-m", "auditkit"]
    result = subprocess.run(
        [*args, "validate", str(folder)], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "OK: the register loads." in result.stdout
