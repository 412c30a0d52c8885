"""What every fault case runs on: a warehouse copied from a clean baseline, the fault server,
the real HTTP client with canary keys, the source's load (the same calls its Dagster asset
makes, in the same order: fetch, load in one transaction, the blocking expectations, then
publish), and the measurements the table reports."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_quality.suites.estimates import validate_earnings_estimates
from data_quality.suites.fred import validate_fred_observations
from data_quality.suites.prices import validate_prices_daily
from data_quality.suites.sec import validate_sec_facts
from orchestration.calendar import sessions_between
from orchestration.defs import estimates as estimates_defs
from orchestration.defs import macro
from orchestration.defs.resources import SOURCE_POLICIES, MarketDataResource
from orchestration.http import HttpClient, LandingArchive, Redactor
from orchestration.publish import publish_marts
from orchestration.sources import estimates, fred, membership, sec
from orchestration.sources.prices.fetch import PriceProviderSettings, fetch_prices
from orchestration.sources.universe import Instrument, default_instruments
from orchestration.warehouse import (
    CORPORATE_ACTIONS,
    EARNINGS_ESTIMATES,
    FRED_OBSERVATIONS,
    INDEX_MEMBERSHIP,
    PRICES_DAILY,
    RAW_TABLES,
    SEC_FACTS,
    LoadStamp,
    RawTable,
    Warehouse,
    utc_now,
)

# Canary keys: each source's key in every case; none may ever be found in anything written.
CANARIES = {
    "fred": "CANARYfredKEY7c1e9b3a5d",
    "tiingo": "CANARYtiingoKEY4f2a8e6c1b",
    "stooq": "CANARYstooqKEY9d3b7a1e5f",
}
CANARY_PREFIX = "CANARY"
# The sample market's clock for every case, and the ranges loaded.
CLOCK = date(2025, 1, 15)
PRICE_RANGE = (date(2024, 6, 3), date(2024, 6, 14))
FRED_SERIES_ID = "UNRATE"
SEC_TICKER = "MSFT"
ESTIMATE_SYMBOLS = ("AMZN",)
ESTIMATE_FILE_AS_OF = date(2026, 11, 13)
SOURCE_MODE = "live"  # the live code paths, pointed at the loopback server

# Short timeouts so that timeout faults cost fractions of a second; backoffs stay as in
# production because sleeps are recorded, not slept.
FAST = {"connect_timeout": 1.0, "read_timeout": 0.5, "total_timeout": 1.0}

TABLES_BY_SOURCE: dict[str, tuple[RawTable, ...]] = {
    "yahoo": (PRICES_DAILY, CORPORATE_ACTIONS),
    "tiingo": (PRICES_DAILY, CORPORATE_ACTIONS),
    "stooq": (PRICES_DAILY, CORPORATE_ACTIONS),
    "prices": (PRICES_DAILY, CORPORATE_ACTIONS),
    "fred": (FRED_OBSERVATIONS,),
    "fred_graph": (FRED_OBSERVATIONS,),
    "sec": (SEC_FACTS,),
    "estimates_api": (EARNINGS_ESTIMATES,),
    "estimates_files": (EARNINGS_ESTIMATES,),
    "membership": (INDEX_MEMBERSHIP,),
    "warehouse": (PRICES_DAILY, CORPORATE_ACTIONS),
    "published": (),
    "dagster": (PRICES_DAILY, EARNINGS_ESTIMATES),
}

PROBE_VIEW = "marts.fault_probe"


class CheckFailed(Exception):
    """A blocking expectation suite failed: downstream (publish) does not run."""

    def __init__(self, check: str, summary: str):
        super().__init__(f"{check}: {summary[:500]}")
        self.check = check


class RunFailed(Exception):
    """A load failed with the named error (the class name of the source's error)."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


class SkippedSymbols(Exception):
    """The run went on without some symbols (a bad payload for one symbol is not fatal)."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


class Sleeps:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
            if record.exc_info:
                self.lines.append("".join(traceback.format_exception(*record.exc_info)))
        except Exception:  # a log record that cannot render is not the case's problem
            self.lines.append(f"{record.name} {record.levelname} <unrenderable>")


@contextmanager
def captured_logs() -> Iterator[_Capture]:
    handler = _Capture()
    root = logging.getLogger()
    chatty = logging.getLogger("urllib3")
    levels = (root.level, chatty.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    chatty.setLevel(logging.DEBUG)  # urllib3 logs request lines (with query strings) at DEBUG
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        chatty.setLevel(levels[1])


@dataclass
class CaseContext:
    """One case's world: its own copy of the warehouse and published file, the server, the
    client settings. ``base_url`` is where sources are pointed (a closed port for refusals)."""

    root: Path
    base_url: str
    sleeps: Sleeps = field(default_factory=Sleeps)
    clients: list[HttpClient] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: f"fault-{uuid.uuid4().hex[:12]}")
    policy_overrides: dict[str, float] = field(default_factory=dict)
    published_runs: int = 0
    # Filled in by the runner for the case's own checks.
    server_requests: list[dict] = field(default_factory=list)
    log_text: str = ""
    error_text: str = ""
    lock_waited: bool = False
    # Transport and payload cases serve the clean sample's bytes (validated when the baseline
    # was built): their blocking expectations are skipped to keep the matrix fast.
    run_checks: bool = True

    @property
    def warehouse_path(self) -> Path:
        return self.root / "market.duckdb"

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_path)

    @property
    def published(self) -> Path:
        return self.root / "analytics.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.root / "published" / "parquet"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def drop_dir(self) -> Path:
        return self.root / "drops" / "estimates"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def client(self) -> HttpClient:
        http = HttpClient(
            user_agent="rotation-warehouse-faults/1.0 (faults@example.com)",
            archive=LandingArchive(self.landing),
            redactor=Redactor(CANARIES.values()),
            rate_limits_enabled=False,
            sleep=self.sleeps,
        )
        for policy in (*SOURCE_POLICIES, fred.FRED_POLICY, sec.SEC_POLICY):
            http.register(replace(policy, **{**FAST, **self.policy_overrides}))
        self.clients.append(http)
        return http

    @property
    def retries(self) -> int:
        return sum(c.retry_count for c in self.clients)

    def market_data(self, *, fred_key: str | None = CANARIES["fred"]) -> MarketDataResource:
        return MarketDataResource(
            source_mode=SOURCE_MODE,
            landing_dir=str(self.landing),
            yahoo_base_url=self.base_url,
            tiingo_base_url=self.base_url,
            stooq_base_url=self.base_url,
            fred_base_url=self.base_url,
            fred_graph_base_url=self.base_url,
            sec_base_url=self.base_url,
            yahoo_cookie_url=self.base_url + "/",
            estimates_drop_dir=str(self.drop_dir),
            sec_user_agent="rotation-warehouse faults@example.com",
            tiingo_api_key=CANARIES["tiingo"],
            stooq_api_key=CANARIES["stooq"],
            fred_api_key=fred_key,
        )

    def stamp(self, source: str) -> LoadStamp:
        return LoadStamp(
            source=source, source_mode=SOURCE_MODE, run_id=self.run_id, loaded_at=utc_now()
        )

    def publish(self) -> None:
        """The last step of a successful run: the real publish of the marts (here the probe
        view over every raw table), so a run that should not publish shows up in the file."""
        publish_marts(
            self.warehouse_path,
            self.published,
            self.parquet_dir,
            run_id=self.run_id,
            source_mode=SOURCE_MODE,
            manifest_path=self.manifest,
        )
        self.published_runs += 1


# ----------------------------------------------------------------------------------------------
# Baselines
# ----------------------------------------------------------------------------------------------
def prepare_warehouse(context: CaseContext) -> None:
    """Empty raw tables, the probe mart over them, and a first publish."""
    context.root.mkdir(parents=True, exist_ok=True)
    context.manifest.write_text(json.dumps({"nodes": {}}))
    store = context.warehouse
    with store.connect() as connection:
        store.ensure_raw_tables(connection)
        counts = " union all ".join(
            f"select '{t.name}' as table_name, count(*) as row_count from {t.qualified}"
            for t in RAW_TABLES.values()
        )
        connection.execute(f"create or replace view {PROBE_VIEW} as {counts}")


# ----------------------------------------------------------------------------------------------
# The loads, as each source's asset does them
# ----------------------------------------------------------------------------------------------
def instrument(symbol: str, provider: str | None = None, **changes) -> Instrument:
    """A universe instrument, optionally served by one provider only (so that a fault is not
    hidden by the fallback to the next provider)."""
    found = next(i for i in default_instruments() if i.symbol == symbol)
    if provider is not None:
        changes.setdefault("provider_order", (provider,))
    return replace(found, **changes)


def run_prices(
    context: CaseContext,
    instruments: list[Instrument],
    start: date = PRICE_RANGE[0],
    end: date = PRICE_RANGE[1],
    *,
    publish: bool = True,
) -> None:
    client = context.client()
    settings = PriceProviderSettings(
        yahoo_base_url=context.base_url,
        tiingo_base_url=context.base_url,
        stooq_base_url=context.base_url,
        tiingo_api_key=CANARIES["tiingo"],
        stooq_api_key=CANARIES["stooq"],
    )
    result = fetch_prices(client, instruments, start, end, settings)
    if result.failures:
        failed = result.failures[0]
        error = failed.error_types[-1] if failed.error_types else "NoProvider"
        raise RunFailed(error, " | ".join(failed.errors))
    store = context.warehouse
    stamp = context.stamp("prices")
    scope = pd.DataFrame(
        [(o.symbol, o.provider) for o in result.outcomes], columns=["symbol", "provider"]
    ).astype("string")
    store.replace_date_range(
        PRICES_DAILY,
        result.bars,
        date_column="date",
        start=start,
        end=end,
        scope=scope,
        stamp=stamp,
    )
    store.replace_date_range(
        CORPORATE_ACTIONS,
        result.actions,
        date_column="ex_date",
        start=start,
        end=end,
        scope=scope,
        stamp=stamp,
    )
    if not context.run_checks:
        if publish:
            context.publish()
        return
    loaded = store.rows_loaded_by_run(
        PRICES_DAILY, context.run_id, date_column="date", start=start, end=end
    )
    outcome = validate_prices_daily(
        loaded,
        nyse_symbols=[i.symbol for i in instruments if not i.is_crypto],
        crypto_symbols=[i.symbol for i in instruments if i.is_crypto],
        sessions=sessions_between(start, end),
        listed_on={i.symbol: i.listed_on for i in instruments},
    )
    if context.run_checks and not outcome.success:
        raise CheckFailed("prices_daily_expectations", outcome.summary())
    if publish:
        context.publish()


def run_fred(context: CaseContext, *, keyless: bool = False, series_id: str = FRED_SERIES_ID):
    """A full vintage reload of one series (or its keyless fredgraph.csv), merged as the macro
    asset merges it, then the blocking expectations."""
    store = context.warehouse
    client = context.client()
    market_data = context.market_data(fred_key=None if keyless else CANARIES["fred"])
    now = datetime(CLOCK.year, CLOCK.month, CLOCK.day, 23, 0, tzinfo=UTC)
    configured = {s.series_id: s for s in fred.load_series()}
    macro.load_series(store, client, market_data, series_id, None, context.stamp("fred"), now)
    if not context.run_checks:
        context.publish()
        return
    loaded = store.rows_loaded_by_run(FRED_OBSERVATIONS, context.run_id)
    touched = store.query_frame(
        f"select series_id, date, realtime_start, realtime_end from {FRED_OBSERVATIONS.qualified} "
        "where series_id = ?",
        [series_id],
    )
    latest = store.query_frame(
        f"select max(date) as latest_date from {FRED_OBSERVATIONS.qualified} "
        "where series_id = ? and value is not null and realtime_end = date '9999-12-31'",
        [series_id],
    )["latest_date"].iloc[0]
    outcome = validate_fred_observations(
        loaded,
        touched,
        latest_dates={series_id: None if pd.isna(latest) else pd.Timestamp(latest).date()},
        stale_after_days={series_id: configured[series_id].stale_after_days},
        today=CLOCK,
    )
    if not outcome.success:
        raise CheckFailed("fred_observations_expectations", outcome.summary())
    context.publish()


def sec_company(ticker: str = SEC_TICKER) -> sec.Company:
    return next(c for c in sec.load_companies() if c.ticker == ticker)


def run_sec(context: CaseContext, company: sec.Company | None = None) -> None:
    company = company or sec_company()
    concepts = sec.load_concepts()
    result = sec.fetch_companyfacts(
        context.client(),
        company,
        base_url=context.base_url,
        concepts=concepts,
        user_agent="rotation-warehouse faults@example.com",
    )
    store = context.warehouse
    store.replace_rows(
        SEC_FACTS,
        result.frame,
        scope=pd.DataFrame({"cik": [company.cik]}, dtype="int64"),
        stamp=context.stamp("sec"),
    )
    if not context.run_checks:
        context.publish()
        return
    loaded = store.rows_loaded_by_run(SEC_FACTS, context.run_id)
    last_filed = loaded["filed"].max() if len(loaded) else None
    outcome = validate_sec_facts(
        loaded,
        capex_tags={(c.taxonomy, c.tag) for c in concepts if c.concept == "capex"},
        last_filed={
            company.ticker: None if last_filed is None else pd.Timestamp(last_filed).date()
        },
        annual_filers=set(),
        today=CLOCK,
    )
    if not outcome.success:
        raise CheckFailed("sec_facts_expectations", outcome.summary())
    context.publish()


def run_estimates_api(context: CaseContext, symbols: tuple[str, ...] = ESTIMATE_SYMBOLS) -> None:
    result = estimates.fetch_estimates(
        context.client(),
        list(symbols),
        base_url=context.base_url,
        cookie_url=context.base_url + "/",
        as_of=CLOCK,
    )
    failures = result.failures
    if failures and all(o.transient for o in failures):
        raise RunFailed(failures[0].error_type or "TransientSourceError", str(failures[0].error))
    store = context.warehouse
    if not result.frame.empty:
        scope = result.frame[["as_of_date", "source", "entity_id"]].drop_duplicates()
        store.replace_rows(EARNINGS_ESTIMATES, result.frame, scope=scope, stamp=context.stamp("e"))
    loaded = store.rows_loaded_by_run(EARNINGS_ESTIMATES, context.run_id)
    outcome = validate_earnings_estimates(
        loaded, known_entities=estimates.load_entities(), today=CLOCK
    )
    if context.run_checks and not outcome.success:
        raise CheckFailed("earnings_estimates_expectations", outcome.summary())
    context.publish()
    company_failures = [o for o in failures if o.entity_type == "company"]
    if company_failures:
        first = company_failures[0]
        raise SkippedSymbols(first.error_type or "Error", str(first.error))


def run_estimate_file(context: CaseContext, name: str) -> None:
    """The sensor's and the asset's path for one vendor file: the name is checked first (a
    run's configuration may name anything), then the file is loaded whole or quarantined."""
    estimates.safe_drop_path(context.drop_dir, name)
    store = context.warehouse
    rows, report = estimates_defs.load_drop_file(
        store, LandingArchive(context.landing), context.drop_dir, name, context.stamp("estimates")
    )
    if report is not None:
        raise Quarantined(Path(report))
    loaded = store.rows_loaded_by_run(EARNINGS_ESTIMATES, context.run_id)
    outcome = validate_earnings_estimates(
        loaded, known_entities=estimates.load_entities(), today=utc_now().date()
    )
    if not outcome.success:
        raise CheckFailed("earnings_estimates_expectations", outcome.summary())
    context.publish()


class Quarantined(Exception):
    def __init__(self, report: Path):
        super().__init__(f"quarantined; report {report.name}")
        self.report = report


def run_membership(context: CaseContext) -> None:
    """The constituents file fetched and parsed (the membership build needs all four files;
    the faults here are in the fetch and the parse, which run first)."""
    url = context.base_url + "/datasets/s-and-p-500-companies/main/data/constituents.csv"
    frame = membership.fetch_constituents(context.client(), url).frame
    if frame.empty:
        raise RunFailed("MembershipError", "no constituents")
    context.publish()


# ----------------------------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------------------------
def _keys(path: Path, tables: tuple[RawTable, ...]) -> tuple[int, set[tuple], int]:
    """(rows, natural keys, duplicated keys) over ``tables`` of the warehouse at ``path``."""
    rows, keys, duplicates = 0, set(), 0
    if not path.exists():
        return rows, keys, duplicates
    with duckdb.connect(str(path), read_only=True) as connection:
        for table in tables:
            key = ", ".join(table.natural_key)
            frame = connection.execute(f"select {key} from {table.qualified}").df()
            rows += len(frame)
            as_tuples = [(table.name, *map(str, row)) for row in frame.itertuples(index=False)]
            keys.update(as_tuples)
            duplicates += len(as_tuples) - len(set(as_tuples))
    return rows, keys, duplicates


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def secrets_in_database(path: Path) -> list[str]:
    """Where a canary appears in a DuckDB file: any text column of any table, or its bytes."""
    found: list[str] = []
    if not path.exists():
        return found
    raw = path.read_bytes()
    for name, canary in CANARIES.items():
        if canary.encode() in raw:
            found.append(f"{path.name} bytes ({name} key)")
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema not in ('information_schema', "
            "'pg_catalog')"
        ).fetchall()
        by_table: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in columns:
            by_table.setdefault((schema, table), []).append(column)
        for (schema, table), names in by_table.items():
            text = " || chr(1) || ".join(f"coalesce(\"{c}\", '')" for c in names)
            rows = connection.execute(
                f'select {text} from "{schema}"."{table}" where ({text}) like ?',
                [f"%{CANARY_PREFIX}%"],
            ).fetchall()
            for (value,) in rows:
                found += [
                    f"{path.name} {schema}.{table} ({name} key)"
                    for name, canary in CANARIES.items()
                    if canary in value
                ]
    return found


def secrets_in_files(root: Path) -> list[str]:
    """Where a canary appears in any file under ``root`` (gzip members decompressed)."""
    found: list[str] = []
    if not root.exists():
        return found
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        body = path.read_bytes()
        if path.suffix == ".gz":
            with suppress(OSError):
                body = gzip.decompress(body)
        for name, canary in CANARIES.items():
            if canary.encode() in body:
                found.append(f"{path.relative_to(root)} ({name} key)")
    return found


def secrets_in_text(text: str, where: str) -> list[str]:
    return [f"{where} ({name} key)" for name, canary in CANARIES.items() if canary in text]


def exception_text(error: BaseException | None) -> str:
    if error is None:
        return ""
    return "".join(traceback.format_exception(error)) + repr(error)


Runner = Callable[[CaseContext], None]
