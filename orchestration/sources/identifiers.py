"""Strict patterns for the identifiers that reach URLs, file names and the warehouse.

Tickers, FRED series ids and SEC CIKs come from seeds, vendor files and web pages; each is
checked here before it is used in a request, so a value such as ``XLK'; drop table ...`` is
refused with a clear error instead of travelling any further. (Every SQL statement is
parameterised anyway; this keeps junk out of URLs, archive names and raw tables too.)
"""

from __future__ import annotations

import re

# Upper or lower case letters and digits, with '.', '-' or '=' inside (BRK.B, BTC-USD, spy.us,
# btcusd), an optional leading '^' for index symbols (^GSPC); at most 20 characters.
TICKER = re.compile(r"\^?[A-Za-z0-9](?:[A-Za-z0-9.=-]{0,18}[A-Za-z0-9])?")
# FRED series ids: upper case letters, digits and '_' (DGS10, BAMLH0A0HYM2, T10Y2Y).
SERIES_ID = re.compile(r"[A-Z0-9][A-Z0-9_]{0,39}")
# The eleven GICS sectors, as index constituents and estimate files name them.
GICS_SECTORS = (
    "Communication Services",
    "Consumer Discretionary",
    "Consumer Staples",
    "Energy",
    "Financials",
    "Health Care",
    "Industrials",
    "Information Technology",
    "Materials",
    "Real Estate",
    "Utilities",
)
# SEC Central Index Keys: up to ten digits, zero-padded or not, never all zeros.
CIK = re.compile(r"\d{1,10}")


class InvalidIdentifierError(ValueError):
    """An identifier that does not match its strict pattern; never used."""


def _check(value: object, pattern: re.Pattern[str], kind: str, shape: str, where: str) -> str:
    text = value if isinstance(value, str) else None
    if text is None or not pattern.fullmatch(text):
        prefix = f"{where}: " if where else ""
        raise InvalidIdentifierError(f"{prefix}{value!r} is not a {kind} ({shape})")
    return text


def valid_ticker(value: object, where: str = "") -> str:
    """``value`` if it is a ticker or provider symbol, else :class:`InvalidIdentifierError`."""
    return _check(
        value,
        TICKER,
        "ticker",
        "letters and digits with '.', '-' or '=' inside, an optional leading '^', "
        "at most 20 characters",
        where,
    )


def valid_series_id(value: object, where: str = "") -> str:
    """``value`` if it is a FRED series id, else :class:`InvalidIdentifierError`."""
    return _check(
        value,
        SERIES_ID,
        "FRED series id",
        "upper case letters, digits and '_', at most 40 characters",
        where,
    )


def valid_cik(value: object, where: str = "") -> int:
    """The CIK as a number if ``value`` (text or int) is one, else
    :class:`InvalidIdentifierError`."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = value if isinstance(value, str) else ""
    if not CIK.fullmatch(text) or int(text) == 0:
        prefix = f"{where}: " if where else ""
        raise InvalidIdentifierError(f"{prefix}{value!r} is not a CIK (1 to 10 digits, not zero)")
    return int(text)
