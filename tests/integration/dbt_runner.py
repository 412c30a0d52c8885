"""Run the project's dbt against a given warehouse file, as the Makefile and Dagster do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def run_dbt(warehouse_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse_path),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
    }
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(warehouse_path.parent / "dbt_target"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, (
        f"dbt {' '.join(args)} failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-2000:]}"
    )
    return completed
