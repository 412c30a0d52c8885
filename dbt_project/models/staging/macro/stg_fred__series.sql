-- One row per fetch of a FRED series, with its metadata as FRED described it then.
with

source as (
    select * from {{ source('raw', 'fred_series') }}
),

renamed as (
    select
        series_id,
        fetched_at,
        fetch_realtime_date,
        vintage_mode,
        requested_realtime_start,
        observations_received,
        title as series_title,
        frequency,
        frequency_short,
        units,
        units_short,
        seasonal_adjustment,
        seasonal_adjustment_short,
        last_updated as last_updated_at,
        observation_start,
        observation_end,
        popularity,
        notes,
        row_number() over (partition by series_id order by fetched_at desc) = 1 as is_latest_fetch,
        _source_mode as source_mode,
        _run_id as run_id,
        _loaded_at as loaded_at,
    from source
)

select * from renamed
