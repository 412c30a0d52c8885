"""SYNTHETIC FRED: every configured macro series with a full vintage history, served in FRED's
real wire formats (``/fred/series``, ``/fred/series/observations`` JSON with real-time windows,
and the no-key ``fredgraph.csv``).

Nothing here is real data. Each series follows a piecewise-linear path through rough anchor
values (so rate cycles, the 2008 and 2020 shocks and the 2026 macro backdrop look plausible) plus
deterministic noise. SP500, DJIA and NASDAQCOM are the sample market's own index closes, so macro
and price marts agree.

Vintages, as FRED publishes them:

* every observation is first published on a release date after its period (next business day
  for daily rates, the Thursday after for weekly claims, the following month for monthly data,
  about 30 days after the quarter for GDP);
* PAYEMS is revised at the next two monthly releases, GDP at the second and third estimates,
  RSAFS once a month later, UMCSENT from preliminary to final;
* daily business series have '.' on weekday market holidays.

Independence rule: this module writes the formats from scratch and never imports the project's
parsers (``orchestration.sources``); it reads the seed with its own CSV reader.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from orchestration.sample import wire
from orchestration.sample.market import HORIZON_END, SampleMarket, generate_market

SERIES_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "fred_series.csv"
FIRST_OBSERVATION = date(2004, 1, 1)
OPEN_END = np.datetime64("9999-12-31", "D")
FRED_JSON = "application/json; charset=UTF-8"
FRED_CSV = "text/csv"
CHICAGO = ZoneInfo("America/Chicago")
# FRED's daily update lands before the US open: last_updated carries this Central time.
UPDATE_TIME = time(7, 45, 12)

_BAD_REQUEST = "Bad Request.  "


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------
# Federal funds target (upper, lower) from each effective date; one number before the range era.
_FED_TARGET = (
    ("2003-06-25", 1.00, 1.00), ("2004-06-30", 1.25, 1.25), ("2004-08-10", 1.50, 1.50),
    ("2004-09-21", 1.75, 1.75), ("2004-11-10", 2.00, 2.00), ("2004-12-14", 2.25, 2.25),
    ("2005-02-02", 2.50, 2.50), ("2005-03-22", 2.75, 2.75), ("2005-05-03", 3.00, 3.00),
    ("2005-06-30", 3.25, 3.25), ("2005-08-09", 3.50, 3.50), ("2005-09-20", 3.75, 3.75),
    ("2005-11-01", 4.00, 4.00), ("2005-12-13", 4.25, 4.25), ("2006-01-31", 4.50, 4.50),
    ("2006-03-28", 4.75, 4.75), ("2006-05-10", 5.00, 5.00), ("2006-06-29", 5.25, 5.25),
    ("2007-09-18", 4.75, 4.75), ("2007-10-31", 4.50, 4.50), ("2007-12-11", 4.25, 4.25),
    ("2008-01-22", 3.50, 3.50), ("2008-01-30", 3.00, 3.00), ("2008-03-18", 2.25, 2.25),
    ("2008-04-30", 2.00, 2.00), ("2008-10-08", 1.50, 1.50), ("2008-10-29", 1.00, 1.00),
    ("2008-12-16", 0.25, 0.00), ("2015-12-17", 0.50, 0.25), ("2016-12-15", 0.75, 0.50),
    ("2017-03-16", 1.00, 0.75), ("2017-06-15", 1.25, 1.00), ("2017-12-14", 1.50, 1.25),
    ("2018-03-22", 1.75, 1.50), ("2018-06-14", 2.00, 1.75), ("2018-09-27", 2.25, 2.00),
    ("2018-12-20", 2.50, 2.25), ("2019-08-01", 2.25, 2.00), ("2019-09-19", 2.00, 1.75),
    ("2019-10-31", 1.75, 1.50), ("2020-03-04", 1.25, 1.00), ("2020-03-16", 0.25, 0.00),
    ("2022-03-17", 0.50, 0.25), ("2022-05-05", 1.00, 0.75), ("2022-06-16", 1.75, 1.50),
    ("2022-07-28", 2.50, 2.25), ("2022-09-22", 3.25, 3.00), ("2022-11-03", 4.00, 3.75),
    ("2022-12-15", 4.50, 4.25), ("2023-02-02", 4.75, 4.50), ("2023-03-23", 5.00, 4.75),
    ("2023-05-04", 5.25, 5.00), ("2023-07-27", 5.50, 5.25), ("2024-09-19", 5.00, 4.75),
    ("2024-11-08", 4.75, 4.50), ("2024-12-19", 4.50, 4.25), ("2025-09-18", 4.25, 4.00),
    ("2025-10-30", 4.00, 3.75), ("2025-12-11", 3.75, 3.50), ("2026-03-19", 3.50, 3.25),
    ("2026-06-18", 3.25, 3.00),
)  # fmt: skip
RANGE_ERA = np.datetime64("2008-12-16", "D")

# Anchor (date, value) paths; noise is added on top.
_ANCHORS: dict[str, tuple[tuple[str, float], ...]] = {
    "DGS10": (("2004-01-01", 4.15), ("2006-06-30", 5.1), ("2007-06-30", 5.1), ("2008-12-31", 2.2),
              ("2009-06-30", 3.7), ("2010-12-31", 3.3), ("2012-07-31", 1.5), ("2013-12-31", 3.0),
              ("2016-07-31", 1.4), ("2018-10-31", 3.2), ("2019-09-01", 1.5), ("2020-08-01", 0.55),
              ("2021-03-31", 1.7), ("2022-10-31", 4.2), ("2023-10-20", 4.95), ("2024-04-30", 4.6),
              ("2024-09-15", 3.65), ("2025-01-15", 4.75), ("2025-09-30", 4.1), ("2026-03-31", 4.2),
              ("2027-12-31", 4.3)),
    "DGS2": (("2004-01-01", 1.8), ("2006-06-30", 5.2), ("2007-06-30", 4.9), ("2008-12-31", 0.8),
             ("2011-09-30", 0.2), ("2013-12-31", 0.35), ("2015-12-31", 1.05), ("2018-10-31", 2.9),
             ("2019-09-01", 1.5), ("2020-05-01", 0.15), ("2021-09-30", 0.25), ("2022-10-31", 4.5),
             ("2023-10-20", 5.1), ("2024-09-15", 3.6), ("2025-01-15", 4.3), ("2025-09-30", 3.6),
             ("2026-03-31", 3.45), ("2027-12-31", 3.3)),
    "BAMLH0A0HYM2": (("2004-01-01", 3.5), ("2007-06-01", 2.5), ("2008-12-15", 20.0),
                     ("2009-12-31", 6.5), ("2011-10-03", 8.0), ("2014-06-30", 3.4),
                     ("2016-02-11", 8.4), ("2018-10-01", 3.2), ("2020-03-23", 10.9),
                     ("2021-06-30", 3.0), ("2022-07-05", 5.9), ("2024-11-11", 2.6),
                     ("2025-04-08", 4.5), ("2025-08-29", 2.9), ("2026-06-30", 3.0),
                     ("2027-12-31", 3.4)),
    "DTWEXBGS": (("2006-01-02", 100.0), ("2008-03-17", 88.0), ("2009-03-04", 104.0),
                 ("2011-07-29", 89.0), ("2015-03-13", 113.0), ("2016-12-30", 123.0),
                 ("2020-03-23", 126.0), ("2021-05-28", 111.0), ("2022-10-21", 128.0),
                 ("2024-12-31", 129.0), ("2025-06-30", 120.0), ("2026-03-31", 117.0),
                 ("2027-12-31", 116.0)),
    "UNRATE": (("2004-01-01", 5.7), ("2007-03-01", 4.4), ("2009-10-01", 10.0), ("2015-01-01", 5.7),
               ("2019-09-01", 3.5), ("2020-03-01", 4.4), ("2020-04-01", 14.8), ("2020-12-01", 6.7),
               ("2022-01-01", 4.0), ("2023-04-01", 3.4), ("2024-07-01", 4.3), ("2025-08-01", 4.3),
               ("2026-01-01", 4.6), ("2026-09-01", 4.5), ("2027-12-01", 4.4)),
    "PAYEMS": (("2004-01-01", 130_000), ("2008-01-01", 138_400), ("2010-02-01", 129_700),
               ("2020-02-01", 152_500), ("2020-04-01", 130_400), ("2022-08-01", 152_700),
               ("2025-08-01", 159_500), ("2027-12-01", 161_000)),
    "ICSA": (("2004-01-03", 340_000), ("2007-01-06", 310_000), ("2009-03-28", 660_000),
             ("2014-01-04", 300_000), ("2019-12-28", 215_000), ("2020-03-14", 230_000),
             ("2020-04-04", 6_100_000), ("2020-06-27", 1_400_000), ("2020-12-26", 800_000),
             ("2021-12-25", 210_000), ("2025-06-28", 240_000), ("2027-12-25", 225_000)),
    "CPIAUCSL": (("2004-01-01", 186.3), ("2008-07-01", 219.0), ("2009-06-01", 214.6),
                 ("2015-01-01", 234.7), ("2020-01-01", 259.0), ("2020-05-01", 256.0),
                 ("2021-06-01", 271.0), ("2022-06-01", 295.3), ("2023-12-01", 308.7),
                 ("2024-12-01", 317.6), ("2025-12-01", 326.0), ("2026-12-01", 334.0),
                 ("2027-12-01", 342.0)),
    "CPILFESL": (("2004-01-01", 194.0), ("2008-07-01", 216.0), ("2015-01-01", 239.8),
                 ("2020-01-01", 265.0), ("2021-06-01", 283.0), ("2022-12-01", 298.8),
                 ("2023-12-01", 317.3), ("2024-12-01", 327.0), ("2025-12-01", 335.9),
                 ("2026-12-01", 344.0), ("2027-12-01", 352.0)),
    "UMCSENT": (("2004-01-01", 95.0), ("2008-06-01", 56.4), ("2009-01-01", 61.0),
                ("2012-01-01", 75.0), ("2015-01-01", 98.0), ("2020-04-01", 71.8),
                ("2021-01-01", 79.0), ("2022-06-01", 50.0), ("2023-07-01", 71.5),
                ("2024-12-01", 74.0), ("2025-04-01", 52.2), ("2025-11-01", 51.0),
                ("2026-02-01", 57.3), ("2026-09-01", 60.0), ("2027-12-01", 66.0)),
    "RSAFS": (("2004-01-01", 320_000), ("2008-06-01", 380_000), ("2009-03-01", 335_000),
              ("2019-12-01", 530_000), ("2020-04-01", 413_000), ("2020-06-01", 520_000),
              ("2021-12-01", 640_000), ("2024-12-01", 728_000), ("2025-12-01", 745_000),
              ("2027-12-01", 790_000)),
    "GDP": (("2004-01-01", 11_900), ("2008-04-01", 14_800), ("2009-04-01", 14_340),
            ("2019-10-01", 21_900), ("2020-04-01", 19_900), ("2021-10-01", 24_350),
            ("2024-07-01", 29_370), ("2025-07-01", 30_900), ("2026-07-01", 32_500),
            ("2027-10-01", 34_200)),
    "M2SL": (("2004-01-01", 6_050), ("2008-12-01", 8_200), ("2019-12-01", 15_300),
             ("2020-06-01", 18_200), ("2022-04-01", 21_700), ("2023-10-01", 20_700),
             ("2025-06-01", 21_900), ("2027-12-01", 23_500)),
    "WALCL": (("2004-01-07", 750_000), ("2008-09-03", 900_000), ("2008-12-17", 2_250_000),
              ("2014-10-29", 4_480_000), ("2019-09-04", 3_760_000), ("2020-06-10", 7_100_000),
              ("2022-04-13", 8_960_000), ("2025-06-25", 6_700_000), ("2025-12-31", 6_550_000),
              ("2027-12-29", 6_600_000)),
}  # fmt: skip

# Daily noise: (standard deviation per step, AR(1) persistence); relative for level series.
_NOISE = {
    "DGS10": (0.05, 0.97, False), "DGS2": (0.04, 0.97, False),
    "BAMLH0A0HYM2": (0.08, 0.98, False), "DTWEXBGS": (0.004, 0.98, True),
    "UNRATE": (0.08, 0.5, False), "PAYEMS": (0.0006, 0.6, True), "ICSA": (0.03, 0.6, True),
    "CPIAUCSL": (0.0008, 0.5, True), "CPILFESL": (0.0006, 0.5, True),
    "UMCSENT": (1.5, 0.6, False), "RSAFS": (0.006, 0.5, True), "GDP": (0.003, 0.5, True),
    "M2SL": (0.002, 0.7, True), "WALCL": (0.004, 0.8, True),
}  # fmt: skip
_DECIMALS = {
    "DFF": 2, "DFEDTARU": 2, "DFEDTARL": 2, "DGS2": 2, "DGS10": 2, "T10Y2Y": 2,
    "BAMLH0A0HYM2": 2, "DTWEXBGS": 4, "UNRATE": 1, "FEDFUNDS": 2, "PAYEMS": 0, "ICSA": 0,
    "CPIAUCSL": 3, "CPILFESL": 3, "UMCSENT": 1, "RSAFS": 0, "GDP": 3, "M2SL": 1, "WALCL": 0,
    "SP500": 2, "DJIA": 2, "NASDAQCOM": 2,
}  # fmt: skip
_INDEX_SYMBOLS = {"SP500": "^GSPC", "DJIA": "^DJI", "NASDAQCOM": "^IXIC"}
# Monthly release day of the following month (UMCSENT: the final reading, same month).
_MONTHLY_RELEASE_DAY = {
    "UNRATE": 5, "PAYEMS": 5, "CPIAUCSL": 12, "CPILFESL": 12, "RSAFS": 15, "FEDFUNDS": 1,
    "M2SL": 25,
}  # fmt: skip
_FRED_FREQUENCY = {
    "daily": ("Daily", "D"),
    "weekly": ("Weekly", "W"),
    "monthly": ("Monthly", "M"),
    "quarterly": ("Quarterly", "Q"),
}


@dataclass(frozen=True)
class SampleSeries:
    series_id: str
    title: str
    frequency: str
    units: str


def load_sample_series(path: Path = SERIES_CSV) -> dict[str, SampleSeries]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["series_id"]: SampleSeries(
                row["series_id"], row["title"], row["frequency"], row["units"]
            )
            for row in csv.DictReader(handle)
        }


def _rng(series_id: str, stream: str = "") -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"fred:{series_id}:{stream}".encode()))


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def _interpolate(dates: np.ndarray, anchors: tuple[tuple[str, float], ...]) -> np.ndarray:
    knots = _days([a for a, _ in anchors]).astype("int64")
    return np.interp(dates.astype("int64"), knots, [v for _, v in anchors])


def _ar1_noise(rng: np.random.Generator, n: int, sd: float, phi: float) -> np.ndarray:
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    noise = np.empty(n)
    level = 0.0
    for i in range(n):  # n is at most a few thousand per series
        level = phi * level + shocks[i]
        noise[i] = level
    return noise


def _fed_target(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = _days([d for d, _, _ in _FED_TARGET])
    i = np.searchsorted(starts, dates, side="right") - 1
    upper = np.array([u for _, u, _ in _FED_TARGET])[i]
    lower = np.array([lo for _, _, lo in _FED_TARGET])[i]
    return upper, lower


# --------------------------------------------------------------------------------------------
# Observation dates, release dates and the vintage table
# --------------------------------------------------------------------------------------------
def _weekday_on_or_after(days: np.ndarray) -> np.ndarray:
    return np.busday_offset(days, 0, roll="forward")


def _observation_dates(series_id: str, frequency: str, market: SampleMarket) -> np.ndarray:
    end = _days([HORIZON_END])[0]
    start = _days([FIRST_OBSERVATION])[0]
    if series_id in ("DFEDTARU", "DFEDTARL"):
        start = RANGE_ERA
    if series_id == "DTWEXBGS":
        start = _days(["2006-01-02"])[0]
    if series_id in _INDEX_SYMBOLS:
        start = market.session_dates[0].astype("datetime64[D]")
    if frequency == "daily":
        every_day = np.arange(start, end + 1)
        if series_id in ("DFF", "DFEDTARU", "DFEDTARL"):
            return every_day  # published for every calendar day
        return every_day[np.is_busday(every_day)]
    if frequency == "weekly":
        weekday = 5 if series_id == "ICSA" else 2  # claims: week ending Saturday; WALCL: Wednesday
        first = start + ((weekday - (start.astype("int64") + 3) % 7) % 7)
        return np.arange(first, end + 1, 7)
    months = np.arange(np.datetime64(FIRST_OBSERVATION, "M"), np.datetime64(HORIZON_END, "M") + 1)
    if frequency == "quarterly":
        months = months[(months.astype("int64") % 3) == 0]
    return months.astype("datetime64[D]")


def _release_dates(series_id: str, frequency: str, dates: np.ndarray) -> np.ndarray:
    """First publication (real-time start) of each observation."""
    if frequency == "daily":
        if series_id in ("DFEDTARU", "DFEDTARL"):
            return dates
        return np.busday_offset(dates, 1, roll="forward")
    if frequency == "weekly":
        return dates + (5 if series_id == "ICSA" else 1)  # Thursday after
    if frequency == "quarterly":
        quarter_end = (dates.astype("datetime64[M]") + 3).astype("datetime64[D]") - 1
        return _weekday_on_or_after(quarter_end + 30)
    month = dates.astype("datetime64[M]")
    if series_id == "UMCSENT":
        return _weekday_on_or_after(month.astype("datetime64[D]") + 27)
    day = _MONTHLY_RELEASE_DAY.get(series_id, 10)
    return _weekday_on_or_after((month + 1).astype("datetime64[D]") + (day - 1))


def _revisions(
    series_id: str, dates: np.ndarray, first_release: np.ndarray, final: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(release dates, values)] per vintage, the last one being the final value."""
    rng = _rng(series_id, "revisions")
    n = len(dates)
    if series_id == "PAYEMS":
        second = _weekday_on_or_after(
            (first_release.astype("datetime64[M]") + 1).astype("datetime64[D]") + 4
        )
        third = _weekday_on_or_after(
            (first_release.astype("datetime64[M]") + 2).astype("datetime64[D]") + 4
        )
        return [
            (first_release, final + rng.normal(0, 60, n)),
            (second, final + rng.normal(0, 25, n)),
            (third, final),
        ]
    if series_id == "GDP":
        return [
            (first_release, final * (1 + rng.normal(0, 0.004, n))),
            (_weekday_on_or_after(first_release + 30), final * (1 + rng.normal(0, 0.002, n))),
            (_weekday_on_or_after(first_release + 60), final),
        ]
    if series_id == "RSAFS":
        later = _weekday_on_or_after(
            (first_release.astype("datetime64[M]") + 1).astype("datetime64[D]") + 14
        )
        return [(first_release, final * (1 + rng.normal(0, 0.003, n))), (later, final)]
    if series_id == "UMCSENT":
        preliminary = _weekday_on_or_after(dates + 13)
        return [(preliminary, final + rng.normal(0, 1.0, n)), (first_release, final)]
    return [(first_release, final)]


def _final_values(series_id: str, dates: np.ndarray, market: SampleMarket) -> np.ndarray:
    """The fully revised value of every observation (NaN = not published, e.g. a holiday)."""
    if series_id in _INDEX_SYMBOLS:
        bars = market.bars[_INDEX_SYMBOLS[series_id]]
        closes = pd.Series(bars["close"].to_numpy(), index=_days(bars["date"].to_numpy()))
        return closes.reindex(dates).to_numpy(dtype="float64")
    if series_id in ("DFF", "DFEDTARU", "DFEDTARL", "FEDFUNDS"):
        upper, lower = _fed_target(dates)
        if series_id == "DFEDTARU":
            return upper
        if series_id == "DFEDTARL":
            return lower
        rng = _rng(series_id)
        range_era = dates >= RANGE_ERA
        effective = np.where(range_era, lower + 0.08, upper) + rng.normal(0, 0.01, len(dates))
        if series_id == "FEDFUNDS":
            # The monthly average of the daily effective rate.
            days = np.arange(
                dates[0], (dates[-1].astype("datetime64[M]") + 1).astype("datetime64[D]")
            )
            daily = pd.Series(_final_values("DFF", days, market), index=days)
            monthly = daily.groupby(days.astype("datetime64[M]")).mean()
            return monthly.reindex(dates.astype("datetime64[M]")).to_numpy()
        return np.maximum(effective, 0.04)
    if series_id == "T10Y2Y":
        return np.round(
            _final_values("DGS10", dates, market).round(2)
            - _final_values("DGS2", dates, market).round(2),
            2,
        )
    base = _interpolate(dates, _ANCHORS[series_id])
    sd, phi, relative = _NOISE[series_id]
    noise = _ar1_noise(_rng(series_id), len(dates), sd, phi)
    values = base * np.exp(noise) if relative else base + noise
    if series_id in ("DGS2", "DGS10", "BAMLH0A0HYM2"):
        values = np.maximum(values, 0.05)
    return values


def _holidays(dates: np.ndarray, market: SampleMarket) -> np.ndarray:
    """Weekdays the bond and stock markets are closed (taken from the NYSE calendar)."""
    return ~np.isin(dates, market.session_dates.astype("datetime64[D]"))


@cache
def vintage_table(series_id: str) -> pd.DataFrame:
    """The complete vintage history of one series over the sample horizon.

    Columns: date, realtime_start, realtime_end (datetime64[D]; 9999-12-31 = current), raw_value.
    """
    spec = load_sample_series()[series_id]
    market = generate_market()
    dates = _observation_dates(series_id, spec.frequency, market)
    final = _final_values(series_id, dates, market)
    first_release = _release_dates(series_id, spec.frequency, dates)
    vintages = _revisions(series_id, dates, first_release, final)
    decimals = _DECIMALS.get(series_id, 2)
    missing = np.isnan(final)
    if spec.frequency == "daily" and series_id not in ("DFF", "DFEDTARU", "DFEDTARL"):
        missing |= _holidays(dates, market)
    frames = []
    for i, (released, values) in enumerate(vintages):
        following = vintages[i + 1][0] - 1 if i + 1 < len(vintages) else None
        text = np.where(missing, ".", np.char.mod(f"%.{decimals}f", np.nan_to_num(values)))
        frames.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "realtime_start": released,
                    "realtime_end": following if following is not None else OPEN_END,
                    "raw_value": text,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    # A revision repeating the same printed value is no new vintage: merge the windows.
    table = table.sort_values(["date", "realtime_start"], ignore_index=True)
    same = (table["date"] == table["date"].shift()) & (
        table["raw_value"] == table["raw_value"].shift()
    )
    group = (~same).cumsum()
    table = table.groupby(group, sort=False).agg(
        date=("date", "first"),
        realtime_start=("realtime_start", "first"),
        realtime_end=("realtime_end", "last"),
        raw_value=("raw_value", "first"),
    )
    for column in ("date", "realtime_start", "realtime_end"):
        table[column] = table[column].to_numpy().astype("datetime64[D]")
    return table.reset_index(drop=True)


def answer_vintages(
    table: pd.DataFrame, as_of: date, realtime_start: date, realtime_end: date
) -> pd.DataFrame:
    """What FRED answers on ``as_of`` for the real-time window [realtime_start, realtime_end].

    Rows not yet published are unknown; the vintage current on ``as_of`` is open-ended; every
    window is clipped to the one requested. Works on any vintage table (sample or recorded).
    """
    today = np.datetime64(as_of, "D")
    lo, hi = np.datetime64(realtime_start, "D"), np.datetime64(realtime_end, "D")
    known = table[table["realtime_start"].to_numpy() <= today]
    starts = known["realtime_start"].to_numpy()
    ends = known["realtime_end"].to_numpy()
    ends = np.where(ends >= today, OPEN_END, ends)
    keep = (ends >= lo) & (starts <= hi)
    return pd.DataFrame(
        {
            "date": known["date"].to_numpy()[keep],
            "realtime_start": np.maximum(starts[keep], lo),
            "realtime_end": np.minimum(ends[keep], hi),
            "raw_value": known["raw_value"].to_numpy()[keep],
        }
    )


# --------------------------------------------------------------------------------------------
# Wire formats
# --------------------------------------------------------------------------------------------
def fred_error(status: int, message: str) -> wire.WireResponse:
    body = json.dumps({"error_code": status, "error_message": _BAD_REQUEST + message})
    return wire.WireResponse(status, body.encode(), FRED_JSON)


def _iso(day) -> str:
    return str(np.datetime64(day, "D"))


def series_document(series_id: str, as_of: date) -> dict | None:
    specs = load_sample_series()
    if series_id not in specs:
        return None
    spec = specs[series_id]
    table = vintage_table(series_id)
    known = table[table["realtime_start"].to_numpy() <= np.datetime64(as_of, "D")]
    if known.empty:
        return None
    updated_day = known["realtime_start"].max().date()
    updated = datetime.combine(updated_day, UPDATE_TIME, tzinfo=CHICAGO)
    offset_hours = int(updated.utcoffset().total_seconds() // 3600)
    frequency, frequency_short = _FRED_FREQUENCY[spec.frequency]
    stamp = as_of.isoformat()
    return {
        "realtime_start": stamp,
        "realtime_end": stamp,
        "seriess": [
            {
                "id": series_id,
                "realtime_start": stamp,
                "realtime_end": stamp,
                "title": f"{spec.title} (SYNTHETIC sample)",
                "observation_start": _iso(known["date"].min()),
                "observation_end": _iso(known["date"].max()),
                "frequency": frequency,
                "frequency_short": frequency_short,
                "units": spec.units.replace("_", " ").title(),
                "units_short": spec.units,
                "seasonal_adjustment": "Not Seasonally Adjusted",
                "seasonal_adjustment_short": "NSA",
                "last_updated": f"{updated:%Y-%m-%d %H:%M:%S}{offset_hours:+03d}",
                "popularity": 50,
                "notes": "Synthetic series generated by the rotation-warehouse sample market.",
            }
        ],
    }


def series_response(query: dict[str, str], as_of: date) -> wire.WireResponse:
    if not query.get("api_key"):
        return fred_error(400, "Variable api_key is not set.")
    document = series_document(query.get("series_id", "").upper(), as_of)
    if document is None:
        return fred_error(400, "The series does not exist.")
    return wire.WireResponse(200, json.dumps(document).encode(), FRED_JSON)


def observations_response(query: dict[str, str], as_of: date) -> wire.WireResponse:
    if not query.get("api_key"):
        return fred_error(400, "Variable api_key is not set.")
    series_id = query.get("series_id", "").upper()
    if series_id not in load_sample_series():
        return fred_error(400, "The series does not exist.")
    if query.get("file_type", "xml") != "json":
        return fred_error(400, "This sample serves file_type=json only.")
    try:
        start = date.fromisoformat(query.get("realtime_start") or as_of.isoformat())
        end = date.fromisoformat(query.get("realtime_end") or as_of.isoformat())
        limit = int(query.get("limit", "100000"))
        offset = int(query.get("offset", "0"))
    except ValueError:
        return fred_error(
            400, "Variable realtime_start, realtime_end, limit or offset is not valid."
        )
    if not 1 <= limit <= 100_000:
        return fred_error(400, "Variable limit is not between 1 and 100000.")
    answer = answer_vintages(vintage_table(series_id), as_of, start, end)
    answer = answer.sort_values(["date", "realtime_start"], ignore_index=True)
    page = answer.iloc[offset : offset + limit]
    observations = [
        {"realtime_start": str(rs), "realtime_end": str(re), "date": str(d), "value": v}
        for d, rs, re, v in zip(
            page["date"].to_numpy(dtype="datetime64[D]"),
            page["realtime_start"].to_numpy(dtype="datetime64[D]"),
            page["realtime_end"].to_numpy(dtype="datetime64[D]"),
            page["raw_value"],
            strict=True,
        )
    ]
    document = {
        "realtime_start": start.isoformat(),
        "realtime_end": end.isoformat(),
        "observation_start": "1600-01-01",
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 2 if start != end else 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(answer),
        "offset": offset,
        "limit": limit,
        "observations": observations,
    }
    return wire.WireResponse(200, json.dumps(document).encode(), FRED_JSON)


def fredgraph_response(query: dict[str, str], as_of: date) -> wire.WireResponse:
    """``fredgraph.csv?id=A[,B]``: today's values, missing values as empty cells."""
    ids = [s.strip().upper() for s in query.get("id", "").split(",") if s.strip()]
    specs = load_sample_series()
    if not ids or any(s not in specs for s in ids):
        return wire.WireResponse(
            404,
            b"<!DOCTYPE html><html><head><title>Page Not Found | FRED</title></head></html>",
            wire.HTML,
        )
    columns: dict[str, pd.Series] = {}
    for series_id in ids:
        today = answer_vintages(vintage_table(series_id), as_of, as_of, as_of)
        values = today["raw_value"].replace(".", "")
        columns[series_id] = pd.Series(values.to_numpy(), index=today["date"].to_numpy())
    frame = pd.DataFrame(columns).sort_index().fillna("")
    lines = ["observation_date," + ",".join(ids)]
    lines += [
        f"{day}," + ",".join(row)
        for day, row in zip(
            frame.index.to_numpy(dtype="datetime64[D]"), frame.to_numpy(dtype=str), strict=True
        )
    ]
    return wire.WireResponse(200, ("\n".join(lines) + "\n").encode(), FRED_CSV)


Router = Callable[[dict[str, str], date], wire.WireResponse]
ROUTES: dict[str, Router] = {
    "/fred/series": series_response,
    "/fred/series/observations": observations_response,
    "/graph/fredgraph.csv": fredgraph_response,
}
