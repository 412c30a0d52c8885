"""dbt docs for analysts: every model and column described, with lineage, rebuilt each night."""

import json
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.prices import WRITER_POOL
from orchestration.defs.publish import PUBLISHED_MARTS
from orchestration.warehouse import WarehouseResource

DBT_DOCS = dg.AssetKey(["docs", "dbt_docs"])
DBT_DOCS_DIR_NAME = "dbt_docs"
# The profile's output that opens the warehouse with access_mode = READ_ONLY: generating the
# catalog only reads, and a read-only open cannot damage the file whatever dbt does.
READ_ONLY_TARGET = "read_only"


def dbt_docs_dir(warehouse_path: str | Path) -> Path:
    """Where the docs site is written: ``dbt_docs/`` beside the working warehouse."""
    return Path(warehouse_path).parent / DBT_DOCS_DIR_NAME


def docs_generate_args() -> list[str]:
    """``dbt docs generate`` as `make docs` runs it; --static adds one self-contained page
    (static_index.html) that opens from a file URL without a server."""
    return ["docs", "generate", "--target", READ_ONLY_TARGET, "--static"]


def documented_counts(docs_dir: Path) -> dict[str, int]:
    """How much the generated site documents: models, mart models, columns with a catalog
    entry, exposures."""
    manifest = json.loads((docs_dir / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs_dir / "catalog.json").read_text(encoding="utf-8"))
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    return {
        "models": len(models),
        "mart_models": sum(1 for n in models if n.get("schema") == "marts"),
        "catalog_columns": sum(len(n.get("columns", {})) for n in catalog["nodes"].values()),
        "exposures": len(manifest.get("exposures", {})),
    }


@dg.asset(
    key=DBT_DOCS,
    deps=[PUBLISHED_MARTS],
    group_name="docs",
    kinds={"dbt", "html"},
    # dbt opens the working warehouse (read-only) to read the catalog; DuckDB refuses that
    # while another process writes it, so it waits its turn with the writers.
    pool=WRITER_POOL,
    description="dbt docs site (descriptions with grain, units and formulas; lineage; "
    "exposures; column types from the warehouse) in dbt_docs/ beside the working warehouse. "
    "Served by `make docs`; static_index.html opens without a server.",
)
def dbt_docs(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    docs_dir = dbt_docs_dir(warehouse.path)
    docs_dir.mkdir(parents=True, exist_ok=True)
    dbt.cli(docs_generate_args(), target_path=docs_dir).wait()
    counts = documented_counts(docs_dir)
    context.log.info(
        f"dbt docs for {counts['models']} models ({counts['mart_models']} marts) and "
        f"{counts['exposures']} exposures in {docs_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(docs_dir)),
            "index": dg.MetadataValue.path(str(docs_dir / "index.html")),
            "static_page": dg.MetadataValue.path(str(docs_dir / "static_index.html")),
            **{name: dg.MetadataValue.int(value) for name, value in counts.items()},
        }
    )
