"""The data engineer's morning check in one screen: ``make status``.

Prints, from the audit tables and the raw tables, read-only:

- the last load of each raw table (``audit.load_log``): run, rows inserted and deleted, when;
- the last evaluation of each asset check (``audit.check_results``), passed and failed, and
  what failed;
- freshness per source: the latest data date against the calendar the source follows (NYSE
  sessions for equities, every day for crypto, each FRED series' release cadence, the filing
  cadence of 10-Q/10-K and 20-F filers, weekly vendor estimate files);
- the last publish (``audit.publish_log``): when, which run, how many tables and rows.

Where it reads: the published file (``ANALYTICS_PATH``) first, because nothing the nightly
writer does ever waits for it; the working warehouse (``WAREHOUSE_PATH``) read-only only for
what the published file lacks (the raw tables, and audit tables a publish has not carried over
yet). DuckDB refuses a read-only open while a load is writing, and a load cannot start while
a reader holds the file, so the working warehouse is held for well under a second, and when
it is busy the freshness comes from the published marts instead. ``--published-only`` never
opens the working warehouse. Each section says which file it came from.
"""

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.calendar import last_completed_session, sessions_between
from orchestration.publish import read_only_connection

SEEDS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
# A quarterly filer's next 10-Q or 10-K is due at most a quarter plus 60 days (the large
# accelerated filer's 10-K deadline) after the last period it reported; a 20-F filer files
# once a year, within four months of its year end.
QUARTERLY_FILER_STALE_DAYS = 91 + 60
ANNUAL_FILER_STALE_DAYS = 365 + 120
# Vendor estimate files arrive weekly; a few days' grace for a late file.
VENDOR_ESTIMATES_STALE_DAYS = 10
FAILED_CHECKS_SHOWN = 10


@dataclass
class Source:
    """An open read-only connection and what to call it in the output."""

    label: str
    connection: duckdb.DuckDBPyConnection

    def tables(self, schema: str) -> set[str]:
        rows = self.connection.execute(
            "select table_name from duckdb_tables() where schema_name = ?", [schema]
        ).fetchall()
        return {name for (name,) in rows}

    def df(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()


@dataclass
class Freshness:
    source: str
    calendar: str
    latest: date | None
    expected: date | None
    behind: str
    status: str
    details: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_published(path: Path) -> Iterator[Source | None]:
    if not path.is_file():
        yield None
        return
    connection = read_only_connection(path)
    try:
        yield Source("published file", connection)
    finally:
        connection.close()


@contextlib.contextmanager
def open_working(path: Path, allowed: bool) -> Iterator[tuple[Source | None, str]]:
    """The working warehouse read-only, or None and why not."""
    if not allowed:
        yield None, "not opened (--published-only)"
        return
    if not path.is_file():
        yield None, f"not found: {path}"
        return
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        yield None, f"busy, a load is writing it ({first_line})"
        return
    try:
        yield Source("working warehouse", connection), ""
    finally:
        connection.close()


def pick(table: str, *candidates: Source | None) -> Source | None:
    """The first source that has ``audit.<table>``."""
    for candidate in candidates:
        if candidate is not None and table in candidate.tables("audit"):
            return candidate
    return None


# --- sections -----------------------------------------------------------------------------


def last_loads(source: Source) -> pd.DataFrame:
    """Per raw table, its last load run: rows inserted and deleted by that run, and when."""
    return source.df(
        """
        with last_run as (
            select table_name, arg_max(run_id, loaded_at) as run_id,
            from audit.load_log
            group by table_name
        )
        select
            log.table_name,
            any_value(log.source) as source,
            any_value(log.source_mode) as source_mode,
            log.run_id,
            count(*) as loads,
            sum(log.rows_inserted)::bigint as rows_inserted,
            sum(log.rows_deleted)::bigint as rows_deleted,
            max(log.loaded_at) as loaded_at,
        from audit.load_log as log
        inner join last_run using (table_name, run_id)
        group by log.table_name, log.run_id
        order by log.table_name
        """
    )


def last_checks(source: Source) -> pd.DataFrame:
    """The last evaluation of each asset check."""
    return source.df(
        """
        select *
        from audit.check_results
        qualify row_number() over (
            partition by asset_key, check_name order by checked_at desc
        ) = 1
        order by passed, asset_key, check_name
        """
    )


def last_publish(source: Source) -> pd.DataFrame:
    """One row per table of the newest publish."""
    return source.df(
        """
        select *
        from audit.publish_log
        where published_at = (select max(published_at) from audit.publish_log)
        order by table_name
        """
    )


def freshness_from_raw(source: Source, now: datetime) -> list[Freshness]:
    instruments = pd.read_csv(SEEDS_DIR / "instruments.csv")
    source.connection.register("status_instruments", instruments[["symbol", "calendar"]])
    latest_by_symbol = source.df(
        """
        select instruments.symbol, instruments.calendar, max(prices.date) as latest,
        from status_instruments as instruments
        left join raw.prices_daily as prices on prices.symbol = instruments.symbol
        group by all
        """
    )
    source.connection.unregister("status_instruments")
    rows = [
        prices_freshness("equities", latest_by_symbol[latest_by_symbol["calendar"] == "XNYS"], now),
        prices_freshness("crypto", latest_by_symbol[latest_by_symbol["calendar"] != "XNYS"], now),
    ]
    fred = source.df(
        "select series_id, max(date) as latest from raw.fred_observations "
        "where value is not null group by series_id"
    )
    rows.append(fred_freshness(fred, now))
    companies = pd.read_csv(SEEDS_DIR / "companies.csv", dtype={"cik": "int64"})
    source.connection.register("status_companies", companies[["ticker", "cik", "taxonomy"]])
    sec = source.df(
        """
        select companies.ticker, companies.taxonomy,
            max(facts.period_end) as latest, max(facts.filed) as last_filed,
        from status_companies as companies
        left join raw.sec_facts as facts on facts.cik = companies.cik
        group by all
        """
    )
    source.connection.unregister("status_companies")
    rows.append(sec_freshness(sec, now))
    estimates = source.df(
        "select source, max(as_of_date) as latest from raw.earnings_estimates group by source"
    )
    rows.extend(estimates_freshness(estimates, now))
    return rows


def freshness_from_marts(source: Source, now: datetime) -> list[Freshness]:
    """The same questions answered from the published marts (no raw tables there): what the
    analysts see. Crypto shows only the NYSE sessions of fct_risk_appetite_daily."""
    equities = source.df(
        "select symbol, 'XNYS' as calendar, max(trade_date) as latest "
        "from marts.fct_sector_rotation_daily group by symbol"
    )
    crypto = source.df(
        "select 'BTC-USD' as symbol, '24x7' as calendar, max(trade_date) as latest "
        "from marts.fct_risk_appetite_daily where btc_close is not null"
    )
    fred = source.df(
        "select series_id, max(observation_date) as latest from marts.fct_macro_observations_asof "
        "where is_current and value is not null group by series_id"
    )
    companies = pd.read_csv(SEEDS_DIR / "companies.csv", dtype={"cik": "int64"})
    sec = source.df(
        "select ticker, max(period_end) as latest, max(source_filed) as last_filed "
        "from marts.fct_capex_quarterly where is_capex_derivable group by ticker"
    ).merge(companies[["ticker", "taxonomy"]], on="ticker", how="left")
    estimates = source.df(
        "select source, max(as_of_date) as latest from marts.fct_earnings_growth_expectations "
        "group by source"
    )
    return [
        prices_freshness("equities", equities, now),
        prices_freshness("crypto", crypto, now),
        fred_freshness(fred, now),
        sec_freshness(sec, now),
        *estimates_freshness(estimates, now),
    ]


def prices_freshness(name: str, latest_by_symbol: pd.DataFrame, now: datetime) -> Freshness:
    """Equities against NYSE sessions; crypto against every calendar day. Both are expected
    through the last settled session: the nightly run loads the UTC days up to it (weekend
    crypto days arrive with Monday's run)."""
    expected = last_completed_session(now)
    dates = pd.to_datetime(latest_by_symbol["latest"]).dt.date
    latest = max((d for d in dates if not pd.isna(d)), default=None)
    behind_symbols = [
        symbol
        for symbol, symbol_latest in zip(latest_by_symbol["symbol"], dates, strict=True)
        if pd.isna(symbol_latest) or symbol_latest < expected
    ]
    if name == "equities":
        calendar = "NYSE sessions"
        gap = len(sessions_between(latest + timedelta(days=1), expected)) if latest else None
        unit = "sessions"
    else:
        calendar = "every day"
        gap = (expected - latest).days if latest else None
        unit = "days"
    behind = "no data" if gap is None else f"{max(gap, 0)} {unit}"
    details = []
    if behind_symbols:
        shown = ", ".join(sorted(behind_symbols)[:8])
        more = f" and {len(behind_symbols) - 8} more" if len(behind_symbols) > 8 else ""
        details.append(f"{len(behind_symbols)} of {len(dates)} symbols behind: {shown}{more}")
    status = "ok" if gap == 0 and not behind_symbols else "LATE"
    return Freshness(name, calendar, latest, expected, behind, status, details)


def fred_freshness(latest_by_series: pd.DataFrame, now: datetime) -> Freshness:
    """Each series against its release cadence (seed fred_series.stale_after_days: a week
    for daily series, 95 days for monthly, 200 for quarterly GDP)."""
    seed = pd.read_csv(SEEDS_DIR / "fred_series.csv")
    merged = seed[["series_id", "frequency", "stale_after_days"]].merge(
        latest_by_series, on="series_id", how="left"
    )
    today = now.astimezone(UTC).date()
    stale = []
    for row in merged.itertuples():
        latest = None if pd.isna(row.latest) else pd.Timestamp(row.latest).date()
        if latest is None or (today - latest).days > row.stale_after_days:
            age = "no data" if latest is None else f"latest {latest}, {(today - latest).days} days"
            stale.append(f"{row.series_id} ({row.frequency}): {age} > {row.stale_after_days}")
    dates = [pd.Timestamp(d).date() for d in merged["latest"].dropna()]
    return Freshness(
        "fred",
        "release cadence",
        max(dates, default=None),
        None,
        f"{len(stale)} of {len(merged)} series stale",
        "ok" if not stale else "STALE",
        stale,
    )


def sec_freshness(latest_by_company: pd.DataFrame, now: datetime) -> Freshness:
    today = now.astimezone(UTC).date()
    stale = []
    for row in latest_by_company.itertuples():
        allowed = (
            ANNUAL_FILER_STALE_DAYS if row.taxonomy == "ifrs-full" else QUARTERLY_FILER_STALE_DAYS
        )
        latest = None if pd.isna(row.latest) else pd.Timestamp(row.latest).date()
        if latest is None or (today - latest).days > allowed:
            age = "no facts" if latest is None else f"last period {latest}"
            stale.append(f"{row.ticker}: {age} (allowed {allowed} days)")
    filed = [pd.Timestamp(d).date() for d in latest_by_company["last_filed"].dropna()]
    return Freshness(
        "sec",
        "filing cadence",
        max(filed, default=None),
        None,
        f"{len(stale)} of {len(latest_by_company)} companies stale",
        "ok" if not stale else "STALE",
        stale,
    )


def estimates_freshness(latest_by_source: pd.DataFrame, now: datetime) -> list[Freshness]:
    rows = []
    today = now.astimezone(UTC).date()
    for row in latest_by_source.itertuples():
        latest = pd.Timestamp(row.latest).date()
        if row.source == "yahoo":
            calendar, expected = "NYSE sessions", last_completed_session(now)
            gap = len(sessions_between(latest + timedelta(days=1), expected))
            behind, fresh = f"{gap} sessions", gap == 0
        else:
            calendar, expected = "weekly files", None
            age = (today - latest).days
            behind, fresh = f"{age} days old", age <= VENDOR_ESTIMATES_STALE_DAYS
        rows.append(
            Freshness(
                f"estimates {row.source}",
                calendar,
                latest,
                expected,
                behind,
                "ok" if fresh else "STALE",
            )
        )
    return rows


# --- printing -----------------------------------------------------------------------------


def report(
    warehouse_path: Path, published_path: Path, *, published_only: bool, now: datetime
) -> tuple[str, int]:
    """The status text and an exit code (1 when there is no warehouse at all)."""
    if not warehouse_path.is_file() and not published_path.is_file():
        return (
            f"No warehouse yet: neither {warehouse_path} nor {published_path} exists.\n"
            "Build one with `make demo` (the offline sample market), or run the nightly job "
            "from `make dev`.\n",
            1,
        )
    lines = [f"Warehouse status at {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"]
    with (
        open_published(published_path) as published,
        open_working(warehouse_path, allowed=not published_only) as (working_source, why_not),
    ):
        lines.append(
            f"  published file:    {published_path}" + ("" if published else " (not published yet)")
        )
        lines.append(
            f"  working warehouse: {warehouse_path}"
            + (" (read-only)" if working_source else f" ({why_not})")
        )
        lines += ["", *section_loads(pick("load_log", published, working_source))]
        lines += ["", *section_checks(pick("check_results", published, working_source))]
        lines += ["", *section_freshness(working_source, published, now)]
        lines += ["", *section_publish(pick("publish_log", published, working_source))]
    return "\n".join(lines) + "\n", 0


def section_loads(source: Source | None) -> list[str]:
    if source is None:
        return ["Last load per raw table: no audit.load_log yet (nothing loaded)"]
    loads = last_loads(source)
    lines = [f"Last load per raw table (audit.load_log, from the {source.label})"]
    lines.append(
        f"  {'table':<26} {'source':<11} {'mode':<7} {'run':<9} {'loads':>5} "
        f"{'rows inserted':>14} {'rows deleted':>13}  loaded at (UTC)"
    )
    for row in loads.itertuples():
        lines.append(
            f"  {row.table_name:<26} {row.source:<11} {row.source_mode:<7} {row.run_id[:8]:<9} "
            f"{row.loads:>5} {row.rows_inserted:>14,} {row.rows_deleted:>13,}  "
            f"{pd.Timestamp(row.loaded_at):%Y-%m-%d %H:%M:%S}"
        )
    if loads.empty:
        lines.append("  (no loads recorded)")
    return lines


def section_checks(source: Source | None) -> list[str]:
    if source is None:
        return ["Asset checks: no audit.check_results yet (no check has been recorded)"]
    checks = last_checks(source)
    passed = int(checks["passed"].sum()) if not checks.empty else 0
    failed = len(checks) - passed
    lines = [
        f"Asset checks, last evaluation of each (audit.check_results, from the {source.label}): "
        f"{passed} passed, {failed} failed"
    ]
    if checks.empty:
        lines.append("  (no check results recorded yet)")
    if not checks.empty:
        last = pd.Timestamp(checks["checked_at"].max())
        lines.append(f"  last evaluated {last:%Y-%m-%d %H:%M:%S} UTC")
    for row in checks[~checks["passed"]].head(FAILED_CHECKS_SHOWN).itertuples():
        observed = row.observed if len(row.observed) <= 90 else row.observed[:87] + "..."
        lines.append(
            f"  FAILED {row.asset_key} {row.check_name} ({row.severity}): "
            f"{row.expectations_failed} of {row.expectations_evaluated} expectations failed, "
            f"run {row.run_id[:8]}, {pd.Timestamp(row.checked_at):%Y-%m-%d %H:%M}"
        )
        lines.append(f"         {observed}")
    if failed > FAILED_CHECKS_SHOWN:
        lines.append(f"  ... and {failed - FAILED_CHECKS_SHOWN} more failed checks")
    return lines


def section_freshness(
    working_source: Source | None, published: Source | None, now: datetime
) -> list[str]:
    if working_source is not None and "prices_daily" in working_source.tables("raw"):
        rows, origin = (
            freshness_from_raw(working_source, now),
            "raw tables of the working warehouse",
        )
    elif published is not None:
        rows, origin = freshness_from_marts(published, now), "published marts"
    else:
        return ["Freshness: no raw tables or published marts to read"]
    lines = [f"Freshness per source (from the {origin})"]
    lines.append(
        f"  {'source':<24} {'calendar':<16} {'latest':<11} {'expected':<11} {'behind':<28} status"
    )
    for row in rows:
        lines.append(
            f"  {row.source:<24} {row.calendar:<16} {fmt_date(row.latest):<11} "
            f"{fmt_date(row.expected):<11} {row.behind:<28} {row.status}"
        )
        lines += [f"      {detail}" for detail in row.details[:6]]
        if len(row.details) > 6:
            lines.append(f"      ... and {len(row.details) - 6} more")
    return lines


def section_publish(source: Source | None) -> list[str]:
    if source is None:
        return ["Last publish: nothing published yet (no audit.publish_log)"]
    published = last_publish(source)
    if published.empty:
        return [f"Last publish: none recorded (audit.publish_log in the {source.label} is empty)"]
    first = published.iloc[0]
    return [
        f"Last publish (audit.publish_log, from the {source.label})",
        f"  {pd.Timestamp(first['published_at']):%Y-%m-%d %H:%M:%S} UTC  run "
        f"{first['run_id'][:8]}  {first['source_mode']} data  {len(published)} tables  "
        f"{int(published['row_count'].sum()):,} rows  "
        f"{published['duration_s'].sum():.1f}s",
    ]


def fmt_date(value: date | None) -> str:
    return "-" if value is None else value.isoformat()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.status", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--warehouse", help="working warehouse (default: WAREHOUSE_PATH)")
    parser.add_argument("--published", help="published file (default: ANALYTICS_PATH)")
    parser.add_argument(
        "--published-only",
        action="store_true",
        help="never open the working warehouse (freshness from the published marts)",
    )
    arguments = parser.parse_args(argv)
    warehouse = arguments.warehouse or os.environ.get("WAREHOUSE_PATH")
    if not warehouse:
        parser.error("set WAREHOUSE_PATH or pass --warehouse")
    warehouse_path = Path(warehouse)
    published_path = Path(
        arguments.published
        or os.environ.get("ANALYTICS_PATH")
        or warehouse_path.parent / "analytics.duckdb"
    )
    text, code = report(
        warehouse_path,
        published_path,
        published_only=arguments.published_only,
        now=datetime.now(UTC),
    )
    sys.stdout.write(text)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
