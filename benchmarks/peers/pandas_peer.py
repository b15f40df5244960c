"""CON001 and CON002 the naive pandas way, for reference: `merge_asof` of messages onto the
consent events per (subject, purpose), the soft opt-in by a many-to-many merge with contracts.

Same conventions as the DuckDB peer (objection requests, the global objection, the stricter action
at one instant). Reads canonical Parquet or CSV files, or an auditkit-loaded register's frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.policy import Policy
from auditkit.register.schema import MARKETING_PURPOSES

CHANNEL_PURPOSE = {
    "email": "email_marketing",
    "sms": "sms_marketing",
    "automated_call": "automated_call_marketing",
    "phone": "phone_marketing",
    "post": "post_marketing",
}
OBJECTION_REQUEST_PURPOSES = (*MARKETING_PURPOSES, "profiling", "market_research")
RANK = {"grant": 1, "withdraw": 2, "object": 3}
COLUMNS = {
    "subjects": ["subject_id", "subject_type"],
    "contracts": ["subject_id", "kind", "signed_at", "closed_at"],
    "consents": ["subject_id", "purpose", "action", "recorded_at"],
    "communications": [
        "message_id",
        "subject_id",
        "channel",
        "category",
        "sent_at",
        "product_group",
    ],  # fmt: skip
    "requests": ["subject_id", "kind", "received_at"],
}
DATES = {"signed_at", "closed_at"}
INSTANTS = {"recorded_at", "sent_at", "received_at"}


def read_files(folder: Path, fmt: str) -> dict[str, pd.DataFrame]:
    """The tables the rules need, from canonical files."""
    frames = {}
    for table, columns in COLUMNS.items():
        path = folder / f"{table}.{fmt}"
        if not path.is_file():
            continue
        if fmt == "parquet":
            frame = pd.read_parquet(path, columns=columns)
        else:
            frame = pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False)
            frame = frame.replace("", None)
        frames[table] = _typed(frame)
    return frames


def from_register(register: Any) -> dict[str, pd.DataFrame]:
    """The tables the rules need, from an auditkit-loaded register."""
    return {
        table: _typed(register.table(table).select(columns).collect().to_pandas())
        for table, columns in COLUMNS.items()
        if register.has(table)
    }


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column in INSTANTS:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        elif column in DATES:
            frame[column] = pd.to_datetime(frame[column]).dt.normalize()
        else:
            frame[column] = frame[column].astype("string")
    return frame


def con_findings(frames: dict[str, pd.DataFrame], policy: Policy) -> dict[str, list[str]]:
    """CON001 and CON002: the message ids, sorted."""
    consent = policy.consent
    events = []
    if "consents" in frames:
        events.append(frames["consents"][["subject_id", "purpose", "action", "recorded_at"]])
    if "requests" in frames:
        requests = frames["requests"]
        objections = requests[requests["kind"] == "objection"]
        for purpose in OBJECTION_REQUEST_PURPOSES:
            events.append(
                pd.DataFrame(
                    {
                        "subject_id": objections["subject_id"],
                        "purpose": purpose,
                        "action": "object",
                        "recorded_at": objections["received_at"],
                    }
                )
            )
    events = (
        pd.concat(events, ignore_index=True)
        if events
        else pd.DataFrame(columns=["subject_id", "purpose", "action", "recorded_at"])
    )
    if consent.objection_is_global:
        objecting = events[
            (events["action"] == "object") & events["purpose"].isin(MARKETING_PURPOSES)
        ]
        spread = [objecting.assign(purpose=purpose) for purpose in MARKETING_PURPOSES]
        events = pd.concat([events, *spread], ignore_index=True)
    events = events.astype({"subject_id": "string", "purpose": "string", "action": "string"})
    events["rank"] = events["action"].map(RANK)
    state = (
        events.groupby(["subject_id", "purpose", "recorded_at"], as_index=False)["rank"]
        .max()
        .sort_values("recorded_at")
    )
    categories = ["marketing", "research"] if consent.research_is_marketing else ["marketing"]
    messages = frames["communications"]
    messages = messages[messages["category"].isin(categories)].copy()
    messages["purpose"] = messages["channel"].map(CHANNEL_PURPOSE).astype("string")
    judged = pd.merge_asof(
        messages.sort_values("sent_at"),
        state,
        left_on="sent_at",
        right_on="recorded_at",
        by=["subject_id", "purpose"],
        direction="backward",
    )
    con002 = judged.loc[judged["rank"] >= 2, "message_id"]

    subjects = frames["subjects"].drop_duplicates("subject_id", keep="first")
    persons = set(subjects.loc[subjects["subject_type"] == "person", "subject_id"])
    candidates = judged[
        judged["rank"].isna()
        & judged["channel"].isin(["email", "sms", "automated_call"])
        & judged["subject_id"].isin(persons)
    ].copy()
    candidates["sent_on"] = (
        candidates["sent_at"].dt.tz_convert(policy.timezone).dt.tz_localize(None).dt.normalize()
    )
    soft: set[str] = set()
    if consent.soft_opt_in and "contracts" in frames:
        groups = candidates["product_group"].str.strip()
        eligible = candidates[groups.isin(consent.own_product_groups)]
        contracts = frames["contracts"]
        contracts = contracts[contracts["kind"].isin(consent.soft_opt_in_kinds)]
        pairs = eligible.merge(contracts, on="subject_id")
        qualifies = pairs["signed_at"] <= pairs["sent_on"]
        max_age = consent.soft_opt_in_max_age
        if max_age is not None:
            limit = (
                pairs["closed_at"]
                + pd.DateOffset(years=max_age.years, months=max_age.months)
                + pd.Timedelta(days=max_age.weeks * 7 + max_age.days)
            )
            qualifies &= pairs["closed_at"].isna() | (pairs["sent_on"] <= limit)
        soft = set(pairs.loc[qualifies, "message_id"])
    con001 = candidates.loc[~candidates["message_id"].isin(soft), "message_id"]
    return {"CON001": sorted(con001), "CON002": sorted(con002)}
