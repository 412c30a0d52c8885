"""The nightly market report: one static HTML page with inline SVG charts, built only from the
published analytics file (read-only). ``python -m orchestration.report`` builds it."""

from orchestration.report.build import (
    ReportError,
    ReportResult,
    build_report,
    default_data_docs_dir,
    default_report_dir,
)

__all__ = [
    "ReportError",
    "ReportResult",
    "build_report",
    "default_data_docs_dir",
    "default_report_dir",
]
