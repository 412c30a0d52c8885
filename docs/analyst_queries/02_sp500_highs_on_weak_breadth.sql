-- Question: on which days did the S&P 500 close at an all-time high while fewer than half of
-- its members were above their 200-day average (a narrow, divergent high)?
-- One row per S&P 500 all-time-high session where breadth can be judged, narrowest first:
-- the rows with fewer_than_half_above_200d = true answer the question (none may exist: then
-- the first row is the narrowest high there was). Breadth counts point-in-time members
-- (survivorship-free) with 200 sessions of history; "all-time" is over the loaded history.
with

sp500_highs as (
    select trade_date, close,
    from marts.fct_index_milestones
    where index_symbol = '^GSPC'
        and is_all_time_high
),

sp500_breadth as (
    select
        trade_date,
        members_expected,
        members_with_200d_history,
        members_above_200d,
        pct_above_200d,
        pct_above_50d,
        is_low_coverage,
    from marts.fct_market_breadth_daily
    where universe = 'sp500'
        and pct_above_200d is not null
)

select
    sp500_highs.trade_date,
    sp500_highs.close as sp500_close,
    sp500_breadth.members_above_200d,
    sp500_breadth.members_with_200d_history,
    round(sp500_breadth.pct_above_200d, 1) as pct_above_200d,
    round(sp500_breadth.pct_above_50d, 1) as pct_above_50d,
    sp500_breadth.pct_above_200d < 50 as fewer_than_half_above_200d,
    sp500_breadth.is_low_coverage,
from sp500_highs
inner join sp500_breadth on sp500_highs.trade_date = sp500_breadth.trade_date
order by sp500_breadth.pct_above_200d, sp500_highs.trade_date;
