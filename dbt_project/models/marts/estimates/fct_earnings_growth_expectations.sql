-- One row per as-of date, entity, fiscal period and source: expected EPS and revenue growth
-- and the momentum of the EPS estimate. Growth, trend changes and revision breadth are
-- computed in int_estimates__metrics_pivoted, the 4- and 12-week revisions in
-- int_estimates__eps_revisions; this model joins them and names the entity.
with

metrics as (
    select * from {{ ref('int_estimates__metrics_pivoted') }}
),

revisions as (
    select * from {{ ref('int_estimates__eps_revisions') }}
),

entities as (
    select * from {{ ref('stg_seeds__estimate_entities') }}
),

expectations as (
    select
        metrics.as_of_date,
        metrics.entity_type,
        metrics.entity_id,
        entities.entity_name,
        metrics.fiscal_period,
        metrics.period_type,
        metrics.fiscal_year,
        metrics.fiscal_quarter,
        metrics.period_end,
        metrics.source,
        metrics.period_code,
        metrics.aggregation,
        metrics.currency,
        metrics.eps_estimate_mean,
        metrics.eps_estimate_median,
        metrics.eps_estimate_low,
        metrics.eps_estimate_high,
        metrics.eps_n_estimates,
        metrics.eps_base,
        metrics.eps_growth,
        metrics.eps_growth_reported,
        metrics.has_negative_base,
        metrics.growth_definition,
        metrics.revenue_estimate_mean,
        metrics.revenue_n_estimates,
        metrics.revenue_base,
        metrics.revenue_growth,
        revisions.eps_revision_4w,
        revisions.compared_as_of_date_4w as eps_revision_4w_compared_as_of,
        revisions.eps_estimate_4w_ago,
        revisions.eps_growth_change_4w,
        revisions.eps_revision_12w,
        revisions.compared_as_of_date_12w as eps_revision_12w_compared_as_of,
        revisions.eps_estimate_12w_ago,
        revisions.eps_growth_change_12w,
        metrics.eps_trend_change_7d,
        metrics.eps_trend_change_30d,
        metrics.eps_trend_change_60d,
        metrics.eps_trend_change_90d,
        metrics.eps_revisions_up_30d,
        metrics.eps_revisions_down_30d,
        metrics.eps_revisions_net_30d,
        metrics.eps_revisions_breadth_30d,
        metrics.source_mode,
    from metrics
    left join revisions
        on metrics.as_of_date = revisions.as_of_date
        and metrics.entity_type = revisions.entity_type
        and metrics.entity_id = revisions.entity_id
        and metrics.fiscal_period = revisions.fiscal_period
        and metrics.source = revisions.source
    left join entities
        on metrics.entity_type = entities.entity_type
        and metrics.entity_id = entities.entity_id
)

select * from expectations
