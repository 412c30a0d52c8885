-- Every vintage of every FRED observation with its validity window (point-in-time history).
-- "Value of series S for period P as known on day D" is the one row with
--   series_id = S and observation_date = P and D between valid_from and valid_to
-- (no row: nothing was published for P on D). Macros: macro_value_as_of,
-- macro_observations_as_of, macro_latest_value_as_of (macros/macro_asof.sql).
with

vintages as (
    select * from {{ ref('int_fred__observation_vintages') }}
),

series as (
    select * from {{ ref('stg_seeds__fred_series') }}
),

final as (
    select
        cast(vintages.series_id as varchar) as series_id,
        cast(series.concept as varchar) as concept,
        cast(vintages.observation_date as date) as observation_date,
        cast(vintages.vintage_number as integer) as vintage_number,
        cast(vintages.vintage_count as integer) as vintage_count,
        cast(vintages.valid_from as date) as valid_from,
        cast(vintages.valid_to as date) as valid_to,
        cast(vintages.is_current as boolean) as is_current,
        cast(vintages.value as double) as value,
        cast(vintages.raw_value as varchar) as raw_value,
        cast(vintages.is_first_release as boolean) as is_first_release,
        cast(vintages.first_release_value as double) as first_release_value,
        cast(vintages.first_release_date as date) as first_release_date,
        cast(vintages.latest_value as double) as latest_value,
        cast(vintages.latest_release_date as date) as latest_release_date,
        cast(vintages.revision_from_first as double) as revision_from_first,
        cast(vintages.revision_from_previous as double) as revision_from_previous,
        cast(vintages.vintage_mode as varchar) as vintage_mode,
        cast(vintages.vintage_mode = 'latest' as boolean) as is_latest_mode_snapshot,
        cast(series.frequency as varchar) as frequency,
        cast(series.units as varchar) as units,
        cast(vintages.fetched_at as timestamp) as fetched_at,
        cast(vintages.source_mode as varchar) as source_mode,
        cast(vintages.loaded_at as timestamp) as loaded_at,
    from vintages
    left join series
        on vintages.series_id = series.series_id
)

select * from final
