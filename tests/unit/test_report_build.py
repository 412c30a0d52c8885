"""The report on small published files: missing marts give "no data" panels, text is escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from orchestration.report import ReportError, build_report

HOSTILE_SECTOR = '<script>alert("x")</script> & Co'


def published_file(path, *, rotation_rows: list[tuple] | None = None, mode: str = "sample"):
    """A published file with audit.publish_log and, optionally, the sector rotation mart."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create schema audit")
        connection.execute(
            "create table audit.publish_log (published_at timestamp, run_id varchar, "
            "source_mode varchar, table_name varchar, row_count bigint, "
            "content_fingerprint varchar, parquet_sha256 varchar, duration_s double)"
        )
        connection.execute(
            "insert into audit.publish_log values "
            "(?, 'run-0001', ?, 'fct_sector_rotation_daily', ?, '0', 'abc', 0.1)",
            [datetime(2026, 11, 21, 2, 0), mode, len(rotation_rows or [])],
        )
        if rotation_rows is not None:
            connection.execute(
                "create table marts.fct_sector_rotation_daily (trade_date date, sector varchar, "
                "symbol varchar, return_1w double, return_1m double, return_3m double, "
                "return_6m double, return_12m double, rs_ratio double, rs_momentum double, "
                "rrg_quadrant varchar, rank_1m integer, rank_change_1m integer)"
            )
            connection.executemany(
                "insert into marts.fct_sector_rotation_daily values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rotation_rows,
            )
    return path


def rotation_rows(last_day: date) -> list[tuple]:
    rows = []
    for weeks_back in range(10):
        day = last_day - timedelta(days=7 * weeks_back)
        drift = weeks_back * 0.3
        rows += [
            (
                day,
                "Energy",
                "XLE",
                0.01,
                0.02,
                0.05,
                0.1,
                0.2,
                101.5 - drift,
                100.8,
                "leading",
                1,
                0,
            ),
            (
                day,
                HOSTILE_SECTOR,
                "X&Y",
                -0.01,
                -0.02,
                -0.03,
                0.0,
                0.05,
                98.7 + drift,
                99.1,
                "lagging",
                2,
                0,
            ),
        ]
    return rows


def test_every_missing_mart_becomes_a_no_data_panel(tmp_path):
    analytics = published_file(tmp_path / "analytics.duckdb")

    result = build_report(analytics, tmp_path / "report", now=datetime(2026, 11, 21, 3, 0))

    page = result.path.read_text(encoding="utf-8")
    assert result.data_date is None
    assert result.source_mode == "sample"
    assert "No data: marts.fct_sector_rotation_daily is not in the published file" in page
    assert "No data: marts.fct_capex_quarterly is not in the published file" in page
    # Every panel but the publish log's has nothing to show; the page still has every section.
    assert result.charts == 1
    assert len(result.no_data_panels) == page.count("data-no-data")
    for section in ("rotation", "spreads", "breadth", "milestones", "macro", "capex", "earnings"):
        assert f'data-section="{section}"' in page


def test_text_from_the_marts_is_escaped_in_the_page_and_the_charts(tmp_path):
    analytics = published_file(
        tmp_path / "analytics.duckdb", rotation_rows=rotation_rows(date(2026, 11, 20)), mode="live"
    )

    result = build_report(analytics, tmp_path / "report")

    page = result.path.read_text(encoding="utf-8")
    assert result.data_date == date(2026, 11, 20)
    assert "LIVE DATA" in page and "SAMPLE DATA" not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "X&amp;Y" in page
    # 1 leading, 0 weakening, 1 lagging, 0 improving on the last day
    for quadrant, count in (("leading", 1), ("weakening", 0), ("lagging", 1), ("improving", 0)):
        assert (
            f'data-figure="rrg-{quadrant}"><dt>{quadrant.capitalize()}</dt><dd>{count}</dd>' in page
        )
    assert 'data-chart="rrg"' in page and 'data-chart="sector-returns"' in page


def test_a_missing_published_file_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="published analytics file not found: .*nowhere.duckdb"):
        build_report(tmp_path / "nowhere.duckdb", tmp_path / "report")
