-- One row per as-of date and calendar year: expected EPS growth of the S&P 500 and the
-- Russell 2000 and the small-minus-large spread, each side from the best figure available.
--
-- Candidates per index and calendar year, in order of precedence:
--   1 'vendor:<source>'   an index-level figure from a vendor file (entity_type index)
--   2 'yahoo:indexTrend'  Yahoo's index-level growth (S&P 500 only in practice)
--   3 'bottom_up:<source>' fct_earnings_growth_bottom_up's aggregate growth of the index's
--                          members (vendor company estimates before Yahoo's)
-- Index figures are calendar years: 'CY2026' and an index's 'FY2026' are both calendar
-- 2026 (CY preferred if a source gives both). Bottom-up years are the companies' fiscal
-- years as labelled (almost all December year ends; see members_non_december_year_end).
-- Sources arrive on different days (Yahoo nightly, vendor files weekly), so each side takes
-- the highest-precedence figure dated within the {{ var('estimates_staleness_days', 7) }}
-- days up to as_of_date (the latest snapshot of that candidate), and says which and when.
{%- set staleness_days = var('estimates_staleness_days', 7) %}
with

metrics as (
    select * from {{ ref('int_estimates__metrics_pivoted') }}
),

bottom_up as (
    select * from {{ ref('fct_earnings_growth_bottom_up') }}
),

index_figures as (
    select
        metrics.as_of_date,
        metrics.entity_id as index_id,
        metrics.fiscal_year as calendar_year,
        case when metrics.source = 'yahoo' then 'yahoo:indexTrend' else 'vendor:' || metrics.source end as growth_source,
        case when metrics.source = 'yahoo' then 2 else 1 end as precedence,
        metrics.eps_growth,
        cast(null as integer) as members_in_aggregate,
    from metrics
    where
        metrics.entity_type = 'index'
        and metrics.entity_id in ('SP500', 'R2000')
        and metrics.period_type = 'year'
        and metrics.eps_growth is not null
    qualify row_number() over (
        partition by metrics.as_of_date, metrics.entity_id, metrics.fiscal_year, metrics.source
        order by metrics.is_calendar_period_label desc, metrics.fiscal_period
    ) = 1
),

bottom_up_figures as (
    select
        bottom_up.as_of_date,
        bottom_up.universe_id as index_id,
        bottom_up.fiscal_year as calendar_year,
        'bottom_up:' || bottom_up.source as growth_source,
        case when bottom_up.source = 'yahoo' then 4 else 3 end as precedence,
        bottom_up.aggregate_eps_growth as eps_growth,
        bottom_up.members_in_aggregate,
    from bottom_up
    where
        bottom_up.universe_type = 'index'
        and bottom_up.universe_id in ('SP500', 'R2000')
        and bottom_up.aggregate_eps_growth is not null
),

candidates as (
    select * from index_figures
    union all
    select * from bottom_up_figures
),

grid as (
    select distinct
        candidates.as_of_date,
        candidates.calendar_year,
    from candidates
),

ranked as (
    select
        grid.as_of_date,
        grid.calendar_year,
        candidates.index_id,
        candidates.growth_source,
        candidates.eps_growth,
        candidates.members_in_aggregate,
        candidates.as_of_date as figure_as_of_date,
        row_number() over (
            partition by grid.as_of_date, grid.calendar_year, candidates.index_id
            order by candidates.precedence, candidates.growth_source, candidates.as_of_date desc
        ) as figure_rank,
    from grid
    inner join candidates
        on grid.calendar_year = candidates.calendar_year
        and candidates.as_of_date between grid.as_of_date - {{ staleness_days }} and grid.as_of_date
),

available as (
    select
        ranked.as_of_date,
        ranked.calendar_year,
        ranked.index_id,
        string_agg(distinct ranked.growth_source, '|' order by ranked.growth_source) as sources_available,
    from ranked
    group by all
),

chosen as (
    select
        ranked.*,
        available.sources_available,
    from ranked
    inner join available
        on ranked.as_of_date = available.as_of_date
        and ranked.calendar_year = available.calendar_year
        and ranked.index_id = available.index_id
    where ranked.figure_rank = 1
),

spread as (
    select
        grid.as_of_date,
        grid.calendar_year,
        sp500.eps_growth as sp500_eps_growth,
        sp500.growth_source as sp500_growth_source,
        sp500.figure_as_of_date as sp500_growth_as_of_date,
        sp500.sources_available as sp500_sources_available,
        sp500.members_in_aggregate as sp500_bottom_up_members,
        r2000.eps_growth as r2000_eps_growth,
        r2000.growth_source as r2000_growth_source,
        r2000.figure_as_of_date as r2000_growth_as_of_date,
        r2000.sources_available as r2000_sources_available,
        r2000.members_in_aggregate as r2000_bottom_up_members,
        r2000.eps_growth - sp500.eps_growth as small_minus_large_eps_growth,
    from grid
    left join chosen as sp500
        on grid.as_of_date = sp500.as_of_date
        and grid.calendar_year = sp500.calendar_year
        and sp500.index_id = 'SP500'
    left join chosen as r2000
        on grid.as_of_date = r2000.as_of_date
        and grid.calendar_year = r2000.calendar_year
        and r2000.index_id = 'R2000'
)

select * from spread
