{{
    config(
        materialized='incremental',
        unique_key=['universe', 'trade_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Breadth counts per universe per NYSE session (grain: universe, trade_date) over point-in-time
-- members only. Universes: the whole index (sp500, r2000) and, for spell-based indices, one per
-- GICS sector of the spell (sp500:Energy, ...).
-- Incremental: sessions from recompute_from on are recomputed, the earliest of
--   * the last `breadth_lookback_sessions` (default 5) sessions already built,
--   * the earliest session whose int_breadth__symbol_sessions rows were recomputed after this
--     table was last built (computed_at),
--   * the earliest session whose member set changed (membership_fingerprint = bit_xor of the
--     members' symbol hashes differs, or the universe-session is new): restated spells or
--     snapshots are found wherever they are, however the loader reloads them.
-- A new session costs one session of member rows plus the fingerprint pass (a hash over
-- every member-session, no price join).
{%- set lookback_sessions = var('breadth_lookback_sessions', 5) %}

with

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

member_sessions as (
    select * from {{ ref('int_breadth__member_sessions') }}
),

universe_members as (
    select
        member_sessions.index_universe as universe,
        member_sessions.index_universe,
        cast(null as varchar) as gics_sector,
        member_sessions.trade_date,
        member_sessions.symbol,
    from member_sessions
    union all
    select
        member_sessions.index_universe || ':' || member_sessions.gics_sector as universe,
        member_sessions.index_universe,
        member_sessions.gics_sector,
        member_sessions.trade_date,
        member_sessions.symbol,
    from member_sessions
    where
        member_sessions.membership_source = 'membership'
        and member_sessions.gics_sector is not null
),

fingerprints as (
    select
        universe_members.universe,
        universe_members.index_universe,
        universe_members.gics_sector,
        universe_members.trade_date,
        count(*) as members_expected,
        bit_xor(hash(universe_members.symbol)) as membership_fingerprint,
    from universe_members
    group by all
),

{% if is_incremental() %}

recompute_window as (
    select
        coalesce(
            least(
                (
                    select min(sessions.trade_date)
                    from sessions
                    where sessions.session_number > (
                        select max(built_sessions.session_number) - {{ lookback_sessions }}
                        from sessions as built_sessions
                        where built_sessions.trade_date <= (select max(this_table.trade_date) from {{ this }} as this_table)
                    )
                ),
                (
                    select min(symbol_sessions.trade_date)
                    from {{ ref('int_breadth__symbol_sessions') }} as symbol_sessions
                    where symbol_sessions.computed_at > (select max(this_table.computed_at) from {{ this }} as this_table)
                ),
                (
                    select min(fingerprints.trade_date)
                    from fingerprints
                    left join {{ this }} as this_table
                        on fingerprints.universe = this_table.universe
                        and fingerprints.trade_date = this_table.trade_date
                    where
                        this_table.universe is null
                        or this_table.membership_fingerprint != fingerprints.membership_fingerprint
                        or this_table.members_expected != fingerprints.members_expected
                )
            ),
            date '0001-01-01'
        ) as recompute_from,
),

{% else %}

recompute_window as (
    select date '0001-01-01' as recompute_from,
),

{% endif %}

symbol_sessions as (
    select * from {{ ref('int_breadth__symbol_sessions') }}
    where trade_date >= (select recompute_window.recompute_from from recompute_window)
),

member_signals as (
    select
        universe_members.universe,
        universe_members.trade_date,
        symbol_sessions.previous_adj_close is not null as has_data,
        symbol_sessions.adj_close > symbol_sessions.previous_adj_close as is_advancer,
        symbol_sessions.adj_close < symbol_sessions.previous_adj_close as is_decliner,
        symbol_sessions.adj_close = symbol_sessions.previous_adj_close as is_unchanged,
        symbol_sessions.has_50d_history,
        symbol_sessions.is_above_50d,
        symbol_sessions.has_200d_history,
        symbol_sessions.is_above_200d,
        symbol_sessions.has_52w_history,
        symbol_sessions.is_new_52w_high,
        symbol_sessions.is_new_52w_low,
    from universe_members
    left join symbol_sessions
        on universe_members.symbol = symbol_sessions.symbol
        and universe_members.trade_date = symbol_sessions.trade_date
    where universe_members.trade_date >= (select recompute_window.recompute_from from recompute_window)
),

counts as (
    select
        member_signals.universe,
        member_signals.trade_date,
        count(*) filter (where member_signals.has_data) as members_with_data,
        count(*) filter (where member_signals.is_advancer) as advancers,
        count(*) filter (where member_signals.is_decliner) as decliners,
        count(*) filter (where member_signals.is_unchanged) as unchanged,
        count(*) filter (where member_signals.has_50d_history) as members_with_50d_history,
        count(*) filter (where member_signals.is_above_50d) as members_above_50d,
        count(*) filter (where member_signals.has_200d_history) as members_with_200d_history,
        count(*) filter (where member_signals.is_above_200d) as members_above_200d,
        count(*) filter (where member_signals.has_52w_history) as members_with_52w_history,
        count(*) filter (where member_signals.is_new_52w_high) as new_52w_highs,
        count(*) filter (where member_signals.is_new_52w_low) as new_52w_lows,
    from member_signals
    group by all
),

final as (
    select
        fingerprints.universe,
        fingerprints.index_universe,
        fingerprints.gics_sector,
        fingerprints.trade_date,
        cast(fingerprints.members_expected as integer) as members_expected,
        cast(counts.members_with_data as integer) as members_with_data,
        cast(counts.advancers as integer) as advancers,
        cast(counts.decliners as integer) as decliners,
        cast(counts.unchanged as integer) as unchanged,
        cast(counts.members_with_50d_history as integer) as members_with_50d_history,
        cast(counts.members_above_50d as integer) as members_above_50d,
        cast(counts.members_with_200d_history as integer) as members_with_200d_history,
        cast(counts.members_above_200d as integer) as members_above_200d,
        cast(counts.members_with_52w_history as integer) as members_with_52w_history,
        cast(counts.new_52w_highs as integer) as new_52w_highs,
        cast(counts.new_52w_lows as integer) as new_52w_lows,
        fingerprints.membership_fingerprint,
        current_timestamp as computed_at,
    from fingerprints
    inner join counts
        on fingerprints.universe = counts.universe
        and fingerprints.trade_date = counts.trade_date
)

select * from final
