-- One row per snapshot of an entity's fiscal period from one source (grain: as_of_date,
-- entity_id, fiscal_period, source): the EPS estimate compared with the same entity, fiscal
-- period and source as observed about 4 and 12 weeks earlier.
--
-- The earlier snapshot for a lookback of N days (28 for 4 weeks, 84 for 12 weeks) is the
-- latest one dated on or before as_of_date - N; it counts only if it is at most
-- {{ var('estimates_revision_tolerance_days', 7) }} days older than that (dated in
-- [as_of_date - N - 7, as_of_date - N]). Otherwise the revision is NULL: a weekly file that
-- skipped a week still finds its comparison, a stale one does not.
--   eps_revision_<w>      = (mean now - mean then) / |mean then|, NULL when mean then is 0
--                           or unknown (decimal; the sign is the direction of the revision)
--   eps_growth_change_<w> = eps_growth now - eps_growth then (decimal points: 0.01 = one
--                           percentage point), for sources that give growth only
{%- set tolerance_days = var('estimates_revision_tolerance_days', 7) %}
{%- set lookbacks = [('4w', 28), ('12w', 84)] %}
with

metrics as (
    select * from {{ ref('int_estimates__metrics_pivoted') }}
),

targets as (
    select
        metrics.as_of_date,
        metrics.entity_type,
        metrics.entity_id,
        metrics.fiscal_period,
        metrics.source,
        metrics.eps_estimate_mean,
        metrics.eps_growth,
        {%- for label, days in lookbacks %}
        cast(metrics.as_of_date - {{ days }} as date) as target_date_{{ label }},
        {%- endfor %}
    from metrics
),

earlier as (
    select
        metrics.as_of_date as earlier_as_of_date,
        metrics.entity_type,
        metrics.entity_id,
        metrics.fiscal_period,
        metrics.source,
        metrics.eps_estimate_mean,
        metrics.eps_growth,
    from metrics
),

matched as (
    select
        targets.*,
        {%- for label, days in lookbacks %}
        case
            when earlier_{{ label }}.earlier_as_of_date
                >= targets.target_date_{{ label }} - {{ tolerance_days }}
                then earlier_{{ label }}.earlier_as_of_date
        end as compared_as_of_date_{{ label }},
        case
            when earlier_{{ label }}.earlier_as_of_date
                >= targets.target_date_{{ label }} - {{ tolerance_days }}
                then earlier_{{ label }}.eps_estimate_mean
        end as eps_estimate_{{ label }}_ago,
        case
            when earlier_{{ label }}.earlier_as_of_date
                >= targets.target_date_{{ label }} - {{ tolerance_days }}
                then earlier_{{ label }}.eps_growth
        end as eps_growth_{{ label }}_ago,
        {%- endfor %}
    from targets
    {%- for label, days in lookbacks %}
    asof left join earlier as earlier_{{ label }}
        on targets.entity_type = earlier_{{ label }}.entity_type
        and targets.entity_id = earlier_{{ label }}.entity_id
        and targets.fiscal_period = earlier_{{ label }}.fiscal_period
        and targets.source = earlier_{{ label }}.source
        and targets.target_date_{{ label }} >= earlier_{{ label }}.earlier_as_of_date
    {%- endfor %}
),

revisions as (
    select
        matched.as_of_date,
        matched.entity_type,
        matched.entity_id,
        matched.fiscal_period,
        matched.source,
        {%- for label, days in lookbacks %}
        matched.compared_as_of_date_{{ label }},
        matched.eps_estimate_{{ label }}_ago,
        (matched.eps_estimate_mean - matched.eps_estimate_{{ label }}_ago)
            / nullif(abs(matched.eps_estimate_{{ label }}_ago), 0) as eps_revision_{{ label }},
        matched.eps_growth - matched.eps_growth_{{ label }}_ago as eps_growth_change_{{ label }},
        {%- endfor %}
    from matched
)

select * from revisions
