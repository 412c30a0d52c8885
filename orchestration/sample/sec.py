"""SYNTHETIC SEC company facts and submissions for the offline sample, in SEC's real wire formats.

Nothing here is real company data. Every company of ``dbt_project/seeds/companies.csv`` gets a
made-up financial history (revenue, capex, operating cash flow, net income, diluted EPS,
finance-lease principal, shares outstanding) shaped to look plausible - hyperscaler capex grows
fast through 2025-2026 - and drawn from fixed seeds, so every run renders the same bytes. The
documents mirror the structure of the recorded Alphabet company facts and Microsoft submissions
in the shared fixtures:

* ``companyfacts_document(cik, as_of)``: ``{"cik": int, "entityName", "facts": {taxonomy: {tag:
  {"label", "description", "units": {unit: [{"start"?, "end", "val", "accn", "fy", "fp",
  "form", "filed", "frame"?}, ...]}}}}}``.
* ``submissions_document(cik, as_of)``: ``{"cik": "##########", "name", "tickers",
  "fiscalYearEnd", "filings": {"recent": {column: [...]}, "files": []}}``, newest filing first.

``as_of`` is the day SEC is asked: only filings filed on or before it exist (a 10-Q 35-40 days
after its quarter end, a 10-K 55-62 days after the year end, a 20-F about 100 days after), and
``frame`` sits on the copy reported by the latest of them, exactly as SEC moves it when a newer
filing repeats a fact. Filings run from each company's first sample fiscal year (2018, later for
spin-offs and listings) to fiscal 2030.

Real-data traps reproduced everywhere:

* ``fy/fp/form/filed/accn`` describe the FILING; the period is ``start``..``end``.
* 10-Q cash-flow facts (capex, operating cash flow, finance-lease principal) are year-to-date
  (3, 6, 9 months) with the prior year's year-to-date as comparative; the 10-K carries three
  fiscal years. Income-statement facts (revenue, net income, EPS) have three-month and
  year-to-date columns in 10-Qs.
* Each fact repeats once per filing that reported it; ``frame`` is on one copy only (the latest
  filing's) and only for fiscal years, three-month quarters and instants - never for 6- or
  9-month year-to-date facts or twelve-month trailing columns. Frames are calendarised by the
  calendar year or quarter holding most of the period's days (one fact per frame), so MSFT's
  fiscal 2025 (July 2024 - June 2025) carries CY2024: never read a fiscal year off a frame.
* Fiscal calendars follow the seed: MSFT June, ORCL May, ZS July; NVDA (nominal 0126) and AVGO
  (1102) have 52/53-week years ending on the Sunday nearest that day, with 13-week quarters.
  ``fiscalYearEnd`` in submissions is the MMDD of the latest fiscal year end (e.g. NVDA 0125 for
  fiscal 2026), not the seed's nominal value.
* ``dei:EntityCommonStockSharesOutstanding`` is an instant dated a week before each filing
  (no ``start``).
* TSM files only 20-F annual reports, under ``ifrs-full`` and in TWD.
* A near-miss tag that is not capex (``PaymentsToAcquireBusinessesNetOfCashAcquired``) is
  present in every US filing's cash-flow statement and must be ignored.
* Finance-lease principal is tagged ``RepaymentsOfLongTermCapitalLeaseObligations`` in filings
  of fiscal years before 2019 and ``FinanceLeasePrincipalPayments`` after (a tag switch).
* Submissions list an 8-K earnings release a few days before each 10-Q/10-K and Form 4s: not
  periodic filings.
* CEG files from fiscal 2022, GEV from fiscal 2024 and CRWV from fiscal 2025 (first filing a
  Q1 10-Q); before its first filing a company has no company facts (SEC's 404) and an empty
  filing list.

Planted traps (tests and the integration rely on these; values are in whole dollars):

1. Restated fact - META capex (``PaymentsToAcquirePropertyPlantAndEquipment``), fiscal year
   2023 (2023-01-01..2023-12-31): the FY2023 10-K (filed 2024-02-26) reports 27,124,000,000;
   the FY2024 and FY2025 10-Ks report it restated upward by
   :data:`META_CAPEX_FY2023_RESTATEMENT` ($1,150M) to 28,274,000,000, and the latest copy
   carries frame CY2023.
2. Capex tag switch - AMZN: filings of fiscal years up to 2020 tag capex
   ``PaymentsToAcquirePropertyPlantAndEquipment``; filings from the FY2021 Q1 10-Q on tag it
   ``PaymentsToAcquireProductiveAssets`` (their comparatives too, so the new tag also covers
   periods from 2019). The stale tag's latest period ends 2020-12-31: it never reports a newer
   period but keeps its old values.
3. Trailing-twelve-month columns - AMZN: every 10-Q (fp Q1, Q2, Q3, form 10-Q) also carries
   twelve-month cash-flow facts ending at the quarter end, for the current and the prior
   year; e.g. the FY2025 Q2 10-Q reports capex for 2024-07-01..2025-06-30. They have no frame.
4. Missing quarter - ORCL capex: the 10-Q for fiscal Q2 of FY2024 (quarter ended 2023-11-30,
   filed January 2024) carries no capex fact at all, and no later filing reports the six
   months 2023-06-01..2023-11-30 either, so that year-to-date value never exists.

Serving: ``respond(path, as_of)`` answers ``/api/xbrl/companyfacts/CIK##########.json`` and
``/submissions/CIK##########.json`` (None for other paths) with a :class:`WireResponse`: 200 and
compact JSON (``application/json``), or 404 for an unknown CIK, a company without filings yet,
or a CIK that is not zero-padded to 10 digits. data.sec.gov serves these documents from object
storage, so its 404 is the storage's XML ``NoSuchKey`` error rather than JSON; the body here
follows that shape (the HTTP client never parses a 404 body). ``undeclared_tool_page()`` is the
403 HTML page SEC sends to requests without a declared User-Agent, for a transport that checks.

Independence rule: this module writes the formats from scratch and never imports the project's
parsers (``orchestration.sources``); it reads the companies seed with its own small reader.
"""

from __future__ import annotations

import calendar
import csv
import json
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from orchestration.sample.wire import WireResponse

COMPANIES_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "companies.csv"

JSON = "application/json"
XML = "application/xml"
HTML = "text/html"

DEFAULT_FIRST_FISCAL_YEAR = 2018
LAST_FISCAL_YEAR = 2030
# Quarterly values exist from here so that the first filings have comparatives.
_FIRST_VALUE_YEAR = DEFAULT_FIRST_FISCAL_YEAR - 4

# Planted traps (see the module docstring).
RESTATED_TICKER = "META"
RESTATED_FISCAL_YEAR = 2023
META_CAPEX_FY2023_RESTATEMENT = 1_150_000_000
TAG_SWITCH_TICKER = "AMZN"
TAG_SWITCH_FISCAL_YEAR = 2021  # first fiscal year whose filings use the new capex tag
TTM_TICKER = "AMZN"
MISSING_TICKER = "ORCL"
MISSING_FISCAL_YEAR = 2024
MISSING_QUARTER = 2
LEASE_TAG_SWITCH_FISCAL_YEAR = 2019

CAPEX_TAG = "PaymentsToAcquirePropertyPlantAndEquipment"
CAPEX_NEW_TAG = "PaymentsToAcquireProductiveAssets"


# --------------------------------------------------------------------------------------------
# Companies (read directly: the sample is independent of orchestration.sources)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleCompany:
    ticker: str
    cik: int
    name: str
    fiscal_year_end: str  # MMDD
    is_hyperscaler: bool
    taxonomy: str


def load_companies(path: Path = COMPANIES_CSV) -> dict[int, SampleCompany]:
    """The seed's companies keyed by CIK."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.DictReader(handle) if (row.get("cik") or "").strip()]
    return {
        int(row["cik"]): SampleCompany(
            ticker=row["ticker"].strip().upper(),
            cik=int(row["cik"]),
            name=row["name"].strip(),
            fiscal_year_end=row["fiscal_year_end"].strip(),
            is_hyperscaler=row["is_hyperscaler"].strip().lower() == "true",
            taxonomy=row["taxonomy"].strip(),
        )
        for row in rows
    }


@cache
def _companies() -> dict[int, SampleCompany]:
    return load_companies()


def company_by_ticker(ticker: str) -> SampleCompany | None:
    return next((c for c in _companies().values() if c.ticker == ticker.upper()), None)


# --------------------------------------------------------------------------------------------
# Calibration (all invented; magnitudes shaped after public reports)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    revenue: dict[int, float]  # fiscal year -> billions (TWD for TSM, USD otherwise)
    capex: dict[int, float] | None = None  # explicit path; else capex_intensity * revenue
    capex_intensity: float = 0.05
    net_margin: float = 0.12
    ocf_margin: float = 0.2
    diluted_shares: float = 1.0  # billions, fiscal 2016
    buyback: float = 0.01  # share count shrinks by this fraction a year (negative: issuance)
    lease_share: float = 0.01  # finance-lease principal as a share of capex
    first_fiscal_year: int = DEFAULT_FIRST_FISCAL_YEAR
    exchange: str = "NYSE"


# Revenue by fiscal year, billions (TWD for TSM, USD otherwise); '-' = no anchor.
_REVENUE = """
ticker   2016   2018   2020   2022   2024   2026   2027
MSFT       85    110    143    198    245    320    370
AMZN      136    233    386    514    638    800    880
GOOGL      90    137    183    283    350    450    500
META     27.6   55.8     86  116.6  164.5    230    260
ORCL       37   39.8     39   42.4     53     67     80
NVDA      5.0    9.7   10.9   26.9     61    200    290
AVGO     13.2   20.8   23.9   33.2   51.6     80    100
GLW       9.4   11.3   11.3   14.2   13.1     16     17
CAT      38.5   54.7   41.7   59.4   64.8     68     70
GEV        30      -     33   29.7   34.9     42     46
VST       5.2    9.1   11.4   13.7   17.2     21     23
CEG        20      -   19.6   24.4   23.6     28     30
PWR       7.7   11.2   11.2   17.1   23.7     30     33
ETN      19.7   21.6   17.9   20.8   24.9     29     31
ZS       0.12   0.19   0.43   1.09   2.17    3.2    3.9
CRWV    0.001      -  0.005  0.016    1.9     12     20
GS       30.6   36.6   44.6   47.4   53.5     58     60
TSM       948   1031   1339   2264   2894   4000   4600
"""

# Capex by fiscal year, billions USD, for the hyperscalers and Oracle (others: intensity).
_CAPEX = """
ticker  2016  2018  2019  2020  2021  2022  2023  2024  2025  2026  2027
MSFT     8.3  11.7  13.8  15.5  20.5  24.0  28.0  44.0  65.0 112.0 140.0
AMZN     6.8  13.5  16.8  40.0  61.0  63.5  52.5  83.0 128.0 200.0 230.0
GOOGL   10.0  25.0  23.5  22.5  24.5  31.0  32.5  53.0  90.0 178.0 205.0
META     4.5  14.0  15.0  15.2  18.5  31.5  27.0  37.5  71.0 125.0 150.0
ORCL     1.6   1.5   1.6   1.6   2.1   4.5   8.7   7.0  21.0  40.0  50.0
"""

# capex_intensity: capex / revenue when no capex path; shares: diluted, billions, in 2016;
# buyback: yearly shrink of the share count (negative: issuance); lease: finance-lease
# principal / capex; first: first fiscal year with filings.
_PARAMETERS = """
ticker  capex_intensity  net_margin  ocf_margin  shares  buyback  lease  first  exchange
MSFT               0.05        0.34        0.44    7.9    0.006   0.04   2018  Nasdaq
AMZN               0.05       0.055        0.14   10.0    -0.01   0.12   2018  Nasdaq
GOOGL              0.05        0.25        0.33   14.0     0.02   0.02   2018  Nasdaq
META               0.05        0.31        0.48    2.9    0.015   0.01   2018  Nasdaq
ORCL               0.05        0.20        0.33    4.2     0.04   0.02   2018  NYSE
NVDA              0.035        0.42        0.45   25.0    0.004   0.00   2018  Nasdaq
AVGO               0.02        0.22        0.40    4.3    -0.01   0.00   2018  Nasdaq
GLW                0.12        0.08        0.16   0.95     0.01  0.005   2018  NYSE
CAT                0.05        0.14        0.17   0.59     0.02  0.005   2018  NYSE
GEV                0.03        0.05        0.08   0.28     0.01  0.005   2024  NYSE
VST                0.12        0.10        0.25   0.43     0.03  0.005   2018  NYSE
CEG                0.10        0.10        0.10   0.33     0.01  0.005   2022  Nasdaq
PWR                0.02        0.04        0.07   0.15     0.01   0.01   2018  NYSE
ETN                0.03        0.14        0.15   0.45     0.01  0.005   2018  NYSE
ZS                 0.07       -0.05        0.30   0.12    -0.03   0.00   2018  Nasdaq
CRWV               1.50       -0.20        0.60   0.48    -0.05   0.10   2025  Nasdaq
GS                 0.04        0.20        0.10   0.42     0.03   0.00   2018  NYSE
TSM                0.35        0.38        0.60  25.93     0.00   0.00   2018  NYSE
"""


def _table(text: str) -> dict[str, dict[str, str]]:
    """A whitespace-aligned table keyed by its first column."""
    header, *rows = (line.split() for line in text.strip().splitlines())
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def _profiles() -> dict[str, _Profile]:
    revenue, capex = _table(_REVENUE), _table(_CAPEX)
    profiles = {}
    for ticker, row in _table(_PARAMETERS).items():

        def path(table: dict[str, dict[str, str]], _ticker: str = ticker) -> dict[int, float]:
            cells = table.get(_ticker, {})
            return {int(year): float(v) for year, v in cells.items() if v != "-"}

        profiles[ticker] = _Profile(
            revenue=path(revenue),
            capex=path(capex) or None,
            capex_intensity=float(row["capex_intensity"]),
            net_margin=float(row["net_margin"]),
            ocf_margin=float(row["ocf_margin"]),
            diluted_shares=float(row["shares"]),
            buyback=float(row["buyback"]),
            lease_share=float(row["lease"]),
            first_fiscal_year=int(row["first"]),
            exchange=row["exchange"],
        )
    return profiles


_PROFILES = _profiles()
_DEFAULT_PROFILE = _Profile(revenue={2016: 10.0, 2027: 20.0})

# (label, description) as company facts carries them; descriptions shortened.
_ELEMENTS: dict[str, tuple[str, str]] = {
    CAPEX_TAG: (
        "Payments to Acquire Property, Plant, and Equipment",
        "The cash outflow associated with the acquisition of long-lived, physical assets.",
    ),
    CAPEX_NEW_TAG: (
        "Payments to Acquire Productive Assets",
        "The cash outflow for purchases of and capital improvements on property, plant and "
        "equipment and other productive assets.",
    ),
    "PaymentsToAcquireBusinessesNetOfCashAcquired": (
        "Payments to Acquire Businesses, Net of Cash Acquired",
        "The cash outflow associated with the acquisition of businesses, net of cash acquired.",
    ),
    "FinanceLeasePrincipalPayments": (
        "Finance Lease, Principal Payments",
        "Amount of cash outflow for principal payment on finance lease.",
    ),
    "RepaymentsOfLongTermCapitalLeaseObligations": (
        "Repayments of Long-Term Capital Lease Obligations",
        "The cash outflow for the reduction of the capital lease obligation.",
    ),
    "RevenueFromContractWithCustomerExcludingAssessedTax": (
        "Revenue from Contract with Customer, Excluding Assessed Tax",
        "Amount, excluding tax collected from customer, of revenue from satisfaction of "
        "performance obligation.",
    ),
    "Revenues": ("Revenues", "Amount of revenue recognized from goods sold and services rendered."),
    "NetCashProvidedByUsedInOperatingActivities": (
        "Net Cash Provided by (Used in) Operating Activities",
        "Amount of cash inflow (outflow) from operating activities.",
    ),
    "NetIncomeLoss": (
        "Net Income (Loss) Attributable to Parent",
        "The portion of profit or loss for the period attributable to the parent.",
    ),
    "EarningsPerShareDiluted": (
        "Earnings Per Share, Diluted",
        "The amount of net income or loss for the period per each share and dilutive unit.",
    ),
    "EntityCommonStockSharesOutstanding": (
        "Entity Common Stock, Shares Outstanding",
        "Indicate number of shares or other units outstanding of each of registrant's classes "
        "of capital or common stock.",
    ),
    "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities": (
        "Purchase of property, plant and equipment, classified as investing activities",
        "The cash outflow for the purchase of property, plant and equipment.",
    ),
    "Revenue": ("Revenue", "The income arising in the course of an entity's ordinary activities."),
    "CashFlowsFromUsedInOperatingActivities": (
        "Cash flows from (used in) operating activities",
        "The cash flows from (used in) operating activities.",
    ),
    "ProfitLossAttributableToOwnersOfParent": (
        "Profit (loss), attributable to owners of parent",
        "The amount of profit (loss) attributable to owners of the parent.",
    ),
    "DilutedEarningsLossPerShare": (
        "Diluted earnings (loss) per share",
        "The amount of profit (loss) attributable to ordinary equity holders per diluted share.",
    ),
}

_FLOW_CONCEPTS = ("revenue", "capex", "operating_cash_flow", "net_income", "lease", "acquisitions")
_CASH_FLOW_CONCEPTS = ("capex", "operating_cash_flow", "lease", "acquisitions")
_INCOME_CONCEPTS = ("revenue", "net_income", "eps")


# --------------------------------------------------------------------------------------------
# Fiscal calendar
# --------------------------------------------------------------------------------------------
def _is_month_end(mmdd: str) -> bool:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    return day >= calendar.monthrange(2001, month)[1]


def fiscal_year_end(company: SampleCompany, fiscal_year: int) -> date:
    """The last day of ``fiscal_year`` (named by the calendar year it ends in)."""
    month, day = int(company.fiscal_year_end[:2]), int(company.fiscal_year_end[2:])
    if _is_month_end(company.fiscal_year_end):
        return date(fiscal_year, month, calendar.monthrange(fiscal_year, month)[1])
    # 52/53-week year: the Sunday nearest the nominal day.
    nominal = date(fiscal_year, month, day)
    ahead = (6 - nominal.weekday()) % 7
    return nominal + timedelta(days=ahead if ahead <= 3 else ahead - 7)


def quarter_ends(company: SampleCompany, fiscal_year: int) -> tuple[date, date, date, date]:
    """The last days of fiscal quarters 1-4 of ``fiscal_year``."""
    previous = fiscal_year_end(company, fiscal_year - 1)
    end = fiscal_year_end(company, fiscal_year)
    if _is_month_end(company.fiscal_year_end):
        ends = []
        for k in (1, 2, 3):
            month_index = previous.month + 3 * k  # months after January of previous.year
            year, month = previous.year + (month_index - 1) // 12, (month_index - 1) % 12 + 1
            ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        return (ends[0], ends[1], ends[2], end)
    return (
        previous + timedelta(weeks=13),
        previous + timedelta(weeks=26),
        previous + timedelta(weeks=39),
        end,
    )


def fiscal_year_start(company: SampleCompany, fiscal_year: int) -> date:
    return fiscal_year_end(company, fiscal_year - 1) + timedelta(days=1)


# --------------------------------------------------------------------------------------------
# The synthetic truth: quarterly values per company
# --------------------------------------------------------------------------------------------
def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in ("sec", *parts)).encode())


def _path(anchors: dict[int, float], years: range) -> dict[int, float]:
    """Log-linear interpolation through anchors; constant growth beyond them."""
    known = sorted(anchors)
    xs = np.array(known, dtype=float)
    logs = np.log(np.array([anchors[y] for y in known], dtype=float))
    out: dict[int, float] = {}
    for year in years:
        if year < known[0]:
            slope = (logs[1] - logs[0]) / (xs[1] - xs[0]) if len(known) > 1 else 0.0
            out[year] = float(np.exp(logs[0] - slope * (known[0] - year)))
        elif year > known[-1]:
            slope = (logs[-1] - logs[-2]) / (xs[-1] - xs[-2]) if len(known) > 1 else 0.0
            out[year] = float(np.exp(logs[-1] + slope * (year - known[-1])))
        else:
            out[year] = float(np.exp(np.interp(year, xs, logs)))
    return out


def _millions(value: float) -> int:
    return int(round(value / 1e6)) * 1_000_000


@dataclass(frozen=True)
class _Quarter:
    fiscal_year: int
    number: int  # 1-4
    start: date
    end: date
    values: dict[str, int]  # flow concepts, whole currency units
    diluted_shares: float


@dataclass
class _Truth:
    company: SampleCompany
    profile: _Profile
    quarters: dict[tuple[int, int], _Quarter] = field(default_factory=dict)
    by_end: dict[date, _Quarter] = field(default_factory=dict)

    def span(self, start: date, end: date) -> list[_Quarter]:
        """The fiscal quarters making up [start, end] (which must be a union of quarters)."""
        chosen = []
        quarter = self.by_end[end]
        while True:
            chosen.append(quarter)
            if quarter.start == start:
                return chosen
            if quarter.start < start:
                raise ValueError(f"{start}..{end} is not a union of fiscal quarters")
            quarter = self.by_end[quarter.start - timedelta(days=1)]

    def value(self, concept: str, start: date, end: date) -> float:
        quarters = self.span(start, end)
        if concept == "eps":
            income = sum(q.values["net_income"] for q in quarters)
            shares = float(np.mean([q.diluted_shares for q in quarters]))
            return round(income / shares, 2)
        return float(sum(q.values[concept] for q in quarters))

    def shares_outstanding(self, day: date) -> int:
        years = (day - date(2016, 1, 1)).days / 365.25
        shares = self.profile.diluted_shares * 1e9 * (1 - self.profile.buyback) ** years / 1.01
        return int(round(shares / 1000)) * 1000


@cache
def _truth(cik: int) -> _Truth:
    company = _companies()[cik]
    profile = _PROFILES.get(company.ticker, _DEFAULT_PROFILE)
    scale = 1e9
    years = range(_FIRST_VALUE_YEAR - 1, LAST_FISCAL_YEAR + 1)
    revenue = _path(profile.revenue, years)
    capex_path = _path(profile.capex, years) if profile.capex else None
    rng = np.random.default_rng(_seed(company.ticker))
    truth = _Truth(company=company, profile=profile)
    for year in years[1:]:
        annual_revenue = revenue[year] * scale * (1 + rng.normal(0, 0.02))
        growth = revenue[year] / revenue[year - 1]
        if capex_path is not None:
            annual_capex = capex_path[year] * scale * (1 + rng.normal(0, 0.01))
            capex_growth = capex_path[year] / capex_path[year - 1]
        else:
            annual_capex = profile.capex_intensity * annual_revenue * (1 + rng.normal(0, 0.05))
            capex_growth = growth
        annual_ocf = profile.ocf_margin * annual_revenue * (1 + rng.normal(0, 0.04))
        # Within a year, quarters ramp with the year's growth (capex faster when capex grows).
        ramp = np.arange(4) - 1.5
        revenue_weights = growth ** (ramp / 4) * (1 + rng.normal(0, 0.02, 4))
        capex_weights = capex_growth ** (ramp / 4) * (1 + rng.normal(0, 0.05, 4))
        ocf_weights = 1 + rng.normal(0, 0.08, 4)
        margins = profile.net_margin + abs(profile.net_margin) * rng.normal(0, 0.12, 4)
        acquisitions = annual_capex * 0.04 * rng.uniform(0, 2, 4)
        starts = fiscal_year_start(company, year)
        for number, end in enumerate(quarter_ends(company, year), start=1):
            i = number - 1
            quarter_revenue = annual_revenue * revenue_weights[i] / revenue_weights.sum()
            quarter_capex = annual_capex * capex_weights[i] / capex_weights.sum()
            values = {
                "revenue": _millions(quarter_revenue),
                "capex": _millions(quarter_capex),
                "operating_cash_flow": _millions(annual_ocf * ocf_weights[i] / ocf_weights.sum()),
                "net_income": _millions(quarter_revenue * margins[i]),
                # At least $1M: a company with finance leases pays something every quarter.
                "lease": max(_millions(quarter_capex * profile.lease_share), 1_000_000),
                "acquisitions": _millions(acquisitions[i]),
            }
            mid = end - timedelta(days=45)
            shares = (
                profile.diluted_shares
                * 1e9
                * (1 - profile.buyback) ** ((mid - date(2016, 1, 1)).days / 365.25)
            )
            quarter = _Quarter(year, number, starts, end, values, shares)
            truth.quarters[(year, number)] = quarter
            truth.by_end[end] = quarter
            starts = end + timedelta(days=1)
    return truth


# --------------------------------------------------------------------------------------------
# Filings
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Filing:
    accn: str
    form: str
    fiscal_year: int
    fp: str  # Q1 Q2 Q3 FY
    period_end: date
    filed: date
    acceptance: str  # ISO timestamp, UTC

    @property
    def quarter(self) -> int:
        return 4 if self.fp == "FY" else int(self.fp[1])


@dataclass(frozen=True)
class _Fact:
    taxonomy: str
    tag: str
    unit: str
    start: date | None
    end: date
    val: float
    kind: str  # fy | q3m | ytd | ttm | instant
    filing: _Filing


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _lag(ticker: str, fiscal_year: int, fp: str, low: int, high: int) -> int:
    return low + _seed(ticker, fiscal_year, fp) % (high - low + 1)


@cache
def _filings(cik: int) -> tuple[_Filing, ...]:
    """Every periodic filing of the company through fiscal 2030, in filing order."""
    company = _companies()[cik]
    profile = _PROFILES.get(company.ticker, _DEFAULT_PROFILE)
    annual_only = company.taxonomy == "ifrs-full"
    planned: list[tuple[date, str, int, str, date]] = []
    for year in range(profile.first_fiscal_year, LAST_FISCAL_YEAR + 1):
        ends = quarter_ends(company, year)
        if annual_only:
            filed = _business_day(
                ends[3] + timedelta(days=_lag(company.ticker, year, "FY", 95, 108))
            )
            planned.append((filed, "20-F", year, "FY", ends[3]))
            continue
        for number in (1, 2, 3):
            lag = _lag(company.ticker, year, f"Q{number}", 35, 40)
            filed = _business_day(ends[number - 1] + timedelta(days=lag))
            planned.append((filed, "10-Q", year, f"Q{number}", ends[number - 1]))
        filed = _business_day(ends[3] + timedelta(days=_lag(company.ticker, year, "FY", 55, 62)))
        planned.append((filed, "10-K", year, "FY", ends[3]))
    planned.sort()
    filings = []
    sequence: dict[int, int] = defaultdict(int)
    for filed, form, year, fp, period_end in planned:
        sequence[filed.year] += 1
        number = 10 + 7 * sequence[filed.year] + _seed(company.ticker, filed) % 5
        seconds = 20 * 3600 + _seed(company.ticker, filed, "t") % 3600
        filings.append(
            _Filing(
                accn=f"{cik:010d}-{filed.year % 100:02d}-{number:06d}",
                form=form,
                fiscal_year=year,
                fp=fp,
                period_end=period_end,
                filed=filed,
                acceptance=f"{filed.isoformat()}T{seconds // 3600:02d}:"
                f"{seconds // 60 % 60:02d}:{seconds % 60:02d}.000Z",
            )
        )
    return tuple(filings)


def _tag(company: SampleCompany, concept: str, filing: _Filing) -> tuple[str, str, str] | None:
    """(taxonomy, tag, unit) the filing uses for a concept, or None when it has none."""
    if company.taxonomy == "ifrs-full":
        currency = "TWD"
        return {
            "revenue": ("ifrs-full", "Revenue", currency),
            "capex": (
                "ifrs-full",
                "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities",
                currency,
            ),
            "operating_cash_flow": (
                "ifrs-full",
                "CashFlowsFromUsedInOperatingActivities",
                currency,
            ),
            "net_income": ("ifrs-full", "ProfitLossAttributableToOwnersOfParent", currency),
            "eps": ("ifrs-full", "DilutedEarningsLossPerShare", f"{currency}/shares"),
        }.get(concept)
    profile = _PROFILES.get(company.ticker, _DEFAULT_PROFILE)
    if concept == "capex":
        switched = (
            company.ticker == TAG_SWITCH_TICKER and filing.fiscal_year >= TAG_SWITCH_FISCAL_YEAR
        )
        return ("us-gaap", CAPEX_NEW_TAG if switched else CAPEX_TAG, "USD")
    if concept == "lease":
        if profile.lease_share <= 0:
            return None
        if filing.fiscal_year < LEASE_TAG_SWITCH_FISCAL_YEAR:
            return ("us-gaap", "RepaymentsOfLongTermCapitalLeaseObligations", "USD")
        return ("us-gaap", "FinanceLeasePrincipalPayments", "USD")
    if concept == "revenue":
        tag = (
            "Revenues"
            if company.ticker == "GS"
            else ("RevenueFromContractWithCustomerExcludingAssessedTax")
        )
        return ("us-gaap", tag, "USD")
    return {
        "operating_cash_flow": ("us-gaap", "NetCashProvidedByUsedInOperatingActivities", "USD"),
        "net_income": ("us-gaap", "NetIncomeLoss", "USD"),
        "eps": ("us-gaap", "EarningsPerShareDiluted", "USD/shares"),
        "acquisitions": ("us-gaap", "PaymentsToAcquireBusinessesNetOfCashAcquired", "USD"),
    }.get(concept)


def _missing(company: SampleCompany, concept: str, filing: _Filing, start: date, end: date) -> bool:
    """Planted trap 4: ORCL's FY2024 six-month capex is never reported."""
    if company.ticker != MISSING_TICKER or concept != "capex":
        return False
    if filing.form == "10-Q" and (filing.fiscal_year, filing.quarter) == (
        MISSING_FISCAL_YEAR,
        MISSING_QUARTER,
    ):
        return True
    missing_end = quarter_ends(company, MISSING_FISCAL_YEAR)[MISSING_QUARTER - 1]
    return (start, end) == (fiscal_year_start(company, MISSING_FISCAL_YEAR), missing_end)


def _reported(truth: _Truth, concept: str, start: date, end: date, filing: _Filing) -> float:
    value = truth.value(concept, start, end)
    company = truth.company
    if (
        company.ticker == RESTATED_TICKER
        and concept == "capex"
        and filing.fiscal_year > RESTATED_FISCAL_YEAR
        and (start, end)
        == (
            fiscal_year_start(company, RESTATED_FISCAL_YEAR),
            fiscal_year_end(company, RESTATED_FISCAL_YEAR),
        )
    ):
        value += META_CAPEX_FY2023_RESTATEMENT
    return value


def _filing_facts(truth: _Truth, filing: _Filing) -> list[_Fact]:
    """The facts one filing reports: its own periods and the prior-year comparatives."""
    company = truth.company
    year, number = filing.fiscal_year, filing.quarter
    periods: list[tuple[str, str, date, date]] = []  # (concept group, kind, start, end)
    if filing.fp == "FY":
        for back in (0, 1, 2):
            start = fiscal_year_start(company, year - back)
            end = fiscal_year_end(company, year - back)
            periods += [(g, "fy", start, end) for g in ("cash", "income")]
    else:
        for back in (0, 1):
            start = fiscal_year_start(company, year - back)
            end = quarter_ends(company, year - back)[number - 1]
            quarter_start = truth.quarters[(year - back, number)].start
            periods.append(("cash", "q3m" if number == 1 else "ytd", start, end))
            periods.append(("income", "q3m", quarter_start, end))
            if number > 1:
                periods.append(("income", "ytd", start, end))
            if company.ticker == TTM_TICKER:
                ttm_start = quarter_ends(company, year - back - 1)[number - 1] + timedelta(days=1)
                periods.append(("cash", "ttm", ttm_start, end))
    facts: list[_Fact] = []
    for group, kind, start, end in periods:
        concepts = _CASH_FLOW_CONCEPTS if group == "cash" else _INCOME_CONCEPTS
        for concept in concepts:
            tag = _tag(company, concept, filing)
            if tag is None or _missing(company, concept, filing, start, end):
                continue
            value = _reported(truth, concept, start, end, filing)
            facts.append(_Fact(*tag, start, end, value, kind, filing))
    cover = filing.filed - timedelta(days=7)
    facts.append(
        _Fact(
            "dei",
            "EntityCommonStockSharesOutstanding",
            "shares",
            None,
            cover,
            float(truth.shares_outstanding(cover)),
            "instant",
            filing,
        )
    )
    return facts


@cache
def _all_facts(cik: int) -> tuple[_Fact, ...]:
    truth = _truth(cik)
    return tuple(fact for filing in _filings(cik) for fact in _filing_facts(truth, filing))


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------
def _overlap(start: date, end: date, lo: date, hi: date) -> int:
    return max(0, (min(end, hi) - max(start, lo)).days + 1)


def _frame_of(fact: _Fact) -> tuple[str, int] | None:
    """(calendar frame, days inside it) for frame-eligible facts; None otherwise."""
    if fact.kind == "instant":
        return f"CY{fact.end.year}Q{(fact.end.month - 1) // 3 + 1}I", 1
    if fact.kind == "fy":
        best = max(
            range(fact.start.year, fact.end.year + 1),
            key=lambda y: (_overlap(fact.start, fact.end, date(y, 1, 1), date(y, 12, 31)), y),
        )
        return f"CY{best}", _overlap(fact.start, fact.end, date(best, 1, 1), date(best, 12, 31))
    if fact.kind == "q3m":
        candidates = []
        for year in (fact.start.year, fact.end.year):
            for q in range(1, 5):
                lo = date(year, 3 * q - 2, 1)
                hi = date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
                candidates.append((_overlap(fact.start, fact.end, lo, hi), year, q))
        days, year, q = max(candidates)
        return f"CY{year}Q{q}", days
    return None  # 6/9-month year-to-date and trailing-twelve-month columns: never framed


def _assign_frames(facts: list[_Fact]) -> dict[int, str]:
    """index in ``facts`` -> frame: per (taxonomy, tag, unit, frame) the best-aligned period's
    latest-filed copy."""
    best: dict[tuple, tuple] = {}
    for i, fact in enumerate(facts):
        framed = _frame_of(fact)
        if framed is None:
            continue
        label, days = framed
        key = (fact.taxonomy, fact.tag, fact.unit, label)
        rank = (days, fact.end, fact.filing.filed, fact.filing.accn)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, i)
    return {i: key[3] for key, (_, i) in best.items()}


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------
def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 2)


def companyfacts_document(cik: int, as_of: date) -> dict | None:
    """``/api/xbrl/companyfacts/CIK##########.json`` as SEC would answer on ``as_of``.

    None when SEC would answer 404: an unknown CIK, or no filing yet by ``as_of``.
    """
    company = _companies().get(cik)
    if company is None:
        return None
    facts = [f for f in _all_facts(cik) if f.filing.filed <= as_of]
    if not facts:
        return None
    frames = _assign_frames(facts)
    order = sorted(
        range(len(facts)),
        key=lambda i: (
            facts[i].end,
            facts[i].start or date.min,
            facts[i].filing.filed,
            facts[i].filing.accn,
        ),
    )
    document: dict = {"cik": cik, "entityName": company.name, "facts": {}}
    for i in order:
        fact = facts[i]
        element = document["facts"].setdefault(fact.taxonomy, {}).get(fact.tag)
        if element is None:
            label, description = _ELEMENTS.get(fact.tag, (fact.tag, fact.tag))
            element = {"label": label, "description": description, "units": {}}
            document["facts"][fact.taxonomy][fact.tag] = element
        item: dict = {}
        if fact.start is not None:
            item["start"] = fact.start.isoformat()
        filing = fact.filing
        item |= {
            "end": fact.end.isoformat(),
            "val": _number(fact.val),
            "accn": filing.accn,
            "fy": filing.fiscal_year,
            "fp": filing.fp,
            "form": filing.form,
            "filed": filing.filed.isoformat(),
        }
        if i in frames:
            item["frame"] = frames[i]
        element["units"].setdefault(fact.unit, []).append(item)
    # dei first, like SEC.
    document["facts"] = dict(
        sorted(document["facts"].items(), key=lambda kv: (kv[0] != "dei", kv[0]))
    )
    return document


_SUBMISSION_COLUMNS = (
    "accessionNumber",
    "filingDate",
    "reportDate",
    "acceptanceDateTime",
    "act",
    "form",
    "fileNumber",
    "filmNumber",
    "items",
    "core_type",
    "size",
    "isXBRL",
    "isInlineXBRL",
    "primaryDocument",
    "primaryDocDescription",
)


def _accession(cik: int, filed: date, seed: int, used: set[str]) -> str:
    """A unique accession number for a non-periodic filing (numbers from 500000 up)."""
    number = 500_000 + seed % 400_000
    while (accn := f"{cik:010d}-{filed.year % 100:02d}-{number:06d}") in used:
        number += 1
    used.add(accn)
    return accn


def _submission_rows(company: SampleCompany, as_of: date) -> list[dict]:
    """Periodic filings, an 8-K earnings release before each, and a Form 4 after each."""
    rows = []
    used = {filing.accn for filing in _filings(company.cik)}
    file_number = f"001-{_seed(company.ticker, 'file') % 90000 + 10000:05d}"
    slug = re.sub(r"[^a-z]", "", company.ticker.lower())
    for filing in _filings(company.cik):
        period = filing.period_end.strftime("%Y%m%d")
        rows.append(
            {
                "accessionNumber": filing.accn,
                "filingDate": filing.filed.isoformat(),
                "reportDate": filing.period_end.isoformat(),
                "acceptanceDateTime": filing.acceptance,
                "act": "34",
                "form": filing.form,
                "fileNumber": file_number,
                "filmNumber": str(24_000_000 + _seed(filing.accn) % 900_000),
                "items": "",
                "core_type": "XBRL",
                "size": 5_000_000 + _seed(filing.accn, "size") % 20_000_000,
                "isXBRL": 1,
                "isInlineXBRL": 1,
                "primaryDocument": f"{slug}-{period}.htm",
                "primaryDocDescription": filing.form,
            }
        )
        release = filing.filed - timedelta(days=1 + _seed(filing.accn, "8k") % 5)
        release_accn = _accession(company.cik, release, _seed(filing.accn, "8k"), used)
        rows.append(
            {
                "accessionNumber": release_accn,
                "filingDate": release.isoformat(),
                "reportDate": release.isoformat(),
                "acceptanceDateTime": f"{release.isoformat()}T20:05:00.000Z",
                "act": "34",
                "form": "8-K",
                "fileNumber": file_number,
                "filmNumber": str(24_000_000 + _seed(release_accn) % 900_000),
                "items": "2.02,9.01",
                "core_type": "XBRL",
                "size": 400_000 + _seed(release_accn) % 900_000,
                "isXBRL": 1,
                "isInlineXBRL": 1,
                "primaryDocument": f"{slug}-{release.strftime('%Y%m%d')}.htm",
                "primaryDocDescription": "8-K",
            }
        )
        insider = filing.filed + timedelta(days=3 + _seed(filing.accn, "4") % 10)
        insider_accn = _accession(company.cik, insider, _seed(filing.accn, "4"), used)
        rows.append(
            {
                "accessionNumber": insider_accn,
                "filingDate": insider.isoformat(),
                "reportDate": insider.isoformat(),
                "acceptanceDateTime": f"{insider.isoformat()}T22:30:00.000Z",
                "act": "",
                "form": "4",
                "fileNumber": "",
                "filmNumber": "",
                "items": "",
                "core_type": "4",
                "size": 4_000 + _seed(insider_accn) % 3_000,
                "isXBRL": 0,
                "isInlineXBRL": 0,
                "primaryDocument": "xslF345X05/form4.xml",
                "primaryDocDescription": "STATEMENT OF CHANGES IN BENEFICIAL OWNERSHIP OF SECURITIES",
            }
        )
    visible = [r for r in rows if r["filingDate"] <= as_of.isoformat()]
    visible.sort(key=lambda r: (r["filingDate"], r["acceptanceDateTime"]), reverse=True)
    return visible


def submissions_document(cik: int, as_of: date) -> dict | None:
    """``/submissions/CIK##########.json`` as SEC would answer on ``as_of`` (None: unknown CIK)."""
    company = _companies().get(cik)
    if company is None:
        return None
    profile = _PROFILES.get(company.ticker, _DEFAULT_PROFILE)
    rows = _submission_rows(company, as_of)
    # SEC reports the latest actual fiscal year end, which moves for 52/53-week years.
    latest_end = max(
        (
            fiscal_year_end(company, y)
            for y in range(2000, LAST_FISCAL_YEAR + 1)
            if fiscal_year_end(company, y) <= as_of
        ),
        default=fiscal_year_end(company, profile.first_fiscal_year),
    )
    return {
        "cik": f"{cik:010d}",
        "entityType": "operating",
        "sic": "",
        "sicDescription": "",
        "name": company.name.upper(),
        "tickers": [company.ticker],
        "exchanges": [profile.exchange],
        "description": "SYNTHETIC sample company record",
        "category": "Large accelerated filer",
        "fiscalYearEnd": latest_end.strftime("%m%d"),
        "filings": {
            "recent": {column: [row[column] for row in rows] for column in _SUBMISSION_COLUMNS},
            "files": [],
        },
    }


# --------------------------------------------------------------------------------------------
# Wire responses
# --------------------------------------------------------------------------------------------
COMPANYFACTS_PATH = re.compile(r"^/api/xbrl/companyfacts/CIK(?P<cik>[^/]*)\.json$")
SUBMISSIONS_PATH = re.compile(r"^/submissions/CIK(?P<cik>[^/]*)\.json$")


def not_found(key: str) -> WireResponse:
    """SEC's answer for a document that does not exist: data.sec.gov is served from object
    storage and answers 404 with its ``NoSuchKey`` XML error (not JSON)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
        f"<Key>{key}</Key></Error>"
    )
    return WireResponse(404, body.encode(), XML)


def undeclared_tool_page() -> WireResponse:
    """SEC's answer to a request without a proper User-Agent: 403 and an HTML page."""
    body = (
        "<!DOCTYPE html><html><head><title>SEC.gov | Undeclared Automated Tool</title>"
        "</head><body><h1>Your Request Originates from an Undeclared Automated Tool</h1>"
        "<p>Please declare your traffic by updating your user agent to include company specific "
        "information.</p></body></html>"
    )
    return WireResponse(403, body.encode(), HTML)


def _json(document: dict) -> WireResponse:
    return WireResponse(200, json.dumps(document, separators=(",", ":")).encode(), JSON)


def _cik(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{10}", text) else None


def companyfacts_response(cik: int, as_of: date) -> WireResponse:
    document = companyfacts_document(cik, as_of)
    if document is None:
        return not_found(f"api/xbrl/companyfacts/CIK{cik:010d}.json")
    return _json(document)


def submissions_response(cik: int, as_of: date) -> WireResponse:
    document = submissions_document(cik, as_of)
    if document is None:
        return not_found(f"submissions/CIK{cik:010d}.json")
    return _json(document)


def respond(path: str, as_of: date) -> WireResponse | None:
    """The answer for a data.sec.gov path, or None when the path is not one this module serves.

    Only 10-digit zero-padded CIKs exist, as on SEC (``CIK789019.json`` is a 404).
    """
    if match := COMPANYFACTS_PATH.match(path):
        cik = _cik(match["cik"])
        if cik is None:
            return not_found(path.lstrip("/"))
        return companyfacts_response(cik, as_of)
    if match := SUBMISSIONS_PATH.match(path):
        cik = _cik(match["cik"])
        if cik is None:
            return not_found(path.lstrip("/"))
        return submissions_response(cik, as_of)
    return None
