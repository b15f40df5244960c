"""From the internal shape to the files: canonical tables (Parquet or CSV), or the Finnish CRM
export with its mapping; the synthetic register's policy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from auditkit.synth.base import KEYS, PLANT, TIMEZONE, _ids, _time_columns

# ---- from the internal shape to the canonical model ------------------------------------------
ORDER_BY = {
    "vehicles": "linked_at",
    "contracts": "signed_at",
    "consents": "recorded_at",
    "communications": "sent_at",
    "disclosures": "disclosed_at",
    "requests": "received_at",
    "notes": "created_at",
}


def _canonical_columns(table: str, fax: bool) -> list[str]:
    from auditkit.register.schema import TABLES

    names = list(TABLES[table].names)
    return [*names, "fax"] if table == "subjects" and fax else names


def _finish(
    table: str, frame: pl.DataFrame, counters: dict[str, int], fax: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keys, subject ids and types of the canonical model; and the planted records it holds."""
    key, prefix, width = KEYS[table]
    if table == "subjects":
        frame = frame.with_columns(subject_id=_ids("S", frame["sid"].to_numpy(), 8))
    else:
        # NOTE: one int64 key (instant or day, then subject) sorts far faster than a frame sort.
        when = frame[ORDER_BY[table]].to_numpy().astype(np.int64)
        order = when * (1 << 27) + frame["sid"].fill_null(0).to_numpy()
        if not np.all(order[1:] >= order[:-1]):
            frame = frame[pl.Series(order).arg_sort()]
        first = counters.get(table, 0)
        counters[table] = first + frame.height
        generated = _ids(prefix, first + 1 + np.arange(frame.height), width)
        subject = _ids("S", frame["sid"].fill_null(0).to_numpy(), 8)
        frame = frame.with_columns(
            pl.coalesce(pl.col(key), pl.lit(generated)).alias(key),
            subject_id=pl.coalesce(
                pl.col("subject_ref")
                if "subject_ref" in frame.columns
                else pl.lit(None, pl.String),
                pl.lit(subject),
            ),  # fmt: skip
        )
    planted = (
        frame.filter(pl.col(PLANT).is_not_null())
        .select(pl.col(PLANT).str.split(" ").alias("rule"), pl.col(key).alias("key"), "subject_id")
        .explode("rule")
        .select(
            rule=pl.col("rule").str.extract(r"^(\w+)"),
            table=pl.coalesce(pl.col("rule").str.extract(r"@(\w+)$"), pl.lit(table)),
            record_id=pl.when(pl.col("rule").str.contains("@"))
            .then(pl.col("subject_id"))
            .otherwise(pl.col("key")),
        )
    )
    typed = []
    for name, kind in _time_columns(table).items():
        if kind == "date":
            typed.append(pl.col(name).cast(pl.Int32).cast(pl.Date))
        else:
            typed.append(
                (pl.col(name) * 1_000_000).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            )
    frame = frame.with_columns(typed)
    if table == "disclosures":
        frame = frame.with_columns(pl.col("data_categories").str.split(";"))
    return frame.select(_canonical_columns(table, fax)), planted


# ---- the Finnish CRM export ------------------------------------------------------------------
FINNISH_FILES = {
    "subjects": "asiakkaat",
    "vehicles": "ajoneuvot",
    "contracts": "sopimukset",
    "consents": "luvat_ja_kiellot",
    "communications": "viestit",
    "disclosures": "luovutukset",
    "requests": "pyynnot",
    "notes": "muistiinpanot",
}
FINNISH_ENCODING = {"subjects": "cp1252", "vehicles": "utf-8-sig", "disclosures": "utf-8-sig",
                    "notes": "utf-8-sig"}  # fmt: skip
FINNISH_TIMESTAMP = {"communications": "%d.%m.%Y %H.%M.%S"}  # elsewhere dd.mm.yyyy hh:mm
FINNISH_HEADERS = {
    "subjects": {"subject_id": "Asiakasnumero", "subject_type": "Asiakastyyppi",
                 "first_name": "Etunimi", "last_name": "Sukunimi", "business_id": "Y-tunnus",
                 "language": "Kieli", "email": "Sähköposti", "phone": "Puhelin",
                 "street_address": "Katuosoite", "postal_code": "Postinumero",
                 "city": "Postitoimipaikka", "personal_id": "Henkilötunnus",
                 "protected": "Turvakielto", "created_at": "Luontipäivä",
                 "relationship_ended_at": "Asiakkuus_päättynyt",
                 "last_activity_at": "Viimeisin_asiointi", "erased_at": "Poistettu",
                 "fax": "Faksi"},
    "vehicles": {"vehicle_id": "Ajoneuvonumero", "subject_id": "Asiakasnumero",
                 "registration_number": "Rekisterinumero", "vin": "Valmistenumero",
                 "make": "Merkki", "model": "Malli", "odometer_km": "Mittarilukema",
                 "linked_at": "Liitetty", "unlinked_at": "Irrotettu"},
    "contracts": {"contract_id": "Sopimusnumero", "subject_id": "Asiakasnumero",
                  "kind": "Sopimuslaji", "signed_at": "Allekirjoitettu", "ends_at": "Päättyy",
                  "closed_at": "Suljettu", "amount_eur": "Summa_EUR",
                  "accounting_record": "Kirjanpitoaineisto"},
    "consents": {"event_id": "Tapahtumanumero", "subject_id": "Asiakasnumero",
                 "purpose": "Tarkoitus", "action": "Toimenpide", "recorded_at": "Kirjattu",
                 "source": "Lähde", "evidence_ref": "Todiste", "notice_version": "Selosteversio"},
    "communications": {"message_id": "Viestinumero", "subject_id": "Asiakasnumero",
                       "channel": "Kanava", "category": "Viestilaji", "sent_at": "Lähetetty",
                       "campaign_id": "Kampanja", "product_group": "Tuoteryhmä",
                       "body": "Viesti"},
    "disclosures": {"disclosure_id": "Luovutusnumero", "subject_id": "Asiakasnumero",
                    "recipient": "Vastaanottaja", "recipient_category": "Vastaanottajaryhmä",
                    "purpose": "Käyttötarkoitus", "country": "Maa", "safeguard": "Siirtoperuste",
                    "data_categories": "Tietoryhmät", "disclosed_at": "Luovutettu",
                    "deletion_confirmed_at": "Poisto_vahvistettu"},
    "requests": {"request_id": "Pyyntönumero", "subject_id": "Asiakasnumero",
                 "kind": "Pyyntölaji", "received_at": "Vastaanotettu",
                 "extension_notified_at": "Jatkoaika_ilmoitettu", "completed_at": "Käsitelty",
                 "outcome": "Lopputulos"},
    "notes": {"note_id": "Muistiinpanonumero", "subject_id": "Asiakasnumero",
              "created_at": "Luotu", "text": "Teksti"},
}  # fmt: skip
FINNISH_VALUES: dict[tuple[str, str], dict[Any, str]] = {
    ("subjects", "subject_type"): {"person": "Henkilö", "organisation": "Yritys"},
    ("subjects", "language"): {"fi": "suomi", "sv": "ruotsi", "en": "englanti"},
    ("subjects", "protected"): {True: "K", False: "E"},
    ("contracts", "kind"): {"sale": "Kauppa", "purchase": "Osto", "financing": "Rahoitus",
                            "leasing": "Leasing", "service": "Huolto", "warranty": "Takuu",
                            "offer": "Tarjous", "test_drive": "Koeajo"},
    ("contracts", "accounting_record"): {True: "Kyllä", False: "Ei"},
    ("consents", "purpose"): {"email_marketing": "Sähköpostimarkkinointi",
                              "sms_marketing": "Tekstiviestimarkkinointi",
                              "phone_marketing": "Puhelinmarkkinointi",
                              "post_marketing": "Suoramainonta",
                              "automated_call_marketing": "Automaattipuhelut",
                              "profiling": "Profilointi", "market_research": "Markkinatutkimus",
                              "third_party_disclosure": "Luovutus kolmansille"},
    ("consents", "action"): {"grant": "Lupa", "withdraw": "Peruutus", "object": "Kielto"},
    ("consents", "source"): {"web_form": "Verkkolomake", "store": "Myymälä", "phone": "Puhelin",
                             "email_reply": "Sähköposti", "request": "Tietosuojapyyntö"},
    ("communications", "channel"): {"email": "Sähköposti", "sms": "Tekstiviesti",
                                    "phone": "Puhelin", "post": "Kirje",
                                    "automated_call": "Automaattipuhelu"},
    ("communications", "category"): {"marketing": "Markkinointi", "research": "Tutkimus",
                                     "service": "Huolto", "safety": "Turvallisuus",
                                     "transactional": "Asiointi"},
    ("communications", "product_group"): {"vehicles": "Ajoneuvot", "service": "Huolto",
                                          "accessories": "Tarvikkeet", "financing": "Rahoitus",
                                          "tyres": "Renkaat"},
    ("disclosures", "recipient_category"): {"importer": "Maahantuoja",
                                            "finance_company": "Rahoitusyhtiö",
                                            "insurance_company": "Vakuutusyhtiö",
                                            "authority": "Viranomainen",
                                            "marketing_processor": "Markkinointikumppani",
                                            "research_vendor": "Tutkimuslaitos",
                                            "debt_collector": "Perintätoimisto"},
    ("disclosures", "purpose"): {"warranty": "Takuu", "service": "Huolto",
                                 "maintenance": "Kunnossapito", "safety": "Turvallisuus",
                                 "contract": "Sopimuksen toteuttaminen",
                                 "legal_obligation": "Lakisääteinen velvoite",
                                 "register_update": "Rekisteritietojen päivitys",
                                 "controller_direct_marketing": "Oma suoramarkkinointi",
                                 "market_research": "Markkinatutkimus",
                                 "customer_satisfaction": "Asiakastyytyväisyyskysely",
                                 "third_party_marketing": "Kumppanin oma markkinointi",
                                 "debt_collection": "Perintä", "marketing": "Markkinointi",
                                 "credit_check": "Luottotietojen tarkistus"},
    ("disclosures", "country"): {"FI": "Suomi", "SE": "Ruotsi", "DE": "Saksa", "JP": "Japani",
                                 "US": "Yhdysvallat", "CN": "Kiina", "CH": "Sveitsi"},
    ("disclosures", "safeguard"): {"none": "Ei", "adequacy": "Riittävyyspäätös", "dpf": "DPF",
                                   "scc": "Vakiolausekkeet"},
    ("requests", "kind"): {"access": "Tarkastus", "rectification": "Oikaisu", "erasure": "Poisto",
                           "objection": "Vastustus", "portability": "Siirto"},
    ("requests", "outcome"): {"fulfilled": "Toteutettu", "partially_fulfilled": "Osittain",
                              "refused": "Hylätty"},
}  # fmt: skip


def _finnish(table: str, frame: pl.DataFrame, csv: bool) -> pl.DataFrame:
    """The canonical frame as the Finnish CRM exports it: its headers, its words, its formats."""
    columns = []
    for name in frame.columns:
        col, dtype = pl.col(name), frame.schema[name]
        words = FINNISH_VALUES.get((table, name))
        if words is not None:
            if dtype == pl.Boolean:
                col = pl.when(col).then(pl.lit(words[True])).when(~col).then(pl.lit(words[False]))
            else:
                col = col.replace_strict(words, default=col, return_dtype=pl.String)
        elif name == "data_categories":
            col = col.list.join(";")
        elif isinstance(dtype, pl.Datetime):
            local = col.dt.convert_time_zone(TIMEZONE)
            col = (
                local.dt.strftime(FINNISH_TIMESTAMP.get(table, "%d.%m.%Y %H:%M"))
                if csv
                else local.dt.replace_time_zone(None)
            )
        elif dtype == pl.Date and csv:
            col = col.dt.strftime("%d.%m.%Y")
        elif dtype == pl.Float64 and csv:
            cents = (col * 100).round().cast(pl.Int64)
            col = pl.format("{},{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))
        columns.append(col.alias(FINNISH_HEADERS[table][name]))
    return frame.select(columns)


def _mapping_toml(fmt: str) -> str:
    """The mapping of the Finnish export (every column but `Faksi`, left unclassified)."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# The Finnish CRM export written by `auditkit synth --finnish`, mapped to the auditkit",
        "# register model. 'Faksi' in the customer file is left out on purpose: DAT001.",
        "",
        "[source]",
        'encoding = "auto"',
        'separator = ";"',
        'date_format = "auto"',
        "decimal_comma = true",
    ]
    for table, headers in FINNISH_HEADERS.items():
        lines += ["", f"[tables.{table}]", f"file = {quote(FINNISH_FILES[table] + '.' + fmt)}"]
        if fmt == "csv" and FINNISH_ENCODING.get(table) == "cp1252":
            lines.append('encoding = "cp1252"')
        lines.append(f"[tables.{table}.columns]")
        lines += [f"{quote(h)} = {quote(c)}" for c, h in headers.items() if c != "fax"]
        for (owner, column), words in FINNISH_VALUES.items():
            if owner != table:
                continue
            lines.append(f"[tables.{table}.values.{column}]")
            for canonical, word in words.items():
                value = str(canonical).lower() if isinstance(canonical, bool) else quote(canonical)
                lines.append(f"{quote(word)} = {value}")
    return "\n".join(lines) + "\n"


POLICY = """\
# The privacy notice of the synthetic register written by `auditkit synth` (Allomeera Oy's
# notice, with consent.max_age set so that CON005 runs).
[register]
name = "Synthetic register (auditkit synth)"
controller = "Allomeera Oy"
business_id = "0984410-3"
notice_date = 2021-08-19
timezone = "Europe/Helsinki"

[data_content]
categories = ["identity", "contact", "language", "marketing_preferences", "personal_id",
              "company", "vehicle", "transactions", "communications", "technical"]

[retention]
after_relationship = "P3Y"
marketing_extension = "P2Y"
inactive_after = "P5Y"
accounting_years = 6
financial_year_end = "12-31"
forecast_days = 90
[retention.records]
offer = "P1Y"
test_drive = "P6M"
warranty = "P1Y"

[personal_id]
needed_for = ["financing", "leasing"]

[consent]
soft_opt_in = true
soft_opt_in_kinds = ["sale", "service", "financing", "leasing"]
soft_opt_in_max_age = "P2Y"
own_product_groups = ["vehicles", "service", "accessories", "financing"]
objection_is_global = true
research_is_marketing = false
max_age = "P10Y"

[requests]
objection_propagation_days = 7

[disclosures]
prohibited_purposes = ["third_party_marketing"]
allowed_for_protected = ["authority"]

[[disclosures.recipients]]
category = "importer"
purposes = ["warranty", "service", "maintenance", "safety"]
data_categories = ["identity", "contact", "vehicle", "transactions"]
transfer_countries = ["*"]

[[disclosures.recipients]]
category = "finance_company"
purposes = ["contract"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "transactions"]

[[disclosures.recipients]]
category = "insurance_company"
purposes = ["contract"]
data_categories = ["identity", "contact", "personal_id", "vehicle"]

[[disclosures.recipients]]
category = "authority"
purposes = ["contract", "legal_obligation", "register_update"]
data_categories = ["identity", "contact", "personal_id", "vehicle", "company"]

[[disclosures.recipients]]
category = "marketing_processor"
purposes = ["controller_direct_marketing"]
data_categories = ["identity", "contact", "language", "vehicle"]
marketing = true

[[disclosures.recipients]]
category = "research_vendor"
purposes = ["market_research", "customer_satisfaction"]
data_categories = ["identity", "contact", "language", "vehicle"]
delete_within = "P90D"
"""


class _Writer:
    """Appends chunks to one file per table: Parquet (row groups) or CSV."""

    def __init__(self, out: Path, fmt: str, finnish: bool) -> None:
        self.out, self.fmt, self.finnish = out, fmt, finnish
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.csv: dict[str, Any] = {}
        self.rows: Counter[str] = Counter()

    def path(self, table: str) -> Path:
        stem = FINNISH_FILES[table] if self.finnish else table
        return self.out / f"{stem}.{self.fmt}"

    def write(self, table: str, frame: pl.DataFrame) -> None:
        self.rows[table] += frame.height
        csv = self.fmt == "csv"
        if self.finnish:
            frame = _finnish(table, frame, csv)
        elif csv and table == "disclosures":
            frame = frame.with_columns(pl.col("data_categories").list.join(";"))
        if not csv:
            arrow = frame.to_arrow()
            if table not in self.parquet:
                self.parquet[table] = pq.ParquetWriter(
                    self.path(table), arrow.schema, compression="zstd"
                )
            self.parquet[table].write_table(arrow)
            return
        first = table not in self.csv
        if first:
            self.csv[table] = self.path(table).open("wb")
        handle = self.csv[table]
        if self.finnish:
            encoding = FINNISH_ENCODING.get(table, "utf-8")
            text = frame.write_csv(None, separator=";", include_header=first)
            if first and encoding == "utf-8-sig":
                handle.write(b"\xef\xbb\xbf")
            handle.write(text.encode("cp1252" if encoding == "cp1252" else "utf-8"))
        else:
            frame.write_csv(
                handle,
                include_header=first,
                date_format="%Y-%m-%d",
                datetime_format="%Y-%m-%dT%H:%M:%SZ",
            )

    def close(self) -> None:
        for writer in self.parquet.values():
            writer.close()
        for handle in self.csv.values():
            handle.close()
