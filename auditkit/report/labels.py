"""The words of the reports, in English and Finnish: sheet names, headers, statuses, rule titles.

Every label is declared once as an (English, Finnish) pair; `text(key, lang)` picks one. Reading
a workbook back (triage) goes the other way: `header_key` and `status_key` accept either language,
so a workbook written in Finnish can be triaged by a run in English and the other way round.

The rule catalogue's own titles are English (`auditkit.rules.RULES[code].title`); their Finnish
versions live here, one per rule code (`RULE_TITLES_FI`), and a test checks that none is missing.
The rules' documentation (what / why / how to fix) is English only.
"""

from __future__ import annotations

import re

LANGS = ("en", "fi")

# Sheet names (Excel: at most 31 characters, none of []:*?/\).
SHEETS: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "Yhteenveto"),
    "retention": ("Retention", "Säilytys"),
    "consent": ("Consent", "Suostumukset"),
    "disclosure": ("Disclosures", "Luovutukset"),
    "requests": ("Requests", "Pyynnöt"),
    "data": ("Data", "Tietosisältö"),
    "calendar": ("Deletion calendar", "Poistokalenteri"),
    "rules": ("Rules", "Säännöt"),
    "waivers": ("Waivers", "Poikkeukset"),
    "closed": ("Closed since last run", "Poistuneet edellisestä ajosta"),
}

AREAS: dict[str, tuple[str, str]] = {
    "retention": ("Retention", "Säilytys"),
    "consent": ("Consent", "Suostumukset"),
    "disclosure": ("Disclosures", "Luovutukset"),
    "requests": ("Requests", "Pyynnöt"),
    "data": ("Data", "Tietosisältö"),
}

SEVERITIES: dict[str, tuple[str, str]] = {
    "critical": ("critical", "kriittinen"),
    "high": ("high", "korkea"),
    "medium": ("medium", "kohtalainen"),
    "low": ("low", "matala"),
}

# Triage statuses: the five a person chooses, and the one a run sets (a resolved finding seen
# again).
STATUSES: dict[str, tuple[str, str]] = {
    "open": ("Open", "Avoin"),
    "in_progress": ("In progress", "Työn alla"),
    "resolved": ("Resolved", "Korjattu"),
    "accepted_risk": ("Accepted risk", "Hyväksytty riski"),
    "false_positive": ("False positive", "Virheellinen havainto"),
    "reopened": ("Reopened", "Avattu uudelleen"),
}

# The CI status a finding may carry (`auditkit check` with waivers or a baseline).
CI_STATUSES: dict[str, tuple[str, str]] = {
    "new": ("new", "uusi"),
    "unbaselinable": ("counts always", "lasketaan aina"),
    "baselined": ("baselined", "perustasossa"),
    "waived": ("waived", "poikkeus myönnetty"),
}

# Column headers of the findings, calendar, rules, waivers and closed sheets.
HEADERS: dict[str, tuple[str, str]] = {
    "finding_id": ("Finding ID", "Havainnon tunnus"),
    "severity": ("Severity", "Vakavuus"),
    "rule": ("Rule", "Sääntö"),
    "title": ("Rule title", "Säännön otsikko"),
    "area": ("Area", "Alue"),
    "table": ("Table", "Taulu"),
    "record_id": ("Record", "Tietue"),
    "subject_id": ("Subject", "Rekisteröity"),
    "source_row": ("Source row", "Lähderivi"),
    "occurred_at": ("Occurred", "Alkanut"),
    "due_at": ("Deadline", "Määräaika"),
    "days_overdue": ("Days overdue", "Myöhässä (pv)"),
    "message": ("Message", "Kuvaus"),
    "status": ("Status", "Tila"),
    "owner": ("Owner", "Vastuuhenkilö"),
    "due": ("Due", "Valmis viimeistään"),
    "comment": ("Comment", "Kommentti"),
    "last_status": ("Last status", "Viimeisin tila"),
    "waiver_status": ("CI status", "CI-tila"),
    "waiver_reason": ("Waiver reason", "Poikkeuksen peruste"),
    "waiver_owner": ("Waiver owner", "Poikkeuksen omistaja"),
    "waiver_expires": ("Waiver expires", "Poikkeus päättyy"),
    "reason": ("Reason", "Peruste"),
    "name": ("Name", "Nimi"),
    "default_severity": ("Default severity", "Oletusvakavuus"),
    "run_status": ("In this run", "Tässä ajossa"),
    "findings": ("Findings", "Havainnot"),
    "subjects": ("Subjects", "Rekisteröityjä"),
    "share": ("Share", "Osuus"),
    "what": ("What it checks", "Mitä tarkistetaan"),
    "why": ("Why it matters", "Miksi sillä on väliä"),
    "legal_basis": ("Legal basis", "Oikeusperuste"),
    "fix": ("How to fix", "Miten korjataan"),
    "example": ("Example", "Esimerkki"),
    "total": ("Total", "Yhteensä"),
    "file": ("File", "Tiedosto"),
    "format": ("Format", "Muoto"),
    "rows": ("Rows", "Rivejä"),
    "size": ("Size (bytes)", "Koko (tavua)"),
    "sha256": ("SHA-256", "SHA-256"),
}

# Summary sheet texts.
SUMMARY: dict[str, tuple[str, str]] = {
    "title": ("Personal-data register audit", "Henkilörekisterin tarkastus"),
    "register": ("Register", "Rekisteri"),
    "controller": ("Controller", "Rekisterinpitäjä"),
    "as_of": ("As of", "Tarkastuspäivä"),
    "findings": ("Findings", "Havaintoja"),
    "auditkit_version": ("auditkit version", "auditkit-versio"),
    "policy": ("Policy", "Käytäntö"),
    "mapping": ("Mapping", "Sarakemäppäys"),
    "timezone": ("Time zone", "Aikavyöhyke"),
    "rule_data": ("Rule data", "Sääntöjen tiedot"),
    "rules_run": ("Rules run", "Ajetut säännöt"),
    "pseudonymised": ("Pseudonymised", "Pseudonymisoitu"),
    "yes": ("yes", "kyllä"),
    "no": ("no", "ei"),
    "triage_from": ("Triage from", "Edellinen käsittely"),
    "by_area": ("Findings by area and severity", "Havainnot alueittain ja vakavuuden mukaan"),
    "by_rule": ("Findings by rule", "Havainnot säännöittäin"),
    "inputs": ("Input files", "Syötetiedostot"),
    "skipped": ("Rules skipped or run in part", "Ohitetut tai osittain ajetut säännöt"),
    "warnings": ("Warnings", "Varoitukset"),
    "notes": ("Notes", "Huomiot"),
    "no_findings": ("No findings.", "Ei havaintoja."),
    "partial": ("ran in part", "ajettiin osittain"),
    "skipped_one": ("skipped", "ohitettiin"),
    "none": ("none", "ei mitään"),
    "chart_area": ("Findings by area and severity", "Havainnot alueittain"),
    "chart_rule": ("Findings by rule", "Havainnot säännöittäin"),
    "pseudonymised_note": (
        "Subject ids, names, e-mail addresses and phone numbers are keyed pseudonyms (HMAC-SHA256);"
        " finding ids are keyed too; identity codes are hidden whole; protected subjects' addresses"
        " are withheld.",
        "Rekisteröityjen tunnukset, nimet, sähköpostiosoitteet ja puhelinnumerot on korvattu"
        " avaimellisilla pseudonyymeillä (HMAC-SHA256); myös havaintojen tunnukset;"
        " henkilötunnukset on peitetty kokonaan; turvakieltoisten osoitteet on jätetty pois.",
    ),
    "masked_note": (
        "Personal identity codes are masked (131052-****); protected subjects' addresses are"
        " withheld.",
        "Henkilötunnukset on peitetty (131052-****); turvakieltoisten osoitteet on jätetty pois.",
    ),
    "split_note": (
        "{sheet}: {total:,} findings do not fit one sheet ({limit:,} rows); continued on {more}.",
        "{sheet}: {total:,} havaintoa ei mahdu yhdelle välilehdelle ({limit:,} riviä);"
        " jatkuu: {more}.",
    ),
    "parquet_note": (
        "Every finding, as written here, is also in {file}.",
        "Kaikki havainnot tässä muodossa ovat myös tiedostossa {file}.",
    ),
    "triage_mismatch_note": (
        "None of the previous workbook's {count:,} finding ids matches this run: was it written"
        " with another pseudonymisation key?",
        "Mikään edellisen työkirjan {count:,} havainnon tunnuksesta ei vastaa tätä ajoa:"
        " käytettiinkö eri pseudonymisointiavainta?",
    ),
    "no_closed": (
        "No finding has closed since the last run.",
        "Yksikään havainto ei ole poistunut.",
    ),
    "address_withheld": ("[address withheld]", "[osoite salattu]"),
    "docs_english": (
        "Rule documentation is in English.",
        "Sääntöjen ohjeet ovat englanniksi.",
    ),
}

RULE_TITLES_FI: dict[str, str] = {
    "RET001": "Rekisteröityä säilytetään säilytysajan jälkeen",
    "RET002": "Sopimustietoa säilytetään oman säilytysaikansa jälkeen",
    "RET003": "Henkilötunnusta säilytetään ilman tarvetta",
    "RET004": "Tietoja jäänyt jäljelle poiston jälkeen",
    "CON001": "Sähköistä suoramarkkinointia henkilölle ilman suostumusta",
    "CON002": "Markkinointia suostumuksen peruutuksen tai kiellon jälkeen",
    "CON003": "Tutkimusviesti tutkimuskiellon jälkeen",
    "CON004": "Käytössä oleva suostumus, jota ei voida osoittaa",
    "CON005": "Suostumus on vanhempi kuin käytännön enimmäisikä",
    "DIS001": "Luovutus vastaanottajaryhmälle, jota seloste ei mainitse",
    "DIS002": "Luovutus tarkoitukseen, jota ei ole ilmoitettu vastaanottajaryhmälle",
    "DIS003": "Siirto ETA:n ulkopuolelle ilman lainmukaista siirtoperustetta",
    "DIS004": "Siirto ETA:n ulkopuolelle, jota seloste ei mainitse",
    "DIS005": "Luovutus tarkoitukseen, jonka seloste kieltää",
    "DIS006": "Vastaanottaja ei vahvistanut tietojen poistoa ajoissa",
    "DIS007": "Turvakiellon alaisen henkilön yhteystiedot luovutettu",
    "DIS008": "Luovutettu tietoryhmä, jota vastaanottajan kohdassa ei mainita",
    "DIS009": "Luovutus markkinointiin markkinointikiellon jälkeen",
    "DIS010": "Poistetun rekisteröidyn tietojen luovutus",
    "DSR001": "Avoin rekisteröidyn pyyntö on yli määräajan",
    "DSR002": "Rekisteröidyn pyyntö käsitelty määräajan jälkeen",
    "DSR003": "Määräaikaa jatkettu ilmoittamatta ensimmäisen kuukauden aikana",
    "DSR004": "Vastustamispyyntö ei välittynyt markkinointijärjestelmiin",
    "DSR005": "Poistopyyntö käsitelty, mutta rekisteröityä ei ole poistettu",
    "DAT001": "Sarake sisältää tietoja, joita seloste ei mainitse",
    "DAT002": "Henkilötunnus kirjoitettu vapaaseen tekstiin",
    "DAT003": "Tunniste ei läpäise tarkistusta",
    "DAT004": "Rivi viittaa rekisteröityyn, jota rekisterissä ei ole",
    "DAT005": "Saman henkilön mahdollisesti päällekkäiset tiedot",
    "DAT006": "Perusavain kahdesti samassa taulussa",
    "DAT007": "Päivämäärä, joka ei voi pitää paikkaansa",
}

# Finnish headers for the evidence keys the rules write (RULES.md documents them per rule); a key
# not listed here is shown humanised ("days_overdue" → "Days overdue").
EVIDENCE_FI: dict[str, str] = {
    "after_relationship": "Säilytys suhteen jälkeen",
    "basis": "Peruste",
    "campaign_id": "Kampanja",
    "category": "Luokka",
    "channel": "Kanava",
    "closed_at": "Päättynyt",
    "codes": "Henkilötunnukset (peitetty)",
    "column": "Sarake",
    "columns": "Sarakkeet",
    "completed_at": "Käsitelty (aika)",
    "completed_on": "Käsitelty",
    "consent_state": "Suostumuksen tila",
    "count": "Lukumäärä",
    "country": "Maa",
    "created_at": "Luotu",
    "data_categories": "Tietoryhmät",
    "deadline": "Määräpäivä",
    "declared_categories": "Ilmoitetut tietoryhmät",
    "delete_within": "Poistettava ajassa",
    "deletion_confirmed_at": "Poisto vahvistettu",
    "disclosed_at": "Luovutettu",
    "ended_contracts": "Päättyneet sopimukset",
    "ends_at": "Päättyy",
    "erased_at": "Poistettu",
    "extension_notified_at": "Jatkosta ilmoitettu (aika)",
    "extension_notified_on": "Jatkosta ilmoitettu",
    "failed": "Virheelliset",
    "first_message": "Ensimmäinen viesti",
    "has_value": "Sisältää arvoja",
    "holds": "Säilytysvelvoitteet",
    "ids": "Tunnukset",
    "in_force_at_as_of": "Voimassa tarkastuspäivänä",
    "kind": "Laji",
    "last_activity_at": "Viimeisin toiminta",
    "marketing_extension": "Markkinoinnin lisäaika",
    "members": "Tietueet",
    "messages_relying": "Sen varassa lähetetyt viestit",
    "missing": "Puuttuu",
    "needed_for": "Tarvitaan sopimuksiin",
    "objected": "Kielletty",
    "objected_purposes": "Kielletyt markkinointitarkoitukset",
    "one_month_deadline": "Kuukauden määräaika",
    "outcome": "Lopputulos",
    "own_product_group": "Oma tuoteryhmä",
    "problems": "Ongelmat",
    "product_group": "Tuoteryhmä",
    "prohibited_purposes": "Selosteen kieltämät tarkoitukset",
    "propagation_days": "Välittymisaika (pv)",
    "purpose": "Tarkoitus",
    "received_at": "Vastaanotettu (aika)",
    "received_on": "Vastaanotettu",
    "recipient": "Vastaanottaja",
    "recipient_category": "Vastaanottajaryhmä",
    "recorded_at": "Kirjattu",
    "relationship_end": "Asiakkuuden päättyminen",
    "relationship_ended_at": "Asiakkuus päättynyt",
    "retention_end": "Säilytysaika päättyi",
    "rows": "Rivejä",
    "safeguard": "Siirtoperuste",
    "sent_at": "Lähetetty",
    "shared": "Yhteiset tiedot",
    "signed_at": "Allekirjoitettu",
    "soft_opt_in_enabled": "Asiakassuhdepoikkeus käytössä",
    "source_rows": "Lähderivit",
    "subject_created_at": "Rekisteröity luotu",
    "third_party_consent": "Suostumus luovutukseen",
    "third_party_consent_event": "Suostumustapahtuma",
    "transfer_countries": "Ilmoitetut siirtomaat",
    "unclassified": "Luokittelematon",
    "undeclared_categories": "Ilmoittamattomat tietoryhmät",
    "window_end": "Välittymisen määräpäivä",
}


def text(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """The label of `key` in `lang` ("en" or "fi")."""
    return table[key][LANGS.index(lang)]


def sheet(key: str, lang: str) -> str:
    return text(SHEETS, key, lang)


def header(key: str, lang: str) -> str:
    return text(HEADERS, key, lang)


def summary(key: str, lang: str) -> str:
    return text(SUMMARY, key, lang)


def severity(key: str, lang: str) -> str:
    return text(SEVERITIES, key, lang)


def area(key: str, lang: str) -> str:
    return text(AREAS, key, lang)


def status(key: str, lang: str) -> str:
    return text(STATUSES, key, lang)


def rule_title(code: str, lang: str) -> str:
    """The rule's one-line title: the catalogue's (English) or its Finnish version."""
    if lang == "fi":
        return RULE_TITLES_FI[code]
    from auditkit.rules import RULES

    return RULES[code].title


def humanise(key: str) -> str:
    """`days_overdue` → `Days overdue`."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def evidence_label(key: str, lang: str) -> str:
    if lang == "fi" and key in EVIDENCE_FI:
        return EVIDENCE_FI[key]
    return humanise(key)


def _fold(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().casefold()


_HEADER_KEYS = {_fold(label): key for key, labels in HEADERS.items() for label in labels}
_STATUS_KEYS = {
    **{_fold(key): key for key in STATUSES},
    **{_fold(label): key for key, labels in STATUSES.items() for label in labels},
}


def header_key(label: object) -> str | None:
    """The header key a label means, in either language (`"Tila"` → `"status"`)."""
    return _HEADER_KEYS.get(_fold(label)) if isinstance(label, str) else None


def status_key(label: object) -> str | None:
    """The status key a label means, in either language (`"Korjattu"` → `"resolved"`)."""
    return _STATUS_KEYS.get(_fold(label)) if isinstance(label, str) else None
