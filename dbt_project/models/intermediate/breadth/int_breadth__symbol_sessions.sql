{{
    config(
        materialized='incremental',
        unique_key=['symbol', 'trade_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Per-member-symbol signals on NYSE sessions (grain: symbol, trade_date), over the symbol's own
-- session bars (every bar, member or not that day: history before joining an index counts).
-- Incremental: each symbol is recomputed from its recompute_from date, the earliest of
--   * the last `breadth_lookback_sessions` (default 5) sessions already built,
--   * its earliest bar loaded after the newest bar this table has seen (backfills, restated
--     or re-chosen bars),
--   * its whole history when the symbol is new here (just became a member);
-- the 251 bars before recompute_from (a 252-bar window is the longest) come from this table
-- itself, so one new session reads one session of bars plus this table, not 20 years of
-- stg_prices__daily_bars. The earliest recompute date is found before the query runs (a
-- probe on raw.prices_daily._loaded_at) so that the date filter on stg_prices__daily_bars is
-- a literal, which DuckDB pushes below the view's provider-ranking window.
-- depends_on: {{ source('raw', 'prices_daily') }}

{%- set read_bars_from = '0001-01-01' %}
{%- if is_incremental() and execute %}
    {%- set probe_sql %}
        with
        built as (
            select
                max(this_table.trade_date) as last_built_date,
                max(this_table.bar_loaded_at) as last_bar_loaded_at,
            from {{ this }} as this_table
        ),
        sessions as (
            select * from {{ ref('int_prices__nyse_sessions') }}
        ),
        member_symbols as (
            select distinct spells.symbol,
            from {{ ref('stg_index__membership_spells') }} as spells
            union
            select distinct holdings.symbol,
            from {{ ref('stg_index__holdings') }} as holdings
            where holdings.is_member
        )
        select
            coalesce(
                least(
                    {{ breadth_lookback_start('sessions', 'select built.last_built_date from built') }},
                    (
                        select min(raw_bars.date)
                        from {{ source('raw', 'prices_daily') }} as raw_bars
                        where raw_bars._loaded_at > (select built.last_bar_loaded_at from built)
                    ),
                    (
                        select date '0001-01-01'
                        from member_symbols
                        where member_symbols.symbol not in (select distinct this_table.symbol from {{ this }} as this_table)
                        limit 1
                    )
                ),
                date '0001-01-01'
            ) as read_bars_from
    {%- endset %}
    {%- set read_bars_from = run_query(probe_sql).columns[0].values()[0] %}
{%- endif %}
{#- The 251 bars before each symbol's recompute date lie on or after history_from: the session
    504 before read_bars_from, unless some symbol has fewer than 251 bars since then and older
    ones (a long halt), when the whole table is read. Without this bound every night ranked
    the whole table (34M rows at 5,000 symbols x 30 years, 4 s) to keep 251 rows per symbol. #}
{%- set history_from = '0001-01-01' %}
{%- if is_incremental() and execute and read_bars_from | string != '0001-01-01' %}
    {%- set history_probe_sql %}
        with
        candidate as (
            select coalesce(
                (
                    select sessions.trade_date
                    from {{ ref('int_prices__nyse_sessions') }} as sessions
                    where sessions.trade_date < date '{{ read_bars_from }}'
                    order by sessions.trade_date desc
                    limit 1 offset 503
                ),
                date '0001-01-01'
            ) as history_from
        ),
        short_symbols as (
            select this_table.symbol,
            from {{ this }} as this_table
            where this_table.trade_date < date '{{ read_bars_from }}'
            group by this_table.symbol
            having
                count(*) filter (where this_table.trade_date >= (select candidate.history_from from candidate)) < 251
                and bool_or(this_table.trade_date < (select candidate.history_from from candidate))
        )
        select
            case
                when exists (select 1 from short_symbols) then date '0001-01-01'
                else (select candidate.history_from from candidate)
            end as history_from
    {%- endset %}
    {%- set history_from = run_query(history_probe_sql).columns[0].values()[0] %}
{%- endif %}

with

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

member_symbols as (
    select distinct spells.symbol,
    from {{ ref('stg_index__membership_spells') }} as spells
    union
    select distinct holdings.symbol,
    from {{ ref('stg_index__holdings') }} as holdings
    where holdings.is_member
),

session_bars as (
    select
        daily_bars.symbol,
        daily_bars.trade_date,
        sessions.previous_trade_date,
        daily_bars.close,
        daily_bars.adj_close,
        daily_bars.loaded_at,
    from {{ ref('stg_prices__daily_bars') }} as daily_bars
    inner join member_symbols
        on daily_bars.symbol = member_symbols.symbol
    inner join sessions
        on daily_bars.trade_date = sessions.trade_date
    -- a literal, pushed below the staging view's window (every bar on or after the earliest
    -- recompute date; the whole history on a full build)
    where daily_bars.trade_date >= date '{{ read_bars_from }}'
),

{% if is_incremental() %}

built as (
    select
        max(this_table.trade_date) as last_built_date,
        max(this_table.bar_loaded_at) as last_bar_loaded_at,
    from {{ this }} as this_table
),

lookback_start as (
    select {{ breadth_lookback_start('sessions', 'select built.last_built_date from built') }} as lookback_start_date,
),

built_symbols as (
    select distinct this_table.symbol,
    from {{ this }} as this_table
),

changed_bars as (
    select
        session_bars.symbol,
        min(session_bars.trade_date) as first_changed_date,
    from session_bars
    where session_bars.loaded_at > (select built.last_bar_loaded_at from built)
    group by all
),

cutoffs as (
    select
        member_symbols.symbol,
        case
            when built_symbols.symbol is null then date '0001-01-01'
            else coalesce(
                least(
                    (select lookback_start.lookback_start_date from lookback_start),
                    changed_bars.first_changed_date
                ),
                date '0001-01-01'
            )
        end as recompute_from,
    from member_symbols
    left join built_symbols
        on member_symbols.symbol = built_symbols.symbol
    left join changed_bars
        on member_symbols.symbol = changed_bars.symbol
),

-- the 251 bars before each symbol's recompute_from, as already built here (unchanged bars)
window_history as (
    select
        this_table.symbol,
        this_table.trade_date,
        sessions.previous_trade_date,
        this_table.close,
        this_table.adj_close,
        this_table.bar_loaded_at as loaded_at,
    from {{ this }} as this_table
    inner join cutoffs
        on this_table.symbol = cutoffs.symbol
    inner join sessions
        on this_table.trade_date = sessions.trade_date
    where
        this_table.trade_date < cutoffs.recompute_from
        and this_table.trade_date >= date '{{ history_from }}'
    qualify row_number() over (
        partition by this_table.symbol order by this_table.trade_date desc
    ) <= 251
),

recomputed_bars as (
    select session_bars.*,
    from session_bars
    inner join cutoffs
        on session_bars.symbol = cutoffs.symbol
    where session_bars.trade_date >= cutoffs.recompute_from
),

window_input as (
    select * from window_history
    union all
    select * from recomputed_bars
),

{% else %}

cutoffs as (
    select
        member_symbols.symbol,
        date '0001-01-01' as recompute_from,
    from member_symbols
),

window_input as (
    select * from session_bars
),

{% endif %}

signals as (
    select
        window_input.symbol,
        window_input.trade_date,
        window_input.previous_trade_date,
        window_input.close,
        window_input.adj_close,
        window_input.loaded_at,
        lag(window_input.trade_date) over symbol_history as previous_bar_date,
        lag(window_input.close) over symbol_history as previous_bar_close,
        lag(window_input.adj_close) over symbol_history as previous_bar_adj_close,
        avg(window_input.adj_close) over last_50_bars as sma_50d,
        count(*) over last_50_bars as bars_in_50d_window,
        avg(window_input.adj_close) over last_200_bars as sma_200d,
        count(*) over last_200_bars as bars_in_200d_window,
        max(window_input.adj_close) over last_252_bars as max_252d,
        min(window_input.adj_close) over last_252_bars as min_252d,
        count(*) over last_252_bars as bars_in_252d_window,
    from window_input
    window
        symbol_history as (partition by window_input.symbol order by window_input.trade_date),
        last_50_bars as (
            partition by window_input.symbol order by window_input.trade_date
            rows between 49 preceding and current row
        ),
        last_200_bars as (
            partition by window_input.symbol order by window_input.trade_date
            rows between 199 preceding and current row
        ),
        last_252_bars as (
            partition by window_input.symbol order by window_input.trade_date
            rows between 251 preceding and current row
        )
),

final as (
    select
        signals.symbol,
        signals.trade_date,
        signals.close,
        signals.adj_close,
        -- the previous NYSE session's bar only: after a gap the symbol has no session return
        case
            when signals.previous_bar_date = signals.previous_trade_date
                then signals.previous_bar_close
        end as previous_close,
        case
            when signals.previous_bar_date = signals.previous_trade_date
                then signals.previous_bar_adj_close
        end as previous_adj_close,
        case
            when signals.previous_bar_date = signals.previous_trade_date
                then signals.adj_close / signals.previous_bar_adj_close - 1
        end as daily_return,
        case when signals.bars_in_50d_window = 50 then signals.sma_50d end as sma_50d,
        case when signals.bars_in_200d_window = 200 then signals.sma_200d end as sma_200d,
        signals.bars_in_50d_window = 50 as has_50d_history,
        signals.bars_in_200d_window = 200 as has_200d_history,
        signals.bars_in_252d_window = 252 as has_52w_history,
        case
            when signals.bars_in_50d_window = 50 then signals.adj_close > signals.sma_50d
        end as is_above_50d,
        case
            when signals.bars_in_200d_window = 200 then signals.adj_close > signals.sma_200d
        end as is_above_200d,
        case
            when signals.bars_in_252d_window = 252 then signals.adj_close >= signals.max_252d
        end as is_new_52w_high,
        case
            when signals.bars_in_252d_window = 252 then signals.adj_close <= signals.min_252d
        end as is_new_52w_low,
        signals.loaded_at as bar_loaded_at,
        current_timestamp as computed_at,
    from signals
    inner join cutoffs
        on signals.symbol = cutoffs.symbol
    where signals.trade_date >= cutoffs.recompute_from
)

select * from final
