"""`make report`: build the market report from ANALYTICS_PATH and print where it is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.report import ReportError, build_report

DEFAULT_ANALYTICS_PATH = Path(__file__).resolve().parents[2] / "warehouse" / "analytics.duckdb"


def main() -> int:
    analytics_path = os.environ.get("ANALYTICS_PATH") or str(DEFAULT_ANALYTICS_PATH)
    try:
        result = build_report(analytics_path)
    except ReportError as error:
        print(f"report not built: {error}", file=sys.stderr)
        return 1
    for panel in result.no_data_panels:
        print(f"  no data: {panel}", file=sys.stderr)
    date_text = result.data_date.isoformat() if result.data_date else "unknown"
    print(
        f"Market report ({result.source_mode} data as of {date_text}, {result.charts} charts, "
        f"{result.seconds:.1f}s): {result.path}",
        file=sys.stderr,
    )
    print(result.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
