"""The nightly job's docs/dbt_docs asset leaves a dbt docs site beside the demo's warehouse,
with every published mart and its columns as the warehouse has them."""

import json

from orchestration.defs.docs import dbt_docs_dir
from orchestration.publish import read_only_connection


def test_the_demo_builds_the_dbt_docs_site(demo_build):
    docs_dir = dbt_docs_dir(demo_build["warehouse"])
    assert docs_dir == demo_build["root"] / "dbt_docs"
    for name in ("index.html", "static_index.html", "manifest.json", "catalog.json"):
        assert (docs_dir / name).is_file(), name
    catalog = json.loads((docs_dir / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((docs_dir / "manifest.json").read_text(encoding="utf-8"))
    with read_only_connection(demo_build["analytics"]) as connection:
        published = connection.execute(
            "select table_name, count(*) from duckdb_columns() where schema_name = 'marts' "
            "group by table_name"
        ).fetchall()
    catalogued = {
        node["metadata"]["name"]: node
        for node in catalog["nodes"].values()
        if node["metadata"]["schema"] == "marts"
    }
    assert {table: columns for table, columns in published} == {
        name: len(node["columns"]) for name, node in catalogued.items()
    }
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    assert all(column["description"] for node in marts for column in node["columns"].values())
    assert {e["name"] for e in manifest["exposures"].values()} == {
        "nightly_market_report",
        "published_analytics_database",
    }
