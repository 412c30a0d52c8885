"""SYNTHETIC point-in-time index membership for the offline sample, in the real files' formats.

Nothing here is real index data. Breadth must count the members an index had on each day, so the
sample simulates two indexes with additions and removals over time, gives every member bars
through the sample market, and serves the files the live pipeline reads:

* S&P 500 (``SP500``): :data:`SP500_SIZE` (503) members from 2005-01-03 (the simulated history
  starts with the sample horizon) to 2027-12-31. Every year brings 15-25 replacements on random
  sessions, about half of them on the quarterly rebalance days (the Monday after the third
  Friday of March, June, September and December); a change day adds and removes the same number,
  so the count never moves, except for the planted spin-off day below (504). Removals favour the
  weaker performers, additions are new companies (a few re-additions of former members). Members
  are the seed's real S&P 500 equities (``dbt_project/seeds/estimate_entities.csv``, index
  SP500; seven are members from the start, the others join on about their real addition dates)
  plus synthetic companies: invented 3-4 letter tickers with a J, Q, X or Z (none a seed symbol
  or a real S&P 500 ticker since 1996), names such as ``Sample Industrials Holdings 017``, GICS
  sectors in roughly the index's real proportions with real GICS sub-industry names, invented
  headquarters and founding years, and CIKs 900000000 + n (never a real company's; the seed
  companies keep their own CIK from ``companies.csv``).
* Russell 2000 (``R2000``, through the iShares IWM holdings file): about :data:`R2000_SIZE`
  (200) members, reconstituted once a year on the last Friday of June with about 15% turnover
  (extreme performers leave: graduates and drop-outs). The seed's small caps (index R2000: BE,
  CRDO, ...) join at the first reconstitution after their listing and stay. The holdings on a day
  are the members then; a member's IWM share count is fixed when it joins (about $300M, scaled
  by the index level then), so weights follow market value (price x shares).

Planted cases (tests rely on them):

1. Ticker change: :data:`RENAME_FROM` becomes :data:`RENAME_TO` on :data:`RENAME_DATE` (same
   company and CIK). The old ticker's spell ends and the new one's starts that day; the changes
   file lists ``add RENAME_TO, remove RENAME_FROM``; the constituents' ``Date added`` is the
   company's. Prices: the new ticker serves the company's whole history (as providers do), the
   retired ticker its bars up to the session before the change.
2. Share classes: :data:`SHARE_CLASSES` (``VNTQ.A`` a member from the start, ``VNTQ.B`` added
   on :data:`SHARE_CLASS_ADDED`), one company and CIK, two members, S&P spelling with a dot;
   providers spell them ``VNTQ-A`` (Yahoo, Tiingo) and ``vntq-a.us`` (Stooq). Class B trades a
   little below class A.
3. Spin-off: :data:`SPINOFF_CHILD` is added on :data:`SPINOFF_DATE` with no removal (the changes
   file has ``""`` in its remove cell) and a member leaves on the next session (``""`` in the add
   cell): 504 members for one day.
4. Russell share class: :data:`R2000_SHARE_CLASS` is written ``JLMB A`` in the iShares file
   (NYSE class shares are spelled with a space there).

Bars: every member that is not one of the seed's instruments gets an
:class:`~orchestration.sample.market.Instrument` (asset class ``equity``, role ``index_member``,
calendar XNYS, ``listed_on`` = its first bar; Yahoo/Tiingo ``BRK-B``-style, Stooq
``brk-b.us``-style symbols) and bars built lazily by :class:`MemberBars` with the sample market's
machinery: beta x the market path, its sector's regimes (and the small-cap regime for Russell
members), pinned idiosyncratic noise plus a per-company drift, OHLC, volume, cash dividends for
some; no splits. Bars start a few years before the member's first spell (never before
2005-01-03; at the spell for spin-offs and new share classes) and run to the horizon end:
removed members keep trading, only the retired ticker of the rename stops.

Files, as of the day asked (``respond(path, query, as_of)``, routed by URL path only):

* ``/datasets/s-and-p-500-companies/main/data/constituents.csv``: the members on ``as_of``,
  ``Date added`` = the company's latest addition (quoted cells with commas, LF line ends);
* ``/fja05680/sp500/master/sp500_ticker_start_end.csv``: ``ticker,start_date,end_date``; like the
  real file it lags: it knows the changes up to the first day of the month before ``as_of``
  (31-61 days), later ends are blank;
* ``/fja05680/sp500/master/sp500_changes_since_2019.csv``: ``date,add,remove`` from 2019-01-01
  to ``as_of``, one line per change day, every add/remove cell quoted (``"AAA,BBB"``, ``""``);
  with the spells file it covers the whole history from February 2019 on, so a rebuild then
  needs no reconciliation (earlier, the constituents reconcile the lag, as in live mode);
* ``/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax``: the IWM holdings CSV
  (UTF-8 BOM, banner lines, a blank line, header, every cell quoted, thousands separators,
  a cash, a money-market and a futures row, a footer). ``asOfDate=YYYYMMDD`` asks for a past
  day: weekends and holidays give the previous session's holdings, a day before the sample's
  history gives ``Fund Holdings as of,"-"`` and no rows, a day after the latest published
  holdings gives the latest. Without it: the holdings of the last session before ``as_of``.
* ``/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax``: the IVV holdings CSV in
  the same layout (banner ``iShares Core S&P 500 ETF``, cash, money-market and S&P 500 futures
  rows, ``asOfDate`` alike): the simulated S&P 500 members that day. A member's IVV position is
  a fixed fraction of its synthetic shares outstanding, set when its spell starts (a lognormal
  market cap around $25B, the seed's real large caps twenty times larger, scaled by SPY's level
  then), so weights follow market value (price x synthetic shares).

Independence rule: this module writes the formats from scratch and never imports the project's
parsers (``orchestration.sources``); it reads the seeds with its own small CSV reader.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
import random
import statistics
import string
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from threading import Lock
from types import MappingProxyType

import numpy as np
import pandas as pd

from orchestration.sample import market as sample_market
from orchestration.sample.market import (
    HORIZON_END,
    HORIZON_START,
    Instrument,
    SampleMarket,
    _Dividends,
    _finish_bars,
    _log_path,
    _ohlc,
    _Profile,
    _regime,
    _seed,
    _slug,
    _volume,
    generate_market,
)
from orchestration.sample.wire import TEXT, WireResponse

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
ENTITIES_CSV = SEEDS / "estimate_entities.csv"
COMPANIES_CSV = SEEDS / "companies.csv"

SP500 = "SP500"
R2000 = "R2000"
FUND = "IWM"
SP500_FUND = "IVV"
MARKET_FUND = "SPY"  # the S&P 500 level the synthetic caps scale with

SP500_SIZE = 503  # lines, like the real file (a few companies have two share classes)
CHANGES_PER_YEAR = (15, 25)  # replacements a year, both ends inclusive
REBALANCE_SHARE = 0.5  # share of the replacements made on the quarterly rebalance days
READD_SHARE = 0.04  # share of the additions that bring back a former member
R2000_SIZE = 200
R2000_TURNOVER = 0.15
R2000_REENTRY_SHARE = 0.10
CHANGES_SINCE = date(2019, 1, 1)
SYNTHETIC_CIK_BASE = 900_000_000
PRICE_DECIMALS = 4

RENAME_FROM, RENAME_TO = "KXRO", "KXRA"
RENAME_DATE = date(2024, 3, 11)
SHARE_CLASSES = ("VNTQ.A", "VNTQ.B")
SHARE_CLASS_ADDED = date(2014, 4, 3)
SHARE_CLASS_DISCOUNT = 0.985  # class B trades about 1.5% below class A
SPINOFF_PARENT = "ZPRN"
SPINOFF_CHILD = "ZSPN"
SPINOFF_DATE = date(2025, 7, 1)
R2000_SHARE_CLASS = "JLMB.A"
_RARE_LETTERS = frozenset("JQXZ")
# Real tickers with those letters (S&P 500 members since 1996, the seed's small caps, funds),
# never invented.
_KNOWN_TICKER_TEXT = """
ABX AIZ AJG ALXN AMZN AXON AXP AZO BAX BDX BJS BSX BX BXLT BXP CLX CMX CNX CNXT CPGX CPQ CSX
CTX CTXS CVX CXO CZR DGX DJ DLX DPZ DXC DXCM EFX EIX EQ EQIX EQR EQT ESRX EXC EXE EXPD EXPE
EXR FCX FDX FDXF FIX FJ FLEX FOX FOXA FRX GENZ GSX GX HNZ HOLX HPQ IDXX IEX IMNX IQV IVZ J
JAVA JBHT JBL JCI JCP JEC JEF JH JHF JKHY JNJ JNPR JNS JNY JOS JOY JP JPM JWN KMX LHX LKQ
LLX LPX LRCX LXK MDLZ MERQ MJN MKTX MOLX MXIM NDAQ NFLX NFX NXPI NXTL NYX OMX ORX OXY PAYX
PSX PWJ PX PXD PZE Q QCOM QEP QLGC QRVO QTRN RJF RTX RX SBUX SJM STJ STX STZ SXCL TEX TFX
TJX TWX TX TXN TXT TXU UTX VRTX VZ WMX WPX X XEC XEL XL XLNX XOM XRAY XRX XTO XYL XYZ ZBH
ZBRA ZION ZTS NXT IONQ XTSLA QQQ XLK XLE XLF XLI XLV XLY XLP XLU XLB XLC XLRE DJX SPX RTY JD
ZM ZS QS ZG
"""
_KNOWN_TICKERS = frozenset(_KNOWN_TICKER_TEXT.split())
_PLANTED_TICKERS = {RENAME_FROM, RENAME_TO, "VNTQ", SPINOFF_PARENT, SPINOFF_CHILD, "JLMB"}

# URL paths of the real files (membership.DEFAULT_*_URL); routing ignores the host.
CONSTITUENTS_PATH = "/datasets/s-and-p-500-companies/main/data/constituents.csv"
SPELLS_PATH = "/fja05680/sp500/master/sp500_ticker_start_end.csv"
CHANGES_PATH = "/fja05680/sp500/master/sp500_changes_since_2019.csv"
IWM_HOLDINGS_PATH = "/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax"
IVV_HOLDINGS_PATH = "/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax"
HOLDINGS_PATHS = {IWM_HOLDINGS_PATH: FUND, IVV_HOLDINGS_PATH: SP500_FUND}
PATHS = frozenset({CONSTITUENTS_PATH, SPELLS_PATH, CHANGES_PATH, *HOLDINGS_PATHS})

GITHUB_RAW = "text/plain; charset=utf-8"
ISHARES_CSV = "text/csv;charset=UTF-8"

CONSTITUENTS_HEADER = (
    "Symbol",
    "Security",
    "GICS Sector",
    "GICS Sub-Industry",
    "Headquarters Location",
    "Date added",
    "CIK",
    "Founded",
)
ISHARES_HEADER = (
    "Ticker",
    "Name",
    "Sector",
    "Asset Class",
    "Market Value",
    "Weight (%)",
    "Notional Value",
    "Quantity",
    "Price",
    "Location",
    "Exchange",
    "Currency",
    "FX Rate",
    "Market Currency",
    "Accrual Date",
)
ISHARES_FOOTER = (
    "The content contained herein is SYNTHETIC: generated for the rotation-warehouse offline "
    "sample, it is not iShares or BlackRock data and describes no real fund, holding or price. "
    "Holdings are subject to change."
)

# --------------------------------------------------------------------------------------------
# Calibration (invented; sector shares after the real index composition)
# --------------------------------------------------------------------------------------------

# GICS sector -> (share of S&P 500 lines, share of Russell 2000 names, S&P beta).
_SECTORS: dict[str, tuple[float, float, float]] = {
    "Communication Services": (0.046, 0.025, 1.10),
    "Consumer Discretionary": (0.084, 0.100, 1.15),
    "Consumer Staples": (0.068, 0.030, 0.65),
    "Energy": (0.042, 0.055, 1.00),
    "Financials": (0.148, 0.170, 1.10),
    "Health Care": (0.118, 0.160, 0.85),
    "Industrials": (0.164, 0.170, 1.05),
    "Information Technology": (0.142, 0.130, 1.20),
    "Materials": (0.050, 0.040, 1.05),
    "Real Estate": (0.058, 0.060, 0.90),
    "Utilities": (0.062, 0.030, 0.55),
}
_SECTOR_NAMES = tuple(_SECTORS)
_SECTOR_CUMULATIVE = tuple(
    (np.cumsum(shares) / sum(shares)).tolist()
    for shares in ([v[column] for v in _SECTORS.values()] for column in (0, 1))
)
# iShares writes Communication Services as "Communication".
_ISHARES_SECTOR = {"Communication Services": "Communication"}

# GICS sub-industries by sector (real GICS names; continuation lines start with spaces).
_SUB_INDUSTRY_TEXT = """
Communication Services: Interactive Media & Services; Broadcasting; Cable & Satellite; Movies &
  Entertainment; Integrated Telecommunication Services; Advertising; Publishing; Interactive Home
  Entertainment
Consumer Discretionary: Hotels, Resorts & Cruise Lines; Restaurants; Automobile Manufacturers;
  Broadline Retail; Apparel, Accessories & Luxury Goods; Home Improvement Retail; Homebuilding;
  Automotive Parts & Equipment; Other Specialty Retail
Consumer Staples: Packaged Foods & Meats; Soft Drinks & Non-alcoholic Beverages; Household
  Products; Personal Care Products; Consumer Staples Merchandise Retail; Distillers & Vintners;
  Food Distributors; Agricultural Products & Services
Energy: Integrated Oil & Gas; Oil & Gas Exploration & Production; Oil & Gas Equipment & Services;
  Oil & Gas Refining & Marketing; Oil & Gas Storage & Transportation
Financials: Diversified Banks; Regional Banks; Investment Banking & Brokerage; Asset Management &
  Custody Banks; Property & Casualty Insurance; Life & Health Insurance; Transaction & Payment
  Processing Services; Financial Exchanges & Data; Consumer Finance; Insurance Brokers
Health Care: Pharmaceuticals; Biotechnology; Health Care Equipment; Managed Health Care; Life
  Sciences Tools & Services; Health Care Services; Health Care Facilities; Health Care Supplies;
  Health Care Distributors
Industrials: Aerospace & Defense; Industrial Machinery & Supplies & Components; Building Products;
  Electrical Components & Equipment; Construction & Engineering; Rail Transportation; Air Freight &
  Logistics; Passenger Airlines; Trading Companies & Distributors; Environmental & Facilities
  Services; Construction Machinery & Heavy Transportation Equipment; Research & Consulting Services
Information Technology: Semiconductors; Application Software; Systems Software; IT Consulting &
  Other Services; Technology Hardware, Storage & Peripherals; Communications Equipment;
  Semiconductor Materials & Equipment; Electronic Components; Electronic Equipment & Instruments;
  Electronic Manufacturing Services
Materials: Specialty Chemicals; Commodity Chemicals; Industrial Gases; Construction Materials;
  Metal, Glass & Plastic Containers; Paper & Plastic Packaging Products & Materials; Copper; Gold;
  Steel; Fertilizers & Agricultural Chemicals
Real Estate: Retail REITs; Office REITs; Industrial REITs; Multi-Family Residential REITs; Health
  Care REITs; Data Center REITs; Self-Storage REITs; Telecom Tower REITs; Real Estate Services
Utilities: Electric Utilities; Multi-Utilities; Gas Utilities; Water Utilities; Independent Power
  Producers & Energy Traders; Renewable Electricity
"""
_SUB_INDUSTRIES: dict[str, tuple[str, ...]] = {
    sector.strip(): tuple(name.strip() for name in names.split(";"))
    for sector, names in (
        entry.split(":", 1)
        for entry in _SUB_INDUSTRY_TEXT.replace("\n  ", " ").split("\n")
        if entry
    )
}

# Probability that a member pays dividends, by sector (S&P 500; Russell members pay half as often).
_DIVIDEND_PAYERS = {
    "Utilities": 0.95,
    "Real Estate": 0.95,
    "Consumer Staples": 0.9,
    "Energy": 0.8,
    "Financials": 0.8,
    "Materials": 0.75,
    "Industrials": 0.7,
    "Health Care": 0.55,
    "Consumer Discretionary": 0.45,
    "Information Technology": 0.45,
    "Communication Services": 0.35,
}
_DIVIDEND_MONTHS = ((3, 6, 9, 12), (2, 5, 8, 11), (1, 4, 7, 10))

_NAME_KINDS = (
    "Holdings",
    "Group",
    "Corp",
    "Inc",
    "Co",
    "Industries",
    "Partners",
    "Systems",
    "Brands",
    "Technologies",
    "Resources",
    "Enterprises",
)
_HEADQUARTERS = tuple(
    line.strip()
    for line in """
New York City, New York
Chicago, Illinois
Houston, Texas
Dallas, Texas
Austin, Texas
San Jose, California
San Francisco, California
Los Angeles, California
San Diego, California
Seattle, Washington
Boston, Massachusetts
Atlanta, Georgia
Charlotte, North Carolina
Minneapolis, Minnesota
Denver, Colorado
Phoenix, Arizona
Columbus, Ohio
Cleveland, Ohio
Pittsburgh, Pennsylvania
Philadelphia, Pennsylvania
Detroit, Michigan
St. Louis, Missouri
Kansas City, Missouri
Nashville, Tennessee
Miami, Florida
Tampa, Florida
Richmond, Virginia
Baltimore, Maryland
Milwaukee, Wisconsin
Indianapolis, Indiana
Salt Lake City, Utah
Portland, Oregon
Omaha, Nebraska
Stamford, Connecticut
Newark, New Jersey
Dublin, Ireland
Hamilton, Bermuda
London, United Kingdom
""".splitlines()
    if line.strip()
)

# The seed's S&P 500 companies: (S&P addition date, sub-industry, headquarters, founded).
# Those added before 2005 are members from the start of the simulated history.
_SEED_LARGE_CAPS: dict[str, tuple[str, str, str, str]] = {
    "MSFT": ("1994-06-01", "Systems Software", "Redmond, Washington", "1975"),
    "ORCL": ("1989-08-31", "Application Software", "Austin, Texas", "1977"),
    "NVDA": ("2001-11-30", "Semiconductors", "Santa Clara, California", "1993"),
    "GLW": ("1995-02-27", "Electronic Components", "Corning, New York", "1851"),
    "ETN": ("1957-03-04", "Electrical Components & Equipment", "Dublin, Ireland", "1911"),
    "CAT": (
        "1957-03-04",
        "Construction Machinery & Heavy Transportation Equipment",
        "Irving, Texas",
        "1925",
    ),
    "GS": ("2002-07-22", "Investment Banking & Brokerage", "New York City, New York", "1869"),
    "AMZN": ("2005-11-18", "Broadline Retail", "Seattle, Washington", "1994"),
    "GOOGL": ("2006-04-03", "Interactive Media & Services", "Mountain View, California", "1998"),
    "PWR": ("2009-07-01", "Construction & Engineering", "Houston, Texas", "1997"),
    "META": ("2013-12-23", "Interactive Media & Services", "Menlo Park, California", "2004"),
    "AVGO": ("2014-05-08", "Semiconductors", "Palo Alto, California", "1961"),
    "CEG": ("2022-02-02", "Electric Utilities", "Baltimore, Maryland", "1999"),
    "GEV": ("2024-04-02", "Heavy Electrical Equipment", "Cambridge, Massachusetts", "2024"),
    "VST": ("2024-05-08", "Electric Utilities", "Irving, Texas", "2016"),
}
# The seed's Russell 2000 companies: (first trading day, exchange as iShares writes it).
_SEED_SMALL_CAPS: dict[str, tuple[str, str]] = {
    "BE": ("2018-07-25", "NYSE"),
    "CRDO": ("2022-01-27", "NASDAQ"),
    "STRL": ("2005-01-03", "NASDAQ"),
    "FN": ("2010-06-25", "NYSE"),
    "CDE": ("2005-01-03", "NYSE"),
    "IONQ": ("2021-10-01", "NYSE"),
    "SATS": ("2008-01-02", "NASDAQ"),
    "UEC": ("2005-01-03", "Nyse Mkt Llc"),
}
# A seed small cap joins the Russell 2000 at the first reconstitution this long after listing.
_SEASONING = timedelta(days=120)
# Years of trading before a new member joins an index (bars start then, not before 2005).
_SP500_LEAD_YEARS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)
_R2000_LEAD_YEARS = (0.3, 0.8, 1.5, 2.5, 4.0, 6.0)
_NORMAL = statistics.NormalDist()
# A Russell member's IWM position when it joins, at an index level of IWM's 2026-01-02 close.
_R2000_POSITION_USD = 3.0e8
# An S&P member's market cap when it joins (median; lognormal spread, the seed's real large
# caps twenty times larger), at an index level of SPY's 2026-01-02 close; IVV holds a fixed
# fraction of every member's shares, so its weights are the members' cap weights.
_SP500_CAP_USD = 2.5e10
_SP500_CAP_SIGMA = 1.1
_SP500_SEED_CAP_FACTOR = 20.0
_IVV_SHARE_OF_COMPANY = 0.011
# The funds' banners and their futures rows: (banner, inception, future root, future name,
# index instrument, contract multiplier).
_FUNDS: dict[str, tuple[str, str, str, str, str, int]] = {
    FUND: ("iShares Russell 2000 ETF", "May 22, 2000", "RTY", "RUSSELL 2000 EMINI CME", "^RUT", 50),
    SP500_FUND: (
        "iShares Core S&P 500 ETF",
        "May 15, 2000",
        "ES",
        "S&P500 EMINI CME",
        "^GSPC",
        50,
    ),
}


# --------------------------------------------------------------------------------------------
# Seeds (own reader: the sample never imports the project's sources)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedCompany:
    symbol: str
    name: str
    index_id: str
    sector: str


def load_seed_companies(path: Path = ENTITIES_CSV) -> list[SeedCompany]:
    """The seed's index companies (``entity_type`` company with an ``index_id``), in file order."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        SeedCompany(
            row["entity_id"].strip(), row["name"].strip(), row["index_id"], row["gics_sector"]
        )
        for row in rows
        if row.get("entity_type") == "company" and row.get("index_id") in (SP500, R2000)
    ]


def _seed_ciks(path: Path = COMPANIES_CSV) -> dict[str, int]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ticker"]: int(row["cik"]) for row in csv.DictReader(handle) if row.get("cik")}


# --------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------


@dataclass
class _Path:
    """A company's price path parameters (shared by its tickers)."""

    key: str
    first_bar: date
    start: float
    beta: float
    idio: float
    alpha: float  # annual idiosyncratic log drift
    volume: float
    dividends: _Dividends | None
    drivers: tuple[str, ...]


@dataclass
class _Company:
    n: int
    name: str
    sector: str
    sub_industry: str
    headquarters: str
    founded: str
    cik: int
    exchange: str
    path: _Path


@dataclass
class Listing:
    """One ticker of a simulated member company."""

    symbol: str
    index_id: str  # the index it was simulated for
    company: _Company
    security_name: str
    first_bar: date
    last_bar: date | None = None  # exclusive: a retired ticker's bars end the session before
    path_of: str | None = None  # another ticker whose path this one follows (share class)
    price_factor: float = 1.0
    seed: bool = False  # a seed company (real name); False = invented


@dataclass
class _Spell:
    symbol: str
    start: date
    end: date | None
    date_added: date  # the company's latest addition (differs from start after a rename)
    kind: str


class _Builder:
    def __init__(self, market: SampleMarket):
        sessions = market.session_dates
        instruments = market.instruments
        self.sessions: list[date] = sessions.astype("datetime64[D]").tolist()
        self.sessions64 = sessions.astype("datetime64[D]")
        self.x = self.sessions64.astype(np.int64)
        self.market_log = market.market_log
        iwm = np.log(market.bars[FUND]["close"].to_numpy())
        self.fund_log = np.concatenate([np.full(len(sessions) - len(iwm), iwm[0]), iwm])
        self._regimes: dict[tuple[str, ...], np.ndarray] = {}
        self.instruments = instruments
        self.listings: dict[str, Listing] = {}
        self.company_count = 0
        self.ticker_rng = random.Random(_seed("tickers", ":membership"))
        self.reserved = {s.upper() for s in instruments} | _PLANTED_TICKERS | _KNOWN_TICKERS
        for inst in instruments.values():
            self.reserved |= {inst.yahoo_symbol.upper(), inst.tiingo_symbol.upper()}
        self.entities = load_seed_companies()
        self.reserved |= {e.symbol for e in self.entities}
        self.ciks = _seed_ciks()

    # calendar ----------------------------------------------------------------------------
    def session_on_or_after(self, day: date) -> date:
        i = int(np.searchsorted(self.sessions64, np.datetime64(day), side="left"))
        return self.sessions[min(i, len(self.sessions) - 1)]

    def session_on_or_before(self, day: date) -> date | None:
        i = int(np.searchsorted(self.sessions64, np.datetime64(day), side="right"))
        return self.sessions[i - 1] if i > 0 else None

    def next_session(self, day: date) -> date:
        return self.session_on_or_after(day + timedelta(days=1))

    def index(self, day: date) -> int:
        return int(np.searchsorted(self.sessions64, np.datetime64(day), side="left"))

    def growth(self, path: _Path, since: date, day: date) -> float:
        """Log growth of a path's price from ``since`` to ``day`` without its noise (a cheap
        proxy of the bars, which are built only when asked for), relative to IWM's."""
        i0, i = self.index(since), self.index(day)
        regime = self._regimes.get(path.drivers)
        if regime is None:
            regime = self._regimes[path.drivers] = _regime(self.x, path.drivers)
        own = (
            path.beta * (self.market_log[i] - self.market_log[i0])
            + regime[i]
            - regime[i0]
            + path.alpha * (self.x[i] - self.x[i0]) / 365.25
        )
        return float(own - (self.fund_log[i] - self.fund_log[i0]))

    # companies ---------------------------------------------------------------------------
    def ticker(self) -> str:
        """A new 3-4 letter ticker with a J, Q, X or Z in it (rare in real tickers)."""
        while True:
            n = 3 if self.ticker_rng.random() < 0.35 else 4
            symbol = "".join(self.ticker_rng.choices(string.ascii_uppercase, k=n))
            if symbol not in self.reserved and not _RARE_LETTERS.isdisjoint(symbol):
                self.reserved.add(symbol)
                return symbol

    def company(
        self,
        index_id: str,
        sector: str,
        first_bar: date,
        key: str,
        *,
        name: str | None = None,
        details: tuple[str, str, str] | None = None,
        cik: int | None = None,
        exchange: str | None = None,
        founded_after: int | None = None,
    ) -> _Company:
        """A company with its price path; details = (sub-industry, headquarters, founded)."""
        self.company_count += 1
        n = self.company_count
        # One batch of draws per company (creating ~1,800 companies must stay cheap).
        draws = random.Random(_seed(key, ":company"))
        u = [draws.random() for _ in range(16)]
        z = _normal(u[14]), _normal(u[15])
        small = index_id == R2000

        def pick(options: tuple, draw: float):
            return options[int(draw * len(options))]

        if details is None:
            founded = str(1850 + int(u[0] * (min(first_bar.year, 2020) - 1850)))
            if founded_after is not None:
                founded = f"{first_bar.year} ({founded_after})"
            details = (pick(_SUB_INDUSTRIES[sector], u[1]), pick(_HEADQUARTERS, u[2]), founded)
        if name is None:
            name = f"Sample {sector} {pick(_NAME_KINDS, u[3])} {n:03d}"
            if u[4] < 0.08:
                name += ", Inc."
        if exchange is None:
            exchange = "NASDAQ" if u[5] < 0.55 else ("NYSE" if u[5] < 0.95 else "Nyse Mkt Llc")
        dividends = None
        if u[6] < _DIVIDEND_PAYERS[sector] * (0.5 if small else 1.0):
            low, high = (0.025, 0.045) if sector in ("Utilities", "Real Estate") else (0.006, 0.03)
            dividends = _Dividends(
                low + (high - low) * u[7],
                months=pick(_DIVIDEND_MONTHS, u[8]),
                day=1 + int(u[9] * 28),
            )
        alpha_sd = 0.05 if small else 0.03
        beta = _SECTORS[sector][2] + (0.2 if small else 0.0) + 0.15 * z[0]
        idio = (0.018, 0.032) if small else (0.011, 0.022)
        path = _Path(
            key=key,
            first_bar=first_bar,
            start=min(300.0, max(3.0, (18 if small else 30) * math.exp(0.7 * _normal(u[10])))),
            beta=min(1.8, max(0.4, beta)),
            idio=idio[0] + (idio[1] - idio[0]) * u[11],
            alpha=min(2 * alpha_sd, max(-2 * alpha_sd, alpha_sd * z[1])),
            volume=(7e5 if small else 3e6) * math.exp(0.6 * _normal(u[12])),
            dividends=dividends,
            drivers=(_slug(sector), "small_cap") if small else (_slug(sector),),
        )
        return _Company(
            n=n,
            name=name,
            sector=sector,
            sub_industry=details[0],
            headquarters=details[1],
            founded=details[2],
            cik=cik if cik is not None else SYNTHETIC_CIK_BASE + n,
            exchange=exchange,
            path=path,
        )

    def first_bar(self, join: date, rng: random.Random, leads: tuple[float, ...]) -> date:
        years = leads[rng.randrange(len(leads))]
        day = join - timedelta(days=round(365.25 * years))
        return self.session_on_or_after(max(HORIZON_START, day))

    def add_listing(self, listing: Listing) -> Listing:
        self.listings[listing.symbol] = listing
        return listing

    def new_member(
        self, index_id: str, sector: str, join: date, rng: random.Random, **kwargs
    ) -> Listing:
        symbol = self.ticker()
        leads = _R2000_LEAD_YEARS if index_id == R2000 else _SP500_LEAD_YEARS
        first = kwargs.pop("first_bar", None) or self.first_bar(join, rng, leads)
        company = self.company(index_id, sector, first, symbol, **kwargs)
        return self.add_listing(Listing(symbol, index_id, company, company.name, first))

    def seed_listing(self, entity: SeedCompany, first_bar: date, **kwargs) -> Listing:
        inst = self.instruments.get(entity.symbol)
        if inst is not None:
            first_bar = inst.first_day
        company = self.company(
            entity.index_id,
            entity.sector,
            first_bar,
            entity.symbol,
            name=entity.name,
            cik=self.ciks.get(entity.symbol),
            **kwargs,
        )
        # Real companies get no drift of their own: their paths follow market, sector, style.
        company.path.alpha = 0.0
        listing = Listing(
            entity.symbol, entity.index_id, company, entity.name, first_bar, seed=True
        )
        return self.add_listing(listing)


def _normal(u: float) -> float:
    """The standard normal quantile of u in (0, 1) (a deterministic draw from a uniform one)."""
    return float(_NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12)))


def _sector_draw(rng: random.Random, column: int) -> str:
    i = bisect.bisect_right(_SECTOR_CUMULATIVE[column], rng.random())
    return _SECTOR_NAMES[min(i, len(_SECTOR_NAMES) - 1)]


def _third_friday(year: int, month: int) -> date:
    first = np.datetime64(f"{year}-{month:02d}-01")
    return np.busday_offset(first, 2, roll="forward", weekmask="Fri").item()


def _last_friday_of_june(year: int) -> date:
    return np.busday_offset(
        np.datetime64(f"{year}-06-30"), 0, roll="backward", weekmask="Fri"
    ).item()


class _SP500Simulation:
    def __init__(self, b: _Builder):
        self.b = b
        self.rng = random.Random(_seed(SP500, ":membership"))
        self.spells: dict[str, list[_Spell]] = {}
        self.current: dict[str, None] = {}  # an ordered set: deterministic choices
        self.former: dict[str, date] = {}  # symbols not (or no longer) members: their last end
        self.protected: set[str] = set()
        self.changes: dict[date, tuple[list[str], list[str]]] = {}

    def open(self, symbol: str, day: date, date_added: date, kind: str) -> None:
        self.spells.setdefault(symbol, []).append(_Spell(symbol, day, None, date_added, kind))
        self.current[symbol] = None
        self.former.pop(symbol, None)

    def close(self, symbol: str, day: date) -> None:
        self.spells[symbol][-1].end = day
        del self.current[symbol]
        self.former[symbol] = day

    def run(self) -> None:
        b, rng = self.b, self.rng
        day0 = b.sessions[0]
        seeds = [e for e in b.entities if e.index_id == SP500]
        joins: dict[str, date] = {}
        for entity in seeds:
            added = date.fromisoformat(_SEED_LARGE_CAPS.get(entity.symbol, ("2005-01-03",))[0])
            details = _SEED_LARGE_CAPS.get(entity.symbol, (None,) * 4)[1:]
            listing = b.seed_listing(entity, HORIZON_START, details=details if details[0] else None)
            join = b.session_on_or_after(max(added, listing.first_bar))
            joins[entity.symbol] = join
            self.protected.add(entity.symbol)
            if join <= day0:
                self.open(entity.symbol, day0, added, "initial")

        # Planted: share class A from the start, the company renamed later, a spin-off parent.
        cls_a, cls_b = SHARE_CLASSES
        company = b.company(SP500, "Consumer Discretionary", day0, cls_a)
        company.name = f"Sample Consumer Discretionary Brands {company.n:03d}"
        for symbol in SHARE_CLASSES:
            self.protected.add(symbol)
        b.add_listing(Listing(cls_a, SP500, company, f"{company.name} (Class A)", day0))
        self.open(cls_a, day0, date(1998, 9, 14), "initial")
        renamed = b.company(SP500, "Information Technology", day0, RENAME_FROM)
        b.add_listing(Listing(RENAME_FROM, SP500, renamed, renamed.name, day0))
        self.open(RENAME_FROM, day0, date(2001, 10, 1), "initial")
        parent = b.company(SP500, "Industrials", day0, SPINOFF_PARENT)
        b.add_listing(Listing(SPINOFF_PARENT, SP500, parent, parent.name, day0))
        self.open(SPINOFF_PARENT, day0, date(1976, 6, 30), "initial")
        self.protected |= {RENAME_FROM, RENAME_TO, SPINOFF_PARENT, SPINOFF_CHILD}

        epoch = date(1957, 3, 4).toordinal()
        while len(self.current) < SP500_SIZE:
            listing = b.new_member(SP500, _sector_draw(rng, 0), day0, rng, first_bar=day0)
            added = (
                date(1957, 3, 4)
                if rng.random() < 0.15
                else date.fromordinal(rng.randrange(epoch, date(2004, 12, 31).toordinal()))
            )
            self.open(listing.symbol, day0, added, "initial")

        slots: dict[date, list[tuple]] = {}
        for symbol, join in joins.items():
            if join > day0:
                slots.setdefault(join, []).append(("seed", symbol))
        slots.setdefault(b.session_on_or_after(SHARE_CLASS_ADDED), []).append(("share_class",))
        slots.setdefault(b.session_on_or_after(RENAME_DATE), []).append(("rename",))
        spin = b.session_on_or_after(SPINOFF_DATE)
        slots.setdefault(spin, []).append(("spinoff",))
        slots.setdefault(b.next_session(spin), []).append(("removal",))
        for year in range(HORIZON_START.year, HORIZON_END.year + 1):
            planned = rng.randint(*CHANGES_PER_YEAR)
            fixed = sum(
                1
                for day, items in slots.items()
                if day.year == year
                for item in items
                if item[0] != "removal"
            )
            lo = bisect.bisect_right(b.sessions, max(day0, date(year, 1, 1)))
            year_sessions = b.sessions[lo : bisect.bisect_left(b.sessions, date(year + 1, 1, 1))]
            rebalances = [b.next_session(_third_friday(year, m)) for m in (3, 6, 9, 12)]
            for _ in range(max(0, planned - fixed)):
                if rng.random() < REBALANCE_SHARE:
                    day = rebalances[rng.randrange(4)]
                else:
                    day = year_sessions[rng.randrange(len(year_sessions))]
                slots.setdefault(day, []).append(("random",))

        for day in sorted(slots):
            added: list[str] = []
            removed: list[str] = []
            for item in slots[day]:
                kind = item[0]
                if kind == "seed":
                    symbol = item[1]
                    removed.append(self.remove_one(day, added))
                    self.open(symbol, day, day, "seed")
                    added.append(symbol)
                elif kind == "share_class":
                    a = b.listings[cls_a]
                    b.add_listing(
                        Listing(
                            cls_b,
                            SP500,
                            a.company,
                            f"{a.company.name} (Class B)",
                            day,
                            path_of=cls_a,
                            price_factor=SHARE_CLASS_DISCOUNT,
                        )
                    )
                    removed.append(self.remove_one(day, added))
                    self.open(cls_b, day, day, "share_class")
                    added.append(cls_b)
                elif kind == "rename":
                    old = b.listings[RENAME_FROM]
                    old.last_bar = day
                    # Same company, path and CIK under a new ticker and a new name.
                    new_name = f"Sample Information Technology Platforms {old.company.n:03d}"
                    b.add_listing(Listing(RENAME_TO, SP500, old.company, new_name, old.first_bar))
                    old_added = self.spells[RENAME_FROM][-1].date_added
                    self.close(RENAME_FROM, day)
                    self.open(RENAME_TO, day, old_added, "rename")
                    removed.append(RENAME_FROM)
                    added.append(RENAME_TO)
                elif kind == "spinoff":
                    parent_company = b.listings[SPINOFF_PARENT].company
                    company = b.company(
                        SP500,
                        parent_company.sector,
                        day,
                        SPINOFF_CHILD,
                        founded_after=int(parent_company.founded[:4]),
                    )
                    b.add_listing(Listing(SPINOFF_CHILD, SP500, company, company.name, day))
                    self.open(SPINOFF_CHILD, day, day, "spin_off")
                    added.append(SPINOFF_CHILD)
                elif kind == "removal":
                    removed.append(self.remove_one(day, added))
                else:
                    out = self.remove_one(day, added)
                    removed.append(out)
                    added.append(self.add_one(day, b.listings[out].company.sector, removed))
            self.changes[day] = (added, removed)

    def remove_one(self, day: date, added_today: list[str]) -> str:
        """A member leaves, the weaker performers more likely (weight exp(-alpha / 0.05)).

        Rejection sampling: draw a member, accept an eligible one with probability
        weight / max weight (members of at least a year, not protected, not added today).
        """
        year_ago = day - timedelta(days=365)
        members = list(self.current)
        top = math.exp(0.10 / 0.05)  # S&P members' alpha is at least -0.10
        while True:
            symbol = members[self.rng.randrange(len(members))]
            accept = self.rng.random()
            if (
                symbol in self.protected
                or symbol in added_today
                or self.spells[symbol][-1].date_added > year_ago
            ):
                continue
            if accept * top <= math.exp(-self.b.listings[symbol].company.path.alpha / 0.05):
                self.close(symbol, day)
                return symbol

    def add_one(self, day: date, sector: str, removed_today: list[str]) -> str:
        rng, b = self.rng, self.b
        if rng.random() < READD_SHARE:
            two_years_ago = day - timedelta(days=730)
            former = [
                s
                for s, end in self.former.items()
                if s not in removed_today
                and end <= two_years_ago
                and b.listings[s].last_bar is None
            ]
            if former:
                symbol = former[rng.randrange(len(former))]
                self.open(symbol, day, day, "re-addition")
                return symbol
        if rng.random() >= 0.6:
            sector = _sector_draw(rng, 0)
        listing = b.new_member(SP500, sector, day, rng)
        # Companies join after growing: tilt their drift up a little.
        listing.company.path.alpha = abs(listing.company.path.alpha) * 0.5 + 0.01
        self.open(listing.symbol, day, day, "addition")
        return listing.symbol


class _R2000Simulation:
    def __init__(self, b: _Builder):
        self.b = b
        self.rng = random.Random(_seed(R2000, ":membership"))
        self.spells: dict[str, list[_Spell]] = {}
        self.current: dict[str, None] = {}  # an ordered set
        self.former: dict[str, date] = {}
        self.protected: set[str] = set()
        self.reconstitutions: list[date] = []
        self.changes: dict[date, tuple[list[str], list[str]]] = {}

    def open(self, symbol: str, day: date, kind: str) -> None:
        self.spells.setdefault(symbol, []).append(_Spell(symbol, day, None, day, kind))
        self.current[symbol] = None
        self.former.pop(symbol, None)

    def run(self) -> None:
        b, rng = self.b, self.rng
        day0 = b.sessions[0]
        self.reconstitutions = [
            b.session_on_or_before(_last_friday_of_june(y))
            for y in range(HORIZON_START.year, HORIZON_END.year + 1)
        ]
        joins: dict[str, date] = {}
        for entity in (e for e in b.entities if e.index_id == R2000):
            first, exchange = _SEED_SMALL_CAPS.get(entity.symbol, ("2005-01-03", "NASDAQ"))
            first_bar = b.session_on_or_after(max(HORIZON_START, date.fromisoformat(first)))
            b.seed_listing(entity, first_bar, exchange=exchange)
            self.protected.add(entity.symbol)
            if first_bar <= day0:
                joins[entity.symbol] = day0
            else:
                seasoned = first_bar + _SEASONING
                later = [r for r in self.reconstitutions if r >= seasoned]
                if later:
                    joins[entity.symbol] = later[0]
        for symbol, join in joins.items():
            if join == day0:
                self.open(symbol, day0, "initial")
        company = b.company(R2000, "Industrials", day0, "JLMB", exchange="NYSE")
        company.name = f"Sample Industrials Holdings {company.n:03d}"
        b.add_listing(Listing(R2000_SHARE_CLASS, R2000, company, f"{company.name} Class A", day0))
        self.protected.add(R2000_SHARE_CLASS)
        self.open(R2000_SHARE_CLASS, day0, "initial")
        while len(self.current) < R2000_SIZE:
            listing = b.new_member(R2000, _sector_draw(rng, 1), day0, rng, first_bar=day0)
            self.open(listing.symbol, day0, "initial")

        for recon in self.reconstitutions:
            joining = [s for s, d in joins.items() if d == recon]
            candidates = [
                b.listings[s]
                for s in self.current
                if s not in self.protected and self.spells[s][-1].start < recon
            ]
            k = sum(rng.random() < R2000_TURNOVER for _ in range(R2000_SIZE))
            # Weighted sample without replacement (Efraimidis-Spirakis): the members that grew
            # or shrank most against the index since they joined (graduates and drop-outs) are
            # the likeliest to leave: weight exp(|growth| / 0.25).
            growth = [
                b.growth(c.company.path, self.spells[c.symbol][-1].start, recon) for c in candidates
            ]
            keys = [rng.random() ** math.exp(-abs(g) / 0.25) for g in growth]
            chosen = sorted(range(len(candidates)), key=keys.__getitem__, reverse=True)[:k]
            removed = [candidates[i].symbol for i in sorted(chosen)]
            for symbol in removed:
                self.spells[symbol][-1].end = recon
                del self.current[symbol]
                self.former[symbol] = recon
            target = R2000_SIZE + rng.randint(-3, 3)
            added: list[str] = []
            for symbol in joining:
                self.open(symbol, recon, "seed")
                added.append(symbol)
            while len(self.current) < target:
                symbol = self.reentry(recon, removed)
                if symbol is None:
                    symbol = b.new_member(R2000, _sector_draw(rng, 1), recon, rng).symbol
                self.open(symbol, recon, "addition")
                added.append(symbol)
            self.changes[recon] = (added, removed)

    def reentry(self, recon: date, removed_now: list[str]) -> str | None:
        if self.rng.random() >= R2000_REENTRY_SHARE:
            return None
        two_years_ago = recon - timedelta(days=730)
        former = [
            s for s, end in self.former.items() if s not in removed_now and end <= two_years_ago
        ]
        return former[self.rng.randrange(len(former))] if former else None


# --------------------------------------------------------------------------------------------
# The result: truth tables, bars, instruments
# --------------------------------------------------------------------------------------------


def _spell_frame(index_id: str, spells: dict[str, list[_Spell]], listings: dict[str, Listing]):
    rows = []
    for symbol in sorted(spells):
        company = listings[symbol].company
        for s in spells[symbol]:
            rows.append(
                {
                    "index_id": index_id,
                    "symbol": symbol,
                    "start_date": s.start,
                    "end_date": s.end,
                    "date_added": s.date_added,
                    "kind": s.kind,
                    "security_name": listings[symbol].security_name,
                    "gics_sector": company.sector,
                    "gics_sub_industry": company.sub_industry,
                    "cik": company.cik,
                }
            )
    frame = pd.DataFrame(rows)
    for column in ("start_date", "end_date", "date_added"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    frame["cik"] = frame["cik"].astype("Int64")
    return frame


def _change_frame(changes: dict[date, tuple[list[str], list[str]]]) -> pd.DataFrame:
    days = sorted(changes)
    frame = pd.DataFrame(
        {
            "date": days,
            "added": [tuple(changes[d][0]) for d in days],
            "removed": [tuple(changes[d][1]) for d in days],
        }
    )
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    return frame


@dataclass(frozen=True, eq=False)
class SampleMembership:
    """The simulated truth, for the wire renderers and for tests.

    ``sp500`` and ``r2000``: one row per spell ``[start_date, end_date)`` (NaT = still a member)
    with the company's ``date_added``, ``kind`` (initial, addition, re-addition, seed, rename,
    share_class, spin_off) and details. ``sp500_changes`` and ``r2000_changes``: ``date``,
    ``added``, ``removed`` (tuples) for every change day of the whole horizon. ``listings``: one
    row per simulated ticker. ``holdings(day)`` is the IWM table on a session.
    """

    sp500: pd.DataFrame
    sp500_changes: pd.DataFrame
    r2000: pd.DataFrame
    r2000_changes: pd.DataFrame
    reconstitutions: tuple[date, ...]
    listings: pd.DataFrame
    _listings: Mapping[str, Listing] = field(repr=False)
    _market: SampleMarket = field(repr=False)
    _joins: Mapping[str, tuple[date, ...]] = field(repr=False)  # Russell spell starts
    _closes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _split_factors: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    # membership on a day -----------------------------------------------------------------
    def members(self, index_id: str, day: date) -> list[str]:
        spells = self.sp500 if index_id == SP500 else self.r2000
        ts = pd.Timestamp(day)
        alive = (spells["start_date"] <= ts) & (
            spells["end_date"].isna() | (spells["end_date"] > ts)
        )
        return sorted(spells.loc[alive, "symbol"])

    def listing(self, symbol: str) -> Listing:
        return self._listings[symbol]

    def session_on_or_before(self, day: date) -> date | None:
        sessions = self._market.session_dates
        i = int(np.searchsorted(sessions, np.datetime64(day), side="right"))
        return sessions[i - 1].item() if i > 0 else None

    def close_on(self, symbol: str, day: date) -> float:
        """The raw close of a member (or a sample instrument) on a session."""
        if symbol not in self._closes:
            frame = self._market.frame(symbol)
            dates = frame["date"].to_numpy().astype("datetime64[D]")
            self._closes[symbol] = (dates, frame["close"].to_numpy().copy())
        dates, closes = self._closes[symbol]
        i = int(np.searchsorted(dates, np.datetime64(day), side="left"))
        if i >= len(dates) or dates[i] != np.datetime64(day):
            raise KeyError(f"{symbol} has no bar on {day}")
        return float(closes[i])

    def split_adjusted_close_on(self, symbol: str, day: date) -> float:
        """The close of a member on a session in today's share units (raw x split factor)."""
        if symbol not in self._split_factors:
            frame = self._market.frame(symbol)
            dates = frame["date"].to_numpy().astype("datetime64[D]")
            self._split_factors[symbol] = (dates, frame["split_adj_factor"].to_numpy().copy())
        dates, factors = self._split_factors[symbol]
        i = int(np.searchsorted(dates, np.datetime64(day), side="left"))
        if i >= len(dates) or dates[i] != np.datetime64(day):
            raise KeyError(f"{symbol} has no bar on {day}")
        return self.close_on(symbol, day) * float(factors[i])

    # iShares holdings ----------------------------------------------------------------------
    def holdings(self, day: date, fund: str = FUND) -> pd.DataFrame:
        """A fund's holdings at the close of session ``day``, every row of the file, largest
        first: IWM (the simulated Russell 2000) or IVV (the simulated S&P 500).

        Columns: ticker (as iShares spells it), symbol (canonical), name, sector, asset_class,
        market_value, weight_pct, notional_value, quantity, price, exchange.
        """
        if fund == SP500_FUND:
            rows = [self._ivv_row(symbol, start, day) for symbol, start in self._sp500_starts(day)]
        elif fund == FUND:
            rows = [self._iwm_row(symbol, day) for symbol in self.members(R2000, day)]
        else:
            raise ValueError(f"the sample serves no holdings of fund {fund!r}")
        equity = sum(r["market_value"] for r in rows)
        _, _, root, future_name, index_symbol, multiplier = _FUNDS[fund]
        rng = np.random.default_rng(_seed(fund, f":cash:{day}"))
        cash = round(equity * float(rng.uniform(0.0002, 0.0015)), 2)
        money_market = round(equity * float(rng.uniform(0.002, 0.006)), 2)
        contracts = float(int(rng.integers(150, 900)))
        level = self.close_on(index_symbol, day)
        month, code = _future_contract(day)
        rows.append(_other_row("USD", "USD CASH", "Cash", cash, cash, round(cash / 100.0), 100.0))
        rows.append(
            _other_row(
                "XTSLA",
                "BLK CSH FND TREASURY SL AGENCY",
                "Money Market",
                money_market,
                money_market,
                round(money_market),
                1.0,
            )
        )
        rows.append(
            _other_row(
                f"{root}{code}",
                f"{future_name} {month}",
                "Futures",
                round(float(rng.normal(0.0, 2e4)), 2),
                round(contracts * multiplier * level, 2),
                contracts,
                round(level, 2),
            )
        )
        frame = pd.DataFrame(rows)
        total = frame["market_value"].sum()
        frame["weight_pct"] = (frame["market_value"] / total * 100).round(2)
        frame["notional_value"] = frame["notional_value"].fillna(frame["market_value"])
        frame = frame.sort_values(
            ["market_value", "ticker"], ascending=[False, True], kind="stable", ignore_index=True
        )
        return frame[
            [
                "ticker",
                "symbol",
                "name",
                "sector",
                "asset_class",
                "market_value",
                "weight_pct",
                "notional_value",
                "quantity",
                "price",
                "exchange",
            ]
        ]

    def _sp500_starts(self, day: date) -> list[tuple[str, date]]:
        """(symbol, start of its current spell) of the S&P 500 members on ``day``."""
        spells = self.sp500
        ts = pd.Timestamp(day)
        alive = spells[
            (spells["start_date"] <= ts) & (spells["end_date"].isna() | (spells["end_date"] > ts))
        ]
        return sorted(
            (symbol, start.date())
            for symbol, start in zip(alive["symbol"], alive["start_date"], strict=True)
        )

    def _equity_row(self, symbol: str, quantity: float, price: float) -> dict:
        listing = self._listings[symbol]
        company = listing.company
        return {
            "ticker": symbol.replace(".", " ") if company.exchange == "NYSE" else symbol,
            "symbol": symbol,
            "name": _ishares_name(listing.security_name),
            "sector": _ISHARES_SECTOR.get(company.sector, company.sector),
            "asset_class": "Equity",
            "quantity": quantity,
            "price": price,
            "market_value": round(quantity * price, 2),
            "exchange": company.exchange,
        }

    def _iwm_row(self, symbol: str, day: date) -> dict:
        """A Russell member's IWM position: a share count fixed when it joined."""
        joined = max(d for d in self._joins[symbol] if d <= day)
        key_rng = np.random.default_rng(_seed(symbol, f":iwm:{joined}"))
        position = _R2000_POSITION_USD * key_rng.lognormal(0.0, 0.6)
        position *= self.close_on(FUND, joined) / self.close_on(FUND, date(2026, 1, 2))
        quantity = float(round(position / self.close_on(symbol, joined)))
        return self._equity_row(symbol, quantity, round(self.close_on(symbol, day), 2))

    def _ivv_row(self, symbol: str, joined: date, day: date) -> dict:
        """An S&P member's IVV position: a fixed fraction of its synthetic shares outstanding.

        The share count (in today's share units, so splits keep the value) is set when the
        member joins and re-set on the first session of every year, from a market cap drawn
        once per spell and scaled by SPY's level then: weights drift with prices within a year
        and twenty years of price paths do not pile the index into a few names."""
        listing = self._listings[symbol]
        sessions = self._market.session_dates
        first_of_year = sessions[
            int(np.searchsorted(sessions, np.datetime64(date(day.year, 1, 1)), side="left"))
        ].item()
        counted = max(joined, first_of_year)
        key_rng = np.random.default_rng(_seed(symbol, f":ivv:{joined}"))
        cap = _SP500_CAP_USD * key_rng.lognormal(0.0, _SP500_CAP_SIGMA)
        cap *= _SP500_SEED_CAP_FACTOR if listing.seed else 1.0
        cap *= self.close_on(MARKET_FUND, counted) / self.close_on(MARKET_FUND, date(2026, 1, 2))
        shares = cap / self.split_adjusted_close_on(symbol, counted)  # today's share units
        close = self.close_on(symbol, day)
        split_factor = self.split_adjusted_close_on(symbol, day) / close  # raw shares per unit
        quantity = float(round(_IVV_SHARE_OF_COMPANY * shares * split_factor))
        return self._equity_row(symbol, quantity, round(close, 2))


def _ishares_name(name: str) -> str:
    return " ".join(
        name.upper().replace(",", "").replace(".", "").replace("(", "").replace(")", "").split()
    )


def _other_row(ticker, name, asset_class, market_value, notional, quantity, price) -> dict:
    return {
        "ticker": ticker,
        "symbol": None,
        "name": name,
        "sector": "Cash and/or Derivatives",
        "asset_class": asset_class,
        "quantity": float(quantity),
        "price": float(price),
        "market_value": float(market_value),
        "notional_value": float(notional),
        "exchange": "-",
    }


_FUTURE_MONTHS = ((3, "H", "MAR"), (6, "M", "JUN"), (9, "U", "SEP"), (12, "Z", "DEC"))


def _future_contract(day: date) -> tuple[str, str]:
    """The front quarterly Russell 2000 future on ``day``: ('SEP 26', 'U6')."""
    for year in (day.year, day.year + 1):
        for month, code, name in _FUTURE_MONTHS:
            if _third_friday(year, month) > day:
                return f"{name} {year % 100:02d}", f"{code}{year % 10}"
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------
# Lazy bars
# --------------------------------------------------------------------------------------------


class MemberBars(Mapping[str, pd.DataFrame]):
    """Bars of the simulated members that are not seed instruments, built on first access.

    A small LRU cache keeps the frames most recently asked for (a price fetch reads each a few
    times in a row); a frame is rebuilt identically when asked again later, so the market never
    holds the ~1,800 members' frames at once.
    """

    CACHE_SIZE = 48

    def __init__(self, listings: Mapping[str, Listing], market: SampleMarket):
        self._listings = listings
        self._market = market
        self._cache: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._lock = Lock()
        self.builds = 0  # frames built so far (a measure of laziness)
        self.describe: Callable[[], SampleMembership] | None = None  # set by attach_members
        self._membership: SampleMembership | None = None

    @property
    def membership(self) -> SampleMembership:
        """The simulated membership these members come from (built on first use)."""
        with self._lock:
            if self._membership is None:
                if self.describe is None:
                    raise ValueError("these member bars carry no simulated membership")
                self._membership = self.describe()
            return self._membership

    def __getitem__(self, symbol: str) -> pd.DataFrame:
        if symbol not in self._listings:
            raise KeyError(symbol)
        with self._lock:
            frame = self._cache.get(symbol)
            if frame is not None:
                self._cache.move_to_end(symbol)
                return frame
        frame = member_frame(self._listings[symbol], self._listings, self._market)
        with self._lock:
            self.builds += 1
            self._cache[symbol] = frame
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._listings)

    def __len__(self) -> int:
        return len(self._listings)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._listings


def member_frame(
    listing: Listing, listings: Mapping[str, Listing], market: SampleMarket
) -> pd.DataFrame:
    """A member's bars (``market.BAR_COLUMNS``) from its first bar to its last."""
    owner = listings[listing.path_of] if listing.path_of else listing
    path = owner.company.path
    sessions = market.session_dates
    lo = int(np.searchsorted(sessions, np.datetime64(path.first_bar), side="left"))
    x = sessions[lo:].astype(np.int64)
    mkt = market.market_log[lo:]
    mvol = market.market_vol[lo:]
    profile = _Profile(start=path.start, beta=path.beta, idio=path.idio, volume=path.volume)
    rng = np.random.default_rng(_seed(path.key, ":member"))
    log_close, vol = _log_path(x, mkt, mvol, profile, path.drivers, rng, False)
    log_close = log_close + path.alpha * (x - x[0]) / 365.25
    if listing.path_of:
        # Another share class of the same company: the owner's path from its own first bar,
        # at a small discount with a little noise of its own.
        cut = int(np.searchsorted(sessions[lo:], np.datetime64(listing.first_bar), side="left"))
        rng = np.random.default_rng(_seed(listing.symbol, ":member"))
        x, mvol, vol = x[cut:], mvol[cut:], vol[cut:]
        noise = sample_market._ar1(0.002 * rng.standard_normal(len(x)), 0.9)
        log_close = log_close[cut:] + np.log(listing.price_factor) + noise - noise[0]
        lo += cut
    dates = sessions[lo:]
    o, h, low, c = _ohlc(log_close, vol, rng, False)
    volume = _volume(path.volume, log_close, vol, mvol, rng)
    frame = _finish_bars(
        dates,
        o,
        h,
        low,
        c,
        volume,
        np.ones(len(dates)),
        path.dividends,
        False,
        rng,
        PRICE_DECIMALS,
    )
    if listing.last_bar is not None:
        keep = int(np.searchsorted(dates, np.datetime64(listing.last_bar), side="left"))
        frame = frame.iloc[:keep].copy()
        # Back-adjustment factors are relative to the ticker's own last bar.
        frame["split_adj_factor"] /= frame["split_adj_factor"].iat[-1]
        frame["total_adj_factor"] /= frame["total_adj_factor"].iat[-1]
    return frame


# --------------------------------------------------------------------------------------------
# Attaching the members to the market
# --------------------------------------------------------------------------------------------


def provider_codes(symbol: str) -> tuple[str, str, str]:
    """(Yahoo, Tiingo, Stooq) spellings of a member symbol: BRK.B -> BRK-B, BRK-B, brk-b.us."""
    hyphenated = symbol.replace(".", "-")
    return hyphenated, hyphenated, f"{hyphenated.lower()}.us"


def _member_instrument(listing: Listing) -> Instrument:
    yahoo, tiingo, stooq = provider_codes(listing.symbol)
    return Instrument(
        symbol=listing.symbol,
        name=listing.security_name,
        asset_class="equity",
        role="index_member",
        sector=listing.company.sector,
        style="small_cap" if listing.index_id == R2000 else "large_cap",
        theme="",
        calendar="XNYS",
        listed_on=listing.first_bar,
        yahoo_symbol=yahoo,
        tiingo_symbol=tiingo,
        stooq_symbol=stooq,
    )


def attach_members(market: SampleMarket) -> SampleMarket:
    """The market plus every simulated member's instrument and lazy bars (see the module doc)."""
    builder = _Builder(market)
    sp500 = _SP500Simulation(builder)
    sp500.run()
    r2000 = _R2000Simulation(builder)
    r2000.run()
    listings = builder.listings
    generated = {s: li for s, li in listings.items() if s not in market.instruments}
    bars = MemberBars(MappingProxyType(generated), market)
    instruments = {**market.instruments}
    for symbol, listing in generated.items():
        instruments[symbol] = _member_instrument(listing)
    attached = replace(market, instruments=MappingProxyType(instruments), member_bars=bars)

    def membership() -> SampleMembership:
        # The truth tables are only needed when a membership file is served (or in tests).
        return SampleMembership(
            sp500=_spell_frame(SP500, sp500.spells, listings),
            sp500_changes=_change_frame(sp500.changes),
            r2000=_spell_frame(R2000, r2000.spells, listings),
            r2000_changes=_change_frame(r2000.changes),
            reconstitutions=tuple(r2000.reconstitutions),
            listings=_listing_frame(listings, market),
            _listings=MappingProxyType(dict(listings)),
            _market=attached,
            _joins=MappingProxyType(
                {s: tuple(spell.start for spell in spells) for s, spells in r2000.spells.items()}
            ),
        )

    bars.describe = membership
    return attached


def _listing_frame(listings: Mapping[str, Listing], market: SampleMarket) -> pd.DataFrame:
    rows = []
    for symbol in sorted(listings):
        listing = listings[symbol]
        c = listing.company
        rows.append(
            {
                "symbol": symbol,
                "index_id": listing.index_id,
                "security_name": listing.security_name,
                "gics_sector": c.sector,
                "gics_sub_industry": c.sub_industry,
                "headquarters": c.headquarters,
                "founded": c.founded,
                "cik": c.cik,
                "exchange": c.exchange,
                "first_bar": listing.first_bar,
                "last_bar": listing.last_bar,
                "seed": listing.seed,
                "sample_instrument": symbol in market.instruments,
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("first_bar", "last_bar"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    frame["cik"] = frame["cik"].astype("Int64")
    return frame


def membership_of(market: SampleMarket) -> SampleMembership:
    """The simulated membership behind a market from :func:`attach_members`."""
    bars = market.member_bars
    if not isinstance(bars, MemberBars) or bars.describe is None:
        raise ValueError("this market has no simulated members (use generate_market())")
    return bars.membership


@cache
def sample_membership() -> SampleMembership:
    """The sample's simulated membership (the one ``generate_market()`` carries)."""
    return membership_of(generate_market())


# --------------------------------------------------------------------------------------------
# Wire formats
# --------------------------------------------------------------------------------------------


def _clamp(as_of: date) -> date:
    return min(max(as_of, HORIZON_START), HORIZON_END)


def spells_cutoff(as_of: date) -> date:
    """The last day the spells file knows about: the first of the month before ``as_of``'s."""
    first = as_of.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return max(previous, HORIZON_START)


def constituents_csv(as_of: date, membership: SampleMembership | None = None) -> str:
    """``constituents.csv``: the members on ``as_of``, sorted by security name."""
    m = membership or sample_membership()
    day = pd.Timestamp(_clamp(as_of))
    spells = m.sp500
    alive = spells[
        (spells["start_date"] <= day) & (spells["end_date"].isna() | (spells["end_date"] > day))
    ]
    details = m.listings.set_index("symbol")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CONSTITUENTS_HEADER)
    rows = []
    for row in alive.itertuples(index=False):
        d = details.loc[row.symbol]
        rows.append(
            (
                row.symbol,
                row.security_name,
                row.gics_sector,
                row.gics_sub_industry,
                d["headquarters"],
                f"{row.date_added:%Y-%m-%d}",
                str(int(row.cik)),
                d["founded"],
            )
        )
    rows.sort(key=lambda r: (r[1].casefold(), r[0]))
    writer.writerows(rows)
    return buffer.getvalue()


def spells_csv(as_of: date, membership: SampleMembership | None = None) -> str:
    """``sp500_ticker_start_end.csv`` as known on :func:`spells_cutoff` (it lags ``as_of``)."""
    m = membership or sample_membership()
    cutoff = pd.Timestamp(spells_cutoff(_clamp(as_of)))
    lines = ["ticker,start_date,end_date"]
    known = m.sp500[m.sp500["start_date"] <= cutoff].sort_values(["symbol", "start_date"])
    for symbol, start, end in zip(
        known["symbol"], known["start_date"], known["end_date"], strict=True
    ):
        end_text = "" if pd.isna(end) or end > cutoff else f"{end:%Y-%m-%d}"
        lines.append(f"{symbol},{start:%Y-%m-%d},{end_text}")
    return "\n".join(lines) + "\n"


def changes_csv(as_of: date, membership: SampleMembership | None = None) -> str:
    """``sp500_changes_since_2019.csv``: one line per change day from 2019-01-01 to ``as_of``."""
    m = membership or sample_membership()
    changes = m.sp500_changes
    window = changes[
        (changes["date"] >= pd.Timestamp(CHANGES_SINCE))
        & (changes["date"] <= pd.Timestamp(_clamp(as_of)))
    ]
    lines = ["date,add,remove"]
    for day, added, removed in zip(window["date"], window["added"], window["removed"], strict=True):
        lines.append(f'{day:%Y-%m-%d},"{",".join(added)}","{",".join(removed)}"')
    return "\n".join(lines) + "\n"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _quoted(cells) -> str:
    return ",".join(f'"{c}"' for c in cells)


def ishares_holdings_csv(
    as_of: date,
    requested: date | None = None,
    membership: SampleMembership | None = None,
    fund: str = FUND,
) -> str:
    """The holdings file of ``fund`` (IWM or IVV) of ``requested`` (a past day), else of the
    last session before ``as_of``."""
    m = membership or sample_membership()
    latest = m.session_on_or_before(_clamp(as_of) - timedelta(days=1)) or HORIZON_START
    day = latest if requested is None or requested >= latest else m.session_on_or_before(requested)
    banner, inception, *_ = _FUNDS[fund]
    lines = [f"\ufeff{banner}"]
    if day is None:
        lines += ['Fund Holdings as of,"-"', f'Inception Date,"{inception}"']
        lines += ['Shares Outstanding,"-"', 'Stock,"-"', 'Bond,"-"', 'Cash,"-"', 'Other,"-"']
        lines += [" ", ",".join(ISHARES_HEADER), " ", _quoted([ISHARES_FOOTER])]
        return "\n".join(lines) + "\n"
    table = m.holdings(day, fund)
    nav = float(table["market_value"].sum())
    # The fund's share price: the sample's IWM bars; IVV trades at about 1.1 x SPY.
    price = m.close_on(FUND, day) if fund == FUND else 1.1 * m.close_on(MARKET_FUND, day)
    shares = round(nav / price, -4)
    lines += [
        f'Fund Holdings as of,"{day:%b %d, %Y}"',
        f'Inception Date,"{inception}"',
        f'Shares Outstanding,"{_money(shares)}"',
        'Stock,"-"',
        'Bond,"-"',
        'Cash,"-"',
        'Other,"-"',
        " ",
        ",".join(ISHARES_HEADER),
    ]
    for row in table.itertuples(index=False):
        lines.append(
            _quoted(
                (
                    row.ticker,
                    row.name,
                    row.sector,
                    row.asset_class,
                    _money(row.market_value),
                    f"{row.weight_pct + 0.0:.2f}",  # no "-0.00"
                    _money(row.notional_value),
                    _money(row.quantity),
                    _money(row.price),
                    "United States",
                    row.exchange,
                    "USD",
                    "1.00",
                    "USD",
                    "-",
                )
            )
        )
    lines += [" ", _quoted([ISHARES_FOOTER])]
    return "\n".join(lines) + "\n"


def respond(
    path: str, query: Mapping[str, str], as_of: date, *, market: SampleMarket | None = None
) -> WireResponse | None:
    """The answer for one of the membership files' URL paths (None for any other path).

    ``as_of`` is the day the files are fetched (the S&P files describe it; the iShares funds'
    default holdings are those of the last session before it).
    """
    route = path.rstrip("/")
    if route not in PATHS:
        return None
    if market is None or not isinstance(market.member_bars, MemberBars):
        market = generate_market()
    membership = membership_of(market)
    if route == CONSTITUENTS_PATH:
        return WireResponse(200, constituents_csv(as_of, membership).encode(), GITHUB_RAW)
    if route == SPELLS_PATH:
        return WireResponse(200, spells_csv(as_of, membership).encode(), GITHUB_RAW)
    if route == CHANGES_PATH:
        return WireResponse(200, changes_csv(as_of, membership).encode(), GITHUB_RAW)
    if query.get("fileType", "csv").lower() != "csv":
        return WireResponse(400, b"Only fileType=csv is served by the sample\n", TEXT)
    requested = None
    if text := query.get("asOfDate", "").strip():
        try:
            requested = datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            return WireResponse(400, f"asOfDate {text!r} is not YYYYMMDD\n".encode(), TEXT)
    body = ishares_holdings_csv(as_of, requested, membership, HOLDINGS_PATHS[route])
    return WireResponse(200, body.encode("utf-8"), ISHARES_CSV)
