"""The documentation cannot drift from the code: rule pages are the registry's own text, and the
guide only uses commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from auditkit import docs
from auditkit.cli import app
from auditkit.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
RULE_DOCS = ROOT / "docs" / "rules"
GUIDE = ROOT / "docs" / "your-own-register.md"


def test_the_committed_rule_pages_are_exactly_what_the_registry_generates() -> None:
    assert docs.differences(RULE_DOCS) == [], "run `python -m auditkit.docs` and commit docs/rules"


def test_each_rule_page_holds_the_text_auditkit_explain_prints_word_for_word() -> None:
    assert len(docs.pages()) == len(RULES) + 1
    for code, rule in RULES.items():
        page = docs.pages()[f"{code}.md"]
        for line in rule.explain().splitlines():
            assert line.strip() in page, (code, line)
        assert f"[{code}]({code}.md)" in docs.pages()["README.md"]


def test_the_check_finds_a_changed_a_missing_and_a_stale_page(tmp_path: Path) -> None:
    assert docs.main([str(tmp_path), "--check"]) == 1  # nothing written yet
    assert docs.main([str(tmp_path)]) == 0
    assert docs.main([str(tmp_path), "--check"]) == 0
    (tmp_path / "CON002.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "RET001.md").unlink()
    (tmp_path / "XYZ999.md").write_text("a rule that is gone\n", encoding="utf-8")
    assert docs.differences(tmp_path) == [
        f"{tmp_path / 'CON002.md'}: differs from the registry",
        f"{tmp_path / 'RET001.md'}: missing",
        f"{tmp_path / 'XYZ999.md'}: no such rule (stale page)",
    ]
    docs.write(tmp_path)
    assert docs.differences(tmp_path) == []


def _commands() -> set[str]:
    click_app = typer.main.get_command(app)
    names = set(click_app.commands)  # type: ignore[attr-defined]
    for name, group in click_app.commands.items():  # type: ignore[attr-defined]
        names |= {f"{name} {sub}" for sub in getattr(group, "commands", {})}
    return names


def test_the_guide_uses_only_commands_and_options_that_exist() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    commands = _commands()
    used = re.findall(r"^\$ auditkit ([a-z]+(?: [a-z]+)?)", text, re.MULTILINE)
    assert used, "the guide shows commands"
    for command in used:
        assert command in commands or command.split()[0] in commands, command
    click_app = typer.main.get_command(app)
    init = click_app.commands["init"]  # type: ignore[attr-defined]
    assert {"--from", "--force"} <= {o for p in init.params for o in p.opts}


def test_the_guide_links_the_rule_reference_that_exists() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for link in re.findall(r"\]\(([^)]+\.md)\)", text):
        assert (GUIDE.parent / link).is_file(), link
