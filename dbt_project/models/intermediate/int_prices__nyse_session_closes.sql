-- Every symbol on NYSE sessions only. Alignment rule: for NYSE session date D take the
-- symbol's bar dated D. For NYSE-listed symbols that is the exchange-local session; for crypto
-- it is the UTC day D bar, so Saturday's and Sunday's moves fold into Monday's session return.
-- Returns are recomputed over session rows (a symbol without a bar on a session simply has no
-- row, and its next return spans the gap: see sessions_since_previous_bar).
with

returns as (
    select * from {{ ref('int_prices__returns') }}
),

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

session_bars as (
    select
        sessions.trade_date,
        sessions.session_number,
        returns.symbol,
        returns.provider,
        returns.source_mode,
        returns.close,
        returns.adj_close,
        returns.instrument_name,
        returns.asset_class,
        returns.role,
        returns.sector,
        returns.sector_group,
        returns.style,
        returns.theme,
        returns.trading_calendar,
    from sessions
    inner join returns
        on sessions.trade_date = returns.trade_date
),

session_returns as (
    select
        session_bars.*,
        session_bars.session_number
            - lag(session_bars.session_number) over symbol_sessions as sessions_since_previous_bar,
        session_bars.adj_close / lag(session_bars.adj_close, 1) over symbol_sessions - 1 as session_return,
        session_bars.adj_close / lag(session_bars.adj_close, 5) over symbol_sessions - 1 as return_1w,
        session_bars.adj_close / lag(session_bars.adj_close, 21) over symbol_sessions - 1 as return_1m,
        session_bars.adj_close / lag(session_bars.adj_close, 63) over symbol_sessions - 1 as return_3m,
        session_bars.adj_close / lag(session_bars.adj_close, 126) over symbol_sessions - 1 as return_6m,
        session_bars.adj_close / lag(session_bars.adj_close, 252) over symbol_sessions - 1 as return_12m,
    from session_bars
    window symbol_sessions as (partition by session_bars.symbol order by session_bars.trade_date)
)

select * from session_returns
