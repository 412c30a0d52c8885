-- Question: is the rally broadening or narrowing? Month by month for the S&P 500 and the
-- Russell 2000: the share of members above their 50- and 200-day averages, net new 52-week
-- highs, and net advances (the month's move of the advance/decline line).
-- One row per month and universe for the last 12 months of data (the latest month to date).
-- Percentages are 0-100 over point-in-time members; rising pct_above_200d with positive net
-- new highs is a broadening market.
with

breadth as (
    select
        date_trunc('month', trade_date)::date as month_start,
        universe,
        trade_date,
        pct_above_50d,
        pct_above_200d,
        new_52w_highs,
        new_52w_lows,
        net_advances,
    from marts.fct_market_breadth_daily
    where universe in ('sp500', 'r2000')
),

months as (
    select
        month_start,
        universe,
        count(*) as sessions,
        avg(pct_above_50d) as avg_pct_above_50d,
        avg(pct_above_200d) as avg_pct_above_200d,
        arg_max(pct_above_200d, trade_date) as month_end_pct_above_200d,
        sum(new_52w_highs) - sum(new_52w_lows) as net_new_highs,
        sum(net_advances) as net_advances,
    from breadth
    group by month_start, universe
)

select
    month_start,
    universe,
    sessions,
    round(avg_pct_above_50d, 1) as avg_pct_above_50d,
    round(avg_pct_above_200d, 1) as avg_pct_above_200d,
    round(month_end_pct_above_200d, 1) as month_end_pct_above_200d,
    round(
        avg_pct_above_200d
        - lag(avg_pct_above_200d, 3) over (partition by universe order by month_start),
        1
    ) as avg_pct_above_200d_change_3m,
    net_new_highs,
    net_advances,
from months
qualify month_start > (select max(month_start) from months) - interval 12 month
order by month_start, universe;
