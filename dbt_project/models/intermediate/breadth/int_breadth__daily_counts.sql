{#- unique_key is the session alone: every universe of a recomputed session is rebuilt, and a
    universe-day that no longer exists (a restated spell emptied a sector) must be deleted #}
{{
    config(
        materialized='incremental',
        unique_key=['trade_date'],
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
--     members' symbol hashes differs, or the universe-session is new): restated spells
--     or snapshots are found wherever they are, however the loader reloads them.
-- The fingerprint pass hashes every member-session of the history (38M at 2,500 members x 30
-- years, 4 s), so it runs only when it can find something: when membership or holdings rows
-- were loaded after this table was built, or when the session calendar no longer matches the
-- sessions built (a session added or removed inside the history). recompute_from is found
-- before the query runs, so the query reads member sessions from a literal date on.
-- depends_on: {{ ref('stg_index__membership_spells') }}
-- depends_on: {{ ref('stg_index__holdings') }}
{#- member sessions per universe and their fingerprints: the probe and the query share them #}
{%- set universe_member_ctes %}
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
)
{%- endset %}
{%- set recompute_from = '0001-01-01' %}
{%- if is_incremental() and execute %}
    {%- set gate_sql %}
        with
        built as (
            select
                max(this_table.trade_date) as last_built_date,
                timezone('UTC', max(this_table.computed_at)) as last_built_at,
            from {{ this }} as this_table
        ),
        built_sessions as (
            select distinct this_table.trade_date,
            from {{ this }} as this_table
        ),
        calendar_sessions as (
            select sessions.trade_date,
            from {{ ref('int_prices__nyse_sessions') }} as sessions
            where sessions.trade_date <= (select built.last_built_date from built)
        )
        select
            exists (
                select 1
                from {{ ref('stg_index__membership_spells') }} as spells
                where spells.loaded_at > (select built.last_built_at from built)
            )
            or exists (
                select 1
                from {{ ref('stg_index__holdings') }} as holdings
                where holdings.loaded_at > (select built.last_built_at from built)
            )
            or exists (
                (select * from built_sessions except select * from calendar_sessions)
                union all
                (select * from calendar_sessions except select * from built_sessions)
            ) as compare_fingerprints
    {%- endset %}
    {%- set compare_fingerprints = run_query(gate_sql).columns[0].values()[0] %}
    {%- set probe_sql %}
        with
        {{ universe_member_ctes }}
        select
            coalesce(
                least(
                    {{ breadth_lookback_start('sessions', 'select max(this_table.trade_date) from ' ~ this ~ ' as this_table') }},
                    (
                        select min(symbol_sessions.trade_date)
                        from {{ ref('int_breadth__symbol_sessions') }} as symbol_sessions
                        where symbol_sessions.computed_at > (select max(this_table.computed_at) from {{ this }} as this_table)
                    ){% if compare_fingerprints %},
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
                    ){% endif %}
                ),
                date '0001-01-01'
            ) as recompute_from
    {%- endset %}
    {%- set recompute_from = run_query(probe_sql).columns[0].values()[0] %}
{%- endif %}

with

{{ universe_member_ctes }},

-- the recompute window as a literal date: DuckDB pushes it into the member-session view and
-- the symbol-session scan
symbol_sessions as (
    select * from {{ ref('int_breadth__symbol_sessions') }}
    where trade_date >= date '{{ recompute_from }}'
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
    where universe_members.trade_date >= date '{{ recompute_from }}'
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
    where fingerprints.trade_date >= date '{{ recompute_from }}'
)

select * from final
