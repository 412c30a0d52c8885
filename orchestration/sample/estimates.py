"""SYNTHETIC earnings estimates for the offline sample: a vendor's weekly files and Yahoo's wire.

Nothing here is real consensus data. One small made-up world of estimates (invented
magnitudes, shaped after the 2026 narrative: S&P 500 earnings expected to grow about 15%,
Russell 2000 small caps faster, AI-infrastructure names fastest, a few small caps still
loss-making) is rendered two ways:

Vendor file drop - :func:`write_drop_files`
    One CSV per weekly as-of date (Fridays) over the last ``weeks`` weeks up to ``today``,
    named ``estimates_<as_of>.csv``, with the columns of the vendor contract in order. Rows:
    SP500 and R2000 (FY and CY, current and next year, eps and revenue per index share;
    aggregation ``bottom_up_sum`` for FY rows, ``vendor`` for CY rows), the 11 GICS sectors
    (CY current and next, ``bottom_up_sum``) and every company of ``estimate_entities.csv``
    (FY current and next, aggregation blank, with median, high, low and analyst counts). The
    "current" year is the one whose results are not out yet (28 days' grace after its end).
    Estimates are revised week by week along a per-entity drift with a small wiggle, all
    drawn from fixed seeds: the same as-of date always renders the same bytes. The vendor
    writes ``growth_yoy`` even on a negative base (CRWV, IONQ, SATS, UEC lose money in the
    base year), as vendors do; the parser must drop it.

    Planted cases, chosen relative to ``today`` when a file is first delivered (so they need
    ``weeks`` of at least 2 and 4):

    * LATE: the second-newest as-of date (:data:`LATE_WEEKS_BACK`) arrives after the newest
      one. Its name sorts before the newest's; its modification time is set to the day after
      the newest as-of date (09:00 UTC) while every other file carries its own as-of date at
      22:30 UTC, so "oldest first by modification time" processes it last.
    * MALFORMED: the fourth-newest as-of date (:data:`MALFORMED_WEEKS_BACK`) has one row whose
      ``estimate_low`` is above its ``estimate_high`` (:data:`LOW_ABOVE_HIGH`) and one row for
      an entity that does not exist (:data:`UNKNOWN_ENTITY`); it must end in quarantine.

    Files are written atomically (a dotfile, then a rename) with their modification time set,
    and recorded in a ledger (``.sample_vendor_ledger.json`` in the drop folder, name ->
    sha256). A name in the ledger is never delivered again, so calling again (the same day or
    later) writes nothing for weeks already delivered, even when the files were loaded and
    moved away or quarantined: a sensor's sha256 cursor sees no change; later calls only add
    the new weeks. Fresh folders with the same ``today`` receive identical bytes.

Yahoo quoteSummary - :func:`respond`
    ``GET /`` on fc.yahoo.com answers 404 with a ``Set-Cookie: A3=...`` header (as the real
    host does); ``/v1/test/getcrumb`` returns the crumb as text when that cookie is sent (401
    ``Invalid Cookie`` otherwise); ``/v10/finance/quoteSummary/{symbol}?modules=...&crumb=``
    serves ``earningsTrend`` and ``indexTrend`` in the exact shape of the recorded payloads
    (``{raw, fmt}`` wrapping, ``downLast7Days`` spelt with a capital D, an empty
    ``downLast90days``, a trend-level ``growth`` that lags ``earningsEstimate.growth``, plain
    numbers in ``indexTrend`` with an ``LTG`` row). A wrong or missing crumb gets 401
    ``Invalid Crumb``; a symbol that is not a company of ``estimate_entities.csv`` gets the 404
    ``quoteSummary.error`` object of the recorded ``assetProfile-ADH`` payload. Cookie and
    crumb change with the as-of day, so a crumb kept overnight is refused.
    Company periods: ``0q`` is the first fiscal quarter whose results are not out yet (28 days
    after its end), ``+1q`` the next; ``0y`` its fiscal year and ``+1y`` the next; ``endDate``
    is the month end of the period (fiscal year ends from ``companies.csv``, nominal 52/53-week
    days taken as their month: NVDA January, AVGO October). ``epsTrend`` holds the same
    estimates as of 7, 30, 60 and 90 days earlier.

    :class:`EstimatesWireResponse` carries extra headers (the Set-Cookie): the transport must
    copy them onto the ``requests.Response`` it builds.

Independence rule: this module writes the formats from scratch and never imports the project's
parsers (``orchestration.sources``); it reads the seeds with its own small reader.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import json
import os
import random
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
ENTITIES_CSV = SEEDS_DIR / "estimate_entities.csv"
COMPANIES_CSV = SEEDS_DIR / "companies.csv"

VENDOR_SOURCE = "sample_vendor"
LEDGER_NAME = ".sample_vendor_ledger.json"
FILE_PATTERN = "estimates_{as_of}.csv"
VENDOR_COLUMNS = (
    "as_of_date",
    "entity_type",
    "entity_id",
    "fiscal_period",
    "period_end",
    "metric",
    "estimate_mean",
    "estimate_median",
    "estimate_high",
    "estimate_low",
    "n_estimates",
    "actual_prior_period",
    "growth_yoy",
    "aggregation",
    "currency",
    "source",
)

# Planted cases (see the module docstring).
LATE_WEEKS_BACK = 1
MALFORMED_WEEKS_BACK = 3
UNKNOWN_ENTITY = "QXZZ"
LOW_ABOVE_HIGH = ("BE", "eps")  # entity, metric: the next fiscal year's row
ON_TIME_DELIVERY = time(22, 30)  # UTC, on the as-of Friday, after the US close
LATE_DELIVERY = time(9, 0)  # UTC, the day after the newest as-of date

# Estimates converge on the outcome over the last MAX_REVISION_WEEKS before a period ends.
MAX_REVISION_WEEKS = 78.0
REPORTING_LAG_DAYS = 28

YAHOO_JSON = "application/json;charset=utf-8"
TEXT = "text/plain;charset=utf-8"
HTML = "text/html; charset=utf-8"

QUOTE_SUMMARY_PATH = re.compile(r"^/v10/finance/quoteSummary/(?P<symbol>[^/]+)/?$")
CRUMB_PATH = "/v1/test/getcrumb"
COOKIE_NAME = "A3"
KNOWN_MODULES = ("earningsTrend", "indexTrend")


class EstimatesWireResponse(NamedTuple):
    """Like ``orchestration.sample.wire.WireResponse`` plus headers (e.g. Set-Cookie)."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------------------------
# Seeds (read directly: the sample is independent of orchestration.sources)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleEntity:
    entity_type: str
    entity_id: str
    name: str
    index_id: str
    gics_sector: str
    is_theme_company: bool


@cache
def entities() -> tuple[SampleEntity, ...]:
    with ENTITIES_CSV.open(newline="", encoding="utf-8-sig") as handle:
        return tuple(
            SampleEntity(
                entity_type=row["entity_type"].strip(),
                entity_id=row["entity_id"].strip(),
                name=row["name"].strip(),
                index_id=(row["index_id"] or "").strip(),
                gics_sector=(row["gics_sector"] or "").strip(),
                is_theme_company=row["is_theme_company"].strip().lower() == "true",
            )
            for row in csv.DictReader(handle)
            if (row.get("entity_id") or "").strip()
        )


@cache
def fiscal_year_end_months() -> dict[str, int]:
    """Ticker -> month its fiscal year ends (nominal 52/53-week days: the month they fall in
    most years, i.e. a day before the 16th counts as the previous month)."""
    months: dict[str, int] = {}
    with COMPANIES_CSV.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            mmdd = (row.get("fiscal_year_end") or "").strip()
            if len(mmdd) != 4:
                continue
            month, day = int(mmdd[:2]), int(mmdd[2:])
            months[row["ticker"].strip().upper()] = month if day > 15 else (month - 2) % 12 + 1
    return months


def companies() -> list[SampleEntity]:
    return [e for e in entities() if e.entity_type == "company"]


# --------------------------------------------------------------------------------------------
# The made-up world
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    eps: float  # base-year (fiscal 2025) EPS; per index share for indexes and sectors
    growth: tuple[float, ...] = (0.10,)  # EPS growth for 2026, 2027, ... (last one repeats)
    step: float | None = None  # loss makers: EPS changes by this much a year instead
    revenue: float = 1.0  # base-year revenue: USD for companies, per index share otherwise
    revenue_growth: float = 0.06
    drift: float = 0.0  # weekly revision of estimates, a fraction of |EPS|
    analysts: int = 20
    spread: float = 0.08  # high/low around the mean, a fraction of |mean|


_B = 1e9
_PROFILES: dict[str, _Profile] = {
    # Indexes: EPS and revenue per index share. Growth 2026 then 2027.
    "SP500": _Profile(268.0, (0.15, 0.14), revenue=2010.0, revenue_growth=0.06, drift=0.00032),
    "R2000": _Profile(58.0, (0.24, 0.30), revenue=1350.0, revenue_growth=0.05, drift=0.0006),
    # S&P 500 sectors (contributions per index share).
    "Information Technology": _Profile(80.0, (0.26, 0.21), revenue=360.0, drift=0.001),
    "Communication Services": _Profile(33.0, (0.12, 0.11), revenue=150.0, drift=0.0004),
    "Consumer Discretionary": _Profile(29.0, (0.10, 0.12), revenue=330.0, drift=0.0),
    "Consumer Staples": _Profile(16.0, (0.05, 0.06), revenue=260.0, drift=-0.0002),
    "Energy": _Profile(17.0, (-0.03, 0.08), revenue=170.0, drift=-0.0006),
    "Financials": _Profile(52.0, (0.11, 0.09), revenue=230.0, drift=0.0004),
    "Health Care": _Profile(33.0, (0.08, 0.09), revenue=340.0, drift=-0.00012),
    "Industrials": _Profile(24.0, (0.14, 0.13), revenue=150.0, drift=0.00048),
    "Materials": _Profile(6.5, (0.16, 0.10), revenue=45.0, drift=0.00016),
    "Real Estate": _Profile(6.2, (0.04, 0.05), revenue=22.0, drift=0.0),
    "Utilities": _Profile(9.5, (0.09, 0.08), revenue=40.0, drift=0.00024),
    # Companies (fiscal 2025 EPS in USD; revenue in USD).
    "MSFT": _Profile(
        13.6, (0.14, 0.15), revenue=282 * _B, revenue_growth=0.15, drift=0.0006, analysts=52
    ),
    "AMZN": _Profile(
        7.1, (0.12, 0.18), revenue=716 * _B, revenue_growth=0.11, drift=0.00048, analysts=60
    ),
    "GOOGL": _Profile(
        10.2, (0.13, 0.12), revenue=400 * _B, revenue_growth=0.12, drift=0.00072, analysts=55
    ),
    "META": _Profile(
        28.0, (0.10, 0.13), revenue=200 * _B, revenue_growth=0.17, drift=0.00036, analysts=58
    ),
    "ORCL": _Profile(
        6.0, (0.15, 0.22), revenue=57 * _B, revenue_growth=0.2, drift=0.0008, analysts=35
    ),
    "NVDA": _Profile(
        2.99,
        (0.45, 0.35),
        revenue=130 * _B,
        revenue_growth=0.5,
        drift=0.0012,
        analysts=62,
        spread=0.12,
    ),
    "AVGO": _Profile(
        6.8, (0.35, 0.30), revenue=64 * _B, revenue_growth=0.3, drift=0.001, analysts=40
    ),
    "TSM": _Profile(
        10.0, (0.25, 0.18), revenue=120 * _B, revenue_growth=0.25, drift=0.00064, analysts=20
    ),
    "CRWV": _Profile(
        -1.0, step=0.6, revenue=5 * _B, revenue_growth=0.9, drift=0.0008, analysts=18, spread=0.4
    ),
    "GLW": _Profile(
        2.5, (0.15, 0.12), revenue=15 * _B, revenue_growth=0.07, drift=0.00032, analysts=14
    ),
    "GEV": _Profile(
        6.0, (0.50, 0.35), revenue=37 * _B, revenue_growth=0.12, drift=0.0008, analysts=27
    ),
    "VST": _Profile(
        6.5, (0.25, 0.20), revenue=19 * _B, revenue_growth=0.08, drift=0.0004, analysts=12
    ),
    "CEG": _Profile(
        9.5, (0.15, 0.16), revenue=25 * _B, revenue_growth=0.06, drift=0.00028, analysts=15
    ),
    "PWR": _Profile(
        10.0, (0.17, 0.16), revenue=27 * _B, revenue_growth=0.12, drift=0.0004, analysts=22
    ),
    "ETN": _Profile(
        12.0, (0.11, 0.12), revenue=27 * _B, revenue_growth=0.09, drift=0.00024, analysts=24
    ),
    "ZS": _Profile(
        3.3, (0.15, 0.18), revenue=2.7 * _B, revenue_growth=0.2, drift=0.0002, analysts=40
    ),
    "CAT": _Profile(
        19.0, (0.06, 0.10), revenue=63 * _B, revenue_growth=0.03, drift=-0.00016, analysts=25
    ),
    "GS": _Profile(
        45.0, (0.09, 0.10), revenue=56 * _B, revenue_growth=0.05, drift=0.0002, analysts=22
    ),
    # Russell 2000 small caps (BE's FY2027 row is the planted low > high in the bad file).
    "BE": _Profile(
        0.45,
        (0.80, 0.50),
        revenue=1.9 * _B,
        revenue_growth=0.3,
        drift=0.0012,
        analysts=20,
        spread=0.25,
    ),
    "CRDO": _Profile(
        1.2,
        (0.60, 0.35),
        revenue=0.8 * _B,
        revenue_growth=0.5,
        drift=0.0012,
        analysts=13,
        spread=0.15,
    ),
    "STRL": _Profile(
        9.0, (0.20, 0.15), revenue=2.2 * _B, revenue_growth=0.1, drift=0.00048, analysts=5
    ),
    "FN": _Profile(
        10.0, (0.18, 0.15), revenue=3.3 * _B, revenue_growth=0.15, drift=0.0004, analysts=8
    ),
    "CDE": _Profile(
        0.4,
        (0.60, 0.20),
        revenue=1.7 * _B,
        revenue_growth=0.25,
        drift=0.0008,
        analysts=9,
        spread=0.3,
    ),
    "IONQ": _Profile(
        -1.4, step=0.3, revenue=0.1 * _B, revenue_growth=0.8, drift=0.0004, analysts=10, spread=0.35
    ),
    "SATS": _Profile(
        -1.2, step=0.5, revenue=15 * _B, revenue_growth=-0.02, drift=-0.0004, analysts=6, spread=0.5
    ),
    "UEC": _Profile(
        -0.15, step=0.12, revenue=0.2 * _B, revenue_growth=0.5, drift=0.0008, analysts=7, spread=0.6
    ),
}
_DEFAULT_COMPANY = _Profile(3.0, (0.10,), revenue=5 * _B, analysts=12)
_BASE_YEAR = 2025
_SEASONAL = (0.96, 0.99, 1.01, 1.04)  # share of a fiscal year's EPS by quarter (x 4)


def profile(entity_id: str) -> _Profile:
    return _PROFILES.get(entity_id, _DEFAULT_COMPANY)


def _unit(*parts: object) -> float:
    """A deterministic number in [-1, 1) for the given key (crc32-seeded, process-independent)."""
    seed = zlib.crc32("|".join(str(p) for p in parts).encode())
    return random.Random(seed).uniform(-1.0, 1.0)


def _eps_true(p: _Profile, year: int) -> float:
    """The world's underlying EPS for a fiscal year (before revisions)."""
    if p.step is not None:
        return p.eps + p.step * (year - _BASE_YEAR)
    value = p.eps
    if year >= _BASE_YEAR:
        for y in range(_BASE_YEAR + 1, year + 1):
            value *= 1 + p.growth[min(y - _BASE_YEAR - 1, len(p.growth) - 1)]
    else:
        for _ in range(year, _BASE_YEAR):
            value /= 1 + p.growth[0]
    return value


def _revenue_true(p: _Profile, year: int) -> float:
    return p.revenue * (1 + p.revenue_growth) ** (year - _BASE_YEAR)


def _revision(p: _Profile, value: float, key: tuple, as_of: date, period_end: date) -> float:
    """``value`` as the consensus had it on ``as_of``: off by ``drift`` per week still to go
    before ``period_end`` (at most 78 weeks), plus a small wiggle. A positive drift means
    estimates start low and are revised up towards the outcome."""
    weeks = max(0.0, min(MAX_REVISION_WEEKS, (period_end - as_of).days / 7))
    wiggle = 0.0004 * _unit(*key, as_of.isoformat())
    return value + abs(value) * (-p.drift * weeks + wiggle)


def estimate(entity_id: str, metric: str, year: int, as_of: date, quarter: int | None = None):
    """Consensus mean for a fiscal year (or one of its quarters) as of ``as_of``."""
    p = profile(entity_id)
    truth = _eps_true(p, year) if metric == "eps" else _revenue_true(p, year)
    if quarter is not None:
        truth = truth / 4 * _SEASONAL[quarter - 1]
    if _is_company(entity_id):
        if quarter is None:
            end = fiscal_year_end_date(entity_id, year)
        else:
            end = fiscal_quarter_end(entity_id, year, quarter)
    else:  # indexes and sectors: calendar periods
        end = date(year, 12, 31) if quarter is None else _month_end(year, 3 * quarter)
    return _revision(p, truth, (entity_id, metric, year, quarter), as_of, end)


def _is_company(entity_id: str) -> bool:
    return entity_id in {e.entity_id for e in companies()}


def actual(entity_id: str, metric: str, year: int, quarter: int | None = None) -> float:
    """A reported figure (no revisions): the world's truth with a small deterministic surprise."""
    p = profile(entity_id)
    truth = _eps_true(p, year) if metric == "eps" else _revenue_true(p, year)
    if quarter is not None:
        truth = truth / 4 * _SEASONAL[quarter - 1]
    return truth + abs(truth) * 0.01 * _unit("actual", entity_id, metric, year, quarter)


# --------------------------------------------------------------------------------------------
# Fiscal calendars (label -> dates; the parser goes the other way)
# --------------------------------------------------------------------------------------------
def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def fiscal_year_end_month(ticker: str) -> int:
    return fiscal_year_end_months().get(ticker, 12)


def fiscal_quarter_end(ticker: str, fiscal_year: int, quarter: int) -> date:
    """The month end closing fiscal quarter ``quarter`` of the fiscal year named ``fiscal_year``
    (the calendar year in which it ends)."""
    end_month = fiscal_year_end_month(ticker)
    months_before_year_end = 3 * (4 - quarter)
    index = fiscal_year * 12 + (end_month - 1) - months_before_year_end
    return _month_end(index // 12, index % 12 + 1)


def fiscal_year_end_date(ticker: str, fiscal_year: int) -> date:
    return fiscal_quarter_end(ticker, fiscal_year, 4)


def open_quarter(ticker: str, as_of: date) -> tuple[int, int]:
    """(fiscal year, quarter) of Yahoo's ``0q``: the first quarter not reported by ``as_of``."""
    cutoff = as_of - timedelta(days=REPORTING_LAG_DAYS)
    year = cutoff.year - 1
    while True:
        for quarter in (1, 2, 3, 4):
            if fiscal_quarter_end(ticker, year, quarter) >= cutoff:
                return year, quarter
        year += 1


def _next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def current_calendar_year(as_of: date) -> int:
    return (as_of - timedelta(days=REPORTING_LAG_DAYS)).year


# --------------------------------------------------------------------------------------------
# Vendor files
# --------------------------------------------------------------------------------------------
def _fmt(value: float | None, places: int) -> str:
    if value is None:
        return ""
    text = f"{value:.{places}f}"
    return "0" if float(text) == 0 else text


def _growth(mean: float, prior: float) -> float | None:
    # The vendor computes growth whatever the sign of the base: meaningless on a loss.
    return None if prior == 0 else mean / prior - 1


@dataclass
class _Row:
    entity_type: str
    entity_id: str
    fiscal_period: str
    period_end: date
    metric: str
    mean: float
    prior: float
    aggregation: str
    median: float | None = None
    high: float | None = None
    low: float | None = None
    n: int | None = None

    def cells(self, as_of: date) -> list[str]:
        company = self.entity_type == "company"
        money = self.metric == "revenue" and company
        places = 0 if money else 4
        growth = _growth(self.mean, self.prior)
        return [
            as_of.isoformat(),
            self.entity_type,
            self.entity_id,
            self.fiscal_period,
            self.period_end.isoformat(),
            self.metric,
            _fmt(self.mean, places),
            _fmt(self.median, places),
            _fmt(self.high, places),
            _fmt(self.low, places),
            "" if self.n is None else str(self.n),
            _fmt(self.prior, places),
            _fmt(growth, 6),
            self.aggregation,
            "USD",
            VENDOR_SOURCE,
        ]


def _aggregate_rows(entity: SampleEntity, as_of: date) -> list[_Row]:
    year = current_calendar_year(as_of)
    rows: list[_Row] = []
    kinds = ("FY", "CY") if entity.entity_type == "index" else ("CY",)
    for kind in kinds:
        for fiscal_year in (year, year + 1):
            for metric in ("eps", "revenue"):
                # FY: the sum of the members' fiscal years, a touch off the calendar figure.
                scale = 0.996 if kind == "FY" else 1.0
                mean = estimate(entity.entity_id, metric, fiscal_year, as_of) * scale
                if fiscal_year == year:
                    prior = actual(entity.entity_id, metric, fiscal_year - 1) * scale
                else:
                    prior = estimate(entity.entity_id, metric, year, as_of) * scale
                rows.append(
                    _Row(
                        entity_type=entity.entity_type,
                        entity_id=entity.entity_id,
                        fiscal_period=f"{kind}{fiscal_year}",
                        period_end=date(fiscal_year, 12, 31),
                        metric=metric,
                        mean=mean,
                        prior=prior,
                        aggregation="bottom_up_sum"
                        if kind == "FY" or entity.entity_type == "sector"
                        else "vendor",
                    )
                )
    return rows


def _company_rows(entity: SampleEntity, as_of: date) -> list[_Row]:
    ticker = entity.entity_id
    p = profile(ticker)
    current, _ = open_quarter(ticker, as_of)
    rows: list[_Row] = []
    for fiscal_year in (current, current + 1):
        for metric in ("eps", "revenue"):
            mean = estimate(ticker, metric, fiscal_year, as_of)
            if fiscal_year == current:
                prior = actual(ticker, metric, fiscal_year - 1)
            else:
                prior = estimate(ticker, metric, current, as_of)
            spread = p.spread * (1.3 if fiscal_year > current else 1.0)
            key = (ticker, metric, fiscal_year, as_of.isoformat())
            high = mean + abs(mean) * spread * (1 + 0.2 * _unit("high", *key))
            low = mean - abs(mean) * spread * (1 + 0.2 * _unit("low", *key))
            median = mean + abs(mean) * spread * 0.1 * _unit("median", *key)
            n = max(1, p.analysts - (3 if fiscal_year > current else 0))
            if metric == "revenue":
                n = max(1, n - 2)
            rows.append(
                _Row(
                    entity_type="company",
                    entity_id=ticker,
                    fiscal_period=f"FY{fiscal_year}",
                    period_end=fiscal_year_end_date(ticker, fiscal_year),
                    metric=metric,
                    mean=mean,
                    prior=prior,
                    aggregation="",
                    median=median,
                    high=high,
                    low=low,
                    n=n,
                )
            )
    return rows


def file_rows(as_of: date, *, malformed: bool = False) -> list[list[str]]:
    """The data rows of the vendor file for ``as_of`` (with the planted problems if asked)."""
    rows: list[_Row] = []
    for entity in entities():
        if entity.entity_type in ("index", "sector"):
            rows.extend(_aggregate_rows(entity, as_of))
        else:
            rows.extend(_company_rows(entity, as_of))
    if malformed:
        entity_id, metric = LOW_ABOVE_HIGH
        target = [r for r in rows if r.entity_id == entity_id and r.metric == metric][-1]
        target.high, target.low = target.low, target.high
        model = rows[-1]
        rows.append(
            _Row(
                entity_type="company",
                entity_id=UNKNOWN_ENTITY,
                fiscal_period=model.fiscal_period,
                period_end=model.period_end,
                metric="eps",
                mean=2.5,
                prior=2.0,
                aggregation="",
                median=2.5,
                high=3.0,
                low=2.0,
                n=4,
            )
        )
    return [row.cells(as_of) for row in rows]


def render_file(as_of: date, *, malformed: bool = False) -> bytes:
    lines = [",".join(VENDOR_COLUMNS)]
    for cells in file_rows(as_of, malformed=malformed):
        lines.append(",".join(_csv_cell(c) for c in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_cell(value: str) -> str:
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def as_of_dates(today: date, weeks: int) -> list[date]:
    """The weekly as-of Fridays, oldest first: the newest is the last Friday on or before today."""
    newest = today - timedelta(days=(today.weekday() - 4) % 7)
    return [newest - timedelta(weeks=k) for k in reversed(range(weeks))]


@dataclass(frozen=True)
class PlannedFile:
    name: str
    as_of: date
    body: bytes
    delivered_at: datetime  # becomes the file's modification time
    late: bool
    malformed: bool


def planned_files(today: date, weeks: int = 6) -> list[PlannedFile]:
    """What the vendor would deliver by ``today`` into an empty folder, oldest as-of first."""
    dates = as_of_dates(today, weeks)
    newest = dates[-1]
    planned = []
    for back, as_of in enumerate(reversed(dates)):
        late = back == LATE_WEEKS_BACK
        malformed = back == MALFORMED_WEEKS_BACK
        if late:
            delivered = datetime.combine(newest + timedelta(days=1), LATE_DELIVERY, UTC)
        else:
            delivered = datetime.combine(as_of, ON_TIME_DELIVERY, UTC)
        planned.append(
            PlannedFile(
                name=FILE_PATTERN.format(as_of=as_of.isoformat()),
                as_of=as_of,
                body=render_file(as_of, malformed=malformed),
                delivered_at=delivered,
                late=late,
                malformed=malformed,
            )
        )
    return sorted(planned, key=lambda f: f.as_of)


def _read_ledger(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def write_drop_files(drop_dir: Path, *, today: date, weeks: int = 6) -> list[Path]:
    """Deliver the weeks not delivered yet into ``drop_dir``; return the paths written now.

    See the module docstring for the planted late and malformed files and the ledger that
    makes repeated calls write nothing new.
    """
    drop_dir = Path(drop_dir)
    drop_dir.mkdir(parents=True, exist_ok=True)
    ledger_path = drop_dir / LEDGER_NAME
    ledger = _read_ledger(ledger_path)
    written: list[Path] = []
    for planned in planned_files(today, weeks):
        if planned.name in ledger:
            continue
        target = drop_dir / planned.name
        temporary = drop_dir / f".{planned.name}.part"
        temporary.write_bytes(planned.body)
        stamp = planned.delivered_at.timestamp()
        os.utime(temporary, (stamp, stamp))
        os.replace(temporary, target)
        ledger[planned.name] = _sha256_hex(planned.body)
        written.append(target)
    if written:
        temporary = drop_dir / f"{LEDGER_NAME}.part"
        temporary.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n", "utf-8")
        os.replace(temporary, ledger_path)
    return written


def _sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# --------------------------------------------------------------------------------------------
# Yahoo wire
# --------------------------------------------------------------------------------------------
def _json(status: int, document: object) -> EstimatesWireResponse:
    # Compact separators: Yahoo sends no whitespace.
    return EstimatesWireResponse(
        status, json.dumps(document, separators=(",", ":")).encode(), YAHOO_JSON
    )


def _finance_error(status: int, code: str, description: str) -> EstimatesWireResponse:
    return _json(
        status, {"finance": {"result": None, "error": {"code": code, "description": description}}}
    )


def _quote_summary_error(status: int, code: str, description: str) -> EstimatesWireResponse:
    return _json(
        status,
        {"quoteSummary": {"result": None, "error": {"code": code, "description": description}}},
    )


_CRUMB_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def cookie_value(as_of: date) -> str:
    token = f"{zlib.crc32(f'cookie{as_of}'.encode()):08x}"
    return f"d=AQABBsample{token}EAAQ&S=AQAAAsample{token[::-1]}"


def crumb(as_of: date) -> str:
    rng = random.Random(zlib.crc32(f"crumb{as_of}".encode()))
    return "".join(rng.choice(_CRUMB_ALPHABET) for _ in range(11))


def _request_cookie(headers: Mapping[str, str]) -> str | None:
    header = next((v for k, v in headers.items() if k.lower() == "cookie"), "") or ""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME:
            return value
    return None


def cookie_response(as_of: date) -> EstimatesWireResponse:
    """fc.yahoo.com answers 404, but sets the A3 cookie."""
    expires = datetime.combine(as_of + timedelta(days=365), time(0), UTC)
    set_cookie = (
        f"{COOKIE_NAME}={cookie_value(as_of)}; "
        f"Expires={email.utils.format_datetime(expires, usegmt=True)}; Max-Age=31557600; "
        "Domain=.yahoo.com; Path=/; SameSite=None; Secure; HttpOnly"
    )
    body = (
        b"<!DOCTYPE html><html><head><title>Yahoo</title></head><body>404 Not Found</body></html>"
    )
    return EstimatesWireResponse(404, body, HTML, (("Set-Cookie", set_cookie),))


def crumb_response(headers: Mapping[str, str], as_of: date) -> EstimatesWireResponse:
    if _request_cookie(headers) != cookie_value(as_of):
        return _finance_error(401, "Unauthorized", "Invalid Cookie")
    return EstimatesWireResponse(200, crumb(as_of).encode(), TEXT)


def _raw(value: float, fmt: str, long_fmt: str | None = None) -> dict:
    wrapped: dict = {"raw": value, "fmt": fmt}
    if long_fmt is not None:
        wrapped["longFmt"] = long_fmt
    return wrapped


def _short(value: float) -> str:
    text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _per_share(value: float) -> dict:
    value = round(value, 5)
    return _raw(value, _short(value))


def _money(value: float) -> dict:
    value = int(round(value))
    for divisor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= divisor:
            return _raw(value, _short(value / divisor) + suffix, f"{value:,}")
    return _raw(value, str(value), f"{value:,}")


def _percent(value: float | None) -> dict:
    if value is None:
        return {}
    value = round(value, 4)
    return _raw(value, f"{value * 100:.2f}%")


def _count(value: int) -> dict:
    return _raw(value, str(value), f"{value:,}")


def _trend_item(ticker: str, code: str, year: int, quarter: int | None, as_of: date) -> dict:
    p = profile(ticker)
    end = (
        fiscal_quarter_end(ticker, year, quarter) if quarter else fiscal_year_end_date(ticker, year)
    )
    mean = estimate(ticker, "eps", year, as_of, quarter)
    if code == "+1y":
        year_ago = estimate(ticker, "eps", year - 1, as_of)
        revenue_year_ago = estimate(ticker, "revenue", year - 1, as_of)
    else:
        year_ago = actual(ticker, "eps", year - 1, quarter)
        revenue_year_ago = actual(ticker, "revenue", year - 1, quarter)
    revenue = estimate(ticker, "revenue", year, as_of, quarter)
    spread = p.spread * (1.4 if quarter else 1.0)
    key = (ticker, code, as_of.isoformat())
    n = max(1, p.analysts - (6 if code.startswith("+") else 2) - (4 if quarter else 0))

    def growth(new: float, old: float) -> float | None:
        return None if old == 0 else new / old - 1

    # Yahoo's trend-level growth lags the estimate block (the real feed disagrees with
    # earningsEstimate.growth too): a week-old estimate here.
    lagged = growth(estimate(ticker, "eps", year, as_of - timedelta(days=7), quarter), year_ago)
    ups = max(0, round(n * (0.3 + 100 * p.drift)))
    downs = max(0, round(n * (0.2 - 100 * p.drift)))
    return {
        "maxAge": 1,
        "period": code,
        "endDate": end.isoformat(),
        "growth": _percent(lagged),
        "earningsEstimate": {
            "avg": _per_share(mean),
            "low": _per_share(mean - abs(mean) * spread * (1 + 0.2 * _unit("lo", *key))),
            "high": _per_share(mean + abs(mean) * spread * (1 + 0.2 * _unit("hi", *key))),
            "yearAgoEps": _per_share(year_ago),
            "numberOfAnalysts": _count(n),
            "growth": _percent(growth(round(mean, 5), round(year_ago, 5))),
            "earningsCurrency": "USD",
        },
        "revenueEstimate": {
            "avg": _money(revenue),
            "low": _money(revenue * (1 - spread / 3)),
            "high": _money(revenue * (1 + spread / 3)),
            "numberOfAnalysts": _count(max(1, n - 1)),
            "yearAgoRevenue": _money(revenue_year_ago),
            "growth": _percent(growth(revenue, revenue_year_ago)),
            "revenueCurrency": "USD",
        },
        "epsTrend": {
            "current": _per_share(mean),
            **{
                f"{days}daysAgo": _per_share(
                    estimate(ticker, "eps", year, as_of - timedelta(days=days), quarter)
                )
                for days in (7, 30, 60, 90)
            },
            "epsTrendCurrency": "USD",
        },
        "epsRevisions": {
            "upLast7days": _count(round(ups * 0.4)),
            "upLast30days": _count(ups),
            "downLast30days": _count(downs),
            "downLast7Days": _count(round(downs * 0.4)),
            "downLast90days": {},
            "epsRevisionsCurrency": "USD",
        },
    }


def earnings_trend(ticker: str, as_of: date) -> dict:
    """The ``earningsTrend`` module of a company as of ``as_of``."""
    year, quarter = open_quarter(ticker, as_of)
    next_year, next_quarter = _next_quarter(year, quarter)
    return {
        "trend": [
            _trend_item(ticker, "0q", year, quarter, as_of),
            _trend_item(ticker, "+1q", next_year, next_quarter, as_of),
            _trend_item(ticker, "0y", year, None, as_of),
            _trend_item(ticker, "+1y", year + 1, None, as_of),
        ],
        "maxAge": 1,
    }


def index_trend(as_of: date) -> dict:
    """The ``indexTrend`` module: S&P 500 expected EPS growth by calendar period of ``as_of``."""
    year = as_of.year
    quarter = (as_of.month - 1) // 3 + 1
    next_year, next_quarter = _next_quarter(year, quarter)

    def annual(y: int) -> float:
        return estimate("SP500", "eps", y, as_of) / estimate("SP500", "eps", y - 1, as_of) - 1

    def quarterly(y: int, q: int) -> float:
        return annual(y) + 0.01 * _unit("SP500 quarter", y, q)

    return {
        "maxAge": 1,
        "symbol": "SP5",
        "estimates": [
            {"period": "0q", "growth": round(quarterly(year, quarter), 4)},
            {"period": "+1q", "growth": round(quarterly(next_year, next_quarter), 4)},
            {"period": "0y", "growth": round(annual(year), 4)},
            {"period": "+1y", "growth": round(annual(year + 1), 4)},
            {"period": "LTG", "growth": 0.112},
        ],
    }


def quote_summary_response(
    symbol: str, query: Mapping[str, str], headers: Mapping[str, str], as_of: date
) -> EstimatesWireResponse:
    if query.get("crumb") != crumb(as_of) or _request_cookie(headers) != cookie_value(as_of):
        return _finance_error(401, "Unauthorized", "Invalid Crumb")
    requested = query.get("modules", "")
    modules = [m for m in requested.split(",") if m]
    if not modules or any(m not in KNOWN_MODULES for m in modules):
        return _quote_summary_error(400, "Bad Request", f"Invalid modules: {requested}")
    if symbol not in {c.entity_id for c in companies()}:
        return _quote_summary_error(
            404, "Not Found", f"No fundamentals data found for any of the summaryTypes={requested}"
        )
    result: dict = {}
    for module in modules:
        result[module] = (
            earnings_trend(symbol, as_of) if module == "earningsTrend" else index_trend(as_of)
        )
    return _json(200, {"quoteSummary": {"result": [result], "error": None}})


def respond(
    url_path: str, query: Mapping[str, str], headers: Mapping[str, str], as_of: date
) -> EstimatesWireResponse | None:
    """The answer for a Yahoo estimates path, or None when the path is not one served here.

    ``/`` (fc.yahoo.com: 404 plus Set-Cookie), ``/v1/test/getcrumb`` and
    ``/v10/finance/quoteSummary/{symbol}``. ``query`` holds single values, ``headers`` the
    request headers (the Cookie), ``as_of`` the day Yahoo is asked.
    """
    if url_path in ("", "/"):
        return cookie_response(as_of)
    if url_path.rstrip("/") == CRUMB_PATH:
        return crumb_response(headers, as_of)
    if match := QUOTE_SUMMARY_PATH.match(url_path):
        return quote_summary_response(unquote(match["symbol"]), query, headers, as_of)
    return None
