"""Daily prices: one partition is every instrument for one day; a backfill is one run."""

from datetime import date, datetime, timedelta

import dagster as dg
import pandas as pd

from data_quality.suites.prices import validate_corporate_actions, validate_prices_daily
from orchestration.calendar import (
    FIRST_SESSION,
    NEW_YORK,
    is_session,
    last_completed_session,
    previous_session,
    sessions_between,
)
from orchestration.defs.checks import expectation_result, raise_for_failures
from orchestration.defs.resources import MarketDataResource
from orchestration.sources.membership import member_instruments
from orchestration.sources.prices.fetch import fetch_prices
from orchestration.sources.universe import Instrument, default_instruments
from orchestration.warehouse import (
    CORPORATE_ACTIONS,
    INDEX_HOLDINGS,
    INDEX_MEMBERSHIP,
    PRICES_DAILY,
    LoadStamp,
    Warehouse,
    WarehouseResource,
    utc_now,
)

RAW_PRICES_DAILY = dg.AssetKey(["raw", "prices_daily"])
RAW_CORPORATE_ACTIONS = dg.AssetKey(["raw", "corporate_actions"])
# Index members' bars are loaded with the universe's: prices wait for the membership load.
MEMBERSHIP_KEYS = (dg.AssetKey(["raw", "index_membership"]), dg.AssetKey(["raw", "index_holdings"]))
PRICES_CHECK = "prices_daily_expectations"
ACTIONS_CHECK = "corporate_actions_expectations"
WRITER_POOL = "duckdb_writer"

# Calendar days, not sessions: crypto trades every day. end_offset=1 makes today's partition
# exist so the nightly run can load it once the session has settled.
PRICE_PARTITIONS = dg.DailyPartitionsDefinition(
    start_date=FIRST_SESSION.isoformat(), timezone="America/New_York", end_offset=1
)


def partition_dates(context: dg.AssetExecutionContext) -> tuple[date, date]:
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_PRICES_DAILY,
            description=PRICES_DAILY.description,
            group_name="raw_prices",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(PRICES_DAILY.natural_key)},
            deps=list(MEMBERSHIP_KEYS),
        ),
        dg.AssetSpec(
            RAW_CORPORATE_ACTIONS,
            description=CORPORATE_ACTIONS.description,
            group_name="raw_prices",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(CORPORATE_ACTIONS.natural_key)},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            PRICES_CHECK,
            asset=RAW_PRICES_DAILY,
            blocking=True,
            description="Great Expectations on the rows just loaded: OHLC consistency, positive "
            "prices, unique keys, every NYSE session present (every day for crypto), no stuck "
            "feed.",
        ),
        dg.AssetCheckSpec(
            ACTIONS_CHECK,
            asset=RAW_CORPORATE_ACTIONS,
            blocking=True,
            description="Great Expectations on the splits and dividends just loaded: unique "
            "keys, known action types, positive ratios and amounts.",
        ),
    ],
    partitions_def=PRICE_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WRITER_POOL,
)
def raw_prices(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, market_data: MarketDataResource
):
    """Fetch every instrument's bars for the partition range (one request per instrument: the
    seed's universe and every index member of the range) and replace that range in
    raw.prices_daily and raw.corporate_actions in one transaction each."""
    start, end = partition_dates(context)
    settled = last_completed_session(utc_now())
    end = min(end, settled)
    core = default_instruments()
    members = index_members(warehouse.get(), start, max(start, end), {i.symbol for i in core})
    instruments = [*core, *members]
    mode = market_data.mode()
    outcomes = []
    if end < start:
        context.log.info(f"nothing settled yet from {start}; last settled session {settled}")
    else:
        client = market_data.http_client()
        result = fetch_prices(client, instruments, start, end, market_data.price_settings())
        outcomes = result.outcomes
        member_symbols = {i.symbol for i in members}
        # An index member without bars (e.g. delisted after an acquisition) is reported and
        # left to the breadth coverage figures; the seed's universe must load whole.
        failures = [o for o in result.failures if o.symbol not in member_symbols]
        missing_members = [o for o in result.failures if o.symbol in member_symbols]
        for outcome in missing_members:
            context.log.warning(f"no bars for index member {outcome.symbol}: {outcome.errors}")
        raise_for_failures(
            context,
            {o.symbol: (" | ".join(o.errors), o.transient) for o in failures},
            what="instrument(s) on every provider",
        )
        stamp = LoadStamp(
            source="prices", source_mode=mode, run_id=context.run_id, loaded_at=utc_now()
        )
        scope = pd.DataFrame(
            [(o.symbol, o.provider) for o in outcomes if not o.failed],
            columns=["symbol", "provider"],
            dtype="string",
        )
        bars_load = warehouse.get().replace_date_range(
            PRICES_DAILY,
            result.bars_table,
            date_column="date",
            start=start,
            end=end,
            scope=scope,
            stamp=stamp,
        )
        actions_load = warehouse.get().replace_date_range(
            CORPORATE_ACTIONS,
            result.actions,
            date_column="ex_date",
            start=start,
            end=end,
            scope=scope,
            stamp=stamp,
        )
        context.log.info(
            f"{start}..{end}: {bars_load.inserted} bars ({bars_load.deleted} replaced), "
            f"{actions_load.inserted} corporate actions from {client.request_count} requests"
        )

    # Read back what this run wrote (typed as stored; empty but with columns if nothing was due).
    result_bars = warehouse.get().rows_loaded_by_run(
        PRICES_DAILY, context.run_id, date_column="date", start=start, end=end
    )
    providers = (
        pd.Series([o.provider for o in outcomes if not o.failed], dtype="string")
        .value_counts()
        .to_dict()
    )
    yield dg.MaterializeResult(
        asset_key=RAW_PRICES_DAILY,
        metadata={
            "rows_loaded": dg.MetadataValue.int(len(result_bars)),
            "symbols": dg.MetadataValue.int(len(outcomes)),
            "index_members": dg.MetadataValue.int(len(members)),
            "date_range": f"{start}..{end}",
            "providers_used": dg.MetadataValue.json({str(k): int(v) for k, v in providers.items()}),
            "source_mode": mode,
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_CORPORATE_ACTIONS, metadata={"date_range": f"{start}..{end}"}
    )

    fetched = {o.symbol for o in outcomes if not o.failed}
    # Session coverage is required of the seed's universe; members' coverage is a breadth figure.
    nyse_symbols = [i.symbol for i in core if not i.is_crypto and i.symbol in fetched]
    crypto_symbols = [i.symbol for i in core if i.is_crypto and i.symbol in fetched]
    outcome = validate_prices_daily(
        result_bars,
        nyse_symbols=nyse_symbols,
        sessions=sessions_between(start, end) if end >= start else [],
        listed_on={i.symbol: i.listed_on for i in core},
        crypto_symbols=crypto_symbols,
        days=[start + timedelta(days=n) for n in range((end - start).days + 1)],
    )
    yield expectation_result(context, warehouse, PRICES_CHECK, outcome, asset_key=RAW_PRICES_DAILY)
    actions = warehouse.get().rows_loaded_by_run(
        CORPORATE_ACTIONS, context.run_id, date_column="ex_date", start=start, end=end
    )
    yield expectation_result(
        context,
        warehouse,
        ACTIONS_CHECK,
        validate_corporate_actions(actions),
        asset_key=RAW_CORPORATE_ACTIONS,
    )


def index_members(store: Warehouse, start: date, end: date, exclude: set[str]) -> list[Instrument]:
    """Every symbol that was an index member at some time in [start, end], as instruments."""
    spells = store.read_table(INDEX_MEMBERSHIP)
    holdings = store.read_table(INDEX_HOLDINGS)
    found = member_instruments(spells, holdings, (start, end))
    return [i for i in found if i.symbol not in exclude]


def nightly_partition_range(now: datetime) -> tuple[str, str] | None:
    """Partitions the nightly run loads: every day since the previous session, through today.

    Including the days between sessions picks up crypto's weekend and holiday bars.
    """
    today = now.astimezone(NEW_YORK).date()
    if not is_session(today):
        return None
    start = previous_session(today) + timedelta(days=1)
    return start.isoformat(), today.isoformat()


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }
