-- The NYSE session set is, by rule, the distinct trade dates on which SPY has a bar: SPY trades
-- every NYSE session, and deriving the calendar from loaded data keeps every mart consistent
-- with what was actually loaded (a session whose SPY bar is missing is not a session yet).
with

daily_bars as (
    select * from {{ ref('stg_prices__daily_bars') }}
),

spy_dates as (
    select distinct daily_bars.trade_date,
    from daily_bars
    where daily_bars.symbol = 'SPY'
),

sessions as (
    select
        spy_dates.trade_date,
        row_number() over (order by spy_dates.trade_date) as session_number,
        lag(spy_dates.trade_date) over (order by spy_dates.trade_date) as previous_trade_date,
    from spy_dates
)

select * from sessions
