"""The nightly market report: one static HTML page built from the published marts."""

import dagster as dg

from orchestration.defs.publish import PUBLISHED_MARTS
from orchestration.report import build_report, default_report_dir
from orchestration.warehouse import WarehouseResource

MARKET_REPORT = dg.AssetKey(["report", "market_report"])


@dg.asset(
    key=MARKET_REPORT,
    deps=[PUBLISHED_MARTS],
    group_name="report",
    kinds={"html"},
    description="The analysts' morning page (report/index.html next to the published file, or "
    "REPORT_DIR): sector rotation graph and returns, style and theme spreads, breadth, index "
    "milestones, macro, hyperscaler capex, earnings expectations and data quality, with inline "
    "charts; read only from the published analytics file.",
)
def market_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    published = warehouse.published()
    result = build_report(
        published, default_report_dir(published), data_docs_dir=warehouse.data_docs()
    )
    for panel in result.no_data_panels:
        context.log.warning(f"report panel without data: {panel}")
    context.log.info(f"market report with {result.charts} charts written to {result.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "data_date": dg.MetadataValue.text(str(result.data_date)),
            "source_mode": dg.MetadataValue.text(result.source_mode),
            "charts": dg.MetadataValue.int(result.charts),
            "panels_without_data": dg.MetadataValue.int(len(result.no_data_panels)),
            "seconds": dg.MetadataValue.float(result.seconds),
            "bytes": dg.MetadataValue.int(result.bytes),
        }
    )
