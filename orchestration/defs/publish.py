"""Publish: the finished marts, copied into the analysts' database and Parquet files."""

from pathlib import Path

import dagster as dg

from orchestration.defs.dbt import dbt_models
from orchestration.defs.prices import WRITER_POOL
from orchestration.defs.resources import MarketDataResource
from orchestration.publish import publish_marts
from orchestration.warehouse import WarehouseResource

PUBLISHED_MARTS = dg.AssetKey(["published", "analytics"])
MART_KEYS = sorted(
    (key for key in dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.to_user_string()
)


@dg.asset(
    key=PUBLISHED_MARTS,
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool=WRITER_POOL,
    description="Every mart in warehouse/analytics.duckdb (replaced atomically; readers never "
    "see a half-published night) and one Parquet file per mart. Runs only when the models "
    "and their blocking checks upstream succeeded in the same run.",
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, market_data: MarketDataResource
) -> dg.MaterializeResult:
    result = publish_marts(
        Path(warehouse.path),
        Path(warehouse.published()),
        Path(warehouse.parquet()),
        run_id=context.run_id,
        source_mode=market_data.mode(),
    )
    context.log.info(
        f"published {len(result.tables)} marts ({sum(result.tables.values()):,} rows) to "
        f"{result.published_path} in {result.seconds:.2f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "published_path": dg.MetadataValue.path(str(result.published_path)),
            "parquet_dir": dg.MetadataValue.path(str(warehouse.parquet())),
            "rows_by_mart": dg.MetadataValue.json(result.tables),
            "seconds": dg.MetadataValue.float(result.seconds),
            "bytes": dg.MetadataValue.int(result.bytes),
        }
    )
