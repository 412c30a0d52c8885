"""Earnings-growth estimates: vendor file drops (sensor, one run per new file or new version)
and Yahoo's no-key earnings and index trends (nightly)."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from data_quality.suites.estimates import validate_earnings_estimates
from orchestration.defs.checks import MAX_RUN_RETRIES, expectation_result, raise_for_failures
from orchestration.defs.prices import WRITER_POOL
from orchestration.defs.resources import MarketDataResource
from orchestration.http import LandingArchive
from orchestration.sources import estimates
from orchestration.warehouse import (
    EARNINGS_ESTIMATES,
    LoadStamp,
    Warehouse,
    WarehouseResource,
    utc_now,
)

RAW_EARNINGS_ESTIMATES = dg.AssetKey(["raw", "earnings_estimates"])
ESTIMATES_CHECK = "earnings_estimates_expectations"


class EstimatesLoadConfig(dg.Config):
    """What one run loads: named drop files (the sensor's runs) and/or the Yahoo provider."""

    drop_files: dict[str, str] = {}  # file name in the drop folder -> sha256 the sensor saw
    fetch_yahoo: bool = True


def load_drop_file(
    store: Warehouse, archive: LandingArchive, drop_dir: Path, name: str, stamp: LoadStamp
) -> tuple[int, Path | None]:
    """Check one vendor file whole; load it in one transaction or quarantine it with a report.

    Returns (rows loaded, report path when quarantined).
    """
    # The name comes from run config: refused unless it is a plain regular file in the folder
    # (no ../, no symlink, not oversized), before anything is read, archived or quarantined.
    path = estimates.safe_drop_path(drop_dir, name)
    body = path.read_bytes()
    now = utc_now()
    ref = archive.save(
        source="estimates_files", name=name, body=body, url=path.resolve().as_uri(), fetched_at=now
    )
    try:
        parsed = estimates.parse_drop_file(
            path,
            entities=estimates.load_entities(),
            today=now.date(),
            payload_ref=ref,
            checked_at=now,
        )
    except estimates.EstimateFileError as error:
        return 0, estimates.quarantine(path, estimates.quarantine_dir_for(drop_dir), error)
    if parsed.sha256 != hashlib.sha256(body).hexdigest():
        raise estimates.FileChangedError(f"{name} changed while it was being loaded; try again")
    scope = parsed.frame[["as_of_date", "source"]].drop_duplicates()
    load = store.replace_rows(EARNINGS_ESTIMATES, parsed.frame, scope=scope, stamp=stamp)
    return load.inserted, None


@dg.asset(
    key=RAW_EARNINGS_ESTIMATES,
    description=EARNINGS_ESTIMATES.description,
    group_name="raw_estimates",
    kinds={"duckdb", "python"},
    metadata={"natural_key": list(EARNINGS_ESTIMATES.natural_key)},
    pool=WRITER_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            ESTIMATES_CHECK,
            asset=RAW_EARNINGS_ESTIMATES,
            blocking=True,
            description="Great Expectations on the snapshots just loaded: low <= mean <= high, "
            "n_estimates >= 1, known entities, unique keys, no as-of date in the future.",
        )
    ],
)
def raw_earnings_estimates(
    context: dg.AssetExecutionContext,
    config: EstimatesLoadConfig,
    warehouse: WarehouseResource,
    market_data: MarketDataResource,
):
    """Vendor files named in the run config (each checked whole: a malformed file goes to the
    quarantine folder with its error report and nothing of it is loaded), then Yahoo's
    earnings trend for every company in seed estimate_entities.csv and the S&P 500 index trend."""
    store = warehouse.get()
    with store.connect() as connection:
        store.ensure_raw_tables(connection)
    stamp = LoadStamp(
        source="estimates",
        source_mode=market_data.mode(),
        run_id=context.run_id,
        loaded_at=utc_now(),
    )
    drop_dir = Path(market_data.estimates_drop_dir)
    archive = LandingArchive(market_data.landing_dir)
    quarantined: list[str] = []
    files_loaded: dict[str, int] = {}
    for name in config.drop_files:
        rows, report = load_drop_file(store, archive, drop_dir, name, stamp)
        if report is None:
            files_loaded[name] = rows
            context.log.info(f"{name}: {rows} estimate rows loaded")
        else:
            quarantined.append(str(report))
            context.log.error(f"{name} quarantined, nothing loaded; report: {report}")

    outcomes: list[estimates.SymbolOutcome] = []
    if config.fetch_yahoo:
        companies = [
            e.entity_id for e in estimates.load_entities().values() if e.entity_type == "company"
        ]
        today = utc_now().date()
        result = estimates.fetch_estimates(
            market_data.http_client(),
            companies,
            base_url=market_data.yahoo_base_url,
            cookie_url=market_data.yahoo_cookie_url,
            as_of=today,
        )
        outcomes = result.outcomes
        failures = result.failures
        transient = failures and all(o.transient for o in failures)
        if transient and context.retry_number < MAX_RUN_RETRIES:
            # Every failure was transient: an outage, not missing estimates; retry later. Once
            # the retries are spent, what did load is kept and the failures are reported.
            raise_for_failures(
                context,
                {o.symbol: (str(o.error), True) for o in failures},
                what="Yahoo symbol(s)",
            )
        for outcome in failures:
            # One symbol without estimates (404) or with a bad payload is not a failed run.
            context.log.warning(f"Yahoo estimates for {outcome.symbol}: {outcome.error}")
        if not result.frame.empty:
            scope = result.frame[["as_of_date", "source", "entity_id"]].drop_duplicates()
            load = store.replace_rows(EARNINGS_ESTIMATES, result.frame, scope=scope, stamp=stamp)
            context.log.info(f"Yahoo: {load.inserted} estimate rows ({load.deleted} replaced)")

    loaded = store.rows_loaded_by_run(EARNINGS_ESTIMATES, context.run_id)
    yield dg.MaterializeResult(
        metadata={
            "rows_loaded": dg.MetadataValue.int(len(loaded)),
            "files_loaded": dg.MetadataValue.json(files_loaded),
            "files_quarantined": dg.MetadataValue.json(quarantined),
            "yahoo_symbols": dg.MetadataValue.int(len(outcomes)),
            "yahoo_failures": dg.MetadataValue.json(
                {o.symbol: o.error for o in outcomes if o.failed}
            ),
            "source_mode": market_data.mode(),
        }
    )
    outcome = validate_earnings_estimates(
        loaded, known_entities=estimates.load_entities(), today=utc_now().date()
    )
    yield expectation_result(context, warehouse, ESTIMATES_CHECK, outcome)
    if quarantined:
        raise dg.Failure(
            description=f"{len(quarantined)} estimate file(s) quarantined; nothing of them was "
            f"loaded: {', '.join(quarantined)}",
            metadata={"reports": quarantined},
        )


estimate_files_job = dg.define_asset_job(
    name="estimate_files",
    selection=dg.AssetSelection.assets(RAW_EARNINGS_ESTIMATES).downstream(),
    description="Load vendor estimate files named in the run config, then the models on them.",
    executor_def=dg.in_process_executor,
)


def file_run_config(files: dict[str, str]) -> dict:
    return {
        "ops": {
            raw_earnings_estimates.op.name: {"config": {"drop_files": files, "fetch_yahoo": False}}
        }
    }


@dg.sensor(
    job=estimate_files_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches ESTIMATES_DROP_DIR: one run per new file, or new version of a file.",
)
def estimate_file_drops(context: dg.SensorEvaluationContext, market_data: MarketDataResource):
    """The cursor maps file name -> sha256 of the version last requested, so each version is
    loaded once, in the order the files arrived; a malformed one fails only its own run."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    drop_dir = Path(market_data.estimates_drop_dir)
    pending = estimates.pending_drop_files(drop_dir, seen, settle_seconds=5.0)
    if not pending:
        return dg.SkipReason(f"no new estimate files in {drop_dir}")
    requests = []
    for drop in pending:
        requests.append(
            dg.RunRequest(
                run_key=f"{drop.name}:{drop.sha256[:16]}",
                run_config=file_run_config({drop.name: drop.sha256}),
                tags={"estimates/file": drop.name, "estimates/sha256": drop.sha256},
            )
        )
        seen[drop.name] = drop.sha256
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))
