"""Great Expectations on every finished mart (the raw tables' suites run inside their loads).

One blocking check per mart: publish runs only when every mart passed."""

import dagster as dg

from data_quality.suites.marts import MART_SUITES, validate_mart
from orchestration.defs.checks import expectation_result
from orchestration.defs.prices import WRITER_POOL
from orchestration.warehouse import WarehouseResource

# The benchmark every daily mart is dated against: its latest session is the data's.
BENCHMARK_SYMBOL = "SPY"


def mart_check_name(mart: str) -> str:
    return f"{mart}_expectations"


def build_mart_check(mart: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(["marts", mart])
    suite = MART_SUITES[mart]
    freshness = (
        f" its latest session is {BENCHMARK_SYMBOL}'s latest session;" if suite.session_date else ""
    )

    @dg.asset_check(
        asset=key,
        name=mart_check_name(mart),
        blocking=True,
        # Reads the working warehouse: it queues with the writers so no load holds the file.
        pool=WRITER_POOL,
        description=f"Great Expectations on marts.{mart}: grain {', '.join(suite.keys)} unique "
        f"and not null, ranges and cross-column rules;{freshness} no more than a 10% row drop "
        "against the last publish.",
    )
    def mart_expectations(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        store = warehouse.get()
        frame = store.read_mart(mart)
        previous = store.last_published_row_count(mart)
        outcome = validate_mart(
            mart,
            frame,
            previous_rows=previous,
            latest_price_session=store.latest_bar_date(BENCHMARK_SYMBOL)
            if suite.session_date
            else None,
        )
        counts = {"rows": dg.MetadataValue.int(len(frame))}
        if previous is not None:
            counts["rows_last_published"] = dg.MetadataValue.int(previous)
        return expectation_result(context, warehouse, mart_check_name(mart), outcome, **counts)

    return mart_expectations


MART_CHECKS = [build_mart_check(mart) for mart in MART_SUITES]
