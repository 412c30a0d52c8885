"""The data engineer's entry point: the Dagster webserver on loopback, opened in headless Chromium.

Starts `dagster-webserver` against the project's definitions with a temporary DAGSTER_HOME and
warehouse paths, waits for it to answer (bounded), and checks that the asset graph shows every
asset group of the definitions and that the code location loaded without errors.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import chromium, open_page, screenshot

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_S = 180.0
WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation { repositories { assetGroups { groupName } } }
        }
      }
    }
  }
}
"""


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log_path: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log past the deadline."""
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"dagster-webserver exited ({server.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(
        f"dagster-webserver did not answer {url} within {STARTUP_DEADLINE_S:.0f}s:\n"
        + log_path.read_text()[-4000:]
    )


def project_environment(root: Path) -> dict[str, str]:
    """Every variable the definitions' resources read, pointed into ``root``."""
    return {
        "DAGSTER_HOME": str(root / "dagster_home"),
        "SOURCE_MODE": "sample",
        "WAREHOUSE_PATH": str(root / "market.duckdb"),
        "ANALYTICS_PATH": str(root / "analytics.duckdb"),
        "PUBLISHED_PARQUET_DIR": str(root / "published" / "parquet"),
        "LANDING_DIR": str(root / "landing"),
        "ESTIMATES_DROP_DIR": str(root / "drops" / "estimates"),
        "DATA_DOCS_DIR": str(root / "data_docs"),
        "HTTP_USER_AGENT": "rotation-warehouse tests",
        "YAHOO_BASE_URL": "http://127.0.0.1:9/yahoo",
        "TIINGO_BASE_URL": "http://127.0.0.1:9/tiingo",
        "STOOQ_BASE_URL": "http://127.0.0.1:9/stooq",
        "FRED_BASE_URL": "http://127.0.0.1:9/fred",
        "FRED_GRAPH_BASE_URL": "http://127.0.0.1:9/fredgraph",
        "SEC_BASE_URL": "http://127.0.0.1:9/sec",
        "SEC_USER_AGENT": "",
        "TIINGO_API_KEY": "",
        "STOOQ_API_KEY": "",
        "FRED_API_KEY": "",
        "DO_NOT_TRACK": "1",
    }


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    """A running dagster-webserver on a free loopback port; always stopped afterwards."""
    root = tmp_path_factory.mktemp("dagster_ui")
    environment = project_environment(root)
    Path(environment["DAGSTER_HOME"]).mkdir()
    # As `make dev` does: the project's instance settings (telemetry off, the writer pool).
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", root / "dagster_home")
    port = free_loopback_port()
    log_path = root / "webserver.log"
    executable = Path(sys.executable).with_name("dagster-webserver")
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [
                str(executable),
                "-m",
                "orchestration.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                **environment,
                # dagster-dbt runs the dbt it finds on PATH: the project's.
                "PATH": f"{executable.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            },
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base_url}/server_info", server, log_path)
        yield {"url": base_url, "root": root, "log": log_path, "environment": environment}
    finally:
        # The server runs the code location in a child process: stop the whole group.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def asset_groups(webserver) -> set[str]:
    """Asset groups as the project's definitions declare them."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in webserver["environment"].items():
            patch.setenv(name, value)
        from orchestration.definitions import defs

        graph = defs.resolve_asset_graph()
        return {graph.get(key).group_name for key in graph.get_all_asset_keys()}


def graphql(base_url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_definitions_declare_the_pipeline_groups(asset_groups):
    assert {"raw_prices", "raw_macro", "staging", "marts", "publish", "report"} <= asset_groups


def test_code_location_loads_without_errors(webserver, asset_groups):
    answer = graphql(webserver["url"], WORKSPACE_QUERY)
    (entry,) = answer["data"]["workspaceOrError"]["locationEntries"]
    location = entry["locationOrLoadError"]
    assert entry["loadStatus"] == "LOADED"
    assert location["__typename"] == "RepositoryLocation", location.get("message")
    (repository,) = location["repositories"]
    assert {group["groupName"] for group in repository["assetGroups"]} == asset_groups


def test_asset_graph_page_shows_every_asset_group(webserver, asset_groups):
    with (
        chromium() as browser,
        open_page(browser, f"{webserver['url']}/asset-groups", wait_until="networkidle") as (
            page,
            log,
        ),
    ):
        # The graph draws one box per (collapsed) asset group once the definitions are read.
        group_boxes = page.locator("[class*='CollapsedGroupNode_collapsedGroupNodeBox']")
        group_boxes.first.wait_for(state="visible", timeout=60_000)
        skip = page.get_by_role("button", name="Skip")  # the first-visit newsletter dialog
        if skip.count():
            skip.click()
        shown = {text.strip() for text in group_boxes.all_inner_texts()}
        screenshot(page, webserver["root"] / "asset_graph.png", full_page=False)
        assert {name for name in asset_groups if any(line.startswith(name) for line in shown)} == (
            asset_groups
        ), shown
        assert page.get_by_text("Global asset lineage").count() >= 1
        assert log.errors == [], log.errors
        assert (webserver["root"] / "asset_graph.png").stat().st_size > 0


def test_locations_page_shows_the_code_location_loaded(webserver):
    with (
        chromium() as browser,
        open_page(browser, f"{webserver['url']}/locations", wait_until="networkidle") as (
            page,
            log,
        ),
    ):
        page.get_by_text("orchestration.definitions").first.wait_for(timeout=60_000)
        page.get_by_text("Loaded", exact=True).first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "1 code location" in body, body
        assert "error" not in body.lower(), body
        assert "failed" not in body.lower(), body
        assert log.errors == [], log.errors
        screenshot(page, webserver["root"] / "locations.png", full_page=False)
