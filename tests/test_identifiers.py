from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus

from auditkit.rules.identifiers import (
    HETU_CHECK_ALPHABET,
    find_hetus,
    hetu_valid,
    mask_hetu,
    mask_hetu_whole,
    may_hold_hetu,
    vin_valid,
    ytunnus_valid,
)

AS_OF = date(2026, 1, 15)
SIGNS = "+-YXWVUABCDEF"
CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}
TOKEN = re.compile(r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]")


def code(ddmmyy: str, sign: str, individual: str) -> str:
    """A code with the right check character."""
    return f"{ddmmyy}{sign}{individual}{HETU_CHECK_ALPHABET[int(ddmmyy + individual) % 31]}"


def _column(values: list[str | None], expr_of: Callable[[pl.Expr], pl.Expr]) -> list[object]:
    frame = pl.LazyFrame({"x": values}, schema={"x": pl.String})
    return frame.select(expr_of(pl.col("x"))).collect(engine="streaming")["x"].to_list()


# --- the oracles --------------------------------------------------------------------------------


def oracle_hetu(value: str, as_of: date) -> bool:
    """stdnum decides what follows the raw shape; the shape and the as-of test are ours."""
    if not TOKEN.fullmatch(value):
        return False
    if not stdnum_hetu.is_valid(value, allow_temporary=True):
        return False
    born = date(CENTURY[value[6]] + int(value[4:6]), int(value[2:4]), int(value[0:2]))
    return born <= as_of


def oracle_ytunnus(value: str) -> bool:
    return re.fullmatch(r"[0-9]{7}-[0-9]", value) is not None and stdnum_ytunnus.is_valid(value)


def _letter_or_digit(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or category == "Nd"


def oracle_find(text: str, as_of: date) -> list[str]:
    """Every position, overlapping ones included: the plain reading of DAT002."""
    found = []
    for start in range(len(text) - 10):
        candidate = text[start : start + 11]
        if not TOKEN.fullmatch(candidate):
            continue
        if start > 0 and _letter_or_digit(text[start - 1]):
            continue
        if start + 11 < len(text) and _letter_or_digit(text[start + 11]):
            continue
        if oracle_hetu(candidate, as_of):
            found.append(candidate)
    return found


# --- strategies ---------------------------------------------------------------------------------

digits = st.text("0123456789", min_size=1, max_size=1)


@st.composite
def shaped_codes(draw: st.DrawFn) -> str:
    """Well-shaped codes: random (often impossible) dates; half with the right check character."""
    day = draw(st.integers(1, 28) | st.integers(0, 32))
    month = draw(st.integers(1, 12) | st.integers(0, 13))
    yy = draw(st.integers(0, 99))
    sign = draw(st.sampled_from(SIGNS))
    individual = draw(st.sampled_from([0, 1, 2, 3, 899, 900, 999]) | st.integers(0, 999))
    body = f"{day:02d}{month:02d}{yy:02d}"
    if draw(st.booleans()):
        return code(body, sign, f"{individual:03d}")
    return f"{body}{sign}{individual:03d}{draw(st.sampled_from(HETU_CHECK_ALPHABET + 'GIOQZ'))}"


@st.composite
def mutated_codes(draw: st.DrawFn) -> str:
    value = draw(shaped_codes())
    kind = draw(st.sampled_from(["lower", "pad", "newline", "replace", "delete", "insert"]))
    if kind == "lower":
        return value.lower()
    if kind == "pad":
        return " " + value if draw(st.booleans()) else value + " "
    if kind == "newline":
        return value + "\n"
    at = draw(st.integers(0, len(value) - 1))
    char = draw(st.sampled_from("0123456789-+AZafuy ä٣_"))
    if kind == "replace":
        return value[:at] + char + value[at + 1 :]
    if kind == "delete":
        return value[:at] + value[at + 1 :]
    return value[:at] + char + value[at:]


as_of_dates = st.dates(date(1899, 1, 1), date(2030, 12, 31))


# --- hetu_valid ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(shaped_codes() | mutated_codes(), min_size=1, max_size=40), as_of=as_of_dates
)
def test_hetu_valid_agrees_with_stdnum(values: list[str], as_of: date) -> None:
    got = _column(values, lambda e: hetu_valid(e, as_of))
    assert got == [oracle_hetu(v, as_of) for v in values]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("131052-308T", True),
        ("131052-308t", False),  # a lower-case check character fails
        (" 131052-308T", False),  # never trimmed
        ("131052-308T ", False),
        ("131052-308T\n", False),
        ("131052_308T", False),
        ("131052-308U", False),  # wrong check character
        (code("310252", "-", "308"), False),  # 31 February
        (code("290200", "-", "308"), False),  # 29 February 1900
        (code("290200", "A", "308"), True),  # 29 February 2000
        (code("290204", "B", "308"), True),  # new 2023 sign for the 2000s
        (code("010594", "Y", "903"), True),  # new 2023 sign for the 1900s, temporary number
        (code("010594", "U", "002"), True),
        (code("010594", "-", "001"), False),  # individual numbers start at 002
        (code("010594", "-", "000"), False),
        (code("010594", "-", "999"), True),
        (code("010101", "+", "123"), True),  # 1801
        (code("000101", "-", "123"), False),  # day 0
        (code("011301", "-", "123"), False),  # month 13
        ("", False),
    ],
)
def test_hetu_valid_examples(value: str, valid: bool) -> None:
    assert _column([value], lambda e: hetu_valid(e, AS_OF)) == [valid]


def test_hetu_valid_keeps_null() -> None:
    assert _column([None, "131052-308T"], lambda e: hetu_valid(e, AS_OF)) == [None, True]


def test_hetu_dated_after_as_of_is_invalid() -> None:
    born_later = code("160126", "A", "123")  # 16 January 2026
    born_on = code("150126", "A", "123")  # 15 January 2026
    assert _column([born_later, born_on], lambda e: hetu_valid(e, AS_OF)) == [False, True]
    assert _column([born_later], lambda e: hetu_valid(e, date(2026, 1, 16))) == [True]


def test_stdnum_knows_the_2023_century_signs() -> None:
    for sign in "YXWVUBCDEF":
        assert stdnum_hetu.is_valid(code("010594" if sign in "YXWVU" else "010504", sign, "123"))


# --- ytunnus_valid ------------------------------------------------------------------------------


@st.composite
def business_ids(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=7, max_size=7))
    value = f"{body}-{draw(digits)}"
    kind = draw(st.sampled_from(["plain", "plain", "plain", "space", "nodash", "fi", "short"]))
    if kind == "space":
        return " " + value
    if kind == "nodash":
        return value.replace("-", "")
    if kind == "fi":
        return "FI" + value.replace("-", "")
    if kind == "short":
        return value[1:]
    return value


@settings(max_examples=200, deadline=None)
@given(values=st.lists(business_ids(), min_size=1, max_size=40))
def test_ytunnus_valid_agrees_with_stdnum(values: list[str]) -> None:
    assert _column(values, ytunnus_valid) == [oracle_ytunnus(v) for v in values]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0984410-3", True),  # Allomeera Oy
        ("0984410-4", False),
        ("09844103", False),  # stdnum accepts it; the shape does not
        (" 0984410-3", False),
        ("2077474-0", True),  # remainder 0 → check digit 0
        ("0000001-0", False),  # weighted sum 2: check 9
        ("0000001-9", True),
    ],
)
def test_ytunnus_valid_examples(value: str, valid: bool) -> None:
    assert _column([value], ytunnus_valid) == [valid]


def test_ytunnus_remainder_one_is_invalid_whatever_the_digit() -> None:
    # The first body whose weighted sum leaves remainder 1: no check digit can be right.
    weights = (7, 9, 10, 5, 8, 4, 2)
    body = next(
        f"{n:07d}"
        for n in range(10_000_000)
        if sum(w * int(c) for w, c in zip(weights, f"{n:07d}", strict=True)) % 11 == 1
    )
    values = [f"{body}-{d}" for d in range(10)]
    assert _column(values, ytunnus_valid) == [False] * 10
    assert not any(stdnum_ytunnus.is_valid(v) for v in values)


def test_ytunnus_valid_keeps_null() -> None:
    assert _column([None], ytunnus_valid) == [None]


# --- vin_valid ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("WVWZZZ1JZXW000001", True),
        ("WVWZZZ1JZXW00000I", False),  # I
        ("WVWZZZ1JZXW00000O", False),  # O
        ("WVWZZZ1JZXW00000Q", False),  # Q
        ("wvwzzz1jzxw000001", False),  # lower case, as written
        ("WVWZZZ1JZXW00000Ä", False),
        ("WVWZZZ1JZX 000001", False),
        ("ABC123", True),  # a trailer's serial
        ("WVWZZZ1JZXW0000012", True),  # 18 characters: not a 17-character VIN
        ("", True),
        (None, None),
    ],
)
def test_vin_valid(value: str | None, valid: bool | None) -> None:
    assert _column([value], vin_valid) == [valid]


# --- find_hetus ---------------------------------------------------------------------------------

A = "131052-308T"
B = code("170869", "-", "020")
C = code("010504", "A", "903")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (A, [A]),
        (f"{A} at start", [A]),
        (f"at end {A}", [A]),
        (f"line one\n{A}\nline three", [A]),
        (f"id-{B}", [B]),
        ("id-170869-0018", []),  # right check character, but individual number 001
        (f"{A} {B}", [A, B]),
        (f"{A},{B}.{C}", [A, B, C]),
        (f"{A}x", []),  # followed by a letter
        (f"{A}Tx", []),
        (f"x{A}", []),
        (f"ä{A}", []),
        (f"٣{A}", []),  # an Arabic-Indic digit is a decimal digit
        (f"{A}é", []),
        (f"{A}字", []),
        (f"_{A}_", [A]),  # an underscore is neither letter nor digit
        (f"{A}\u0301", [A]),  # a combining mark is neither
        (f"Ⅷ{A}", [A]),  # a letter-number (Nl) is not a decimal digit
        (f"{A}²", [A]),  # nor is a superscript digit (No)
        ("1310521308T", []),
        ("131052-308T1", []),
        ("123456789012", []),  # a 12-digit run
        (f"1{A}", []),
        (f"{A}{A}", []),
        (f"{A}-{A}", [A, A]),
        (f"{A}+{A}", [A, A]),
        ("131052-308U", []),  # wrong check character
        (f"{A.lower()}", []),
        (f"131052-{B}", [B]),  # a candidate overlapping a later code does not hide it
        (f"111111-222222-{B}", [B]),
        (code("160126", "A", "123"), []),  # born after as_of
        ("", []),
    ],
)
def test_find_hetus_examples(text: str, found: list[str]) -> None:
    assert _column([text], lambda e: find_hetus(e, AS_OF)) == [found]
    assert oracle_find(text, AS_OF) == found


def test_find_hetus_keeps_null_and_returns_a_list_of_strings() -> None:
    frame = pl.LazyFrame({"x": [None, A]}, schema={"x": pl.String})
    out = frame.select(find_hetus(pl.col("x"), AS_OF)).collect(engine="streaming")
    assert out.schema["x"] == pl.List(pl.String)
    assert out["x"].to_list() == [None, [A]]


VALID_POOL = [
    A,
    B,
    C,
    code("290200", "A", "002"),
    code("010594", "Y", "999"),
    code("311299", "-", "500"),
]
FRAGMENTS = st.sampled_from(
    [*VALID_POOL, "131052-", "-308T", "308T", "123456", "1", "a", "T", "Y", "A", "-", "+", " ",
     "  ", "\n", ",", ".", "ä", "٣", "_", "\u0301", "Ⅷ", "²", "字", "😀", "\u00a0", "é", "Ω", "ß"]
)  # fmt: skip
texts = st.lists(
    FRAGMENTS
    | shaped_codes()
    | st.text(st.characters(max_codepoint=0x24F, exclude_categories=["Cs"]), max_size=3),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(texts, min_size=1, max_size=30),
    as_of=st.dates(date(1990, 1, 1), date(2030, 12, 31)),
)
def test_find_hetus_agrees_with_a_python_reference(values: list[str], as_of: date) -> None:
    got = _column(values, lambda e: find_hetus(e, as_of))
    assert got == [oracle_find(v, as_of) for v in values]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(texts, min_size=1, max_size=30),
    as_of=st.dates(date(1990, 1, 1), date(2030, 12, 31)),
)
def test_may_hold_hetu_is_true_wherever_find_hetus_finds_a_code(
    values: list[str], as_of: date
) -> None:
    """DAT002 runs find_hetus only where may_hold_hetu is true: it must never drop a code."""
    found = _column(values, lambda e: find_hetus(e, as_of))
    maybe = _column(values, may_hold_hetu)
    assert all(may for codes, may in zip(found, maybe, strict=True) if codes)


# --- masking ------------------------------------------------------------------------------------


def test_mask_hetu_keeps_the_date_and_sign() -> None:
    assert _column([A, None], mask_hetu) == ["131052-****", None]


def test_mask_hetu_whole_hides_everything() -> None:
    assert _column([A, None], mask_hetu_whole) == ["******-****", None]


def test_masked_codes_in_a_list() -> None:
    frame = pl.LazyFrame({"x": [f"{A} {B}"]})
    out = frame.select(find_hetus(pl.col("x"), AS_OF).list.eval(mask_hetu(pl.element()))).collect()
    assert out["x"].to_list() == [["131052-****", f"{B[:7]}****"]]
