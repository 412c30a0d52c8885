"""Charts as inline SVG: Altair (Vega-Lite) specs rendered by vl-convert, no browser needed.

Each chart becomes one ``<svg>`` element that is embedded in the page as is, so it is checked
here: it must parse as XML and hold no script. Vega names clip paths and gradients ``clip1``,
``gradient_...`` in every SVG it writes; several SVGs inline in one HTML document would share
those ids (and clip each other's marks), so each chart's ids get a prefix of their own.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ElementTree

import altair as alt
import pandas as pd
import vl_convert

from orchestration.report.page import Chart

QUADRANT_COLOURS = {
    "leading": "#2e7d32",
    "weakening": "#c9a100",
    "lagging": "#c62828",
    "improving": "#1565c0",
}
QUADRANT_ORDER = ["leading", "weakening", "lagging", "improving"]
# Vega measures text to lay out axes and legends: with the font the browser will draw in, long
# labels are not clipped (Debian's Chromium draws sans-serif text in DejaVu Sans).
FONT = "DejaVu Sans"
WIDTH = 560
HEIGHT = 260

_VEGA_LITE_VERSION = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
_chart_numbers = itertools.count(1)
_ID = re.compile(r'\bid="([^"]+)"')


class ChartError(RuntimeError):
    """A chart could not be rendered to a safe SVG."""


def render(key: str, title: str, chart: alt.TopLevelMixin) -> Chart:
    """Render an Altair chart to a :class:`Chart` holding a checked, uniquely-identified SVG."""
    if title:
        chart = chart.properties(title=title)
    spec = chart.configure(font=FONT).to_dict()
    try:
        svg = vl_convert.vegalite_to_svg(spec, vl_version=_VEGA_LITE_VERSION)
    except Exception as error:  # vl-convert raises plain ValueError/RuntimeError
        raise ChartError(f"chart {key!r} could not be rendered: {error}") from error
    svg = _prefix_ids(svg, f"{_safe(key)}-{next(_chart_numbers)}")
    _check_svg(key, svg)
    return Chart(key=key, title=title, svg=svg)


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(_ID.findall(svg))
    for identifier in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{identifier}"
        svg = svg.replace(f'id="{identifier}"', f'id="{new}"')
        svg = svg.replace(f"url(#{identifier})", f"url(#{new})")
        svg = svg.replace(f'href="#{identifier}"', f'href="#{new}"')
    return svg


def _check_svg(key: str, svg: str) -> None:
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as error:
        raise ChartError(f"chart {key!r} is not well-formed SVG: {error}") from error
    if not root.tag.endswith("svg"):
        raise ChartError(f"chart {key!r} rendered a <{root.tag}>, not an <svg>")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in {"script", "foreignobject"} or any(
            name.lower().startswith("on") for name in element.attrib
        ):
            raise ChartError(f"chart {key!r} holds active content (<{tag}>)")


def _plain(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Only the columns a chart encodes: other columns (dates, decimals) need not be JSON."""
    return frame.loc[:, list(dict.fromkeys(columns))].copy()


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """ISO date strings: what Vega-Lite parses as dates, whatever pandas' date type."""
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return frame


# --- rotation ---------------------------------------------------------------------------------


def rrg(tails: pd.DataFrame) -> alt.LayerChart:
    """Relative Rotation Graph: RS-ratio (x) vs RS-momentum (y), quadrants shaded, weekly tails.

    ``tails``: trade_date, symbol, sector, rs_ratio, rs_momentum, rrg_quadrant, is_head.
    """
    tails = _dates(
        _plain(tails, "trade_date", "symbol", "rs_ratio", "rs_momentum", "rrg_quadrant", "is_head"),
        "trade_date",
    )
    span = max(
        2.0,
        float((tails["rs_ratio"] - 100).abs().max()),
        float((tails["rs_momentum"] - 100).abs().max()),
    )
    low, high = 100 - span * 1.12, 100 + span * 1.12
    quadrants = pd.DataFrame(
        [
            {"quadrant": "leading", "x": 100, "x2": high, "y": 100, "y2": high},
            {"quadrant": "weakening", "x": 100, "x2": high, "y": low, "y2": 100},
            {"quadrant": "lagging", "x": low, "x2": 100, "y": low, "y2": 100},
            {"quadrant": "improving", "x": low, "x2": 100, "y": 100, "y2": high},
        ]
    )
    quadrant_scale = alt.Scale(
        domain=QUADRANT_ORDER, range=[QUADRANT_COLOURS[q] for q in QUADRANT_ORDER]
    )
    colour = alt.Color(
        "quadrant:N",
        scale=quadrant_scale,
        legend=alt.Legend(title="Quadrant", orient="right"),
    )
    x_scale = alt.Scale(domain=[low, high], nice=False, zero=False)
    y_scale = alt.Scale(domain=[low, high], nice=False, zero=False)
    shading = (
        alt.Chart(quadrants)
        .mark_rect(opacity=0.10)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title="RS-ratio (relative strength vs SPY, 100 = par)"),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, title="RS-momentum (100 = flat)"),
            y2="y2:Q",
            color=colour,
        )
    )
    inset = span * 0.55
    labels = (
        alt.Chart(
            pd.DataFrame(
                [
                    {"quadrant": "leading", "x": 100 + inset, "y": high - span * 0.08},
                    {"quadrant": "weakening", "x": 100 + inset, "y": low + span * 0.08},
                    {"quadrant": "lagging", "x": 100 - inset, "y": low + span * 0.08},
                    {"quadrant": "improving", "x": 100 - inset, "y": high - span * 0.08},
                ]
            )
        )
        .mark_text(fontSize=12, fontWeight="bold", opacity=0.55)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            text=alt.Text("quadrant:N"),
            color=alt.Color("quadrant:N", scale=quadrant_scale, legend=None),
        )
    )
    rows = tails.assign(quadrant=tails["rrg_quadrant"])
    base = alt.Chart(rows).encode(
        x=alt.X("rs_ratio:Q", scale=x_scale),
        y=alt.Y("rs_momentum:Q", scale=y_scale),
    )
    lines = base.mark_line(strokeWidth=1.3, opacity=0.7, color="#6b7280").encode(
        detail="symbol:N", order="trade_date:T"
    )
    dots = base.mark_circle(size=18, opacity=0.6, color="#6b7280")
    heads = (
        base.transform_filter(alt.datum.is_head)
        .mark_circle(size=110, opacity=1, stroke="#fff", strokeWidth=1)
        .encode(color=colour)
    )
    names = (
        base.transform_filter(alt.datum.is_head)
        .mark_text(dx=9, align="left", fontSize=11, fontWeight="bold")
        .encode(text="symbol:N")
    )
    centre = alt.Chart(pd.DataFrame({"v": [100]}))
    rules = centre.mark_rule(color="#9aa1ad").encode(
        x=alt.X("v:Q", scale=x_scale)
    ) + centre.mark_rule(color="#9aa1ad").encode(y=alt.Y("v:Q", scale=y_scale))
    return (shading + labels + rules + lines + dots + heads + names).properties(
        width=WIDTH - 80, height=WIDTH - 120
    )


def returns_heatmap(returns: pd.DataFrame, horizons: list[str]) -> alt.LayerChart:
    """Sector x horizon heatmap of returns; ``returns``: sector, horizon, return (fraction)."""
    returns = _plain(returns, "sector", "order", "horizon", "return")
    limit = max(0.01, float(returns["return"].abs().max()))
    base = alt.Chart(returns).encode(
        x=alt.X("horizon:N", sort=horizons, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("sector:N", sort=alt.SortField("order"), title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "return:Q",
            scale=alt.Scale(scheme="redyellowgreen", domain=[-limit, limit]),
            legend=alt.Legend(title="Return", format="%"),
        )
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text("return:Q", format="+.1%"))
    return (cells + text).properties(width=WIDTH - 200, height=300)


# --- generic shapes ---------------------------------------------------------------------------


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    y_title: str,
    y_format: str = "",
    zero_rule: float | None = None,
    height: int = HEIGHT,
    legend_title: str = "",
    x_type: str = "T",
    x_format: str = "",
) -> alt.LayerChart | alt.Chart:
    frame = _plain(frame, x, y, series)
    frame = _dates(frame, x) if x_type == "T" else frame
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    chart = (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.6)
        .encode(
            x=alt.X(
                f"{x}:{x_type}",
                title=None,
                axis=alt.Axis(format=x_format) if x_format else alt.Axis(),
            ),
            y=alt.Y(f"{y}:Q", title=y_title, axis=axis, scale=alt.Scale(zero=False)),
            color=alt.Color(
                f"{series}:N",
                legend=alt.Legend(title=legend_title or None, orient="bottom", columns=3),
            ),
        )
        .properties(width=WIDTH - 60, height=height)
    )
    if zero_rule is not None:
        rule = (
            alt.Chart(pd.DataFrame({"v": [zero_rule]})).mark_rule(color="#9aa1ad").encode(y="v:Q")
        )
        return chart + rule
    return chart


def bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    y_title: str,
    y_format: str = "",
    colour: str | None = None,
    x_sort: list[str] | None = None,
    horizontal: bool = False,
    height: int = HEIGHT,
    legend_title: str = "",
    stack: bool = True,
    fixed_colour: str | None = None,
    colours: dict[str, str] | None = None,
    whole_numbers: bool = False,
) -> alt.Chart:
    frame = _plain(frame, x, y, *([colour] if colour else []))
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    if whole_numbers:
        axis = alt.Axis(format="d", tickMinStep=1)
    category = alt.X(f"{x}:N", sort=x_sort, title=None, axis=alt.Axis(labelAngle=-40))
    value = alt.Y(f"{y}:Q", title=y_title, axis=axis, stack=True if stack else None)
    if horizontal:
        category = alt.Y(f"{x}:N", sort=x_sort, title=None)
        value = alt.X(f"{y}:Q", title=y_title, axis=axis, stack=True if stack else None)
    encoding = {"x": category, "y": value} if not horizontal else {"y": category, "x": value}
    if colour:
        scale = (
            alt.Scale(domain=list(colours), range=list(colours.values()))
            if colours
            else alt.Undefined
        )
        encoding["color"] = alt.Color(
            f"{colour}:N",
            scale=scale,
            legend=alt.Legend(title=legend_title or None, orient="bottom"),
        )
        if not stack and horizontal:
            encoding["yOffset"] = alt.YOffset(f"{colour}:N")
        elif not stack:
            encoding["xOffset"] = alt.XOffset(f"{colour}:N")
    elif fixed_colour:
        encoding["color"] = alt.value(fixed_colour)
    else:
        encoding["color"] = alt.condition(
            alt.datum[y] >= 0, alt.value("#2e7d32"), alt.value("#c62828")
        )
    return (
        alt.Chart(frame).mark_bar().encode(**encoding).properties(width=WIDTH - 60, height=height)
    )


def small_multiples(
    frame: pd.DataFrame, *, x: str, y: str, panel: str, series: str, columns: int = 3
) -> alt.FacetChart:
    """One small line chart per ``panel`` value, each with its own y scale."""
    frame = _dates(_plain(frame, x, y, panel, series), x)
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.4)
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=alt.Axis(format="%Y", tickCount=5)),
            y=alt.Y(f"{y}:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{series}:N", legend=alt.Legend(title=None, orient="bottom")),
        )
        .properties(width=(WIDTH * 2 - 140) // columns - 40, height=130)
        .facet(facet=alt.Facet(f"{panel}:N", title=None), columns=columns)
        .resolve_scale(y="independent")
    )
