with

basket_levels as (
    select * from {{ ref('int_prices__basket_levels') }}
),

session_closes as (
    select * from {{ ref('int_prices__nyse_session_closes') }}
),

spy as (
    select
        session_closes.trade_date,
        session_closes.adj_close,
        session_closes.return_1m,
        session_closes.return_3m,
    from session_closes
    where session_closes.symbol = 'SPY'
),

themes as (
    select
        basket_levels.trade_date,
        basket_levels.basket_name as theme,
        basket_levels.members_count,
        basket_levels.basket_return,
        basket_levels.basket_level,
        basket_levels.return_1m,
        basket_levels.return_3m,
        spy.return_1m as spy_return_1m,
        spy.return_3m as spy_return_3m,
        basket_levels.return_1m - spy.return_1m as relative_return_1m,
        basket_levels.return_3m - spy.return_3m as relative_return_3m,
        -- SPY rebased to the basket's base of 100 on the basket's first session
        (basket_levels.basket_level / 100) / (
            spy.adj_close / first_value(spy.adj_close) over (
                partition by basket_levels.basket_name order by basket_levels.trade_date
                rows between unbounded preceding and current row
            )
        ) as ratio_to_spy,
    from basket_levels
    inner join spy
        on basket_levels.trade_date = spy.trade_date
    where basket_levels.basket_kind = 'theme'
),

final as (
    select
        cast(themes.trade_date as date) as trade_date,
        cast(themes.theme as varchar) as theme,
        cast(themes.members_count as integer) as members_count,
        cast(themes.basket_return as double) as basket_return,
        cast(themes.basket_level as double) as basket_level,
        cast(themes.return_1m as double) as return_1m,
        cast(themes.return_3m as double) as return_3m,
        cast(themes.spy_return_1m as double) as spy_return_1m,
        cast(themes.spy_return_3m as double) as spy_return_3m,
        cast(themes.relative_return_1m as double) as relative_return_1m,
        cast(themes.relative_return_3m as double) as relative_return_3m,
        cast(themes.ratio_to_spy as double) as ratio_to_spy,
    from themes
)

select * from final
