"""The words exports use: file, header and value synonyms in Finnish, Swedish and English.

Declared once as data. `auditkit init` compares *folded* text (`fold`: case, accents, spaces and
punctuation removed, so `Sähköposti`, `sahkoposti` and `SÄHKÖ-POSTI` meet), and every match is
exact on the folded form: a header that is only *like* a synonym is a candidate, never a mapping.
Each entry is written `"a | b | c"`, one synonym between bars.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache


def fold(text: str) -> str:
    """Lower case, accents dropped (ä → a, š → s), only letters and digits kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", plain.replace("ß", "ss"))


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


# ── tables: what a file (or sheet) is called ───────────────────────────────────────────────────
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    table: _words(words)
    for table, words in {
        "subjects": "subjects | asiakkaat | asiakas | asiakasrekisteri | asiakastiedot | henkilöt"
        " | yhteyshenkilöt | kontaktit | kunder | kund | kundregister | kontakter | personer"
        " | customers | customer | clients | client | contacts | persons | people",
        "vehicles": "vehicles | vehicle | ajoneuvot | ajoneuvo | autot | kalusto | fordon | bilar"
        " | cars | fleet",
        "contracts": "contracts | contract | sopimukset | sopimus | kaupat | tilaukset | avtal"
        " | kontrakt | affärer | deals | orders | sales | agreements",
        "consents": "consents | consent | luvat_ja_kiellot | luvat | suostumukset"
        " | markkinointiluvat | markkinointiluvat_ja_kiellot | kiellot | samtycken | samtycke"
        " | medgivanden | permissions | opt_ins | marketing_permissions | preferences",
        "communications": "communications | messages | viestit | viestintä | lähetykset"
        " | utskick | meddelanden | kommunikation | sent_messages | mailings | campaign_log",
        "disclosures": "disclosures | luovutukset | tietojen_luovutukset | luovutusloki"
        " | utlämnanden | data_sharing | shared_data | transfers",
        "requests": "requests | pyynnöt | tietosuojapyynnöt | rekisteröidyn_pyynnöt | begäranden"
        " | dsr | dsar | subject_requests | data_subject_requests | privacy_requests",
        "notes": "notes | muistiinpanot | merkinnät | kommentit | anteckningar | comments",
    }.items()
}

# ── columns: what a header is called, per canonical table and column ─────────────────────────
_SUBJECT_REF = (
    "subject_id | asiakasnumero | asiakasnro | asiakas_nro | asiakas | asiakas_id | asiakastunnus"
    " | kundnummer | kundnr | kund | kund_id | customer_id | customer_number | customer_no"
    " | customer | client_id | client | contact_id | person_id"
)
_COLUMNS: dict[str, dict[str, str]] = {
    "subjects": {
        "subject_id": _SUBJECT_REF,
        "subject_type": "subject_type | asiakastyyppi | asiakaslaji | tyyppi | kundtyp"
        " | customer_type | contact_type | type",
        "first_name": "first_name | etunimi | etunimet | förnamn | firstname | given_name"
        " | forename",
        "last_name": "last_name | sukunimi | efternamn | lastname | surname | family_name",
        "language": "language | kieli | asiointikieli | äidinkieli | språk | lang"
        " | preferred_language",
        "email": "email | sähköposti | sähköpostiosoite | sposti | e_mail | e-post | epost"
        " | e-postadress | email_address | mail",
        "phone": "phone | puhelin | puhelinnumero | puh | matkapuhelin | gsm | telefon"
        " | telefonnummer | mobil | mobiltelefon | phone_number | mobile | telephone | tel",
        "street_address": "street_address | katuosoite | osoite | lähiosoite | postiosoite"
        " | gatuadress | adress | address | street",
        "postal_code": "postal_code | postinumero | postinro | postnummer | zip | zip_code"
        " | postcode",
        "city": "city | postitoimipaikka | kaupunki | kunta | paikkakunta | postort | ort | stad"
        " | town",
        "personal_id": "personal_id | henkilötunnus | hetu | sotu | personnummer"
        " | personbeteckning | personal_identity_code | national_id | identity_code | ssn",
        "business_id": "business_id | y-tunnus | yritystunnus | organisationsnummer"
        " | fo-nummer | company_id | business_code",
        "created_at": "created_at | luontipäivä | luotu | luontiaika | asiakkuus_alkanut"
        " | asiakas_alkaen | skapad | registrerad | kund_sedan | created | creation_date"
        " | date_created | customer_since",
        "relationship_ended_at": "relationship_ended_at | asiakkuus_päättynyt"
        " | asiakkuus_loppunut | asiakkuuden_päättyminen | kundrelation_avslutad"
        " | kundförhållande_avslutat | relationship_ended | customer_until | churned_at",
        "last_activity_at": "last_activity_at | viimeisin_asiointi | viimeksi_asioinut"
        " | viimeisin_tapahtuma | viimeisin_käynti | senaste_aktivitet | senast_aktiv"
        " | last_activity | last_contact | last_visit | last_purchase",
        "protected": "protected | turvakielto | turvakieltomerkintä | skyddad_identitet"
        " | spärrmarkering | sekretessmarkering | skyddad | non_disclosure | address_protection"
        " | protected_identity",
        "erased_at": "erased_at | poistettu | poistopäivä | anonymisoitu | raderad | anonymiserad"
        " | erased | deleted | deleted_at | anonymised_at | anonymized_at",
    },
    "vehicles": {
        "vehicle_id": "vehicle_id | ajoneuvonumero | ajoneuvo_id | ajoneuvotunnus"
        " | fordonsnummer | fordon_id | vehicle_number | vehicle_no | car_id",
        "subject_id": _SUBJECT_REF + " | omistaja | haltija | ägare | owner | owner_id",
        "registration_number": "registration_number | rekisterinumero | rekisteritunnus"
        " | rekkari | registreringsnummer | regnr | reg_nr | registration | plate"
        " | license_plate | licence_plate | reg_no",
        "vin": "vin | valmistenumero | alustanumero | runkonumero | chassinummer"
        " | chassis_number | vehicle_identification_number",
        "make": "make | merkki | märke | fabrikat | brand | manufacturer",
        "model": "model | malli | modell",
        "odometer_km": "odometer_km | mittarilukema | ajokilometrit | kilometrit | km"
        " | mätarställning | odometer | mileage | kilometres | kilometers",
        "linked_at": "linked_at | liitetty | omistus_alkanut | hankittu | kopplad | linked"
        " | owned_since",
        "unlinked_at": "unlinked_at | irrotettu | omistus_päättynyt | frånkopplad | unlinked"
        " | owned_until",
    },
    "contracts": {
        "contract_id": "contract_id | sopimusnumero | sopimus_id | sopimustunnus | tilausnumero"
        " | kauppanumero | avtalsnummer | avtal_id | contract_number | contract_no | deal_id"
        " | order_id | agreement_id",
        "subject_id": _SUBJECT_REF,
        "kind": "kind | sopimuslaji | sopimustyyppi | laji | tyyppi | avtalstyp | typ | type"
        " | contract_type | deal_type",
        "signed_at": "signed_at | allekirjoitettu | allekirjoituspäivä | sopimuspäivä | solmittu"
        " | undertecknad | tecknat | avtalsdatum | signed | signing_date | contract_date"
        " | date_signed",
        "ends_at": "ends_at | päättyy | päättymispäivä | voimassa_asti | erääntyy | upphör"
        " | slutdatum | giltig_till | ends | end_date | expires | valid_until | expiry_date",
        "closed_at": "closed_at | suljettu | maksettu | kuitattu | stängd | avslutad | closed"
        " | completed | paid_off | settled",
        "amount_eur": "amount_eur | summa_eur | summa | hinta | kauppahinta | euroa | belopp"
        " | pris | amount | price | total | sum",
        "accounting_record": "accounting_record | kirjanpitoaineisto | kirjanpito"
        " | kirjanpitotosite | bokföringsmaterial | bokföring | verifikation | accounting"
        " | bookkeeping | voucher",
    },
    "consents": {
        "event_id": "event_id | tapahtumanumero | tapahtuma_id | tapahtumatunnus | lupanumero"
        " | händelsenummer | händelse_id | consent_id",
        "subject_id": _SUBJECT_REF,
        "purpose": "purpose | tarkoitus | lupatyyppi | luvan_tarkoitus | syfte | ändamål"
        " | consent_type | permission_type",
        "action": "action | toimenpide | lupa_tai_kielto | åtgärd | handling | choice",
        "recorded_at": "recorded_at | kirjattu | kirjausaika | tallennettu | registrerad"
        " | registrerat | recorded | timestamp",
        "source": "source | lähde | källa | origin | collected_via",
        "evidence_ref": "evidence_ref | todiste | todisteviite | näyttö | bevis | evidence | proof",
        "notice_version": "notice_version | selosteversio | tietosuojaselosteen_versio"
        " | policyversion | integritetspolicy_version | policy_version"
        " | privacy_notice_version",
    },
    "communications": {
        "message_id": "message_id | viestinumero | viesti_id | viestitunnus | lähetysnumero"
        " | meddelandenummer | meddelande_id | message_number | msg_id",
        "subject_id": _SUBJECT_REF,
        "channel": "channel | kanava | viestikanava | lähetyskanava | kanal | medium",
        "category": "category | viestilaji | viestityyppi | laji | tyyppi | kategoria | luokka"
        " | meddelandetyp | kategori | typ | message_type | type",
        "sent_at": "sent_at | lähetetty | lähetysaika | lähetyspäivä | skickad | skickat | sänt"
        " | sent | send_date | sent_date",
        "campaign_id": "campaign_id | kampanja | kampanjatunnus | kampanja_id | kampanj"
        " | kampanj_id | campaign | campaign_code",
        "product_group": "product_group | tuoteryhmä | tuotealue | produktgrupp | product_line"
        " | product_category",
        "body": "body | viesti | viestiteksti | sisältö | meddelande | innehåll | message"
        " | content | text | teksti",
    },
    "disclosures": {
        "disclosure_id": "disclosure_id | luovutusnumero | luovutus_id | luovutustunnus"
        " | utlämnandenummer | disclosure_number | sharing_id",
        "subject_id": _SUBJECT_REF,
        "recipient": "recipient | vastaanottaja | vastaanottajan_nimi | mottagare"
        " | recipient_name | receiver | shared_with",
        "recipient_category": "recipient_category | vastaanottajaryhmä | vastaanottajatyyppi"
        " | vastaanottajan_ryhmä | mottagarkategori | mottagartyp | recipient_type"
        " | receiver_category",
        "purpose": "purpose | käyttötarkoitus | tarkoitus | luovutuksen_tarkoitus | ändamål"
        " | syfte",
        "country": "country | maa | valtio | sijaintimaa | käsittelymaa | land | country_code",
        "safeguard": "safeguard | siirtoperuste | suojatoimi | siirtomekanismi"
        " | överföringsgrund | skyddsåtgärd | transfer_mechanism | mechanism",
        "data_categories": "data_categories | tietoryhmät | tietoryhmä | luovutetut_tiedot"
        " | datakategorier | uppgiftskategorier | categories",
        "disclosed_at": "disclosed_at | luovutettu | luovutuspäivä | luovutusaika | utlämnad"
        " | utlämnat | disclosed | shared_at",
        "deletion_confirmed_at": "deletion_confirmed_at | poisto_vahvistettu | poistovahvistus"
        " | radering_bekräftad | deletion_confirmed | erasure_confirmed",
    },
    "requests": {
        "request_id": "request_id | pyyntönumero | pyyntö_id | pyyntötunnus | ärendenummer"
        " | begäran_id | request_number | ticket_id | case_id",
        "subject_id": _SUBJECT_REF,
        "kind": "kind | pyyntölaji | pyyntötyyppi | laji | tyyppi | typ | begärantyp | type"
        " | request_type",
        "received_at": "received_at | vastaanotettu | saapunut | vastaanottopäivä | mottagen"
        " | inkommen | received | date_received | submitted_at",
        "extension_notified_at": "extension_notified_at | jatkoaika_ilmoitettu | jatkoaika"
        " | förlängning_meddelad | extension_notified | extension",
        "completed_at": "completed_at | käsitelty | vastattu | ratkaistu | besvarad | avslutad"
        " | completed | answered_at | resolved_at",
        "outcome": "outcome | lopputulos | tulos | ratkaisu | päätös | utfall | resultat | beslut"
        " | result | resolution | decision",
    },
    "notes": {
        "note_id": "note_id | muistiinpanonumero | muistiinpano_id | merkintänumero"
        " | anteckningsnummer | note_number | comment_id",
        "subject_id": _SUBJECT_REF,
        "created_at": "created_at | luotu | kirjattu | päivätty | skapad | created | timestamp",
        "text": "text | teksti | muistiinpano | sisältö | kommentti | viesti | anteckning | note"
        " | comment | body | content",
    },
}
COLUMN_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    table: {column: _words(words) for column, words in columns.items()}
    for table, columns in _COLUMNS.items()
}

# ── columns outside the model: kept with a data category, or ignored on purpose ──────────────
KEEP: dict[str, tuple[str, ...]] = {
    category: _words(words)
    for category, words in {
        "company": "yrityksen_nimi | yritys | yrityksen nimi | firma | yhtiö | företag"
        " | företagsnamn | company | company_name | organisation | organization | employer"
        " | työnantaja | titteli | tehtävänimike | befattning | job_title | title",
        "identity": "ajokorttiluokka | ajokortti | körkortsklass | körkort | licence_class"
        " | license_class | driving_licence | syntymäaika | syntymävuosi | födelsedatum"
        " | birth_date | date_of_birth | sukupuoli | kön | gender",
        "technical": "eväste | evästetunniste | cookie | cookie_id | device_id | laitetunniste"
        " | ip | ip_osoite | ip_address | user_agent",
        "contact": "faksi | fax | telefax | toinen_puhelin | työpuhelin | arbetstelefon"
        " | work_phone | mobile2",
        "communications": "lisätieto | lisätiedot | huomautus | huomiot | kommentti | övrigt"
        " | anmärkning | notes | remarks | comment | additional_info",
    }.items()
}
# Free text and fax numbers hold a category, but what is in them is the user's call: never kept
# without a decision.
KEEP_NEEDS_DECISION = frozenset({"communications", "contact"})

IGNORE: tuple[str, ...] = _words(
    "myyjä | myyjän_nimi | käsittelijä | vastuumyyjä | vastuuhenkilö | säljare | handläggare"
    " | salesperson | seller | sales_rep | agent | handled_by | created_by | modified_by"
    " | muokkaaja | luoja | päivitetty | muokattu | updated_at | modified_at | last_modified"
    " | row_version | export_date | vientipäivä | toimipiste | branch"
)
"""The controller's own records (its staff, its system's bookkeeping): not the subject's data."""

# ── values ────────────────────────────────────────────────────────────────────────────────────
TRUE_WORDS = _words("true | t | yes | y | 1 | k | kyllä | joo | on | tosi | x | ja | j | sant")
FALSE_WORDS = _words("false | f | no | n | 0 | e | ei | nej | falskt | off")

_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("subjects", "subject_type"): {
        "person": "henkilö | henkilöasiakas | yksityinen | yksityisasiakas | kuluttaja"
        " | kuluttaja-asiakas | privat | privatperson | privatkund | individual | private"
        " | consumer | b2c",
        "organisation": "yritys | yritysasiakas | yhteyshenkilö | organisaatio | yhteisö"
        " | företag | företagskund | kontaktperson | organization | company | business | b2b"
        " | corporate | company contact",
    },
    ("subjects", "language"): {
        "fi": "suomi | finska | finnish | fin | suomeksi",
        "sv": "ruotsi | svenska | swedish | swe | ruotsiksi | svensk",
        "en": "englanti | engelska | english | eng | englanniksi",
        "de": "saksa | tyska | german | deutsch",
        "ru": "venäjä | ryska | russian",
        "et": "viro | eesti | estniska | estonian",
        "no": "norja | norska | norwegian",
        "da": "tanska | danska | danish",
        "fr": "ranska | franska | french",
        "es": "espanja | spanska | spanish",
    },
    ("contracts", "kind"): {
        "sale": "kauppa | myynti | autokauppa | försäljning | sales | sold",
        "purchase": "osto | sisäänosto | hankinta | inköp | inbyte | buy | bought | trade-in",
        "financing": "rahoitus | osamaksu | luotto | rahoitussopimus | finansiering | avbetalning"
        " | finance | loan | credit",
        "leasing": "leasing | leasingsopimus | lease",
        "service": "huolto | korjaus | huoltotyö | verkstad | reparation | repair | maintenance",
        "warranty": "takuu | garanti | guarantee",
        "offer": "tarjous | offert | erbjudande | quote | quotation",
        "test_drive": "koeajo | provkörning | testdrive | test drive",
    },
    ("consents", "purpose"): {
        "email_marketing": "sähköpostimarkkinointi | sähköposti | uutiskirje"
        " | e-postmarknadsföring | e-post | nyhetsbrev | email | e-mail marketing"
        " | newsletter",
        "sms_marketing": "tekstiviestimarkkinointi | tekstiviesti | sms-markkinointi | sms"
        " | sms-marknadsföring | text message marketing | text messages",
        "automated_call_marketing": "automaattipuhelut | automaattipuhelu | automaattisoitot"
        " | automatiska samtal | automated calls | robocalls",
        "phone_marketing": "puhelinmarkkinointi | puhelin | telemarkkinointi"
        " | telefonmarknadsföring | telefon | telemarketing | phone | telephone marketing",
        "post_marketing": "suoramainonta | postimarkkinointi | kirjeet | posti | direktreklam"
        " | post | postal marketing | direct mail",
        "profiling": "profilointi | profilering",
        "market_research": "markkinatutkimus | tutkimus | kyselyt | marknadsundersökning"
        " | undersökning | undersökningar | research | surveys | survey",
        "third_party_disclosure": "luovutus kolmansille | luovutus kolmansille osapuolille"
        " | tietojen luovutus | utlämnande till tredje part | third-party disclosure"
        " | third party disclosure | data sharing",
    },
    ("consents", "action"): {
        "grant": "lupa | suostumus | annettu | kyllä | samtycke | medgivande | ja | granted"
        " | opt-in | optin | consent | given | yes | allow",
        "withdraw": "peruutus | peruttu | suostumus peruttu | återkallelse | återkallad"
        " | återkallat | withdrawn | withdrawal | revoked | revoke",
        "object": "kielto | markkinointikielto | vastustus | kielletty | förbud | spärr"
        " | invändning | objection | prohibition | prohibited | do not contact | forbid",
    },
    ("consents", "source"): {
        "web_form": "verkkolomake | lomake | verkkosivu | verkkokauppa | webbformulär"
        " | webbplats | web | web form | website | online | form",
        "store": "myymälä | liike | toimipiste | butik | store | shop | showroom | in store",
        "phone": "puhelin | puhelu | telefon | samtal | call",
        "email_reply": "sähköposti | sähköpostivastaus | e-post | email | e-mail | email reply",
        "import": "tuonti | vanha crm | migraatio | imported | migration",
        "request": "tietosuojapyyntö | pyyntö | begäran | privacy request | dsr",
    },
    ("communications", "channel"): {
        "email": "sähköposti | e-mail | e-post | epost",
        "sms": "tekstiviesti | text message | textmeddelande | text",
        "phone": "puhelin | puhelu | soitto | telefon | samtal | call | telephone",
        "post": "kirje | posti | brev | letter | postal",
        "automated_call": "automaattipuhelu | automaattinen puhelu | automatsamtal"
        " | automated call | robocall",
    },
    ("communications", "category"): {
        "marketing": "markkinointi | mainonta | kampanja | marknadsföring | reklam"
        " | advertising | promotion | promo",
        "research": "tutkimus | kysely | asiakastyytyväisyyskysely | undersökning | enkät | survey",
        "service": "huolto | palvelu | huoltomuistutus | verkstad | service reminder",
        "safety": "turvallisuus | takaisinkutsu | turvallisuustiedote | säkerhet | återkallelse"
        " | recall",
        "transactional": "asiointi | tilausvahvistus | vahvistus | lasku | kuitti | transaktion"
        " | bekräftelse | faktura | transaction | confirmation | invoice | receipt | order",
    },
    ("communications", "product_group"): {
        "vehicles": "ajoneuvot | autot | uudet autot | vaihtoautot | fordon | bilar | cars"
        " | vehicle",
        "service": "huolto | huollot | verkstad | maintenance",
        "accessories": "tarvikkeet | lisävarusteet | varusteet | tillbehör | accessory",
        "financing": "rahoitus | finansiering | finance",
        "tyres": "renkaat | rengas | rengaspalvelut | däck | tires | tyre | tire",
        "spare_parts": "varaosat | reservdelar | parts | spare parts",
        "insurance": "vakuutus | vakuutukset | försäkring | försäkringar",
        "trailers": "perävaunut | trailerit | släpvagnar | trailer",
    },
    ("disclosures", "recipient_category"): {
        "importer": "maahantuoja | maahantuojat | importör | importer | importers",
        "finance_company": "rahoitusyhtiö | rahoittaja | finansbolag | finansieringsbolag"
        " | finance company | lender",
        "insurance_company": "vakuutusyhtiö | vakuuttaja | försäkringsbolag"
        " | insurance company | insurer",
        "authority": "viranomainen | viranomaiset | myndighet | myndigheter | authorities"
        " | government",
        "marketing_processor": "markkinointikumppani | markkinointitoimisto"
        " | suoramarkkinointiyritys | marknadsföringspartner | marketing partner"
        " | mailing house | marketing agency",
        "research_vendor": "tutkimuslaitos | tutkimusyhtiö | tutkimuskumppani"
        " | undersökningsföretag | research vendor | research company | survey company",
        "debt_collector": "perintätoimisto | perintäyhtiö | inkassobyrå | inkasso"
        " | debt collector | collection agency",
        "car_rental": "autovuokraamo | vuokraamo | biluthyrning | car rental | rental company",
        "partner": "yhteistyökumppani | kumppani | samarbetspartner",
        "credit_bureau": "luottotietoyhtiö | kreditupplysningsföretag | credit bureau",
    },
    ("disclosures", "purpose"): {
        "warranty": "takuu | takuuasiat | garanti",
        "service": "huolto | verkstad",
        "maintenance": "kunnossapito | underhåll",
        "safety": "turvallisuus | takaisinkutsu | säkerhet | recall",
        "contract": "sopimuksen toteuttaminen | sopimus | avtal | fullgörande av avtal"
        " | performance of contract | performance of a contract",
        "legal_obligation": "lakisääteinen velvoite | lakisääteinen | rättslig förpliktelse"
        " | legal obligation",
        "register_update": "rekisteritietojen päivitys | rekisterin päivitys | registeruppdatering"
        " | register update",
        "controller_direct_marketing": "oma suoramarkkinointi | oma markkinointi"
        " | egen direktmarknadsföring | own direct marketing | controller direct marketing",
        "market_research": "markkinatutkimus | marknadsundersökning | market research",
        "customer_satisfaction": "asiakastyytyväisyyskysely | asiakastyytyväisyys | kundnöjdhet"
        " | kundnöjdhetsundersökning | customer satisfaction | satisfaction survey",
        "third_party_marketing": "kumppanin oma markkinointi | kumppanin markkinointi"
        " | kolmannen osapuolen markkinointi | tredje parts marknadsföring"
        " | partner's own marketing | partners own marketing | third party marketing"
        " | third-party marketing",
        "debt_collection": "perintä | inkasso | debt collection",
        "marketing": "markkinointi | marknadsföring",
        "credit_check": "luottotietojen tarkistus | luottotarkastus | kreditupplysning"
        " | credit check",
    },
    ("disclosures", "safeguard"): {
        "none": "ei | ei mitään | ei siirtoperustetta | ingen | no | -",
        "adequacy": "riittävyyspäätös | riittävä tietosuoja | adekvat skyddsnivå"
        " | beslut om adekvat skyddsnivå | adequacy decision",
        "dpf": "data privacy framework | eu-us dpf | eu-us data privacy framework",
        "scc": "vakiolausekkeet | vakiosopimuslausekkeet | mallisopimuslausekkeet"
        " | standardavtalsklausuler | standard contractual clauses | eu scc",
        "bcr": "sitovat yrityssäännöt | bindande företagsbestämmelser | binding corporate rules",
        "derogation": "poikkeus | poikkeusperuste | undantag | exception | art 49",
    },
    ("requests", "kind"): {
        "access": "tarkastus | tarkastuspyyntö | tietojen tarkastus | registerutdrag"
        " | tillgång | subject access | sar | dsar",
        "rectification": "oikaisu | korjaus | rättelse | correction",
        "erasure": "poisto | poistopyyntö | radering | deletion | delete | right to be forgotten",
        "objection": "vastustus | vastustaminen | invändning | object",
        "restriction": "rajoitus | käsittelyn rajoittaminen | begränsning",
        "portability": "siirto | siirrettävyys | dataportabilitet | portabilitet"
        " | data portability",
        "encryption": "salaus | salaaminen | kryptering",
    },
    ("requests", "outcome"): {
        "fulfilled": "toteutettu | hyväksytty | tehty | bifallen | genomförd | utförd | done"
        " | completed | granted | approved",
        "partially_fulfilled": "osittain | osittain toteutettu | delvis | delvis genomförd"
        " | partial | partially",
        "refused": "hylätty | evätty | avslag | avslagen | nekad | rejected | denied | declined",
    },
}
VALUE_SYNONYMS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    key: {canonical: _words(words) for canonical, words in values.items()}
    for key, values in _VALUES.items()
}

# Plain-text columns whose values the rules or the policy compare with fixed names: a value
# synonym maps them, an unknown value stays as written (and is listed in the mapping's comments).
VOCABULARY_COLUMNS = frozenset(
    {
        ("subjects", "language"),
        ("consents", "source"),
        ("communications", "product_group"),
        ("disclosures", "recipient_category"),
        ("disclosures", "purpose"),
        ("disclosures", "country"),
    }
)


@cache
def header_index(table: str) -> dict[str, str]:
    """Folded header synonym → canonical column, for one table."""
    index: dict[str, str] = {}
    for column, words in COLUMN_SYNONYMS[table].items():
        for word in words:
            index.setdefault(fold(word), column)
    return index


@cache
def value_index(table: str, column: str) -> dict[str, str]:
    """Folded value synonym (and the canonical value itself) → canonical value."""
    index: dict[str, str] = {}
    for canonical, words in VALUE_SYNONYMS.get((table, column), {}).items():
        index.setdefault(fold(canonical), canonical)
        for word in words:
            index.setdefault(fold(word), canonical)
    return index


@cache
def table_index() -> dict[str, str]:
    return {fold(word): table for table, words in TABLE_NAMES.items() for word in words}


@cache
def keep_index() -> dict[str, str]:
    return {fold(word): category for category, words in KEEP.items() for word in words}


@cache
def ignore_index() -> frozenset[str]:
    return frozenset(fold(word) for word in IGNORE)
