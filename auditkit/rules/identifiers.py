"""Identifier checks as Polars expressions: identity codes (henkilötunnus), business ids, VINs.

Every check compares the value as written: no trimming, no case folding. python-stdnum is the test
oracle (`stdnum.fi.hetu`, `stdnum.fi.ytunnus`), not the implementation: it normalises case and
spaces, which must not decide here.
"""

from __future__ import annotations

from datetime import date

import polars as pl

HETU_SHAPE = r"^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$"
HETU_CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"
HETU_CENTURIES: dict[str, int] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}
YTUNNUS_SHAPE = r"^[0-9]{7}-[0-9]$"
YTUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
VIN_17_SHAPE = r"^[0-9A-HJ-NPR-Z]{17}$"
HETU_MASK = "******-****"

_HETU_TOKEN = r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]"
# NOTE: Rust's Unicode `\w` (and so `\b`) is L, Nd plus marks, Nl, connector punctuation and a few
# more. Blanking `\w` minus L and Nd leaves `\b` exactly a change between L|Nd and anything else.
_WORD_BUT_NOT_LETTER_OR_DIGIT = r"[\w--\p{L}--\p{Nd}]"
_HETU_IN_TEXT = rf"\b{_HETU_TOKEN}\b"


def _int(expr: pl.Expr, offset: int, length: int) -> pl.Expr:
    return expr.str.slice(offset, length).cast(pl.Int64, strict=False)


def _keep_null(expr: pl.Expr, result: pl.Expr) -> pl.Expr:
    # NOTE: null in → null out; a non-null value that fails anywhere is False, never null.
    return pl.when(expr.is_not_null()).then(result.fill_null(False))


def hetu_valid(expr: pl.Expr, as_of: date) -> pl.Expr:
    """Whether a personal identity code is valid as written, born on or before `as_of`.

    Shape, century sign (`+` 1800s, `-YXWVU` 1900s, `A-F` 2000s), a real calendar date not after
    `as_of`, individual number 002-999 (900-999 temporary codes count) and the check character.
    """
    shaped = expr.str.contains(HETU_SHAPE)
    day, month, individual = _int(expr, 0, 2), _int(expr, 2, 2), _int(expr, 7, 3)
    century = expr.str.slice(6, 1).replace_strict(
        HETU_CENTURIES, default=None, return_dtype=pl.Int64
    )
    year = century + _int(expr, 4, 2)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    # NOTE: the date is checked as integers; building a pl.date from 31.02 would raise.
    real_date = month.is_between(1, 12) & day.is_between(1, days_in_month)
    limit = as_of.year * 10_000 + as_of.month * 100 + as_of.day
    not_after = year * 10_000 + month * 100 + day <= limit
    number = _int(expr, 0, 6) * 1000 + individual
    check = expr.str.slice(10, 1).replace_strict(
        {c: i for i, c in enumerate(HETU_CHECK_ALPHABET)}, default=None, return_dtype=pl.Int64
    )
    valid = shaped & real_date & not_after & individual.is_between(2, 999) & (check == number % 31)
    return _keep_null(expr, valid)


def ytunnus_valid(expr: pl.Expr) -> pl.Expr:
    """Whether a business id (Y-tunnus, `NNNNNNN-C`) is valid as written."""
    weighted = pl.sum_horizontal(
        [_int(expr, i, 1) * weight for i, weight in enumerate(YTUNNUS_WEIGHTS)]
    )
    remainder = weighted % 11
    expected = pl.when(remainder == 0).then(0).otherwise(11 - remainder)
    valid = expr.str.contains(YTUNNUS_SHAPE) & (remainder != 1) & (_int(expr, 8, 1) == expected)
    return _keep_null(expr, valid)


def vin_valid(expr: pl.Expr) -> pl.Expr:
    """Whether a VIN is acceptable: 17 characters from 0-9, A-Z without I, O, Q; other lengths pass.

    No check-digit test (European VINs do not use one). Trailers and pre-1981 vehicles carry serials
    of other lengths.
    """
    seventeen = expr.str.len_chars() == 17
    valid = pl.when(seventeen).then(expr.str.contains(VIN_17_SHAPE)).otherwise(True)
    return _keep_null(expr, valid)


def find_hetus(expr: pl.Expr, as_of: date) -> pl.Expr:
    """The valid identity codes in free text, in order of appearance (List[String]; null → null).

    A code counts as a token: no letter or decimal digit (Unicode L, Nd) directly before or after.
    """
    # NOTE: `\b` is zero-width, so codes separated by a single character are both found, and a code
    # that starts right after another candidate's `-`/`+` is not swallowed by it.
    text = expr.str.replace_all(_WORD_BUT_NOT_LETTER_OR_DIGIT, " ")
    candidates = text.str.extract_all(_HETU_IN_TEXT)
    return candidates.list.eval(pl.element().filter(hetu_valid(pl.element(), as_of)))


def may_hold_hetu(expr: pl.Expr) -> pl.Expr:
    """True for every text in which find_hetus can find a code (and for some where it finds
    none): the code's shape anywhere, without the token and validity tests. A cheap filter first.
    """
    return expr.str.contains(_HETU_TOKEN)


def mask_hetu(expr: pl.Expr) -> pl.Expr:
    """An identity code with its individual part hidden: `131052-308T` → `131052-****`."""
    return expr.str.slice(0, 7) + pl.lit("****")


def mask_hetu_whole(expr: pl.Expr) -> pl.Expr:
    """An identity code hidden whole (`******-****`), for pseudonymised output; null stays null."""
    # NOTE: the null branch comes first so the result keeps the input's name.
    return pl.when(expr.is_null()).then(expr).otherwise(pl.lit(HETU_MASK))
