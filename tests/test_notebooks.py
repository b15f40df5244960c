"""The notebooks: stored clean, parameterised for papermill, and run top to bottom on two registers.

Execution shares the kernel start: the notebooks of one parameter set run one after the other in
one kernel, each after `%reset -f` (a fresh namespace, so a notebook that relies on another's
variables fails), the two sets in parallel; one notebook also runs through papermill itself on a
kernel of its own.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
import pytest

from auditkit.audit import run_audit
from auditkit.history import append_history
from auditkit.policy import load_policy
from auditkit.register import load_register
from tests.builders import BASE_POLICY, write_register

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
PARAMETERS = ("DATA", "POLICY", "MAPPING", "AS_OF", "OUTPUT_DIR")
PLOTLY = "application/vnd.plotly.v1+json"

# The charts each notebook must show, with data in them.
EXPECTED: dict[str, set[str]] = {
    "01_overview.ipynb": {"summary", "findings_by_area", "top_rules", "findings_over_time",
                          "findings_table", "audit_trend"},
    "02_retention.ipynb": {"retention_aging", "deletion_calendar"},
    "03_consent.ipynb": {"consent_coverage", "marketing_without_consent"},
    "04_disclosures.ipynb": {"disclosure_sankey", "transfer_map"},
    "05_requests.ipynb": {"request_response_times"},
    "06_report.ipynb": set(),
}  # fmt: skip


def test_there_are_the_six_notebooks() -> None:
    assert NAMES == sorted(EXPECTED)


# ---- stored clean --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_stored_without_outputs_or_execution_counts(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
            assert "execution" not in cell.metadata, cell.id


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_starts_with_a_papermill_parameters_cell_of_exactly_five_values(
    name: str,
) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and first.metadata.get("tags") == ["parameters"]
    assigned = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse(first.source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert tuple(assigned) == PARAMETERS
    assert assigned["DATA"] == "../sample_data/allomeera"
    for key in ("DATA", "POLICY", "MAPPING"):
        assert (NOTEBOOKS / assigned[key]).exists(), key
    assert date.fromisoformat(assigned["AS_OF"]) == date(2026, 6, 30)
    assert nb.metadata.kernelspec.name == "python3"


def test_the_notebooks_are_what_the_build_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "_build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert sorted(built) == NAMES
    for name, text in built.items():
        assert (NOTEBOOKS / name).read_text(encoding="utf-8") == text, (
            f"{name} differs from notebooks/_build.py: run .venv/bin/python notebooks/_build.py"
        )


def test_git_strips_notebook_outputs_with_nbstripout() -> None:
    lines = (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in lines


# ---- a second register ---------------------------------------------------------------------------
SMALL = {
    "subjects": [
        {"subject_id": "S1", "relationship_ended_at": "2019-01-01", "email": "s1@example.com",
         "created_at": "2015-01-01"},
        {"subject_id": "S2", "last_activity_at": "2026-05-01"},
        {"subject_id": "S3", "last_activity_at": "2026-05-01"},
        {"subject_id": "S4", "last_activity_at": "2026-05-01", "protected": "true",
         "street_address": "Piilotie 3"},
        {"subject_id": "S5", "last_activity_at": "2026-05-01"},
    ],
    "contracts": [
        {"contract_id": "C1", "subject_id": "S2", "kind": "offer", "signed_at": "2024-01-01",
         "closed_at": "2024-02-01"},
        {"contract_id": "C2", "subject_id": "S3", "kind": "test_drive", "signed_at": "2026-01-20",
         "closed_at": "2026-01-20"},
        {"contract_id": "C3", "subject_id": "S2", "kind": "sale", "signed_at": "2025-05-01",
         "closed_at": "2025-05-10"},
    ],
    "consents": [
        {"event_id": "E1", "subject_id": "S2", "purpose": "email_marketing", "action": "grant",
         "recorded_at": "2024-01-01T10:00:00", "source": "web_form", "evidence_ref": "F1"},
        {"event_id": "E2", "subject_id": "S3", "purpose": "email_marketing", "action": "grant",
         "recorded_at": "2023-01-01T10:00:00", "source": "store", "evidence_ref": "F2"},
        {"event_id": "E3", "subject_id": "S3", "purpose": "email_marketing", "action": "object",
         "recorded_at": "2025-01-01T10:00:00", "source": "phone", "evidence_ref": "F3"},
        {"event_id": "E4", "subject_id": "S4", "purpose": "sms_marketing", "action": "grant",
         "recorded_at": "2022-01-01T10:00:00", "source": "web_form", "evidence_ref": "F4"},
    ],
    "communications": [
        {"message_id": "M1", "subject_id": "S3", "channel": "email", "category": "marketing",
         "sent_at": "2025-03-01T09:00:00", "campaign_id": "SPRING", "product_group": "vehicles"},
        {"message_id": "M2", "subject_id": "S5", "channel": "sms", "category": "marketing",
         "sent_at": "2025-04-01T09:00:00", "campaign_id": "TIRES", "product_group": "tyres"},
        {"message_id": "M3", "subject_id": "S2", "channel": "email", "category": "marketing",
         "sent_at": "2025-04-01T09:00:00", "campaign_id": "TIRES", "product_group": "vehicles"},
    ],
    "disclosures": [
        {"disclosure_id": "D1", "subject_id": "S2", "recipient": "Toyota Motor Corporation",
         "recipient_category": "importer", "purpose": "warranty", "country": "JP",
         "safeguard": "adequacy", "data_categories": "identity;contact;vehicle",
         "disclosed_at": "2024-05-01T10:00:00"},
        {"disclosure_id": "D2", "subject_id": "S2", "recipient": "Rahoitus Oy",
         "recipient_category": "finance_company", "purpose": "contract", "country": "FI",
         "safeguard": "none", "data_categories": "identity;personal_id",
         "disclosed_at": "2025-05-01T10:00:00"},
        {"disclosure_id": "D3", "subject_id": "S3", "recipient": "Ad Agency Inc",
         "recipient_category": "marketing_processor", "purpose": "controller_direct_marketing",
         "country": "US", "safeguard": "none", "data_categories": "contact",
         "disclosed_at": "2025-06-01T10:00:00"},
        {"disclosure_id": "D4", "subject_id": "S4", "recipient": "Kumppani Oy",
         "recipient_category": "partner", "purpose": "contract", "country": "FI",
         "safeguard": "none", "data_categories": "contact", "disclosed_at": "2025-02-01T10:00:00"},
    ],
    "requests": [
        {"request_id": "Q1", "subject_id": "S3", "kind": "objection",
         "received_at": "2025-01-01T10:00:00", "completed_at": "2025-01-05T10:00:00",
         "outcome": "fulfilled"},
        {"request_id": "Q2", "subject_id": "S1", "kind": "access",
         "received_at": "2026-01-15T10:00:00", "completed_at": None, "outcome": None},
        {"request_id": "Q3", "subject_id": "S2", "kind": "access",
         "received_at": "2025-09-01T10:00:00", "completed_at": "2025-09-20T10:00:00",
         "outcome": "fulfilled"},
    ],
}  # fmt: skip


def small_register(root: Path) -> dict[str, Any]:
    """Write the small register, its policy and an earlier run's history; return the parameters."""
    data = write_register(root / "register", SMALL)
    policy_path = root / "policy.toml"
    policy_path.write_text(BASE_POLICY, encoding="utf-8")
    output = root / "output"
    policy = load_policy(policy_path)
    register = load_register(data, timezone=policy.timezone)
    append_history(run_audit(register, policy, date(2026, 3, 31)), output / "history")
    return {
        "DATA": str(data),
        "POLICY": str(policy_path),
        "MAPPING": None,
        "AS_OF": "2026-06-30",
        "OUTPUT_DIR": str(output),
    }


# ---- running them --------------------------------------------------------------------------------
@dataclass
class Run:
    notebook: Any
    error: BaseException | None


def _prepare(name: str, parameters: dict[str, Any], reset: bool) -> Any:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(NOTEBOOKS / name))
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    if reset:
        cell = nbformat.v4.new_code_cell("%reset -f")
        cell.metadata["tags"] = ["test-reset"]
        nb.cells.insert(0, cell)
    return nb


async def _chain(parameters: dict[str, Any]) -> dict[str, Run]:
    """Every notebook in one kernel, each in a fresh namespace."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel(cwd=str(NOTEBOOKS))
    runs = {}
    try:
        for name in NAMES:
            nb = _prepare(name, parameters, reset=True)
            client = NotebookClient(nb, km=manager, timeout=300, kernel_name="python3")
            try:
                await client.async_execute()
                runs[name] = Run(nb, None)
            except Exception as error:  # reported by the notebook's own test
                runs[name] = Run(nb, error)
    finally:
        await manager.shutdown_kernel(now=True)
    return runs


def _papermill(name: str, parameters: dict[str, Any], out: Path) -> Run:
    import papermill

    try:
        nb = papermill.execute_notebook(
            str(NOTEBOOKS / name),
            str(out),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(NOTEBOOKS),
            progress_bar=False,
        )
        return Run(nb, None)
    except Exception as error:
        return Run(nbformat.read(out, as_version=4), error)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[tuple[str, str], Run]:
    root = tmp_path_factory.mktemp("notebooks")
    sample = {"OUTPUT_DIR": str(root / "sample_output")}  # the defaults for everything else
    small = small_register(root / "small")

    async def everything() -> tuple[Any, ...]:
        return await asyncio.gather(
            _chain(sample),
            _chain(small),
            asyncio.to_thread(_papermill, "01_overview.ipynb", small, root / "papermill.ipynb"),
        )

    on_sample, on_small, fresh = asyncio.run(everything())
    runs = {("sample", n): r for n, r in on_sample.items()}
    runs |= {("small", n): r for n, r in on_small.items()}
    runs[("papermill", "01_overview.ipynb")] = fresh
    for key, parameters in (("sample", sample), ("small", small)):
        runs[(key, "output")] = Run({"OUTPUT_DIR": parameters["OUTPUT_DIR"]}, None)
    return runs


def figures(nb: Any) -> dict[str, dict[str, Any]]:
    """The Plotly figures in a notebook's outputs, by chart name."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(PLOTLY)
            if data is None:
                continue
            figure = json.loads(data) if isinstance(data, str) else data
            found[figure["layout"]["meta"]["chart"]] = figure
    return found


def has_data(figure: dict[str, Any]) -> bool:
    notes = [a.get("text", "") for a in figure["layout"].get("annotations", [])]
    return bool(figure["data"]) and not any("Nothing to show" in n for n in notes)


def check(run: Run) -> None:
    if run.error is not None:
        pytest.fail(f"the notebook failed:\n{str(run.error)[-3000:]}", pytrace=False)
    for cell in run.notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            assert "Traceback" not in output.get("text", ""), output["text"]


@pytest.mark.parametrize("register", ["sample", "small"])
@pytest.mark.parametrize("name", NAMES)
def test_each_notebook_runs_top_to_bottom_and_shows_its_charts(executed, register, name) -> None:
    run = executed[(register, name)]
    check(run)
    shown = figures(run.notebook)
    assert EXPECTED[name] <= set(shown), sorted(shown)
    empty = [chart for chart in EXPECTED[name] if not has_data(shown[chart])]
    assert empty == []


def test_the_overview_runs_through_papermill_on_a_fresh_kernel(executed) -> None:
    run = executed[("papermill", "01_overview.ipynb")]
    check(run)
    assert EXPECTED["01_overview.ipynb"] <= set(figures(run.notebook))
    injected = [
        c for c in run.notebook.cells if "injected-parameters" in c.metadata.get("tags", [])
    ]
    assert len(injected) == 1


def test_the_overview_records_the_run_and_shows_the_trend_since_the_earlier_one(executed) -> None:
    trend = figures(executed[("small", "01_overview.ipynb")].notebook)["audit_trend"]
    runs = {tuple(t["x"]) for t in trend["data"]}
    assert runs == {("2026-03-31", "2026-06-30")}
    history = Path(executed[("small", "output")].notebook["OUTPUT_DIR"]) / "history"
    # the earlier run, and this one recorded once although two notebooks' runs appended it
    assert len(list(history.glob("2026-06-30_*.parquet"))) == 1


def test_the_overview_tells_the_officer_what_was_audited(executed) -> None:
    nb = executed[("sample", "01_overview.ipynb")].notebook
    texts = [
        output["data"]["text/markdown"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    ]
    assert any("Allomeera Oy" in t and "2026-06-30" in t and "finding(s)" in t for t in texts)


@pytest.mark.parametrize("register", ["sample", "small"])
def test_the_report_notebook_writes_the_html_report_owner_only(executed, register) -> None:
    check(executed[(register, "06_report.ipynb")])
    output = Path(executed[(register, "output")].notebook["OUTPUT_DIR"])
    report = output / "audit_2026-06-30.html"
    assert report.is_file()
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    assert 'data-chart="audit_trend"' in report.read_text(encoding="utf-8")
    excel = importlib.util.find_spec("auditkit.report.excel") is not None
    assert (output / "audit_2026-06-30.xlsx").is_file() == excel
