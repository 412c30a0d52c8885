"""The prices suite on small frames whose failures are known in advance."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_quality.suites.prices import validate_prices_daily
from orchestration.warehouse import PRICES_DAILY, Warehouse


def test_a_run_that_loaded_nothing_validates_cleanly(tmp_path):
    # A partition whose session has not settled yet loads no rows; its check must pass.
    rows = Warehouse(tmp_path / "m.duckdb").rows_loaded_by_run(
        PRICES_DAILY,
        "no-such-run",
        date_column="date",
        start=date(2026, 11, 23),
        end=date(2026, 11, 23),
    )
    outcome = validate_prices_daily(
        rows, nyse_symbols=["SPY"], sessions=[], listed_on={"SPY": date(1993, 1, 29)}
    )
    assert rows.empty and "close" in rows.columns
    assert outcome.success


def test_bad_bars_and_a_missing_session_are_named():
    bars = pd.DataFrame(
        {
            "symbol": ["A", "A", "A", "B"],
            "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-02"]),
            "provider": "stooq",
            "open": [1.0, 2.0, 3.0, 1.0],
            "high": [2.0, 3.0, 4.0, 0.5],
            "low": [0.5, 1.0, 2.0, 0.4],
            "close": [1.5, 2.5, 3.5, 1.0],
            "adj_close": [1.5, 2.5, 3.5, 1.0],
            "volume": [1.0, 1.0, 1.0, -1.0],
            "close_adjustment": "split_dividend",
        }
    )
    sessions = [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
    outcome = validate_prices_daily(bars, nyse_symbols=["A", "B"], sessions=sessions, listed_on={})
    failed = {failure.target: failure.unexpected_count for failure in outcome.failures}
    assert failed == {
        "raw.prices_daily.['high', 'open']": 1,
        "raw.prices_daily.['high', 'close']": 1,
        "raw.prices_daily.volume": 1,
        "session_coverage.is_present": 2,
    }
