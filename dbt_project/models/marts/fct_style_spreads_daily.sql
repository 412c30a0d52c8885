with

session_closes as (
    select * from {{ ref('int_prices__nyse_session_closes') }}
),

basket_levels as (
    select * from {{ ref('int_prices__basket_levels') }}
),

-- numerator / denominator: a universe symbol, or a basket_id of int_prices__basket_levels
pairs (pair, numerator, denominator) as (
    values
        ('small_vs_large', 'IWM', 'SPY'),
        ('equal_vs_cap_weight', 'RSP', 'SPY'),
        ('value_vs_growth', 'IWD', 'IWF'),
        ('dow_vs_nasdaq', 'DIA', 'QQQ'),
        ('cyclical_vs_defensive', 'sector_group:cyclical', 'sector_group:defensive')
),

series_levels as (
    select
        session_closes.symbol as series_id,
        session_closes.trade_date,
        session_closes.adj_close as level,
        session_closes.return_1m,
        session_closes.return_3m,
    from session_closes

    union all

    select
        basket_levels.basket_id as series_id,
        basket_levels.trade_date,
        basket_levels.basket_level as level,
        basket_levels.return_1m,
        basket_levels.return_3m,
    from basket_levels
    where basket_levels.basket_kind = 'sector_group'
),

pair_levels as (
    select
        numerator_levels.trade_date,
        pairs.pair,
        pairs.numerator,
        pairs.denominator,
        numerator_levels.level as numerator_level,
        denominator_levels.level as denominator_level,
        numerator_levels.level / denominator_levels.level as ratio,
        numerator_levels.return_1m - denominator_levels.return_1m as spread_1m,
        numerator_levels.return_3m - denominator_levels.return_3m as spread_3m,
    from pairs
    inner join series_levels as numerator_levels
        on pairs.numerator = numerator_levels.series_id
    inner join series_levels as denominator_levels
        on
            pairs.denominator = denominator_levels.series_id
            and numerator_levels.trade_date = denominator_levels.trade_date
),

zscores as (
    select
        pair_levels.*,
        {{ trailing_zscore('pair_levels.ratio', 'pair_levels.pair', 'pair_levels.trade_date', 252) }} as ratio_zscore_1y,
    from pair_levels
),

final as (
    select
        cast(zscores.trade_date as date) as trade_date,
        cast(zscores.pair as varchar) as pair,
        cast(zscores.numerator as varchar) as numerator,
        cast(zscores.denominator as varchar) as denominator,
        cast(zscores.numerator_level as double) as numerator_level,
        cast(zscores.denominator_level as double) as denominator_level,
        cast(zscores.ratio as double) as ratio,
        cast(zscores.spread_1m as double) as spread_1m,
        cast(zscores.spread_3m as double) as spread_3m,
        cast(zscores.ratio_zscore_1y as double) as ratio_zscore_1y,
    from zscores
)

select * from final
