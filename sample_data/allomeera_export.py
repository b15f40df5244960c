"""The building blocks of the synthetic Allomeera Oy register (used by generate_allomeera.py).

- the Finnish CRM vocabulary (headers and values) and the synthetic reference data,
- ``Gen``: rows per table, the derived facts of RULES.md that keep the background lawful
  (consent state with the global objection and objection requests, soft opt-in), and the
  lawful background register itself,
- the writers: CSV in the CRM's encodings, the xlsx with fixed timestamps, mapping.toml.

Only the standard library and openpyxl.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

D, T, DAY = dt.date, dt.datetime, dt.timedelta(days=1)
AS_OF = D(2026, 6, 30)
LAST_DAY = AS_OF - DAY  # background events end the day before the export
OUT = Path(__file__).resolve().parent / "allomeera"
N_BACKGROUND = 2860  # + about 150 planted subjects

# fmt: off
# Tables below are kept compact by hand.
RULES = ("RET001 RET002 RET003 RET004 CON001 CON002 CON003 CON004 CON005 DIS001 DIS002 DIS003 "
         "DIS004 DIS005 DIS006 DIS007 DIS008 DIS009 DIS010 DSR001 DSR002 DSR003 DSR004 DSR005 "
         "DAT001 DAT002 DAT003 DAT004 DAT005 DAT006 DAT007").split()
MARKETING = ("email_marketing", "sms_marketing", "automated_call_marketing", "phone_marketing",
             "post_marketing")
CHANNEL_PURPOSE = {"email": "email_marketing", "sms": "sms_marketing",
                   "phone": "phone_marketing", "post": "post_marketing",
                   "automated_call": "automated_call_marketing"}
ACCOUNTING = {"sale", "purchase", "financing", "leasing", "service"}
SOFT_KINDS = {"sale", "service", "financing", "leasing"}
OWN_GROUPS = {"vehicles", "service", "accessories", "financing"}
STRICT = {"grant": 0, "withdraw": 1, "object": 2}
HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

# ---------------------------------------------------------------- Finnish export vocabulary
SUBJECT_TYPE = {"person": "Henkilö", "organisation": "Yritys"}
LANGUAGE = {"fi": "suomi", "sv": "ruotsi", "en": "englanti"}
KE = {True: "K", False: "E"}
KYLLA_EI = {True: "Kyllä", False: "Ei"}
KIND = {"sale": "Kauppa", "purchase": "Osto", "financing": "Rahoitus", "leasing": "Leasing",
        "service": "Huolto", "warranty": "Takuu", "offer": "Tarjous", "test_drive": "Koeajo"}
PURPOSE = {"email_marketing": "Sähköpostimarkkinointi",
           "sms_marketing": "Tekstiviestimarkkinointi",
           "phone_marketing": "Puhelinmarkkinointi", "post_marketing": "Suoramainonta",
           "automated_call_marketing": "Automaattipuhelut", "profiling": "Profilointi",
           "market_research": "Markkinatutkimus",
           "third_party_disclosure": "Luovutus kolmansille"}
ACTION = {"grant": "Lupa", "withdraw": "Peruutus", "object": "Kielto"}
SOURCE = {"web_form": "Verkkolomake", "store": "Myymälä", "phone": "Puhelin",
          "email_reply": "Sähköposti", "import": "Tuonti", "request": "Tietosuojapyyntö"}
CHANNEL = {"email": "Sähköposti", "sms": "Tekstiviesti", "phone": "Puhelin", "post": "Kirje",
           "automated_call": "Automaattipuhelu"}
CATEGORY = {"marketing": "Markkinointi", "research": "Tutkimus", "service": "Huolto",
            "safety": "Turvallisuus", "transactional": "Asiointi"}
GROUP = {"vehicles": "Ajoneuvot", "service": "Huolto", "accessories": "Tarvikkeet",
         "financing": "Rahoitus", "tyres": "Renkaat"}
RECIPIENT_CATEGORY = {"importer": "Maahantuoja", "finance_company": "Rahoitusyhtiö",
                      "insurance_company": "Vakuutusyhtiö", "authority": "Viranomainen",
                      "marketing_processor": "Markkinointikumppani",
                      "research_vendor": "Tutkimuslaitos", "debt_collector": "Perintätoimisto",
                      "car_rental": "Autovuokraamo", "partner": "Yhteistyökumppani"}
DIS_PURPOSE = {"warranty": "Takuu", "service": "Huolto", "maintenance": "Kunnossapito",
               "safety": "Turvallisuus", "contract": "Sopimuksen toteuttaminen",
               "legal_obligation": "Lakisääteinen velvoite",
               "register_update": "Rekisteritietojen päivitys",
               "controller_direct_marketing": "Oma suoramarkkinointi",
               "market_research": "Markkinatutkimus",
               "customer_satisfaction": "Asiakastyytyväisyyskysely",
               "third_party_marketing": "Kumppanin oma markkinointi",
               "debt_collection": "Perintä", "marketing": "Markkinointi",
               "credit_check": "Luottotietojen tarkistus"}
COUNTRY = {"FI": "Suomi", "SE": "Ruotsi", "DE": "Saksa", "BE": "Belgia", "CZ": "Tšekki",
           "FR": "Ranska", "NL": "Alankomaat", "JP": "Japani", "US": "Yhdysvallat",
           "KR": "Etelä-Korea", "CN": "Kiina", "GB": "Iso-Britannia", "CH": "Sveitsi"}
SAFEGUARD = {"none": "Ei", "adequacy": "Riittävyyspäätös", "dpf": "DPF",
             "scc": "Vakiolausekkeet", "bcr": "BCR", "derogation": "Poikkeus"}
REQUEST_KIND = {"access": "Tarkastus", "rectification": "Oikaisu", "erasure": "Poisto",
                "objection": "Vastustus", "restriction": "Rajoitus", "portability": "Siirto",
                "encryption": "Salaus"}
OUTCOME = {"fulfilled": "Toteutettu", "partially_fulfilled": "Osittain", "refused": "Hylätty"}

# --------------------------------------------------------------------------- reference data
FIRST_FI = ("Matti Mikko Juha Timo Jari Kari Antti Jukka Markku Pekka Mika Hannu Heikki Sami "
            "Janne Tuomas Ville Eero Onni Väinö Jyrki Seppo Esa Lasse Ossi Tapio Arto Petri "
            "Teemu Juho Aleksi Niko Joonas Lauri Olli Veikko Raimo Erkki Aino Anna Maria Tiina "
            "Sari Päivi Johanna Laura Minna Riitta Anne Leena Helena Kaisa Satu Elina Sanna "
            "Jenni Heli Hanna Sirpa Tuula Eija Emma Aada Pirjo Marjatta Kirsi Merja Outi Noora "
            "Iida Veera Sofia Ella Hilkka Raija Terhi Katja Milla").split()
FIRST_SV = ("Erik Johan Anders Mikael Henrik Lars Stefan Karin Ulla Kristina Ingrid Linnea "
            "Camilla").split()
LAST_FI = ("Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen "
           "Järvinen Lehtonen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen "
           "Salo Laitinen Tuominen Rantanen Karjalainen Jokinen Mattila Ahonen Hietala Kangas "
           "Rinta-Jouppi Yli-Koski Ala-Kokko Peltoniemi Hautamäki Knuuttila Lepistö Kujala "
           "Sippola Ketola Ojala Hakola Luoma Mäki-Kuutti Koivisto Perälä Kivimäki Ylinen Harju "
           "Hautala Latvala Kallio Kauppila Kuusisto Rintala Haapala").split()
LAST_SV = ("Björk Lindqvist Holmström Sjöberg Nyman Strandberg Backman Forsman Granholm Sandvik "
           "Wikström").split()
CITIES = [("Seinäjoki", ["60100", "60120", "60150", "60200", "60220", "60320", "60510", "60550"],
           46),
          ("Lapua", ["62100"], 10), ("Kauhava", ["62200"], 8), ("Ilmajoki", ["60800"], 9),
          ("Kurikka", ["61300"], 7), ("Alavus", ["63300"], 6),
          ("Vaasa", ["65100", "65200", "65320"], 10)]
STREETS = ("Kauppakatu Koulukatu Vaasantie Ruukintie Kalevankatu Puistokatu Keskuskatu "
           "Pohjankatu Kirkkotie Myllytie Rantatie Peltotie Lapuantie Ilmajoentie Törnäväntie "
           "Kivistöntie Koivistontie Jouppilanvuorentie Kyrkösjärventie").split()
STREETS += ["Alvar Aallon katu"]
TOWN_GEN = ("Seinäjoen Lapuan Kauhavan Ilmajoen Kurikan Alavuden Vaasan Nurmon Ylistaron "
            "Lakeuden").split()
TRADES = ["Kuljetus Oy", "Maansiirto Oy", "Rakennus Oy", "Sähkö Oy", "Putkityö Ky",
          "Kone ja Kuljetus Oy", "Kiinteistöhuolto Oy", "Metalli Oy", "Taksi Oy", "Puutarha Oy",
          "Siivouspalvelu Oy", "Tilipalvelu Oy"]
CARS = {"Toyota": ["Corolla", "Yaris", "RAV4", "C-HR", "Hilux", "Proace"],
        "Volkswagen": ["Golf", "Passat", "Tiguan", "ID.4", "Transporter", "Caddy"],
        "Skoda": ["Octavia", "Superb", "Kodiaq", "Enyaq", "Fabia"],
        "Volvo": ["V60", "V90", "XC40", "XC60", "XC90"],
        "Kia": ["Ceed", "Sportage", "Niro", "EV6"], "Ford": ["Focus", "Kuga", "Transit", "Ranger"],
        "Peugeot": ["308", "2008", "3008", "Partner"]}
TRAILERS = {"Respo": ["750L2M", "1300T2", "Venetraileri 750"], "Tiki": ["C265-L", "CP375-L"],
            "Brenderup": ["1205S", "2260S", "4260 TB"]}
WMI = {"Toyota": "SB1", "Volkswagen": "WVW", "Skoda": "TMB", "Volvo": "YV1", "Kia": "U5Y",
       "Ford": "WF0", "Peugeot": "VF3"}
IMPORTERS = {  # make -> (Finnish importer, EEA head office, outside the EEA or None)
    "Toyota": ("Toyota Auto Finland Oy", ("Toyota Motor Europe NV", "BE"),
               ("Toyota Motor Corporation", "JP")),
    "Volkswagen": ("K-Auto Oy", ("Volkswagen AG", "DE"), None),
    "Skoda": ("K-Auto Oy", ("Škoda Auto a.s.", "CZ"), None),
    "Volvo": ("Volvo Car Finland Oy", ("Volvo Car Corporation", "SE"),
              ("Volvo Cars Asia Pacific", "CN")),
    "Kia": ("Kia Finland Oy", ("Kia Europe GmbH", "DE"), ("Kia Corporation", "KR")),
    "Ford": ("Ford Suomi Oy", ("Ford-Werke GmbH", "DE"), ("Ford Motor Company", "US")),
    "Peugeot": ("Stellantis Finland Oy", ("Stellantis N.V.", "NL"), None),
    "Respo": ("Respo Trailers Oy", None, None), "Tiki": ("Tiki-Treiler Oy", None, None),
    "Brenderup": ("Brenderup Finland Oy", ("Brenderup Group AB", "SE"), None)}
FINANCE = ["Santander Consumer Finance Oy", "Nordea Rahoitus Suomi Oy", "OP Yrityspankki Oyj"]
INSURANCE = ["If Vahinkovakuutus Oy", "LähiTapiola Keskinäinen Vakuutusyhtiö",
             "Pohjola Vakuutus Oy"]
TRAFICOM = "Liikenne- ja viestintävirasto Traficom"
MARKETING_PROCESSOR = "Pohjanmaan Suoramarkkinointi Oy"
RESEARCH_VENDOR = "Tutkimustalo Kysely Oy"
MAIL_CAMPAIGNS = [D(2019, 3, 12), D(2020, 9, 8), D(2022, 4, 5), D(2023, 10, 3), D(2025, 3, 11),
                  D(2026, 3, 10)]
SELLERS = ["J. Hietala", "M. Kangas", "S. Rintala", "T. Latvala", "A. Perälä", "K. Ylinen",
           "Verkkokauppa"]
LICENCE = ["B", "B", "B", "B", "B", "BE", "BE", "C1", "CE", ""]
EXTRA = ["Kanta-asiakas", "Rengashotelli: 4 kpl kitkarenkaat", "Toivoo yhteydenotot iltaisin",
         "Yhteyshenkilö vaihtunut", "Huoltosopimus 2v", "Vaihtoauto tulossa syksyllä"]
NOTES = ["Asiakas soitti ja kysyi {reg} määräaikaishuollon hintaa. Annettu arvio {n} €.",
         "Rengasvaihto sovittu {date} klo 9.00.\nRenkaat rengashotellissa, urasyvyys ok.",
         "Koeajo {make} {model}, asiakas harkitsee vaihtoa nykyisestä autosta.",
         "Reklamaatio: tuulilasinpyyhkijät eivät toimineet huollon jälkeen.\n"
         "Korjattu takuuna {date}.",
         "Asiakas pyysi tarjousta {make} {model} -mallista. Vaihtoautona {reg}.",
         "Chat: \"Onko {model} vielä myynnissä?\" Vastattu sähköpostilla.",
         "Laskun eräpäivää siirretty 14 vrk asiakkaan pyynnöstä.",
         "Asiakastyytyväisyys {n2}/10, kiitos nopeasta huollosta.",
         "Kunden ringde om däckbyte, tid bokad {date}.",
         "Varaosa tilattu ({make}), toimitus n. 2 viikkoa.\n"
         "Asiakkaalle ilmoitettu tekstiviestillä."]
BODIES = {"service": ["Hei! Autosi {reg} määräaikaishuolto lähestyy. "
                      "Varaa aika: www.example.fi/huolto",
                      "Huoltosi on valmis, auton voi noutaa klo 16 mennessä."],
          "safety": ["Tärkeä turvallisuustiedote: {make} {model} -mallin takaisinkutsu. "
                     "Ota yhteyttä huoltoomme."],
          "transactional": ["Kiitos tilauksestasi! Tilausnumero {n}.",
                            "Kiitos, tulen huoltoon tiistaina."],
          "marketing": ["Kevään huoltotarjous: määräaikaishuolto -15 %.",
                        "Uusi {make} {model} nyt koeajettavissa!"],
          "research": ["Kerro mielipiteesi asioinnistasi - kysely vie 3 minuuttia."]}
GROUP_CODE = {"vehicles": "AUTOT", "service": "HUOLTO", "accessories": "TARVIKE",
              "financing": "RAHOITUS", "tyres": "RENKAAT", None: "YLEINEN"}
AMOUNTS = {"sale": (6000, 62000), "purchase": (2500, 30000), "financing": (5000, 45000),
           "leasing": (15000, 70000), "service": (90, 2400), "warranty": (0, 1500),
           "offer": (9000, 60000)}
# fmt: on


def add_months(d: D, months: int) -> D:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return d.replace(year=y, month=m, day=min(d.day, calendar.monthrange(y, m)[1]))


def hetu(birth: D, individual: int, sign: str | None = None) -> str:
    """A henkilötunnus DDMMYYCZZZQ with its check character."""
    sign = sign or ("-" if birth.year < 2000 else "A")
    digits = f"{birth:%d%m%y}{individual:03d}"
    return f"{birth:%d%m%y}{sign}{individual:03d}{HETU_CHECK[int(digits) % 31]}"


def ytunnus_check(body: str) -> int | None:
    """The Y-tunnus check digit of a 7-digit body, or None when no digit is valid."""
    r = sum(int(c) * w for c, w in zip(body, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return None if r == 1 else (0 if r == 0 else 11 - r)


def ascii_name(s: str) -> str:
    return s.lower().translate(str.maketrans("äöåé", "aoae", " "))


@dataclass(eq=False)
class Subject:
    type: str
    created: D
    first: str | None = None
    last: str | None = None
    lang: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    postal: str | None = None
    city: str | None = None
    company: str | None = None
    bid: str | None = None
    pid: str | None = None
    licence: str | None = None
    extra: str | None = None  # "Lisätieto": a column the mapping does not classify
    protected: bool = False
    last_activity: D | None = None
    ended: D | None = None
    erased_at: T | None = None
    residual: tuple = ()  # fields an erasure left behind (planted RET004)
    dup_of: Subject | None = None  # a second row with the same key (planted DAT006)
    id: str = ""
    seq: int = 0
    rows: dict = field(default_factory=lambda: {t: [] for t in TABLE_FILES})

    def end(self) -> D:
        """The last day the subject can have events on."""
        return self.erased_at.date() - DAY if self.erased_at else LAST_DAY

    def window(self) -> D:
        return self.ended or self.last_activity or LAST_DAY


class Gen:
    def __init__(self) -> None:
        self.r = random.Random(2021)
        self.subjects: list[Subject] = []
        self.tables: dict[str, list[dict]] = {t: [] for t in TABLE_FILES if t != "subjects"}
        self.planted: dict[str, list] = {code: [] for code in RULES}
        self.near: list[tuple[str, object]] = []
        self.emails: set[str] = set()
        self.pids: set[str] = set()
        self.regs: set[str] = set()
        self.seq = 0
        self.companies = [self.new_company() for _ in range(70)]

    # ------------------------------------------------------------------ random helpers
    def day(self, a: D, b: D) -> D:
        return a + dt.timedelta(days=self.r.randint(0, max(0, (b - a).days)))

    def at(self, d: D, h0: int = 8, h1: int = 19) -> T:
        return T(d.year, d.month, d.day, self.r.randint(h0, h1), self.r.randint(0, 59))

    def plant(self, rule: str, *objs: object) -> None:
        self.planted[rule].extend(objs)

    def near_miss(self, text: str, obj: object) -> None:
        self.near.append((text, obj))

    # ------------------------------------------------------------------ identifiers
    def new_pid(self) -> str:
        """A unique valid code; a few use the century sign Y introduced in 2023."""
        while True:
            b = self.day(D(1942, 1, 1), D(2004, 12, 31))
            code = hetu(
                b,
                self.r.randint(900, 999),
                "Y" if b.year < 2000 and self.r.random() < 0.05 else None,
            )
            if code not in self.pids:
                self.pids.add(code)
                return code

    def new_bid(self) -> str:
        while True:
            body = f"{self.r.randint(100000, 3399999):07d}"
            check = ytunnus_check(body)
            if check is not None:
                return f"{body}-{check}"

    def new_reg(self) -> str:
        while True:
            reg = (
                "".join(self.r.choice("ABCEFGHJKLMNORSTUVXYZ") for _ in range(3))
                + f"-{self.r.randint(1, 999)}"
            )
            if reg not in self.regs:
                self.regs.add(reg)
                return reg

    def new_vin(self, make: str) -> str:
        if make in TRAILERS:
            return f"{make[:2].upper()}{self.r.randint(2008, 2025)}-{self.r.randint(1000, 99999)}"
        return WMI[make] + "".join(self.r.choice(VIN_CHARS) for _ in range(14))

    def new_company(self) -> tuple[str, str]:
        return f"{self.r.choice(TOWN_GEN)} {self.r.choice(TRADES)}", self.new_bid()

    # ------------------------------------------------------------------ rows
    def add(self, table: str, subject: Subject | str, **values: object) -> dict:
        self.seq += 1
        row = {"subject": subject, "_seq": self.seq, **values}
        self.tables[table].append(row)
        if isinstance(subject, Subject):
            subject.rows[table].append(row)
        return row

    def new_subject(
        self,
        created: D,
        org: bool = False,
        company: tuple[str, str] | None = None,
        lang: str | None = None,
    ) -> Subject:
        r = self.r
        self.seq += 1
        lang = lang or r.choices(["fi", "sv", "en"], [88, 10, 2])[0]
        first = r.choice(FIRST_SV if lang == "sv" else FIRST_FI)
        last = r.choice(LAST_SV if lang == "sv" else LAST_FI)
        city, postals, _ = (
            CITIES[-1]
            if lang == "sv" and r.random() < 0.6
            else r.choices(CITIES, [c[2] for c in CITIES])[0]
        )
        local, n = f"{ascii_name(first)}.{ascii_name(last)}", 1
        while f"{local}{n if n > 1 else ''}" in self.emails:
            n += 1
        local = f"{local}{n if n > 1 else ''}"
        self.emails.add(local)
        s = Subject(
            type="organisation" if org else "person",
            created=created,
            first=first,
            last=last,
            lang=lang,
            email=f"{local}@{r.choice(['example.fi', 'example.fi', 'example.com'])}",
            phone=f"+358{r.choice(['40', '40', '50'])}{r.randint(0, 9999999):07d}",
            street=f"{r.choice(STREETS)} {r.randint(1, 60)}"
            + (f" A {r.randint(1, 20)}" if r.random() < 0.3 else ""),
            postal=r.choice(postals),
            city=city,
            seq=self.seq,
        )
        if org:
            company = company or self.new_company()
            s.company, s.bid = company
        else:
            s.licence = r.choice(LICENCE) or None
        if r.random() < 0.12:
            s.extra = r.choice(EXTRA)
        self.subjects.append(s)
        return s

    def vehicle(
        self,
        s: Subject | str,
        linked: D,
        unlinked: D | None = None,
        make: str | None = None,
        vin: str | None = None,
    ) -> dict:
        make = make or self.r.choice(list(CARS) * 6 + list(TRAILERS))
        trailer = make in TRAILERS
        return self.add(
            "vehicles",
            s,
            registration_number=self.new_reg(),
            vin=vin or self.new_vin(make),
            make=make,
            model=self.r.choice((TRAILERS if trailer else CARS)[make]),
            odometer_km=None if trailer else self.r.randint(500, 280000),
            linked_at=linked,
            unlinked_at=unlinked,
        )

    def contract(
        self,
        s: Subject | str,
        kind: str,
        signed: D,
        ends: D | None = None,
        closed: D | None = None,
        amount: float | None = None,
    ) -> dict:
        if amount is None and kind != "test_drive":
            lo, hi = AMOUNTS[kind]
            amount = round(self.r.uniform(lo, hi), 2)
        return self.add(
            "contracts",
            s,
            kind=kind,
            signed_at=signed,
            ends_at=ends,
            closed_at=closed,
            amount_eur=amount,
            accounting_record=kind in ACCOUNTING,
            seller=self.r.choice(SELLERS),
        )

    def consent(
        self,
        s: Subject | str,
        purpose: str,
        action: str,
        at: T,
        source: str | None = "web_form",
        evidence: str | None | bool = True,
    ) -> dict:
        if evidence is True:
            evidence = {
                "web_form": f"LOM-{at:%Y}-{self.r.randint(1, 99999):05d}",
                "store": f"ALLEK-{at:%Y%m%d}-{self.r.randint(100, 999)}",
                "phone": f"NAUH-{at:%Y%m%d}-{self.r.randint(1000, 9999)}",
                "email_reply": f"SP-{at:%Y%m%d}-{self.r.randint(1000, 9999)}",
                "import": f"VANHA-CRM-{self.r.randint(10000, 99999)}",
                "request": f"TSP-{at:%Y%m%d}",
                None: f"LOM-{at:%Y}-{self.r.randint(1, 99999):05d}",
            }[source]
        version = (
            "2021-08"
            if at.date() >= D(2021, 8, 19)
            else "2018-05"
            if at.date() >= D(2018, 5, 25)
            else "2015-01"
        )
        return self.add(
            "consents",
            s,
            purpose=purpose,
            action=action,
            recorded_at=at,
            source=source,
            evidence_ref=evidence or None,
            notice_version=version,
        )

    def message(
        self,
        s: Subject | str,
        channel: str,
        category: str,
        at: T,
        group: str | None = None,
        campaign: str | None | bool = True,
        body: str | None = None,
    ) -> dict:
        if campaign is True:
            campaign = {
                "marketing": f"KAMP-{at:%Y-%m}-{GROUP_CODE[group]}",
                "research": f"TUTK-{at:%Y}-Q{(at.month + 2) // 3}",
                "service": f"HUOLTOMUISTUTUS-{at:%Y}",
                "safety": f"TAKAISINKUTSU-{at:%Y}",
                "transactional": None,
            }[category]
        if body is None and self.r.random() < 0.12:
            make = self.r.choice(list(CARS))
            body = self.r.choice(BODIES[category]).format(
                reg=self.new_reg(),
                make=make,
                model=self.r.choice(CARS[make]),
                n=self.r.randint(10000, 99999),
            )
        return self.add(
            "communications",
            s,
            channel=channel,
            category=category,
            sent_at=at,
            campaign_id=campaign or None,
            product_group=group,
            body=body,
        )

    def disclosure(
        self,
        s: Subject | str,
        recipient: str,
        category: str | None,
        purpose: str | None,
        country: str | None,
        at: T,
        cats: str | None,
        safeguard: str | None = None,
        confirmed: T | None = None,
    ) -> dict:
        return self.add(
            "disclosures",
            s,
            recipient=recipient,
            recipient_category=category,
            purpose=purpose,
            country=country,
            safeguard=safeguard,
            data_categories=cats,
            disclosed_at=at,
            deletion_confirmed_at=confirmed,
        )

    def request(
        self,
        s: Subject | str,
        kind: str,
        received: T,
        completed: T | None = None,
        outcome: str | None = "fulfilled",
        ext: T | None = None,
    ) -> dict:
        return self.add(
            "requests",
            s,
            kind=kind,
            received_at=received,
            extension_notified_at=ext,
            completed_at=completed,
            outcome=outcome if completed else None,
        )

    def note(self, s: Subject | str | None, at: T, text: str | None = None) -> dict:
        if text is None:
            make = self.r.choice(list(CARS))
            text = self.r.choice(NOTES).format(
                reg=self.new_reg(),
                n=self.r.randint(150, 900),
                n2=self.r.randint(7, 10),
                make=make,
                model=self.r.choice(CARS[make]),
                date=f"{self.day(at.date(), at.date() + 20 * DAY):%d.%m.}",
            )
        return self.add("notes", s, created_at=at, text=text)

    # ------------------------------------------------------------------ derived facts (RULES.md)
    def events(self, s: Subject, purpose: str, consents_only: bool = False) -> list[tuple[T, str]]:
        """The (time, action) events that decide the consent state of one purpose."""
        out = [
            (c["recorded_at"], c["action"])
            for c in s.rows["consents"]
            if c["purpose"] == purpose
            or (purpose in MARKETING and c["purpose"] in MARKETING and c["action"] == "object")
        ]
        if not consents_only and purpose in MARKETING + ("profiling", "market_research"):
            out += [
                (q["received_at"], "object") for q in s.rows["requests"] if q["kind"] == "objection"
            ]
        return out

    def state(self, s: Subject, purpose: str, at: T) -> str | None:
        past = [e for e in self.events(s, purpose) if e[0] <= at]
        return max(past, key=lambda e: (e[0], STRICT[e[1]]))[1] if past else None

    def objected(self, s: Subject, at: T) -> bool:
        return any(self.state(s, p, at) == "object" for p in MARKETING)

    def quiet(self, s: Subject, at: T) -> bool:
        """No consent event or request within a day: background rows keep clear of ties."""
        times = [c["recorded_at"] for c in s.rows["consents"]] + [
            q["received_at"] for q in s.rows["requests"]
        ]
        return all(abs(t - at) > DAY for t in times)

    def soft_opt_in(self, s: Subject, on: D, group: str | None) -> bool:
        return group in OWN_GROUPS and any(
            c["kind"] in SOFT_KINDS
            and c["signed_at"] < on
            and (c["closed_at"] is None or on <= add_months(c["closed_at"], 24) - 3 * DAY)
            for c in s.rows["contracts"]
        )

    def marketing_ok(self, s: Subject, channel: str, at: T, group: str | None) -> bool:
        st = self.state(s, CHANNEL_PURPOSE[channel], at)
        if st in ("object", "withdraw") or not self.quiet(s, at):
            return False
        if s.type == "person" and channel in ("email", "sms", "automated_call") and st != "grant":
            return self.soft_opt_in(s, at.date(), group)
        return True

    # ------------------------------------------------------------------ background (lawful)
    def background(self) -> None:
        years = list(range(2012, 2027))
        weights = [3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 8, 4]
        for _ in range(N_BACKGROUND):
            y = self.r.choices(years, weights)[0]
            created = self.day(D(y, 1, 1), min(D(y, 12, 31), D(2026, 6, 20)))
            org = self.r.random() < 0.10
            s = self.new_subject(
                created, org=org, company=self.r.choice(self.companies) if org else None
            )
            s.protected = not org and self.r.random() < 0.006  # turvakielto
            self.lifecycle(s)
            self.bg_vehicles_and_contracts(s)
            self.bg_consents(s)
            self.bg_requests(s)
            self.bg_renewals(s)
            if s.erased_at:
                self.erase(s)
            else:
                self.bg_messages(s)
                self.bg_notes(s)
            self.bg_disclosures(s)
        for _ in range(12):
            self.note(
                None,
                self.at(self.day(D(2019, 1, 1), LAST_DAY)),
                self.r.choice(
                    [
                        "Yleinen: huoltoaikojen varausjärjestelmä poissa käytöstä klo 8-10.",
                        "Kampanjan kirjepostitus siirtyy viikolla.",
                        "Rengashotellin inventaario tehty.",
                    ]
                ),
            )

    def lifecycle(self, s: Subject) -> None:
        r, c = self.r.random(), s.created
        if r < 0.015 and c <= D(2022, 12, 31):
            erased = self.day(max(c + 200 * DAY, D(2023, 1, 1)), D(2026, 6, 10))
            s.erased_at, s.ended = self.at(erased), erased
            s.last_activity = self.day(max(c, erased - 700 * DAY), erased)
        elif r < 0.145 and c <= D(2026, 5, 1):
            s.ended = self.day(max(c + 30 * DAY, D(2023, 9, 1)), D(2026, 6, 15))
            s.last_activity = self.day(max(c, s.ended - 365 * DAY), s.ended)
        elif r < 0.265 and c <= D(2021, 6, 1):
            s.last_activity = self.day(max(c, D(2020, 1, 15)), D(2021, 6, 1))
        else:
            s.last_activity = self.day(max(c, D(2021, 9, 1)), D(2026, 6, 29))

    def bg_vehicles_and_contracts(self, s: Subject) -> None:
        r, end = self.r, s.window()
        n = r.choices([0, 1, 2], [10, 50, 40] if s.type == "organisation" else [18, 62, 20])[0]
        for _ in range(n):
            make = r.choice(list(CARS) * 6 + list(TRAILERS))
            linked = self.day(s.created, end)
            unlinked = (
                self.day(linked + 365 * DAY, end)
                if r.random() < 0.2 and (end - linked).days > 400
                else None
            )
            self.vehicle(s, linked, unlinked, make)
            if linked >= D(2020, 1, 1) and r.random() < 0.5:
                closed = min(linked + r.randint(0, 5) * DAY, LAST_DAY)
                self.contract(
                    s,
                    "sale",
                    linked,
                    closed=closed,
                    amount=round(
                        r.uniform(600, 4500) if make in TRAILERS else r.uniform(6000, 62000), 2
                    ),
                )
                ends = add_months(linked, 12 * r.choice([3, 5, 7]))
                if make in CARS and r.random() < 0.5 and ends >= D(2025, 8, 1):
                    self.contract(s, "warranty", linked, ends=ends)
                if make in CARS and r.random() < 0.3:
                    kind = (
                        "leasing" if s.type == "organisation" and r.random() < 0.5 else "financing"
                    )
                    ends = add_months(linked, r.choice([36, 48, 60]))
                    closed = ends if ends <= LAST_DAY else None
                    if r.random() < 0.2 and linked + 200 * DAY < min(ends, LAST_DAY):
                        closed = self.day(linked + 200 * DAY, min(ends, LAST_DAY))
                    self.contract(s, kind, linked, ends=ends, closed=closed)
            if unlinked and unlinked >= D(2020, 1, 1) and r.random() < 0.5:
                self.contract(s, "purchase", unlinked, closed=unlinked)
            lo, hi = max(linked, D(2020, 1, 1)), min(end, unlinked or end)
            for _ in range(
                r.choices([0, 1, 2, 3], [45, 30, 17, 8])[0] if make in CARS and lo < hi else 0
            ):
                d = self.day(lo, hi)
                self.contract(s, "service", d, closed=min(d + r.randint(0, 2) * DAY, LAST_DAY))
        if end >= D(2025, 7, 10) and s.created <= end and r.random() < 0.15:
            d = self.day(max(D(2025, 7, 10), s.created), end)
            self.contract(
                s,
                "offer",
                d,
                closed=None if r.random() < 0.6 else min(d + r.randint(1, 20) * DAY, LAST_DAY),
            )
        if end >= D(2026, 1, 10) and s.created <= end and r.random() < 0.12:
            d = self.day(max(D(2026, 1, 10), s.created), end)
            self.contract(s, "test_drive", d, closed=d)
        if (
            s.type == "person"
            and any(c["kind"] in ("financing", "leasing") for c in s.rows["contracts"])
            and r.random() < 0.85
        ):
            s.pid = self.new_pid()

    def bg_consents(self, s: Subject) -> None:
        r, end = self.r, s.end()
        first = self.at(min(s.created + r.randint(0, 20) * DAY, end))
        person = s.type == "person"
        grants = []
        for purpose, p in (
            ("email_marketing", 0.66 if person else 0.3),
            ("sms_marketing", 0.4 if person else 0.1),
            ("profiling", 0.15 if person else 0.0),
            ("post_marketing", 0.08),
            ("market_research", 0.08),
        ):
            if r.random() < p:
                at = first if r.random() < 0.7 else self.at(self.day(s.created, end))
                source = r.choices(
                    ["web_form", "store", "phone", "import"],
                    [55, 35, 5, 8 if at.date() < D(2017, 1, 1) else 0],
                )[0]
                grants.append(self.consent(s, purpose, "grant", at, source))
        for c in s.rows["contracts"]:  # permission confirmed again at the store on a purchase
            if c["kind"] == "sale" and c["signed_at"] <= end and r.random() < 0.4:
                grants.append(
                    self.consent(
                        s,
                        r.choice(["email_marketing", "sms_marketing"]),
                        "grant",
                        self.at(c["signed_at"]),
                        "store",
                    )
                )
        for g in grants if r.random() < 0.12 else []:
            if g["recorded_at"].date() + 30 * DAY < end and r.random() < 0.6:
                self.consent(
                    s,
                    g["purpose"],
                    "withdraw",
                    self.at(self.day(g["recorded_at"].date() + 30 * DAY, end)),
                    r.choice(["email_reply", "web_form"]),
                )
        for purposes, p in (
            (MARKETING, 0.04),
            (("market_research",), 0.015),
            (("profiling",), 0.01),
        ):
            if r.random() < p and s.created + 30 * DAY < end:
                self.consent(
                    s,
                    r.choice(purposes),
                    "object",
                    self.at(self.day(s.created + 30 * DAY, end)),
                    r.choice(["phone", "email_reply", "store"]),
                )

    def bg_requests(self, s: Subject) -> None:
        r = self.r
        if s.erased_at:
            if r.random() < 0.7:
                received = self.at(max(s.created, s.erased_at.date() - r.randint(5, 20) * DAY))
                self.request(s, "erasure", received, s.erased_at, "fulfilled")
            return
        start = max(s.created + 10 * DAY, D(2018, 5, 25))  # requests since the GDPR applies
        if r.random() > 0.014 or start > D(2026, 6, 25):
            return
        kind = r.choices(
            [
                "access",
                "rectification",
                "objection",
                "restriction",
                "portability",
                "encryption",
                "erasure",
            ],
            [45, 20, 25, 3, 4, 3 if s.type == "person" else 0, 5],
        )[0]
        received = self.at(self.day(start, D(2026, 6, 25)))
        rd, ext, outcome = received.date(), None, "fulfilled"
        if rd >= D(2026, 6, 8) and r.random() < 0.5:
            completed = None
        elif rd >= D(2026, 5, 15):
            completed = self.at(min(rd + r.randint(1, 25) * DAY, AS_OF))
            completed = completed if completed.date() < AS_OF else None
        elif r.random() < 0.12:
            ext = self.at(rd + r.randint(5, 20) * DAY)
            completed = self.at(rd + r.randint(35, 80) * DAY)
        else:
            completed = self.at(rd + r.randint(1, 25) * DAY)
        if kind == "erasure":  # not erased: refused, or partly done because a hold keeps the rest
            outcome = (
                "partially_fulfilled"
                if any(c["accounting_record"] and c["signed_at"] < rd for c in s.rows["contracts"])
                else "refused"
            )
        elif kind == "restriction":
            outcome = r.choice(["fulfilled", "partially_fulfilled"])
        self.request(s, kind, received, completed, outcome, ext)
        if kind == "objection":
            self.consent(
                s,
                r.choice(MARKETING),
                "object",
                self.at(min(rd + r.randint(0, 5) * DAY, LAST_DAY)),
                "request",
            )
        if kind == "encryption":
            s.protected = True

    def bg_renewals(self, s: Subject) -> None:
        """Permissions renewed after the 2021 notice: few grants in force are five years old."""
        if s.erased_at or (s.ended is None and s.last_activity < D(2021, 9, 1)):
            return
        if any(c["action"] == "object" for c in s.rows["consents"]) or s.rows["requests"]:
            return
        for purpose in ("email_marketing", "sms_marketing", "profiling"):
            own = sorted(
                (c for c in s.rows["consents"] if c["purpose"] == purpose),
                key=lambda c: c["recorded_at"],
            )
            if (
                own
                and own[-1]["action"] == "grant"
                and own[-1]["recorded_at"] < T(2021, 7, 1)
                and self.r.random() < 0.93
            ):
                hi = min(s.window(), D(2024, 12, 31))
                if hi > D(2021, 9, 1):
                    self.consent(
                        s, purpose, "grant", self.at(self.day(D(2021, 9, 1), hi)), "web_form"
                    )

    def erase(self, s: Subject) -> None:
        """Erasure: permissions withdrawn (the events stay as proof), vehicle links deleted."""
        for purpose in sorted({c["purpose"] for c in s.rows["consents"]}):
            own = [c for c in s.rows["consents"] if c["purpose"] == purpose]
            if max(own, key=lambda c: c["recorded_at"])["action"] == "grant":
                self.consent(s, purpose, "withdraw", s.erased_at, "request")
        gone = {id(v) for v in s.rows["vehicles"]}
        self.tables["vehicles"] = [v for v in self.tables["vehicles"] if id(v) not in gone]
        s.rows["vehicles"] = []

    def bg_messages(self, s: Subject) -> None:
        r = self.r
        lo = max(s.created, D(2016, 1, 1))
        for _ in range(r.randint(2, 17) if s.type == "person" else r.randint(1, 10)):
            at = self.at(self.day(lo, LAST_DAY))
            category = r.choices(list(CATEGORY), [48, 8, 26, 6, 12])[0]
            if category == "marketing":
                group = r.choices(
                    ["vehicles", "service", "accessories", "financing", "tyres", None],
                    [38, 28, 14, 10, 7, 3],
                )[0]
                first = r.choices(
                    ["email", "sms", "post", "phone", "automated_call"], [55, 25, 12, 6, 2]
                )[0]
                fallback = (first, "email", "sms", "post") if r.random() < 0.4 else (first,)
                channel = next((ch for ch in fallback if self.marketing_ok(s, ch, at, group)), None)
                if channel:
                    self.message(s, channel, "marketing", at, group)
                    continue
                category = "service"
            if category == "research":
                if self.state(s, "market_research", at) != "object" and self.quiet(s, at):
                    self.message(
                        s, r.choices(["email", "sms", "phone"], [70, 20, 10])[0], "research", at
                    )
                    continue
                category = "service"
            channel = r.choices(
                ["email", "sms", "phone", "post", "automated_call"],
                {
                    "service": [30, 45, 10, 10, 5],
                    "safety": [30, 20, 0, 50, 0],
                    "transactional": [60, 40, 0, 0, 0],
                }[category],
            )[0]
            group = {"service": "service", "safety": "vehicles", "transactional": None}[category]
            self.message(s, channel, category, at, group)

    def bg_notes(self, s: Subject) -> None:
        for _ in range(self.r.choices([0, 1, 2, 3], [60, 25, 10, 5])[0]):
            self.note(s, self.at(self.day(s.created, LAST_DAY)))

    def bg_disclosures(self, s: Subject) -> None:
        r = self.r
        vehicles = s.rows["vehicles"]
        make = vehicles[0]["make"] if vehicles else r.choice(list(CARS))
        cats = lambda *c: ";".join(c) if r.random() < 0.6 else ", ".join(c)  # noqa: E731
        pid = ["personal_id"] if s.pid else []
        out = []
        for c in list(s.rows["contracts"]):
            d, kind = c["signed_at"], c["kind"]
            if kind in ("sale", "purchase") and r.random() < (0.15 if kind == "sale" else 0.25):
                extra = ["company"] if s.type == "organisation" else []
                out.append(
                    (
                        TRAFICOM,
                        "authority",
                        r.choice(["register_update", "contract"]),
                        "FI",
                        d,
                        cats("identity", "contact", "vehicle", *extra, *pid),
                        None,
                    )
                )
            if kind == "sale" and r.random() < 0.1:
                out.append(
                    (
                        r.choice(INSURANCE),
                        "insurance_company",
                        "contract",
                        "FI",
                        d,
                        cats("identity", "contact", "vehicle"),
                        None,
                    )
                )
            if kind in ("financing", "leasing") and r.random() < 0.5:
                out.append(
                    (
                        r.choice(FINANCE),
                        "finance_company",
                        "contract",
                        "FI",
                        d,
                        cats("identity", "contact", *pid, "vehicle", "transactions"),
                        None,
                    )
                )
            if kind in ("warranty", "service") and r.random() < 0.08:
                d = min(d + r.randint(0, 20) * DAY, LAST_DAY)
                local, eea, far = IMPORTERS[make]
                u = r.random()
                if far and u < 0.15:
                    recipient, country = far
                    threshold = {
                        "JP": D(2019, 1, 23),
                        "KR": D(2021, 12, 17),
                        "US": D(2023, 7, 10),
                    }.get(country)
                    late = threshold is not None and d > threshold + 3 * DAY
                    safeguard = (
                        {"JP": "adequacy", "KR": "adequacy", "US": "dpf"}[country]
                        if late and r.random() < 0.6
                        else r.choice(["scc", "scc", "bcr"])
                    )
                elif eea and u < 0.45:
                    (recipient, country), safeguard = eea, None
                else:
                    recipient, country, safeguard = local, "FI", None
                out.append(
                    (
                        recipient,
                        "importer",
                        r.choice(["warranty", "service", "maintenance", "safety"]),
                        country,
                        d,
                        cats(
                            "identity",
                            "contact",
                            "vehicle",
                            *(["transactions"] if r.random() < 0.4 else []),
                        ),
                        safeguard,
                    )
                )
            if kind == "service" and r.random() < 0.04:
                d = min(d + r.randint(3, 30) * DAY, LAST_DAY)
                out.append(
                    (
                        RESEARCH_VENDOR,
                        "research_vendor",
                        r.choice(["customer_satisfaction", "market_research"]),
                        "FI",
                        d,
                        cats("identity", "contact", "language", "vehicle"),
                        None,
                    )
                )
        for d in MAIL_CAMPAIGNS:
            if s.created < d <= s.end() and r.random() < 0.015:
                out.append(
                    (
                        MARKETING_PROCESSOR,
                        "marketing_processor",
                        "controller_direct_marketing",
                        "FI",
                        d,
                        cats("identity", "contact", "language", "vehicle"),
                        None,
                    )
                )
        for recipient, category, purpose, country, d, data, safeguard in out:
            at = self.at(d)
            if (
                (s.protected and category != "authority")
                or (s.erased_at and at >= s.erased_at)
                or not self.quiet(s, at)
            ):
                continue
            if category == "marketing_processor" and self.objected(s, at):
                continue
            confirmed = None
            if category == "research_vendor":
                confirmed = self.at(d + r.randint(10, 85) * DAY)
                confirmed = confirmed if confirmed.date() <= LAST_DAY else None
            self.disclosure(
                s, recipient, category, purpose, country, at, data, safeguard, confirmed
            )


# --------------------------------------------------------------------------- export
# fmt: off
TABLE_FILES = {"subjects": "asiakkaat.csv", "vehicles": "ajoneuvot.csv",
               "contracts": "sopimukset.xlsx", "consents": "luvat_ja_kiellot.csv",
               "communications": "viestit.csv", "disclosures": "luovutukset.csv",
               "requests": "pyynnot.csv", "notes": "muistiinpanot.csv"}
ENCODING = {"subjects": "cp1252", "vehicles": "utf-8-sig", "consents": "utf-8",
            "communications": "utf-8", "disclosures": "utf-8-sig", "requests": "utf-8",
            "notes": "utf-8-sig"}
TIMESTAMP = {"communications": "%d.%m.%Y %H.%M.%S"}  # elsewhere dd.mm.yyyy hh:mm
KEYS = {"vehicles": ("vehicle_id", "AJ{:06d}", "linked_at"),       # key, pattern, ordered by
        "contracts": ("contract_id", "SOP{:06d}", "signed_at"),
        "consents": ("event_id", "L{:07d}", "recorded_at"),
        "communications": ("message_id", "V{:07d}", "sent_at"),
        "disclosures": ("disclosure_id", "LU{:06d}", "disclosed_at"),
        "requests": ("request_id", "PY{:05d}", "received_at"),
        "notes": ("note_id", "MU{:06d}", "created_at")}
# (source header, canonical column | ("keep", category) | "ignore" | None = unclassified, values)
COLUMNS = {
    "subjects": [
        ("Asiakasnumero", "subject_id", None), ("Asiakastyyppi", "subject_type", SUBJECT_TYPE),
        ("Etunimi", "first_name", None), ("Sukunimi", "last_name", None),
        ("Yrityksen_nimi", ("keep", "company"), None), ("Y-tunnus", "business_id", None),
        ("Kieli", "language", LANGUAGE), ("Sähköposti", "email", None),
        ("Puhelin", "phone", None), ("Katuosoite", "street_address", None),
        ("Postinumero", "postal_code", None), ("Postitoimipaikka", "city", None),
        ("Henkilötunnus", "personal_id", None), ("Ajokorttiluokka", ("keep", "identity"), None),
        ("Turvakielto", "protected", KE), ("Luontipäivä", "created_at", None),
        ("Asiakkuus_päättynyt", "relationship_ended_at", None),
        ("Viimeisin_asiointi", "last_activity_at", None), ("Poistettu", "erased_at", None),
        ("Lisätieto", None, None), ("Faksi", None, None)],
    "vehicles": [
        ("Ajoneuvonumero", "vehicle_id", None), ("Asiakasnumero", "subject_id", None),
        ("Rekisterinumero", "registration_number", None), ("Valmistenumero", "vin", None),
        ("Merkki", "make", None), ("Malli", "model", None),
        ("Mittarilukema", "odometer_km", None), ("Liitetty", "linked_at", None),
        ("Irrotettu", "unlinked_at", None)],
    "contracts": [
        ("Sopimusnumero", "contract_id", None), ("Asiakasnumero", "subject_id", None),
        ("Sopimuslaji", "kind", KIND), ("Allekirjoitettu", "signed_at", None),
        ("Päättyy", "ends_at", None), ("Suljettu", "closed_at", None),
        ("Summa_EUR", "amount_eur", None), ("Kirjanpitoaineisto", "accounting_record", KYLLA_EI),
        ("Myyjä", "ignore", None)],
    "consents": [
        ("Tapahtumanumero", "event_id", None), ("Asiakasnumero", "subject_id", None),
        ("Tarkoitus", "purpose", PURPOSE), ("Toimenpide", "action", ACTION),
        ("Kirjattu", "recorded_at", None), ("Lähde", "source", SOURCE),
        ("Todiste", "evidence_ref", None), ("Selosteversio", "notice_version", None)],
    "communications": [
        ("Viestinumero", "message_id", None), ("Asiakasnumero", "subject_id", None),
        ("Kanava", "channel", CHANNEL), ("Viestilaji", "category", CATEGORY),
        ("Lähetetty", "sent_at", None), ("Kampanja", "campaign_id", None),
        ("Tuoteryhmä", "product_group", GROUP), ("Viesti", "body", None)],
    "disclosures": [
        ("Luovutusnumero", "disclosure_id", None), ("Asiakasnumero", "subject_id", None),
        ("Vastaanottaja", "recipient", None),
        ("Vastaanottajaryhmä", "recipient_category", RECIPIENT_CATEGORY),
        ("Käyttötarkoitus", "purpose", DIS_PURPOSE), ("Maa", "country", COUNTRY),
        ("Siirtoperuste", "safeguard", SAFEGUARD), ("Tietoryhmät", "data_categories", None),
        ("Luovutettu", "disclosed_at", None),
        ("Poisto_vahvistettu", "deletion_confirmed_at", None)],
    "requests": [
        ("Pyyntönumero", "request_id", None), ("Asiakasnumero", "subject_id", None),
        ("Pyyntölaji", "kind", REQUEST_KIND), ("Vastaanotettu", "received_at", None),
        ("Jatkoaika_ilmoitettu", "extension_notified_at", None),
        ("Käsitelty", "completed_at", None), ("Lopputulos", "outcome", OUTCOME)],
    "notes": [
        ("Muistiinpanonumero", "note_id", None), ("Asiakasnumero", "subject_id", None),
        ("Luotu", "created_at", None), ("Teksti", "text", None)],
}
# fmt: on


def subject_row(s: Subject) -> dict:
    erased = s.erased_at is not None
    keep = lambda name, value: None if erased and name not in s.residual else value  # noqa: E731
    return {
        "subject_id": s.id,
        "subject_type": s.type,
        "first_name": keep("first", s.first),
        "last_name": keep("last", s.last),
        "Yrityksen_nimi": keep("company", s.company),
        "business_id": s.bid,
        "language": s.lang,
        "email": keep("email", s.email),
        "phone": keep("phone", s.phone),
        "street_address": keep("street", s.street),
        "postal_code": s.postal,
        "city": s.city,
        "personal_id": keep("pid", s.pid),
        "Ajokorttiluokka": keep("licence", s.licence),
        "protected": s.protected,
        "created_at": s.created,
        "relationship_ended_at": s.ended,
        "last_activity_at": s.last_activity,
        "erased_at": s.erased_at,
        "Lisätieto": keep("extra", s.extra),
        "Faksi": None,
    }


def cell(value: object, values: dict | None, ts: str) -> str:
    if value is None or value == "":
        return ""
    if values is not None:
        return values[value]
    if isinstance(value, T):
        return value.strftime(ts)
    if isinstance(value, D):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def assign_ids(g: Gen) -> None:
    originals = [s for s in g.subjects if not s.dup_of]
    for n, s in enumerate(sorted(originals, key=lambda s: (s.created, s.seq)), start=100001):
        s.id = str(n)
    for s in g.subjects:
        if s.dup_of:
            s.id = s.dup_of.id
    for table, (key, pattern, date_col) in KEYS.items():
        rows = [r for r in g.tables[table] if "dup_of" not in r]
        order = sorted(
            rows,
            key=lambda r: (
                r[date_col] if isinstance(r[date_col], T) else T.combine(r[date_col], dt.time()),
                r["_seq"],
            ),
        )
        for n, row in enumerate(order, start=1):
            row[key] = pattern.format(n)
        for row in g.tables[table]:
            if "dup_of" in row:
                row[key] = row["dup_of"][key]


def ordered(g: Gen, table: str) -> list[dict]:
    """File order: by key, duplicates (re-imported rows) appended at the end."""
    if table == "subjects":
        subs = [s for s in g.subjects if not s.dup_of]
        dups = [s for s in g.subjects if s.dup_of]
        return [subject_row(s) for s in sorted(subs, key=lambda s: s.id) + dups]
    key = KEYS[table][0]
    rows = sorted((r for r in g.tables[table] if "dup_of" not in r), key=lambda r: r[key])
    rows += [r for r in g.tables[table] if "dup_of" in r]
    out = []
    for r in rows:
        sub = r["subject"]
        out.append({**r, "subject_id": sub.id if isinstance(sub, Subject) else sub})
    return out


def write_csv(table: str, rows: list[dict]) -> None:
    cols = COLUMNS[table]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([c[0] for c in cols])
    ts = TIMESTAMP.get(table, "%d.%m.%Y %H:%M")
    for row in rows:
        w.writerow(
            [
                cell(
                    row.get(target if isinstance(target, str) and target != "ignore" else header),
                    values,
                    ts,
                )
                for header, target, values in cols
            ]
        )
    (OUT / TABLE_FILES[table]).write_bytes(buf.getvalue().encode(ENCODING[table]))


def write_contracts_xlsx(rows: list[dict]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sopimukset"
    cols = COLUMNS["contracts"]
    ws.append([c[0] for c in cols])
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append(
            [
                values[row[t]] if values else row["seller" if t == "ignore" else t]
                for _, t, values in cols
            ]
        )
        for c in ws[ws.max_row]:
            if isinstance(c.value, (D, T)):
                c.number_format = "DD.MM.YYYY"
            elif isinstance(c.value, float):
                c.number_format = "0.00"
    wb.properties.creator = "Allomeera CRM (synteettinen)"
    wb.properties.created = wb.properties.modified = T(2026, 6, 30, 12, 0)
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    out = (
        io.BytesIO()
    )  # NOTE: re-zip with a fixed timestamp per entry so the file is byte-identical per run
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 6, 30, 12, 0, 0))
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    (OUT / TABLE_FILES["contracts"]).write_bytes(out.getvalue())


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_value(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else toml_str(str(v))


def write_mapping() -> None:
    lines = [
        "# Allomeera Oy's CRM export (Finnish headers and values) mapped to the auditkit",
        "# register model. Generated by sample_data/generate_allomeera.py. 'Lisätieto' and",
        "# 'Faksi' in asiakkaat.csv are deliberately left out: unclassified columns (DAT001).",
        "",
        "[source]",
        'encoding = "auto"',
        'separator = ";"',
        'date_format = "auto"',
        "decimal_comma = true",
    ]
    for table, cols in COLUMNS.items():
        lines += ["", f"[tables.{table}]", f"file = {toml_str(TABLE_FILES[table])}"]
        if table == "contracts":
            lines.append('sheet = "Sopimukset"')
        if table == "subjects":
            lines.append('encoding = "cp1252"')
        ignored = [h for h, t, _ in cols if t == "ignore"]
        if ignored:
            lines.append("ignore = [" + ", ".join(map(toml_str, ignored)) + "]")
        lines.append(f"[tables.{table}.columns]")
        lines += [
            f"{toml_str(h)} = {toml_str(t)}"
            for h, t, _ in cols
            if isinstance(t, str) and t != "ignore"
        ]
        for _, t, values in cols:
            if values:
                lines.append(f"[tables.{table}.values.{t}]")
                lines += [f"{toml_str(fi)} = {toml_value(canon)}" for canon, fi in values.items()]
        kept = [(h, t[1]) for h, t, _ in cols if isinstance(t, tuple)]
        if kept:
            lines.append(f"[tables.{table}.keep]")
            lines += [f"{toml_str(h)} = {toml_str(cat)}" for h, cat in kept]
    (OUT / "mapping.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def record_id(obj: object) -> str:
    if isinstance(obj, tuple):  # a DAT005 group: its lowest subject id
        return min(o.id for o in obj)
    if isinstance(obj, Subject):
        return obj.id
    if isinstance(obj, dict):
        return next(obj[k] for k, *_ in KEYS.values() if k in obj)
    return str(obj)


def write_export(g: Gen) -> dict[str, int]:
    """Key every row; write the data files, mapping.toml, planted.json and near_misses.json."""
    assign_ids(g)
    OUT.mkdir(exist_ok=True)
    counts = {}
    for table in TABLE_FILES:
        rows = ordered(g, table)
        counts[TABLE_FILES[table]] = len(rows)
        if table == "contracts":
            write_contracts_xlsx(rows)
        else:
            write_csv(table, rows)
    write_mapping()
    planted = {rule: sorted(record_id(o) for o in objs) for rule, objs in g.planted.items()}
    (OUT / "planted.json").write_text(
        json.dumps(planted, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    near = [{"what": text, "record_id": record_id(obj)} for text, obj in g.near]
    (OUT / "near_misses.json").write_text(
        json.dumps(near, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts
