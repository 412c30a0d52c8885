{{ config(materialized='view') }}
-- Point-in-time index members per NYSE session (grain: index_universe, trade_date, symbol).
-- A view: the incremental breadth models read it filtered to the sessions they recompute.
--   * spell-based indices (stg_index__membership_spells): the rule written there, a member
--     when member_from <= D and (member_until is null or D < member_until);
--   * holdings-based indices (stg_index__holdings, only for an index without spells): the
--     member rows of the latest snapshot dated on or before D (one fund per index and date:
--     the alphabetically first, so two funds tracking one index never double count).
with

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

spells as (
    select * from {{ ref('stg_index__membership_spells') }}
),

holdings as (
    select * from {{ ref('stg_index__holdings') }}
    where is_member
),

spell_members as (
    select
        spells.index_universe,
        sessions.trade_date,
        spells.symbol,
        spells.gics_sector,
        spells.cik,
        'membership' as membership_source,
        cast(null as date) as holdings_as_of_date,
        cast(null as double) as holdings_weight_pct,
    from sessions
    inner join spells
        on sessions.trade_date >= spells.member_from
        and (spells.member_until is null or sessions.trade_date < spells.member_until)
),

snapshots as (
    select
        holdings.index_universe,
        holdings.as_of_date,
        min(holdings.fund) as fund,
    from holdings
    where holdings.index_universe not in (select distinct spells.index_universe from spells)
    group by all
),

universe_sessions as (
    select
        universes.index_universe,
        sessions.trade_date,
    from sessions
    cross join (select distinct snapshots.index_universe from snapshots) as universes
),

session_snapshots as (
    select
        universe_sessions.index_universe,
        universe_sessions.trade_date,
        snapshots.as_of_date,
        snapshots.fund,
    from universe_sessions
    asof inner join snapshots
        on universe_sessions.index_universe = snapshots.index_universe
        and universe_sessions.trade_date >= snapshots.as_of_date
),

holdings_members as (
    select
        session_snapshots.index_universe,
        session_snapshots.trade_date,
        holdings.symbol,
        holdings.gics_sector,
        cast(null as bigint) as cik,
        'holdings' as membership_source,
        holdings.as_of_date as holdings_as_of_date,
        holdings.weight_pct as holdings_weight_pct,
    from session_snapshots
    inner join holdings
        on session_snapshots.index_universe = holdings.index_universe
        and session_snapshots.as_of_date = holdings.as_of_date
        and session_snapshots.fund = holdings.fund
),

members as (
    select * from spell_members
    union all
    select * from holdings_members
)

select * from members
