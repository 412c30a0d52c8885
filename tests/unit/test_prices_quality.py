"""The prices suite on small frames whose failures are known in advance."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_quality.suites.prices import validate_corporate_actions, validate_prices_daily
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


def crypto_bars(days: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": "BTC-USD",
            "date": pd.to_datetime(days),
            "provider": "yahoo",
            "open": 100.0,
            "high": 110.0,
            "low": 90.0,
            "close": [100.0 + i for i in range(len(days))],
            "adj_close": [100.0 + i for i in range(len(days))],
            "volume": 1.0,
            "close_adjustment": "none",
        }
    )


def test_crypto_must_cover_every_calendar_day_weekends_included():
    # Friday to Monday: a missing Sunday is a gap for crypto, though no NYSE session is missing.
    bars = crypto_bars(["2024-01-05", "2024-01-06", "2024-01-08"])
    days = [date(2024, 1, 5), date(2024, 1, 6), date(2024, 1, 7), date(2024, 1, 8)]
    outcome = validate_prices_daily(
        bars,
        nyse_symbols=[],
        sessions=[date(2024, 1, 5), date(2024, 1, 8)],
        listed_on={},
        crypto_symbols=["BTC-USD"],
        days=days,
    )
    (failure,) = outcome.failures
    assert failure.target == "session_coverage.is_present" and failure.unexpected_count == 1
    assert failure.examples[0]["symbol"] == "BTC-USD"
    assert pd.Timestamp(failure.examples[0]["date"]) == pd.Timestamp("2024-01-07")


def test_corporate_actions_need_their_ratio_or_amount_and_unique_keys():
    actions = pd.DataFrame(
        {
            "symbol": ["XLK", "XLK", "XLK", "NVDA"],
            "ex_date": pd.to_datetime(["2024-03-18", "2024-03-18", "2024-06-24", "2024-06-10"]),
            "provider": "yahoo",
            "action_type": ["dividend", "dividend", "dividend", "split"],
            "split_numerator": [None, None, None, None],
            "split_denominator": [None, None, None, 1.0],
            "dividend_amount": [0.41, 0.41, -0.1, None],
        }
    )
    outcome = validate_corporate_actions(actions)
    failed = {failure.target: failure.unexpected_count for failure in outcome.failures}
    assert failed == {
        "raw.corporate_actions.['symbol', 'ex_date', 'action_type', 'provider']": 2,
        "raw.corporate_actions.dividend_amount": 1,
        "raw.corporate_actions.has_its_amount": 1,
    }
    assert validate_corporate_actions(
        actions.iloc[[0, 2, 3]].assign(
            dividend_amount=[0.41, 0.39, None], split_numerator=[None, None, 10.0]
        )
    ).success
