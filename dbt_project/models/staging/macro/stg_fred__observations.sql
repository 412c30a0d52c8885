-- One row per FRED vintage row as loaded (series, observation date, realtime_start).
with

source as (
    select * from {{ source('raw', 'fred_observations') }}
),

renamed as (
    select
        series_id,
        date as observation_date,
        realtime_start,
        realtime_end,
        value,
        raw_value,
        vintage_mode,
        fetched_at,
        _source_mode as source_mode,
        _run_id as run_id,
        _loaded_at as loaded_at,
    from source
)

select * from renamed
