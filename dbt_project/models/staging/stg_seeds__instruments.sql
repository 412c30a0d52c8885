-- The only model that reads the instruments seed: everything else refs this one.
with

source as (
    select * from {{ ref('instruments') }}
),

renamed as (
    select
        symbol,
        name as instrument_name,
        asset_class,
        role,
        sector,
        sector_group,
        style,
        theme,
        calendar as trading_calendar,
        listed_on,
        yahoo_symbol,
        tiingo_symbol,
        stooq_symbol,
        provider_order,
        split_part(provider_order, '|', 1) as preferred_provider,
        milestone_step,
    from source
)

select * from renamed
