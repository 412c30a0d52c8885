"""Point-in-time index membership: S&P 500 spells and iShares holdings snapshots (IWM for the
Russell 2000, IVV for S&P 500 weights)."""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from data_quality.suites.membership import validate_membership, validate_sp500_counts
from orchestration.calendar import FIRST_SESSION, sessions_between
from orchestration.defs.checks import expectation_result, raise_for_failures
from orchestration.defs.prices import WRITER_POOL
from orchestration.defs.resources import MarketDataResource
from orchestration.http import TransientSourceError
from orchestration.sources import membership
from orchestration.warehouse import (
    INDEX_HOLDINGS,
    INDEX_MEMBERSHIP,
    LoadStamp,
    Warehouse,
    WarehouseResource,
    utc_now,
)

RAW_INDEX_MEMBERSHIP = dg.AssetKey(["raw", "index_membership"])
RAW_INDEX_HOLDINGS = dg.AssetKey(["raw", "index_holdings"])
MEMBERSHIP_CHECK = "index_membership_expectations"
COUNT_CHECK = "sp500_member_count"
# The sample simulates a 200-name small-cap index (every member's bars are fetched in the
# demo); a live IWM file with fewer than 1,500 equities is broken, not a fund. IVV: the
# sample's S&P 500 has 503 lines; a live file under 480 is broken.
MIN_IWM_MEMBERS = {"live": membership.MIN_IWM_MEMBERS, "sample": 100}
MIN_IVV_MEMBERS = {"live": membership.MIN_IVV_MEMBERS, "sample": 450}


class MembershipLoadConfig(dg.Config):
    """holdings_since: also load IWM and IVV snapshots for each month end from this ISO date
    (a backfill; iShares serves past holdings by date). Default: today's snapshots only."""

    holdings_since: str | None = None


def month_ends(since: date, until: date) -> list[date]:
    """The last NYSE session of each month from ``since`` to ``until`` (snapshot dates)."""
    sessions = pd.Series(pd.to_datetime(sessions_between(since, until)))
    if sessions.empty:
        return []
    last = sessions.groupby(sessions.dt.to_period("M")).max()
    return [d.date() for d in last]


def stored_snapshot_dates(store: Warehouse, fund: str) -> set[date]:
    frame = store.query_frame(
        f"select distinct as_of_date from {INDEX_HOLDINGS.qualified} where fund = ?", [fund]
    )
    return {pd.Timestamp(d).date() for d in frame["as_of_date"]}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_INDEX_MEMBERSHIP,
            description=INDEX_MEMBERSHIP.description,
            group_name="raw_universe",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(INDEX_MEMBERSHIP.natural_key)},
        ),
        dg.AssetSpec(
            RAW_INDEX_HOLDINGS,
            description=INDEX_HOLDINGS.description,
            group_name="raw_universe",
            kinds={"duckdb", "python"},
            metadata={"natural_key": list(INDEX_HOLDINGS.natural_key)},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            MEMBERSHIP_CHECK,
            asset=RAW_INDEX_MEMBERSHIP,
            blocking=True,
            description="Great Expectations: unique spells, no overlapping spells per symbol, "
            "GICS sectors from the list, holdings weights in [0, 100] and equities only.",
        ),
        dg.AssetCheckSpec(
            COUNT_CHECK,
            asset=RAW_INDEX_MEMBERSHIP,
            description="S&P 500 member count between 495 and 510 on every NYSE session since "
            "2005 (a warning: the public history files can lag the constituents list).",
        ),
    ],
    pool=WRITER_POOL,
)
def raw_index_membership(
    context: dg.AssetExecutionContext,
    config: MembershipLoadConfig,
    warehouse: WarehouseResource,
    market_data: MarketDataResource,
):
    """S&P 500: the current constituents plus the membership history, rebuilt into spells and
    replaced whole (a refresh that would end implausibly many memberships is refused). Russell
    2000: today's IWM holdings snapshot (and month ends since holdings_since), kept by date.
    S&P 500 weights: IVV holdings snapshots on the same dates (membership stays the spells')."""
    store = warehouse.get()
    with store.connect() as connection:
        store.ensure_raw_tables(connection)
    client = market_data.http_client()
    mode = market_data.mode()
    stamp = LoadStamp("membership", mode, context.run_id, utc_now())
    # The S&P files and iShares holdings are dated by New York's calendar.
    today = market_data.today()
    try:
        constituents = membership.fetch_constituents(client, market_data.sp500_constituents_url)
        history = membership.fetch_sp500_history(
            client, market_data.sp500_spells_url, market_data.sp500_changes_url
        )
        spells = membership.build_sp500_membership(
            constituents.frame,
            history.spells,
            history.changes,
            as_of=today,
            payload_refs={"constituents": constituents.payload_ref, **history.payload_refs},
        )
        funds = (
            ("IWM", membership.R2000, market_data.iwm_holdings_url, MIN_IWM_MEMBERS[mode]),
            ("IVV", membership.SP500, market_data.ivv_holdings_url, MIN_IVV_MEMBERS[mode]),
        )
        snapshots = []
        for fund, index_id, url, min_members in funds:
            snapshot_dates = [today]
            if config.holdings_since:
                stored = stored_snapshot_dates(store, fund)
                since = date.fromisoformat(config.holdings_since)
                wanted = {d for d in month_ends(since, today) if d not in stored}
                snapshot_dates = sorted(wanted | {today})
            snapshots += [
                membership.fetch_ishares_holdings(
                    client,
                    url + ("" if day == today else f"&asOfDate={day:%Y%m%d}"),
                    fund=fund,
                    index_id=index_id,
                    min_members=min_members,
                )
                for day in snapshot_dates
            ]
    except TransientSourceError as exc:
        raise_for_failures(context, {"membership sources": (str(exc), True)}, what="source(s)")
        raise
    spells_load = store.replace_rows(
        INDEX_MEMBERSHIP,
        spells,
        scope=pd.DataFrame({"index_id": [membership.SP500]}, dtype="string"),
        stamp=stamp,
    )
    # Two requested dates can resolve to one snapshot (a weekend "today" and its Friday).
    holdings = pd.concat([s.frame for s in snapshots], ignore_index=True).drop_duplicates(
        ["as_of_date", "fund", "symbol"], keep="last"
    )
    # A snapshot is replaced whole: the fund's members on that date.
    holdings_load = store.replace_rows(
        INDEX_HOLDINGS,
        holdings,
        scope=holdings[["as_of_date", "fund"]].drop_duplicates(),
        stamp=stamp,
    )
    snapshot_count = len(holdings[["as_of_date", "fund"]].drop_duplicates())
    context.log.info(
        f"S&P 500: {spells_load.inserted} spells ({spells_load.deleted} replaced); IWM and IVV: "
        f"{holdings_load.inserted} holdings over {snapshot_count} fund snapshot(s)"
    )
    stored_spells = store.read_table(INDEX_MEMBERSHIP)
    current = membership.sp500_member_counts(stored_spells, [today])
    yield dg.MaterializeResult(
        asset_key=RAW_INDEX_MEMBERSHIP,
        metadata={
            "spells": dg.MetadataValue.int(len(stored_spells)),
            "sp500_members_today": dg.MetadataValue.int(int(current.iloc[0])),
            "source_mode": mode,
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_INDEX_HOLDINGS,
        metadata={
            "holdings_loaded": dg.MetadataValue.int(len(holdings)),
            "snapshots": dg.MetadataValue.json(
                sorted({f"{d:%Y-%m-%d}" for d in holdings["as_of_date"]})
            ),
        },
    )
    structure = validate_membership(stored_spells, holdings)
    yield expectation_result(
        context, warehouse, MEMBERSHIP_CHECK, structure, asset_key=RAW_INDEX_MEMBERSHIP
    )
    sessions = sessions_between(FIRST_SESSION, today - timedelta(days=1))
    counts = validate_sp500_counts(stored_spells, sessions)
    yield expectation_result(
        context,
        warehouse,
        COUNT_CHECK,
        counts,
        asset_key=RAW_INDEX_MEMBERSHIP,
        severity=dg.AssetCheckSeverity.WARN,
        sessions_checked=dg.MetadataValue.int(len(sessions)),
    )
