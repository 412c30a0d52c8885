-- Question: which sectors moved into the leading quadrant of the relative rotation graph this
-- month (the last 21 NYSE sessions), from which quadrant, and are they still leading today?
-- One row per sector that entered 'leading' in the window. RS-ratio and RS-momentum are
-- against SPY (100 = SPY's trend). For the calendar month instead, replace the window filter
-- with `trade_date >= date_trunc('month', latest.trade_date)`.
with

rotation as (
    select
        trade_date,
        sector,
        symbol,
        rrg_quadrant,
        rs_ratio,
        rs_momentum,
        lag(rrg_quadrant) over (partition by symbol order by trade_date) as previous_quadrant,
    from marts.fct_sector_rotation_daily
),

sessions as (
    select distinct trade_date from marts.fct_sector_rotation_daily
),

window_start as (
    select min(trade_date) as trade_date
    from (select trade_date from sessions order by trade_date desc limit 21)
),

latest as (
    select max(trade_date) as trade_date from sessions
),

entries as (
    select
        rotation.sector,
        rotation.symbol,
        rotation.trade_date as entered_on,
        rotation.previous_quadrant as entered_from,
    from rotation
    cross join window_start
    where rotation.rrg_quadrant = 'leading'
        and rotation.previous_quadrant <> 'leading'
        and rotation.trade_date >= window_start.trade_date
),

today as (
    select rotation.*
    from rotation
    inner join latest on rotation.trade_date = latest.trade_date
)

select
    entries.sector,
    entries.symbol,
    max(entries.entered_on) as last_entered_leading_on,
    arg_max(entries.entered_from, entries.entered_on) as entered_from,
    count(*) as times_entered,
    any_value(today.rrg_quadrant) as quadrant_today,
    round(any_value(today.rs_ratio), 2) as rs_ratio_today,
    round(any_value(today.rs_momentum), 2) as rs_momentum_today,
from entries
left join today on entries.symbol = today.symbol
group by entries.sector, entries.symbol
order by last_entered_leading_on desc, entries.sector;
