"""The report's page: sections of panels (a chart, the figures that matter, notes) as one HTML file.

Every piece of text is escaped here, once; charts arrive as SVG documents already checked by
:mod:`orchestration.report.charts`. The page loads nothing: no script, no font, no stylesheet
from anywhere else.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Figure:
    """One number that matters, e.g. ("Leading", "3"); ``key`` names it for tests and readers."""

    key: str
    label: str
    value: str
    tone: str = ""  # "good", "bad" or "" (neutral): colours the value


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str


@dataclass(frozen=True)
class Table:
    key: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Panel:
    title: str
    charts: list[Chart] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    callout: str = ""  # a warning worth reading first (e.g. a breadth divergence)
    callout_key: str = ""
    no_data: str = ""  # when set, the panel says why it has nothing to show
    link: tuple[str, str] | None = None  # (text, href) relative to the report


@dataclass
class Section:
    key: str
    title: str
    summary: str
    panels: list[Panel] = field(default_factory=list)


@dataclass(frozen=True)
class Banner:
    data_date: str  # ISO date, or "unknown"
    source_mode: str  # "sample", "live" or "unknown"
    published_at: str
    run_id: str
    built_at: datetime


STYLE = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dde5; --bg: #f5f6f8; --card: #fff;
  --good: #1a7f37; --bad: #b42318; --warn-bg: #fff4e5; --warn-line: #f5a524; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header.banner { padding: 18px 28px; color: #fff; background: #23395d; }
header.banner.sample { background: #7a4b00; }
header.banner h1 { margin: 0 0 4px; font-size: 22px; }
header.banner .mode { display: inline-block; padding: 2px 10px; margin-right: 10px;
  border-radius: 4px; background: rgba(255,255,255,.18); font-weight: 700; letter-spacing: .04em; }
header.banner p { margin: 4px 0 0; }
nav { padding: 8px 28px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { margin-right: 14px; color: #23395d; text-decoration: none; white-space: nowrap; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { margin-top: 26px; }
section > h2 { margin: 0 0 2px; font-size: 20px; }
section > p.summary { margin: 0 0 10px; color: var(--muted); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 14px; }
.panel h3 { margin: 0 0 8px; font-size: 16px; }
.chart { margin: 6px 0; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; }
dl.figures { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
dl.figures div { min-width: 120px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 4px; }
dl.figures dt { font-size: 12px; color: var(--muted); }
dl.figures dd { margin: 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
dd.good { color: var(--good); } dd.bad { color: var(--bad); }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 2px; }
.callout { margin: 8px 0; padding: 8px 12px; background: var(--warn-bg);
  border-left: 4px solid var(--warn-line); }
.no-data { padding: 18px; color: var(--muted); background: repeating-linear-gradient(
  45deg, #fafafa, #fafafa 8px, #f1f2f4 8px, #f1f2f4 16px); border-radius: 4px; }
ul.notes { margin: 6px 0 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
footer { padding: 0 28px 30px; color: var(--muted); font-size: 12px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_page(banner: Banner, sections: list[Section]) -> str:
    """The whole report as one HTML document (UTF-8, no external resources)."""
    sample = banner.source_mode == "sample"
    mode_label = {
        "sample": "SAMPLE DATA",
        "live": "LIVE DATA",
    }.get(banner.source_mode, "UNKNOWN SOURCE")
    mode_text = (
        "A synthetic market simulated offline: the figures show how the warehouse works, "
        "not what markets did."
        if sample
        else "Built from the live sources."
        if banner.source_mode == "live"
        else "The source mode could not be read from the published file."
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No network: refuse anything the page might try to load from elsewhere.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>Market report {_e(banner.data_date)} ({_e(mode_label.lower())})</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<header class="banner{" sample" if sample else ""}" id="banner" '
        f'data-data-date="{_e(banner.data_date)}" data-source-mode="{_e(banner.source_mode)}">',
        f"<h1>Market report: data as of {_e(banner.data_date)}</h1>",
        f'<p><span class="mode">{_e(mode_label)}</span>{_e(mode_text)}</p>',
        f"<p>Published {_e(banner.published_at)} by run {_e(banner.run_id)}; "
        f"report built {_e(banner.built_at.strftime('%Y-%m-%d %H:%M UTC'))}.</p>",
        "</header>",
        "<nav>",
        *(f'<a href="#{_e(section.key)}">{_e(section.title)}</a>' for section in sections),
        "</nav>",
        "<main>",
        *(_section(section) for section in sections),
        "</main>",
        "<footer>Built only from the published analytics file (read-only). Percentages are "
        "of the stated base; returns are price returns; RS-ratio and RS-momentum are "
        "centred on 100.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _section(section: Section) -> str:
    panels = "\n".join(_panel(panel) for panel in section.panels)
    return (
        f'<section id="{_e(section.key)}" data-section="{_e(section.key)}">'
        f"<h2>{_e(section.title)}</h2>"
        f'<p class="summary">{_e(section.summary)}</p>'
        f'<div class="panels">{panels}</div>'
        "</section>"
    )


def _panel(panel: Panel) -> str:
    parts = [f'<div class="panel"><h3>{_e(panel.title)}</h3>']
    if panel.no_data:
        parts.append(f'<div class="no-data" data-no-data>No data: {_e(panel.no_data)}</div>')
    if panel.callout:
        key = f' data-callout="{_e(panel.callout_key)}"' if panel.callout_key else ""
        parts.append(f'<div class="callout"{key}>{_e(panel.callout)}</div>')
    if panel.figures:
        parts.append('<dl class="figures">')
        for figure in panel.figures:
            tone = f' class="{_e(figure.tone)}"' if figure.tone else ""
            parts.append(
                f'<div data-figure="{_e(figure.key)}"><dt>{_e(figure.label)}</dt>'
                f"<dd{tone}>{_e(figure.value)}</dd></div>"
            )
        parts.append("</dl>")
    for chart in panel.charts:
        parts.append(
            f'<figure class="chart" data-chart="{_e(chart.key)}" aria-label="{_e(chart.title)}">'
            f"{chart.svg}</figure>"
        )
    for table in panel.tables:
        parts.append(_table(table))
    if panel.link:
        text, href = panel.link
        parts.append(f'<p><a href="{_e(href)}" data-link="{_e(text)}">{_e(text)}</a></p>')
    if panel.notes:
        parts.append('<ul class="notes">')
        parts.extend(f"<li>{_e(note)}</li>" for note in panel.notes)
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _table(table: Table) -> str:
    head = "".join(f"<th>{_e(column)}</th>" for column in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    caption = f"<caption>{_e(table.caption)}</caption>" if table.caption else ""
    return (
        f'<table data-table="{_e(table.key)}">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )
