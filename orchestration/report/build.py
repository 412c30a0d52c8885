"""Build the market report from the published analytics file (read-only) into one HTML page."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from orchestration.publish import read_only_connection
from orchestration.report.page import Banner, render_page
from orchestration.report.sections import Context, Marts, build_sections

REPORT_FILE = "index.html"
# Daily marts whose newest session is the report's data date, in order of preference.
DATA_DATE_SOURCES = (
    "marts.fct_sector_rotation_daily",
    "marts.fct_market_breadth_daily",
    "marts.fct_style_spreads_daily",
    "marts.fct_index_milestones",
)


class ReportError(RuntimeError):
    """The report could not be built; the message says what and where."""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    data_date: date | None
    source_mode: str
    sections: int
    charts: int
    no_data_panels: list[str]  # "<section>: <reason>" for each panel without data
    seconds: float
    bytes: int


def default_report_dir(analytics_path: str | Path) -> Path:
    """``REPORT_DIR`` if set, else ``report/`` next to the published file."""
    configured = os.environ.get("REPORT_DIR")
    return Path(configured) if configured else Path(analytics_path).parent / "report"


def default_data_docs_dir(analytics_path: str | Path) -> Path:
    """``DATA_DOCS_DIR`` if set, else ``data_docs/`` next to the published file."""
    configured = os.environ.get("DATA_DOCS_DIR")
    return Path(configured) if configured else Path(analytics_path).parent / "data_docs"


def build_report(
    analytics_path: str | Path,
    report_dir: str | Path | None = None,
    data_docs_dir: str | Path | None = None,
    *,
    now: datetime | None = None,
) -> ReportResult:
    """Write ``<report_dir>/index.html`` from the published file and return what it holds.

    The page is written to a temporary name and renamed, so a reader never sees half a report.
    """
    started = time.perf_counter()
    analytics_path = Path(analytics_path)
    if not analytics_path.is_file():
        raise ReportError(
            f"published analytics file not found: {analytics_path} (ANALYTICS_PATH); "
            "build the warehouse first (make demo, or the nightly job)"
        )
    report_dir = Path(report_dir) if report_dir else default_report_dir(analytics_path)
    docs_dir = Path(data_docs_dir) if data_docs_dir else default_data_docs_dir(analytics_path)
    docs_index = docs_dir / "index.html"
    with read_only_connection(analytics_path) as connection:
        marts = Marts.open(connection)
        data_date = _data_date(marts)
        banner = _banner(marts, data_date, now)
        context = Context(
            data_date=data_date,
            built_on=banner.built_at.date(),
            report_dir=report_dir,
            data_docs_index=docs_index if docs_index.is_file() else None,
        )
        sections = build_sections(marts, context)
    page = render_page(banner, sections)
    report_dir.mkdir(parents=True, exist_ok=True)
    target = report_dir / REPORT_FILE
    temporary = report_dir / f".{REPORT_FILE}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return ReportResult(
        path=target,
        data_date=data_date,
        source_mode=banner.source_mode,
        sections=len(sections),
        charts=sum(len(panel.charts) for section in sections for panel in section.panels),
        no_data_panels=[
            f"{section.title}: {panel.no_data}"
            for section in sections
            for panel in section.panels
            if panel.no_data
        ],
        seconds=time.perf_counter() - started,
        bytes=target.stat().st_size,
    )


def _data_date(marts: Marts) -> date | None:
    for table in DATA_DATE_SOURCES:
        if marts.has(table):
            newest = marts.connection.execute(f"select max(trade_date) from {table}").fetchone()[0]
            if newest is not None:
                return newest
    return None


def _banner(marts: Marts, data_date: date | None, now: datetime | None) -> Banner:
    source_mode, published_at, run_id = "unknown", "unknown", "unknown"
    if marts.has("audit.publish_log"):
        row = marts.connection.execute(
            "select source_mode, published_at, run_id from audit.publish_log "
            "order by published_at desc limit 1"
        ).fetchone()
        source_mode = str(row[0]).lower()
        published_at = f"{pd.Timestamp(row[1]):%Y-%m-%d %H:%M} UTC"
        run_id = str(row[2])[:8]
    else:
        # Without the log, the marts that carry a source mode say it.
        for table in (
            "marts.fct_earnings_growth_expectations",
            "marts.fct_macro_observations_asof",
        ):
            if marts.has(table):
                modes = {
                    str(mode).lower()
                    for (mode,) in marts.connection.execute(
                        f"select distinct source_mode from {table}"
                    ).fetchall()
                }
                source_mode = "sample" if "sample" in modes else modes.pop()
                break
    return Banner(
        data_date=data_date.isoformat() if data_date else "unknown",
        source_mode=source_mode,
        published_at=published_at,
        run_id=run_id,
        built_at=(now or datetime.now(UTC)).astimezone(UTC),
    )
