"""Personal data in reports: identity codes masked, protected addresses withheld, keyed pseudonyms.

Every report (Excel, HTML) passes what it shows through one `Protector` first. The functions work on
Polars frames (the findings, the deletion calendar, any frame with String columns) and on lists of
strings (headers, triage comments read back from an earlier workbook), always with the same rules:

- **Identity codes are never shown.** Every String value is scanned for the identity-code shape
  (`[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]`, the shape of `auditkit.rules.identifiers.HETU_SHAPE`,
  valid or not, anywhere in the text but inside a longer run of digits): `131052-308T` →
  `131052-****`; when pseudonymising the whole code goes (`******-****`), since the birth date
  identifies too (`mask_identity_codes`, `mask_identity_codes_in`).
- **A protected subject's address is never shown** (turvakielto, notice §8): each protected
  subject's `street_address` found in any String value is replaced by a marker. This needs the
  register (`People.from_register`); without it only the shapes above are caught.
- **Control characters** that XML cannot carry (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) are
  removed, so a hostile value cannot break the file.
- **Pseudonymising** (with a key; for a report that leaves the company): subject ids, the
  subjects' names, e-mail addresses and phone numbers become keyed pseudonyms, `S-`/`N-`/`E-`/`T-`
  and the first 16 hex digits of HMAC-SHA256(key, kind + ":" + value). The same key gives the
  same pseudonyms in every run (triage carries over); another key gives others; the key is never
  written anywhere.
  Subject ids are replaced in the `subject_id` column and wherever they appear as a whole token in
  text (messages, record ids such as RET001's, evidence lists such as DAT005's members); e-mail
  addresses and phone numbers (`+358 40 123 4567`, `040-123 4567`) by their shape and, with the
  register, by their known values; names only with the register (known values, as whole tokens).
  `finding_id` becomes the keyed HMAC of `RULE|table|record_id` (`auditkit.findings.finding_ids`
  with `key=`), keeping any `#2` suffix. Evidence stays valid JSON: it is decoded and only its
  string values are rewritten (keys, numbers and their order kept). The key file holds at least
  16 bytes (`read_key`): customer numbers are few, and a short key could be found by trying.

API::

    key = read_key("auditor.key")                  # bytes; AuditkitError (exit 2) if unusable
    people = People.from_register(register)        # optional: names, contacts, protected addresses
    protector = Protector(key=key, people=people)  # key=None: mask and withhold only
    findings = protector.findings(result.findings) # same columns and order, finding_id keyed
    calendar = protector.frame(result.deletion_calendar)
    texts = protector.strings(["free text", ...])  # the same rules for loose strings
    protector.pseudonym("subject", "100056")       # 'S-…' (ValueError without a key)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from auditkit.errors import UsageError
from auditkit.findings import finding_ids
from auditkit.rules.identifiers import HETU_MASK

if TYPE_CHECKING:
    from auditkit.register.loader import Register

MIN_KEY_BYTES = 16
# The identity-code shape wherever it stands, except inside a longer run of digits
# (`V0019721-10082` is a record id, not a code). Rust's regex has no look-around: the boundary
# characters are captured and put back.
HETU_IN_TEXT = r"(^|[^0-9])([0-9]{6}[-+A-FU-Y])[0-9]{3}[0-9A-Y]($|[^0-9])"
HETU_IN_TEXT_RE = re.compile(r"(?<![0-9])([0-9]{6}[-+A-FU-Y])[0-9]{3}[0-9A-Y](?![0-9])")
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
PHONE = r"\+[0-9][0-9 \-]{6,16}[0-9]|\b0[0-9]{1,3}[ \-]?[0-9]{3}[ \-]?[0-9]{3,4}\b"
# A token: letters, digits, `_`, `+`, `-`, with inner (not trailing) dots and @ signs.
TOKEN = r"([\p{L}\p{N}_+\-]+(?:[.@][\p{L}\p{N}_+\-]+)*)"
# Evidence keys whose values are subject ids (DAT005's group, DAT004's reference).
SUBJECT_KEYS = frozenset({"members", "subject_id", "subject_ids", "subjects"})
PREFIX = {"subject": "S", "name": "N", "email": "E", "phone": "T"}
_OPEN, _CLOSE = "\x01", "\x02"  # token fences; control characters are removed before they are used


def mask_identity_codes(expr: pl.Expr, *, whole: bool = False) -> pl.Expr:
    """Every identity-code shape in a String expression masked: `131052-****`, or `******-****`
    whole (for pseudonymised output)."""
    replacement = "${1}" + (HETU_MASK if whole else "${2}****") + "${3}"
    # NOTE: twice: a code one character after another shares its boundary character with the
    # first match, so the first pass skips it.
    return expr.str.replace_all(HETU_IN_TEXT, replacement).str.replace_all(
        HETU_IN_TEXT, replacement
    )


def mask_identity_codes_in(text: str, *, whole: bool = False) -> str:
    """The same for one Python string."""
    return HETU_IN_TEXT_RE.sub(HETU_MASK if whole else r"\1****", text)


def read_key(path: str | Path) -> bytes:
    """The pseudonymisation key: the bytes of a file (at least 16). Never echoed, never written."""
    file = Path(path)
    try:
        key = file.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError("no such key file", file=str(file)) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the key file ({exc.strerror})", file=str(file)) from exc
    if not key.strip():
        raise UsageError(
            "the key file is empty",
            file=str(file),
            hint="create one with: head -c 32 /dev/urandom > KEYFILE (and keep it out of reports)",
        )
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(
            f"the key is too short ({len(key)} bytes, at least {MIN_KEY_BYTES})",
            file=str(file),
            hint="create one with: head -c 32 /dev/urandom > KEYFILE",
        )
    return key


@dataclass(frozen=True)
class People:
    """What the register knows about its subjects that a report must not show as it is."""

    subject_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    protected_addresses: tuple[str, ...] = ()

    @classmethod
    def from_register(cls, register: Register) -> People:
        if not register.has("subjects"):
            return cls()
        frame = (
            register.table("subjects")
            .select(
                pl.col("subject_id"),
                pl.col("first_name"),
                pl.col("last_name"),
                pl.col("email"),
                pl.col("phone"),
                pl.col("street_address"),
                pl.col("protected").fill_null(False),
            )
            .collect()
        )
        parts = (
            pl.concat([frame["first_name"], frame["last_name"]])
            .drop_nulls()
            .str.extract_all(r"[\p{L}\p{N}'’\-]+")
            .explode()
            .drop_nulls()
        )
        protected = frame.filter(pl.col("protected"))["street_address"].drop_nulls()
        return cls(
            subject_ids=_unique(frame["subject_id"]),
            names=_unique(parts.filter(parts.str.len_chars() >= 2)),
            emails=_unique(frame["email"].str.strip_chars()),
            phones=_unique(frame["phone"].str.strip_chars()),
            protected_addresses=_unique(protected.str.strip_chars()),
        )


def _unique(series: pl.Series) -> tuple[str, ...]:
    values = series.drop_nulls()
    return tuple(sorted(v for v in values.unique().to_list() if v))


@dataclass
class Protector:
    """Masks, withholds and (with a key) pseudonymises; see the module docstring."""

    key: bytes | None = None
    people: People = field(default_factory=People)
    withheld: str = "[address withheld]"
    _cache: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @property
    def pseudonymising(self) -> bool:
        return self.key is not None

    def pseudonym(self, kind: str, value: str) -> str:
        """The keyed pseudonym of one value: `S-` + 16 hex digits of HMAC-SHA256 for a subject."""
        if self.key is None:
            raise ValueError("pseudonyms need a key")
        cached = self._cache.get((kind, value))
        if cached is None:
            digest = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
            cached = self._cache[(kind, value)] = f"{PREFIX[kind]}-{digest[:16]}"
        return cached

    # -- frames ---------------------------------------------------------------------------------

    def findings(self, findings: pl.DataFrame) -> pl.DataFrame:
        """The findings frame made safe to show: same columns and order (extra columns kept)."""
        if findings.is_empty():
            return findings
        frame = findings
        if self.key is not None and "finding_id" in frame.columns:
            frame = frame.with_columns(
                finding_id=pl.Series(self._keyed_ids(frame), dtype=pl.String)
            )
        plain = [c for c in _string_columns(frame) if c not in ("finding_id", "evidence")]
        subject_ids = self._frame_subject_ids(frame)
        frame = self._apply(frame, plain, extra_ids=subject_ids)
        if "evidence" in frame.columns:
            frame = frame.with_columns(self._safe(pl.col("evidence")))
            frame = frame.with_columns(evidence=self._evidence(frame["evidence"], subject_ids))
        return frame

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Any frame (the deletion calendar, a summary table): every String column made safe."""
        if frame.is_empty():
            return frame
        return self._apply(frame, _string_columns(frame), extra_ids=self._frame_subject_ids(frame))

    def strings(self, values: Sequence[str | None]) -> list[str | None]:
        """Loose strings, with the same rules as the frames."""
        if not values:
            return []
        frame = pl.DataFrame({"value": list(values)}, schema={"value": pl.String})
        return self._apply(frame, ["value"], extra_ids=())["value"].to_list()

    # -- the steps ------------------------------------------------------------------------------

    def _apply(
        self, frame: pl.DataFrame, columns: list[str], extra_ids: Iterable[str]
    ) -> pl.DataFrame:
        if not columns:
            return frame
        ids = self._id_map(extra_ids)
        if ids and "subject_id" in columns:
            # NOTE: the id column is keyed from its raw value, before masking: a register keyed by
            # identity code would otherwise give every subject born on one day the same pseudonym.
            frame = frame.with_columns(
                pl.col("subject_id").replace_strict(ids, default=pl.col("subject_id"))
            )
            columns = [c for c in columns if c != "subject_id"]
        frame = frame.with_columns(self._safe(pl.col(c)) for c in columns)
        if self.key is None:
            return frame
        contacts = self._contact_map(frame, columns)
        tokens = {**self._name_map(), **ids}
        return frame.with_columns(self._pseudonymise(pl.col(c), contacts, tokens) for c in columns)

    def _safe(self, expr: pl.Expr) -> pl.Expr:
        """Control characters out, identity codes masked, protected addresses withheld."""
        expr = mask_identity_codes(
            expr.str.replace_all(CONTROL_CHARACTERS, ""), whole=self.key is not None
        )
        if self.key is not None:
            # NOTE: rules already mask codes they quote (DAT002: `010190-****`); the date part still
            # identifies, so a pseudonymised report hides those whole as well.
            expr = expr.str.replace_all(r"[0-9]{6}[-+A-FU-Y]\*{4}", HETU_MASK)
        addresses = self._address_variants()
        if addresses:
            expr = expr.str.replace_many(
                addresses,
                [self.withheld] * len(addresses),
                ascii_case_insensitive=True,
                leftmost=True,
            )
        return expr

    def _address_variants(self) -> list[str]:
        # NOTE: an address inside JSON text is escaped (quotes, backslashes): match that form too.
        variants = set()
        for address in self.people.protected_addresses:
            if len(address) >= 4:
                variants.add(address)
                variants.add(json.dumps(address, ensure_ascii=False)[1:-1])
        return sorted(variants, key=lambda v: (-len(v), v))

    def _pseudonymise(
        self,
        expr: pl.Expr,
        contacts: dict[str, str],
        tokens: dict[str, str],
    ) -> pl.Expr:
        if contacts:
            expr = expr.str.replace_many(list(contacts), list(contacts.values()), leftmost=True)
        if tokens:
            fenced = expr.str.replace_all(TOKEN, f"{_OPEN}${{1}}{_CLOSE}")
            expr = fenced.str.replace_many(
                [f"{_OPEN}{k}{_CLOSE}" for k in tokens],
                [f"{_OPEN}{v}{_CLOSE}" for v in tokens.values()],
            ).str.replace_all(f"[{_OPEN}{_CLOSE}]", "")
        return expr

    def _contact_map(self, frame: pl.DataFrame, columns: list[str]) -> dict[str, str]:
        """E-mail addresses and phone numbers, known or found by shape, longest first."""
        found: dict[str, str] = {}
        if frame.height:
            shapes = frame.select(
                pl.concat_list(pl.col(c).str.extract_all(EMAIL) for c in columns).alias("emails"),
                pl.concat_list(pl.col(c).str.extract_all(PHONE) for c in columns).alias("phones"),
            )
            for value in shapes["emails"].explode().drop_nulls().unique().to_list():
                found[value] = self.pseudonym("email", value.lower())
            for value in shapes["phones"].explode().drop_nulls().unique().to_list():
                found[value] = self.pseudonym("phone", _digits(value))
        for value in self.people.emails:
            found[value] = self.pseudonym("email", value.lower())
        for value in self.people.phones:
            if len(_digits(value)) >= 6:
                found[value] = self.pseudonym("phone", _digits(value))
        return dict(sorted(found.items(), key=lambda kv: (-len(kv[0]), kv[0])))

    def _name_map(self) -> dict[str, str]:
        if self.key is None:
            return {}
        return {name: self.pseudonym("name", name) for name in self.people.names}

    def _id_map(self, extra_ids: Iterable[str]) -> dict[str, str]:
        if self.key is None:
            return {}
        return {v: self.pseudonym("subject", v) for v in (*self.people.subject_ids, *extra_ids)}

    def _frame_subject_ids(self, frame: pl.DataFrame) -> list[str]:
        """Subject ids the frame itself names: its `subject_id` column and evidence subject keys."""
        if self.key is None:
            return []
        ids: set[str] = set()
        if "subject_id" in frame.columns:
            ids.update(frame["subject_id"].drop_nulls().unique().to_list())
        if "evidence" in frame.columns and frame["evidence"].dtype == pl.String:
            pattern = r'"(?:' + "|".join(sorted(SUBJECT_KEYS)) + r')":(\[[^\]]*\]|"[^"]*")'
            lists = frame["evidence"].str.extract_all(pattern).explode().drop_nulls()
            for item in lists.unique().to_list():
                value = json.loads(item.split(":", 1)[1])
                ids.update(v for v in (value if isinstance(value, list) else [value]) if v)
        return sorted(ids)

    def _keyed_ids(self, frame: pl.DataFrame) -> list[str]:
        """finding_ids(..., key=) of the original rule, table and record, keeping `#n` suffixes."""
        keyed = finding_ids(
            frame["rule"].to_list(),
            frame["table"].to_list(),
            frame["record_id"].to_list(),
            key=self.key,
        )
        out = []
        for new, old in zip(keyed, frame["finding_id"].to_list(), strict=True):
            base = new.split("#", 1)[0]
            out.append(base + ("#" + old.split("#", 1)[1] if old and "#" in old else ""))
        return out

    def _evidence(self, evidence: pl.Series, subject_ids: list[str]) -> pl.Series:
        """Evidence JSON with only its string values rewritten; keys, numbers and order kept."""
        if self.key is None:
            return evidence
        decoded: list[object] = []
        leaves: set[str] = set()
        for text in evidence.to_list():
            try:
                value = json.loads(text) if text is not None else None
            except ValueError:  # NOTE: not JSON after all: rewritten as text
                value = _Text(text)
            decoded.append(value)
            _collect_strings(value, leaves)
        if not leaves:
            return evidence
        unique = sorted(leaves)
        frame = pl.DataFrame({"value": unique}, schema={"value": pl.String})
        contacts = self._contact_map(frame, ["value"])
        tokens = {**self._name_map(), **self._id_map(subject_ids)}
        rewritten = frame.select(self._pseudonymise(pl.col("value"), contacts, tokens))["value"]
        mapping = dict(zip(unique, rewritten.to_list(), strict=True))
        out = [
            None
            if value is None
            else mapping[value.text]
            if isinstance(value, _Text)
            else json.dumps(
                _replace_strings(value, mapping), ensure_ascii=False, separators=(",", ":")
            )
            for value in decoded
        ]
        return pl.Series(evidence.name, out, dtype=pl.String)


@dataclass(frozen=True)
class _Text:
    """An evidence value that is not JSON."""

    text: str


def _collect_strings(value: object, into: set[str]) -> None:
    if isinstance(value, str):
        into.add(value)
    elif isinstance(value, _Text):
        into.add(value.text)
    elif isinstance(value, list):
        for item in value:
            _collect_strings(item, into)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_strings(item, into)


def _replace_strings(value: object, mapping: dict[str, str]) -> object:
    if isinstance(value, str):
        return mapping[value]
    if isinstance(value, list):
        return [_replace_strings(item, mapping) for item in value]
    if isinstance(value, dict):
        return {key: _replace_strings(item, mapping) for key, item in value.items()}
    return value


def _string_columns(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if dtype == pl.String]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit() or ch == "+")
