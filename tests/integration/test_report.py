"""The market report, built from the demo's published file and opened in headless Chromium."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.report import build_report
from tests.browser import chromium, open_page, screenshot

# A chart counts as drawn when its SVG has a visible size and at least this many mark elements.
MIN_MARK_ELEMENTS = 10
SECTIONS = ["rotation", "spreads", "breadth", "milestones", "macro", "capex", "earnings", "quality"]


@pytest.fixture(scope="module")
def published(demo_build):
    """The demo's published file, read-only, for the independent figures."""
    connection = duckdb.connect(str(demo_build["analytics"]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def report(demo_build):
    return build_report(demo_build["analytics"], demo_build["root"] / "report")


@pytest.fixture(scope="module")
def rendered(report):
    """The report as Chromium shows it: figures, charts, banner, errors; screenshot saved."""
    with chromium() as browser, open_page(browser, report.path.as_uri()) as (page, log):
        seen = {
            "banner": page.inner_text("#banner"),
            "banner_date": page.get_attribute("#banner", "data-data-date"),
            "banner_mode": page.get_attribute("#banner", "data-source-mode"),
            "figures": page.evaluate(
                "Object.fromEntries(Array.from(document.querySelectorAll('[data-figure]'))"
                ".map(e => [e.dataset.figure, e.querySelector('dd').textContent.trim()]))"
            ),
            "charts": page.evaluate(
                """Array.from(document.querySelectorAll('[data-chart]')).map(e => {
                    const svg = e.querySelector('svg');
                    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                    return {key: e.dataset.chart, width: box.width, height: box.height,
                            marks: svg ? svg.querySelectorAll('path, rect, circle, line, text').length : 0};
                })"""
            ),
            "no_data": page.evaluate(
                "Array.from(document.querySelectorAll('[data-no-data]'))"
                ".map(e => [e.closest('section').dataset.section, e.textContent])"
            ),
            "sections": page.evaluate(
                "Array.from(document.querySelectorAll('section')).map(e => e.dataset.section)"
            ),
            "screenshot": screenshot(page, report.path.parent / "report.png"),
        }
        seen["errors"] = log.errors
    return seen


def test_the_demo_builds_the_report_in_its_nightly_run(demo_build):
    index = demo_build["root"] / "report" / "index.html"
    assert index.is_file()
    assert f"Market report: {index}" in demo_build["stdout"]


def test_report_loads_from_a_file_url_without_console_errors(rendered):
    assert rendered["errors"] == []
    assert rendered["sections"] == SECTIONS


def test_every_chart_renders_a_non_empty_svg(report, rendered):
    charts = rendered["charts"]
    assert len(charts) == report.charts
    assert len(charts) >= 18
    empty = [
        c for c in charts if c["width"] <= 0 or c["height"] <= 0 or c["marks"] < MIN_MARK_ELEMENTS
    ]
    assert empty == []


def test_banner_says_the_data_date_and_sample(report, rendered, published):
    (newest,) = published.execute(
        "select max(trade_date) from marts.fct_sector_rotation_daily"
    ).fetchone()
    assert report.data_date == newest
    assert rendered["banner_date"] == newest.isoformat()
    assert f"data as of {newest.isoformat()}" in rendered["banner"]
    assert "SAMPLE DATA" in rendered["banner"]
    assert rendered["banner_mode"] == report.source_mode == "sample"


def test_only_audit_tables_missing_or_empty_in_the_published_file_leave_panels_empty(
    rendered, published
):
    populated = set()
    for (name,) in published.execute(
        "select 'audit.' || table_name from duckdb_tables() where schema_name = 'audit'"
    ).fetchall():
        if published.execute(f"select count(*) from {name}").fetchone()[0]:
            populated.add(name)
    for section, text in rendered["no_data"]:
        assert section == "quality", text
        assert "audit.check_results" in text, text
        assert "audit.check_results" not in populated, text


def test_screenshot_is_saved_under_the_report_directory(report, rendered):
    path = rendered["screenshot"]
    assert path.parent == report.path.parent
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rrg_quadrant_counts_match_the_published_mart(rendered, published):
    counts = dict(
        published.execute(
            """
            select rrg_quadrant, count(*)
            from marts.fct_sector_rotation_daily
            where trade_date = (select max(trade_date) from marts.fct_sector_rotation_daily)
            group by rrg_quadrant
            """
        ).fetchall()
    )
    shown = {
        q: int(rendered["figures"][f"rrg-{q}"])
        for q in ("leading", "weakening", "lagging", "improving")
    }
    assert shown == {q: counts.get(q, 0) for q in shown}
    assert sum(shown.values()) == 11


def test_breadth_on_the_data_date_matches_the_published_mart(rendered, published):
    rows = published.execute(
        """
        select universe, members_above_200d, members_with_200d_history, new_52w_highs, new_52w_lows
        from marts.fct_market_breadth_daily
        where gics_sector is null
            and trade_date = (select max(trade_date) from marts.fct_market_breadth_daily)
        """
    ).fetchall()
    assert {row[0] for row in rows} == {"sp500", "r2000"}
    for universe, above, with_history, highs, lows in rows:
        assert (
            rendered["figures"][f"breadth-{universe}-pct-above-200d"]
            == f"{100 * above / with_history:.1f}%"
        )
        assert rendered["figures"][f"breadth-{universe}-highs-lows"] == f"{highs} / {lows}"


def test_dow_50000_and_the_small_vs_large_spread_match_the_published_marts(rendered, published):
    (first_close_above,) = published.execute(
        "select min(trade_date) from marts.fct_index_milestones "
        "where index_symbol = '^DJI' and close >= 50000"
    ).fetchone()
    assert rendered["figures"]["milestone-dow-50000"] == first_close_above.isoformat()
    spreads = published.execute(
        """
        select calendar_year, r2000_eps_growth - sp500_eps_growth
        from marts.fct_small_vs_large_earnings
        where as_of_date = (select max(as_of_date) from marts.fct_small_vs_large_earnings)
            and r2000_eps_growth is not null
        """
    ).fetchall()
    assert spreads
    for year, spread in spreads:
        assert rendered["figures"][f"earnings-spread-{year}"] == f"{spread * 100:+.1f}%"
