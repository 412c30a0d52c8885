-- One row per estimate snapshot (grain: the raw natural key as_of_date, entity_id,
-- fiscal_period, metric, source). Renames and casts, plus the fiscal period label parsed into
-- its parts so later models never parse strings: 'FY2026' / 'CY2026' -> year 2026,
-- '2026Q3' (also 'FY2026Q3', '2026-Q3') -> year 2026 quarter 3, 'LTG' -> long_term.
with

source as (
    select * from {{ source('raw', 'earnings_estimates') }}
),

renamed as (
    select
        as_of_date,
        lower(trim(entity_type)) as entity_type,
        trim(entity_id) as entity_id,
        upper(trim(fiscal_period)) as fiscal_period,
        period_end,
        lower(trim(metric)) as metric,
        estimate_mean,
        estimate_median,
        estimate_high,
        estimate_low,
        n_estimates,
        actual_prior_period,
        growth_yoy as reported_growth_yoy,
        aggregation,
        upper(currency) as currency,
        trim(source) as source,
        period_code,
        estimate_7d_ago,
        estimate_30d_ago,
        estimate_60d_ago,
        estimate_90d_ago,
        revisions_up_7d,
        revisions_up_30d,
        revisions_down_7d,
        revisions_down_30d,
        file_name,
        file_sha256,
        _source_mode as source_mode,
        _run_id as run_id,
        _loaded_at as loaded_at,
        _payload_ref as payload_ref,
    from source
),

parsed as (
    select
        renamed.*,
        case
            when regexp_full_match(renamed.fiscal_period, '(FY|CY)[0-9]{4}') then 'year'
            when regexp_full_match(renamed.fiscal_period, '(FY|CY)?[0-9]{4}[-_ ]?Q[1-4]') then 'quarter'
            when renamed.fiscal_period = 'LTG' then 'long_term'
            else 'other'
        end as period_type,
        case
            when regexp_full_match(renamed.fiscal_period, '(FY|CY)?[0-9]{4}([-_ ]?Q[1-4])?')
                then cast(regexp_extract(renamed.fiscal_period, '[0-9]{4}') as integer)
        end as fiscal_year,
        case
            when regexp_full_match(renamed.fiscal_period, '(FY|CY)?[0-9]{4}[-_ ]?Q[1-4]')
                then cast(right(renamed.fiscal_period, 1) as integer)
        end as fiscal_quarter,
        starts_with(renamed.fiscal_period, 'CY') as is_calendar_period_label,
    from renamed
)

select * from parsed
