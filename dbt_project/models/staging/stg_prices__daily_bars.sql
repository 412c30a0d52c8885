with

source as (
    select * from {{ source('raw', 'prices_daily') }}
),

renamed as (
    select
        symbol,
        date as trade_date,
        provider,
        open,
        high,
        low,
        close,
        -- Stooq's close is already split- and dividend-adjusted, so it is its own adjusted close.
        case
            when provider = 'stooq' then coalesce(adj_close, close)
            else adj_close
        end as adj_close,
        volume,
        close_adjustment,
        _source_mode as source_mode,
        _loaded_at as loaded_at,
    from source
),

instruments as (
    select * from {{ ref('stg_seeds__instruments') }}
),

ranked as (
    select
        renamed.*,
        row_number() over (
            partition by renamed.symbol, renamed.trade_date
            order by
                -- position in the instrument's provider_order; unknown providers (and symbols
                -- missing from the seed) come last, then alphabetically for determinism
                coalesce(list_position(string_split(instruments.provider_order, '|'), renamed.provider), 999),
                renamed.provider
        ) as provider_rank,
    from renamed
    left join instruments
        on renamed.symbol = instruments.symbol
),

chosen as (
    select
        symbol,
        trade_date,
        provider,
        open,
        high,
        low,
        close,
        adj_close,
        volume,
        close_adjustment,
        source_mode,
        loaded_at,
    from ranked
    where provider_rank = 1
)

select * from chosen
