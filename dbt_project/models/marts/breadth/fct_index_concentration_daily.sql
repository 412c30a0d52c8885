-- Index concentration and equal- vs cap-weighted member returns per universe per NYSE session
-- (grain: trade_date, universe). Formulas are in the model description
-- (_breadth_marts__models.yml). A table rebuilt each run from the incremental
-- int_breadth__concentration_daily: only the cumulative levels are computed here.
with

concentration as (
    select * from {{ ref('int_breadth__concentration_daily') }}
),

levels as (
    select
        concentration.*,
        100.0 * exp(sum(ln(1 + coalesce(concentration.equal_weight_return, 0))) over universe_history)
            as equal_weight_level,
        100.0 * exp(sum(ln(1 + coalesce(concentration.cap_weight_return, 0))) over universe_history)
            as cap_weight_level,
    from concentration
    window universe_history as (
        partition by concentration.universe
        order by concentration.trade_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        levels.trade_date,
        levels.universe,
        levels.index_universe,
        levels.gics_sector,
        levels.weight_source,
        levels.members_expected,
        levels.members_with_return,
        levels.members_with_cap,
        round(100.0 * levels.members_with_cap / nullif(levels.members_expected, 0), 4)
            as cap_coverage_pct,
        -- Cap-based figures over a small, unrepresentative subset of members would mislead
        -- (e.g. only the companies with SEC shares facts): they are NULL below 90% coverage.
        coalesce(levels.members_with_cap >= 0.9 * levels.members_expected, false)
            as is_cap_representative,
        levels.members_in_cap_weight_return,
        levels.equal_weight_return,
        case when is_cap_representative then levels.cap_weight_return end as cap_weight_return,
        case when is_cap_representative then levels.equal_weight_return - levels.cap_weight_return end
            as equal_minus_cap_weight_return,
        levels.equal_weight_level,
        case when is_cap_representative then levels.cap_weight_level end as cap_weight_level,
        case when is_cap_representative then levels.total_market_cap_usd end as total_market_cap_usd,
        case when is_cap_representative then levels.top10_weight_pct end as top10_weight_pct,
        case when is_cap_representative then levels.herfindahl_index end as herfindahl_index,
        case when is_cap_representative then levels.effective_constituents end
            as effective_constituents,
    from levels
)

select * from final
