-- Returns over the symbol's own rows: for NYSE instruments rows are sessions, for crypto they
-- are calendar days (use int_prices__nyse_session_closes for NYSE-aligned analysis).
with

-- The seed's instruments only: index members' bars (thousands of symbols) reach the breadth
-- models through stg_prices__daily_bars, and no model reads their returns from here. Their
-- windows cost 70 s here and 161 s in int_prices__nyse_session_closes, every night, at
-- 5,000 symbols x 30 years (benchmarks: python -m benchmarks --only full_build).
-- The symbols are a literal list, read from the seed before the query runs: DuckDB pushes a
-- literal filter below the staging view's provider-ranking window (0.1 s at that scale), a
-- semi-join it does not (8 s, the whole history ranked every night).
{%- set seed_symbols = [] %}
{%- if execute and model.resource_type == 'model' %}
    {%- set seed_symbols = run_query(
        'select distinct symbol from ' ~ ref('stg_seeds__instruments') ~ ' order by 1'
    ).columns[0].values() %}
{%- endif %}

instruments as (
    select * from {{ ref('stg_seeds__instruments') }}
),

daily_bars as (
    select stg_bars.*
    from {{ ref('stg_prices__daily_bars') }} as stg_bars
    where
        stg_bars.symbol in (select instruments.symbol from instruments)
        {%- if seed_symbols %}
        and stg_bars.symbol in ({% for symbol in seed_symbols %}'{{ symbol | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
        {%- endif %}
),

returns as (
    select
        daily_bars.symbol,
        daily_bars.trade_date,
        daily_bars.provider,
        daily_bars.source_mode,
        daily_bars.close,
        daily_bars.adj_close,
        row_number() over symbol_history as history_row_number,
        daily_bars.adj_close / lag(daily_bars.adj_close, 1) over symbol_history - 1 as daily_return,
        daily_bars.adj_close / lag(daily_bars.adj_close, 5) over symbol_history - 1 as return_1w,
        daily_bars.adj_close / lag(daily_bars.adj_close, 21) over symbol_history - 1 as return_1m,
        daily_bars.adj_close / lag(daily_bars.adj_close, 63) over symbol_history - 1 as return_3m,
        daily_bars.adj_close / lag(daily_bars.adj_close, 126) over symbol_history - 1 as return_6m,
        daily_bars.adj_close / lag(daily_bars.adj_close, 252) over symbol_history - 1 as return_12m,
    from daily_bars
    window symbol_history as (partition by daily_bars.symbol order by daily_bars.trade_date)
),

joined as (
    select
        returns.*,
        instruments.instrument_name,
        instruments.asset_class,
        instruments.role,
        instruments.sector,
        instruments.sector_group,
        instruments.style,
        instruments.theme,
        instruments.trading_calendar,
        instruments.milestone_step,
    from returns
    left join instruments
        on returns.symbol = instruments.symbol
)

select * from joined
