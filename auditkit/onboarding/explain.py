"""`auditkit policy explain`: what a policy file promises, in plain words (English or Finnish).

Who may receive what and why, where transfers may go, how long each kind of record is kept,
the consent and objection settings; then the contradictions (`contradictions.py`). A policy the
loader rejects only because a purpose is both declared and prohibited is still explained, with
that contradiction reported as an error.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from auditkit.errors import PolicyError
from auditkit.onboarding.contradictions import (
    Contradiction,
    check_policy,
    prohibited_conflicts,
)
from auditkit.policy import Duration, Policy, load_policy, parse_policy
from auditkit.register.schema import ACCOUNTING_KINDS, CONTRACT_KINDS

LANGS = ("en", "fi")


@dataclass(frozen=True)
class Explained:
    policy: Policy
    contradictions: list[Contradiction]

    @property
    def worst(self) -> str | None:
        levels = [c.level for c in self.contradictions]
        return next((lv for lv in ("error", "warning", "note") if lv in levels), None)


def load_for_explain(path: Path) -> Explained:
    """Load a policy for explaining: a declared-and-prohibited purpose is reported, not fatal."""
    try:
        policy = load_policy(path)
    except PolicyError:
        text = _text(path)
        conflicts = prohibited_conflicts(text) if text is not None else []
        if not conflicts:
            raise
        assert text is not None
        policy = _without_conflicts(text, path, conflicts)
        return Explained(policy, conflicts + check_policy(policy))
    return Explained(policy, check_policy(policy))


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _without_conflicts(text: str, path: Path, conflicts: list[Contradiction]) -> Policy:
    import tomllib

    data = tomllib.loads(text)
    clashing = {c.params["purpose"] for c in conflicts}
    disclosures = data["disclosures"]
    disclosures["prohibited_purposes"] = [
        p for p in disclosures["prohibited_purposes"] if p not in clashing
    ]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        return Policy.model_validate({**data, "sha256": sha, "path": str(path)})
    except ValidationError:
        return parse_policy(text, path=str(path), sha256=sha)  # raises the loader's own error


# ── words ─────────────────────────────────────────────────────────────────────────────────────
CATEGORY_WORDS = {
    "identity": ("names", "nimet"),
    "contact": (
        "contact details (e-mail, phone, address)",
        "yhteystiedot (sähköposti, puhelin, osoite)",
    ),
    "language": ("language", "kieli"),
    "personal_id": ("personal identity codes", "henkilötunnukset"),
    "company": (
        "company details (business id, company name)",
        "yritystiedot (Y-tunnus, yrityksen nimi)",
    ),
    "vehicle": ("vehicle data", "ajoneuvotiedot"),
    "transactions": ("contracts and transactions", "sopimus- ja kauppatiedot"),
    "marketing_preferences": (
        "marketing permissions and prohibitions",
        "markkinointiluvat ja -kiellot",
    ),
    "communications": ("messages and notes", "viestit ja muistiinpanot"),
    "technical": (
        "technical data (cookies, device ids)",
        "tekniset tiedot (evästeet, laitetunnisteet)",
    ),
}
KIND_WORDS = {
    "sale": ("sale", "kauppa"),
    "purchase": ("purchase", "osto"),
    "financing": ("financing", "rahoitus"),
    "leasing": ("leasing", "leasing"),
    "service": ("service", "huolto"),
    "warranty": ("warranty", "takuu"),
    "offer": ("offer", "tarjous"),
    "test_drive": ("test drive", "koeajo"),
}
UNITS = {
    "en": (("year", "years"), ("month", "months"), ("week", "weeks"), ("day", "days")),
    "fi": (
        ("vuosi", "vuotta"),
        ("kuukausi", "kuukautta"),
        ("viikko", "viikkoa"),
        ("päivä", "päivää"),
    ),
}
TEXT: dict[str, tuple[str, str]] = {
    "controller": ("controller", "rekisterinpitäjä"),
    "notice": ("notice of", "seloste"),
    "policy": ("Policy", "Politiikkatiedosto"),
    "holds": ("What the register may hold (notice §5)", "Mitä rekisteri saa sisältää (seloste §5)"),
    "kept": ("How long data is kept", "Kuinka kauan tietoja säilytetään"),
    "customers": (
        "Customers: {after} after the relationship ends{extension}. With no end recorded, the "
        "relationship counts as ended {inactive} after the last activity.",
        "Asiakkaat: {after} asiakkuuden päättymisestä{extension}. Jos päättymistä ei ole "
        "kirjattu, asiakkuus katsotaan päättyneeksi {inactive} viimeisestä asioinnista.",
    ),
    "extension": (
        ", and {extension} more for marketing unless the person objected to marketing or profiling",
        " ja markkinointia varten {extension} lisää, ellei henkilö ole kieltänyt markkinointia "
        "tai profilointia",
    ),
    "holds_longer": (
        "Legal holds keep a customer longer: accounting material (to the end of the "
        "{nth} year after the financial year, ending {year_end}, in which it closed), open "
        "financing and leasing (credit), warranties until they end, open data-subject requests.",
        "Lakisääteiset säilytysvelvoitteet pidentävät säilytystä: kirjanpitoaineisto ("
        "{nth} vuoden loppuun sen tilikauden jälkeen, joka päättyy {year_end} ja jonka aikana "
        "sopimus päättyi), avoin rahoitus ja leasing (luotto), takuut niiden päättymiseen asti ja "
        "avoimet rekisteröidyn pyynnöt.",
    ),
    "per_kind": ("Per kind of contract record:", "Sopimustietueet lajeittain:"),
    "accounting_kind": (
        ": accounting material, kept to the end of the {nth} year after its financial year; "
        "while open, kept",
        ": kirjanpitoaineistona säilytetään tilikauden jälkeisen {nth} vuoden loppuun; avoimena "
        "säilytetään",
    ),
    "not_accounting": (
        "; rows marked not accounting material: {duration} after closing",
        "; kirjanpitoon kuulumattomat rivit: {duration} päättymisestä",
    ),
    "record_after": (
        "{duration} after it closed (else after its end date, else after signing)",
        "{duration} päättymisestä (muuten päättymispäivästä, muuten allekirjoituksesta)",
    ),
    "warranty_after": ("{duration} after the warranty ends", "{duration} takuun päättymisestä"),
    "not_checked": ("no period set: not checked", "aikaa ei ole asetettu: ei tarkisteta"),
    "personal_id": (
        "Identity codes: kept only while a contract of kind {kinds} is open or held.",
        "Henkilötunnukset: säilytetään vain, kun henkilöllä on avoin tai säilytettävä sopimus, "
        "jonka laji on {kinds}.",
    ),
    "no_personal_id": (
        "Identity codes: no contract kind needs them (personal_id.needed_for is empty).",
        "Henkilötunnukset: mikään sopimuslaji ei tarvitse niitä (personal_id.needed_for on tyhjä).",
    ),
    "forecast": (
        "The deletion calendar looks {days} days ahead.",
        "Poistokalenteri katsoo {days} päivää eteenpäin.",
    ),
    "marketing": ("Marketing and consent", "Markkinointi ja suostumukset"),
    "consent_needed": (
        "E-mail, SMS and automated-call marketing to persons needs their consent.",
        "Sähköposti-, tekstiviesti- ja automaattipuhelumarkkinointi henkilöille vaatii "
        "suostumuksen.",
    ),
    "soft_opt_in": (
        "Except the soft opt-in: customers with a {kinds} contract may get marketing of the "
        "controller's own products ({groups}){age}.",
        "Poikkeus (soft opt-in): asiakkaille, joilla on sopimus ({kinds}), saa markkinoida "
        "rekisterinpitäjän omia tuotteita ({groups}){age}.",
    ),
    "soft_age": (
        " until {age} after the contract closed",
        " enintään {age} sopimuksen päättymisestä",
    ),
    "no_soft_opt_in": ("There is no soft opt-in.", "Soft opt-iniä ei käytetä."),
    "global": (
        "An objection to any marketing channel stops all marketing.",
        "Minkä tahansa markkinointikanavan kielto lopettaa kaiken markkinoinnin.",
    ),
    "not_global": (
        "An objection stops marketing on its own channel only.",
        "Kielto lopettaa markkinoinnin vain omalla kanavallaan.",
    ),
    "research_marketing": (
        "Surveys count as marketing: they need consent like marketing does.",
        "Kyselyt ovat markkinointia: ne vaativat suostumuksen kuten markkinointi.",
    ),
    "research_not_marketing": (
        "Surveys are not marketing; a person who forbade market research gets none.",
        "Kyselyt eivät ole markkinointia; markkinatutkimukset kieltänyt ei saa niitä.",
    ),
    "max_age": (
        "A consent older than {age} is stale (CON005).",
        "Yli {age} vanha suostumus on vanhentunut (CON005).",
    ),
    "no_max_age": (
        "Consents do not go stale (consent.max_age not set; CON005 is skipped).",
        "Suostumukset eivät vanhene (consent.max_age puuttuu; CON005 ohitetaan).",
    ),
    "propagation": (
        "An objection request must reach the marketing systems within {days} days; a "
        "data-subject request is answered within a calendar month (three with an extension "
        "notified in time).",
        "Vastustamispyynnön on ehdittävä markkinointijärjestelmiin {days} päivässä; "
        "rekisteröidyn pyyntöihin vastataan kalenterikuukaudessa (kolmessa, jos jatkoajasta "
        "ilmoitetaan ajoissa).",
    ),
    "recipients": ("Who may receive data (notice §7)", "Kuka saa tietoja (seloste §7)"),
    "recipient": (
        "{category}: {data} — for {purposes}; {where}{marketing}{delete}",
        "{category}: {data} — tarkoituksiin {purposes}; {where}{marketing}{delete}",
    ),
    "anywhere": ("in any country", "mihin tahansa maahan"),
    "eea_only": ("inside the EEA only", "vain ETA-alueelle"),
    "countries": ("inside the EEA and to {countries}", "ETA-alueelle ja maihin {countries}"),
    "for_marketing": (
        "; for marketing (objections checked)",
        "; markkinointiin (kiellot tarkistetaan)",
    ),
    "delete_within": (
        "; must confirm deletion within {duration}",
        "; poisto vahvistettava viimeistään {duration} luovutuksesta",
    ),
    "no_recipients": (
        "Nobody: the policy declares no recipients.",
        "Ei kukaan: politiikka ei ilmoita vastaanottajia.",
    ),
    "prohibited": ("Never for: {purposes}.", "Ei koskaan tarkoituksiin: {purposes}."),
    "protected": (
        "A protected person's contact data only to: {categories}.",
        "Turvakieltohenkilön yhteystiedot vain vastaanottajille: {categories}.",
    ),
    "transfers": ("Transfers outside the EEA", "Siirrot ETA-alueen ulkopuolelle"),
    "transfers_to": ("Allowed for: {list}.", "Sallittu: {list}."),
    "no_transfers": (
        "None: every recipient is inside the EEA only.",
        "Ei siirtoja: kaikki vastaanottajat vain ETA-alueella.",
    ),
    "adequacy": (
        "Each transfer also needs a lawful mechanism on its date (adequacy, DPF, SCC, BCR or a "
        "derogation); the EU adequacy table ships with auditkit{extra}.",
        "Jokainen siirto tarvitsee myös siirtoperusteen siirtopäivänä (riittävyyspäätös, DPF, "
        "vakiolausekkeet, BCR tai poikkeus); EU:n riittävyyspäätökset tulevat auditkitin mukana"
        "{extra}.",
    ),
    "extra_adequate": (
        ", with the policy's own entries for {countries}",
        ", politiikan omin lisäyksin maille {countries}",
    ),
    "checks": ("In CI", "CI-ajoissa"),
    "fail_on": (
        "`auditkit check` fails on findings of severity {level} or worse.",
        "`auditkit check` epäonnistuu, kun löydös on vakavuudeltaan {level} tai vakavampi.",
    ),
    "fail_never": ("`auditkit check` never fails.", "`auditkit check` ei koskaan epäonnistu."),
    "overrides": ("Severity overrides: {list}.", "Vakavuuden muutokset: {list}."),
    "findings": ("Contradictions and things to check", "Ristiriidat ja tarkistettavat kohdat"),
    "none_found": ("None found.", "Ei löytynyt."),
    "error": ("error", "virhe"),
    "warning": ("warning", "varoitus"),
    "note": ("note", "huomio"),
    "and": ("and", "ja"),
    "or": ("or", "tai"),
}


class _Words:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.i = LANGS.index(lang)

    def __call__(self, key: str, **params: object) -> str:
        return TEXT[key][self.i].format(**params)

    def duration(self, duration: Duration | None) -> str:
        if duration is None:
            return "—"
        parts = []
        for count, (one, many) in zip(
            (duration.years, duration.months, duration.weeks, duration.days),
            UNITS[self.lang],
            strict=True,
        ):
            if count:
                parts.append(f"{count} {one if count == 1 else many}")
        return f" {self('and')} ".join(parts) or f"0 {UNITS[self.lang][3][1]}"

    def ordinal(self, number: int) -> str:
        if self.lang == "fi":
            return f"{number}."
        suffix = (
            "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        )
        return f"{number}{suffix}"

    def category(self, name: str, short: bool = False) -> str:
        words = CATEGORY_WORDS[name][self.i] if name in CATEGORY_WORDS else name
        return words.split(" (")[0] if short else words

    def kind(self, name: str) -> str:
        return KIND_WORDS[name][self.i] if name in KIND_WORDS else name

    def listing(self, items: list[str], last: str = "and") -> str:
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self(last)} {items[-1]}"


def explain_policy(explained: Explained, lang: str = "en") -> str:
    """The explanation as text: sections with two-space indented lines."""
    w = _Words(lang)
    policy = explained.policy
    out: list[str] = []
    info = policy.register_info
    head = f"{info.name} — {w('controller')} {info.controller}"
    if info.business_id:
        head += f" ({info.business_id})"
    if info.notice_date:
        head += f", {w('notice')} {info.notice_date.isoformat()}"
    out += [head, f"{w('policy')}: {policy.path} (sha256 {policy.sha256[:12]})", ""]
    out += [w("holds")]
    out += ["  " + "; ".join(w.category(c) for c in policy.data_content.categories) + ".", ""]
    out += _retention(policy, w)
    out += _marketing(policy, w)
    out += _recipients(policy, w)
    out += _transfers(policy, w)
    out += [w("checks")]
    fail_on = policy.check.fail_on
    out.append("  " + (w("fail_never") if fail_on == "never" else w("fail_on", level=fail_on)))
    if policy.check.severity:
        listed = ", ".join(f"{c} → {s}" for c, s in sorted(policy.check.severity.items()))
        out.append("  " + w("overrides", list=listed))
    out += ["", w("findings")]
    if not explained.contradictions:
        out.append("  " + w("none_found"))
    for item in explained.contradictions:
        out.append(f"  {w(item.level)}: {item.message(lang)}")
    return "\n".join(_wrap(line) for line in out) + "\n"


def _wrap(line: str, width: int = 100) -> str:
    """Long lines wrapped, continuation lines indented two more spaces than the line."""
    indent = line[: len(line) - len(line.lstrip())]
    return (
        textwrap.fill(line, width, subsequent_indent=indent + "  ", break_on_hyphens=False)
        if line.strip()
        else line
    )


def _retention(policy: Policy, w: _Words) -> list[str]:
    retention = policy.retention
    extension = (
        w("extension", extension=w.duration(retention.marketing_extension))
        if retention.marketing_extension
        else ""
    )
    month, day = retention.year_end
    year_end = f"{day}.{month}."
    years = retention.accounting_years
    out = [
        w("kept"),
        "  "
        + w(
            "customers",
            after=w.duration(retention.after_relationship),
            extension=extension,
            inactive=w.duration(retention.inactive_after),
        ),
        "  " + w("holds_longer", nth=w.ordinal(years), year_end=year_end),
        "  " + w("per_kind"),
    ]
    accounting = [k for k in CONTRACT_KINDS if k in ACCOUNTING_KINDS]
    line = w("accounting_kind", nth=w.ordinal(years))
    overrides = [
        f"{w.kind(k)} {w.duration(retention.records[k])}"
        for k in accounting
        if retention.records.get(k) is not None
    ]
    if overrides:
        line += w("not_accounting", duration=", ".join(overrides))
    out.append(f"    {', '.join(w.kind(k) for k in accounting)} {line}")
    for kind in (k for k in CONTRACT_KINDS if k not in ACCOUNTING_KINDS):
        duration = retention.records.get(kind)
        if duration is None:
            text = w("not_checked")
        elif kind == "warranty":
            text = w("warranty_after", duration=w.duration(duration))
        else:
            text = w("record_after", duration=w.duration(duration))
        out.append(f"    {w.kind(kind)}: {text}")
    needed = policy.personal_id.needed_for
    if needed:
        kinds = w.listing([w.kind(k) for k in needed], "or")
        out.append("  " + w("personal_id", kinds=kinds))
    else:
        out.append("  " + w("no_personal_id"))
    out += ["  " + w("forecast", days=retention.forecast_days), ""]
    return out


def _marketing(policy: Policy, w: _Words) -> list[str]:
    consent = policy.consent
    out = [w("marketing"), "  " + w("consent_needed")]
    if consent.soft_opt_in:
        age = (
            w("soft_age", age=w.duration(consent.soft_opt_in_max_age))
            if consent.soft_opt_in_max_age
            else ""
        )
        kinds = w.listing([w.kind(k) for k in consent.soft_opt_in_kinds], "or") or "—"
        groups = ", ".join(consent.own_product_groups) or "—"
        out.append("  " + w("soft_opt_in", kinds=kinds, groups=groups, age=age))
    else:
        out.append("  " + w("no_soft_opt_in"))
    out.append("  " + w("global" if consent.objection_is_global else "not_global"))
    out.append(
        "  "
        + w("research_marketing" if consent.research_is_marketing else "research_not_marketing")
    )
    if consent.max_age:
        out.append("  " + w("max_age", age=w.duration(consent.max_age)))
    else:
        out.append("  " + w("no_max_age"))
    days = policy.requests.objection_propagation_days
    out += ["  " + w("propagation", days=days), ""]
    return out


def _where(countries: list[str], w: _Words) -> str:
    if "*" in countries:
        return w("anywhere")
    if not countries:
        return w("eea_only")
    return w("countries", countries=", ".join(countries))


def _recipients(policy: Policy, w: _Words) -> list[str]:
    disclosures = policy.disclosures
    out = [w("recipients")]
    if not disclosures.recipients:
        out.append("  " + w("no_recipients"))
    for r in disclosures.recipients:
        data = ", ".join(w.category(c, short=True) for c in r.data_categories) or "—"
        out.append(
            "  "
            + w(
                "recipient",
                category=r.category,
                data=data,
                purposes=", ".join(r.purposes) or "—",
                where=_where(r.transfer_countries, w),
                marketing=w("for_marketing") if r.marketing else "",
                delete=w("delete_within", duration=w.duration(r.delete_within))
                if r.delete_within
                else "",
            )
        )
    if disclosures.prohibited_purposes:
        out.append("  " + w("prohibited", purposes=", ".join(disclosures.prohibited_purposes)))
    out.append(
        "  " + w("protected", categories=", ".join(disclosures.allowed_for_protected) or "—")
    )
    return [*out, ""]


def _transfers(policy: Policy, w: _Words) -> list[str]:
    out = [w("transfers")]
    allowed = [
        f"{r.category} ({_where(r.transfer_countries, w)})"
        for r in policy.disclosures.recipients
        if r.transfer_countries
    ]
    out.append(
        "  " + (w("transfers_to", list="; ".join(allowed)) if allowed else w("no_transfers"))
    )
    extra = sorted({e.country for e in policy.transfers.extra_adequate})
    more = w("extra_adequate", countries=", ".join(extra)) if extra else ""
    out += ["  " + w("adequacy", extra=more), ""]
    return out
