-- One row per holding per fund snapshot (grain: as_of_date, fund, symbol). Renames and casts;
-- is_member marks the rows that count as index members (equities).
with

source as (
    select * from {{ source('raw', 'index_holdings') }}
),

renamed as (
    select
        as_of_date,
        fund,
        index_id,
        lower(index_id) as index_universe,
        symbol,
        security_name,
        gics_sector,
        asset_class,
        coalesce(lower(trim(asset_class)) = 'equity', false) as is_member,
        market_value,
        weight_pct,
        notional_value,
        quantity,
        price,
        location,
        exchange,
        currency,
        _source_mode as source_mode,
        _loaded_at as loaded_at,
    from source
)

select * from renamed
