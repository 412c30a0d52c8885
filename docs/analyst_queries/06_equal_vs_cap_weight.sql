-- Question: is the average stock keeping up with the cap-weighted index? The equal-weight vs
-- cap-weight S&P 500 (RSP / SPY) at each month end of the last year and on the latest session.
-- One row per month-end session (and the latest one). ratio = RSP / SPY adjusted closes
-- (rising = the average stock outperforming the mega caps); spread_1m / spread_3m = RSP minus
-- SPY return over 21 / 63 sessions (decimal fractions); ratio_zscore_1y against the trailing
-- 252 sessions. top10_weight_pct (percent) shows how concentrated the cap-weighted index is.
with

pair as (
    select
        trade_date,
        ratio,
        spread_1m,
        spread_3m,
        ratio_zscore_1y,
    from marts.fct_style_spreads_daily
    where pair = 'equal_vs_cap_weight'
),

month_ends as (
    select max(trade_date) as trade_date
    from pair
    group by date_trunc('month', trade_date)
),

concentration as (
    select trade_date, top10_weight_pct,
    from marts.fct_index_concentration_daily
    where universe = 'sp500'
)

select
    pair.trade_date,
    round(pair.ratio, 4) as rsp_to_spy_ratio,
    round(pair.spread_1m, 4) as spread_1m,
    round(pair.spread_3m, 4) as spread_3m,
    round(pair.ratio_zscore_1y, 2) as ratio_zscore_1y,
    round(concentration.top10_weight_pct, 1) as sp500_top10_weight_pct,
from pair
inner join month_ends on pair.trade_date = month_ends.trade_date
left join concentration on pair.trade_date = concentration.trade_date
where pair.trade_date > (select max(trade_date) from pair) - interval 12 month
order by pair.trade_date;
