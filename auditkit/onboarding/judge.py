"""Does a column's content fit a canonical column? The verdict and its evidence, in words.

`judge` answers for a header guess: the content confirms it, says nothing against it, or contradicts
it. `content_targets` answers without a header: which canonical columns the content alone points to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditkit.onboarding.profile import Profile
from auditkit.onboarding.synonyms import VALUE_SYNONYMS, fold, value_index
from auditkit.register.schema import BOOLEAN, DATE, DATETIME, ENUM, FLOAT, INT, LIST, TABLES

CONFIRMS, NEUTRAL, CONTRADICTS = "confirms", "neutral", "contradicts"
DATA_CATEGORIES = (
    "identity",
    "contact",
    "language",
    "personal_id",
    "company",
    "vehicle",
    "transactions",
    "marketing_preferences",
    "communications",
    "technical",
)


@dataclass(frozen=True)
class Context:
    """What the rest of the export tells about a column: the subject keys seen in the sample."""

    subject_keys: frozenset[str] = field(default_factory=frozenset)
    subjects_complete: bool = False


@dataclass(frozen=True)
class Verdict:
    verdict: str
    evidence: str


def n(count: int) -> str:
    return f"{count:,}"


def _of(p: Profile, kind: str, what: str) -> str:
    """ "e-mail addresses in 3,005 of 3,012 values" (verbless: it reads for 1 value too)."""
    return f"{what} in {_portion(p, kind)}"


def plural(count: int, word: str) -> str:
    return f"{n(count)} {word}" if count == 1 else f"{n(count)} {word}s"


def _distinct(p: Profile) -> str:
    return f"{plural(p.values, 'value')}, {n(p.distinct)} distinct"


_IDENTIFIERS = {
    # column → (profile kind, words, share that confirms, share under which it contradicts)
    "personal_id": ("hetu_shape", "identity codes (henkilötunnus shape)", 0.8, 0.3),
    "business_id": ("ytunnus_shape", "business ids (Y-tunnus shape)", 0.8, 0.3),
    "email": ("email", "e-mail addresses", 0.8, 0.3),
    "phone": ("phone", "phone numbers", 0.7, 0.2),
    "vin": ("vin", "17-character VINs", 0.3, 0.0),
    "registration_number": ("plate", "registration numbers", 0.6, 0.1),
    "country": ("country", "countries (ISO code or name)", 0.8, 0.3),
    "postal_code": ("postal_code", "postal codes", 0.8, 0.3),
}
_STRONG = {  # content so specific that it names its column without a header
    "hetu": ("personal_id", "valid identity codes"),
    "ytunnus": ("business_id", "valid business ids"),
    "email": ("email", "e-mail addresses"),
    "vin": ("vin", "17-character VINs"),
    "plate": ("registration_number", "registration numbers"),
    "country": ("country", "countries"),
}


def resolved_share(table: str, column: str, p: Profile) -> float:
    """The share of a column's distinct values that are canonical or have a known synonym."""
    if not p.top or (table, column) not in VALUE_SYNONYMS:
        return 0.0
    index = value_index(table, column)
    canonical = set(TABLES[table].column(column).values) | set(VALUE_SYNONYMS[(table, column)])
    hits = sum(1 for v, _ in p.top if v.strip() in canonical or fold(v) in index)
    return hits / len(p.top)


def judge(table: str, column: str, p: Profile, ctx: Context) -> Verdict:
    """How the content of a column bears on the guess that it is `table.column`."""
    if p.empty:
        return Verdict(NEUTRAL, "empty in the sample")
    spec = TABLES[table]
    col = spec.column(column)
    kind = col.kind
    if column == spec.key:
        return _key(p)
    if column == "subject_id":
        return _reference(p, ctx)
    if kind in (DATE, DATETIME):
        if p.is_date:
            shape = _date_words(p)
            return Verdict(CONFIRMS, _of(p, "date", "dates") + shape)
        if p.share("date") < 0.5:
            return Verdict(CONTRADICTS, _of(p, "date", "dates"))
        return Verdict(NEUTRAL, _of(p, "date", "dates"))
    if kind == BOOLEAN:
        if p.is_boolean:
            return Verdict(CONFIRMS, f"yes/no values ({_listed(p)})")
        if p.distinct <= 3:
            return Verdict(NEUTRAL, f"{plural(p.distinct, 'distinct value')} ({_listed(p)})")
        return Verdict(CONTRADICTS, f"{n(p.distinct)} distinct values: not a yes/no column")
    if kind == ENUM:
        if not p.top:
            return Verdict(CONTRADICTS, f"{n(p.distinct)} distinct values: not a list of kinds")
        share = resolved_share(table, column, p)
        known = round(share * p.distinct)
        words = f"{plural(p.distinct, 'distinct value')}, {'all' if share == 1 else known} known"
        return Verdict(CONFIRMS if share == 1 else NEUTRAL, words)
    if kind == INT:
        if p.share("integer") >= 0.95:
            return Verdict(CONFIRMS, _of(p, "integer", "whole numbers"))
        return Verdict(CONTRADICTS, _of(p, "integer", "whole numbers"))
    if kind == FLOAT:
        if p.share("number") >= 0.95:
            return Verdict(CONFIRMS, _of(p, "number", "numbers"))
        return Verdict(CONTRADICTS, _of(p, "number", "numbers"))
    if kind == LIST:
        return _data_categories(p)
    if column in _IDENTIFIERS:
        share_kind, words, confirm, contradict = _IDENTIFIERS[column]
        share = p.share(share_kind)
        if share >= confirm:
            return Verdict(CONFIRMS, _of(p, share_kind, words))
        if share < contradict or (share == 0 and contradict == 0 and _other_kind(p)):
            return Verdict(CONTRADICTS, _of(p, share_kind, words))
        return Verdict(NEUTRAL, _of(p, share_kind, words))
    if column in ("text", "body"):
        if p.is_free_text:
            return Verdict(CONFIRMS, f"free text (mean length {p.mean_length:.0f} characters)")
        return _against_other_kinds(p)
    return _against_other_kinds(p)


def _portion(p: Profile, kind: str) -> str:
    """ "all 3,040 values", "3,012 of 3,040 values", "none of the 3 values", "the 1 value"."""
    count = p.values if p.native != "text" else p.count(kind)
    if p.values == 1:
        return "the 1 value" if count else "no value"
    if count >= p.values:
        return f"all {n(p.values)} values"
    if count == 0:
        return f"none of the {n(p.values)} values"
    return f"{n(count)} of {n(p.values)} values"


def _date_words(p: Profile) -> str:
    time = " with a time" if p.share("time") >= 0.5 else ""
    if p.native != "text":
        return f" (spreadsheet dates{time})"
    if p.date_format and p.date_format != "auto":
        order = "day first" if p.date_format.startswith("%d") else "month first"
        sure = "" if p.date_order_sure else ", order not certain"
        return f" ({order}{sure}{time})"
    return f"{time}"


def _listed(p: Profile) -> str:
    return ", ".join(v for v, _ in p.top[:6])


def _key(p: Profile) -> Verdict:
    words = f"{n(p.distinct)} distinct in {plural(p.values, 'row')}"
    if p.unique >= 0.95:
        return Verdict(CONFIRMS, words)
    if p.unique < 0.5:
        return Verdict(CONTRADICTS, f"only {words}: not a key")
    return Verdict(NEUTRAL, words)


def _reference(p: Profile, ctx: Context) -> Verdict:
    if not ctx.subject_keys:
        return Verdict(NEUTRAL, "no subjects table to compare with")
    share = p.share("subject_ref")
    words = _of(p, "subject_ref", "subject ids")
    if share >= 0.8:
        return Verdict(CONFIRMS, words)
    if share < 0.2 and ctx.subjects_complete:
        return Verdict(CONTRADICTS, words)
    return Verdict(NEUTRAL, words)


def _data_categories(p: Profile) -> Verdict:
    parts = {
        part.strip().lower()
        for value, _ in p.top
        for part in value.replace(",", ";").split(";")
        if part.strip()
    }
    if p.top and parts and parts <= set(DATA_CATEGORIES):
        return Verdict(CONFIRMS, "lists of data categories")
    if p.top and parts & set(DATA_CATEGORIES):
        return Verdict(NEUTRAL, "lists, some of data categories")
    return _against_other_kinds(p)


_OTHER_KINDS = (
    ("hetu", "valid identity codes"),
    ("email", "e-mail addresses"),
    ("date", "dates"),
    ("boolean", "yes/no values"),
)


def _other_kind(p: Profile) -> str | None:
    for kind, words in _OTHER_KINDS:
        if p.share(kind) >= 0.9 and not (kind == "boolean" and p.distinct > 3):
            return words
    if p.native in ("date", "datetime"):
        return "dates"
    return None


def _against_other_kinds(p: Profile) -> Verdict:
    other = _other_kind(p)
    if other:
        return Verdict(CONTRADICTS, f"the values are {other}")
    return Verdict(NEUTRAL, _distinct(p))


def content_targets(table: str, p: Profile, ctx: Context) -> list[tuple[str, bool, str]]:
    """Canonical columns of `table` the content alone points to: (column, specific, evidence).

    Specific content (valid identity codes, e-mails, subject ids...) names one column; generic
    content (dates, numbers, yes/no) only narrows the candidates.
    """
    if p.empty:
        return []
    spec = TABLES[table]
    names = set(spec.names)
    found: list[tuple[str, bool, str]] = []
    for kind, (column, words) in _STRONG.items():
        if column in names and p.share(kind) >= 0.9:
            found.append((column, True, _of(p, kind, words)))
    if table != "subjects" and p.share("subject_ref") >= 0.95:
        found.append(("subject_id", True, _reference(p, ctx).evidence))
    for col in spec.columns:
        if col.kind == ENUM or (table, col.name) in VALUE_SYNONYMS:
            share = resolved_share(table, col.name, p)
            if share >= 0.8 and p.distinct >= 2:
                known = f"{plural(p.distinct, 'distinct value')}, {share:.0%} known"
                found.append((col.name, True, known))
    if found:
        return found
    if p.is_date:
        dated = [c.name for c in spec.columns if c.kind in (DATE, DATETIME)]
        found += [(c, False, f"dates{_date_words(p)}") for c in dated]
    elif p.is_boolean:
        found += [(c.name, False, "yes/no values") for c in spec.columns if c.kind == BOOLEAN]
    elif p.native in ("integer", "number") or p.share("number") >= 0.95:
        found += [(c.name, False, "numbers") for c in spec.columns if c.kind in (INT, FLOAT)]
    elif p.is_free_text:
        found += [(c, False, "free text") for c in ("text", "body") if c in names]
    return found
