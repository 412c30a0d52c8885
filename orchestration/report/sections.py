"""The report's sections, each read from the published marts: a chart and the figures that matter.

A section whose mart is missing from the published file, or empty, shows a "no data" panel
saying which table; any other error is a bug and is raised.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.report import charts
from orchestration.report.page import Figure, Panel, Section, Table

HORIZONS = {
    "1w": "return_1w",
    "1m": "return_1m",
    "3m": "return_3m",
    "6m": "return_6m",
    "12m": "return_12m",
}
STYLE_PAIRS = {
    "small_vs_large": "Small vs large (IWM/SPY)",
    "equal_vs_cap_weight": "Equal vs cap weight (RSP/SPY)",
    "value_vs_growth": "Value vs growth (IWD/IWF)",
    "cyclical_vs_defensive": "Cyclical vs defensive sectors",
    "dow_vs_nasdaq": "Dow vs Nasdaq (DIA/QQQ)",
}
# (index symbol in fct_index_milestones, breadth universe, display name)
INDEX_BREADTH = [("^GSPC", "sp500", "S&P 500"), ("^RUT", "r2000", "Russell 2000")]
WEAK_BREADTH_PCT = 50.0  # below half the members above their 200-day average
SESSIONS_PER_YEAR = 252
UNIVERSE_NAMES = {"sp500": "S&P 500", "r2000": "Russell 2000"}


class MissingMart(LookupError):
    """A table the section needs is not in the published file, or has no rows."""


@dataclass
class Marts:
    """Read access to the published file's tables, knowing which exist and how many rows."""

    connection: duckdb.DuckDBPyConnection
    row_counts: dict[str, int]

    @classmethod
    def open(cls, connection: duckdb.DuckDBPyConnection) -> Marts:
        tables = connection.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database() "
            "union all select schema_name || '.' || view_name from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall()
        counts = {
            name: connection.execute(f"select count(*) from {name}").fetchone()[0]
            for (name,) in tables
        }
        return cls(connection, counts)

    def require(self, *tables: str) -> None:
        for table in tables:
            if table not in self.row_counts:
                raise MissingMart(f"{table} is not in the published file")
            if self.row_counts[table] == 0:
                raise MissingMart(f"{table} has no rows")

    def has(self, table: str) -> bool:
        return self.row_counts.get(table, 0) > 0

    def frame(self, sql: str, parameters: Iterable[object] = ()) -> pd.DataFrame:
        return self.connection.execute(sql, list(parameters)).df()


@dataclass(frozen=True)
class Context:
    data_date: date | None
    built_on: date
    report_dir: Path
    data_docs_index: Path | None


# --- formatting -------------------------------------------------------------------------------


def missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def pct(fraction: object, digits: int = 1, signed: bool = True) -> str:
    """A decimal fraction as a percentage: 0.1234 -> '+12.3%'."""
    if missing(fraction):
        return "n/a"
    return f"{float(fraction) * 100:{'+' if signed else ''}.{digits}f}%"


def percent(value: object, digits: int = 1) -> str:
    """A value already in percent: 83.47 -> '83.5%'."""
    return "n/a" if missing(value) else f"{float(value):.{digits}f}%"


def number(value: object, digits: int = 0, signed: bool = False) -> str:
    if missing(value):
        return "n/a"
    return f"{float(value):{'+' if signed else ''},.{digits}f}"


def billions(usd: object) -> str:
    return "n/a" if missing(usd) else f"${float(usd) / 1e9:,.1f}B"


def day(value: object) -> str:
    return "n/a" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def tone(value: object) -> str:
    if missing(value) or float(value) == 0:
        return ""
    return "good" if float(value) > 0 else "bad"


def label(identifier: str) -> str:
    return identifier.replace("_", " ").capitalize()


def universe_name(universe: str) -> str:
    return UNIVERSE_NAMES.get(universe, universe)


def with_names(frame: pd.DataFrame) -> pd.Series:
    return frame["universe"].map(universe_name)


# --- sections ---------------------------------------------------------------------------------


def build_sections(marts: Marts, context: Context) -> list[Section]:
    return [
        _section(
            "rotation",
            "Sector rotation",
            "Relative strength of the 11 sector funds against SPY: where each sits on the "
            "rotation graph and what it returned.",
            [_rrg_panel, _returns_panel],
            marts,
            context,
        ),
        _section(
            "spreads",
            "Style and theme spreads",
            "Is leadership moving from mega-cap growth to small caps, equal weight, value and "
            "cyclicals? And how are the AI-infrastructure baskets doing against SPY?",
            [_style_panel, _theme_panel],
            marts,
            context,
        ),
        _section(
            "breadth",
            "Breadth",
            "How many stocks take part in the move: point-in-time index members only.",
            [_participation_panel, _advance_decline_panel, _highs_lows_panel, _concentration_panel],
            marts,
            context,
        ),
        _section(
            "milestones",
            "Index milestones",
            "Records, drawdowns from the peak, round-number crossings and Russell 2000 breakouts.",
            [_milestones_panel],
            marts,
            context,
        ),
        _section(
            "macro",
            "Macro",
            "Rates and the curve, jobs, sentiment, the dollar and credit, as known on the data "
            "date; first releases beside revised values.",
            [_macro_panel, _releases_panel],
            marts,
            context,
        ),
        _section(
            "capex",
            "Hyperscaler capex",
            "What Amazon, Alphabet, Meta and Microsoft spend on property and equipment, from "
            "their SEC filings, against revenue and against their own guidance.",
            [_capex_panel, _capex_intensity_panel, _guidance_panel],
            marts,
            context,
        ),
        _section(
            "earnings",
            "Earnings expectations",
            "Expected EPS growth for the S&P 500 and the Russell 2000, and how estimates are "
            "being revised.",
            [_earnings_panel, _revisions_panel],
            marts,
            context,
        ),
        _section(
            "quality",
            "Data quality",
            "The last publish, the checks that guard it, and how fresh each source is.",
            [_publish_panel, _checks_panel, _freshness_panel],
            marts,
            context,
        ),
    ]


PanelBuilder = Callable[[Marts, Context], Panel]


def _section(
    key: str,
    title: str,
    summary: str,
    builders: list[PanelBuilder],
    marts: Marts,
    context: Context,
) -> Section:
    panels = []
    for builder in builders:
        try:
            panels.append(builder(marts, context))
        except MissingMart as reason:
            title_text = (builder.__doc__ or builder.__name__).strip().splitlines()[0]
            panels.append(Panel(title=title_text, no_data=str(reason)))
    return Section(key=key, title=title, summary=summary, panels=panels)


def _on_or_before(context: Context) -> date:
    return context.data_date or date.max


# --- rotation ---------------------------------------------------------------------------------

ROTATION = "marts.fct_sector_rotation_daily"


def _rotation_latest(marts: Marts, context: Context) -> pd.DataFrame:
    marts.require(ROTATION)
    frame = marts.frame(
        f"select * from {ROTATION} where trade_date = "
        f"(select max(trade_date) from {ROTATION} where trade_date <= ?) order by rank_1m",
        [_on_or_before(context)],
    )
    if frame.empty:
        raise MissingMart(f"{ROTATION} has no rows on or before the data date")
    return frame


def quadrant_counts(latest: pd.DataFrame) -> dict[str, int]:
    counts = latest["rrg_quadrant"].value_counts()
    return {quadrant: int(counts.get(quadrant, 0)) for quadrant in charts.QUADRANT_ORDER}


def _rrg_panel(marts: Marts, context: Context) -> Panel:
    """Relative Rotation Graph"""
    latest = _rotation_latest(marts, context)
    as_of = latest["trade_date"].iloc[0]
    tails = marts.frame(
        f"""
        with recent as (
            select
                trade_date, sector, symbol, rs_ratio, rs_momentum, rrg_quadrant,
                row_number() over (
                    partition by symbol, date_trunc('week', trade_date) order by trade_date desc
                ) as nth_in_week
            from {ROTATION}
            where trade_date > ?::date - interval 70 day and trade_date <= ?
                and rs_ratio is not null and rs_momentum is not null
        ),
        weekly as (
            select *, row_number() over (partition by symbol order by trade_date desc) as weeks_back
            from recent
            where nth_in_week = 1
        )
        select trade_date, sector, symbol, rs_ratio, rs_momentum, rrg_quadrant,
            trade_date = ? as is_head
        from weekly
        where weeks_back <= 8
        order by symbol, trade_date
        """,
        [as_of, as_of, as_of],
    )
    counts = quadrant_counts(latest)
    month_ago = marts.frame(
        f"select symbol, rrg_quadrant from {ROTATION} where trade_date = "
        f"(select max(trade_date) from {ROTATION} where trade_date <= ?::date - interval 28 day)",
        [as_of],
    )
    before = dict(zip(month_ago["symbol"], month_ago["rrg_quadrant"], strict=True))
    entered_leading = [
        row.symbol
        for row in latest.itertuples()
        if row.rrg_quadrant == "leading" and before.get(row.symbol) not in (None, "leading")
    ]
    strongest = latest.sort_values("rs_ratio", ascending=False).iloc[0]
    figures = [
        Figure(f"rrg-{quadrant}", label(quadrant), str(counts[quadrant]))
        for quadrant in charts.QUADRANT_ORDER
    ]
    figures += [
        Figure("rrg-strongest", "Highest RS-ratio", f"{strongest.symbol} {strongest.rs_ratio:.1f}"),
        Figure(
            "rrg-entered-leading",
            "Into leading in 4 weeks",
            ", ".join(entered_leading) if entered_leading else "none",
        ),
    ]
    table = Table(
        key="rotation",
        columns=["Sector", "Fund", "Quadrant", "RS-ratio", "RS-momentum", "1m rank (change)"],
        rows=[
            [
                row.sector,
                row.symbol,
                row.rrg_quadrant or "n/a",
                number(row.rs_ratio, 2),
                number(row.rs_momentum, 2),
                f"{row.rank_1m} ({number(row.rank_change_1m, signed=True)})",
            ]
            for row in latest.sort_values("rs_ratio", ascending=False).itertuples()
        ],
        caption=f"On {day(as_of)}, strongest relative strength first.",
    )
    return Panel(
        title=f"Relative Rotation Graph on {day(as_of)}",
        charts=[charts.render("rrg", "Sectors vs SPY, weekly tails (8 weeks)", charts.rrg(tails))],
        figures=figures,
        tables=[table],
        notes=[
            "Leading: strong and strengthening; weakening: strong but fading; lagging: weak and "
            "weakening; improving: weak but recovering. Sectors usually rotate clockwise.",
        ],
    )


def _returns_panel(marts: Marts, context: Context) -> Panel:
    """Sector returns"""
    latest = _rotation_latest(marts, context)
    as_of = latest["trade_date"].iloc[0]
    ordered = latest.sort_values("return_3m", ascending=False).reset_index(drop=True)
    long = pd.DataFrame(
        [
            {
                "sector": f"{row['sector']} ({row['symbol']})",
                "order": position,
                "horizon": horizon,
                "return": row[column],
            }
            for position, row in ordered.iterrows()
            for horizon, column in HORIZONS.items()
        ]
    ).dropna(subset=["return"])
    best = ordered.iloc[0]
    worst = ordered.iloc[-1]
    return Panel(
        title=f"Sector returns to {day(as_of)}",
        charts=[
            charts.render(
                "sector-returns",
                "Price returns by horizon (sorted by 3 months)",
                charts.returns_heatmap(long, list(HORIZONS)),
            )
        ],
        figures=[
            Figure("returns-best-3m", "Best 3m", f"{best.symbol} {pct(best.return_3m)}", "good"),
            Figure("returns-worst-3m", "Worst 3m", f"{worst.symbol} {pct(worst.return_3m)}", "bad"),
            Figure(
                "returns-positive-1m",
                "Sectors up over 1m",
                f"{int((latest['return_1m'] > 0).sum())} of {len(latest)}",
            ),
        ],
    )


# --- style and themes -------------------------------------------------------------------------

STYLE = "marts.fct_style_spreads_daily"
THEMES = "marts.fct_theme_rotation_daily"


def _last_year(marts: Marts, table: str, key: str, columns: str, context: Context) -> pd.DataFrame:
    return marts.frame(
        f"""
        select trade_date, {key}, {columns}
        from {table}
        where trade_date <= ? and trade_date > (
            select max(trade_date) from {table} where trade_date <= ?
        ) - interval 365 day
        order by {key}, trade_date
        """,
        [_on_or_before(context), _on_or_before(context)],
    )


def rebased(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """``column`` as 100 x value / first value of its ``key`` group (frame sorted by date)."""
    first = frame.groupby(key)[column].transform("first")
    return 100 * frame[column] / first


def _style_panel(marts: Marts, context: Context) -> Panel:
    """Style spreads"""
    marts.require(STYLE)
    history = _last_year(
        marts, STYLE, "pair", "ratio, spread_1m, spread_3m, ratio_zscore_1y", context
    )
    if history.empty:
        raise MissingMart(f"{STYLE} has no rows in the year to the data date")
    history = history.dropna(subset=["ratio"])
    history["rebased"] = rebased(history, "pair", "ratio")
    history["series"] = history["pair"].map(STYLE_PAIRS).fillna(history["pair"])
    latest = history.sort_values("trade_date").groupby("pair").tail(1).set_index("pair")
    figures = []
    for pair, name in STYLE_PAIRS.items():
        if pair not in latest.index:
            continue
        row = latest.loc[pair]
        figures.append(
            Figure(
                f"style-{pair}-3m", f"{name}, 3m spread", pct(row.spread_3m), tone(row.spread_3m)
            )
        )
    as_of = history["trade_date"].max()
    table = Table(
        key="style",
        columns=["Pair", "1m spread", "3m spread", "Ratio z-score (1y)"],
        rows=[
            [
                STYLE_PAIRS.get(pair, pair),
                pct(row.spread_1m),
                pct(row.spread_3m),
                number(row.ratio_zscore_1y, 2, signed=True),
            ]
            for pair, row in latest.iterrows()
        ],
        caption=f"On {day(as_of)}. Spread = numerator return minus denominator return.",
    )
    return Panel(
        title="Style spreads",
        charts=[
            charts.render(
                "style-spreads",
                "Ratio of each pair, rebased to 100 a year ago (rising = first leg leads)",
                charts.lines(
                    history,
                    x="trade_date",
                    y="rebased",
                    series="series",
                    y_title="Rebased ratio",
                    zero_rule=100,
                ),
            )
        ],
        figures=figures,
        tables=[table],
    )


def _theme_panel(marts: Marts, context: Context) -> Panel:
    """AI-theme baskets"""
    marts.require(THEMES)
    history = _last_year(
        marts, THEMES, "theme", "ratio_to_spy, relative_return_1m, relative_return_3m", context
    )
    if history.empty:
        raise MissingMart(f"{THEMES} has no rows in the year to the data date")
    latest = history.sort_values("trade_date").groupby("theme").tail(1)
    as_of = latest["trade_date"].max()
    bars = pd.concat(
        [
            latest.assign(horizon="1 month", relative=latest["relative_return_1m"]),
            latest.assign(horizon="3 months", relative=latest["relative_return_3m"]),
        ]
    )[["theme", "horizon", "relative"]].dropna()
    bars["theme"] = bars["theme"].map(label)
    ranked = latest.dropna(subset=["relative_return_3m"]).sort_values("relative_return_3m")
    figures = []
    if not ranked.empty:
        best, worst = ranked.iloc[-1], ranked.iloc[0]
        figures = [
            Figure(
                "theme-best-3m",
                "Best basket vs SPY, 3m",
                f"{label(best.theme)} {pct(best.relative_return_3m)}",
                tone(best.relative_return_3m),
            ),
            Figure(
                "theme-worst-3m",
                "Worst basket vs SPY, 3m",
                f"{label(worst.theme)} {pct(worst.relative_return_3m)}",
                tone(worst.relative_return_3m),
            ),
        ]
    order = [label(theme) for theme in ranked["theme"][::-1]]
    return Panel(
        title=f"Theme baskets against SPY on {day(as_of)}",
        charts=[
            charts.render(
                "theme-relative",
                "Basket return minus SPY return",
                charts.bars(
                    bars,
                    x="theme",
                    y="relative",
                    y_title="Relative return",
                    y_format="+.0%",
                    colour="horizon",
                    x_sort=order,
                    horizontal=True,
                    stack=False,
                ),
            )
        ],
        figures=figures,
    )


# --- breadth ----------------------------------------------------------------------------------

BREADTH = "marts.fct_market_breadth_daily"
CONCENTRATION = "marts.fct_index_concentration_daily"
MILESTONES = "marts.fct_index_milestones"


def _breadth_history(marts: Marts, context: Context, sessions: int) -> pd.DataFrame:
    marts.require(BREADTH)
    frame = marts.frame(
        f"""
        select *
        from {BREADTH}
        where gics_sector is null and trade_date <= ?
        qualify row_number() over (partition by universe order by trade_date desc) <= ?
        order by universe, trade_date
        """,
        [_on_or_before(context), sessions],
    )
    if frame.empty:
        raise MissingMart(f"{BREADTH} has no rows on or before the data date")
    return frame


def breadth_on_data_date(marts: Marts, context: Context) -> pd.DataFrame:
    history = _breadth_history(marts, context, 1)
    return history.set_index("universe")


def divergences(marts: Marts, context: Context) -> pd.DataFrame:
    """Record closes of an index on weak breadth (under half the members above the 200-day
    average) in the year to the data date: index, universe, trade_date, close, pct_above_200d."""
    marts.require(BREADTH, MILESTONES)
    pairs = " union all ".join(
        f"select '{symbol}' as index_symbol, '{universe}' as universe, '{name}' as index_name"
        for symbol, universe, name in INDEX_BREADTH
    )
    return marts.frame(
        f"""
        with pairs as ({pairs})
        select
            pairs.index_name, milestones.trade_date, milestones.close, breadth.pct_above_200d,
            pairs.universe
        from pairs
        join {MILESTONES} as milestones on milestones.index_symbol = pairs.index_symbol
        join {BREADTH} as breadth
            on breadth.universe = pairs.universe and breadth.trade_date = milestones.trade_date
        where milestones.is_all_time_high
            and milestones.trade_date <= ? and milestones.trade_date > ?::date - interval 365 day
        order by pairs.universe, milestones.trade_date
        """,
        [_on_or_before(context), context.data_date or date.max],
    )


def _participation_panel(marts: Marts, context: Context) -> Panel:
    """Participation"""
    history = _breadth_history(marts, context, 2 * SESSIONS_PER_YEAR)
    latest = history.groupby("universe").tail(1).set_index("universe")
    as_of = history["trade_date"].max()
    long = pd.concat(
        [
            history.assign(
                series=with_names(history) + " % above 200-day", value=history["pct_above_200d"]
            ),
            history.assign(
                series=with_names(history) + " % above 50-day", value=history["pct_above_50d"]
            ),
        ]
    )[["trade_date", "series", "value"]].dropna()
    figures = []
    for universe, row in latest.iterrows():
        name = universe_name(universe)
        figures += [
            Figure(
                f"breadth-{universe}-pct-above-200d",
                f"{name} above 200-day",
                percent(row.pct_above_200d),
            ),
            Figure(
                f"breadth-{universe}-pct-above-50d",
                f"{name} above 50-day",
                percent(row.pct_above_50d),
            ),
        ]
    panel = Panel(
        title=f"Members above their moving averages, to {day(as_of)}",
        charts=[
            charts.render(
                "breadth-participation",
                "Share of members above their 50- and 200-day averages (%)",
                charts.lines(
                    long, x="trade_date", y="value", series="series", y_title="%", zero_rule=50
                ),
            )
        ],
        figures=figures,
    )
    low_coverage = [universe_name(u) for u, row in latest.iterrows() if bool(row.is_low_coverage)]
    if low_coverage:
        panel.notes.append(
            f"Coverage under 95% of members on {day(as_of)} for {', '.join(low_coverage)}: "
            "read those figures with care."
        )
    if marts.has(MILESTONES):
        records = divergences(marts, context)
        weak = records[records["pct_above_200d"] < WEAK_BREADTH_PCT]
        today = weak[weak["trade_date"] == pd.Timestamp(as_of)]
        panel.figures.append(
            Figure("divergence-days", "Records on weak breadth, 12m", str(len(weak)))
        )
        if not today.empty:
            row = today.iloc[0]
            panel.callout_key = "divergence"
            panel.callout = (
                f"Divergence: the {row.index_name} closed at a record on {day(row.trade_date)} "
                f"with only {percent(row.pct_above_200d)} of its members above their 200-day "
                "average. A rally carried by few stocks is fragile."
            )
        elif not weak.empty:
            row = weak.iloc[-1]
            panel.callout_key = "divergence"
            panel.callout = (
                f"Divergence in the last 12 months: {len(weak)} record close(s) on weak breadth "
                f"(under {WEAK_BREADTH_PCT:.0f}% of members above their 200-day average), the "
                f"latest the {row.index_name} on {day(row.trade_date)} at "
                f"{percent(row.pct_above_200d)}."
            )
        elif not records.empty:
            lowest = records.sort_values("pct_above_200d").iloc[0]
            panel.notes.append(
                f"No divergence: on every record close of the last 12 months ({len(records)}) "
                f"at least {WEAK_BREADTH_PCT:.0f}% of members were above their 200-day average "
                f"(lowest {percent(lowest.pct_above_200d)}, {lowest.index_name} on "
                f"{day(lowest.trade_date)})."
            )
        else:
            panel.notes.append("No record close in the last 12 months: no divergence to test.")
    return panel


def _advance_decline_panel(marts: Marts, context: Context) -> Panel:
    """Advance/decline line and McClellan oscillator"""
    history = _breadth_history(marts, context, SESSIONS_PER_YEAR)
    latest = history.groupby("universe").tail(1).set_index("universe")
    ad = history.assign(series=with_names(history))[["trade_date", "series", "ad_line"]]
    oscillator = history[
        history["trade_date"] > history["trade_date"].max() - pd.Timedelta(days=182)
    ]
    oscillator = oscillator.assign(series=with_names(oscillator))
    figures = []
    for universe, row in latest.iterrows():
        name = universe_name(universe)
        figures += [
            Figure(
                f"breadth-{universe}-advancers",
                f"{name} advancers / decliners",
                f"{row.advancers} / {row.decliners}",
            ),
            Figure(
                f"breadth-{universe}-mcclellan",
                f"{name} McClellan",
                number(row.mcclellan_oscillator, 1, signed=True),
                tone(row.mcclellan_oscillator),
            ),
        ]
    return Panel(
        title="Advance/decline",
        charts=[
            charts.render(
                "breadth-ad-line",
                "Advance/decline line (cumulative net advances), last 12 months",
                charts.lines(
                    ad,
                    x="trade_date",
                    y="ad_line",
                    series="series",
                    y_title="Net advances, cumulative",
                ),
            ),
            charts.render(
                "breadth-mcclellan",
                "McClellan oscillator (19- minus 39-session EMA of net advances), 6 months",
                charts.lines(
                    oscillator,
                    x="trade_date",
                    y="mcclellan_oscillator",
                    series="series",
                    y_title="Stocks",
                    zero_rule=0,
                    height=200,
                ),
            ),
        ],
        figures=figures,
    )


def _highs_lows_panel(marts: Marts, context: Context) -> Panel:
    """New highs and new lows"""
    history = _breadth_history(marts, context, SESSIONS_PER_YEAR)
    latest = history.groupby("universe").tail(1).set_index("universe")
    long = pd.concat(
        [
            history.assign(
                series=with_names(history) + " new 52-week highs", value=history["new_52w_highs"]
            ),
            history.assign(
                series=with_names(history) + " new 52-week lows", value=-history["new_52w_lows"]
            ),
        ]
    )[["trade_date", "series", "value"]].dropna()
    figures = [
        Figure(
            f"breadth-{universe}-highs-lows",
            f"{universe_name(universe)} new highs / lows",
            f"{row.new_52w_highs} / {row.new_52w_lows}",
        )
        for universe, row in latest.iterrows()
    ]
    return Panel(
        title="New 52-week highs vs new lows",
        charts=[
            charts.render(
                "breadth-highs-lows",
                "Members at a 52-week high (up) and low (down), last 12 months",
                charts.lines(
                    long, x="trade_date", y="value", series="series", y_title="Members", zero_rule=0
                ),
            )
        ],
        figures=figures,
    )


def _concentration_panel(marts: Marts, context: Context) -> Panel:
    """Concentration"""
    marts.require(CONCENTRATION)
    history = marts.frame(
        f"""
        select trade_date, universe, top10_weight_pct, effective_constituents,
            equal_weight_level, cap_weight_level
        from {CONCENTRATION}
        where gics_sector is null and trade_date <= ?
        qualify row_number() over (partition by universe order by trade_date desc) <= ?
        order by universe, trade_date
        """,
        [_on_or_before(context), 2 * SESSIONS_PER_YEAR],
    )
    if history.empty:
        raise MissingMart(f"{CONCENTRATION} has no rows on or before the data date")
    latest = history.groupby("universe").tail(1).set_index("universe")
    long = history.assign(series=with_names(history))
    figures = []
    for universe, row in latest.iterrows():
        name = universe_name(universe)
        figures += [
            Figure(
                f"concentration-{universe}-top10",
                f"{name} top-10 weight",
                percent(row.top10_weight_pct),
            ),
            Figure(
                f"concentration-{universe}-effective",
                f"{name} effective members",
                number(row.effective_constituents),
            ),
        ]
    return Panel(
        title="Concentration",
        charts=[
            charts.render(
                "concentration-top10",
                "Weight of the 10 largest members (%)",
                charts.lines(
                    long,
                    x="trade_date",
                    y="top10_weight_pct",
                    series="series",
                    y_title="%",
                    height=200,
                ),
            )
        ],
        figures=figures,
        notes=[
            "Effective members = 1 / Herfindahl index of the weights: how many equal "
            "weights would give the same concentration."
        ],
    )


# --- milestones -------------------------------------------------------------------------------


def breakouts(closes: pd.DataFrame, gap_sessions: int = SESSIONS_PER_YEAR) -> list[pd.Timestamp]:
    """Record closes that came after at least ``gap_sessions`` sessions without one."""
    found = []
    last_record: int | None = None
    for position, row in enumerate(closes.itertuples()):
        if row.is_all_time_high:
            if last_record is not None and position - last_record >= gap_sessions:
                found.append(row.trade_date)
            last_record = position
    return found


def _milestones_panel(marts: Marts, context: Context) -> Panel:
    """Index milestones"""
    marts.require(MILESTONES)
    history = marts.frame(
        f"select * from {MILESTONES} where trade_date <= ? order by index_symbol, trade_date",
        [_on_or_before(context)],
    )
    if history.empty:
        raise MissingMart(f"{MILESTONES} has no rows on or before the data date")
    latest = history.groupby("index_symbol").tail(1).set_index("index_symbol")
    names = latest["index_name"].to_dict()
    recent = history[
        history["trade_date"] > history["trade_date"].max() - pd.Timedelta(days=3 * 365)
    ]
    recent = recent.assign(series=recent["index_name"])
    figures = []
    for symbol, row in latest.iterrows():
        key = symbol.strip("^").lower()
        records = history[(history["index_symbol"] == symbol) & history["is_all_time_high"]]
        last_record = records["trade_date"].max() if not records.empty else None
        figures.append(
            Figure(
                f"milestone-{key}-drawdown",
                f"{row.index_name}: {number(row.close)}",
                "at a record"
                if row.is_all_time_high
                else f"{pct(row.drawdown_from_peak)} from record",
                "good" if row.is_all_time_high else tone(row.drawdown_from_peak),
            )
        )
        figures.append(
            Figure(
                f"milestone-{key}-last-record", f"{row.index_name} last record", day(last_record)
            )
        )
    dow = history[(history["index_symbol"] == "^DJI") & (history["close"] >= 50_000)]
    figures.append(
        Figure(
            "milestone-dow-50000",
            "Dow first close above 50,000",
            day(dow["trade_date"].min()) if not dow.empty else "not yet",
        )
    )
    russell = history[history["index_symbol"] == "^RUT"].reset_index(drop=True)
    russell_breakouts = breakouts(russell) if not russell.empty else []
    figures.append(
        Figure(
            "milestone-r2000-breakout",
            "Russell 2000 breakout (first record in 1y+)",
            day(russell_breakouts[-1]) if russell_breakouts else "none in the data",
        )
    )
    crossings = history.dropna(subset=["milestone_crossed"]).sort_values(
        "trade_date", ascending=False
    )
    table = Table(
        key="milestone-crossings",
        columns=["Date", "Index", "Crossed", "Close"],
        rows=[
            [
                day(row.trade_date),
                names.get(row.index_symbol, row.index_symbol),
                number(row.milestone_crossed),
                number(row.close),
            ]
            for row in crossings.head(12).itertuples()
        ],
        caption="Round-number crossings, most recent first.",
    )
    return Panel(
        title=f"Records and drawdowns to {day(history['trade_date'].max())}",
        charts=[
            charts.render(
                "milestones-drawdown",
                "Drawdown from the all-time high, last 3 years",
                charts.lines(
                    recent,
                    x="trade_date",
                    y="drawdown_from_peak",
                    series="series",
                    y_title="From peak",
                    y_format=".0%",
                    zero_rule=0,
                ),
            )
        ],
        figures=figures,
        tables=[table],
    )


# --- macro ------------------------------------------------------------------------------------

MACRO_MONTHLY = "marts.fct_macro_monthly"
MACRO_REGIME = "marts.fct_macro_regime_daily"
MACRO_ASOF = "marts.fct_macro_observations_asof"
MACRO_PANELS = [
    ("Rates (%)", "Fed funds", "fed_funds_effective"),
    ("Rates (%)", "2-year", "treasury_2y"),
    ("Rates (%)", "10-year", "treasury_10y"),
    ("Curve 10y-2y (pts)", "10y - 2y", "curve_10y_2y"),
    ("Unemployment (%)", "Unemployment", "unemployment_rate"),
    ("Sentiment (UMich)", "Sentiment", "umich_sentiment"),
    ("Dollar (broad index)", "Dollar", "dollar_index"),
    ("High-yield spread (%)", "HY spread", "hy_spread"),
]
RELEASE_SERIES = {
    "UNRATE": "Unemployment rate (%)",
    "PAYEMS": "Nonfarm payrolls (thousands)",
    "UMCSENT": "UMich sentiment",
    "RSAFS": "Retail sales ($ millions)",
    "CPIAUCSL": "CPI (index)",
    "GDP": "GDP ($ billions, SAAR)",
}


def _macro_panel(marts: Marts, context: Context) -> Panel:
    """Macro"""
    marts.require(MACRO_MONTHLY)
    columns = ", ".join(sorted({column for _, _, column in MACRO_PANELS}))
    monthly = marts.frame(
        f"select month_start, {columns} from {MACRO_MONTHLY} "
        "where month_start <= ? and month_start > ?::date - interval 5 year order by month_start",
        [_on_or_before(context), context.data_date or date.max],
    )
    if monthly.empty:
        raise MissingMart(f"{MACRO_MONTHLY} has no rows in the five years to the data date")
    long = pd.concat(
        [
            monthly.assign(panel=panel, series=series, value=monthly[column])
            for panel, series, column in MACRO_PANELS
        ]
    )[["month_start", "panel", "series", "value"]].dropna()
    figures = []
    if marts.has(MACRO_REGIME):
        regime = marts.frame(
            f"select * from {MACRO_REGIME} where trade_date <= ? order by trade_date desc limit 1",
            [_on_or_before(context)],
        )
        if not regime.empty:
            row = regime.iloc[0]
            figures += [
                Figure(
                    "macro-fed-funds",
                    f"Fed funds target ({row.policy_cycle or 'n/a'})",
                    f"{number(row.fed_funds_target_lower, 2)}-{number(row.fed_funds_target_upper, 2)}%",
                ),
                Figure(
                    "macro-curve",
                    f"10y-2y curve ({row.curve_state or 'n/a'}, {day(row.curve_observation_date)})",
                    f"{number(row.curve_10y_2y, 2, signed=True)} pts",
                ),
                Figure(
                    "macro-unemployment",
                    f"Unemployment ({day(row.unemployment_observation_date)})",
                    percent(row.unemployment_rate),
                    "bad" if row.sahm_triggered is True else "",
                ),
                Figure(
                    "macro-cpi",
                    f"CPI y/y ({day(row.cpi_observation_date)})",
                    percent(row.cpi_yoy_pct),
                ),
                Figure(
                    "macro-hy-spread",
                    "HY spread"
                    f"{' (stress)' if row.credit_stress is True else ''} ({day(row.hy_spread_observation_date)})",
                    percent(row.hy_spread, 2),
                    "bad" if row.credit_stress is True else "",
                ),
            ]
    for key, column, name, digits in (
        ("macro-sentiment", "umich_sentiment", "UMich sentiment", 1),
        ("macro-dollar", "dollar_index", "Dollar index", 1),
    ):
        known = monthly.dropna(subset=[column])
        if not known.empty:
            row = known.iloc[-1]
            figures.append(
                Figure(key, f"{name} ({row.month_start:%b %Y})", number(row[column], digits))
            )
    return Panel(
        title="Rates, jobs, sentiment, dollar and credit, monthly (5 years)",
        charts=[
            charts.render(
                "macro-monthly",
                "",
                charts.small_multiples(
                    long, x="month_start", y="value", panel="panel", series="series"
                ),
            )
        ],
        figures=figures,
        notes=[
            "Daily series are monthly means; latest figures are as known on the data date, "
            "with the date of the observation they rest on."
        ],
    )


def _releases_panel(marts: Marts, context: Context) -> Panel:
    """First release and revisions"""
    marts.require(MACRO_ASOF)
    ids = ", ".join(f"'{series}'" for series in RELEASE_SERIES)
    latest = marts.frame(
        f"""
        select series_id, observation_date, first_release_value, first_release_date,
            latest_value, latest_release_date, revision_from_first, vintage_count
        from {MACRO_ASOF}
        where series_id in ({ids}) and is_current and latest_value is not null
        qualify row_number() over (partition by series_id order by observation_date desc) = 1
        order by series_id
        """
    )
    if latest.empty:
        raise MissingMart(f"{MACRO_ASOF} has no current values of {', '.join(RELEASE_SERIES)}")
    history = marts.frame(
        f"""
        select series_id, observation_date, first_release_value, latest_value
        from {MACRO_ASOF}
        where series_id = 'PAYEMS' and is_current and observation_date > ?::date - interval 2 year
        order by observation_date
        """,
        [context.data_date or date.max],
    )
    history = history.assign(
        change_first=history["first_release_value"].diff(),
        change_latest=history["latest_value"].diff(),
    ).dropna()
    long = pd.concat(
        [
            history.assign(series="As first released", value=history["change_first"]),
            history.assign(series="As revised", value=history["change_latest"]),
        ]
    )[["observation_date", "series", "value"]]
    rows = [
        [
            RELEASE_SERIES[row.series_id],
            day(row.observation_date),
            number(row.first_release_value, 1),
            number(row.latest_value, 1),
            number(row.revision_from_first, 1, signed=True),
            str(row.vintage_count),
        ]
        for row in latest.itertuples()
    ]
    charts_ = []
    if not long.empty:
        charts_.append(
            charts.render(
                "macro-payrolls-revisions",
                "Monthly payroll change, first release vs revised (thousands)",
                charts.lines(
                    long,
                    x="observation_date",
                    y="value",
                    series="series",
                    y_title="Thousands",
                    zero_rule=0,
                    height=200,
                ),
            )
        )
    return Panel(
        title="Latest observations: first release and revised",
        charts=charts_,
        tables=[
            Table(
                key="macro-releases",
                columns=[
                    "Series",
                    "Observation",
                    "First release",
                    "Latest",
                    "Revision",
                    "Vintages",
                ],
                rows=rows,
                caption="The newest observation of each series, as first published and now.",
            )
        ],
    )


# --- capex ------------------------------------------------------------------------------------

HYPERSCALER = "marts.fct_hyperscaler_capex"
BY_COMPANY = "marts.fct_hyperscaler_capex_by_company"
CAPEX_QUARTERLY = "marts.fct_capex_quarterly"


def ttm_growth(quarters: pd.DataFrame) -> tuple[float | None, float | None]:
    """(TTM capex, TTM growth) from complete calendar quarters sorted by period: the last four
    against the four before them; None where there are not enough quarters."""
    values = quarters["capex_usd"].tolist()
    if len(values) < 4:
        return None, None
    current = sum(values[-4:])
    if len(values) < 8 or sum(values[-8:-4]) <= 0:
        return current, None
    return current, current / sum(values[-8:-4]) - 1


def _capex_panel(marts: Marts, context: Context) -> Panel:
    """Hyperscaler capex by quarter"""
    marts.require(HYPERSCALER, BY_COMPANY)
    quarters = marts.frame(
        f"select * from {HYPERSCALER} where period_type = 'quarter' and is_complete "
        "and period_end <= ? order by period_start",
        [_on_or_before(context)],
    )
    if quarters.empty:
        raise MissingMart(f"{HYPERSCALER} has no complete quarter")
    shown = quarters.tail(12)["period_label"].tolist()
    by_company = marts.frame(
        f"select period_label, ticker, capex_usd / 1e9 as capex_bn from {BY_COMPANY} "
        "where period_type = 'quarter' and capex_usd is not null order by period_label, ticker"
    )
    by_company = by_company[by_company["period_label"].isin(shown)]
    last = quarters.iloc[-1]
    ttm, growth = ttm_growth(quarters)
    figures = [
        Figure("capex-latest-quarter", f"Capex {last.period_label}", billions(last.capex_usd)),
        Figure(
            "capex-latest-yoy",
            f"{last.period_label} vs a year earlier",
            pct(last.capex_yoy_growth),
            tone(last.capex_yoy_growth),
        ),
        Figure("capex-ttm", "Trailing 4 quarters", billions(ttm)),
        Figure("capex-ttm-growth", "TTM growth", pct(growth), tone(growth)),
    ]
    year = (context.data_date or context.built_on).year
    guided = marts.frame(
        f"select ticker, guidance_midpoint_usd, capex_usd, quarters_reported from {BY_COMPANY} "
        "where period_type = 'year' and calendar_year = ? and guidance_midpoint_usd is not null",
        [year],
    )
    if not guided.empty:
        figures += [
            Figure(
                "capex-guidance-year",
                f"{year} guidance midpoint ({len(guided)} cos.)",
                billions(guided["guidance_midpoint_usd"].sum()),
            ),
            Figure(
                "capex-reported-year",
                f"{year} reported so far by the same",
                billions(guided["capex_usd"].sum()),
            ),
        ]
    return Panel(
        title="Hyperscaler capex by calendar quarter",
        charts=[
            charts.render(
                "capex-by-quarter",
                "Capex by company, last 12 complete quarters ($ billions)",
                charts.bars(
                    by_company,
                    x="period_label",
                    y="capex_bn",
                    y_title="$ billions",
                    colour="ticker",
                    x_sort=shown,
                ),
            )
        ],
        figures=figures,
        notes=["Fiscal quarters are mapped to the calendar quarter holding most of their days."],
    )


def _capex_intensity_panel(marts: Marts, context: Context) -> Panel:
    """Capex intensity"""
    marts.require(CAPEX_QUARTERLY, BY_COMPANY)
    frame = marts.frame(
        f"""
        select quarterly.ticker, quarterly.period_end, quarterly.capex_to_revenue,
            quarterly.capex_to_operating_cash_flow
        from {CAPEX_QUARTERLY} as quarterly
        where quarterly.ticker in (select distinct ticker from {BY_COMPANY})
            and quarterly.capex_to_revenue is not null and quarterly.period_end <= ?
            and quarterly.period_end > ?::date - interval 3 year
        order by quarterly.ticker, quarterly.period_end
        """,
        [_on_or_before(context), context.data_date or date.max],
    )
    if frame.empty:
        raise MissingMart(f"{CAPEX_QUARTERLY} has no capex/revenue for the hyperscalers")
    latest = frame.groupby("ticker").tail(1)
    return Panel(
        title="Capex as a share of revenue",
        charts=[
            charts.render(
                "capex-to-revenue",
                "Quarterly capex / revenue, last 3 years",
                charts.lines(
                    frame,
                    x="period_end",
                    y="capex_to_revenue",
                    series="ticker",
                    y_title="Capex / revenue",
                    y_format=".0%",
                ),
            )
        ],
        figures=[
            Figure(
                f"capex-to-revenue-{row.ticker.lower()}",
                f"{row.ticker} ({day(row.period_end)})",
                pct(row.capex_to_revenue, 0, signed=False),
            )
            for row in latest.itertuples()
        ],
    )


def _guidance_panel(marts: Marts, context: Context) -> Panel:
    """Guidance vs actual"""
    marts.require(BY_COMPANY)
    guided = marts.frame(
        f"""
        select calendar_year, ticker, guidance_low_usd, guidance_high_usd, guidance_midpoint_usd,
            guidance_basis, fiscal_year_actual_usd, actual_vs_guidance_midpoint, capex_usd
        from {BY_COMPANY}
        where period_type = 'year' and guidance_midpoint_usd is not null
        order by calendar_year desc, ticker
        """
    )
    if guided.empty:
        raise MissingMart(f"{BY_COMPANY} has no company with capex guidance")
    long = pd.concat(
        [
            guided.assign(measure="Guidance midpoint", value=guided["guidance_midpoint_usd"] / 1e9),
            guided.assign(
                measure="Reported (so far while the year is open)",
                value=guided["fiscal_year_actual_usd"].fillna(guided["capex_usd"]) / 1e9,
            ),
        ]
    ).dropna(subset=["value"])
    long["company_year"] = long["ticker"] + " " + long["calendar_year"].astype(str)
    order = sorted(long["company_year"].unique())
    rows = [
        [
            str(row.calendar_year),
            row.ticker,
            f"{billions(row.guidance_low_usd)}-{billions(row.guidance_high_usd)}",
            row.guidance_basis or "n/a",
            billions(row.fiscal_year_actual_usd)
            if not missing(row.fiscal_year_actual_usd)
            else f"{billions(row.capex_usd)} so far",
            pct(row.actual_vs_guidance_midpoint),
        ]
        for row in guided.itertuples()
    ]
    return Panel(
        title="Guidance vs actual",
        charts=[
            charts.render(
                "capex-guidance",
                "Capex guidance midpoint vs the fiscal year as reported ($ billions)",
                charts.bars(
                    long,
                    x="company_year",
                    y="value",
                    y_title="$ billions",
                    colour="measure",
                    x_sort=order,
                    stack=False,
                ),
            )
        ],
        tables=[
            Table(
                key="capex-guidance",
                columns=["Year", "Company", "Guidance", "Basis", "Reported", "vs midpoint"],
                rows=rows,
                caption="Latest guidance for each fiscal year; reported once the year is filed.",
            )
        ],
    )


# --- earnings ---------------------------------------------------------------------------------

SMALL_VS_LARGE = "marts.fct_small_vs_large_earnings"
EXPECTATIONS = "marts.fct_earnings_growth_expectations"


def _earnings_panel(marts: Marts, context: Context) -> Panel:
    """Expected EPS growth"""
    marts.require(SMALL_VS_LARGE)
    frame = marts.frame(f"select * from {SMALL_VS_LARGE} order by as_of_date, calendar_year")
    latest_as_of = frame["as_of_date"].max()
    years = sorted(frame.loc[frame["r2000_eps_growth"].notna(), "calendar_year"].unique())[:2]
    shown = frame[frame["calendar_year"].isin(years)]
    long = pd.concat(
        [
            shown.assign(
                series="S&P 500 " + shown["calendar_year"].astype(str),
                value=shown["sp500_eps_growth"],
            ),
            shown.assign(
                series="Russell 2000 " + shown["calendar_year"].astype(str),
                value=shown["r2000_eps_growth"],
            ),
        ]
    )[["as_of_date", "series", "value"]].dropna()
    latest = frame[frame["as_of_date"] == latest_as_of].set_index("calendar_year")
    figures = []
    for year in years:
        if year not in latest.index:
            continue
        row = latest.loc[year]
        figures += [
            Figure(f"earnings-sp500-{year}", f"S&P 500 {year}", pct(row.sp500_eps_growth)),
            Figure(f"earnings-r2000-{year}", f"Russell 2000 {year}", pct(row.r2000_eps_growth)),
            Figure(
                f"earnings-spread-{year}",
                f"Small minus large {year}",
                pct(row.small_minus_large_eps_growth),
                tone(row.small_minus_large_eps_growth),
            ),
        ]
    charts_ = []
    if not long.empty:
        charts_.append(
            charts.render(
                "earnings-growth",
                "Expected EPS growth by estimate date",
                charts.lines(
                    long,
                    x="as_of_date",
                    y="value",
                    series="series",
                    y_title="Expected growth",
                    y_format=".0%",
                    x_format="%b %d",
                ),
            )
        )
    return Panel(
        title=f"Expected EPS growth, estimates as of {day(latest_as_of)}",
        charts=charts_,
        figures=figures,
        notes=[
            "Source precedence per index and year: the vendor's index figure, else a "
            "bottom-up aggregate of member estimates (see the mart's growth source columns)."
        ],
    )


def _revisions_panel(marts: Marts, context: Context) -> Panel:
    """Estimate revisions"""
    marts.require(EXPECTATIONS)
    frame = marts.frame(
        f"""
        select entity_id, fiscal_period, as_of_date, eps_growth, eps_revision_4w,
            eps_growth_change_4w
        from {EXPECTATIONS}
        where entity_type = 'index' and fiscal_period like 'CY%' and eps_revision_4w is not null
        qualify as_of_date = max(as_of_date) over ()
        order by entity_id, fiscal_period
        """
    )
    if frame.empty:
        raise MissingMart(f"{EXPECTATIONS} has no 4-week revision of an index estimate yet")
    names = {"SP500": "S&P 500", "R2000": "Russell 2000"}
    frame["entity"] = frame["entity_id"].map(names).fillna(frame["entity_id"])
    frame["period"] = frame["fiscal_period"]
    as_of = frame["as_of_date"].max()
    return Panel(
        title=f"4-week EPS revisions, estimates as of {day(as_of)}",
        charts=[
            charts.render(
                "earnings-revisions",
                "Change in consensus EPS over 4 weeks",
                charts.bars(
                    frame,
                    x="period",
                    y="eps_revision_4w",
                    y_title="4-week revision",
                    y_format="+.2%",
                    colour="entity",
                    stack=False,
                    height=200,
                ),
            )
        ],
        figures=[
            Figure(
                f"revision-{row.entity_id.lower()}-{row.fiscal_period.lower()}",
                f"{row.entity} {row.fiscal_period}",
                pct(row.eps_revision_4w, 2),
                tone(row.eps_revision_4w),
            )
            for row in frame.itertuples()
        ],
    )


# --- data quality -----------------------------------------------------------------------------

PUBLISH_LOG = "audit.publish_log"
CHECK_RESULTS = "audit.check_results"
LOAD_LOG = "audit.load_log"


def _publish_panel(marts: Marts, context: Context) -> Panel:
    """Last publish"""
    marts.require(PUBLISH_LOG)
    log = marts.frame(
        f"select * from {PUBLISH_LOG} qualify published_at = max(published_at) over () "
        "order by table_name"
    )
    publishes = marts.frame(f"select count(distinct run_id) as n from {PUBLISH_LOG}")["n"][0]
    first = log.iloc[0]
    panel = Panel(
        title="Last publish",
        charts=[
            charts.render(
                "quality-rows-per-mart",
                "Rows per published mart",
                charts.bars(
                    log,
                    x="table_name",
                    y="row_count",
                    y_title="Rows",
                    horizontal=True,
                    height=max(160, 18 * len(log)),
                    fixed_colour="#5b7db1",
                ),
            )
        ],
        figures=[
            Figure(
                "publish-at",
                "Published (UTC)",
                f"{pd.Timestamp(first.published_at):%Y-%m-%d %H:%M}",
            ),
            Figure("publish-run", "Run", str(first.run_id)[:8]),
            Figure("publish-marts", "Marts", str(len(log))),
            Figure("publish-rows", "Rows", number(log["row_count"].sum())),
            Figure("publish-count", "Publishes in the log", str(publishes)),
        ],
    )
    if context.data_docs_index is not None:
        href = Path(_relative(context.data_docs_index, context.report_dir)).as_posix()
        panel.link = ("Great Expectations Data Docs", href)
    else:
        panel.notes.append("No Data Docs site next to the published file.")
    return panel


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


def _checks_panel(marts: Marts, context: Context) -> Panel:
    """Checks"""
    marts.require(CHECK_RESULTS)
    latest = marts.frame(
        f"""
        select asset_key, check_name, passed, severity, expectations_evaluated,
            expectations_failed, checked_at, run_id
        from {CHECK_RESULTS}
        qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1
        order by asset_key, check_name
        """
    )
    summary = (
        latest.assign(result=latest["passed"].map({True: "passed", False: "failed"}))
        .groupby(["asset_key", "result"], as_index=False)
        .size()
    )
    failed = latest[~latest["passed"]]
    passed = int(latest["passed"].sum())
    return Panel(
        title="Checks, latest result of each",
        charts=[
            charts.render(
                "quality-checks",
                "Checks per asset (latest evaluation)",
                charts.bars(
                    summary,
                    x="asset_key",
                    y="size",
                    y_title="Checks",
                    colour="result",
                    colours={"passed": "#2e7d32", "failed": "#c62828"},
                    whole_numbers=True,
                    horizontal=True,
                    height=max(120, 22 * summary["asset_key"].nunique()),
                ),
            )
        ],
        figures=[
            Figure("checks-passed", "Passed", str(passed), "good" if passed else ""),
            Figure("checks-failed", "Failed", str(len(failed)), "bad" if len(failed) else "good"),
            Figure(
                "checks-last",
                "Last checked (UTC)",
                f"{pd.Timestamp(latest['checked_at'].max()):%Y-%m-%d %H:%M}",
            ),
        ],
        tables=[
            Table(
                key="checks-failed",
                columns=["Asset", "Check", "Severity", "Failed / evaluated", "Checked"],
                rows=[
                    [
                        row.asset_key,
                        row.check_name,
                        row.severity,
                        f"{row.expectations_failed} / {row.expectations_evaluated}",
                        f"{pd.Timestamp(row.checked_at):%Y-%m-%d %H:%M}",
                    ]
                    for row in failed.itertuples()
                ],
                caption="Failing checks",
            )
        ]
        if not failed.empty
        else [],
    )


FRESHNESS_SQL = {
    "prices": (ROTATION, "select max(trade_date) from marts.fct_sector_rotation_daily"),
    "fred (observations)": (
        MACRO_ASOF,
        "select max(observation_date) from marts.fct_macro_observations_asof",
    ),
    "fred (releases)": (
        MACRO_ASOF,
        "select max(valid_from) from marts.fct_macro_observations_asof",
    ),
    "sec (filings)": (CAPEX_QUARTERLY, "select max(source_filed) from marts.fct_capex_quarterly"),
    "estimates": (
        EXPECTATIONS,
        "select max(as_of_date) from marts.fct_earnings_growth_expectations",
    ),
    "membership (breadth)": (BREADTH, "select max(trade_date) from marts.fct_market_breadth_daily"),
}


def freshness(marts: Marts) -> pd.DataFrame:
    """Newest date each source contributes to the published marts: source, newest."""
    rows = [
        {"source": source, "newest": marts.connection.execute(sql).fetchone()[0]}
        for source, (table, sql) in FRESHNESS_SQL.items()
        if marts.has(table)
    ]
    return pd.DataFrame(rows, columns=["source", "newest"])


def _freshness_panel(marts: Marts, context: Context) -> Panel:
    """Freshness per source"""
    fresh = freshness(marts)
    if fresh.empty:
        raise MissingMart("no mart to read freshness from")
    reference = pd.Timestamp(context.built_on)
    fresh["days_behind"] = [
        (reference - pd.Timestamp(newest)).days if not missing(newest) else None
        for newest in fresh["newest"]
    ]
    tables = [
        Table(
            key="freshness",
            columns=["Source", "Newest in the marts", f"Days old on {context.built_on}"],
            rows=[
                [row.source, day(row.newest), number(row.days_behind)] for row in fresh.itertuples()
            ],
        )
    ]
    notes = ["Macro data is monthly and filings quarterly: a lag of weeks is normal there."]
    if marts.has(LOAD_LOG):
        loads = marts.frame(
            f"""
            select source, any_value(source_mode) as source_mode, max(loaded_at) as last_load,
                sum(rows_inserted) filter (where run_id = last_run) as rows_last_run
            from (
                select *, arg_max(run_id, loaded_at) over (partition by source) as last_run
                from {LOAD_LOG}
            )
            group by source
            order by source
            """
        )
        tables.append(
            Table(
                key="loads",
                columns=["Source", "Mode", "Last load (UTC)", "Rows inserted, last run"],
                rows=[
                    [
                        row.source,
                        row.source_mode,
                        f"{pd.Timestamp(row.last_load):%Y-%m-%d %H:%M}",
                        number(row.rows_last_run),
                    ]
                    for row in loads.itertuples()
                ],
                caption="Loads into the warehouse (audit.load_log)",
            )
        )
    else:
        notes.append("audit.load_log is not in the published file: load times not shown.")
    return Panel(
        title="Freshness per source",
        charts=[
            charts.render(
                "quality-freshness",
                "Age of each source's newest data when the report was built (days)",
                charts.bars(
                    fresh.dropna(subset=["days_behind"]),
                    x="source",
                    y="days_behind",
                    y_title="Days",
                    horizontal=True,
                    height=160,
                    fixed_colour="#5b7db1",
                ),
            )
        ],
        tables=tables,
        notes=notes,
    )
