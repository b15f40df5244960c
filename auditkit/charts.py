"""Plotly figure builders: the findings frame (or a register frame) in, a `go.Figure` out.

Every builder is a pure function of its frames: no I/O, no clock, no global state. The same
severity, area, channel and safeguard always get the same colour, in every figure, notebook and
report. Each figure names itself in `layout.meta["chart"]` (see `CHARTS`), so a notebook, the HTML
report and the tests can tell which chart is which. A builder given nothing to show returns a
figure that says so, never an error.

Builders over the audit result read `AuditResult.findings` (and `.deletion_calendar`); builders over
the register read one canonical table, or a derived fact prepared by `consent_states` and
`request_timeline` (the same derived facts the rules use, so a chart never disagrees with a rule).
Text is English (`lang="en"`) or Finnish (`lang="fi"`).
"""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from auditkit.errors import UsageError
from auditkit.findings import AREAS, SEVERITY_ORDER
from auditkit.register.schema import CHANNELS, MARKETING_PURPOSES, SAFEGUARDS
from auditkit.rules import RULES
from auditkit.rules.context import CHANNEL_PURPOSE
from auditkit.rules.geography import EEA, normalise_country

if TYPE_CHECKING:
    from auditkit.policy import Policy
    from auditkit.register.loader import Register

# ---- colours, declared once ----------------------------------------------------------------------
SEVERITY_COLOURS: dict[str, str] = {
    "critical": "#a50026",
    "high": "#f46d43",
    "medium": "#fdae61",
    "low": "#74add1",
}
AREA_COLOURS: dict[str, str] = {
    "retention": "#0072b2",
    "consent": "#e69f00",
    "disclosure": "#009e73",
    "requests": "#cc79a7",
    "data": "#56b4e9",
}
CHANNEL_COLOURS: dict[str, str] = {
    "email": "#0072b2",
    "sms": "#e69f00",
    "automated_call": "#cc79a7",
    "phone": "#009e73",
    "post": "#7f7f7f",
}
SAFEGUARD_COLOURS: dict[str, str] = {
    "none": "#a50026",
    "adequacy": "#1a9850",
    "dpf": "#66bd63",
    "scc": "#4575b4",
    "bcr": "#74add1",
    "derogation": "#fdae61",
}
LAWFUL_COLOURS: dict[str, str] = {"lawful": "#74add1", "unlawful": "#a50026"}
STATUS_COLOURS: dict[str, str] = {
    "in_time": "#1a9850",
    "late": "#f46d43",
    "open": "#74add1",
    "open_overdue": "#a50026",
}
TABLE_COLOURS: dict[str, str] = {"subjects": "#0072b2", "contracts": "#e69f00"}
NEUTRAL = "#7f7f7f"

CHARTS: tuple[str, ...] = (
    "summary",
    "findings_by_area",
    "findings_over_time",
    "top_rules",
    "retention_aging",
    "deletion_calendar",
    "consent_coverage",
    "marketing_without_consent",
    "disclosure_sankey",
    "transfer_map",
    "request_response_times",
    "audit_trend",
    "findings_table",
)
"""Every chart's name, as written in `layout.meta["chart"]`."""


# ---- words ---------------------------------------------------------------------------------------
LANGUAGES = ("en", "fi")
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "retention": "retention",
        "consent": "consent",
        "disclosure": "disclosure",
        "requests": "requests",
        "data": "data",
        "critical": "critical",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "email": "e-mail",
        "sms": "SMS",
        "automated_call": "automated call",
        "phone": "phone",
        "post": "post",
        "findings": "Findings",
        "nothing": "Nothing to show",
        "summary": "The audit in numbers",
        "total": "findings",
        "subjects_affected": "subjects affected",
        "rules_broken": "rules broken",
        "by_area": "Findings by area and severity",
        "by_area_sub": "What kind of problem, and how serious",
        "area": "Area",
        "over_time": "Findings by the month the breach began",
        "over_time_sub": "{n} finding(s) without a date (data quality, residual data) not shown",
        "month": "Month",
        "top_rules": "Rules with the most findings",
        "top_rules_sub": "Fix the top bars first: one process fault usually explains many findings",
        "aging": "Retention: how long records are kept past their deadline",
        "aging_sub": "Subjects (RET001) and contracts (RET002) to delete or anonymise now",
        "days_overdue": "Days past the deadline",
        "bucket_1": "1–30 days",
        "bucket_2": "31–90 days",
        "bucket_3": "91–180 days",
        "bucket_4": "181–365 days",
        "bucket_5": "1–2 years",
        "bucket_6": "over 2 years",
        "RET001": "subjects (RET001)",
        "RET002": "contracts (RET002)",
        "calendar": "Deletions falling due, by week",
        "calendar_sub": "{n} record(s) reach their retention deadline in the coming weeks",
        "week": "Week starting",
        "records": "Records",
        "subjects": "subjects",
        "contracts": "contracts",
        "coverage": "Consent coverage by channel",
        "coverage_sub": "Share of registered subjects with a marketing consent in force, "
        "month by month",
        "coverage_axis": "Subjects with consent (%)",
        "no_consent": "Marketing sent without valid consent, by campaign",
        "no_consent_sub": "CON002: sent after an objection or withdrawal · CON001: no consent, "
        "no soft opt-in",
        "campaign": "Campaign",
        "no_campaign": "(no campaign)",
        "messages": "Messages",
        "CON001": "no consent (CON001)",
        "CON002": "after objection or withdrawal (CON002)",
        "sankey": "Disclosures: data category → recipient → country",
        "sankey_sub": "Red flows carry a disclosure finding (DIS rules); a disclosure with several "
        "data categories counts once per category on the left",
        "lawful": "lawful",
        "unlawful": "with a finding",
        "unknown": "(unknown)",
        "undeclared": "(no category)",
        "disclosures": "disclosures",
        "map": "Transfers outside the EEA, by safeguard",
        "map_sub": "Marker size: number of disclosures; {n} with a finding (DIS003/DIS004)",
        "map_unknown": "; {n} without a country not shown",
        "safeguard": "Safeguard",
        "response": "Data-subject requests: answered before or after the deadline",
        "response_sub": "Above the line = late (GDPR 12(3): one month, three when extended "
        "in time)",
        "response_axis": "Days past (+) or before (−) deadline",
        "received": "Received",
        "deadline": "deadline",
        "in_time": "answered in time",
        "late": "answered late",
        "open": "open, within the deadline",
        "open_overdue": "open, overdue",
        "trend": "Trend across audit runs",
        "trend_sub": "Open findings by area per run; new and resolved since the previous run",
        "run": "Audit run (as of)",
        "open_findings": "Open findings",
        "new": "new",
        "resolved": "resolved",
        "one_run": "Only one audit run recorded so far: the trend starts with the next run",
        "table": "Top findings",
        "severity": "Severity",
        "rule": "Rule",
        "table_col": "Table",
        "record": "Record",
        "subject": "Subject",
        "occurred": "Began",
        "evidence": "Evidence",
        "message": "What is wrong",
        "overdue": "Days overdue",
        "of": "{shown} of {total} findings",
    },
    "fi": {
        "retention": "säilytys",
        "consent": "suostumukset",
        "disclosure": "luovutukset",
        "requests": "pyynnöt",
        "data": "tietosisältö",
        "critical": "kriittinen",
        "high": "korkea",
        "medium": "kohtalainen",
        "low": "matala",
        "email": "sähköposti",
        "sms": "tekstiviesti",
        "automated_call": "automaattipuhelu",
        "phone": "puhelin",
        "post": "posti",
        "findings": "Havainnot",
        "nothing": "Ei näytettävää",
        "summary": "Tarkastus lukuina",
        "total": "havaintoa",
        "subjects_affected": "rekisteröityä",
        "rules_broken": "rikottua sääntöä",
        "by_area": "Havainnot alueittain ja vakavuuden mukaan",
        "by_area_sub": "Millainen ongelma ja kuinka vakava",
        "area": "Alue",
        "over_time": "Havainnot rikkeen alkamiskuukauden mukaan",
        "over_time_sub": "{n} havaintoa ilman päivämäärää (tietosisältö, jäännöstiedot) ei näytetä",
        "month": "Kuukausi",
        "top_rules": "Eniten havaintoja tuottaneet säännöt",
        "top_rules_sub": "Korjaa ylimmät ensin: yksi prosessivirhe selittää usein monta havaintoa",
        "aging": "Säilytys: kuinka kauan tietoja on säilytetty yli määräajan",
        "aging_sub": "Rekisteröidyt (RET001) ja sopimukset (RET002), jotka on poistettava nyt",
        "days_overdue": "Päiviä yli määräajan",
        "bucket_1": "1–30 päivää",
        "bucket_2": "31–90 päivää",
        "bucket_3": "91–180 päivää",
        "bucket_4": "181–365 päivää",
        "bucket_5": "1–2 vuotta",
        "bucket_6": "yli 2 vuotta",
        "RET001": "rekisteröidyt (RET001)",
        "RET002": "sopimukset (RET002)",
        "calendar": "Erääntyvät poistot viikoittain",
        "calendar_sub": "{n} tietuetta saavuttaa säilytysajan lopun tulevina viikkoina",
        "week": "Viikko alkaen",
        "records": "Tietueita",
        "subjects": "rekisteröidyt",
        "contracts": "sopimukset",
        "coverage": "Suostumuskattavuus kanavittain",
        "coverage_sub": "Rekisteröidyt, joilla voimassa oleva markkinointilupa, kuukausittain",
        "coverage_axis": "Luvan antaneet (%)",
        "no_consent": "Markkinointi ilman pätevää suostumusta kampanjoittain",
        "no_consent_sub": "CON002: lähetetty kiellon tai peruutuksen jälkeen · CON001: ei lupaa",
        "campaign": "Kampanja",
        "no_campaign": "(ei kampanjaa)",
        "messages": "Viestejä",
        "CON001": "ei lupaa (CON001)",
        "CON002": "kiellon tai peruutuksen jälkeen (CON002)",
        "sankey": "Luovutukset: tietoryhmä → vastaanottaja → maa",
        "sankey_sub": "Punaiset virrat sisältävät luovutushavainnon (DIS-säännöt)",
        "lawful": "lainmukainen",
        "unlawful": "havainto",
        "unknown": "(tuntematon)",
        "undeclared": "(ei ryhmää)",
        "disclosures": "luovutusta",
        "map": "Siirrot ETA:n ulkopuolelle suojatoimen mukaan",
        "map_sub": "Pallon koko: luovutusten määrä; {n} havaintoa (DIS003/DIS004)",
        "map_unknown": "; {n} ilman maata ei näytetä",
        "safeguard": "Suojatoimi",
        "response": "Tietopyynnöt: vastattu ennen määräaikaa vai sen jälkeen",
        "response_sub": "Viivan yläpuolella = myöhässä (GDPR 12(3): kuukausi, jatkettuna kolme)",
        "response_axis": "Päiviä yli (+) tai alle (−) määräajan",
        "received": "Vastaanotettu",
        "deadline": "määräaika",
        "in_time": "vastattu ajallaan",
        "late": "vastattu myöhässä",
        "open": "avoin, määräajassa",
        "open_overdue": "avoin, myöhässä",
        "trend": "Kehitys tarkastuskerroittain",
        "trend_sub": "Avoimet havainnot alueittain; uudet ja korjatut edelliseen kertaan nähden",
        "run": "Tarkastus (päivä)",
        "open_findings": "Avoimet havainnot",
        "new": "uudet",
        "resolved": "korjatut",
        "one_run": "Vasta yksi tarkastuskerta tallennettu: kehitys näkyy seuraavasta kerrasta",
        "table": "Tärkeimmät havainnot",
        "severity": "Vakavuus",
        "rule": "Sääntö",
        "table_col": "Taulu",
        "record": "Tietue",
        "subject": "Rekisteröity",
        "occurred": "Alkoi",
        "evidence": "Todisteet",
        "message": "Mikä on vialla",
        "overdue": "Myöhässä (pv)",
        "of": "{shown} / {total} havaintoa",
    },
}
assert _WORDS["en"].keys() == _WORDS["fi"].keys()


def check_language(lang: str) -> str:
    """The language code, or one clear error naming the ones there are."""
    if lang not in _WORDS:
        raise UsageError("unknown report language", value=lang, expected=" or ".join(LANGUAGES))
    return lang


def word(key: str, lang: str = "en", **values: Any) -> str:
    """A label in the chosen language, with `{placeholders}` filled in."""
    text = _WORDS[check_language(lang)][key]
    return text.format(**values) if values else text


# ---- ISO 3166 alpha-2 → alpha-3 (Plotly's maps locate countries by alpha-3) ----------------------
_ISO3_TEXT = """
ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE
BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS
BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN
COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST
EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF
GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD
HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM
JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA
LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD
MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM
NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG
PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA
SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD
STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON
TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR
VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE
"""
ISO3: dict[str, str] = {pair[:2]: pair[2:] for pair in _ISO3_TEXT.split()}
"""The 249 ISO 3166-1 countries: alpha-2 → alpha-3."""


# ---- shared figure plumbing ----------------------------------------------------------------------
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def _figure(
    name: str,
    title: str,
    subtitle: str | None = None,
    *,
    height: int = 420,
    base: go.Figure | None = None,
) -> go.Figure:
    """A figure (`base`, or a new one) with the house style, its title and its name in `meta`."""
    fig = base if base is not None else go.Figure()
    fig.update_layout(
        template="plotly_white",
        meta={"chart": name},
        title={
            "text": title,
            "subtitle": {"text": subtitle or ""},
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 14},
        },
        font={"family": _FONT, "size": 13},
        height=height,
        margin={"l": 60, "r": 30, "t": 125, "b": 60},
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        showlegend=True,
        hoverlabel={"align": "left"},
    )
    return fig


def _nothing(fig: go.Figure, lang: str, why: str | None = None) -> go.Figure:
    """Say on the figure that there is nothing to show (and why), instead of blank axes."""
    text = word("nothing", lang) + (f": {why}" if why else "")
    fig.add_annotation(
        text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 15}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _count_axis(fig: go.Figure, axis: str, top: int | float | None) -> None:
    """A count axis: whole numbers only (one tick per unit while the counts are small)."""
    settings: dict[str, Any] = {"tickformat": ",d", "rangemode": "tozero"}
    if top is not None and top <= 8:
        settings["dtick"] = 1
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings)


def chart_name(fig: go.Figure) -> str | None:
    """The name a builder gave its figure (`layout.meta["chart"]`)."""
    meta = fig.layout.meta
    return meta.get("chart") if isinstance(meta, dict) else None


def _str(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


# ---- the audit result ----------------------------------------------------------------------------
def summary(findings: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Key numbers as tiles: findings, critical and high ones, subjects affected, rules broken."""
    fig = _figure("summary", word("summary", lang), height=200)
    severity = findings["severity"].cast(pl.String)
    tiles = [
        (word("total", lang), findings.height, "#333333"),
        (word("critical", lang), int((severity == "critical").sum()), SEVERITY_COLOURS["critical"]),
        (word("high", lang), int((severity == "high").sum()), SEVERITY_COLOURS["high"]),
        (
            word("subjects_affected", lang),
            findings["subject_id"].drop_nulls().n_unique(),
            "#333333",
        ),
        (word("rules_broken", lang), findings["rule"].n_unique(), "#333333"),
    ]
    width = 1 / len(tiles)
    for i, (label, value, colour) in enumerate(tiles):
        fig.add_trace(
            go.Indicator(
                mode="number",
                value=value,
                title={"text": label, "font": {"size": 14}},
                number={"font": {"color": colour, "size": 40}, "valueformat": ",d"},
                domain={"x": [i * width + 0.01, (i + 1) * width - 0.01], "y": [0, 1]},
            )
        )
    fig.update_layout(margin={"t": 50, "b": 10})
    return fig


def findings_by_area(findings: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Stacked bars: findings per area (all five, in catalogue order), split by severity."""
    fig = _figure("findings_by_area", word("by_area", lang), word("by_area_sub", lang))
    if findings.is_empty():
        return _nothing(fig, lang)
    counts = findings.group_by(area=_str("area"), severity=_str("severity")).len()
    areas = [word(a, lang) for a in AREAS]
    for severity in SEVERITY_ORDER:
        per_area = dict(counts.filter(pl.col("severity") == severity).select("area", "len").rows())
        values = [per_area.get(a, 0) for a in AREAS]
        if not any(values):
            continue
        fig.add_trace(
            go.Bar(
                name=word(severity, lang),
                x=areas,
                y=values,
                marker_color=SEVERITY_COLOURS[severity],
                text=[v or "" for v in values],
                textposition="inside",
                hovertemplate="%{x}: %{y} " + word(severity, lang) + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack", xaxis_title=word("area", lang), yaxis_title=word("findings", lang)
    )
    _count_axis(fig, "y", counts.group_by("area").agg(pl.col("len").sum())["len"].max())
    return fig


def findings_over_time(findings: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Stacked bars: findings by the month the breach began (`occurred_at`), split by severity."""
    undated = int(findings["occurred_at"].null_count())
    sub = word("over_time_sub", lang, n=undated) if undated else None
    fig = _figure("findings_over_time", word("over_time", lang), sub)
    dated = findings.filter(pl.col("occurred_at").is_not_null())
    if dated.is_empty():
        return _nothing(fig, lang)
    counts = (
        dated.group_by(month=pl.col("occurred_at").dt.truncate("1mo"), severity=_str("severity"))
        .len()
        .sort("month")
    )
    for severity in SEVERITY_ORDER:
        part = counts.filter(pl.col("severity") == severity)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                name=word(severity, lang),
                x=part["month"].to_list(),
                y=part["len"].to_list(),
                marker_color=SEVERITY_COLOURS[severity],
                hovertemplate="%{x|%Y-%m}: %{y} " + word(severity, lang) + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis_title=word("findings", lang))
    _count_axis(fig, "y", counts.group_by("month").agg(pl.col("len").sum())["len"].max())
    fig.update_xaxes(title=word("month", lang), tickformat="%Y-%m")
    return fig


def top_rules(findings: pl.DataFrame, *, n: int = 10, lang: str = "en") -> go.Figure:
    """Horizontal bars: the `n` rules with the most findings, coloured by severity."""
    fig = _figure("top_rules", word("top_rules", lang), word("top_rules_sub", lang))
    if findings.is_empty():
        return _nothing(fig, lang)
    counts = (
        findings.group_by("rule")
        .agg(count=pl.len(), severity=_str("severity").first())
        .sort(["count", "rule"], descending=[True, False])
        .head(n)
        .reverse()  # the largest bar on top
    )
    labels = [f"{code} {RULES[code].name}" if code in RULES else code for code in counts["rule"]]
    titles = [RULES[code].title if code in RULES else "" for code in counts["rule"]]
    fig.add_trace(
        go.Bar(
            orientation="h",
            x=counts["count"].to_list(),
            y=labels,
            marker_color=[SEVERITY_COLOURS[s] for s in counts["severity"]],
            text=counts["count"].to_list(),
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [t, word(s, lang)] for t, s in zip(titles, counts["severity"], strict=True)
            ],
            hovertemplate="%{y}<br>%{customdata[0]}<br>%{customdata[1]}: %{x}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=max(300, 90 + 34 * counts.height),
        xaxis_title=word("findings", lang),
        margin={"l": 260},
    )
    _count_axis(fig, "x", counts["count"].max())
    return fig


_AGE_BUCKETS = ((30, "bucket_1"), (90, "bucket_2"), (180, "bucket_3"), (365, "bucket_4"),
                (730, "bucket_5"), (None, "bucket_6"))  # fmt: skip


def retention_aging(findings: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Histogram of days overdue for retention findings (RET001 subjects, RET002 contracts)."""
    fig = _figure("retention_aging", word("aging", lang), word("aging_sub", lang))
    overdue = findings.filter(
        pl.col("rule").is_in(["RET001", "RET002"]) & pl.col("days_overdue").is_not_null()
    )
    if overdue.is_empty():
        return _nothing(fig, lang)
    bucket = pl.lit(len(_AGE_BUCKETS) - 1)
    for i, (limit, _key) in reversed(list(enumerate(_AGE_BUCKETS[:-1]))):
        bucket = pl.when(pl.col("days_overdue") <= limit).then(pl.lit(i)).otherwise(bucket)
    counts = overdue.group_by("rule", bucket=bucket).len()
    labels = [word(key, lang) for _limit, key in _AGE_BUCKETS]
    for rule, colour in (
        ("RET001", TABLE_COLOURS["subjects"]),
        ("RET002", TABLE_COLOURS["contracts"]),
    ):
        per = dict(counts.filter(pl.col("rule") == rule).select("bucket", "len").rows())
        if not per:
            continue
        values = [per.get(i, 0) for i in range(len(labels))]
        fig.add_trace(
            go.Bar(
                name=word(rule, lang),
                x=labels,
                y=values,
                marker_color=colour,
                hovertemplate="%{x}: %{y}<extra>" + word(rule, lang) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack", xaxis_title=word("days_overdue", lang), yaxis_title=word("records", lang)
    )
    _count_axis(fig, "y", counts.group_by("bucket").agg(pl.col("len").sum())["len"].max())
    return fig


def deletion_calendar(calendar: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Bars per week: records that reach their retention deadline (`AuditResult.deletion_calendar`),
    split by table."""
    fig = _figure(
        "deletion_calendar", word("calendar", lang), word("calendar_sub", lang, n=calendar.height)
    )
    if calendar.is_empty():
        return _nothing(fig, lang)
    weekly = (
        calendar.group_by(week=pl.col("due_at").dt.truncate("1w"), table="table")
        .agg(count=pl.len(), reasons=pl.col("reason").unique().sort().str.join("<br>"))
        .sort("week")
    )
    for table in weekly["table"].unique().sort():
        part = weekly.filter(pl.col("table") == table)
        fig.add_trace(
            go.Bar(
                name=word(table, lang) if table in ("subjects", "contracts") else table,
                x=part["week"].to_list(),
                y=part["count"].to_list(),
                marker_color=TABLE_COLOURS.get(table, NEUTRAL),
                customdata=part["reasons"].to_list(),
                hovertemplate="%{x|%Y-%m-%d}: %{y}<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis_title=word("records", lang))
    _count_axis(fig, "y", weekly.group_by("week").agg(pl.col("count").sum())["count"].max())
    fig.update_xaxes(title=word("week", lang), tickformat="%Y-%m-%d")
    return fig


def marketing_without_consent(
    findings: pl.DataFrame, *, n: int = 20, lang: str = "en"
) -> go.Figure:
    """Horizontal bars: marketing messages sent without valid consent (CON001, CON002) per
    campaign, the `n` largest campaigns."""
    fig = _figure(
        "marketing_without_consent", word("no_consent", lang), word("no_consent_sub", lang)
    )
    sent = findings.filter(pl.col("rule").is_in(["CON001", "CON002"])).with_columns(
        campaign=pl.col("evidence")
        .str.json_path_match("$.campaign_id")
        .fill_null(word("no_campaign", lang))
    )
    if sent.is_empty():
        return _nothing(fig, lang)
    totals = (
        sent.group_by("campaign")
        .len()
        .sort(["len", "campaign"], descending=[True, False])
        .head(n)
        .reverse()
    )
    campaigns = totals["campaign"].to_list()
    counts = sent.group_by("campaign", "rule").len()
    for rule, colour in (
        ("CON002", SEVERITY_COLOURS["critical"]),
        ("CON001", SEVERITY_COLOURS["high"]),
    ):
        per = dict(counts.filter(pl.col("rule") == rule).select("campaign", "len").rows())
        if not per:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h",
                name=word(rule, lang),
                y=campaigns,
                x=[per.get(c, 0) for c in campaigns],
                marker_color=colour,
                hovertemplate="%{y}: %{x}<extra>" + word(rule, lang) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=max(320, 120 + 28 * len(campaigns)),
        xaxis_title=word("messages", lang),
        margin={"l": 200},
    )
    _count_axis(fig, "x", totals["len"].max())
    return fig


# ---- the register: disclosures -------------------------------------------------------------------
def _disclosures_with_verdict(disclosures: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """Disclosures with a normalised country and `lawful` = no DIS finding names the row."""
    flagged = findings.filter(
        (pl.col("table") == "disclosures") & pl.col("rule").str.starts_with("DIS")
    )
    rules = flagged.group_by(disclosure_id="record_id").agg(rules=pl.col("rule").unique().sort())
    return (
        disclosures.with_columns(country=normalise_country(pl.col("country")))
        .join(rules, on="disclosure_id", how="left")
        .with_columns(lawful=pl.col("rules").is_null())
    )


def disclosure_sankey(
    disclosures: pl.DataFrame, findings: pl.DataFrame, *, lang: str = "en"
) -> go.Figure:
    """Sankey of disclosures: data category → recipient category → country; a flow is red when its
    disclosures carry a DIS finding (lawful = no DIS finding on that disclosure).

    `disclosures` is the register's canonical disclosures table (collected)."""
    fig = _figure("disclosure_sankey", word("sankey", lang), word("sankey_sub", lang), height=560)
    if disclosures.is_empty():
        return _nothing(fig, lang)
    frame = _disclosures_with_verdict(disclosures, findings).with_columns(
        recipient=pl.col("recipient_category")
        .str.strip_chars()
        .fill_null(word("undeclared", lang)),
        country=pl.col("country").fill_null(word("unknown", lang)),
        category=pl.col("data_categories")
        .list.eval(pl.element().str.strip_chars().str.to_lowercase())
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique()
        .list.sort(),
    )
    frame = frame.with_columns(
        category=pl.when(pl.col("category").list.len() > 0)
        .then(pl.col("category"))
        .otherwise(pl.lit([word("unknown", lang)]))
    )
    left = (
        frame.explode("category")
        .group_by(source="category", target="recipient", lawful="lawful")
        .len()
        .with_columns(
            source=pl.lit("c:") + pl.col("source"), target=pl.lit("r:") + pl.col("target")
        )
    )
    right = (
        frame.group_by(source="recipient", target="country", lawful="lawful")
        .len()
        .with_columns(
            source=pl.lit("r:") + pl.col("source"), target=pl.lit("k:") + pl.col("target")
        )
    )
    links = pl.concat([left, right]).sort("source", "target", "lawful")
    nodes = sorted(
        set(links["source"]) | set(links["target"]), key=lambda n: ("crk".index(n[0]), n)
    )
    index = {node: i for i, node in enumerate(nodes)}
    column_colour = {"c": "#6b6b6b", "r": "#0072b2", "k": "#009e73"}
    verdict = {True: word("lawful", lang), False: word("unlawful", lang)}
    fig.add_trace(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [n[2:] for n in nodes],
                "color": [column_colour[n[0]] for n in nodes],
                "pad": 14,
                "thickness": 16,
                "hovertemplate": "%{label}: %{value}<extra></extra>",
            },
            link={
                "source": [index[s] for s in links["source"]],
                "target": [index[t] for t in links["target"]],
                "value": links["len"].to_list(),
                "color": [
                    _rgba(LAWFUL_COLOURS["lawful" if ok else "unlawful"], 0.45 if ok else 0.7)
                    for ok in links["lawful"]
                ],
                "customdata": [verdict[ok] for ok in links["lawful"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{value} "
                + word("disclosures", lang)
                + ", %{customdata}<extra></extra>",
            },
        )
    )
    return fig


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def third_country_transfers(disclosures: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """Disclosures processed outside the EEA (or where the country is unknown) per country and
    safeguard: `disclosures`, and `with_finding` (a DIS003 or DIS004 finding names them)."""
    frame = _disclosures_with_verdict(disclosures, findings)
    return (
        frame.filter(~pl.col("country").is_in(sorted(EEA)).fill_null(False))
        .with_columns(
            safeguard=_str("safeguard").fill_null("none"),
            flagged=pl.col("rules")
            .list.eval(pl.element().is_in(["DIS003", "DIS004"]))
            .list.any()
            .fill_null(False),
        )
        .group_by("country", "safeguard")
        .agg(disclosures=pl.len(), with_finding=pl.col("flagged").sum())
        .sort("country", "safeguard", nulls_last=True)
    )


def transfer_map(
    disclosures: pl.DataFrame, findings: pl.DataFrame, *, lang: str = "en"
) -> go.Figure:
    """World map of disclosures processed outside the EEA: one marker per (country, safeguard),
    sized by the number of disclosures, coloured by safeguard (`third_country_transfers`).

    NOTE: Plotly draws country outlines from topojson that the browser fetches from Plotly's CDN:
    the map needs a network connection when it is viewed (the markers' data does not)."""
    transfers = third_country_transfers(disclosures, findings)
    unknown = int(transfers.filter(pl.col("country").is_null())["disclosures"].sum())
    groups = transfers.filter(pl.col("country").is_not_null()).rename(
        {"disclosures": "count", "with_finding": "flagged"}
    )
    sub = word("map_sub", lang, n=int(groups["flagged"].sum()) if groups.height else 0)
    if unknown:
        sub += word("map_unknown", lang, n=unknown)
    fig = _figure("transfer_map", word("map", lang), sub, height=520)
    if groups.is_empty():
        return _nothing(fig, lang)
    biggest = max(groups["count"].max() or 1, 1)
    for safeguard in SAFEGUARDS:
        part = groups.filter(pl.col("safeguard") == safeguard)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Scattergeo(
                name=safeguard,
                locationmode="ISO-3",
                locations=[ISO3.get(c, c) for c in part["country"]],
                text=part["country"].to_list(),
                customdata=list(zip(part["count"], part["flagged"], strict=True)),
                marker={
                    "size": [8 + 32 * (c / biggest) ** 0.5 for c in part["count"]],
                    "color": SAFEGUARD_COLOURS[safeguard],
                    "line": {"width": 1, "color": "white"},
                    "opacity": 0.85,
                },
                hovertemplate="%{text} · "
                + safeguard
                + "<br>%{customdata[0]} "
                + word("disclosures", lang)
                + ", %{customdata[1]} "
                + word("unlawful", lang)
                + "<extra></extra>",
            )
        )
    fig.update_geos(
        projection_type="natural earth",
        showcountries=True,
        countrycolor="#bbbbbb",
        showland=True,
        landcolor="#f2f2f2",
        showframe=False,
    )
    fig.update_layout(legend_title_text=word("safeguard", lang), margin={"l": 10, "r": 10})
    return fig


# ---- the register: consent and requests ----------------------------------------------------------
def consent_states(register: Register, policy: Policy, as_of: date) -> pl.DataFrame:
    """The consent state intervals the rules use (RULES.md "Consent state": objection requests and
    the global objection included): subject_id, purpose, valid_from, valid_until (UTC; null = open),
    state (grant / withdraw / object)."""
    from auditkit.rules.context import Context

    return Context(register, policy, as_of).consent_intervals().collect()


def consent_coverage(
    states: pl.DataFrame,
    subjects: pl.DataFrame,
    *,
    as_of: date,
    timezone: str = "Europe/Helsinki",
    months: int = 36,
    lang: str = "en",
) -> go.Figure:
    """Lines per channel: the share of registered subjects (created, not yet erased) with a grant in
    force for the channel's marketing purpose at each month end, over `months` months up to `as_of`.

    `states` comes from `consent_states`; `subjects` is the register's subjects table."""
    fig = _figure("consent_coverage", word("coverage", lang), word("coverage_sub", lang))
    samples = _month_ends(as_of, months)
    sample_series = pl.Series("sample", samples, dtype=pl.Date)
    grants = states.filter(
        (pl.col("state") == "grant") & pl.col("purpose").cast(pl.String).is_in(MARKETING_PURPOSES)
    )
    people = subjects.unique("subject_id", keep="first", maintain_order=True)
    erased = (
        pl.col("erased_at").dt.convert_time_zone(timezone).dt.date()
        if "erased_at" in people.columns
        else pl.lit(None, pl.Date)
    )
    registered = _running_count(
        people.select(start=pl.col("created_at"), end=erased), sample_series
    )
    if grants.is_empty() or not any(registered):
        return _nothing(fig, lang)
    local = grants.with_columns(
        start=pl.col("valid_from").dt.convert_time_zone(timezone).dt.date(),
        end=pl.col("valid_until").dt.convert_time_zone(timezone).dt.date(),
    )
    for channel in CHANNELS:
        purpose = CHANNEL_PURPOSE[channel]
        counts = _running_count(local.filter(pl.col("purpose") == purpose), sample_series)
        if not any(counts):
            continue
        shares = [100 * c / r if r else None for c, r in zip(counts, registered, strict=True)]
        fig.add_trace(
            go.Scatter(
                name=word(channel, lang),
                x=samples,
                y=shares,
                mode="lines",
                line={"color": CHANNEL_COLOURS[channel], "width": 2.5},
                customdata=list(zip(counts, registered, strict=True)),
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} % (%{customdata[0]} / %{customdata[1]})"
                "<extra>" + word(channel, lang) + "</extra>",
            )
        )
    fig.update_layout(yaxis_title=word("coverage_axis", lang), yaxis_rangemode="tozero")
    return fig


def _month_ends(as_of: date, months: int) -> list[date]:
    """The last day of each of the `months` months before as_of's month, then as_of itself."""
    first = as_of.replace(day=1)
    ends: list[date] = []
    for _ in range(months):
        first_of_previous = (first - timedelta(days=1)).replace(day=1)
        ends.append(first - timedelta(days=1))
        first = first_of_previous
    return [*reversed(ends), as_of]


def _running_count(intervals: pl.DataFrame, samples: pl.Series) -> list[int]:
    """How many [start, end) date intervals (end null = open) cover each sample date (sorted).

    An interval covers sample S when start <= S < end: +1 from the first sample on or after start,
    -1 from the first sample on or after end; a running sum gives the count at each sample."""
    size = samples.len()
    steps = [0] * (size + 1)
    starts = intervals["start"].drop_nulls()
    for i, n in (
        pl.DataFrame({"i": samples.search_sorted(starts, side="left")}).group_by("i").len().rows()
    ):
        steps[i] += n
    ends = intervals.filter(pl.col("start").is_not_null())["end"].drop_nulls()
    for i, n in (
        pl.DataFrame({"i": samples.search_sorted(ends, side="left")}).group_by("i").len().rows()
    ):
        steps[i] -= n
    counts, running = [], 0
    for step in steps[:size]:
        running += step
        counts.append(running)
    return counts


def request_timeline(register: Register, policy: Policy, as_of: date) -> pl.DataFrame:
    """Each data-subject request with the deadlines the DSR rules use: request_id, subject_id, kind,
    outcome, received_on, extended_on, completed_on, one_month, deadline (local dates)."""
    from auditkit.rules.context import Context
    from auditkit.rules.requests import request_deadlines

    if not register.has("requests"):
        return pl.DataFrame(
            schema={
                "request_id": pl.String,
                "subject_id": pl.String,
                "kind": pl.String,
                "outcome": pl.String,
                "received_on": pl.Date,
                "extended_on": pl.Date,
                "completed_on": pl.Date,
                "one_month": pl.Date,
                "deadline": pl.Date,
            }
        )
    frame = request_deadlines(Context(register, policy, as_of))
    return frame.select(
        "request_id",
        "subject_id",
        _str("kind"),
        _str("outcome"),
        "received_on",
        "extended_on",
        "completed_on",
        "one_month",
        "deadline",
    ).collect()


def request_response_times(timeline: pl.DataFrame, *, as_of: date, lang: str = "en") -> go.Figure:
    """Each request as a point: received date against days after (+) or before (−) its deadline,
    coloured by answered in time / late / open / open and overdue. `timeline` comes from
    `request_timeline`."""
    fig = _figure("request_response_times", word("response", lang), word("response_sub", lang))
    if timeline.is_empty():
        return _nothing(fig, lang)
    answered = pl.col("completed_on").is_not_null()
    frame = timeline.with_columns(
        delta=(
            pl.coalesce(pl.col("completed_on"), pl.lit(as_of)) - pl.col("deadline")
        ).dt.total_days(),
    ).with_columns(
        status=pl.when(answered & (pl.col("delta") <= 0))
        .then(pl.lit("in_time"))
        .when(answered)
        .then(pl.lit("late"))
        .when(pl.col("delta") <= 0)
        .then(pl.lit("open"))
        .otherwise(pl.lit("open_overdue"))
    )
    for status in ("in_time", "late", "open", "open_overdue"):
        part = frame.filter(pl.col("status") == status)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                name=word(status, lang),
                x=part["received_on"].to_list(),
                y=part["delta"].to_list(),
                mode="markers",
                marker={
                    "color": STATUS_COLOURS[status],
                    "size": 10,
                    "symbol": "circle-open" if status.startswith("open") else "circle",
                    "line": {"width": 2, "color": STATUS_COLOURS[status]},
                },
                customdata=part.select(
                    "request_id", "kind", _str("deadline"), _str("completed_on").fill_null("—")
                ).rows(),
                hovertemplate="%{customdata[0]} (%{customdata[1]})<br>"
                + word("received", lang)
                + " %{x|%Y-%m-%d} · "
                + word("deadline", lang)
                + " %{customdata[2]} · %{customdata[3]}<br>%{y:+d}<extra></extra>",
            )
        )
    fig.add_hline(
        y=0,
        line={"color": "#333333", "dash": "dash", "width": 1},
        annotation_text=word("deadline", lang),
        annotation_position="top left",
    )
    fig.update_layout(yaxis_title=word("response_axis", lang))
    fig.update_xaxes(title=word("received", lang), tickformat="%Y-%m")
    return fig


# ---- history -------------------------------------------------------------------------------------
def audit_trend(trend: pl.DataFrame, *, lang: str = "en") -> go.Figure:
    """Open findings by area per audit run (stacked bars), with new and resolved findings since the
    previous run below. `trend` comes from `auditkit.history.trend`."""
    runs = trend.select("run", "label").unique().sort("run") if not trend.is_empty() else trend
    sub = word("trend_sub", lang) if runs.height != 1 else word("one_run", lang)
    fig = _figure("audit_trend", word("trend", lang), sub, height=520)
    if trend.is_empty():
        return _nothing(fig, lang)
    grid = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06
    )
    fig = _figure("audit_trend", word("trend", lang), sub, height=520, base=grid)
    labels = runs["label"].to_list()
    for area in AREAS:
        part = trend.filter(pl.col("area") == area).sort("run")
        if not part["open"].sum():
            continue
        fig.add_trace(
            go.Bar(
                name=word(area, lang),
                x=labels,
                y=part["open"].to_list(),
                marker_color=AREA_COLOURS[area],
                customdata=part.select("new", "resolved", "still_open").rows(),
                hovertemplate="%{x}: %{y}<br>"
                + word("new", lang)
                + " %{customdata[0]} · "
                + word("resolved", lang)
                + " %{customdata[1]}<extra>"
                + word(area, lang)
                + "</extra>",
            ),
            row=1,
            col=1,
        )
    totals = trend.group_by("run").agg(pl.col("new").sum(), pl.col("resolved").sum()).sort("run")
    for key, colour, sign in (("new", SEVERITY_COLOURS["high"], 1), ("resolved", "#1a9850", -1)):
        fig.add_trace(
            go.Bar(
                name=word(key, lang),
                x=labels,
                y=[sign * v for v in totals[key]],
                marker_color=colour,
                customdata=totals[key].to_list(),
                hovertemplate="%{x}: %{customdata} " + word(key, lang) + "<extra></extra>",
            ),
            row=2,
            col=1,
        )
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=word("open_findings", lang), row=1, col=1)
    fig.update_yaxes(title_text=f"{word('new', lang)} / {word('resolved', lang)}", row=2, col=1)
    fig.update_xaxes(type="category")
    fig.update_xaxes(title_text=word("run", lang), row=2, col=1)
    return fig


# ---- a table -------------------------------------------------------------------------------------
_TINTS = {"critical": "#f6d5dc", "high": "#fde0d3", "medium": "#fef0dc", "low": "#e3eef7"}


def findings_table(
    findings: pl.DataFrame,
    *,
    limit: int = 25,
    evidence: bool = False,
    title: str | None = None,
    lang: str = "en",
) -> go.Figure:
    """A scrollable table of the most serious findings: severity first, then the longest overdue.

    `evidence=True` is the view of one rule's findings: severity, rule and table give way to each
    finding's evidence as `key: value` lines."""
    top = findings.sort(
        ["severity", "days_overdue", "occurred_at", "rule", "record_id"],
        descending=[False, True, False, False, False],
        nulls_last=True,
    ).head(limit)
    fig = _figure(
        "findings_table",
        title or word("table", lang),
        word("of", lang, shown=top.height, total=findings.height),
        height=min(820, 180 + (70 if evidence else 46) * max(top.height, 1)),
    )
    if top.is_empty():
        return _nothing(fig, lang)
    severity = top["severity"].cast(pl.String).to_list()
    columns = {
        "severity": [word(s, lang) for s in severity],
        "rule": top["rule"].to_list(),
        "table_col": top["table"].to_list(),
        "record": top["record_id"].to_list(),
        "subject": top["subject_id"].to_list(),
        "occurred": top["occurred_at"].cast(pl.String).to_list(),
        "overdue": top["days_overdue"].cast(pl.String).to_list(),
        "message": top["message"].to_list(),
    }
    widths = [70, 60, 110, 90, 70, 80, 70, 400]
    if evidence:
        # One rule's findings: its severity, rule and table are in the title; the evidence instead.
        for key in ("severity", "rule", "table_col"):
            del columns[key]
        columns["evidence"] = [_evidence_lines(raw) for raw in top["evidence"]]
        widths = [80, 70, 80, 60, 330, 330]
    fig.add_trace(
        go.Table(
            columnwidth=widths,
            header={
                "values": [f"<b>{word(k, lang)}</b>" for k in columns],
                "fill_color": "#e8e8e8",
                "align": "left",
            },
            cells={
                # NOTE: Plotly reads `<` in cells as markup: values are escaped, then `<br>` added.
                "values": [[_plain(v) for v in values] for values in columns.values()],
                "fill_color": [[_TINTS[s] for s in severity]],
                "align": "left",
                "height": 26,
            },
        )
    )
    fig.update_layout(margin={"l": 10, "r": 10, "b": 10})
    return fig


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # evidence lines
        return "<br>".join(_plain(v) for v in value)
    return html.escape(str(value), quote=False)


def _evidence_lines(raw: str | None) -> list[str]:
    """A finding's evidence as `key: value` lines (lists joined with commas)."""
    if not raw:
        return []
    try:
        facts = json.loads(raw)
    except ValueError:
        return [raw]
    if not isinstance(facts, dict):
        return [str(facts)]
    lines = []
    for key, value in facts.items():
        if value is None:
            continue
        if isinstance(value, list):
            shown = ", ".join(map(str, value)) or "—"
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
        lines.append(f"{key}: {shown}")
    return lines


__all__ = [
    "AREA_COLOURS",
    "CHANNEL_COLOURS",
    "CHARTS",
    "ISO3",
    "LAWFUL_COLOURS",
    "SAFEGUARD_COLOURS",
    "SEVERITY_COLOURS",
    "audit_trend",
    "chart_name",
    "consent_coverage",
    "consent_states",
    "deletion_calendar",
    "disclosure_sankey",
    "findings_by_area",
    "findings_over_time",
    "findings_table",
    "marketing_without_consent",
    "request_response_times",
    "request_timeline",
    "retention_aging",
    "summary",
    "third_country_transfers",
    "top_rules",
    "transfer_map",
    "word",
]
