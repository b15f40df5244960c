"""Contradictions in a policy: promises that cannot all hold, or settings that undo each other.

Each finding has a stable code, a level (`error`: the policy does not load; `warning`: the
audit will not check what the notice seems to promise; `note`: worth a second look) and its
message in English and Finnish. `auditkit policy explain` prints them after the explanation.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from auditkit.onboarding.countries import ALIASES, NAMES
from auditkit.onboarding.synonyms import fold
from auditkit.policy import Duration, Policy
from auditkit.register.schema import ACCOUNTING_KINDS

LEVELS = ("error", "warning", "note")
_MARKETING_WORDS = ("marketing", "markkinointi", "marknadsforing", "mainonta", "advertising")
_SOMEONE_ELSES = (
    "thirdparty",
    "third",
    "partner",
    "kumppani",
    "kolmas",
    "kolmann",
    "tredje",
    "others",
    "external",
    "ulkopuol",
)
_RESEARCH_WORDS = ("research", "survey", "satisfaction", "tutkimus", "kysely", "undersok", "enkat")
_NOT_A_SALE = ("offer", "test_drive", "purchase")

MESSAGES: dict[str, tuple[str, str]] = {
    "purpose-declared-and-prohibited": (
        "purpose {purpose!r} is declared for recipient {category!r} and also prohibited "
        "(disclosures.prohibited_purposes): the notice cannot both allow and forbid it. "
        "`auditkit check` refuses this policy until one of them goes; this explanation "
        "leaves it out of the prohibited purposes.",
        "käyttötarkoitus {purpose!r} on sallittu vastaanottajalle {category!r} ja myös kielletty "
        "(disclosures.prohibited_purposes): seloste ei voi sekä sallia että kieltää sitä. "
        "`auditkit check` ei hyväksy tätä tiedostoa ennen kuin toinen poistetaan; tämä selitys "
        "jättää sen pois kielletyistä.",
    ),
    "marketing-recipient-while-marketing-prohibited": (
        "recipient {category!r} has marketing = true, but the notice prohibits {purpose!r}: "
        "either the recipient receives data for marketing or marketing disclosures are "
        "forbidden. Name the prohibited purpose precisely (e.g. third_party_marketing).",
        "vastaanottajalla {category!r} on marketing = true, mutta seloste kieltää "
        "käyttötarkoituksen {purpose!r}: joko vastaanottaja saa tietoja markkinointiin tai "
        "markkinointiluovutukset on kielletty. Nimeä kielletty tarkoitus tarkasti (esim. "
        "third_party_marketing).",
    ),
    "marketing-purpose-without-flag": (
        "recipient {category!r} receives data for {purpose!r} but has marketing = false: DIS009 "
        "will not check that the persons disclosed to it had not objected to marketing.",
        "vastaanottaja {category!r} saa tietoja käyttötarkoitukseen {purpose!r}, mutta sillä on "
        "marketing = false: DIS009 ei tarkista, ettei luovutettu henkilö ole kieltänyt "
        "markkinointia.",
    ),
    "marketing-flag-without-marketing-purpose": (
        "recipient {category!r} has marketing = true but none of its purposes names marketing: "
        "DIS009 treats every disclosure to it as marketing.",
        "vastaanottajalla {category!r} on marketing = true, mutta mikään sen käyttötarkoituksista "
        "ei ole markkinointia: DIS009 pitää jokaista sille tehtyä luovutusta markkinointina.",
    ),
    "record-retention-shorter-than-accounting": (
        "retention.records.{kind} = {duration} is shorter than the accounting hold "
        "({years} years after the financial year): {kind} rows that are accounting material are "
        "kept {years} years anyway, and the shorter period applies only to rows marked as not "
        "accounting material.",
        "retention.records.{kind} = {duration} on lyhyempi kuin kirjanpidon säilytysaika "
        "({years} vuotta tilikauden päättymisestä): kirjanpitoaineistoon kuuluvat {kind}-rivit "
        "säilytetään joka tapauksessa {years} vuotta, ja lyhyempi aika koskee vain rivejä, jotka "
        "eivät ole kirjanpitoaineistoa.",
    ),
    "soft-opt-in-without-groups": (
        "consent.soft_opt_in is on but consent.own_product_groups is empty: no message can show "
        "it markets the controller's own similar products, so every e-mail or SMS to a person "
        "without consent is CON001.",
        "consent.soft_opt_in on päällä, mutta consent.own_product_groups on tyhjä: mikään viesti "
        "ei voi osoittaa markkinoivansa rekisterinpitäjän omia vastaavia tuotteita, joten jokainen "
        "sähköposti tai tekstiviesti henkilölle ilman lupaa on CON001.",
    ),
    "soft-opt-in-without-kinds": (
        "consent.soft_opt_in is on but consent.soft_opt_in_kinds is empty: no contract makes "
        "anyone a customer for the soft opt-in, so it never applies.",
        "consent.soft_opt_in on päällä, mutta consent.soft_opt_in_kinds on tyhjä: mikään sopimus "
        "ei tee kenestäkään asiakasta soft opt-inia varten, joten se ei koskaan päde.",
    ),
    "soft-opt-in-kind-not-a-sale": (
        "consent.soft_opt_in_kinds includes {kind!r}: §200(2) of the Electronic Communications "
        "Act allows the soft opt-in only for contact details obtained in a sale of a product or "
        "service to the customer.",
        "consent.soft_opt_in_kinds sisältää lajin {kind!r}: sähköisen viestinnän palvelulain "
        "200 §:n 2 momentti sallii soft opt-inin vain, kun yhteystiedot on saatu tuotteen tai "
        "palvelun myynnin yhteydessä.",
    ),
    "soft-opt-in-settings-unused": (
        "consent.soft_opt_in is off, so {keys} have no effect.",
        "consent.soft_opt_in ei ole päällä, joten asetuksilla {keys} ei ole vaikutusta.",
    ),
    "recipient-data-category-undeclared": (
        "recipient {category!r} receives {data_category!r}, which data_content.categories (the "
        "notice's §5 list) does not name.",
        "vastaanottaja {category!r} saa tietoryhmän {data_category!r}, jota data_content."
        "categories (selosteen tietosisältö) ei mainitse.",
    ),
    "research-vendor-without-delete-within": (
        "recipient {category!r} receives data for research or surveys but has no delete_within: "
        "DIS006 cannot check that it deletes the data afterwards.",
        "vastaanottaja {category!r} saa tietoja tutkimuksiin tai kyselyihin, mutta sillä ei ole "
        "delete_within-aikaa: DIS006 ei voi tarkistaa, että tiedot poistetaan jälkikäteen.",
    ),
    "transfers-anywhere": (
        'recipient {category!r} may receive data in any country (transfer_countries = ["*"]): '
        "DIS004 never reports its transfers. If the notice says transfers outside the EEA are "
        "exceptional, list the countries instead.",
        'vastaanottaja {category!r} saa tietoja mihin tahansa maahan (transfer_countries = ["*"]):'
        " DIS004 ei koskaan raportoi sen siirtoja. Jos seloste sanoo siirtojen ETA:n ulkopuolelle"
        " olevan poikkeuksellisia, luettele maat.",
    ),
    "transfer-country-unknown": (
        "recipient {category!r} lists {country!r} in transfer_countries, which is not an ISO "
        '3166-1 alpha-2 code (e.g. JP, US) or "*": no disclosure can match it.',
        "vastaanottajan {category!r} transfer_countries sisältää arvon {country!r}, joka ei ole "
        'ISO 3166-1 -maakoodi (esim. JP, US) eikä "*": mikään luovutus ei voi vastata sitä.',
    ),
    "protected-recipient-undeclared": (
        "disclosures.allowed_for_protected names {category!r}, which no [[disclosures.recipients]] "
        "entry declares: its disclosures are DIS001 anyway.",
        "disclosures.allowed_for_protected mainitsee vastaanottajan {category!r}, jota mikään "
        "[[disclosures.recipients]]-kohta ei ilmoita: sen luovutukset ovat joka tapauksessa "
        "DIS001.",
    ),
    "accounting-years-below-law": (
        "retention.accounting_years = {years}: the Accounting Act (2:10) keeps vouchers 6 years "
        "after the financial year, so a shorter hold lets RET001 and RET002 ask for deletions the "
        "law forbids.",
        "retention.accounting_years = {years}: kirjanpitolaki (2:10) edellyttää tositteiden "
        "säilyttämistä 6 vuotta tilikauden päättymisestä, joten lyhyempi aika saa RET001:n ja "
        "RET002:n vaatimaan poistoja, jotka laki kieltää.",
    ),
    "no-recipients": (
        "no [[disclosures.recipients]] entry: every disclosure in the register is DIS001.",
        "yhtään [[disclosures.recipients]]-kohtaa ei ole: jokainen rekisterin luovutus on DIS001.",
    ),
    "fail-on-never": (
        'check.fail_on = "never": `auditkit check` never fails a CI run, whatever it finds.',
        'check.fail_on = "never": `auditkit check` ei koskaan hylkää CI-ajoa, löysi se mitä '
        "tahansa.",
    ),
}


@dataclass(frozen=True)
class Contradiction:
    code: str
    level: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        en, fi = MESSAGES[self.code]
        return (fi if lang == "fi" else en).format(**self.params)


def _names_marketing(purpose: str) -> bool:
    folded = fold(purpose)
    return any(word in folded for word in _MARKETING_WORDS)


def _someone_elses(purpose: str) -> bool:
    folded = fold(purpose)
    return any(word in folded for word in _SOMEONE_ELSES)


def _months(duration: Duration) -> float:
    return duration.years * 12 + duration.months + (duration.weeks * 7 + duration.days) / 30.44


def _known_country(code: str) -> bool:
    return code == "*" or code.strip().upper() in NAMES or code.strip().upper() in ALIASES


def check_policy(policy: Policy) -> list[Contradiction]:
    """Every contradiction in a loaded policy, errors first, then in the order of the file."""
    found: list[Contradiction] = []
    found += _disclosure_checks(policy)
    found += _retention_checks(policy)
    found += _consent_checks(policy)
    if policy.check.fail_on == "never":
        found.append(Contradiction("fail-on-never", "note"))
    return sorted(found, key=lambda c: LEVELS.index(c.level))


def _disclosure_checks(policy: Policy) -> list[Contradiction]:
    found: list[Contradiction] = []
    disclosures = policy.disclosures
    if not disclosures.recipients:
        found.append(Contradiction("no-recipients", "note"))
    general = [
        p for p in disclosures.prohibited_purposes if _names_marketing(p) and not _someone_elses(p)
    ]
    declared = set(policy.data_content.categories)
    for recipient in disclosures.recipients:
        category = recipient.category
        if recipient.marketing:
            for purpose in general:
                found.append(
                    Contradiction(
                        "marketing-recipient-while-marketing-prohibited",
                        "warning",
                        {"category": category, "purpose": purpose},
                    )
                )
            if not any(_names_marketing(p) for p in recipient.purposes):
                found.append(
                    Contradiction(
                        "marketing-flag-without-marketing-purpose", "note", {"category": category}
                    )
                )
        else:
            for purpose in recipient.purposes:
                if _names_marketing(purpose) and not _someone_elses(purpose):
                    found.append(
                        Contradiction(
                            "marketing-purpose-without-flag",
                            "warning",
                            {"category": category, "purpose": purpose},
                        )
                    )
        for data_category in recipient.data_categories:
            if data_category not in declared:
                found.append(
                    Contradiction(
                        "recipient-data-category-undeclared",
                        "warning",
                        {"category": category, "data_category": data_category},
                    )
                )
        research = any(
            word in fold(text)
            for text in (category, *recipient.purposes)
            for word in _RESEARCH_WORDS
        )
        if research and recipient.delete_within is None:
            found.append(
                Contradiction(
                    "research-vendor-without-delete-within", "warning", {"category": category}
                )
            )
        if "*" in recipient.transfer_countries:
            found.append(Contradiction("transfers-anywhere", "note", {"category": category}))
        for country in recipient.transfer_countries:
            if not _known_country(country):
                found.append(
                    Contradiction(
                        "transfer-country-unknown",
                        "warning",
                        {"category": category, "country": country},
                    )
                )
    categories = {r.category for r in disclosures.recipients}
    for category in disclosures.allowed_for_protected:
        if category not in categories:
            found.append(
                Contradiction("protected-recipient-undeclared", "warning", {"category": category})
            )
    return found


def _retention_checks(policy: Policy) -> list[Contradiction]:
    found: list[Contradiction] = []
    retention = policy.retention
    if retention.accounting_years < 6:
        found.append(
            Contradiction(
                "accounting-years-below-law", "warning", {"years": retention.accounting_years}
            )
        )
    for kind, duration in retention.records.items():
        if kind in ACCOUNTING_KINDS and duration is not None:
            if _months(duration) < retention.accounting_years * 12:
                found.append(
                    Contradiction(
                        "record-retention-shorter-than-accounting",
                        "warning",
                        {
                            "kind": kind,
                            "duration": str(duration),
                            "years": retention.accounting_years,
                        },
                    )
                )
    return found


def _consent_checks(policy: Policy) -> list[Contradiction]:
    consent = policy.consent
    found: list[Contradiction] = []
    if consent.soft_opt_in:
        if not consent.own_product_groups:
            found.append(Contradiction("soft-opt-in-without-groups", "warning"))
        if not consent.soft_opt_in_kinds:
            found.append(Contradiction("soft-opt-in-without-kinds", "warning"))
        for kind in consent.soft_opt_in_kinds:
            if kind in _NOT_A_SALE:
                found.append(
                    Contradiction("soft-opt-in-kind-not-a-sale", "warning", {"kind": kind})
                )
    else:
        unused = [
            key
            for key, value in (
                ("soft_opt_in_kinds", consent.soft_opt_in_kinds),
                ("own_product_groups", consent.own_product_groups),
                ("soft_opt_in_max_age", consent.soft_opt_in_max_age),
            )
            if value
        ]
        if unused:
            found.append(
                Contradiction("soft-opt-in-settings-unused", "note", {"keys": ", ".join(unused)})
            )
    return found


def prohibited_conflicts(text: str) -> list[Contradiction]:
    """Purposes both declared for a recipient and prohibited, read from the raw TOML.

    The loader rejects such a policy; `policy explain` reports them as errors and explains the
    rest of the policy without them.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    disclosures = data.get("disclosures", {})
    if not isinstance(disclosures, dict):
        return []
    prohibited = disclosures.get("prohibited_purposes", [])
    found = []
    for recipient in disclosures.get("recipients", []):
        if not isinstance(recipient, dict):
            continue
        for purpose in recipient.get("purposes", []):
            if isinstance(prohibited, list) and purpose in prohibited:
                found.append(
                    Contradiction(
                        "purpose-declared-and-prohibited",
                        "error",
                        {"purpose": purpose, "category": recipient.get("category", "?")},
                    )
                )
    return found
