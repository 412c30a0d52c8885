"""The dbt project as Dagster assets: loaded once, grouped by the model's folder."""

import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.prices import WRITER_POOL
from orchestration.warehouse import CheckRecord, WarehouseResource, utc_now

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

# dbt unit tests check model logic on fixed inputs: they do not depend on the night's data, so
# `make test` runs them (tests/integration/test_dbt_unit_tests.py) and the nightly does not.
NIGHTLY_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so the UI works without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # Under `dagster dev` the manifest is rebuilt from the models; elsewhere `make` builds it.
    project.prepare_if_dev()
    return project


class LayerTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name> as in the warehouse; groups come from the folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type in ("model", "seed", "snapshot"):
            schema = (
                dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
            )
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "universe"
        fqn = dbt_resource_props.get("fqn") or []
        # fqn is [project, folder, ..., name]: the first folder is the layer.
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=LayerTranslator(),
    pool=WRITER_POOL,
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Seeds, staging, intermediate and marts, with their dbt tests, in dependency order.

    Every dbt test is an asset check; its result also goes to audit.check_results, written
    once dbt has finished (dbt holds the warehouse file while it runs)."""
    tests: list[CheckRecord] = []
    try:
        for event in dbt.cli(NIGHTLY_BUILD_ARGS, context=context).stream():
            if isinstance(event, dg.AssetCheckResult | dg.AssetCheckEvaluation):
                tests.append(dbt_test_record(context.run.run_id, event))
            yield event
    finally:
        # Failed tests too: dbt has exited (and released the file) when its stream raises.
        warehouse.get().record_check_results(tests)


def dbt_test_record(
    run_id: str, event: dg.AssetCheckResult | dg.AssetCheckEvaluation
) -> CheckRecord:
    metadata = {name: getattr(value, "value", value) for name, value in event.metadata.items()}
    failed_rows = metadata.get("dagster_dbt/failed_row_count")
    severity = event.severity.value if event.severity is not None else "ERROR"
    return CheckRecord(
        run_id=run_id,
        asset_key=event.asset_key.to_user_string(),
        check_name=event.check_name,
        passed=bool(event.passed),
        severity=severity,
        expectations_evaluated=1,
        expectations_failed=0 if event.passed else 1,
        observed={"failed_row_count": failed_rows, "test": "dbt"},
        checked_at=utc_now(),
    )
