"""Reports rendered from an AuditResult: the Excel workbook, the HTML report (when present).

`write_excel(result, path, ...)` lives in `auditkit.report.excel`; `write_html(result, path, *,
pseudonymise_key, lang)` in `auditkit.report.html`. Both show findings only through
`auditkit.report.pseudonymise.Protector` (identity codes masked, protected addresses withheld,
keyed pseudonyms on request).
"""

from __future__ import annotations

from importlib.util import find_spec

from auditkit.report.excel import ExcelReport, read_triage, write_excel

__all__ = ["ExcelReport", "read_triage", "write_excel"]

# NOTE: the HTML report is its own module; import it only when it exists, so a genuine error inside
# it still surfaces instead of being mistaken for its absence.
if find_spec("auditkit.report.html") is not None:
    from auditkit.report.html import write_html  # noqa: F401

    __all__ += ["write_html"]
