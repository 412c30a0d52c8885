"""Point-in-time index membership: the S&P 500 (with GICS sector, CIK and history) and the
Russell 2000 (through dated iShares IWM holdings snapshots).

Breadth ("is the rally broadening?") must count the members an index had ON THAT DAY; counting
today's members over the past would leave out every company that was removed (survivorship
bias). This module turns three public S&P 500 files and the IWM holdings file into the rows of
``raw.index_membership`` and ``raw.index_holdings``.

Sources (each URL is a parameter; these are the defaults):

* Current S&P 500 constituents (``datasets/s-and-p-500-companies``, ``data/constituents.csv``):
  ``Symbol,Security,GICS Sector,GICS Sub-Industry,Headquarters Location,Date added,CIK,Founded``.
  Quoted fields contain commas (``"Saint Paul, Minnesota"``). ``Date added`` is the date the
  COMPANY joined (its first or latest addition), not the date its current ticker did: Bank of
  New York Mellon (``BNY``) says 1995-03-31, although the history lists it as ``BK``.
* Membership spells (``fja05680/sp500``, ``sp500_ticker_start_end.csv``):
  ``ticker,start_date,end_date``, one row per spell, blank ``end_date`` = still a member. It
  starts on 1996-01-02 and lags: the recorded copy ends on 2025-07-09.
* Changes (``fja05680/sp500``, ``sp500_changes_since_2019.csv``): ``date,add,remove``, several
  tickers in one quoted cell separated by commas (``"CTVA,DD"``), an empty cell (``""``) when a
  side is empty (spin-offs added with no removal, removals on another day).
* iShares IWM holdings CSV: banner lines (fund name, ``Fund Holdings as of,"May 05, 2026"``,
  inception date, shares outstanding, ...), a blank line, the header, quoted rows with thousands
  separators (``"1,532,594,919.50"``), ``"-"`` for nothing, and non-equity rows (cash, money
  market funds, futures) among the holdings; live files end with a legal footer.
* iShares IVV (Core S&P 500 ETF) holdings CSV: the same layout. Stored as fund ``IVV``, index
  ``SP500``; S&P 500 membership still comes from the spells only, the IVV weights are the
  index's cap weights (the breadth models use them where SEC shares facts are missing).

Membership semantics (the same everywhere in the warehouse)
-----------------------------------------------------------
A spell ``[start_date, end_date)`` means: a member ON ``start_date`` and on every later day
BEFORE ``end_date``; NOT a member on ``end_date`` (NULL = still a member). This is how the
sources mean it: S&P changes are "effective prior to the open" on the change date, and the two
files agree: the changes file lists ``2019-01-18: add TFX, remove PCG`` and the spells file has
``TFX 2019-01-18..`` and ``PCG ..2019-01-18``. Counting ``end_date`` inclusively would count PCG
and TFX both on 2019-01-18 (506 instead of 505). Spells of one symbol that touch (one ends the
day the next starts) are one continuous membership; they are not overlaps.

How the history is built (:func:`build_sp500_membership`)
---------------------------------------------------------
1. The spells file is the history up to its last date (its "horizon"). Where it disagrees with
   the changes file before that date, the spells file wins (known cases: WLTW->WTW is
   2022-01-10 in the changes file and 2022-01-20 in the spells file; RE->EG 2023-07-10 vs
   2023-06-10).
2. Changes dated on or after that horizon and no later than ``as_of`` extend it: a removal ends
   the symbol's open spell on the change date, an addition opens a new spell. A change the
   spells file already shows is skipped; a removal of a non-member or an addition of a member is
   an error (the files contradict each other).
3. The history horizon H is the last date of 1 and 2. Reconciliation with the constituents
   (which describe ``as_of``) uses the reconciliation date R = H + 1 day (``as_of`` if the
   history reaches ``as_of``):

   * a symbol the history has as a member on ``as_of`` but the constituents do not list left
     the index on an unknown day after H: its spell ENDS ON R. R (not ``as_of``) keeps the result
     a function of the files (rebuilding tomorrow does not move the end) and never counts a
     member on a day the history cannot vouch for; the price is an undercount between R and the
     real removal;
   * a constituent the history does not have as a member on ``as_of`` gets a spell starting on
     its ``Date added`` when that date is after H (an addition the history has not caught up
     with). When ``Date added`` is on or before H the history should have known it: the symbol
     is a renamed ticker (BK -> BNY, MMC -> MRSH) or the history has a gap, and ``Date added``
     is the company's date, not the ticker's (starting BNY on 1995-03-31 would count Bank of New
     York Mellon twice for thirty years). Its spell STARTS ON R, which hands over from the old
     ticker ended on R.

4. Plausibility, before anything is returned: the constituents must list at least
   :data:`MIN_SP500_CONSTITUENTS` (480) members, and the endings in 3 must be no more than the
   index could have made since H: ``max(10, 3 per month between H and as_of)`` (the S&P 500 makes
   about 20-30 changes a year). A truncated or wrong constituents file is rejected with the
   number of memberships it would have ended, instead of ending hundreds of them.
5. Validation: no two spells of one symbol overlap, and the members on ``as_of`` number 495-510.

Sector, sub-industry, name and CIK come from the constituents. They are joined onto the spells
of a current constituent that can be the same company: its open spell, and any closed spell
that started on or after its ``Date added``. Tickers are reused: ``Q`` was Qwest (2000-2011)
before Qnity Electronics (2025-), ``DD``, ``DOW``, ``HLT`` and ``DELL`` were other companies
with other CIKs. A closed spell that started before the company joined keeps NULLs, as does
every spell of a symbol that is no longer a member (removed members, old tickers of renamed
ones): the files do not say what they were.

``source`` names what last set a row's dates (and ``payload_ref`` that file's archive):
``fja05680:spells`` (as in the spells file), ``fja05680:changes`` (started or ended by a change
after the spells file's horizon), ``constituents:date_added`` (started on its ``Date added``) or
``constituents:reconciled`` (a start or an end put on R).

Symbols and share classes
-------------------------
The canonical symbol is the S&P spelling: upper case, share class after a dot (``BRK.B``,
``BF.B``); Alphabet's two classes are two members (``GOOGL`` class A, ``GOOG`` class C) with one
CIK, which is how the index counts them (503 lines for 500 companies). ``-``, ``/`` and a space
between ticker and class are read as the dot. iShares writes NYSE class shares either with a
space (``MOG A``) or run together (``BRKB``); the run-together spellings cannot be split by rule
(``UAA`` is Under Armour class A, not ``UA.A``), so only the ones in
:data:`ISHARES_CLASS_SHARES` are mapped, and only for NYSE-listed rows. Nasdaq class shares have
no separator at all (``GOOGL``, ``FOXA``, ``NWSA``) and are kept as they are.
:func:`provider_symbols` is the one place that turns a canonical symbol into each price
provider's spelling. A renamed member keeps two spells under two symbols (``FB`` until
2022-06-09, ``META`` from then); providers usually serve the whole history under the new symbol
and nothing under a retired one, so breadth counts a member on the days it has a price.

Pure parsing and request building: nothing here knows about Dagster.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from orchestration.http import HttpClient, SourcePolicy
from orchestration.sources.universe import Instrument

log = logging.getLogger(__name__)

SOURCE = "membership"
# Static files on two hosts; one request a second is plenty and polite.
MEMBERSHIP_POLICY = SourcePolicy(name=SOURCE, requests_per_second=1.0, burst=2, read_timeout=120.0)

DEFAULT_CONSTITUENTS_URL = (
    "https://raw.githubusercontent.com/datasets/s-and-p-500-companies/main/data/constituents.csv"
)
DEFAULT_SPELLS_URL = (
    "https://raw.githubusercontent.com/fja05680/sp500/master/sp500_ticker_start_end.csv"
)
DEFAULT_CHANGES_URL = (
    "https://raw.githubusercontent.com/fja05680/sp500/master/sp500_changes_since_2019.csv"
)
DEFAULT_IWM_HOLDINGS_URL = (
    "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/"
    "1467271812596.ajax?fileType=csv&fileName=IWM_holdings&dataType=fund"
)
DEFAULT_IVV_HOLDINGS_URL = (
    "https://www.ishares.com/us/products/239726/ishares-core-sp-500-etf/"
    "1467271812596.ajax?fileType=csv&fileName=IVV_holdings&dataType=fund"
)

SP500 = "SP500"
R2000 = "R2000"

# Plausibility (see the module docstring, step 4 and 5).
MIN_SP500_CONSTITUENTS = 480
SP500_MEMBER_RANGE = (495, 510)
MIN_ALLOWED_ENDINGS = 10
ENDINGS_PER_MONTH = 3.0
# A full IWM file holds about 1,950-2,000 stocks; the live fetch rejects fewer than this.
MIN_IWM_MEMBERS = 1500
# A full IVV file holds about 500 lines (503 with the second share classes).
MIN_IVV_MEMBERS = 480

SOURCE_SPELLS = "fja05680:spells"
SOURCE_CHANGES = "fja05680:changes"
SOURCE_DATE_ADDED = "constituents:date_added"
SOURCE_RECONCILED = "constituents:reconciled"

# Columns of raw.index_membership / raw.index_holdings (orchestration.warehouse), plus
# payload_ref, with the dtypes the frames carry.
MEMBERSHIP_COLUMNS: dict[str, str] = {
    "index_id": "string",
    "symbol": "string",
    "start_date": "datetime64[s]",
    "end_date": "datetime64[s]",  # exclusive; NaT = still a member
    "security_name": "string",
    "gics_sector": "string",
    "gics_sub_industry": "string",
    "cik": "Int64",
    "source": "string",
}
MEMBERSHIP_KEY = ("index_id", "symbol", "start_date")
HOLDINGS_COLUMNS: dict[str, str] = {
    "as_of_date": "datetime64[s]",
    "fund": "string",
    "index_id": "string",
    "symbol": "string",
    "security_name": "string",
    "gics_sector": "string",
    "asset_class": "string",
    "market_value": "float64",
    "weight_pct": "float64",  # percent: 1.93 means 1.93 %
    "notional_value": "float64",
    "quantity": "float64",
    "price": "float64",
    "location": "string",
    "exchange": "string",
    "currency": "string",
}
HOLDINGS_KEY = ("as_of_date", "fund", "symbol")

CONSTITUENT_COLUMNS: dict[str, str] = {
    "symbol": "string",
    "security_name": "string",
    "gics_sector": "string",
    "gics_sub_industry": "string",
    "headquarters": "string",
    "date_added": "datetime64[s]",
    "cik": "Int64",
    "founded": "string",  # free text: "1902", "2013 (1888)"
}
# constituents.csv header -> our column; None = optional
_CONSTITUENT_HEADER = {
    "Symbol": ("symbol", True),
    "Security": ("security_name", True),
    "GICS Sector": ("gics_sector", True),
    "GICS Sub-Industry": ("gics_sub_industry", True),
    "Headquarters Location": ("headquarters", False),
    "Date added": ("date_added", True),
    "CIK": ("cik", True),
    "Founded": ("founded", False),
}

# iShares header -> our column, with the names older files used; required ones first.
_ISHARES_REQUIRED = {
    "Ticker": "symbol",
    "Name": "security_name",
    "Asset Class": "asset_class",
    "Market Value": "market_value",
    "Weight (%)": "weight_pct",
}
_ISHARES_OPTIONAL = {
    "Sector": "gics_sector",
    "Notional Value": "notional_value",
    "Quantity": "quantity",
    "Shares": "quantity",
    "Price": "price",
    "Location": "location",
    "Exchange": "exchange",
    "Currency": "currency",
}
_ISHARES_NUMBERS = ("market_value", "weight_pct", "notional_value", "quantity", "price")
ISHARES_EQUITY = "Equity"
# Run-together iShares spellings of NYSE class shares (applied to NYSE-listed rows only).
ISHARES_CLASS_SHARES = {
    "BRKB": "BRK.B",
    "BRKA": "BRK.A",
    "BFB": "BF.B",
    "BFA": "BF.A",
    "MOGA": "MOG.A",
    "MOGB": "MOG.B",
    "LENB": "LEN.B",
    "HEIA": "HEI.A",
    "GEFB": "GEF.B",
}

# Price providers of index members, in the order the fetch tries them.
MEMBER_PROVIDER_ORDER = ("yahoo", "tiingo", "stooq")
MEMBER_ROLE = "index_member"
MEMBER_CALENDAR = "XNYS"

_CANONICAL_SYMBOL = re.compile(r"[A-Z0-9]+(\.[A-Z0-9]+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISHARES_NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class MembershipError(ValueError):
    """A membership payload or result that cannot be used; the message says what and where."""


class ImplausibleRefreshError(MembershipError):
    """A refresh that would change membership far more than the index can have changed."""


# --------------------------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------------------------
def normalise_symbol(raw: str) -> str:
    """The canonical spelling: upper case, share class after a dot (``brk-b`` -> ``BRK.B``)."""
    symbol = raw.strip().upper()
    return re.sub(r"(?<=[A-Z0-9])[-/ ](?=[A-Z0-9]+$)", ".", symbol)


def provider_symbols(symbol: str) -> dict[str, str]:
    """Each price provider's spelling of a canonical member symbol.

    * Yahoo: share class after a hyphen (``BRK-B``); otherwise as is (``GOOGL``).
    * Tiingo: the same as Yahoo (``BRK-B``), upper case as in ``instruments.csv``.
    * Stooq: lower case, share class after a hyphen, US listings suffixed ``.us``
      (``brk-b.us``, ``msft.us``), as ``instruments.csv`` spells them.

    Nasdaq class shares carry no separator (``GOOGL``, ``GOOG``) and map unchanged.
    """
    canonical = normalise_symbol(symbol)
    if not _CANONICAL_SYMBOL.fullmatch(canonical):
        raise MembershipError(
            f"symbol {symbol!r} is not a ticker (letters and digits, optional .CLASS)"
        )
    hyphenated = canonical.replace(".", "-")
    return {"yahoo": hyphenated, "tiingo": hyphenated, "stooq": f"{hyphenated.lower()}.us"}


def _ishares_symbol(ticker: str, exchange: str) -> str:
    symbol = normalise_symbol(ticker)
    if "." not in symbol and _is_nyse(exchange):
        symbol = ISHARES_CLASS_SHARES.get(symbol, symbol)
    return symbol


def _is_nyse(exchange: str) -> bool:
    text = exchange.strip().lower()
    return text.startswith("nyse") or text.startswith("new york stock exchange")


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def _csv_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) of every row; quoted cells may hold commas and line breaks."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MembershipError(f"line {reader.line_num}: not valid CSV ({exc})") from None
        yield reader.line_num, row


def _blank(row: list[str]) -> bool:
    return not any(cell.strip().strip("\xa0") for cell in row)


def _iso_date(value: str, where: str) -> date:
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise MembershipError(f"{where}: {value!r} is not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MembershipError(f"{where}: {value!r} is not a calendar date") from None


def _as_date(value: object) -> date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, str):
        return date.fromisoformat(value) if value else None
    raise TypeError(f"not a date: {value!r}")


def _typed(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    for column, dtype in dtypes.items():
        if dtype.startswith("datetime64"):
            frame[column] = pd.to_datetime(frame[column]).astype(dtype)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def _header_index(header: list[str], where: str, required: Iterable[str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    missing = [name for name in required if name not in names]
    if missing:
        raise MembershipError(f"{where} line 1: header lacks {missing}; got {names}")
    return {name: i for i, name in enumerate(names)}


# --------------------------------------------------------------------------------------------
# S&P 500 parsers
# --------------------------------------------------------------------------------------------
def parse_constituents(text: str) -> pd.DataFrame:
    """The current S&P 500 constituents file as typed rows (:data:`CONSTITUENT_COLUMNS`)."""
    where = "S&P 500 constituents"
    rows = _csv_rows(text)
    try:
        _, header = next(iter(rows))
    except StopIteration:
        raise MembershipError(f"{where}: empty file") from None
    required = [name for name, (_, needed) in _CONSTITUENT_HEADER.items() if needed]
    index = _header_index(header, where, required)
    records: dict[str, list] = {column: [] for column in CONSTITUENT_COLUMNS}
    first_line: dict[str, int] = {}
    for line, row in rows:
        if _blank(row):
            continue
        if len(row) != len(header):
            raise MembershipError(
                f"{where} line {line}: {len(row)} cells, the header has {len(header)} "
                f"(unquoted comma or truncated row?): {','.join(row)[:120]!r}"
            )
        cells = {
            column: row[index[name]].strip() if name in index else ""
            for name, (column, _) in _CONSTITUENT_HEADER.items()
        }
        symbol = normalise_symbol(cells["symbol"])
        if not _CANONICAL_SYMBOL.fullmatch(symbol):
            raise MembershipError(f"{where} line {line}, column Symbol: {cells['symbol']!r}")
        if symbol in first_line:
            raise MembershipError(
                f"{where} line {line}, column Symbol: {symbol} already listed on line "
                f"{first_line[symbol]}"
            )
        first_line[symbol] = line
        added = _iso_date(cells["date_added"], f"{where} line {line}, column Date added")
        cik_text = cells["cik"].lstrip("0") or ("0" if cells["cik"] else "")
        if cik_text and not cik_text.isdigit():
            raise MembershipError(
                f"{where} line {line}, column CIK: {cells['cik']!r} is not a number"
            )
        cells.update(symbol=symbol, date_added=added, cik=int(cik_text) if cik_text else None)
        for column in CONSTITUENT_COLUMNS:
            value = cells[column]
            records[column].append(value if value != "" else None)
    if not first_line:
        raise MembershipError(f"{where}: no rows after the header")
    return _typed(pd.DataFrame(records), CONSTITUENT_COLUMNS)


def parse_ticker_spells(text: str) -> pd.DataFrame:
    """``ticker,start_date,end_date`` -> (symbol, start_date, end_date); NaT end = a member."""
    where = "S&P 500 ticker spells"
    rows = _csv_rows(text)
    try:
        _, header = next(iter(rows))
    except StopIteration:
        raise MembershipError(f"{where}: empty file") from None
    index = _header_index(header, where, ("ticker", "start_date", "end_date"))
    symbols: list[str] = []
    starts: list[date] = []
    ends: list[date | None] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in rows:
        if _blank(row):
            continue
        if len(row) != len(header):
            raise MembershipError(
                f"{where} line {line}: {len(row)} cells, the header has {len(header)}"
            )
        symbol = normalise_symbol(row[index["ticker"]])
        if not _CANONICAL_SYMBOL.fullmatch(symbol):
            raise MembershipError(f"{where} line {line}, column ticker: {symbol!r}")
        start = _iso_date(row[index["start_date"]], f"{where} line {line}, column start_date")
        end_text = row[index["end_date"]].strip()
        end = _iso_date(end_text, f"{where} line {line}, column end_date") if end_text else None
        if end is not None and end < start:
            raise MembershipError(f"{where} line {line}: {symbol} ends {end} before it starts")
        if (symbol, start) in seen:
            raise MembershipError(
                f"{where} line {line}: {symbol} spell from {start} repeats line "
                f"{seen[(symbol, start)]}"
            )
        seen[(symbol, start)] = line
        symbols.append(symbol)
        starts.append(start)
        ends.append(end)
    if not symbols:
        raise MembershipError(f"{where}: no rows after the header")
    frame = pd.DataFrame({"symbol": symbols, "start_date": starts, "end_date": ends})
    return _typed(
        frame, {"symbol": "string", "start_date": "datetime64[s]", "end_date": "datetime64[s]"}
    )


def parse_changes(text: str) -> pd.DataFrame:
    """``date,add,remove`` -> (date, added, removed), one row per line of the file.

    ``added`` and ``removed`` are tuples of symbols: a cell may hold several comma-separated
    tickers (``"CTVA,DD"``) or none (``""``).
    """
    where = "S&P 500 changes"
    rows = _csv_rows(text)
    try:
        _, header = next(iter(rows))
    except StopIteration:
        raise MembershipError(f"{where}: empty file") from None
    index = _header_index(header, where, ("date", "add", "remove"))
    dates: list[date] = []
    added: list[tuple[str, ...]] = []
    removed: list[tuple[str, ...]] = []
    for line, row in rows:
        if _blank(row):
            continue
        if len(row) != len(header):
            raise MembershipError(
                f"{where} line {line}: {len(row)} cells, the header has {len(header)} "
                '(several tickers must be quoted together: "CTVA,DD")'
            )
        day = _iso_date(row[index["date"]], f"{where} line {line}, column date")
        sides = []
        for column in ("add", "remove"):
            symbols = tuple(normalise_symbol(t) for t in row[index[column]].split(",") if t.strip())
            bad = [s for s in symbols if not _CANONICAL_SYMBOL.fullmatch(s)]
            if bad:
                raise MembershipError(f"{where} line {line}, column {column}: {bad}")
            sides.append(symbols)
        both = set(sides[0]) & set(sides[1])
        if both:
            raise MembershipError(f"{where} line {line}: {sorted(both)} added and removed")
        dates.append(day)
        added.append(sides[0])
        removed.append(sides[1])
    frame = pd.DataFrame({"date": dates, "added": added, "removed": removed})
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    return frame.sort_values("date", kind="stable", ignore_index=True)


# --------------------------------------------------------------------------------------------
# S&P 500 membership history
# --------------------------------------------------------------------------------------------
@dataclass
class _Spell:
    symbol: str
    start: date
    end: date | None
    source: str

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def _spells_by_symbol(spells: pd.DataFrame) -> dict[str, list[_Spell]]:
    result: dict[str, list[_Spell]] = {}
    for symbol, start, end in zip(
        spells["symbol"], spells["start_date"], spells["end_date"], strict=True
    ):
        spell = _Spell(str(symbol), _as_date(start), _as_date(end), SOURCE_SPELLS)
        result.setdefault(spell.symbol, []).append(spell)
    return result


def _apply_changes(
    history: dict[str, list[_Spell]], changes: pd.DataFrame, since: date, as_of: date
) -> date | None:
    """Apply the changes dated in [since, as_of]; returns the last date applied, if any."""
    last: date | None = None
    for day_value, added, removed in zip(
        changes["date"], changes["added"], changes["removed"], strict=True
    ):
        day = _as_date(day_value)
        if day < since or day > as_of:
            continue
        # Removals first: a symbol removed and re-added the same day gets touching spells.
        for symbol in removed:
            spells = history.get(symbol, [])
            if any(s.end == day for s in spells):
                continue  # the spells file already has it
            open_spells = [s for s in spells if s.covers(day) and s.start < day]
            if not open_spells:
                raise MembershipError(
                    f"S&P 500 changes {day}: removes {symbol}, which is not a member then "
                    f"(spells: {[(str(s.start), str(s.end)) for s in spells] or 'none'})"
                )
            open_spells[0].end = day
            open_spells[0].source = SOURCE_CHANGES
        for symbol in added:
            spells = history.setdefault(symbol, [])
            if any(s.start == day for s in spells):
                continue
            current = [s for s in spells if s.covers(day)]
            if current:
                raise MembershipError(
                    f"S&P 500 changes {day}: adds {symbol}, a member since {current[0].start}"
                )
            spells.append(_Spell(symbol, day, None, SOURCE_CHANGES))
        last = day
    return last


def allowed_endings(history_horizon: date, as_of: date) -> int:
    """How many memberships a refresh may end at once (see the module docstring, step 4)."""
    months = max(0, (as_of - history_horizon).days) / 30.44
    return max(MIN_ALLOWED_ENDINGS, math.ceil(ENDINGS_PER_MONTH * months))


def build_sp500_membership(
    constituents: pd.DataFrame,
    spells: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    as_of: date,
    payload_refs: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Point-in-time S&P 500 spells as rows of ``raw.index_membership`` (plus ``payload_ref``).

    ``constituents`` (from :func:`parse_constituents`) describe ``as_of``; ``spells`` and
    ``changes`` come from :func:`parse_ticker_spells` and :func:`parse_changes`.
    ``payload_refs`` maps ``'constituents'``, ``'spells'`` and ``'changes'`` to the landing
    archive files; each row carries the ref of the file its dates come from. The rules are in
    the module docstring; implausible refreshes raise :class:`ImplausibleRefreshError`.
    """
    refs = dict(payload_refs or {})
    if spells.empty:
        raise MembershipError("S&P 500 ticker spells: no spells")
    history = _spells_by_symbol(spells)
    for symbol, symbol_spells in history.items():
        _check_no_overlap(symbol, symbol_spells, "S&P 500 ticker spells")

    spell_dates = [d for s in spells["start_date"] if (d := _as_date(s)) and d <= as_of]
    spell_dates += [d for s in spells["end_date"] if (d := _as_date(s)) and d <= as_of]
    if not spell_dates:
        raise MembershipError(f"S&P 500 ticker spells: nothing on or before {as_of}")
    spells_horizon = max(spell_dates)
    last_change = _apply_changes(history, changes, spells_horizon, as_of)
    horizon = max(spells_horizon, last_change or spells_horizon)
    reconcile_on = min(horizon + timedelta(days=1), as_of)

    listed = {
        str(symbol): (_as_date(added), row)
        for symbol, added, row in zip(
            constituents["symbol"],
            constituents["date_added"],
            constituents.itertuples(index=False),
            strict=True,
        )
    }
    members = {
        symbol for symbol, spells_ in history.items() if any(s.covers(as_of) for s in spells_)
    }
    to_end = sorted(members - listed.keys())
    to_start = sorted(listed.keys() - members)

    allowed = allowed_endings(horizon, as_of)
    if len(listed) < MIN_SP500_CONSTITUENTS or len(to_end) > allowed:
        raise ImplausibleRefreshError(
            f"S&P 500 refresh as of {as_of} rejected: the constituents file lists {len(listed)} "
            f"members (at least {MIN_SP500_CONSTITUENTS} expected) and would end "
            f"{len(to_end)} memberships the history (to {horizon}) has open (at most {allowed} "
            f"plausible since then), e.g. {to_end[:8]}; truncated or wrong constituents file?"
        )

    for symbol in to_end:
        for spell in history[symbol]:
            if spell.covers(as_of):
                spell.end = reconcile_on
                spell.source = SOURCE_RECONCILED
        # A spell the history opened on as_of itself would now be empty: drop it.
        history[symbol] = [s for s in history[symbol] if s.end is None or s.end > s.start]
    for symbol in to_start:
        added, _ = listed[symbol]
        if added is not None and horizon < added <= as_of:
            spell = _Spell(symbol, added, None, SOURCE_DATE_ADDED)
        else:
            spell = _Spell(symbol, reconcile_on, None, SOURCE_RECONCILED)
        history.setdefault(symbol, []).append(spell)
    if to_end or to_start:
        log.info(
            "S&P 500 as of %s: history to %s; ended on %s: %s; started: %s",
            as_of,
            horizon,
            reconcile_on,
            to_end,
            to_start,
        )

    source_refs = {
        SOURCE_SPELLS: refs.get("spells"),
        SOURCE_CHANGES: refs.get("changes"),
        SOURCE_DATE_ADDED: refs.get("constituents"),
        SOURCE_RECONCILED: refs.get("constituents"),
    }
    records: list[dict[str, object]] = []
    for symbol in sorted(history):
        symbol_spells = sorted(history[symbol], key=lambda s: s.start)
        _check_no_overlap(symbol, symbol_spells, f"S&P 500 membership as of {as_of}")
        added, row = listed.get(symbol, (None, None))
        for spell in symbol_spells:
            same_company = row is not None and (
                spell.end is None or (added is not None and spell.start >= added)
            )
            records.append(
                {
                    "index_id": SP500,
                    "symbol": symbol,
                    "start_date": spell.start,
                    "end_date": spell.end,
                    "security_name": row.security_name if same_company else None,
                    "gics_sector": row.gics_sector if same_company else None,
                    "gics_sub_industry": row.gics_sub_industry if same_company else None,
                    "cik": row.cik if same_company and not pd.isna(row.cik) else None,
                    "source": spell.source,
                    "payload_ref": source_refs[spell.source],
                }
            )
    frame = _typed(pd.DataFrame(records), {**MEMBERSHIP_COLUMNS, "payload_ref": "string"})
    count = int(sp500_member_counts(frame, [as_of]).iloc[0])
    low, high = SP500_MEMBER_RANGE
    if not low <= count <= high:
        raise MembershipError(
            f"S&P 500 membership as of {as_of}: {count} members, outside {low}-{high}"
        )
    return frame


def _check_no_overlap(symbol: str, spells: list[_Spell], where: str) -> None:
    ordered = sorted(spells, key=lambda s: s.start)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.end is None or before.end > after.start:
            raise MembershipError(
                f"{where}: {symbol} spells overlap: {before.start}..{before.end or 'open'} "
                f"and {after.start}..{after.end or 'open'}"
            )


def sp500_member_counts(membership: pd.DataFrame, dates: Iterable[object]) -> pd.Series:
    """Members of the S&P 500 on each date: ``start_date <= d < end_date`` (NaT = open).

    Rows of other indexes (``index_id`` other than ``SP500``) are ignored.
    """
    if "index_id" in membership.columns:
        membership = membership[membership["index_id"] == SP500]
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in dates]).astype("datetime64[s]")
    starts = np.sort(membership["start_date"].astype("datetime64[s]").to_numpy())
    ends = membership["end_date"].astype("datetime64[s]").to_numpy()
    ends = np.sort(ends[~np.isnat(ends)])
    values = days.to_numpy()
    started = np.searchsorted(starts, values, side="right")  # start <= d
    ended = np.searchsorted(ends, values, side="right")  # end <= d: not a member on d
    return pd.Series(started - ended, index=days, name="members", dtype="int64")


# --------------------------------------------------------------------------------------------
# iShares holdings (Russell 2000 through IWM)
# --------------------------------------------------------------------------------------------
def _ishares_number(value: str, where: str) -> float:
    text = value.strip()
    if text in ("", "-", "--"):
        return math.nan
    # Thousands separators only where they belong: "1.000,00" must not read as 1.0.
    if not _ISHARES_NUMBER.fullmatch(text):
        raise MembershipError(f"{where}: {value!r} is not a number like '1,532,594,919.50'")
    return float(text.replace(",", ""))


def parse_ishares_holdings(
    text: str, *, fund: str = "IWM", index_id: str = R2000, payload_ref: str | None = None
) -> pd.DataFrame:
    """An iShares holdings CSV as rows of ``raw.index_holdings`` (plus ``payload_ref``).

    ``as_of_date`` comes from the banner's ``Fund Holdings as of``; only ``Asset Class`` =
    ``Equity`` rows are kept (cash, money market funds and futures are dropped); numbers lose
    their thousands separators; ``-`` becomes NULL; ``weight_pct`` stays in percent. The table
    ends at the first blank or one-cell line (live files add a legal footer after it). Share
    classes are spelled canonically (``MOG A`` -> ``MOG.A``; ``BRKB`` -> ``BRK.B`` for the
    NYSE spellings in :data:`ISHARES_CLASS_SHARES`)."""
    where = f"iShares {fund} holdings"
    if text.lstrip("\ufeff \r\n\t").startswith("<"):
        raise MembershipError(f"{where}: received an HTML page, not the holdings CSV")
    as_of: date | None = None
    header: list[str] | None = None
    index: dict[str, int] = {}
    row_columns = [c for c in HOLDINGS_COLUMNS if c not in ("as_of_date", "fund", "index_id")]
    records: dict[str, list] = {column: [] for column in row_columns}
    dropped: dict[str, int] = {}
    seen: dict[str, int] = {}
    for line, row in _csv_rows(text):
        if header is None:
            first = row[0].strip() if row else ""
            if first.lower() == "fund holdings as of":
                value = row[1].strip() if len(row) > 1 else ""
                try:
                    as_of = datetime.strptime(value, "%b %d, %Y").date()
                except ValueError:
                    raise MembershipError(
                        f"{where} line {line}: 'Fund Holdings as of' is {value!r}, not a date "
                        "like 'May 05, 2026'"
                    ) from None
            elif first == "Ticker":
                header = [h.strip() for h in row]
                missing = [name for name in _ISHARES_REQUIRED if name not in header]
                if missing:
                    raise MembershipError(f"{where} line {line}: header lacks {missing}")
                index = {name: i for i, name in enumerate(header)}
            continue
        if _blank(row) or len(row) == 1:
            break  # end of the table: a blank line, or the one-cell footer text
        if len(row) != len(header):
            raise MembershipError(
                f"{where} line {line}: {len(row)} cells, the header has {len(header)} "
                "(truncated download?)"
            )
        cell = {
            column: row[index[name]].strip()
            for name, column in (*_ISHARES_REQUIRED.items(), *_ISHARES_OPTIONAL.items())
            if name in index
        }
        if cell["asset_class"] != ISHARES_EQUITY:
            dropped[cell["asset_class"]] = dropped.get(cell["asset_class"], 0) + 1
            continue
        if cell["symbol"] in ("", "-"):
            log.warning("%s line %d: equity without a ticker dropped: %s", where, line, row[:2])
            dropped["Equity without ticker"] = dropped.get("Equity without ticker", 0) + 1
            continue
        symbol = _ishares_symbol(cell["symbol"], cell.get("exchange", ""))
        if symbol in seen:
            raise MembershipError(
                f"{where} line {line}: {symbol} already held on line {seen[symbol]}"
            )
        seen[symbol] = line
        for column in row_columns:
            if column == "symbol":
                value: object = symbol
            elif column in _ISHARES_NUMBERS:
                value = _ishares_number(cell.get(column, ""), f"{where} line {line}, {column}")
            else:
                value = cell.get(column) or None
                value = None if value in ("-", "") else value
            records[column].append(value)
    if as_of is None:
        raise MembershipError(f"{where}: no 'Fund Holdings as of' banner line before the table")
    if header is None:
        raise MembershipError(f"{where}: no header line starting with 'Ticker'")
    if not seen:
        raise MembershipError(f"{where} as of {as_of}: no equity holdings")
    if dropped:
        log.info("%s as of %s: dropped non-equity rows %s", where, as_of, dropped)
    frame = pd.DataFrame(records)
    frame["as_of_date"] = as_of
    frame["fund"] = fund
    frame["index_id"] = index_id
    frame["payload_ref"] = payload_ref
    frame = frame[[*HOLDINGS_COLUMNS, "payload_ref"]]
    return _typed(frame, {**HOLDINGS_COLUMNS, "payload_ref": "string"})


# --------------------------------------------------------------------------------------------
# Members as instruments for the price fetch
# --------------------------------------------------------------------------------------------
def member_instruments(
    membership: pd.DataFrame | None,
    holdings: pd.DataFrame | None,
    as_of_range: tuple[date, date],
) -> list[Instrument]:
    """Every symbol that was a member at some time in ``as_of_range`` (both ends inclusive).

    Membership spells count when they overlap the range; a holdings snapshot describes its
    fund's members from its ``as_of_date`` until the next one, so the snapshots dated in the
    range count and so does the last one before it. ``listed_on`` is the first day the symbol
    is known to have traded as a member within the range (the start of its first overlapping
    spell, or the date of its first snapshot), so a reused ticker does not claim the earlier
    holder's years. Name and sector come from the latest row that has them (S&P 500 first).
    """
    first, last = (_as_date(d) for d in as_of_range)
    if first is None or last is None or first > last:
        raise MembershipError(f"as_of_range {as_of_range!r} is not a (first, last) date pair")
    found: dict[str, dict[str, object]] = {}

    def note(symbol: str, since: date, name: object, sector: object, rank: tuple) -> None:
        entry = found.setdefault(symbol, {"listed_on": since, "rank": None})
        entry["listed_on"] = min(entry["listed_on"], since)
        if entry["rank"] is None or rank > entry["rank"]:
            entry.update(rank=rank, name=name, sector=sector)

    if membership is not None and not membership.empty:
        starts = membership["start_date"].astype("datetime64[s]")
        ends = membership["end_date"].astype("datetime64[s]")
        overlap = (starts <= pd.Timestamp(last)) & (ends.isna() | (ends > pd.Timestamp(first)))
        for row in membership[overlap].itertuples(index=False):
            start = _as_date(row.start_date)
            known = not pd.isna(row.security_name)
            note(
                str(row.symbol),
                start,
                row.security_name if known else None,
                row.gics_sector if not pd.isna(row.gics_sector) else None,
                (1, known, start),
            )
    if holdings is not None and not holdings.empty:
        for _, snapshots in holdings.groupby("fund", sort=True):
            dates = snapshots["as_of_date"].astype("datetime64[s]")
            before = dates[dates <= pd.Timestamp(first)]
            since = before.max() if not before.empty else pd.Timestamp(first)
            used = snapshots[(dates >= since) & (dates <= pd.Timestamp(last))]
            for row in used.itertuples(index=False):
                day = _as_date(row.as_of_date)
                note(
                    str(row.symbol),
                    day,
                    row.security_name if not pd.isna(row.security_name) else None,
                    row.gics_sector if not pd.isna(row.gics_sector) else None,
                    (0, not pd.isna(row.security_name), day),
                )
    return [
        Instrument(
            symbol=symbol,
            name=str(entry["name"] or symbol),
            asset_class="equity",
            role=MEMBER_ROLE,
            sector=entry["sector"],
            theme=None,
            calendar=MEMBER_CALENDAR,
            listed_on=entry["listed_on"],
            provider_symbols=provider_symbols(symbol),
            provider_order=MEMBER_PROVIDER_ORDER,
        )
        for symbol, entry in sorted(found.items())
    ]


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MembershipFetch:
    """One fetched and parsed file."""

    frame: pd.DataFrame
    payload_ref: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class SP500History:
    spells: pd.DataFrame
    changes: pd.DataFrame
    payload_refs: dict[str, str | None]  # 'spells', 'changes'
    fetched_at: datetime


def fetch_constituents(client: HttpClient, url: str = DEFAULT_CONSTITUENTS_URL) -> MembershipFetch:
    payload = client.get(SOURCE, url, expect="csv", archive_name="sp500_constituents")
    return MembershipFetch(
        parse_constituents(payload.text()), payload.payload_ref, payload.fetched_at
    )


def fetch_sp500_history(
    client: HttpClient,
    spells_url: str = DEFAULT_SPELLS_URL,
    changes_url: str = DEFAULT_CHANGES_URL,
) -> SP500History:
    spells = client.get(SOURCE, spells_url, expect="csv", archive_name="sp500_ticker_start_end")
    changes = client.get(SOURCE, changes_url, expect="csv", archive_name="sp500_changes")
    return SP500History(
        spells=parse_ticker_spells(spells.text()),
        changes=parse_changes(changes.text()),
        payload_refs={"spells": spells.payload_ref, "changes": changes.payload_ref},
        fetched_at=changes.fetched_at,
    )


def fetch_ishares_holdings(
    client: HttpClient,
    url: str = DEFAULT_IWM_HOLDINGS_URL,
    *,
    fund: str = "IWM",
    index_id: str = R2000,
    min_members: int = MIN_IWM_MEMBERS,
) -> MembershipFetch:
    """Today's holdings file. ``expect='text'``: the file opens with banner lines (and may carry
    a byte-order mark), so the parser, not the client's CSV check, decides what it is; it also
    rejects HTML pages. Fewer than ``min_members`` equity rows is a broken file, not a fund."""
    payload = client.get(SOURCE, url, expect="text", archive_name=f"{fund}_holdings")
    frame = parse_ishares_holdings(
        payload.text(), fund=fund, index_id=index_id, payload_ref=payload.payload_ref
    )
    if len(frame) < min_members:
        raise ImplausibleRefreshError(
            f"iShares {fund} holdings as of {frame['as_of_date'].iloc[0]:%Y-%m-%d}: "
            f"{len(frame)} equity rows, at least {min_members} expected (url: {payload.url})"
        )
    return MembershipFetch(frame, payload.payload_ref, payload.fetched_at)
