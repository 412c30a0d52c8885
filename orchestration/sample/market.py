"""A deterministic, SYNTHETIC market for the offline demo.

Nothing here is real market data. Every bar is generated from fixed seeds so that a newcomer can
run the whole pipeline without API keys and see the same warehouse every time. The paths are
shaped to look plausible (a market anchored to roughly the real S&P 500 history, sector and
theme rotations, one stock split, cash dividends, crypto trading every day), but any particular
price, volume or dividend is invented.

Model, per instrument (log prices):

    log p(t) = log p0 + beta * (m(t) - m(t0)) + regime(t) - regime(t0) + idio(t) + pins(t)

* ``m`` is the market (SPY): a piecewise log-linear path through anchor closes plus
  mean-reverting noise that is zero at every anchor, with daily volatility that rises in 2008 and March 2020.
* ``regime`` sums the annual excess drifts of the instrument's sector, style and theme over
  fixed periods; this is what makes energy lead in 2005-2008 and 2021-2022, technology lead in
  between and in 2023-2025, and cyclicals and small caps break out in 2026.
* ``idio`` is mean-reverting noise pinned to zero at year ends and pins, so it cannot drift.
* ``pins`` is a piecewise-linear correction that makes the path pass exactly through a few
  chosen closes, so the milestones the demo relies on hold by construction (e.g. DIA closes
  above 500 for the first time in February 2026).

The horizon is fixed (2005-01-03 to 2027-12-31) so history never depends on the run date; the
transport, not the market, hides bars that are still in the future.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

import exchange_calendars as xcals
import numpy as np
import pandas as pd

UNIVERSE_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "instruments.csv"

HORIZON_START = date(2005, 1, 3)
HORIZON_END = date(2027, 12, 31)
MARKET_SYMBOL = "SPY"
BAR_COLUMNS = (
    "date",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "dividend",
    "split_ratio",
    "split_adj_factor",
    "total_adj_factor",
)


# --------------------------------------------------------------------------------------------
# Universe
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """One row of instruments.csv, as far as the sample market needs it."""

    symbol: str
    name: str
    asset_class: str
    role: str
    sector: str
    style: str
    theme: str
    calendar: str
    listed_on: date
    yahoo_symbol: str
    tiingo_symbol: str
    stooq_symbol: str

    @property
    def is_crypto(self) -> bool:
        return self.calendar == "24x7"

    @property
    def first_day(self) -> date:
        return max(HORIZON_START, self.listed_on)


def load_universe(path: Path = UNIVERSE_CSV) -> dict[str, Instrument]:
    """The instruments of the seed, keyed by symbol (read directly: the sample is independent)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["symbol"]: Instrument(
            symbol=row["symbol"],
            name=row.get("name", row["symbol"]),
            asset_class=row.get("asset_class", ""),
            role=row.get("role", ""),
            sector=row.get("sector", "") or "",
            style=row.get("style", "") or "",
            theme=row.get("theme", "") or "",
            calendar=row["calendar"],
            listed_on=date.fromisoformat(row["listed_on"]),
            yahoo_symbol=(row.get("yahoo_symbol") or "").strip(),
            tiingo_symbol=(row.get("tiingo_symbol") or "").strip(),
            stooq_symbol=(row.get("stooq_symbol") or "").strip(),
        )
        for row in rows
        if row.get("symbol")
    }


# --------------------------------------------------------------------------------------------
# Calibration tables (all invented, shaped after the real history)
# --------------------------------------------------------------------------------------------

# SPY closes the market path passes through exactly.
_MARKET_ANCHORS: tuple[tuple[str, float], ...] = (
    ("2005-01-03", 120.30),
    ("2005-04-20", 114.50),
    ("2005-12-30", 124.50),
    ("2006-05-05", 132.00),
    ("2006-06-13", 122.50),
    ("2006-12-29", 141.60),
    ("2007-02-20", 146.00),
    ("2007-03-05", 137.50),
    ("2007-07-19", 155.00),
    ("2007-08-16", 141.00),
    ("2007-10-09", 156.50),
    ("2007-12-31", 146.20),
    ("2008-03-17", 127.50),
    ("2008-05-19", 142.50),
    ("2008-09-12", 125.50),
    ("2008-11-20", 75.50),
    ("2009-01-06", 93.50),
    ("2009-03-09", 68.10),
    ("2009-06-12", 94.50),
    ("2009-12-31", 111.40),
    ("2010-04-23", 121.80),
    ("2010-07-02", 101.50),
    ("2010-12-31", 125.75),
    ("2011-04-29", 136.40),
    ("2011-10-03", 109.90),
    ("2011-12-30", 125.50),
    ("2012-04-02", 141.80),
    ("2012-06-01", 127.50),
    ("2012-11-15", 135.00),
    ("2012-12-31", 142.40),
    ("2013-05-21", 167.00),
    ("2013-06-24", 157.00),
    ("2013-12-31", 184.70),
    ("2014-04-11", 181.50),
    ("2014-09-18", 201.00),
    ("2014-10-15", 186.40),
    ("2014-12-31", 205.50),
    ("2015-05-21", 213.00),
    ("2015-08-24", 189.50),
    ("2015-12-31", 204.90),
    ("2016-02-11", 182.90),
    ("2016-06-27", 199.60),
    ("2016-11-03", 208.50),
    ("2016-12-30", 223.50),
    ("2017-06-30", 241.80),
    ("2017-12-29", 266.90),
    ("2018-01-26", 286.60),
    ("2018-02-08", 258.00),
    ("2018-09-20", 293.60),
    ("2018-12-24", 234.30),
    ("2019-05-31", 275.30),
    ("2019-07-26", 302.00),
    ("2019-08-05", 283.80),
    ("2019-12-31", 321.90),
    ("2020-02-19", 338.30),
    ("2020-03-23", 222.90),
    ("2020-06-08", 323.20),
    ("2020-09-02", 357.70),
    ("2020-10-30", 326.50),
    ("2020-12-31", 373.90),
    ("2021-03-31", 396.30),
    ("2021-06-30", 428.10),
    ("2021-09-02", 453.20),
    ("2021-10-04", 434.20),
    ("2021-11-18", 470.00),
    ("2021-12-31", 474.96),
    ("2022-01-03", 477.70),
    ("2022-03-29", 461.50),
    ("2022-05-20", 389.60),
    ("2022-06-16", 366.70),
    ("2022-08-16", 429.70),
    ("2022-09-12", 406.60),
    ("2022-09-30", 357.20),
    ("2022-10-12", 357.00),
    ("2022-10-31", 386.20),
    ("2022-11-30", 407.70),
    ("2022-12-30", 382.40),
    ("2023-03-13", 385.40),
    ("2023-04-28", 415.90),
    ("2023-07-31", 457.80),
    ("2023-10-27", 410.70),
    ("2023-12-29", 475.30),
    ("2024-03-28", 523.10),
    ("2024-04-19", 495.20),
    ("2024-07-16", 564.90),
    ("2024-08-05", 517.40),
    ("2024-11-11", 598.80),
    ("2024-12-31", 586.10),
    ("2025-02-19", 612.90),
    ("2025-04-08", 496.50),
    ("2025-06-30", 617.90),
    ("2025-08-29", 645.00),
    ("2025-10-28", 687.00),
    ("2025-12-31", 680.00),
    ("2026-03-30", 662.00),
    ("2026-06-30", 672.00),
    ("2026-10-30", 700.00),
    ("2026-12-31", 705.00),
    ("2027-12-31", 750.00),
)

# Daily volatility of the market from each date on: calm mid-2000s, 2008, 2011, 2018, March
# 2020, 2022 and April 2025 stand out.
_MARKET_VOL: tuple[tuple[str, float], ...] = (
    ("2005-01-01", 0.0065),
    ("2007-02-27", 0.0100),
    ("2008-01-01", 0.0150),
    ("2008-09-01", 0.0300),
    ("2009-06-01", 0.0130),
    ("2010-01-01", 0.0100),
    ("2011-08-01", 0.0190),
    ("2012-01-01", 0.0080),
    ("2015-08-01", 0.0110),
    ("2016-04-01", 0.0070),
    ("2017-01-01", 0.0045),
    ("2018-02-01", 0.0120),
    ("2019-01-01", 0.0080),
    ("2020-02-20", 0.0400),
    ("2020-05-01", 0.0160),
    ("2021-01-01", 0.0080),
    ("2022-01-01", 0.0150),
    ("2023-01-01", 0.0090),
    ("2024-01-01", 0.0080),
    ("2025-03-01", 0.0160),
    ("2025-06-01", 0.0080),
    ("2026-01-01", 0.0090),
)
_CALM_VOL = 0.01
# AR(1) coefficients of the noise around the trend: the market's deviations from its anchors
# fade with a half-life of about two weeks, single names' with one of about a month.
_MARKET_PERSISTENCE = 0.95
_IDIO_PERSISTENCE = 0.98
_CRYPTO_PERSISTENCE = 0.95  # crypto shocks are 3-4x larger: fade faster to stay near anchors

# Crypto volatility multipliers (crypto does not follow the equity vol regimes).
_CRYPTO_VOL: tuple[tuple[str, float], ...] = (
    ("2005-01-01", 1.30),
    ("2019-01-01", 1.00),
    ("2023-01-01", 0.70),
)

# Regime periods and the annual excess log drift (on top of beta x market) of each driver.
# A: 2005 bull, B: oil spike and credit crunch, C: crash, D: recovery, E: the long tech
# decade, F1: reflation, F2: 2022 bear, G: the AI boom, H: 2026 rotation into cyclicals,
# I: a quiet 2027 without excess drift.
_REGIME_BREAKS = (
    "2005-01-01",
    "2007-10-09",
    "2008-07-01",
    "2009-03-09",
    "2014-06-30",
    "2020-10-30",
    "2022-01-01",
    "2023-01-01",
    "2026-01-01",
    "2027-01-01",
    "2028-01-01",
)
_REGIMES: dict[str, tuple[float, ...]] = {
    # A, B, C, D, E, F1, F2, G, H (I is all zero and appended below)
    "energy": (0.14, 0.30, -0.20, 0.00, -0.20, 0.30, 0.45, -0.18, 0.14),
    "materials": (0.05, 0.05, -0.30, 0.00, -0.04, 0.02, 0.02, -0.08, 0.14),
    "industrials": (0.02, -0.05, -0.10, 0.02, -0.01, 0.00, 0.04, -0.02, 0.16),
    "financials": (-0.03, -0.35, -0.50, 0.01, 0.00, 0.08, 0.02, -0.01, 0.14),
    "information_technology": (-0.02, 0.05, 0.15, 0.04, 0.09, 0.02, -0.14, 0.12, -0.12),
    "communication_services": (-0.03, 0.00, 0.00, 0.00, -0.04, 0.00, -0.25, 0.06, -0.08),
    "consumer_discretionary": (-0.03, -0.05, 0.10, 0.03, 0.01, -0.05, -0.15, 0.00, 0.02),
    "consumer_staples": (-0.04, 0.10, 0.25, -0.02, -0.05, -0.10, 0.15, -0.10, 0.00),
    "health_care": (-0.04, 0.05, 0.20, 0.00, -0.02, -0.05, 0.15, -0.12, 0.00),
    "utilities": (0.05, 0.05, 0.10, -0.04, -0.03, -0.10, 0.15, -0.04, 0.04),
    "real_estate": (0.00, 0.00, -0.20, 0.00, -0.04, 0.00, -0.08, -0.10, 0.02),
    "small_cap": (0.00, 0.00, -0.05, 0.02, -0.05, 0.03, -0.05, -0.10, 0.18),
    "equal_weight": (0.02, 0.00, -0.10, 0.01, -0.03, 0.02, 0.03, -0.06, 0.08),
    "value": (0.00, -0.05, -0.10, -0.01, -0.04, 0.04, 0.12, -0.06, 0.08),
    "growth": (-0.01, 0.03, 0.08, 0.01, 0.04, 0.00, -0.12, 0.06, -0.08),
    "blue_chip": (-0.01, 0.00, 0.05, 0.00, -0.01, 0.00, 0.10, -0.04, 0.06),
    "growth_tech": (-0.01, 0.05, 0.10, 0.04, 0.07, 0.00, -0.12, 0.09, -0.10),
    "ai_platforms": (0.00, 0.00, 0.00, 0.00, 0.05, 0.00, -0.10, 0.10, -0.12),
    "semiconductors": (0.00, 0.00, -0.10, 0.00, 0.15, 0.05, -0.10, 0.40, -0.05),
    "datacenter_networking": (0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.20, 0.05),
    "power_grid": (0.00, 0.00, 0.00, 0.00, 0.00, 0.05, 0.05, 0.25, 0.12),
    "security_software": (0.00, 0.00, 0.00, 0.00, 0.10, 0.05, -0.20, 0.05, -0.05),
    "cyclical_bellwethers": (0.00, 0.00, 0.00, 0.00, 0.00, 0.05, 0.05, 0.00, 0.10),
}
_REGIMES = {driver: (*rates, 0.0) for driver, rates in _REGIMES.items()}


@dataclass(frozen=True)
class _Dividends:
    """Cash dividend schedule: ex-dates on ``day`` of ``months`` (0 = third Friday)."""

    annual_yield: float
    months: tuple[int, ...] = (3, 6, 9, 12)
    day: int = 0
    since: str = "2005-01-01"


_QUARTERLY_SPDR = (3, 6, 9, 12)


@dataclass(frozen=True)
class _Profile:
    start: float = 0.0  # model close on the first bar (0 = taken from the first pin)
    beta: float = 1.0
    idio: float = 0.01  # daily idiosyncratic volatility in a calm market
    pins: tuple[tuple[str, float], ...] = ()
    volume: float = 2e6  # typical daily volume, split-adjusted shares (base units for crypto)
    dividends: _Dividends | None = None
    drivers: tuple[str, ...] | None = None  # None = derived from the seed's sector/style/theme


# Short rows are positional: (start, beta, idio, pins, volume, dividends). Pins are closes in
# the split-adjusted model scale; most names only pin their end-2025 level so that recent prices
# look familiar while the regimes shape the path in between.
_PROFILES: dict[str, _Profile] = {
    "SPY": _Profile(volume=90e6, dividends=_Dividends(0.018)),
    "DIA": _Profile(
        start=107.5,
        beta=0.92,
        idio=0.003,
        volume=4e6,
        dividends=_Dividends(0.019, months=tuple(range(1, 13))),
        pins=(
            ("2007-10-09", 140.5),
            ("2009-03-09", 65.5),
            ("2013-12-31", 165.0),
            ("2015-12-31", 174.0),
            ("2017-12-29", 247.4),
            ("2019-12-31", 285.0),
            ("2020-03-23", 184.0),
            ("2021-12-31", 363.6),
            ("2022-09-30", 288.0),
            ("2022-12-30", 331.0),
            ("2023-12-29", 377.0),
            ("2024-12-31", 423.0),
            ("2025-04-08", 375.0),
            ("2025-06-30", 437.0),
            ("2025-08-29", 452.0),
            ("2025-10-28", 470.0),
            ("2025-12-31", 482.0),
            ("2026-01-30", 490.0),
            ("2026-02-10", 503.0),
            ("2026-12-31", 515.0),
            ("2027-12-31", 540.0),
        ),
    ),
    "QQQ": _Profile(
        start=39.6,
        beta=1.15,
        idio=0.004,
        volume=45e6,
        dividends=_Dividends(0.006, day=20),
        pins=(
            ("2007-10-31", 55.0),
            ("2009-03-09", 27.5),
            ("2013-12-31", 88.0),
            ("2019-12-31", 212.6),
            ("2020-12-31", 313.7),
            ("2021-12-31", 397.9),
            ("2022-12-30", 266.3),
            ("2023-12-29", 409.5),
            ("2024-12-31", 511.2),
            ("2025-12-31", 615.0),
            ("2026-03-30", 575.0),
            ("2026-12-31", 600.0),
            ("2027-12-31", 650.0),
        ),
    ),
    "IWM": _Profile(
        start=64.0,
        beta=1.15,
        idio=0.005,
        volume=30e6,
        dividends=_Dividends(0.013, day=15),
        pins=(
            ("2007-07-13", 85.0),
            ("2009-03-09", 34.5),
            ("2013-12-31", 115.0),
            ("2015-12-31", 112.5),
            ("2018-08-31", 172.0),
            ("2018-12-24", 127.0),
            ("2019-12-31", 166.0),
            ("2020-03-18", 100.0),
            ("2021-11-08", 243.0),
            ("2022-12-30", 174.0),
            ("2023-12-29", 200.7),
            ("2024-11-25", 242.0),
            ("2024-12-31", 221.0),
            ("2025-04-08", 176.0),
            ("2025-12-31", 236.0),
            ("2026-06-30", 268.0),
            ("2026-12-31", 285.0),
            ("2027-12-31", 300.0),
        ),
    ),
    "RSP": _Profile(44.5, 1.0, 0.0025, (("2025-12-31", 190.0),), 3e6, _Dividends(0.017, day=22)),
    "XLK": _Profile(
        20.5,
        1.15,
        0.005,
        (("2008-11-20", 13.5), ("2020-12-31", 130.0), ("2025-12-31", 288.0)),
        8e6,
        _Dividends(0.010),
    ),
    "XLF": _Profile(30.4, 1.25, 0.006, (("2025-12-31", 55.0),), 50e6, _Dividends(0.018)),
    "XLI": _Profile(31.2, 1.05, 0.005, (("2025-12-31", 152.0),), 10e6, _Dividends(0.018)),
    "XLV": _Profile(30.3, 0.75, 0.005, (("2025-12-31", 155.0),), 8e6, _Dividends(0.016)),
    "XLY": _Profile(33.0, 1.10, 0.006, (("2025-12-31", 230.0),), 5e6, _Dividends(0.012)),
    "XLP": _Profile(23.2, 0.60, 0.005, (("2025-12-31", 78.0),), 9e6, _Dividends(0.026)),
    "XLE": _Profile(
        36.5,
        1.00,
        0.009,
        (
            ("2008-06-30", 88.0),
            ("2014-06-30", 97.0),
            ("2020-10-30", 28.0),
            ("2022-11-08", 93.0),
            ("2023-01-31", 91.0),
            ("2024-04-12", 96.0),
            ("2025-12-31", 90.0),
            ("2026-12-31", 112.0),
        ),
        18e6,
        _Dividends(0.030),
    ),
    "XLU": _Profile(28.0, 0.55, 0.006, (("2025-12-31", 85.0),), 12e6, _Dividends(0.032)),
    "XLB": _Profile(29.3, 1.05, 0.006, (("2025-12-31", 90.0),), 6e6, _Dividends(0.020)),
    "XLRE": _Profile(30.7, 0.95, 0.006, (("2025-12-31", 41.0),), 5e6, _Dividends(0.032)),
    "XLC": _Profile(50.0, 1.00, 0.006, (("2025-12-31", 117.0),), 5e6, _Dividends(0.010)),
    "IWD": _Profile(66.4, 0.95, 0.003, (("2025-12-31", 205.0),), 2.5e6, _Dividends(0.022, day=15)),
    "IWF": _Profile(49.0, 1.05, 0.003, (("2025-12-31", 470.0),), 2e6, _Dividends(0.010, day=15)),
    "GLD": _Profile(
        beta=0.05,
        idio=0.011,
        volume=9e6,
        drivers=(),
        pins=(
            ("2005-01-03", 42.9),
            ("2008-03-17", 98.0),
            ("2008-10-24", 68.0),
            ("2011-09-06", 185.0),
            ("2013-12-31", 116.0),
            ("2015-12-17", 102.0),
            ("2016-07-06", 131.0),
            ("2018-12-31", 121.0),
            ("2020-08-06", 194.0),
            ("2022-09-26", 152.0),
            ("2023-12-29", 191.0),
            ("2024-12-31", 242.0),
            ("2025-10-20", 400.0),
            ("2025-12-31", 395.0),
            ("2026-12-31", 420.0),
            ("2027-12-31", 430.0),
        ),
    ),
    "MSFT": _Profile(
        26.7, 1.05, 0.012, (("2025-12-31", 485.0),), 30e6, _Dividends(0.010, (2, 5, 8, 11), 15)
    ),
    "AMZN": _Profile(2.2, 1.25, 0.018, (("2025-12-31", 231.0),), 80e6),
    "GOOGL": _Profile(5.0, 1.10, 0.015, (("2025-12-31", 313.0),), 35e6),
    "META": _Profile(38.2, 1.25, 0.018, (("2025-12-31", 660.0),), 18e6),
    "ORCL": _Profile(
        13.6,
        1.00,
        0.014,
        (("2025-12-31", 195.0),),
        15e6,
        _Dividends(0.012, (1, 4, 7, 10), 10, since="2009-04-01"),
    ),
    # NVDA closes in the post-split scale; raw prices before 2021-07-20 are four times these.
    "NVDA": _Profile(
        beta=1.60,
        idio=0.020,
        volume=40e6,
        pins=(
            ("2005-01-03", 5.9),
            ("2007-10-31", 12.0),
            ("2008-11-20", 2.1),
            ("2013-12-31", 4.0),
            ("2015-12-31", 8.2),
            ("2018-10-01", 70.0),
            ("2018-12-24", 31.8),
            ("2020-03-16", 49.0),
            ("2020-12-31", 130.5),
            ("2021-07-19", 187.0),
            ("2021-11-29", 333.0),
            ("2022-10-13", 112.0),
            ("2023-12-29", 495.0),
            ("2024-06-18", 1356.0),
            ("2024-12-31", 1343.0),
            ("2025-04-04", 945.0),
            ("2025-10-29", 2070.0),
            ("2025-12-31", 1870.0),
            ("2026-12-31", 1700.0),
            ("2027-12-31", 1900.0),
        ),
    ),
    "AVGO": _Profile(
        1.55,
        1.30,
        0.016,
        (("2025-12-31", 346.0),),
        20e6,
        _Dividends(0.015, day=20, since="2010-12-01"),
    ),
    "TSM": _Profile(8.5, 1.20, 0.014, (("2025-12-31", 300.0),), 12e6),
    "CRWV": _Profile(40.0, 1.80, 0.035, (("2025-06-20", 170.0), ("2025-12-31", 75.0)), 25e6),
    "GLW": _Profile(
        12.5, 1.10, 0.014, (("2025-12-31", 88.0),), 6e6, _Dividends(0.025, (2, 5, 8, 11), 27)
    ),
    "GEV": _Profile(140.0, 1.20, 0.022, (("2025-12-31", 650.0),), 3e6),
    "VST": _Profile(16.5, 1.10, 0.020, (("2025-12-31", 165.0),), 6e6),
    "CEG": _Profile(53.0, 1.00, 0.020, (("2025-12-31", 350.0),), 3e6),
    "PWR": _Profile(8.0, 1.20, 0.016, (("2025-12-31", 430.0),), 1.5e6),
    "ETN": _Profile(
        32.0, 1.15, 0.013, (("2025-12-31", 335.0),), 3e6, _Dividends(0.020, (2, 5, 8, 11), 3)
    ),
    "ZS": _Profile(33.0, 1.30, 0.022, (("2025-12-31", 225.0),), 2e6),
    "CAT": _Profile(
        47.0, 1.15, 0.014, (("2025-12-31", 580.0),), 3e6, _Dividends(0.022, (1, 4, 7, 10), 20)
    ),
    "GS": _Profile(
        104.0, 1.30, 0.015, (("2025-12-31", 880.0),), 2.5e6, _Dividends(0.018, (2, 5, 8, 11), 28)
    ),
    "BTC-USD": _Profile(
        beta=0.0,
        idio=0.035,
        volume=30_000.0,
        drivers=(),
        pins=(
            ("2014-09-17", 457.0),
            ("2015-01-14", 178.0),
            ("2015-12-31", 430.0),
            ("2016-12-31", 963.0),
            ("2017-06-11", 2950.0),
            ("2017-09-14", 3150.0),
            ("2017-11-12", 5900.0),
            ("2017-12-07", 16500.0),
            ("2017-12-17", 19400.0),
            ("2017-12-31", 14150.0),
            ("2018-02-06", 6900.0),
            ("2018-12-15", 3200.0),
            ("2018-12-31", 3740.0),
            ("2019-04-01", 4150.0),
            ("2019-06-26", 12900.0),
            ("2019-12-31", 7190.0),
            ("2020-03-12", 4970.0),
            ("2020-12-31", 29000.0),
            ("2021-04-13", 63500.0),
            ("2021-07-20", 29800.0),
            ("2021-09-30", 43800.0),
            ("2021-10-20", 65900.0),
            ("2021-11-08", 67500.0),
            ("2021-11-30", 57000.0),
            ("2021-12-31", 46300.0),
            ("2022-03-31", 45500.0),
            ("2022-06-18", 19000.0),
            ("2022-11-09", 15900.0),
            ("2022-12-31", 16550.0),
            ("2023-06-15", 25100.0),
            ("2023-10-16", 28500.0),
            ("2023-12-31", 42300.0),
            ("2024-03-13", 73000.0),
            ("2024-08-05", 54000.0),
            ("2024-12-31", 93500.0),
            ("2025-04-08", 76300.0),
            ("2025-05-22", 111500.0),
            ("2025-10-06", 124500.0),
            ("2025-12-31", 93000.0),
            ("2026-06-30", 82000.0),
            ("2026-12-31", 98000.0),
            ("2027-12-31", 115000.0),
        ),
    ),
    "ETH-USD": _Profile(
        beta=0.0,
        idio=0.045,
        volume=400_000.0,
        drivers=(),
        pins=(
            ("2017-11-09", 320.0),
            ("2018-01-13", 1400.0),
            ("2018-12-31", 133.0),
            ("2019-06-26", 336.0),
            ("2019-12-31", 129.0),
            ("2020-03-12", 111.0),
            ("2020-12-31", 737.0),
            ("2021-05-11", 4170.0),
            ("2021-07-20", 1790.0),
            ("2021-11-08", 4810.0),
            ("2022-06-18", 995.0),
            ("2022-12-31", 1196.0),
            ("2023-12-31", 2280.0),
            ("2024-03-12", 4070.0),
            ("2024-12-31", 3330.0),
            ("2025-04-08", 1470.0),
            ("2025-08-23", 4800.0),
            ("2025-12-31", 3000.0),
            ("2026-12-31", 3300.0),
            ("2027-12-31", 3900.0),
        ),
    ),
}

# Indices follow the ETF of the same style, scaled, with a tiny tracking difference.
_INDEX_SCALE: dict[str, tuple[str, float, float]] = {
    # style: (benchmark ETF, scale, typical daily volume)
    "large_cap": ("SPY", 10.0, 3.5e9),
    "blue_chip": ("DIA", 100.0, 3.2e8),
    "growth_tech": ("QQQ", 40.0, 5.0e9),
    "small_cap": ("IWM", 10.0, 1.2e9),
}
_INDEX_TRACKING_NOISE = 0.0003

# The one corporate split of the sample: (ex-date, ratio).
_SPLITS: dict[str, tuple[str, float]] = {"NVDA": ("2021-07-20", 4.0)}

# Raw prices are quoted to 4 decimals (crypto 6, index levels 2), like the providers' feeds.
_PRICE_DECIMALS = 4
_CRYPTO_PRICE_DECIMALS = 6
_INDEX_PRICE_DECIMALS = 2


def _seed(symbol: str, stream: str = "") -> int:
    """A seed that is the same in every process (Python's hash() is salted per process)."""
    return zlib.crc32(f"{symbol}{stream}".encode())


# --------------------------------------------------------------------------------------------
# The market object
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SampleMarket:
    """Every instrument's true raw bars, plus the NYSE session times the wire formats need.

    ``bars[symbol]`` has the columns of ``BAR_COLUMNS``: raw traded prices, the cash dividend on
    its ex-date, the split ratio on its ex-date, and back-adjustment factors computed over the
    whole horizon (multiply a raw price by ``split_adj_factor`` to make it split-adjusted, by
    ``total_adj_factor`` to make it split- and dividend-adjusted). For history as seen on a given
    day use ``history(..., as_of=...)``: a provider only knows the actions that already happened.

    ``bars`` holds the seed's universe, built eagerly. The simulated index members
    (``orchestration.sample.membership``) are in ``instruments`` too, but their bars live in
    ``member_bars``, a lazy mapping that builds a frame on first access; ``frame()`` and
    ``history()`` serve both. ``market_log`` and ``market_vol`` are the market's log path and
    daily volatility on every session, which members' paths are built from.
    """

    instruments: Mapping[str, Instrument]
    bars: Mapping[str, pd.DataFrame]
    session_dates: np.ndarray = field(repr=False)  # datetime64[D], every XNYS session
    session_open: np.ndarray = field(repr=False)  # UTC epoch seconds of each session's open
    session_close: np.ndarray = field(repr=False)  # UTC epoch seconds of each session's close
    market_log: np.ndarray = field(repr=False)  # log close of the market (SPY) on each session
    market_vol: np.ndarray = field(repr=False)  # the market's daily volatility on each session
    member_bars: Mapping[str, pd.DataFrame] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    def frame(self, symbol: str) -> pd.DataFrame:
        if symbol in self.bars:
            return self.bars[symbol]
        return self.member_bars[symbol]

    def symbol_for(self, provider: str, code: str) -> str | None:
        """The universe symbol behind a provider's code (case-insensitive), or None."""
        return _provider_index(self)[provider].get(code.strip().lower())

    def history(
        self, symbol: str, start: date | None, end: date, as_of: date | None = None
    ) -> pd.DataFrame:
        """Raw bars dated within [start, min(end, as_of)] plus adjustment factors as of ``as_of``.

        ``split_adj`` and ``total_adj`` only account for splits and dividends with an ex-date on
        or before ``as_of`` (default ``end``), exactly as a provider queried that day would.
        """
        as_of = end if as_of is None else as_of
        frame = self.frame(symbol)
        dates = frame["date"].to_numpy()
        known = int(np.searchsorted(dates, _d64(as_of), side="right"))
        if known == 0:
            return frame.iloc[0:0].assign(split_adj=[], total_adj=[])
        hi = int(np.searchsorted(dates, _d64(min(end, as_of)), side="right"))
        lo = 0 if start is None else int(np.searchsorted(dates, _d64(start), side="left"))
        window = frame.iloc[lo:hi]
        split_now = frame["split_adj_factor"].iat[known - 1]
        total_now = frame["total_adj_factor"].iat[known - 1]
        return window.assign(
            split_adj=window["split_adj_factor"] / split_now,
            total_adj=window["total_adj_factor"] / total_now,
        )

    def open_epochs(self, dates: np.ndarray) -> np.ndarray:
        """UTC epoch seconds of the NYSE open on each of ``dates`` (which must be sessions)."""
        return self.session_open[np.searchsorted(self.session_dates, dates)]

    def close_epochs(self, dates: np.ndarray) -> np.ndarray:
        return self.session_close[np.searchsorted(self.session_dates, dates)]


@cache
def _provider_index(market: SampleMarket) -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {"yahoo": {}, "tiingo": {}, "stooq": {}}
    for inst in market.instruments.values():
        for provider, code in (
            ("yahoo", inst.yahoo_symbol),
            ("tiingo", inst.tiingo_symbol),
            ("stooq", inst.stooq_symbol),
        ):
            if code:
                index[provider][code.lower()] = inst.symbol
    return index


@cache
def generate_market() -> SampleMarket:
    """The sample market with its simulated index members (built once per process; the result
    is shared, do not mutate it). Members' bars are built lazily, on first access."""
    from orchestration.sample.membership import attach_members  # it builds on this module

    return attach_members(_build_market(load_universe()))


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def _d64(value: date | str) -> np.datetime64:
    return np.datetime64(value if isinstance(value, str) else value.isoformat(), "D")


def _day_numbers(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _step(x: np.ndarray, table: tuple[tuple[str, float], ...]) -> np.ndarray:
    """A piecewise-constant schedule (value from each date on) evaluated at day numbers x."""
    starts = _day_numbers([d for d, _ in table])
    values = np.array([v for _, v in table])
    return values[np.clip(np.searchsorted(starts, x, side="right") - 1, 0, None)]


def _ar1(shocks: np.ndarray, phi: float, block: int = 512) -> np.ndarray:
    """x[t] = phi * x[t-1] + shocks[t], vectorised block by block.

    Within a block x[i+j] = phi**j * (phi * x[i-1] + cumsum(shocks[i+s] / phi**s)); blocks
    keep phi**-j far from overflow and the loop runs over blocks, not days.
    """
    out = np.empty(len(shocks))
    powers = phi ** np.arange(block)
    carry = 0.0
    for i in range(0, len(shocks), block):
        chunk = shocks[i : i + block]
        p = powers[: len(chunk)]
        out[i : i + len(chunk)] = p * (phi * carry + np.cumsum(chunk / p))
        carry = out[i + len(chunk) - 1]
    return out


def _pinned_noise(x: np.ndarray, knots: np.ndarray, shocks: np.ndarray, phi: float) -> np.ndarray:
    """Mean-reverting noise with the straight line through its values at ``knots`` removed.

    Zero at every knot, so noise can never move a pinned level; the AR(1) keeps it from
    wandering far between distant knots (a plain random-walk bridge strayed 15% from the
    anchors), while the day-to-day moves keep the volatility of ``shocks``.
    """
    noise = _ar1(shocks, phi)
    return noise - np.interp(x, knots, np.interp(knots, x, noise))


def _regime(x: np.ndarray, drivers: tuple[str, ...]) -> np.ndarray:
    """Cumulative excess log return of the drivers at day numbers x (piecewise linear)."""
    if not drivers:
        return np.zeros(len(x))
    breaks = _day_numbers(_REGIME_BREAKS)
    rates = np.sum([_REGIMES[d] for d in drivers], axis=0) / 365.25
    cumulative = np.concatenate([[0.0], np.cumsum(rates * np.diff(breaks))])
    return np.interp(x, breaks, cumulative)


def _slug(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def _drivers(inst: Instrument, profile: _Profile) -> tuple[str, ...]:
    if profile.drivers is not None:
        return profile.drivers
    keys = [_slug(inst.sector), _slug(inst.theme)]
    if inst.role in ("benchmark", "style"):
        keys.append(_slug(inst.style))
    return tuple(k for k in keys if k in _REGIMES)


def _default_profile(inst: Instrument) -> _Profile:
    """Parameters for a symbol the tables do not know (the seed may grow)."""
    if inst.is_crypto:
        return _Profile(start=100.0, beta=0.0, idio=0.04, volume=1e6, drivers=())
    if inst.asset_class == "etf":
        return _Profile(start=50.0, beta=1.0, idio=0.006, volume=5e6, dividends=_Dividends(0.015))
    return _Profile(start=40.0, beta=1.1, idio=0.015, volume=5e6)


def _t_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fat-tailed shocks of about unit variance (Student t, 5 degrees of freedom).

    Clipped at 4 standard deviations: the raw t tail occasionally produced 10-sigma days,
    which look like data errors rather than market moves.
    """
    return np.clip(rng.standard_t(5, n) * np.sqrt(3.0 / 5.0), -4.0, 4.0)


def _log_path(
    x: np.ndarray,
    market: np.ndarray,
    market_vol: np.ndarray,
    profile: _Profile,
    drivers: tuple[str, ...],
    rng: np.random.Generator,
    crypto: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Log closes over grid x (first element = first bar) and each day's total volatility."""
    pins = [(int(_day_numbers([d])[0]), np.log(p)) for d, p in profile.pins]
    pins = [(d, p) for d, p in pins if x[0] <= d <= x[-1]]
    start = np.log(profile.start) if profile.start else pins[0][1]

    if crypto:
        idio_vol = profile.idio * _step(x, _CRYPTO_VOL)
    else:
        # Idiosyncratic noise swells with the market in a crisis, but less than one for one.
        idio_vol = profile.idio * np.sqrt(market_vol / _CALM_VOL)
    shocks = idio_vol * _t_noise(rng, len(x))
    shocks[0] = 0.0
    year_ends = _day_numbers([f"{y}-12-31" for y in range(2005, 2028)])
    knots = np.unique(np.concatenate([[x[0], x[-1]], [d for d, _ in pins], year_ends]))
    knots = knots[(knots >= x[0]) & (knots <= x[-1])]

    path = (
        start
        + profile.beta * (market - market[0])
        + (_regime(x, drivers) - _regime(x[:1], drivers))
        + _pinned_noise(x, knots, shocks, _CRYPTO_PERSISTENCE if crypto else _IDIO_PERSISTENCE)
    )
    if pins:
        # Bend the path through the pins with a piecewise-linear drift correction: zero at the
        # first bar (unless a pin sits there), constant after the last pin.
        points = sorted(pins)
        if points[0][0] != x[0]:
            points.insert(0, (int(x[0]), float(path[0])))
        pin_days = np.array([d for d, _ in points], dtype=np.int64)
        offsets = np.array([p - np.interp(d, x, path) for d, p in points])
        path = path + np.interp(x, pin_days, offsets)
    total_vol = np.sqrt((profile.beta * market_vol) ** 2 + idio_vol**2)
    return path, total_vol


def _ohlc(
    log_close: np.ndarray, vol: np.ndarray, rng: np.random.Generator, crypto: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open/high/low around each close; open gaps from the previous close (tiny for crypto)."""
    n = len(log_close)
    gap = rng.normal(0.0, 0.03 if crypto else 0.3, n) * vol
    previous = np.concatenate([[log_close[0] - gap[0]], log_close[:-1]])
    log_open = previous + gap
    up = np.abs(rng.normal(0.0, 0.5, n)) * vol
    down = np.abs(rng.normal(0.0, 0.5, n)) * vol
    log_high = np.maximum(log_open, log_close) + up
    log_low = np.minimum(log_open, log_close) - down
    return np.exp(log_open), np.exp(log_high), np.exp(log_low), np.exp(log_close)


def _volume(
    base: float, log_close: np.ndarray, vol: np.ndarray, market_vol: np.ndarray, rng
) -> np.ndarray:
    """Split-adjusted volume: busier on big moves and in volatile markets."""
    move = np.abs(np.diff(log_close, prepend=log_close[0])) / vol
    return (
        base
        * np.exp(rng.normal(0.0, 0.25, len(vol)))
        * (0.7 + 0.3 * market_vol / _CALM_VOL)
        * (1.0 + 0.25 * move)
    )


def _dividend_rows(dates: np.ndarray, spec: _Dividends) -> np.ndarray:
    """Row indices of ex-dates: the first bar on or after each scheduled day (never row 0)."""
    first_month = np.datetime64(max(str(dates[0]), spec.since)[:7], "M")
    months = np.arange(first_month, dates[-1].astype("datetime64[M]") + 1)
    months = months[np.isin(months.astype(int) % 12 + 1, spec.months)]
    first_days = months.astype("datetime64[D]")
    if spec.day == 0:
        # Third Friday, the SPDR ex-date convention.
        targets = np.busday_offset(first_days, 2, roll="forward", weekmask="Fri")
    else:
        targets = first_days + (spec.day - 1)
    rows = np.unique(np.searchsorted(dates, targets, side="left"))
    return rows[(rows > 0) & (rows < len(dates))]


def _finish_bars(
    dates: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    low: np.ndarray,
    c: np.ndarray,
    volume: np.ndarray,
    split_ratio: np.ndarray,
    dividend_spec: _Dividends | None,
    crypto: bool,
    rng: np.random.Generator,
    decimals: int,
) -> pd.DataFrame:
    """Round to quoted precision, keep the OHLC invariants, add actions and adjustment factors."""
    o, h, low, c = (np.round(a, decimals) for a in (o, h, low, c))
    # Rounding could make two consecutive bars identical; a real tape never repeats exactly.
    tick = 10.0**-decimals
    while True:
        same = np.flatnonzero(
            (o[1:] == o[:-1]) & (h[1:] == h[:-1]) & (low[1:] == low[:-1]) & (c[1:] == c[:-1])
        )
        if not len(same):
            break
        c[same + 1] = np.round(c[same + 1] + tick, decimals)
    h = np.maximum.reduce([h, o, c])
    low = np.minimum.reduce([low, o, c])

    # split_adj_factor(t) = product of 1/ratio over splits after t (back-adjustment).
    split_adj = np.append(np.cumprod((1.0 / split_ratio)[::-1])[::-1][1:], 1.0)
    if crypto:
        volume = np.round(volume, 8)
    else:
        volume = np.maximum(1, np.rint(volume * split_adj)).astype(np.int64)

    dividend = np.zeros(len(dates))
    if dividend_spec is not None:
        rows = _dividend_rows(dates, dividend_spec)
        wobble = 1.0 + 0.03 * rng.standard_normal(len(rows))
        amounts = c[rows - 1] * dividend_spec.annual_yield / len(dividend_spec.months) * wobble
        dividend[rows] = np.round(amounts, 4)
    # CRSP/Yahoo method: every day before an ex-date is scaled by (1 - dividend / prior close).
    ratio = np.ones(len(dates))
    paid = np.flatnonzero(dividend)
    ratio[paid] = 1.0 - dividend[paid] / c[paid - 1]
    dividend_adj = np.append(np.cumprod(ratio[::-1])[::-1][1:], 1.0)

    return pd.DataFrame(
        {
            "date": dates.astype("datetime64[s]"),
            "open": o,
            "high": h,
            "low": low,
            "close": c,
            "volume": volume,
            "dividend": dividend,
            "split_ratio": split_ratio,
            "split_adj_factor": split_adj,
            "total_adj_factor": split_adj * dividend_adj,
        }
    )


def _build_market(instruments: dict[str, Instrument]) -> SampleMarket:
    calendar = xcals.get_calendar(
        "XNYS", start=HORIZON_START.isoformat(), end=HORIZON_END.isoformat()
    )
    schedule = calendar.schedule
    sessions = schedule.index.to_numpy().astype("datetime64[D]")
    epoch = pd.Timestamp(0, tz="UTC")
    session_open = ((schedule["open"] - epoch) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    session_close = ((schedule["close"] - epoch) // pd.Timedelta(seconds=1)).to_numpy(np.int64)

    x_nyse = sessions.astype(np.int64)
    market_vol = _step(x_nyse, _MARKET_VOL)
    rng = np.random.default_rng(_seed(MARKET_SYMBOL, ":market"))
    anchors = _day_numbers([d for d, _ in _MARKET_ANCHORS])
    market = np.interp(x_nyse, anchors, np.log([p for _, p in _MARKET_ANCHORS])) + _pinned_noise(
        x_nyse, anchors, market_vol * _t_noise(rng, len(x_nyse)), _MARKET_PERSISTENCE
    )

    crypto_days = np.arange(_d64(HORIZON_START), _d64(HORIZON_END) + 1)
    bars: dict[str, pd.DataFrame] = {}
    indices = []
    for symbol, inst in instruments.items():
        if inst.role == "index" or inst.asset_class == "index":
            indices.append(inst)
            continue
        profile = _PROFILES.get(symbol) or _default_profile(inst)
        rng = np.random.default_rng(_seed(symbol))
        grid = crypto_days if inst.is_crypto else sessions
        first = int(np.searchsorted(grid, _d64(inst.first_day)))
        dates = grid[first:]
        x = dates.astype(np.int64)
        if symbol == MARKET_SYMBOL:
            log_close, vol = market.copy(), market_vol.copy()
        else:
            mkt = np.zeros(len(x)) if inst.is_crypto else market[first:]
            mvol = np.zeros(len(x)) if inst.is_crypto else market_vol[first:]
            log_close, vol = _log_path(
                x, mkt, mvol, profile, _drivers(inst, profile), rng, inst.is_crypto
            )
        o, h, low, c = _ohlc(log_close, vol, rng, inst.is_crypto)
        split_ratio = np.ones(len(dates))
        if symbol in _SPLITS:
            ex_date, ratio = _SPLITS[symbol]
            row = int(np.searchsorted(dates, _d64(ex_date)))
            split_ratio[row] = ratio
            # Raw prices before the ex-date trade at the pre-split scale.
            pre = np.arange(len(dates)) < row
            o, h, low, c = (np.where(pre, a * ratio, a) for a in (o, h, low, c))
        mvol = np.full(len(x), _CALM_VOL) if inst.is_crypto else market_vol[first:]
        volume = _volume(profile.volume, log_close, vol, mvol, rng)
        bars[symbol] = _finish_bars(
            dates,
            o,
            h,
            low,
            c,
            volume,
            split_ratio,
            profile.dividends,
            inst.is_crypto,
            rng,
            _CRYPTO_PRICE_DECIMALS if inst.is_crypto else _PRICE_DECIMALS,
        )

    for inst in indices:
        etf, scale, base_volume = _INDEX_SCALE.get(inst.style, ("SPY", 10.0, 1e9))
        source = bars[etf]
        rng = np.random.default_rng(_seed(inst.symbol))
        n = len(source)
        # One tracking factor per day applied to the whole bar keeps the OHLC invariants.
        factor = scale * np.exp(_INDEX_TRACKING_NOISE * rng.standard_normal(n))
        log_close = np.log(source["close"].to_numpy())
        # Index history ends on the last session like its ETF's, so align from the end.
        mvol = market_vol[len(sessions) - n :]
        volume = _volume(base_volume, log_close, mvol, mvol, rng)
        bars[inst.symbol] = _finish_bars(
            source["date"].to_numpy().astype("datetime64[D]"),
            *(source[col].to_numpy() * factor for col in ("open", "high", "low", "close")),
            volume,
            np.ones(n),
            None,
            False,
            rng,
            _INDEX_PRICE_DECIMALS,
        )

    market.flags.writeable = market_vol.flags.writeable = False
    return SampleMarket(
        instruments=MappingProxyType(dict(instruments)),
        bars=MappingProxyType(bars),
        session_dates=sessions,
        session_open=session_open,
        session_close=session_close,
        market_log=market,
        market_vol=market_vol,
    )
