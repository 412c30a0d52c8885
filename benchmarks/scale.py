"""A deterministic synthetic universe at a chosen scale, generated with numpy, written to Parquet.

The universe: the seed's NYSE instruments (SPY defines the session calendar, the rotation marts
need the sector ETFs) plus synthetic stocks ``S00001``..; every symbol has one bar per NYSE
session from its listing (the seed's ``listed_on``; synthetic stocks from the start), minus a
few missing bars. Prices are random walks with a market, a sector and an idiosyncratic factor.
Two indices have point-in-time membership spells: ``SP500`` and ``R2000`` with a set number of
slots, replaced a few times a year from pools of spare symbols (a removed stock keeps trading).

Written once per scale into ``<workdir>/data``:
    bars.parquet        symbol, date, open, high, low, close, volume (history + the new sessions)
    membership.parquet  index_id, symbol, start_date, end_date, gics_sector (raw.index_membership)
    scale.json          the scale and the session boundaries
The history is every session up to ``history_end``; ``new_sessions`` are the sessions after it
that the nightly benchmarks load one at a time.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.measure import DBT_PROJECT_DIR
from orchestration.sources.identifiers import GICS_SECTORS

SEED_SECTOR_ETFS = {
    "XLC": 0,
    "XLY": 1,
    "XLP": 2,
    "XLE": 3,
    "XLF": 4,
    "XLV": 5,
    "XLI": 6,
    "XLK": 7,
    "XLB": 8,
    "XLRE": 9,
    "XLU": 10,
}


@dataclass(frozen=True)
class Scale:
    name: str
    symbols: int  # all symbols, seed instruments included
    years: int
    sp500_members: int
    r2000_members: int
    sp500_changes_per_year: int
    r2000_changes_per_year: int
    history_end: str = "2025-12-31"
    new_sessions: int = 2  # sessions after the history: the nightly runs' new days
    missing_bar_rate: float = 0.001
    seed: int = 20260101


SCALES = {
    "small": Scale("small", symbols=160, years=3, sp500_members=30, r2000_members=60,
                   sp500_changes_per_year=3, r2000_changes_per_year=6),
    "large": Scale("large", symbols=5_000, years=30, sp500_members=500, r2000_members=2_000,
                   sp500_changes_per_year=15, r2000_changes_per_year=50),
}  # fmt: skip


def seed_instruments() -> list[tuple[str, str]]:
    """(symbol, listed_on) of the seed's NYSE instruments, SPY first."""
    with (DBT_PROJECT_DIR / "seeds" / "instruments.csv").open() as handle:
        rows = [
            (r["symbol"], r["listed_on"]) for r in csv.DictReader(handle) if r["calendar"] == "XNYS"
        ]
    return sorted(rows, key=lambda row: row[0] != "SPY")


def nyse_sessions(scale: Scale) -> pd.DatetimeIndex:
    end = pd.Timestamp(scale.history_end)
    start = end - pd.DateOffset(years=scale.years)
    calendar = xcals.get_calendar(
        "XNYS", start=start - pd.Timedelta(days=10), end=end + pd.Timedelta(days=30)
    )
    history = calendar.sessions_in_range(start, end)
    after = calendar.sessions_in_range(end + pd.Timedelta(days=1), end + pd.Timedelta(days=30))
    return history.append(after[: scale.new_sessions]).tz_localize(None)


@dataclass
class Dataset:
    """Paths and facts of one generated scale."""

    root: Path
    scale: Scale
    history_sessions: int
    history_start: str
    history_end: str
    new_sessions: list[str]
    bar_rows: int
    history_bar_rows: int
    membership_rows: int
    generate_seconds: float = 0.0

    @property
    def bars_path(self) -> Path:
        return self.root / "bars.parquet"

    @property
    def membership_path(self) -> Path:
        return self.root / "membership.parquet"

    def bars(self, *, start: str | None = None, end: str | None = None, columns=None) -> pa.Table:
        """Bars dated in [start, end] (ISO dates), read straight from Parquet."""
        filters = []
        if start:
            filters.append(("date", ">=", pd.Timestamp(start).date()))
        if end:
            filters.append(("date", "<=", pd.Timestamp(end).date()))
        return pq.read_table(self.bars_path, columns=columns, filters=filters or None)

    def membership(self) -> pd.DataFrame:
        return pq.read_table(self.membership_path).to_pandas()

    def session_dates(self) -> list[str]:
        sessions = nyse_sessions(self.scale)
        return [d.date().isoformat() for d in sessions]


def load_dataset(root: Path, scale: Scale) -> Dataset | None:
    meta = root / "scale.json"
    if not meta.exists():
        return None
    facts = json.loads(meta.read_text())
    if facts.pop("scale") != asdict(scale):
        return None
    return Dataset(root=root, scale=scale, **facts)


def generate(root: Path, scale: Scale) -> Dataset:
    """Generate (or reuse, when the same scale is already there) the dataset in ``root``."""
    import time

    existing = load_dataset(root, scale)
    if existing is not None:
        return existing
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(scale.seed)
    sessions = nyse_sessions(scale)
    days = len(sessions)
    history_days = days - scale.new_sessions

    seeds = seed_instruments()
    synthetic = scale.symbols - len(seeds)
    symbols = np.array([s for s, _ in seeds] + [f"S{i:05d}" for i in range(1, synthetic + 1)])
    n = len(symbols)
    sector_of = rng.integers(0, len(GICS_SECTORS), n)
    for position, (symbol, _) in enumerate(seeds):
        sector_of[position] = SEED_SECTOR_ETFS.get(symbol, 7)
    first_day = np.zeros(n, dtype=np.int64)
    session_values = sessions.values.astype("datetime64[D]")
    listed = np.array([np.datetime64(listed_on) for _, listed_on in seeds], dtype="datetime64[D]")
    first_day[: len(seeds)] = np.searchsorted(session_values, listed)

    # daily returns, days x symbols: market + sector + idiosyncratic (fat-tailed)
    market = rng.normal(0.0003, 0.011, days)
    sector_returns = rng.normal(0.0, 0.007, (days, len(GICS_SECTORS)))
    beta = rng.uniform(0.6, 1.5, n)
    beta[0] = 1.0  # SPY is the market
    returns = market[:, None] * beta + sector_returns[:, sector_of]
    returns += rng.standard_t(4, (days, n)) * (rng.uniform(0.004, 0.02, n) / np.sqrt(2))
    returns[:, 0] = market
    np.clip(returns, -0.5, 0.5, out=returns)
    closes = rng.uniform(10, 300, n) * np.exp(np.cumsum(np.log1p(returns), axis=0))
    del returns
    day_index = np.arange(days)[:, None]
    present = day_index >= first_day[None, :]
    missing = rng.random((days, n)) < scale.missing_bar_rate
    missing[:, 0] = False  # SPY defines the sessions
    missing[history_days:] = False  # every symbol reports the new sessions
    present &= ~missing
    del missing
    rows_day, rows_symbol = np.nonzero(present)  # row-major: ordered by day, then symbol
    del present
    # ordered by symbol then date, as a provider delivers one symbol's history
    order = np.lexsort((rows_day, rows_symbol))
    rows_day, rows_symbol = rows_day[order], rows_symbol[order]
    del order
    close = closes[rows_day, rows_symbol]
    del closes
    spread = np.abs(rng.normal(0, 0.006, close.size))
    open_ = close * (1 + rng.normal(0, 0.004, close.size))
    high = np.maximum(open_, close) * (1 + spread)
    low = np.minimum(open_, close) * (1 - spread)
    volume = rng.integers(100_000, 20_000_000, close.size)
    bars = pa.table(
        {
            "symbol": pa.DictionaryArray.from_arrays(
                pa.array(rows_symbol.astype(np.int32)), pa.array(symbols)
            ),
            "date": pa.array(session_values[rows_day], type=pa.date32()),
            "open": np.round(open_, 4),
            "high": np.round(high, 4),
            "low": np.round(low, 4),
            "close": np.round(close, 4),
            "volume": volume,
        }
    )
    del open_, high, low, close, volume, spread
    history_bar_rows = int(np.count_nonzero(rows_day < history_days))
    pq.write_table(bars, root / "bars.parquet", row_group_size=1_000_000)
    bar_rows = bars.num_rows
    del bars

    membership = _membership(rng, scale, symbols, sector_of, len(seeds), sessions[:history_days])
    pq.write_table(
        pa.Table.from_pandas(membership, preserve_index=False), root / "membership.parquet"
    )
    facts = {
        "history_sessions": history_days,
        "history_start": sessions[0].date().isoformat(),
        "history_end": sessions[history_days - 1].date().isoformat(),
        "new_sessions": [d.date().isoformat() for d in sessions[history_days:]],
        "bar_rows": bar_rows,
        "history_bar_rows": history_bar_rows,
        "membership_rows": len(membership),
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    (root / "scale.json").write_text(json.dumps({"scale": asdict(scale), **facts}, indent=2))
    return Dataset(root=root, scale=scale, **facts)


def _membership(
    rng, scale: Scale, symbols, sector_of, first_synthetic: int, sessions
) -> pd.DataFrame:
    """Spells of SP500 and R2000: initial members, then replacements at random sessions.

    One loop step per membership change (a few hundred), never per bar.
    """
    pool = np.arange(first_synthetic, len(symbols))
    years = scale.years
    sp_spares = scale.sp500_changes_per_year * years
    r2_spares = scale.r2000_changes_per_year * years
    needed = scale.sp500_members + scale.r2000_members + sp_spares + r2_spares
    if needed > len(pool):
        raise ValueError(f"scale {scale.name}: {needed} member symbols needed, {len(pool)} exist")
    cut = np.cumsum([scale.sp500_members, sp_spares, scale.r2000_members])
    sp_initial, sp_pool, r2_initial, r2_pool = np.split(pool[:needed], cut)
    frames = []
    for index_id, initial, spares in (
        ("SP500", sp_initial, sp_pool),
        ("R2000", r2_initial, r2_pool),
    ):
        slots = initial.copy()
        starts = np.zeros(len(slots), dtype=np.int64)
        spell_symbol, spell_start, spell_end = [], [], []
        change_days = np.sort(rng.integers(260, len(sessions), len(spares)))
        change_slots = rng.integers(0, len(slots), len(spares))
        for day, slot, newcomer in zip(change_days, change_slots, spares, strict=True):
            spell_symbol.append(slots[slot])
            spell_start.append(starts[slot])
            spell_end.append(day)
            slots[slot], starts[slot] = newcomer, day
        spell_symbol.extend(slots)
        spell_start.extend(starts)
        spell_end.extend([-1] * len(slots))
        spell_symbol = np.array(spell_symbol)
        end_index = np.array(spell_end)
        frames.append(
            pd.DataFrame(
                {
                    "index_id": index_id,
                    "symbol": symbols[spell_symbol],
                    "start_date": sessions[np.array(spell_start)].date,
                    "end_date": [
                        None if e < 0 else d
                        for e, d in zip(
                            end_index, sessions[np.maximum(end_index, 0)].date, strict=True
                        )
                    ],
                    "gics_sector": np.array(GICS_SECTORS)[sector_of[spell_symbol]],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def history_bars(dataset: Dataset, *, fraction: float = 1.0) -> pa.Table:
    """The history (no new sessions); ``fraction`` < 1 keeps its last sessions only."""
    sessions = dataset.session_dates()[: dataset.history_sessions]
    start = sessions[int(len(sessions) * (1 - fraction))] if fraction < 1 else None
    return dataset.bars(start=start, end=dataset.history_end)


def session_bars(dataset: Dataset, day: str) -> pa.Table:
    return dataset.bars(start=day, end=day)


def symbol_names(bars: pa.Table) -> pa.Array:
    column = bars.column("symbol")
    return pc.cast(column, pa.string()).combine_chunks()
