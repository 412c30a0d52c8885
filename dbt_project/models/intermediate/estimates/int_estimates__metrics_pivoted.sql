-- One row per snapshot of an entity's fiscal period from one source (grain: as_of_date,
-- entity_id, fiscal_period, source): the eps and revenue rows side by side, with growth,
-- estimate-trend changes and revision breadth computed once here.
--
-- Growth is only ever computed on a positive base:
--   growth = (estimate_mean - base) / base           when base > 0 and estimate_mean is known
--          = NULL                                     when base <= 0 (has_negative_base)
--          = the source's reported growth_yoy         when there is no mean or no base to
--                                                     compute from (e.g. Yahoo indexTrend
--                                                     gives growth only)
-- Changes of an estimate over time use the earlier value's magnitude, so the sign is the
-- direction of the revision even for a loss: (now - earlier) / |earlier|, NULL when earlier
-- is 0 or unknown.
with

snapshots as (
    select * from {{ ref('stg_estimates__snapshots') }}
),

pivoted as (
    select
        snapshots.as_of_date,
        snapshots.entity_type,
        snapshots.entity_id,
        snapshots.fiscal_period,
        snapshots.source,
        any_value(snapshots.period_type) as period_type,
        any_value(snapshots.fiscal_year) as fiscal_year,
        any_value(snapshots.fiscal_quarter) as fiscal_quarter,
        bool_or(snapshots.is_calendar_period_label) as is_calendar_period_label,
        coalesce(
            max(snapshots.period_end) filter (where snapshots.metric = 'eps'),
            max(snapshots.period_end)
        ) as period_end,
        max(snapshots.period_code) as period_code,
        coalesce(
            max(snapshots.currency) filter (where snapshots.metric = 'eps'),
            max(snapshots.currency)
        ) as currency,
        coalesce(
            max(snapshots.aggregation) filter (where snapshots.metric = 'eps'),
            max(snapshots.aggregation)
        ) as aggregation,
        max(snapshots.estimate_mean) filter (where snapshots.metric = 'eps') as eps_estimate_mean,
        max(snapshots.estimate_median) filter (where snapshots.metric = 'eps') as eps_estimate_median,
        max(snapshots.estimate_high) filter (where snapshots.metric = 'eps') as eps_estimate_high,
        max(snapshots.estimate_low) filter (where snapshots.metric = 'eps') as eps_estimate_low,
        max(snapshots.n_estimates) filter (where snapshots.metric = 'eps') as eps_n_estimates,
        max(snapshots.actual_prior_period) filter (where snapshots.metric = 'eps') as eps_base,
        max(snapshots.reported_growth_yoy) filter (where snapshots.metric = 'eps') as eps_growth_reported,
        max(snapshots.estimate_7d_ago) filter (where snapshots.metric = 'eps') as eps_estimate_7d_ago,
        max(snapshots.estimate_30d_ago) filter (where snapshots.metric = 'eps') as eps_estimate_30d_ago,
        max(snapshots.estimate_60d_ago) filter (where snapshots.metric = 'eps') as eps_estimate_60d_ago,
        max(snapshots.estimate_90d_ago) filter (where snapshots.metric = 'eps') as eps_estimate_90d_ago,
        max(snapshots.revisions_up_7d) filter (where snapshots.metric = 'eps') as eps_revisions_up_7d,
        max(snapshots.revisions_down_7d) filter (where snapshots.metric = 'eps') as eps_revisions_down_7d,
        max(snapshots.revisions_up_30d) filter (where snapshots.metric = 'eps') as eps_revisions_up_30d,
        max(snapshots.revisions_down_30d) filter (where snapshots.metric = 'eps') as eps_revisions_down_30d,
        max(snapshots.estimate_mean) filter (where snapshots.metric = 'revenue') as revenue_estimate_mean,
        max(snapshots.n_estimates) filter (where snapshots.metric = 'revenue') as revenue_n_estimates,
        max(snapshots.actual_prior_period) filter (where snapshots.metric = 'revenue') as revenue_base,
        max(snapshots.reported_growth_yoy) filter (where snapshots.metric = 'revenue') as revenue_growth_reported,
        bool_or(snapshots.metric = 'eps') as has_eps_row,
        bool_or(snapshots.metric = 'revenue') as has_revenue_row,
        max(snapshots.source_mode) as source_mode,
    from snapshots
    group by
        snapshots.as_of_date,
        snapshots.entity_type,
        snapshots.entity_id,
        snapshots.fiscal_period,
        snapshots.source
),

computed as (
    select
        pivoted.*,
        coalesce(pivoted.eps_base <= 0, false) as has_negative_base,
        case
            when pivoted.eps_base <= 0 then null
            when pivoted.eps_base > 0 and pivoted.eps_estimate_mean is not null
                then (pivoted.eps_estimate_mean - pivoted.eps_base) / pivoted.eps_base
            else pivoted.eps_growth_reported
        end as eps_growth,
        case
            when pivoted.eps_base <= 0 then 'NULL: base <= 0'
            when pivoted.eps_base > 0 and pivoted.eps_estimate_mean is not null
                then '(mean - base) / base; NULL when base <= 0'
            when pivoted.eps_growth_reported is not null
                then 'reported by source (growth_yoy); no mean and base to compute from'
            else 'NULL: no mean, base or reported growth'
        end as growth_definition,
        case
            when pivoted.revenue_base <= 0 then null
            when pivoted.revenue_base > 0 and pivoted.revenue_estimate_mean is not null
                then (pivoted.revenue_estimate_mean - pivoted.revenue_base) / pivoted.revenue_base
            else pivoted.revenue_growth_reported
        end as revenue_growth,
        {%- for days in [7, 30, 60, 90] %}
        (pivoted.eps_estimate_mean - pivoted.eps_estimate_{{ days }}d_ago)
            / nullif(abs(pivoted.eps_estimate_{{ days }}d_ago), 0) as eps_trend_change_{{ days }}d,
        {%- endfor %}
        pivoted.eps_revisions_up_30d - pivoted.eps_revisions_down_30d as eps_revisions_net_30d,
        cast(pivoted.eps_revisions_up_30d - pivoted.eps_revisions_down_30d as double)
            / nullif(pivoted.eps_revisions_up_30d + pivoted.eps_revisions_down_30d, 0)
            as eps_revisions_breadth_30d,
    from pivoted
)

select * from computed
