"""The dbt unit tests (model logic on fixed inputs) run here, not in the nightly job.

The nightly's dbt build excludes them (orchestration/defs/dbt.py NIGHTLY_BUILD_ARGS): they do
not depend on the night's data. Here every one of them runs against the demo's warehouse,
opened read-only (dbt reads the input models' columns from it), and must pass.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.defs.dbt import DBT_PROJECT_DIR, NIGHTLY_BUILD_ARGS


def test_the_nightly_build_leaves_unit_tests_out():
    assert NIGHTLY_BUILD_ARGS == ["build", "--exclude-resource-type", "unit_test"]


def test_every_dbt_unit_test_passes(demo_build, tmp_path):
    target = tmp_path / "dbt_target"
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "test",
            "--select",
            "test_type:unit",
            "--target",
            "read_only",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "dbt_logs"),
        ],
        env={
            **os.environ,
            "WAREHOUSE_PATH": str(demo_build["warehouse"]),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-6000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert len(manifest["unit_tests"]) >= 30
    assert {r["unique_id"] for r in results} == set(manifest["unit_tests"])
    assert {r["status"] for r in results} == {"pass"}
