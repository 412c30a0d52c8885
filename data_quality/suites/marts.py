"""Expectations for every mart, run after dbt builds it and before it is published.

Each mart's suite checks its grain (keys unique and not null), ranges and accepted values that
follow from its formulas, and cross-column rules. Two frames derived from the mart are checked
with it: its row count against the count last published (a mart that loses rows lost data:
growth is what loads do and is not bounded), and, for the marts dated by NYSE session, that
its latest session is the latest session the price data has (a mart that stopped updating).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame
from data_quality.suites.breadth import breadth_expectations, with_breadth_checks

# A mart may not shrink by more than this share of its last published row count.
MAX_ROW_DROP = 0.10

e = gx.expectations


def _between(column: str, low: float | None = None, high: float | None = None, **kwargs) -> object:
    return e.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, **kwargs)


def _at_least(greater: str, lesser: str) -> object:
    return e.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=greater, column_B=lesser, or_equal=True, ignore_row_if="either_value_is_missing"
    )


def _in_set(column: str, values: list[str]) -> object:
    return e.ExpectColumnValuesToBeInSet(column=column, value_set=values)


@dataclass(frozen=True)
class MartSuite:
    name: str  # the mart, in schema marts
    keys: tuple[str, ...]
    expectations: Callable[[], list] = list
    session_date: str | None = None  # dated by NYSE session: checked for freshness
    extra_keys: tuple[tuple[str, ...], ...] = field(default=())
    # Adds the derived columns some rules are about (e.g. advancers + decliners + unchanged).
    prepare: Callable[[pd.DataFrame], pd.DataFrame] = staticmethod(lambda frame: frame)

    def all_expectations(self) -> list:
        checks: list = [e.ExpectColumnValuesToNotBeNull(column=c) for c in self.keys]
        for grain in (self.keys, *self.extra_keys):
            checks.append(
                e.ExpectCompoundColumnsToBeUnique(column_list=list(grain))
                if len(grain) > 1
                else e.ExpectColumnValuesToBeUnique(column=grain[0])
            )
        return checks + list(self.expectations())


MART_SUITES = {
    suite.name: suite
    for suite in (
        MartSuite(
            "fct_sector_rotation_daily",
            keys=("trade_date", "sector"),
            extra_keys=(("trade_date", "symbol"),),
            session_date="trade_date",
            expectations=lambda: [
                _between("close", 0, strict_min=True),
                _between("spy_close", 0, strict_min=True),
                _in_set("rrg_quadrant", ["leading", "weakening", "lagging", "improving"]),
                _between("rank_1m", 1, 11),
                _between("return_1m", -1),
            ],
        ),
        MartSuite(
            "fct_style_spreads_daily",
            keys=("trade_date", "pair"),
            session_date="trade_date",
            expectations=lambda: [
                _in_set(
                    "pair",
                    [
                        "small_vs_large",
                        "equal_vs_cap_weight",
                        "value_vs_growth",
                        "cyclical_vs_defensive",
                        "dow_vs_nasdaq",
                    ],
                ),
                _between("ratio", 0, strict_min=True),
                _between("numerator_level", 0, strict_min=True),
                _between("denominator_level", 0, strict_min=True),
            ],
        ),
        MartSuite(
            "fct_theme_rotation_daily",
            keys=("trade_date", "theme"),
            session_date="trade_date",
            expectations=lambda: [
                # 0 on a basket's first session: no member has a return yet.
                _between("members_count", 0),
                _between("basket_level", 0, strict_min=True),
                _between("basket_return", -1),
            ],
        ),
        MartSuite(
            "fct_index_milestones",
            keys=("trade_date", "index_symbol"),
            session_date="trade_date",
            expectations=lambda: [
                _between("close", 0, strict_min=True),
                _at_least("all_time_high", "close"),
                _between("drawdown_from_peak", -1, 0),
            ],
        ),
        MartSuite(
            "fct_risk_appetite_daily",
            keys=("trade_date",),
            session_date="trade_date",
            expectations=lambda: [
                _between("iwm_btc_correlation_60d", -1.000001, 1.000001),
                _between("iwm_btc_correlation_120d", -1.000001, 1.000001),
            ],
        ),
        MartSuite(
            "fct_market_breadth_daily",
            keys=("trade_date", "universe"),
            session_date="trade_date",
            expectations=breadth_expectations,
            prepare=with_breadth_checks,
        ),
        MartSuite(
            "fct_index_concentration_daily",
            keys=("trade_date", "universe"),
            session_date="trade_date",
            expectations=lambda: [
                _between("top10_weight_pct", 0, 100),
                _between("cap_coverage_pct", 0, 100),
                _between("herfindahl_index", 0, 1),
                _between("effective_constituents", 1),
                _at_least("members_expected", "members_with_return"),
            ],
        ),
        MartSuite(
            "fct_macro_monthly",
            keys=("month_start",),
            expectations=lambda: [
                _between("unemployment_rate", 0, 30),
                _between("treasury_10y", -5, 25),
                _between("treasury_2y", -5, 25),
                _between("hy_spread", 0, 30),
            ],
        ),
        MartSuite(
            "fct_macro_observations_asof",
            keys=("series_id", "observation_date", "valid_from"),
            extra_keys=(("series_id", "observation_date", "vintage_number"),),
            expectations=lambda: [
                _between("vintage_number", 1),
                _at_least("vintage_count", "vintage_number"),
                _at_least("valid_to", "valid_from"),
            ],
        ),
        MartSuite(
            "fct_macro_regime_daily",
            keys=("trade_date",),
            session_date="trade_date",
            expectations=lambda: [
                _in_set("policy_cycle", ["easing", "tightening", "on_hold"]),
                _in_set("curve_state", ["inverted", "steepening", "flattening", "normal"]),
            ],
        ),
        MartSuite(
            "fct_capex_quarterly",
            keys=("cik", "fiscal_year", "fiscal_quarter"),
            extra_keys=(("cik", "calendar_year", "calendar_quarter"),),
            expectations=lambda: [
                _between("fiscal_quarter", 1, 4),
                _between("calendar_quarter", 1, 4),
                _between("capex_usd", 0),
                _at_least("period_end", "period_start"),
            ],
        ),
        MartSuite(
            "fct_hyperscaler_capex",
            keys=("period_type", "period_label"),
            expectations=lambda: [
                _in_set("period_type", ["quarter", "year"]),
                _between("capex_usd", 0),
                _at_least("companies_expected", "companies_reporting"),
            ],
        ),
        MartSuite(
            "fct_hyperscaler_capex_by_company",
            keys=("period_type", "period_label", "ticker"),
            expectations=lambda: [
                _in_set("period_type", ["quarter", "year"]),
                _between("share_of_total", 0, 1.000001),
                _between("capex_usd", 0),
            ],
        ),
        MartSuite(
            "fct_earnings_growth_expectations",
            keys=("as_of_date", "entity_id", "fiscal_period", "source"),
            expectations=lambda: [
                _in_set("entity_type", ["index", "sector", "company"]),
                _at_least("eps_estimate_high", "eps_estimate_low"),
                _between("eps_n_estimates", 0),
            ],
        ),
        MartSuite(
            "fct_earnings_growth_bottom_up",
            keys=("as_of_date", "universe_type", "universe_id", "fiscal_year", "source"),
            expectations=lambda: [
                _at_least("members_in_universe", "members_with_estimate"),
                _at_least("members_with_estimate", "members_in_aggregate"),
            ],
        ),
        MartSuite(
            "fct_small_vs_large_earnings",
            keys=("as_of_date", "calendar_year"),
        ),
    )
}


def row_count_frame(name: str, rows: int, previous_rows: int | None) -> pd.DataFrame:
    """One row: this build's count against the last published one (None: never published)."""
    change = None if not previous_rows else rows / previous_rows - 1
    return pd.DataFrame(
        [{"mart": name, "rows": rows, "previous_rows": previous_rows, "change": change}]
    ).astype({"previous_rows": "Int64", "change": "Float64"})


def freshness_frame(name: str, latest: date | None, expected: date | None) -> pd.DataFrame:
    """One row: the mart's latest session against the latest session the price data has.

    An empty mart has no latest session to judge (e.g. breadth before any index membership
    is loaded); its row count against the last publish is what catches a lost mart."""
    return pd.DataFrame(
        [
            {
                "mart": name,
                "latest_session": latest,
                "expected_session": expected,
                "is_current": latest is None or expected is None or latest >= expected,
            }
        ]
    )


def validate_mart(
    name: str,
    mart: pd.DataFrame,
    *,
    previous_rows: int | None,
    latest_price_session: date | None,
) -> ValidationOutcome:
    suite = MART_SUITES[name]
    outcome = validate_frame(
        suite.prepare(mart),
        f"marts.{name}",
        suite.all_expectations(),
        label=name,
        id_columns=list(suite.keys),
    )
    outcome.merge(
        validate_frame(
            row_count_frame(name, len(mart), previous_rows),
            "marts.row_count_vs_last_publish",
            [_between("change", -MAX_ROW_DROP)],
            label=f"{name}_row_count",
        )
    )
    if suite.session_date is not None:
        dates = mart[suite.session_date].dropna()
        latest = pd.Timestamp(dates.max()).date() if len(dates) else None
        outcome.merge(
            validate_frame(
                freshness_frame(name, latest, latest_price_session),
                "marts.latest_session",
                [_in_set("is_current", [True])],
                label=f"{name}_freshness",
            )
        )
    return outcome
