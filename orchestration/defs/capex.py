"""SEC company facts: one partition per company (seed companies.csv), refreshed weekly and as
soon as the submissions sensor sees a new 10-Q or 10-K."""

import json

import dagster as dg
import pandas as pd

from data_quality.suites.sec import validate_sec_facts
from orchestration.defs.checks import expectation_result, raise_for_failures
from orchestration.defs.prices import WRITER_POOL, partition_range_tags
from orchestration.defs.resources import MarketDataResource
from orchestration.http import SourceError, TransientSourceError
from orchestration.sources import sec
from orchestration.warehouse import SEC_FACTS, LoadStamp, WarehouseResource, utc_now

RAW_SEC_FACTS = dg.AssetKey(["raw", "sec_facts"])
SEC_CHECK = "sec_facts_expectations"
COMPANY_PARTITIONS = dg.StaticPartitionsDefinition([c.ticker for c in sec.load_companies()])


def companies_by_ticker() -> dict[str, sec.Company]:
    return {company.ticker: company for company in sec.load_companies()}


@dg.asset(
    key=RAW_SEC_FACTS,
    description=SEC_FACTS.description,
    group_name="raw_filings",
    kinds={"duckdb", "python"},
    metadata={"natural_key": list(SEC_FACTS.natural_key)},
    partitions_def=COMPANY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WRITER_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            SEC_CHECK,
            asset=RAW_SEC_FACTS,
            blocking=True,
            description="Great Expectations on the facts just loaded: unique natural key, "
            "periods that end after they start, accession format, capex > 0, and every "
            "refreshed company filing on its cadence.",
        )
    ],
)
def raw_sec_facts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, market_data: MarketDataResource
):
    """For each company in the run: fetch its company facts, keep the configured concepts
    (seed sec_concepts.csv) and replace that company's facts in one transaction."""
    companies = companies_by_ticker()
    selected = [companies[key] for key in context.partition_keys]
    concepts = sec.load_concepts()
    client = market_data.http_client()
    user_agent = market_data.sec_agent()
    stamp = LoadStamp(
        source="sec", source_mode=market_data.mode(), run_id=context.run_id, loaded_at=utc_now()
    )
    store = warehouse.get()
    failures: list[tuple[str, Exception]] = []
    loaded_ciks: list[int] = []
    for company in selected:
        try:
            result = sec.fetch_companyfacts(
                client,
                company,
                base_url=market_data.sec_base_url,
                concepts=concepts,
                user_agent=user_agent,
            )
        except (SourceError, sec.SecError) as exc:
            failures.append((company.ticker, exc))
            continue
        load = store.replace_rows(
            SEC_FACTS,
            result.frame,
            scope=pd.DataFrame({"cik": [company.cik]}, dtype="int64"),
            stamp=stamp,
        )
        loaded_ciks.append(company.cik)
        context.log.info(
            f"{company.ticker} (CIK {company.cik}): {load.inserted} facts "
            f"({load.deleted} replaced) from {result.url}"
        )
    raise_for_failures(
        context,
        {ticker: (str(exc), isinstance(exc, TransientSourceError)) for ticker, exc in failures},
        what="compan(ies)",
        loaded=len(loaded_ciks),
    )

    loaded = store.rows_loaded_by_run(SEC_FACTS, context.run_id)
    last_filed = loaded.groupby("cik")["filed"].max() if len(loaded) else pd.Series(dtype=object)
    yield dg.MaterializeResult(
        metadata={
            "facts_loaded": dg.MetadataValue.int(len(loaded)),
            "companies": dg.MetadataValue.json([c.ticker for c in selected]),
            "requests": dg.MetadataValue.int(client.request_count),
            "source_mode": market_data.mode(),
        }
    )
    capex_tags = {(c.taxonomy, c.tag) for c in concepts if c.concept == "capex"}
    outcome = validate_sec_facts(
        loaded,
        capex_tags=capex_tags,
        last_filed={
            c.ticker: (
                pd.Timestamp(last_filed[c.cik]).date() if c.cik in last_filed.index else None
            )
            for c in selected
        },
        annual_filers={c.ticker for c in selected if c.taxonomy == "ifrs-full"},
        today=utc_now().date(),
    )
    yield expectation_result(context, warehouse, SEC_CHECK, outcome)


sec_filings_job = dg.define_asset_job(
    name="sec_filings",
    selection=dg.AssetSelection.assets(RAW_SEC_FACTS).downstream(),
    partitions_def=COMPANY_PARTITIONS,
    description="Company facts for the selected companies, then the models built on them.",
    executor_def=dg.in_process_executor,
)


def all_companies_tags() -> dict[str, str]:
    keys = COMPANY_PARTITIONS.get_partition_keys()
    return partition_range_tags(keys[0], keys[-1])


@dg.schedule(
    job=sec_filings_job,
    cron_schedule="0 6 * * 6",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every company, every Saturday morning: catches amendments and restatements "
    "that the filing sensor's 10-Q/10-K watch does not.",
)
def sec_weekly_refresh(context: dg.ScheduleEvaluationContext):
    week = (context.scheduled_execution_time or utc_now()).date().isoformat()
    return dg.RunRequest(run_key=f"sec-weekly-{week}", tags=all_companies_tags())


@dg.sensor(
    job=sec_filings_job,
    minimum_interval_seconds=60 * 60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reads each company's SEC submissions and refreshes only the companies with "
    "a new periodic filing (10-Q, 10-K, 20-F or an amendment).",
)
def sec_new_filings(context: dg.SensorEvaluationContext, market_data: MarketDataResource):
    """The cursor maps ticker -> newest periodic accession seen; a change requests a run for
    that company's partition. A company seen for the first time is loaded once."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    client = market_data.http_client()
    user_agent = market_data.sec_agent()
    requests: list[dg.RunRequest] = []
    problems: list[str] = []
    for company in sec.load_companies():
        try:
            result = sec.fetch_latest_filing(
                client, company, base_url=market_data.sec_base_url, user_agent=user_agent
            )
        except (SourceError, sec.SecError) as exc:
            problems.append(f"{company.ticker}: {exc}")
            continue
        if result.latest is None:
            continue
        accession = result.latest.accession_number
        if seen.get(company.ticker) != accession:
            requests.append(
                dg.RunRequest(
                    run_key=f"sec-{company.ticker}-{accession}",
                    partition_key=company.ticker,
                    tags={"sec/form": result.latest.form, "sec/accession": accession},
                )
            )
            seen[company.ticker] = accession
    for problem in problems:
        context.log.warning(f"submissions not read: {problem}")
    if not requests:
        return dg.SkipReason(
            f"no new periodic filings among {len(seen)} companies"
            + (f"; {len(problems)} could not be read" if problems else "")
        )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))
