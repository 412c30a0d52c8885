"""FRED macro series: every vintage, loaded incrementally once a day after the US close."""

from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg
import pandas as pd

from data_quality.suites.fred import validate_fred_observations, validate_fred_series
from orchestration.defs.checks import expectation_result, raise_for_failures
from orchestration.defs.prices import WRITER_POOL
from orchestration.defs.resources import MarketDataResource
from orchestration.http import HttpClient, SourceError, TransientSourceError
from orchestration.sources import fred
from orchestration.warehouse import (
    FRED_OBSERVATIONS,
    FRED_SERIES,
    LoadStamp,
    Warehouse,
    WarehouseResource,
    utc_now,
)

RAW_FRED_OBSERVATIONS = dg.AssetKey(["raw", "fred_observations"])
RAW_FRED_SERIES = dg.AssetKey(["raw", "fred_series"])
FRED_CHECK = "fred_observations_expectations"
SERIES_CHECK = "fred_series_expectations"


@dataclass(frozen=True)
class FetchHistory:
    """What the warehouse knows about a series' earlier successful fetches."""

    last_vintage_fetch: date | None  # real-time date of the last full-vintage fetch
    last_vintage_updated: datetime | None  # FRED's last_updated as seen then
    latest_fetch_since: bool  # a keyless (latest-values) fetch happened after it


@dataclass
class SeriesLoad:
    series_id: str
    action: str  # full | incremental | unchanged | latest
    received: int = 0
    deleted: int = 0
    inserted: int = 0


def fetch_history(warehouse: Warehouse) -> dict[str, FetchHistory]:
    frame = warehouse.query_frame(
        f"""
        with vintage as (
            select series_id, max(fetched_at) as fetched_at
            from {FRED_SERIES.qualified} where vintage_mode = 'all_vintages' group by series_id
        )
        select v.series_id, s.fetch_realtime_date, s.last_updated,
            exists (
                select 1 from {FRED_SERIES.qualified} as later
                where later.series_id = v.series_id and later.vintage_mode = 'latest'
                    and later.fetched_at > v.fetched_at
            ) as latest_fetch_since
        from vintage as v
        join {FRED_SERIES.qualified} as s using (series_id, fetched_at)
        """
    )
    return {
        row.series_id: FetchHistory(
            last_vintage_fetch=pd.Timestamp(row.fetch_realtime_date).date(),
            last_vintage_updated=None
            if pd.isna(row.last_updated)
            else pd.Timestamp(row.last_updated).to_pydatetime(),
            latest_fetch_since=bool(row.latest_fetch_since),
        )
        for row in frame.itertuples()
    }


def load_series(
    warehouse: Warehouse,
    client: HttpClient,
    market_data: MarketDataResource,
    series_id: str,
    history: FetchHistory | None,
    stamp: LoadStamp,
    now: datetime,
) -> SeriesLoad:
    """Fetch one series (full, incremental, or not at all when FRED says nothing changed) and
    merge it into raw.fred_observations; then record the fetch in raw.fred_series."""
    key = market_data.fred_key()
    if key is None:
        fetched = fred.fetch_latest_csv(client, market_data.fred_graph_base_url, series_id, now=now)
        action = "latest"
    else:
        metadata = fred.fetch_metadata(client, market_data.fred_base_url, series_id, key)
        incremental = history is not None and not history.latest_fetch_since
        if incremental and metadata["last_updated"] == history.last_vintage_updated:
            # Nothing was published since the last fetch: the stored vintages are current.
            today = fred.fred_today(now)
            unchanged = fred.FredFetch(
                series_id=series_id,
                vintage_mode="all_vintages",
                window_start=today,
                fetch_realtime_date=today,
                fetched_at=now,
                observations=pd.DataFrame(columns=[*fred.OBSERVATION_COLUMNS, "payload_ref"]),
                metadata=metadata,
                payload_refs=(),
            )
            record_fetch(warehouse, unchanged, stamp)
            return SeriesLoad(series_id, "unchanged")
        fetched = fred.fetch_vintages(
            client,
            market_data.fred_base_url,
            series_id,
            key,
            window_start=history.last_vintage_fetch if incremental else None,
            now=now,
            metadata=metadata,
        )
        action = "incremental" if incremental else "full"
    window = pd.Timestamp(fetched.window_start)
    incoming = fetched.observations

    def merged(stored: pd.DataFrame) -> pd.DataFrame:
        rows = fred.merge_vintages(stored, incoming, fetched.window_start)
        refs = incoming.set_index(["date", "realtime_start"])["payload_ref"]
        kept = stored.set_index(["date", "realtime_start"])["_payload_ref"] if len(stored) else None
        index = pd.MultiIndex.from_frame(rows[["date", "realtime_start"]])
        # Rows that continue a stored vintage keep the payload they were first parsed from.
        ref = refs.reindex(index).to_numpy()
        if kept is not None:
            ref = pd.Series(ref).fillna(pd.Series(kept.reindex(index).to_numpy())).to_numpy()
        return rows.assign(payload_ref=ref)

    load = warehouse.replace_rows(
        FRED_OBSERVATIONS,
        merged,
        scope=pd.DataFrame({"series_id": [series_id]}, dtype="string"),
        where="target.realtime_end >= ?",
        parameters=(window.date(),),
        stamp=stamp,
    )
    record_fetch(warehouse, fetched, stamp)
    return SeriesLoad(series_id, action, len(incoming), load.deleted, load.inserted)


def record_fetch(warehouse: Warehouse, fetched: fred.FredFetch, stamp: LoadStamp) -> None:
    """One raw.fred_series row per successful fetch: the next fetch starts from it."""
    row = pd.DataFrame([fetched.series_row()]).assign(
        payload_ref=fetched.payload_refs[0] if fetched.payload_refs else None
    )
    warehouse.replace_rows(
        FRED_SERIES,
        row,
        scope=row[["series_id"]],
        where="target.fetched_at = ?",
        parameters=(row["fetched_at"].iloc[0],),
        stamp=stamp,
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_FRED_OBSERVATIONS,
            description=FRED_OBSERVATIONS.description,
            group_name="raw_macro",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(FRED_OBSERVATIONS.natural_key)},
        ),
        dg.AssetSpec(
            RAW_FRED_SERIES,
            description=FRED_SERIES.description,
            group_name="raw_macro",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(FRED_SERIES.natural_key)},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            FRED_CHECK,
            asset=RAW_FRED_OBSERVATIONS,
            blocking=True,
            description="Great Expectations: values numeric or NULL ('.'), realtime_start <= "
            "realtime_end, no overlapping vintages, every configured series present and fresh "
            "for its release frequency.",
        ),
        dg.AssetCheckSpec(
            SERIES_CHECK,
            asset=RAW_FRED_SERIES,
            blocking=True,
            description="Great Expectations on the series fetches just recorded: one row per "
            "series and fetch, known frequency codes and vintage modes.",
        ),
    ],
    pool=WRITER_POOL,
)
def raw_fred(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, market_data: MarketDataResource
):
    """Every series in seed fred_series.csv. With a key: all vintages on the first load, then
    only what changed since the last fetch (skipped entirely when FRED's last_updated has not
    moved). Without one: latest values from fredgraph.csv, flagged vintage_mode = 'latest'."""
    configured = fred.load_series()
    store = warehouse.get()
    with store.connect() as connection:
        store.ensure_raw_tables(connection)
    history = fetch_history(store)
    client = market_data.http_client()
    stamp = LoadStamp(
        source="fred", source_mode=market_data.mode(), run_id=context.run_id, loaded_at=utc_now()
    )
    loads: list[SeriesLoad] = []
    failures: list[tuple[str, SourceError | fred.FredError]] = []
    for series in configured:
        try:
            loads.append(
                load_series(
                    store,
                    client,
                    market_data,
                    series.series_id,
                    history.get(series.series_id),
                    stamp,
                    now=utc_now(),
                )
            )
        except (SourceError, fred.FredError) as exc:
            # Each series is merged in its own transaction: the others still load.
            failures.append((series.series_id, exc))
    for load in loads:
        context.log.info(
            f"{load.series_id}: {load.action}, {load.received} rows received, "
            f"{load.deleted} replaced by {load.inserted}"
        )
    raise_for_failures(
        context,
        {sid: (str(exc), isinstance(exc, TransientSourceError)) for sid, exc in failures},
        what="FRED series",
        loaded=len(loads),
    )

    loaded = store.rows_loaded_by_run(FRED_OBSERVATIONS, context.run_id)
    touched = sorted(set(loaded["series_id"]))
    touched_rows = store.query_frame(
        f"select series_id, date, realtime_start, realtime_end from {FRED_OBSERVATIONS.qualified} "
        "where list_contains(?, series_id)",
        [touched],
    )
    latest = store.query_frame(
        f"select series_id, max(date) as latest_date from {FRED_OBSERVATIONS.qualified} "
        "where value is not null and realtime_end = date '9999-12-31' group by series_id"
    )
    actions = pd.Series([load.action for load in loads]).value_counts().to_dict()
    yield dg.MaterializeResult(
        asset_key=RAW_FRED_OBSERVATIONS,
        metadata={
            "rows_written": dg.MetadataValue.int(len(loaded)),
            "series": dg.MetadataValue.int(len(loads)),
            "fetches": dg.MetadataValue.json({str(k): int(v) for k, v in actions.items()}),
            "requests": dg.MetadataValue.int(client.request_count),
            "source_mode": market_data.mode(),
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_FRED_SERIES, metadata={"fetches_recorded": dg.MetadataValue.int(len(loads))}
    )
    outcome = validate_fred_observations(
        loaded,
        touched_rows,
        latest_dates={
            row.series_id: pd.Timestamp(row.latest_date).date() for row in latest.itertuples()
        },
        stale_after_days={s.series_id: s.stale_after_days for s in configured},
        today=fred.fred_today(utc_now()),
    )
    yield expectation_result(
        context, warehouse, FRED_CHECK, outcome, asset_key=RAW_FRED_OBSERVATIONS
    )
    yield expectation_result(
        context,
        warehouse,
        SERIES_CHECK,
        validate_fred_series(store.rows_loaded_by_run(FRED_SERIES, context.run_id)),
        asset_key=RAW_FRED_SERIES,
    )
