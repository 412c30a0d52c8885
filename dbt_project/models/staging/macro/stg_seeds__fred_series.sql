-- The only model that reads the fred_series seed: everything else refs this one.
with

source as (
    select * from {{ ref('fred_series') }}
),

renamed as (
    select
        series_id,
        concept,
        title as series_title,
        frequency,
        units,
        transform,
        monthly_aggregation,
        stale_after_days,
    from source
)

select * from renamed
