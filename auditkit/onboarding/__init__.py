"""Onboarding: from a raw export and a privacy notice to a first audit.

`auditkit init DIR --from EXPORT_DIR` writes a commented policy.toml (`policy_template`) and a
mapping.toml suggested from the export itself (`suggest_mapping` → `render_mapping`);
`auditkit policy explain POLICY` says what a policy promises and where it contradicts itself
(`explain_policy`, `check_policy`).

    sample.py          read the head of every export file (the loader's own sniffing)
    profile.py         what a column holds, judged from its values (the rules' validators)
    synonyms.py        file, header and value names in Finnish, Swedish and English
    countries.py       country names → ISO codes
    judge.py           does a column's content fit a canonical column?
    values.py          distinct values → canonical values
    suggest.py         files → tables, columns → columns, with evidence
    render.py          the suggestion as commented TOML
    policy_template.py the commented policy.toml
    init.py            `auditkit init`: both files, never into the export folder
    contradictions.py  a policy's contradictions, in English and Finnish
    explain.py         `auditkit policy explain`
"""

from __future__ import annotations

from auditkit.onboarding.contradictions import Contradiction, check_policy
from auditkit.onboarding.explain import explain_policy, load_for_explain
from auditkit.onboarding.init import run_init
from auditkit.onboarding.policy_template import policy_template
from auditkit.onboarding.render import render_mapping
from auditkit.onboarding.suggest import Suggestion, suggest_mapping

__all__ = [
    "Contradiction",
    "Suggestion",
    "check_policy",
    "explain_policy",
    "load_for_explain",
    "policy_template",
    "render_mapping",
    "run_init",
    "suggest_mapping",
]
