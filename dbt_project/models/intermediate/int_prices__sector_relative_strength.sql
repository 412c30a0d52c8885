-- Relative strength of each sector ETF against SPY on NYSE sessions, from trailing windows
-- only (every window ends at the current row: no look-ahead).
--   price_relative = sector adj_close / SPY adj_close
--   rs_ratio       = 100 + z-score of price_relative over the trailing 63 sessions (today
--                    included); NULL until 63 rows
--   rs_momentum    = 100 + z-score over the trailing 63 sessions of the rs_ratio's 10-session
--                    rate of change (rs_ratio / lag(rs_ratio, 10) - 1); NULL until 63 such rates
with

session_closes as (
    select * from {{ ref('int_prices__nyse_session_closes') }}
),

benchmark as (
    select
        session_closes.trade_date,
        session_closes.adj_close as benchmark_adj_close,
    from session_closes
    where session_closes.symbol = 'SPY'
),

price_relatives as (
    select
        sectors.trade_date,
        sectors.session_number,
        sectors.symbol,
        sectors.sector,
        sectors.adj_close,
        sectors.return_1w,
        sectors.return_1m,
        sectors.return_3m,
        sectors.return_6m,
        sectors.return_12m,
        benchmark.benchmark_adj_close,
        sectors.adj_close / benchmark.benchmark_adj_close as price_relative,
    from session_closes as sectors
    inner join benchmark
        on sectors.trade_date = benchmark.trade_date
    where sectors.role = 'sector'
),

rs_ratios as (
    select
        price_relatives.*,
        100 + {{ trailing_zscore('price_relatives.price_relative', 'price_relatives.symbol', 'price_relatives.trade_date', 63) }} as rs_ratio,
    from price_relatives
),

rs_ratio_changes as (
    select
        rs_ratios.*,
        rs_ratios.rs_ratio / lag(rs_ratios.rs_ratio, 10) over (
            partition by rs_ratios.symbol order by rs_ratios.trade_date
        ) - 1 as rs_ratio_change_10d,
    from rs_ratios
),

rs_momentum as (
    select
        rs_ratio_changes.*,
        100 + {{ trailing_zscore('rs_ratio_changes.rs_ratio_change_10d', 'rs_ratio_changes.symbol', 'rs_ratio_changes.trade_date', 63) }} as rs_momentum,
    from rs_ratio_changes
)

select * from rs_momentum
