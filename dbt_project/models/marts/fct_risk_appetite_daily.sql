-- Alignment rule: on NYSE session D, IWM is its session-D bar and BTC-USD its UTC-day-D bar;
-- session returns compare with the previous NYSE session, so weekend crypto moves fold into
-- Monday. All-time highs are judged against each asset's whole history (weekend crypto
-- closes included) on adjusted closes.
with

returns as (
    select * from {{ ref('int_prices__returns') }}
),

session_closes as (
    select * from {{ ref('int_prices__nyse_session_closes') }}
),

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

all_time_highs as (
    select
        returns.symbol,
        returns.trade_date,
        returns.adj_close >= max(returns.adj_close) over (
            partition by returns.symbol order by returns.trade_date
            rows between unbounded preceding and current row
        ) as is_all_time_high,
    from returns
    where returns.symbol in ('IWM', 'BTC-USD')
),

asset_sessions as (
    select
        session_closes.symbol,
        session_closes.trade_date,
        session_closes.adj_close,
        session_closes.session_return,
        all_time_highs.is_all_time_high,
    from session_closes
    inner join all_time_highs
        on
            session_closes.symbol = all_time_highs.symbol
            and session_closes.trade_date = all_time_highs.trade_date
),

joined as (
    select
        sessions.trade_date,
        iwm.adj_close as iwm_close,
        btc.adj_close as btc_close,
        iwm.session_return as iwm_return,
        btc.session_return as btc_return,
        iwm.is_all_time_high as iwm_is_all_time_high,
        btc.is_all_time_high as btc_is_all_time_high,
    from sessions
    left join asset_sessions as iwm
        on
            sessions.trade_date = iwm.trade_date
            and iwm.symbol = 'IWM'
    left join asset_sessions as btc
        on
            sessions.trade_date = btc.trade_date
            and btc.symbol = 'BTC-USD'
    where iwm.trade_date is not null or btc.trade_date is not null
),

correlations as (
    select
        joined.*,
        case
            when regr_count(joined.iwm_return, joined.btc_return) over trailing_60 = 60
                then corr(joined.iwm_return, joined.btc_return) over trailing_60
        end as iwm_btc_correlation_60d,
        case
            when regr_count(joined.iwm_return, joined.btc_return) over trailing_120 = 120
                then corr(joined.iwm_return, joined.btc_return) over trailing_120
        end as iwm_btc_correlation_120d,
    from joined
    window
        trailing_60 as (order by joined.trade_date rows between 59 preceding and current row),
        trailing_120 as (order by joined.trade_date rows between 119 preceding and current row)
),

final as (
    select
        cast(correlations.trade_date as date) as trade_date,
        cast(correlations.iwm_close as double) as iwm_close,
        cast(correlations.btc_close as double) as btc_close,
        cast(correlations.iwm_return as double) as iwm_return,
        cast(correlations.btc_return as double) as btc_return,
        cast(correlations.iwm_btc_correlation_60d as double) as iwm_btc_correlation_60d,
        cast(correlations.iwm_btc_correlation_120d as double) as iwm_btc_correlation_120d,
        cast(correlations.iwm_is_all_time_high as boolean) as iwm_is_all_time_high,
        cast(correlations.btc_is_all_time_high as boolean) as btc_is_all_time_high,
    from correlations
)

select * from final
