"""Every mart and every mart column is described in dbt, the manifest is current, and the
report and the published database are declared as exposures."""

import json
from pathlib import Path

import pytest
import yaml

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
MANIFEST = DBT_PROJECT / "target" / "manifest.json"
MARTS_DIR = DBT_PROJECT / "models" / "marts"

# What the nightly report shows (issue: rotation, style, theme, breadth, concentration,
# milestones, macro, capex, estimates).
REPORT_MARTS = {
    "fct_sector_rotation_daily",
    "fct_style_spreads_daily",
    "fct_theme_rotation_daily",
    "fct_market_breadth_daily",
    "fct_index_concentration_daily",
    "fct_index_milestones",
    "fct_macro_monthly",
    "fct_hyperscaler_capex",
    "fct_small_vs_large_earnings",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    assert MANIFEST.is_file(), f"{MANIFEST} missing: run `cd dbt_project && dbt parse`"
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mart_nodes(manifest) -> dict[str, dict]:
    nodes = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert len(nodes) >= 16
    return nodes


def mart_sql_files() -> set[str]:
    return {path.stem for path in MARTS_DIR.rglob("*.sql")}


def yml_models() -> dict[str, dict]:
    models: dict[str, dict] = {}
    for path in sorted(MARTS_DIR.rglob("_*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            models[model["name"]] = model
    return models


def test_every_mart_model_is_in_the_manifest(mart_nodes):
    assert set(mart_nodes) == mart_sql_files()


def test_every_mart_states_its_grain(mart_nodes):
    undescribed = [name for name, node in mart_nodes.items() if not node["description"].strip()]
    assert undescribed == []
    without_grain = [
        name for name, node in mart_nodes.items() if "grain" not in node["description"].lower()
    ]
    assert without_grain == []


def test_every_mart_column_is_described(mart_nodes):
    undescribed = [
        f"{name}.{column}"
        for name, node in mart_nodes.items()
        for column, props in node["columns"].items()
        if not (props.get("description") or "").strip()
    ]
    assert undescribed == []
    # Contracts are enforced on marts, so the documented columns are the table's columns.
    assert all(node["config"]["contract"]["enforced"] for node in mart_nodes.values())
    assert sum(len(node["columns"]) for node in mart_nodes.values()) >= 300


def test_the_manifest_has_the_descriptions_of_the_yml_files(mart_nodes):
    """Catches a yml edit without `dbt parse`: the docs and the published comments read the
    manifest."""
    for name, model in yml_models().items():
        node = mart_nodes[name]
        assert node["description"].strip() == model["description"].strip(), name
        for column in model["columns"]:
            described = node["columns"][column["name"]]["description"].strip()
            assert described == column["description"].strip(), f"{name}.{column['name']}"


def test_exposures_declare_the_report_and_the_published_database(manifest, mart_nodes):
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert set(exposures) >= {"nightly_market_report", "published_analytics_database"}
    for exposure in exposures.values():
        assert exposure["description"].strip()
        assert exposure["owner"]["name"]

    def upstream(name: str) -> set[str]:
        return {uid.split(".")[-1] for uid in exposures[name]["depends_on"]["nodes"]}

    report = exposures["nightly_market_report"]
    assert report["type"] == "dashboard"
    assert report["url"].endswith("report/index.html")
    assert upstream("nightly_market_report") >= REPORT_MARTS
    assert upstream("nightly_market_report") <= set(mart_nodes)
    assert upstream("published_analytics_database") == set(mart_nodes)
