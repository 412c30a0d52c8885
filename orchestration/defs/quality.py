"""Great Expectations on finished marts (the raw tables' suites run inside their loads)."""

import dagster as dg

from data_quality.suites.breadth import validate_breadth
from orchestration.defs.checks import expectation_result
from orchestration.defs.prices import WRITER_POOL
from orchestration.warehouse import WarehouseResource

BREADTH_MART = dg.AssetKey(["marts", "fct_market_breadth_daily"])


@dg.asset_check(
    asset=BREADTH_MART,
    name="market_breadth_expectations",
    blocking=True,
    # Reads the working warehouse: it queues with the writers so no load holds the file.
    pool=WRITER_POOL,
    description="Great Expectations: coverage >= 95% of expected members or the day is "
    "flagged, percentages in [0, 100], advancers + decliners + unchanged = members with data.",
)
def market_breadth_expectations(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    mart = warehouse.get().query_frame(f"select * from {'.'.join(BREADTH_MART.path)}")
    outcome = validate_breadth(mart)
    return expectation_result(
        "market_breadth_expectations",
        outcome,
        low_coverage_days=int(mart["is_low_coverage"].sum()) if len(mart) else 0,
    )
