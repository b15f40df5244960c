"""The building blocks of `auditkit synth`: the as-of date, reference data, the internal table
shapes (dates as day numbers, instants as seconds) and vectorised generators of identifiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from auditkit.errors import UsageError

AS_OF = date(2026, 6, 30)
DEFAULT_RATE = 0.001
CHUNK = 250_000
FORMATS = ("parquet", "csv")
TIMEZONE = "Europe/Helsinki"

_EPOCH = date(1970, 1, 1)
DAY_S = 86_400
NA = -(2**62)  # a null date or instant in the numpy arrays
NEVER = 2**62  # "no objection yet": later than any instant


def _day(value: date) -> int:
    return (value - _EPOCH).days


LAST = _day(AS_OF) - 1  # the background ends the day before the export
D2013, D2015, D2016H2 = _day(date(2013, 1, 1)), _day(date(2015, 6, 30)), _day(date(2016, 7, 1))
D2017, D2020, D2021 = _day(date(2017, 1, 1)), _day(date(2020, 1, 1)), _day(date(2021, 1, 1))
D2022H2, D2023, D2024 = _day(date(2022, 7, 15)), _day(date(2023, 1, 1)), _day(date(2024, 1, 1))
D2025, D2025H2, D2026 = _day(date(2025, 1, 1)), _day(date(2025, 7, 1)), _day(date(2026, 1, 1))

RULE_CODES = (
    "RET001 RET002 RET003 RET004 CON001 CON002 CON003 CON004 CON005 DIS001 DIS002 DIS003 DIS004 "
    "DIS005 DIS006 DIS007 DIS008 DIS009 DIS010 DSR001 DSR002 DSR003 DSR004 DSR005 DAT001 DAT002 "
    "DAT003 DAT004 DAT005 DAT006 DAT007"
).split()

# ---- reference data --------------------------------------------------------------------------
FIRST = (
    "Matti Mikko Juha Timo Jari Kari Antti Jukka Markku Pekka Mika Hannu Heikki Sami Janne Tuomas "
    "Ville Eero Onni Väinö Jyrki Seppo Esa Lasse Tapio Arto Petri Teemu Aleksi Niko Lauri Olli "
    "Aino Anna Maria Tiina Sari Päivi Johanna Laura Minna Riitta Anne Leena Helena Kaisa Satu "
    "Elina Sanna Jenni Heli Hanna Sirpa Tuula Emma Aada Pirjo Kirsi Merja Noora Iida Veera Sofia "
    "Ella Erik Johan Mikael Karin Linnea"
).split()
LAST_NAMES = (
    "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
    "Lehtonen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen "
    "Tuominen Rantanen Karjalainen Jokinen Mattila Ahonen Hietala Kangas Rinta-Jouppi Yli-Koski "
    "Peltoniemi Hautamäki Knuuttila Lepistö Kujala Ketola Ojala Luoma Koivisto Perälä Kivimäki "
    "Harju Latvala Kallio Kauppila Rintala Haapala Björk Lindqvist Sjöberg Nyman Backman"
).split()
STREETS = (
    "Kauppakatu Koulukatu Vaasantie Ruukintie Kalevankatu Puistokatu Keskuskatu Pohjankatu "
    "Kirkkotie Myllytie Rantatie Peltotie Lapuantie Ilmajoentie Törnäväntie Kivistöntie"
).split()
CITIES = (
    ("Seinäjoki", "60100"),
    ("Seinäjoki", "60320"),
    ("Lapua", "62100"),
    ("Kauhava", "62200"),
    ("Ilmajoki", "60800"),
    ("Kurikka", "61300"),
    ("Alavus", "63300"),
    ("Vaasa", "65100"),
)
MODELS = (
    ("Toyota", "Corolla"),
    ("Toyota", "RAV4"),
    ("Toyota", "Yaris"),
    ("Volkswagen", "Golf"),
    ("Volkswagen", "Passat"),
    ("Volkswagen", "ID.4"),
    ("Skoda", "Octavia"),
    ("Skoda", "Enyaq"),
    ("Volvo", "XC60"),
    ("Volvo", "V60"),
    ("Kia", "Sportage"),
    ("Kia", "Niro"),
    ("Ford", "Kuga"),
    ("Ford", "Transit"),
    ("Peugeot", "3008"),
)
WMI = {
    "Toyota": "SB1",
    "Volkswagen": "WVW",
    "Skoda": "TMB",
    "Volvo": "YV1",
    "Kia": "U5Y",
    "Ford": "WF0",
    "Peugeot": "VF3",
}
VIN_CHARS = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
REG_LETTERS = b"ABCEFGHJKLMNORSTUVXYZ"
HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SOURCES = ("web_form", "store", "phone", "email_reply")
NOTICE_VERSIONS = ("2019-05", "2021-08", "2024-02")
BODIES = {
    "marketing": (
        "Kevään huoltotarjous: määräaikaishuolto -15 %.",
        "Uusi malli nyt koeajettavissa! Varaa aika: www.example.fi/koeajo",
        "Talvirenkaat asennettuina nyt edullisesti.",
    ),
    "service": (
        "Hei! Autosi määräaikaishuolto lähestyy. Varaa aika: www.example.fi/huolto",
        "Huoltosi on valmis, auton voi noutaa klo 16 mennessä.",
    ),
    "transactional": ("Kiitos tilauksestasi!", "Kiitos, tulen huoltoon tiistaina."),
    "safety": ("Tärkeä turvallisuustiedote: takaisinkutsu. Ota yhteyttä huoltoomme.",),
    "research": ("Kerro mielipiteesi asioinnistasi - kysely vie 3 minuuttia.",),
}
NOTES = (
    "Asiakas soitti ja kysyi määräaikaishuollon hintaa. Annettu arvio 559 €.",
    "Rengasvaihto sovittu, renkaat rengashotellissa.",
    "Koeajo sovittu, asiakas harkitsee vaihtoa nykyisestä autosta.",
    "Laskun eräpäivää siirretty 14 vrk asiakkaan pyynnöstä.",
    "Varaosa tilattu, toimitus n. 2 viikkoa.",
)
# Declared recipient categories: name, purposes, data categories (a subset of the entry's).
RECIPIENTS = {
    "importer": (
        "Toyota Auto Finland Oy",
        ("warranty", "service", "maintenance", "safety"),
        "identity;contact;vehicle",
    ),  # fmt: skip
    "finance_company": ("Santander Consumer Finance Oy", ("contract",), "identity;contact"),
    "insurance_company": ("If Vahinkovakuutus Oy", ("contract",), "identity;contact;vehicle"),
    "authority": (
        "Liikenne- ja viestintävirasto Traficom",
        ("contract", "legal_obligation", "register_update"),
        "identity;vehicle",
    ),  # fmt: skip
    "marketing_processor": (
        "Pohjanmaan Suoramarkkinointi Oy",
        ("controller_direct_marketing",),
        "identity;contact;language",
    ),  # fmt: skip
    "research_vendor": (
        "Tutkimustalo Kysely Oy",
        ("market_research", "customer_satisfaction"),
        "identity;contact",
    ),  # fmt: skip
}

# ---- the internal table shapes: dates as day numbers, instants as seconds, `sid` the subject ----
_TIME = pl.Int64  # days (dates) or seconds (instants)
INTERNAL: dict[str, dict[str, Any]] = {
    "subjects": {
        "sid": pl.Int64,
        "subject_type": pl.String,
        "first_name": pl.String,
        "last_name": pl.String,
        "language": pl.String,
        "email": pl.String,
        "phone": pl.String,
        "street_address": pl.String,
        "postal_code": pl.String,
        "city": pl.String,
        "personal_id": pl.String,
        "business_id": pl.String,
        "created_at": _TIME,
        "relationship_ended_at": _TIME,
        "last_activity_at": _TIME,
        "protected": pl.Boolean,
        "erased_at": _TIME,
        "fax": pl.String,
    },
    "vehicles": {
        "vehicle_id": pl.String,
        "sid": pl.Int64,
        "subject_ref": pl.String,
        "registration_number": pl.String,
        "vin": pl.String,
        "make": pl.String,
        "model": pl.String,
        "odometer_km": pl.Int64,
        "linked_at": _TIME,
        "unlinked_at": _TIME,
    },
    "contracts": {
        "contract_id": pl.String,
        "sid": pl.Int64,
        "kind": pl.String,
        "signed_at": _TIME,
        "ends_at": _TIME,
        "closed_at": _TIME,
        "amount_eur": pl.Float64,
        "accounting_record": pl.Boolean,
    },
    "consents": {
        "event_id": pl.String,
        "sid": pl.Int64,
        "purpose": pl.String,
        "action": pl.String,
        "recorded_at": _TIME,
        "source": pl.String,
        "evidence_ref": pl.String,
        "notice_version": pl.String,
    },
    "communications": {
        "message_id": pl.String,
        "sid": pl.Int64,
        "channel": pl.String,
        "category": pl.String,
        "sent_at": _TIME,
        "campaign_id": pl.String,
        "product_group": pl.String,
        "body": pl.String,
    },
    "disclosures": {
        "disclosure_id": pl.String,
        "sid": pl.Int64,
        "recipient": pl.String,
        "recipient_category": pl.String,
        "purpose": pl.String,
        "country": pl.String,
        "safeguard": pl.String,
        "data_categories": pl.String,
        "disclosed_at": _TIME,
        "deletion_confirmed_at": _TIME,
    },
    "requests": {
        "request_id": pl.String,
        "sid": pl.Int64,
        "kind": pl.String,
        "received_at": _TIME,
        "extension_notified_at": _TIME,
        "completed_at": _TIME,
        "outcome": pl.String,
    },
    "notes": {
        "note_id": pl.String,
        "sid": pl.Int64,
        "created_at": _TIME,
        "text": pl.String,
    },
}
KEYS = {
    "subjects": ("subject_id", "S", 8),
    "vehicles": ("vehicle_id", "V", 8),
    "contracts": ("contract_id", "C", 8),
    "consents": ("event_id", "E", 9),
    "communications": ("message_id", "M", 10),
    "disclosures": ("disclosure_id", "D", 8),
    "requests": ("request_id", "R", 8),
    "notes": ("note_id", "N", 8),
}


def _time_columns(table: str) -> dict[str, str]:
    """The table's date and instant columns (day numbers and seconds in the internal shape)."""
    from auditkit.register.schema import DATE, DATETIME, TABLES

    return {c.name: c.kind for c in TABLES[table].columns if c.kind in (DATE, DATETIME)}


PLANT = "_plant"  # "RULE ..." on the row a planted finding names ("RULE@table": its subject)


# ---- numpy helpers ---------------------------------------------------------------------------
def _between(rng: np.random.Generator, lo: Any, hi: Any, n: int) -> np.ndarray:
    """Uniform whole numbers in [lo, hi] (arrays or scalars); where hi < lo, lo = hi."""
    lo, hi = (
        np.broadcast_to(np.asarray(lo, np.int64), n),
        np.broadcast_to(np.asarray(hi, np.int64), n),
    )
    lo = np.minimum(lo, hi)
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


def _at(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """An instant (seconds) on each day, 06:00-16:59 UTC on whole minutes: 08-20 local time, so
    the local date is the day itself and no clock change is near."""
    return days * DAY_S + (360 + rng.integers(0, 660, len(days))) * 60


def _choose(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    cumulative = np.cumsum(weights)
    return np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")


def _pick(options: Sequence[str | None], codes: np.ndarray) -> pl.Series:
    return pl.Series(list(options), dtype=pl.String).gather(codes)


def _strings(matrix: np.ndarray) -> pl.Series:
    """Fixed-width ASCII strings from an (n, width) uint8 matrix, without Python objects."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8).ravel()
    big = n * width >= 2**31
    offsets = np.arange(0, n * width + 1, width, dtype=np.int64 if big else np.int32)
    kind = pa.large_string() if big else pa.string()
    array = pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pl.Series(pl.from_arrow(array)).cast(pl.String)


_QUADS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], np.uint8)


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative numbers as an (n, width) uint8 matrix."""
    padded = -(-width // 4) * 4
    out = np.empty((len(numbers), padded), dtype=np.uint8)
    rest = np.asarray(numbers, dtype=np.int64).copy()
    for position in range(padded - 4, -1, -4):
        out[:, position : position + 4] = _QUADS[rest % 10_000]
        rest //= 10_000
    return out[:, padded - width :]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    head = np.broadcast_to(np.frombuffer(prefix.encode(), np.uint8), (len(numbers), len(prefix)))
    return _strings(np.hstack([head, _digits(numbers, width)]))


def _random_chars(rng: np.random.Generator, alphabet: bytes, n: int, width: int) -> np.ndarray:
    return np.frombuffer(alphabet, np.uint8)[rng.integers(0, len(alphabet), (n, width))]


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of day numbers."""
    as_days = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = as_days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (as_days - months).astype(np.int64) + 1
    return year, month, day


_BIRTH0, _BIRTHS = _day(date(1940, 1, 1)), _day(date(2005, 12, 31)) - _day(date(1940, 1, 1)) + 1
HETU_SPACE = _BIRTHS * 100  # unique codes: birth day x individual number 900-999
_HETU_STRIDE = 1_000_003  # prime and coprime with HETU_SPACE: a bijection of [0, HETU_SPACE)


def _hetus(birth: np.ndarray, individual: np.ndarray, wrong_check: bool = False) -> pl.Series:
    """Personal identity codes DDMMYYCZZZQ (Q wrong on purpose when `wrong_check`)."""
    year, month, day = _civil(birth)
    number = (day * 10_000 + month * 100 + year % 100) * 1000 + individual
    check = (number % 31 + (7 if wrong_check else 0)) % 31
    sign = np.where(year >= 2000, ord("A"), ord("-")).astype(np.uint8)[:, None]
    alphabet = np.frombuffer(HETU_CHECK.encode(), np.uint8)
    return _strings(
        np.hstack(
            [
                _digits(day, 2),
                _digits(month, 2),
                _digits(year % 100, 2),
                sign,
                _digits(individual, 3),
                alphabet[check][:, None],
            ]
        )
    )


def _unique_hetus(serials: np.ndarray, wrong_check: bool = False) -> pl.Series:
    """Codes that no other serial gets: serial k → birth day and individual number, one to one."""
    if len(serials) and serials.max() >= HETU_SPACE:
        raise UsageError(
            f"too many identity codes for one register ({HETU_SPACE:,} at most)",
            hint="generate fewer subjects",
        )
    code = (serials.astype(np.int64) * _HETU_STRIDE) % HETU_SPACE
    return _hetus(_BIRTH0 + code // 100, 900 + code % 100, wrong_check)


def _random_hetus(rng: np.random.Generator, n: int) -> pl.Series:
    return _hetus(_BIRTH0 + rng.integers(0, _BIRTHS, n), rng.integers(900, 1000, n))


_YTUNNUS_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2])


def _business_ids(rng: np.random.Generator, n: int, wrong_check: bool = False) -> pl.Series:
    """Valid Y-tunnus NNNNNNN-C (the check digit off by one when `wrong_check`)."""
    body = rng.integers(1_000_000, 3_400_000, n * 2)
    remainder = (_digits(body, 7).astype(np.int64) - 48) @ _YTUNNUS_WEIGHTS % 11
    keep = remainder != 1
    body, remainder = body[keep], remainder[keep]
    while len(body) < n:  # NOTE: rare (a remainder of 1 has no check digit): draw a few more
        more = rng.integers(1_000_000, 3_400_000, 16)
        more_remainder = (_digits(more, 7).astype(np.int64) - 48) @ _YTUNNUS_WEIGHTS % 11
        body = np.concatenate([body, more[more_remainder != 1]])
        remainder = np.concatenate([remainder, more_remainder[more_remainder != 1]])
    body, remainder = body[:n], remainder[:n]
    check = np.where(remainder == 0, 0, 11 - remainder)
    if wrong_check:
        check = (check + 1) % 10
    dash = np.full((n, 1), ord("-"), np.uint8)
    return _strings(np.hstack([_digits(body, 7), dash, _digits(check, 1)]))


def _vins(rng: np.random.Generator, makes: np.ndarray, bad: bool = False) -> pl.Series:
    """17-character VINs (an `O`, which a VIN never has, at position 10 when `bad`)."""
    wmi = np.array([list(WMI[make].encode()) for make, _ in MODELS], np.uint8)[makes]
    tail = _random_chars(rng, VIN_CHARS, len(makes), 14)
    if bad:
        tail[:, 6] = ord("O")
    return _strings(np.hstack([wmi, tail]))


def _registrations(rng: np.random.Generator, n: int) -> pl.Series:
    dash = np.full((n, 1), ord("-"), np.uint8)
    digits = _digits(rng.integers(1, 1000, n), 3)
    return _strings(np.hstack([_random_chars(rng, REG_LETTERS, n, 3), dash, digits]))


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("äöå", "aoa", " "))


# ---- rows of one table -----------------------------------------------------------------------
def _frame(table: str, n: int, **columns: Any) -> pl.DataFrame:
    """A frame in the internal shape: numpy arrays, Series or scalars; NA → null; the rest null."""
    schema = INTERNAL[table]
    data: dict[str, pl.Series] = {}
    for name, dtype in {**schema, PLANT: pl.String}.items():
        value = columns.pop(name, None)
        if value is None:
            data[name] = pl.repeat(None, n, dtype=dtype, eager=True).alias(name)
            continue
        if isinstance(value, pl.Series):
            series = value.alias(name)
        elif isinstance(value, np.ndarray):
            series = pl.Series(name, value)
        else:
            series = pl.repeat(value, n, eager=True).alias(name)
        if name in _time_columns(table):
            series = series.cast(pl.Int64)
            series = series.set(series == NA, None)  # type: ignore[arg-type]
        data[name] = series.cast(dtype)
    if columns:
        raise ValueError(f"unknown columns for {table}: {', '.join(columns)}")
    return pl.DataFrame(data)


def _people(rng: np.random.Generator, sid: np.ndarray, org: np.ndarray) -> dict[str, Any]:
    """Names and contact data; e-mail addresses are unique (they carry the subject number)."""
    n = len(sid)
    first_code = rng.integers(0, len(FIRST), n)
    last_code = rng.integers(0, len(LAST_NAMES), n)
    city = rng.integers(0, len(CITIES), n)
    parts = pl.DataFrame(
        {
            "first": _pick([_ascii(f) for f in FIRST], first_code),
            "last": _pick([_ascii(s) for s in LAST_NAMES], last_code),
            "sid": sid,
            "domain": _pick(("@example.fi", "@yritys.example.fi"), org.astype(np.int64)),
            "street": _pick(STREETS, rng.integers(0, len(STREETS), n)),
            "number": rng.integers(1, 80, n),
        }
    ).select(
        email=pl.concat_str("first", pl.lit("."), "last", pl.lit("."), "sid", "domain"),
        street=pl.concat_str("street", pl.lit(" "), "number"),
    )
    phone = _strings(
        np.hstack(
            [
                np.broadcast_to(np.frombuffer(b"+35840", np.uint8), (n, 6)),
                _digits(rng.integers(0, 10_000_000, n), 7),
            ]
        )
    )
    return {
        "subject_type": _pick(("person", "organisation"), org.astype(np.int64)),
        "first_name": _pick(FIRST, first_code),
        "last_name": _pick(LAST_NAMES, last_code),
        "language": _pick(("fi", "sv", "en"), _choose(rng, n, (0.9, 0.08, 0.02))),
        "email": parts["email"],
        "phone": phone,
        "street_address": parts["street"],
        "postal_code": _pick([c[1] for c in CITIES], city),
        "city": _pick([c[0] for c in CITIES], city),
        "business_id": _org_ids(rng, org),
    }


def _org_ids(rng: np.random.Generator, org: np.ndarray) -> pl.Series:
    ids = _business_ids(rng, len(org))
    return ids.set(pl.Series(~org), None)  # type: ignore[arg-type]


@dataclass
class _Tables:
    """The rows of one chunk, table by table (internal shape)."""

    frames: dict[str, list[pl.DataFrame]] = field(default_factory=dict)

    def add(self, table: str, frame: pl.DataFrame) -> None:
        if frame.height:
            self.frames.setdefault(table, []).append(frame)

    def get(self, table: str) -> pl.DataFrame | None:
        parts = self.frames.get(table)
        return pl.concat(parts, how="vertical") if parts else None
