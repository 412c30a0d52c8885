-- Question: how concentrated is the S&P 500 - the weight of its ten largest members, the
-- Herfindahl index and the effective number of constituents - at each month end of the last
-- two years, and what has concentration cost the average stock?
-- One row per month-end session. top10_weight_pct in percent (0-100); effective_constituents
-- = 1 / Herfindahl; equal_over_cap_weight = equal-weighted level / cap-weighted level (both
-- start at 100; below 1 = the average member has lagged the cap-weighted index).
with

sp500 as (
    select *
    from marts.fct_index_concentration_daily
    where universe = 'sp500'
        and is_cap_representative
),

month_ends as (
    select max(trade_date) as trade_date
    from sp500
    group by date_trunc('month', trade_date)
)

select
    sp500.trade_date,
    sp500.weight_source,
    round(sp500.top10_weight_pct, 2) as top10_weight_pct,
    round(sp500.herfindahl_index, 5) as herfindahl_index,
    round(sp500.effective_constituents, 1) as effective_constituents,
    round(sp500.equal_weight_level / sp500.cap_weight_level, 4) as equal_over_cap_weight,
    round(
        sp500.top10_weight_pct
        - lag(sp500.top10_weight_pct, 12) over (order by sp500.trade_date),
        2
    ) as top10_weight_change_12m,
from sp500
inner join month_ends on sp500.trade_date = month_ends.trade_date
qualify sp500.trade_date > (select max(trade_date) from sp500) - interval 24 month
order by sp500.trade_date;
