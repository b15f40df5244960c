"""Chart builders: pure functions from findings (or register frames) to Plotly figures.

The figures are read back the way a browser would draw them: trace names, x/y values, colours,
titles. Every figure names itself in `layout.meta["chart"]`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest

from auditkit import charts
from auditkit.errors import UsageError
from auditkit.findings import FINDINGS_SCHEMA, sort_findings
from auditkit.register.loader import load_register
from auditkit.rules import RULES
from tests.builders import AS_OF, make_policy, write_register


def make_findings(*rows: dict[str, Any]) -> pl.DataFrame:
    """A findings frame: each row names its rule; the rest defaults (area and severity from the
    catalogue)."""
    full = []
    for i, row in enumerate(rows):
        rule = RULES[row["rule"]]
        evidence = row.get("evidence", {})
        full.append(
            {
                "finding_id": f"f{i:04d}",
                "area": rule.area,
                "severity": rule.severity,
                "table": "subjects",
                "record_id": f"R{i}",
                "subject_id": f"S{i}",
                "source_row": i + 2,
                "occurred_at": None,
                "due_at": None,
                "days_overdue": None,
                "message": f"finding {i}",
                **row,
                "evidence": json.dumps(evidence, sort_keys=True),
            }
        )
    frame = (
        pl.DataFrame(full, schema=FINDINGS_SCHEMA) if full else pl.DataFrame(schema=FINDINGS_SCHEMA)
    )
    return sort_findings(frame)


def trace(fig: go.Figure, name: str) -> Any:
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def nothing_to_show(fig: go.Figure) -> bool:
    return any("Nothing to show" in (a.text or "") for a in fig.layout.annotations)


# ---- the audit result ----------------------------------------------------------------------------
def test_findings_by_area_stacks_severities_over_all_five_areas_in_catalogue_order() -> None:
    findings = make_findings(
        {"rule": "CON002"}, {"rule": "CON002"}, {"rule": "CON001"}, {"rule": "RET002"}
    )
    fig = charts.findings_by_area(findings)
    assert charts.chart_name(fig) == "findings_by_area"
    assert fig.layout.barmode == "stack"
    critical, high, medium = trace(fig, "critical"), trace(fig, "high"), trace(fig, "medium")
    assert list(critical.x) == ["retention", "consent", "disclosure", "requests", "data"]
    assert list(critical.y) == [0, 2, 0, 0, 0]
    assert list(high.y) == [0, 1, 0, 0, 0]
    assert list(medium.y) == [1, 0, 0, 0, 0]
    assert [t.name for t in fig.data] == ["critical", "high", "medium"]  # no empty "low" trace


def test_a_severity_has_the_same_colour_in_every_chart() -> None:
    findings = make_findings({"rule": "CON002"}, {"rule": "CON001"})
    by_area = charts.findings_by_area(findings)
    assert trace(by_area, "critical").marker.color == charts.SEVERITY_COLOURS["critical"]
    assert trace(by_area, "high").marker.color == charts.SEVERITY_COLOURS["high"]
    bars = charts.top_rules(findings).data[0]
    colours = dict(zip(bars.y, bars.marker.color, strict=True))
    assert colours["CON002 marketing-after-objection"] == charts.SEVERITY_COLOURS["critical"]
    assert colours["CON001 marketing-without-consent"] == charts.SEVERITY_COLOURS["high"]


def test_findings_over_time_counts_by_breach_month_and_says_how_many_lack_a_date() -> None:
    findings = make_findings(
        {"rule": "CON002", "occurred_at": date(2025, 3, 1)},
        {"rule": "CON002", "occurred_at": date(2025, 3, 31)},
        {"rule": "CON001", "occurred_at": date(2025, 4, 2)},
        {"rule": "DAT003"},
    )
    fig = charts.findings_over_time(findings)
    critical = trace(fig, "critical")
    assert list(critical.x) == [date(2025, 3, 1)] and list(critical.y) == [2]
    assert list(trace(fig, "high").x) == [date(2025, 4, 1)]
    assert "1 finding(s) without a date" in fig.layout.title.subtitle.text


def test_top_rules_puts_the_rule_with_most_findings_on_top_and_keeps_n() -> None:
    findings = make_findings(
        *[{"rule": "RET002"}] * 3, *[{"rule": "CON001"}] * 2, {"rule": "DAT003"}
    )
    bars = charts.top_rules(findings, n=2).data[0]
    # Plotly draws the last category on top.
    assert list(bars.y) == ["CON001 marketing-without-consent", "RET002 record-kept-past-retention"]
    assert list(bars.x) == [2, 3]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(1, "1–30 days"), (30, "1–30 days"), (31, "31–90 days"), (365, "181–365 days"),
     (366, "1–2 years"), (730, "1–2 years"), (731, "over 2 years")],
)  # fmt: skip
def test_retention_aging_puts_days_overdue_into_their_bucket(days: int, bucket: str) -> None:
    findings = make_findings({"rule": "RET001", "days_overdue": days})
    subjects = trace(charts.retention_aging(findings), "subjects (RET001)")
    assert dict(zip(subjects.x, subjects.y, strict=True))[bucket] == 1
    assert sum(subjects.y) == 1


def test_retention_aging_reads_only_ret001_and_ret002() -> None:
    findings = make_findings(
        {"rule": "RET002", "table": "contracts", "days_overdue": 10},
        {"rule": "DSR001", "days_overdue": 10},
    )
    fig = charts.retention_aging(findings)
    assert [t.name for t in fig.data] == ["contracts (RET002)"]
    assert sum(fig.data[0].y) == 1


def test_deletion_calendar_counts_records_per_week_starting_monday() -> None:
    calendar = pl.DataFrame(
        {
            "due_at": [date(2026, 7, 6), date(2026, 7, 12), date(2026, 7, 13), date(2026, 7, 8)],
            "table": ["contracts", "contracts", "contracts", "subjects"],
            "record_id": ["C1", "C2", "C3", "S1"],
            "subject_id": ["S1", "S2", "S3", "S1"],
            "reason": ["retention.records.offer (RET002)"] * 3 + ["retention (RET001)"],
        }
    )
    fig = charts.deletion_calendar(calendar)
    contracts = trace(fig, "contracts")
    assert list(contracts.x) == [date(2026, 7, 6), date(2026, 7, 13)]  # Mondays
    assert list(contracts.y) == [2, 1]
    assert list(trace(fig, "subjects").y) == [1]
    assert "4 record(s)" in fig.layout.title.subtitle.text


def test_marketing_without_consent_groups_con001_and_con002_by_campaign_from_the_evidence() -> None:
    findings = make_findings(
        {"rule": "CON002", "evidence": {"campaign_id": "SPRING"}},
        {"rule": "CON001", "evidence": {"campaign_id": "SPRING"}},
        {"rule": "CON001", "evidence": {"campaign_id": None}},
        {"rule": "CON003", "evidence": {"campaign_id": "SURVEY"}},
    )
    fig = charts.marketing_without_consent(findings)
    after_objection = trace(fig, "after objection or withdrawal (CON002)")
    no_consent = trace(fig, "no consent (CON001)")
    assert list(no_consent.y) == ["(no campaign)", "SPRING"]  # the biggest campaign on top
    assert list(no_consent.x) == [1, 1] and list(after_objection.x) == [0, 1]


# ---- the register: disclosures -------------------------------------------------------------------
def disclosures(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults = {
        "recipient": "Someone Oy",
        "purpose": "contract",
        "safeguard": "none",
        "data_categories": ["identity"],
        "disclosed_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    return pl.DataFrame(
        [{**defaults, "subject_id": "S1", **row} for row in rows],
        schema={
            "disclosure_id": pl.String,
            "subject_id": pl.String,
            "recipient": pl.String,
            "recipient_category": pl.String,
            "purpose": pl.String,
            "country": pl.String,
            "safeguard": pl.String,
            "data_categories": pl.List(pl.String),
            "disclosed_at": pl.Datetime("us", "UTC"),
        },
    )


def test_sankey_flows_from_data_category_to_recipient_to_country_red_where_a_dis_finding_is() -> (
    None
):
    frame = disclosures(
        {"disclosure_id": "D1", "recipient_category": "importer", "country": "fi",
         "data_categories": ["Contact", "vehicle"]},
        {"disclosure_id": "D2", "recipient_category": None, "country": "FI",
         "data_categories": []},
    )  # fmt: skip
    findings = make_findings({"rule": "DIS001", "table": "disclosures", "record_id": "D2"})
    sankey = charts.disclosure_sankey(frame, findings).data[0]
    labels = list(sankey.node.label)
    flows = {
        (labels[s], labels[t]): (v, c)
        for s, t, v, c in zip(
            sankey.link.source, sankey.link.target, sankey.link.value, sankey.link.color,
            strict=True,
        )
    }  # fmt: skip
    lawful, unlawful = "rgba(116,173,209,0.45)", "rgba(165,0,38,0.7)"
    assert flows[("contact", "importer")] == (1, lawful)
    assert flows[("vehicle", "importer")] == (1, lawful)
    assert flows[("importer", "FI")] == (1, lawful)
    assert flows[("(unknown)", "(no category)")] == (1, unlawful)
    assert flows[("(no category)", "FI")] == (1, unlawful)
    assert labels.count("FI") == 1  # "fi" and "FI" are one country


def test_transfer_map_shows_only_countries_outside_the_eea_by_safeguard() -> None:
    frame = disclosures(
        {"disclosure_id": "D1", "country": "JP", "safeguard": "adequacy"},
        {"disclosure_id": "D2", "country": "US", "safeguard": "none"},
        {"disclosure_id": "D3", "country": "US", "safeguard": "none"},
        {"disclosure_id": "D4", "country": "EL", "safeguard": "none"},  # Greece: inside
        {"disclosure_id": "D5", "country": None, "safeguard": "none"},
    )
    findings = make_findings({"rule": "DIS003", "table": "disclosures", "record_id": "D2"})
    fig = charts.transfer_map(frame, findings)
    none = trace(fig, "none")
    assert list(none.locations) == ["USA"] and none.locationmode == "ISO-3"
    assert [list(c) for c in none.customdata] == [[2, 1]]  # 2 disclosures, 1 with a finding
    assert list(trace(fig, "adequacy").locations) == ["JPN"]
    assert "1 without a country not shown" in fig.layout.title.subtitle.text
    assert charts.third_country_transfers(frame, findings).rows() == [
        ("JP", "adequacy", 1, 0),
        ("US", "none", 2, 1),
        (None, "none", 1, 0),
    ]


def test_iso3_covers_the_249_iso_3166_countries_one_to_one() -> None:
    assert len(charts.ISO3) == 249
    assert len(set(charts.ISO3.values())) == 249
    assert (charts.ISO3["FI"], charts.ISO3["DE"], charts.ISO3["GB"]) == ("FIN", "DEU", "GBR")


# ---- the register: consent and requests ----------------------------------------------------------
def test_consent_coverage_is_the_share_of_registered_subjects_with_a_grant_in_force() -> None:
    helsinki = "Europe/Helsinki"

    def instant(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    states = pl.DataFrame(
        {
            "subject_id": ["S1", "S1", "S2"],
            "purpose": ["email_marketing", "email_marketing", "sms_marketing"],
            "valid_from": [instant("2026-03-10T08:00"), instant("2026-05-31T20:59"),
                           instant("2026-01-01T08:00")],
            # 2026-05-31T20:59Z is 23:59 in Helsinki: the grant ends on 31 May, local time
            "valid_until": [instant("2026-05-31T20:59"), None, None],
            "state": ["grant", "object", "grant"],
        }
    )  # fmt: skip
    subjects = pl.DataFrame(
        {
            "subject_id": ["S1", "S2", "S3"],
            "created_at": [date(2020, 1, 1), date(2020, 1, 1), date(2026, 4, 15)],
            "erased_at": [None, None, None],
        },
        schema_overrides={"erased_at": pl.Datetime("us", "UTC")},
    )
    fig = charts.consent_coverage(states, subjects, as_of=AS_OF, timezone=helsinki, months=4)
    email = trace(fig, "e-mail")
    assert list(email.x) == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
                             date(2026, 5, 31), date(2026, 6, 30)]  # fmt: skip
    assert [c[0] for c in email.customdata] == [0, 1, 1, 0, 0]
    assert [c[1] for c in email.customdata] == [2, 2, 3, 3, 3]  # S3 registered in April
    assert email.y[1] == pytest.approx(50.0) and email.y[2] == pytest.approx(100 / 3)
    assert [c[0] for c in trace(fig, "SMS").customdata] == [1, 1, 1, 1, 1]


def test_consent_states_count_an_objection_request_as_the_rules_do(tmp_path) -> None:
    policy = make_policy()
    root = write_register(
        tmp_path / "register",
        {
            "subjects": [{"subject_id": "S1"}],
            "consents": [{"event_id": "E1", "subject_id": "S1", "purpose": "email_marketing",
                          "action": "grant", "recorded_at": "2025-01-01T10:00:00"}],
            "requests": [{"request_id": "Q1", "subject_id": "S1", "kind": "objection",
                          "received_at": "2025-06-01T10:00:00"}],
        },
    )  # fmt: skip
    register = load_register(root, timezone=policy.timezone)
    states = charts.consent_states(register, policy, AS_OF)
    email = states.filter(pl.col("purpose") == "email_marketing").sort("valid_from")
    assert email["state"].to_list() == ["grant", "object"]


def test_request_response_times_place_each_request_against_its_own_deadline(tmp_path) -> None:
    policy = make_policy()
    root = write_register(
        tmp_path / "register",
        {
            "subjects": [{"subject_id": "S1"}],
            "requests": [
                # received Thu 15 Jan 2026: due Mon 16 Feb (15 Feb is a Sunday)
                {"request_id": "ON_TIME", "subject_id": "S1", "kind": "access",
                 "received_at": "2026-01-15T10:00:00", "completed_at": "2026-02-16T10:00:00"},
                {"request_id": "LATE", "subject_id": "S1", "kind": "access",
                 "received_at": "2026-01-15T10:00:00", "completed_at": "2026-02-17T10:00:00"},
                {"request_id": "OPEN_LATE", "subject_id": "S1", "kind": "erasure",
                 "received_at": "2026-01-15T10:00:00"},
                {"request_id": "OPEN", "subject_id": "S1", "kind": "access",
                 "received_at": "2026-06-20T10:00:00"},
            ],
        },
    )  # fmt: skip
    register = load_register(root, timezone=policy.timezone)
    timeline = charts.request_timeline(register, policy, AS_OF)
    fig = charts.request_response_times(timeline, as_of=AS_OF)
    points = {t.name: {c[0]: y for c, y in zip(t.customdata, t.y, strict=True)} for t in fig.data}
    assert points["answered in time"] == {"ON_TIME": 0}
    assert points["answered late"] == {"LATE": 1}
    assert points["open, overdue"] == {"OPEN_LATE": (AS_OF - date(2026, 2, 16)).days}
    assert points["open, within the deadline"]["OPEN"] < 0


def test_request_timeline_of_a_register_without_requests_is_empty_and_the_chart_says_so(
    tmp_path,
) -> None:
    policy = make_policy()
    root = write_register(tmp_path / "register", {"subjects": [{"subject_id": "S1"}]})
    timeline = charts.request_timeline(load_register(root), policy, AS_OF)
    assert timeline.is_empty()
    assert nothing_to_show(charts.request_response_times(timeline, as_of=AS_OF))


# ---- history, table, words -----------------------------------------------------------------------
def test_audit_trend_stacks_open_findings_by_area_and_shows_new_and_resolved_per_run() -> None:
    trend = pl.DataFrame(
        {
            "run": [0, 0, 1, 1],
            "label": ["2026-03-31", "2026-03-31", "2026-06-30", "2026-06-30"],
            "area": ["retention", "consent", "retention", "consent"],
            "open": [3, 1, 2, 0],
            "new": [3, 1, 1, 0],
            "resolved": [0, 0, 2, 1],
            "still_open": [0, 0, 1, 0],
        }
    )
    fig = charts.audit_trend(trend)
    assert list(trace(fig, "retention").y) == [3, 2]
    assert list(trace(fig, "consent").y) == [1, 0]
    assert list(trace(fig, "new").y) == [4, 1]
    assert list(trace(fig, "resolved").y) == [0, -3]  # drawn below the axis
    assert list(trace(fig, "retention").x) == ["2026-03-31", "2026-06-30"]
    one_run = charts.audit_trend(trend.filter(pl.col("run") == 0))
    assert "Only one audit run" in one_run.layout.title.subtitle.text


def test_findings_table_lists_critical_first_then_the_longest_overdue_up_to_the_limit() -> None:
    findings = make_findings(
        {"rule": "RET001", "days_overdue": 10, "record_id": "A"},
        {"rule": "RET001", "days_overdue": 400, "record_id": "B"},
        {"rule": "CON002", "record_id": "C"},
    )
    fig = charts.findings_table(findings, limit=2)
    cells = fig.data[0].cells.values
    assert list(cells[3]) == ["C", "B"]  # the record column
    assert "2 of 3 findings" in fig.layout.title.subtitle.text


EMPTY = make_findings()
EMPTY_CALENDAR = pl.DataFrame(
    schema={"due_at": pl.Date, "table": pl.String, "record_id": pl.String,
            "subject_id": pl.String, "reason": pl.String}
)  # fmt: skip


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.findings_by_area(EMPTY),
        lambda: charts.findings_over_time(EMPTY),
        lambda: charts.top_rules(EMPTY),
        lambda: charts.retention_aging(EMPTY),
        lambda: charts.deletion_calendar(EMPTY_CALENDAR),
        lambda: charts.marketing_without_consent(EMPTY),
        lambda: charts.disclosure_sankey(disclosures(), EMPTY),
        lambda: charts.transfer_map(disclosures(), EMPTY),
        lambda: charts.findings_table(EMPTY),
        lambda: charts.audit_trend(pl.DataFrame(schema={"run": pl.Int64, "label": pl.String})),
    ],
    ids=["by_area", "over_time", "top_rules", "aging", "calendar", "no_consent", "sankey", "map",
         "table", "trend"],
)  # fmt: skip
def test_a_chart_with_nothing_to_show_says_so(build) -> None:
    fig = build()
    assert nothing_to_show(fig)
    assert charts.chart_name(fig) in charts.CHARTS


def test_charts_speak_finnish_and_refuse_an_unknown_language() -> None:
    findings = make_findings({"rule": "RET002"})
    fig = charts.findings_by_area(findings, lang="fi")
    assert fig.layout.title.text == "Havainnot alueittain ja vakavuuden mukaan"
    assert [t.name for t in fig.data] == ["kohtalainen"]
    assert list(fig.data[0].x)[0] == "säilytys"
    with pytest.raises(UsageError, match="unknown report language"):
        charts.findings_by_area(findings, lang="sv")


def test_summary_tiles_count_findings_critical_high_subjects_and_rules() -> None:
    findings = make_findings(
        {"rule": "CON002", "subject_id": "S1"},
        {"rule": "CON001", "subject_id": "S1"},
        {"rule": "DAT001", "subject_id": None},
    )
    values = [t.value for t in charts.summary(findings).data]
    assert values == [3, 1, 1, 1, 3]


def test_findings_table_of_one_rule_shows_the_evidence_as_lines_and_escapes_markup() -> None:
    findings = make_findings(
        {"rule": "DAT005", "message": "a <b>bold</b> claim",
         "evidence": {"members": ["S1", "S2"], "shared": "email", "note": None}},
    )  # fmt: skip
    table = charts.findings_table(findings, evidence=True, title="DAT005").data[0]
    assert [h.replace("<b>", "").replace("</b>", "") for h in table.header.values] == [
        "Record", "Subject", "Began", "Days overdue", "What is wrong", "Evidence",
    ]  # fmt: skip
    assert list(table.cells.values[-1]) == ["members: S1, S2<br>shared: email"]
    assert list(table.cells.values[-2]) == ["a &lt;b&gt;bold&lt;/b&gt; claim"]
