{#- unique_key is the session alone: every universe of a recomputed session is rebuilt, and a
    universe-day that no longer exists (a restated spell emptied a sector) must be deleted #}
{{
    config(
        materialized='incremental',
        unique_key=['trade_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="set asof_loop_join_threshold = 0",
        post_hook="reset asof_loop_join_threshold",
    )
}}
-- depends_on: {{ ref('int_breadth__daily_counts') }}
-- The hooks: DuckDB runs an ASOF join as a nested loop when it estimates the left side at
-- under asof_loop_join_threshold rows, and it cannot estimate a CTE; at 500 members x 20 years
-- that loop took 76 s instead of 3 s, so the threshold is 0 for this model only.
-- Equal- vs cap-weighted return and concentration per universe per session (grain: universe,
-- trade_date) over point-in-time members (same universes as int_breadth__daily_counts).
-- Member caps, ONE basis per index and day (fund weights are relative, SEC caps are USD: the
-- two never mix within a universe-day):
--   * holdings weights (weight_source 'holdings_weight'): the snapshot's weight_pct drifted
--     with the price since the snapshot, weight_pct x adj_close / adj_close on the snapshot
--     date (the member's last session bar on or before it); previous cap the same with the
--     previous session's close. Holdings-based indices (r2000: the member's own snapshot
--     row); spell-based indices (sp500 and its sectors) whenever a fund snapshot of the index
--     (IVV) is dated on or before the day: the spell member's row in the latest such snapshot
--     (one fund per index and date, the alphabetically first); a member it does not hold has
--     no cap that day. Membership stays the spells'.
--   * otherwise, spell-based indices (weight_source 'sec_shares_outstanding'): close x SEC
--     shares outstanding known on the day (int_breadth__shares_outstanding, as-of join on
--     cik); previous cap = previous session close x the same share count.
-- Incremental: sessions from recompute_from on are recomputed, the earliest of the
-- int_breadth__daily_counts sessions recomputed since this table was last built (prices,
-- membership and the lookback, see there), the earliest valid_from of shares facts loaded
-- since (new or restated SEC facts) and the earliest snapshot of holdings loaded since.
{%- set recompute_from = '0001-01-01' %}
{%- if is_incremental() and execute %}
    {%- set probe_sql %}
        with
        built as (
            select
                max(this_table.computed_at) as last_computed_at,
                coalesce(max(this_table.shares_loaded_at), timestamp '0001-01-01') as last_shares_loaded_at,
                coalesce(max(this_table.holdings_loaded_at), timestamp '0001-01-01') as last_holdings_loaded_at,
            from {{ this }} as this_table
        )
        select
            coalesce(
                least(
                    (
                        select min(counts.trade_date)
                        from {{ ref('int_breadth__daily_counts') }} as counts
                        where counts.computed_at > (select built.last_computed_at from built)
                    ),
                    (
                        select min(shares.valid_from)
                        from {{ ref('int_breadth__shares_outstanding') }} as shares
                        where shares.loaded_at > (select built.last_shares_loaded_at from built)
                    ),
                    (
                        select min(holdings.as_of_date)
                        from {{ ref('stg_index__holdings') }} as holdings
                        where
                            holdings.is_member
                            and holdings.loaded_at > (select built.last_holdings_loaded_at from built)
                    )
                ),
                date '9999-12-31'
            ) as recompute_from
    {%- endset %}
    {%- set recompute_from = run_query(probe_sql).columns[0].values()[0] %}
{%- endif %}

with

shares as (
    select * from {{ ref('int_breadth__shares_outstanding') }}
),

index_sessions as (
    select * from {{ ref('int_breadth__member_sessions') }}
    where trade_date >= date '{{ recompute_from }}'
),

-- fund snapshots of the indices with spells (sp500: IVV), one fund per index and date
spell_index_holdings as (
    select * from {{ ref('stg_index__holdings') }}
    where
        is_member
        and index_universe in (
            select distinct spells.index_universe
            from {{ ref('stg_index__membership_spells') }} as spells
        )
),

spell_index_snapshots as (
    select
        spell_index_holdings.index_universe,
        spell_index_holdings.as_of_date,
        min(spell_index_holdings.fund) as fund,
    from spell_index_holdings
    group by all
),

-- a spell member's weight: its row in the latest snapshot of its index on or before the day;
-- weight_source is the day's basis for the whole index (holdings once a snapshot exists)
member_sessions as (
    select
        index_sessions.* replace (
            coalesce(index_sessions.holdings_as_of_date, spell_index_holdings.as_of_date)
                as holdings_as_of_date,
            coalesce(index_sessions.holdings_weight_pct, spell_index_holdings.weight_pct)
                as holdings_weight_pct
        ),
        case
            when index_sessions.membership_source = 'holdings' then 'holdings_weight'
            when spell_index_snapshots.as_of_date is not null then 'holdings_weight'
            else 'sec_shares_outstanding'
        end as weight_source,
    from index_sessions
    asof left join spell_index_snapshots
        on index_sessions.index_universe = spell_index_snapshots.index_universe
        and index_sessions.trade_date >= spell_index_snapshots.as_of_date
    left join spell_index_holdings
        on spell_index_snapshots.index_universe = spell_index_holdings.index_universe
        and spell_index_snapshots.as_of_date = spell_index_holdings.as_of_date
        and spell_index_snapshots.fund = spell_index_holdings.fund
        and index_sessions.symbol = spell_index_holdings.symbol
),

-- the recompute window as a literal date, pushed into the scans and the member-session view
symbol_sessions as (
    select * from {{ ref('int_breadth__symbol_sessions') }}
    where trade_date >= date '{{ recompute_from }}'
),

snapshot_members as (
    select distinct member_sessions.symbol, member_sessions.holdings_as_of_date,
    from member_sessions
    where member_sessions.holdings_as_of_date is not null
),

-- each member's adj_close on its last session on or before the snapshot date: read from the
-- symbol sessions of snapshot members up to the latest snapshot only (not all 34M rows)
sessions_before_snapshots as (
    select symbol_history.symbol, symbol_history.trade_date, symbol_history.adj_close,
    from {{ ref('int_breadth__symbol_sessions') }} as symbol_history
    where
        symbol_history.symbol in (select snapshot_members.symbol from snapshot_members)
        and symbol_history.trade_date <= (
            select max(snapshot_members.holdings_as_of_date) from snapshot_members
        )
),

snapshot_prices as (
    select
        snapshot_members.symbol,
        snapshot_members.holdings_as_of_date,
        sessions_before_snapshots.adj_close as snapshot_adj_close,
    from snapshot_members
    asof inner join sessions_before_snapshots
        on snapshot_members.symbol = sessions_before_snapshots.symbol
        and snapshot_members.holdings_as_of_date >= sessions_before_snapshots.trade_date
),

member_shares as (
    select
        member_sessions.*,
        shares.shares_outstanding,
    from member_sessions
    asof left join shares
        on member_sessions.cik = shares.cik
        and member_sessions.trade_date >= shares.valid_from
),

member_caps as (
    select
        member_shares.index_universe,
        member_shares.gics_sector,
        member_shares.membership_source,
        member_shares.weight_source,
        member_shares.trade_date,
        member_shares.symbol,
        symbol_sessions.daily_return,
        case member_shares.weight_source
            when 'sec_shares_outstanding' then symbol_sessions.close * member_shares.shares_outstanding
            when 'holdings_weight'
                then member_shares.holdings_weight_pct * symbol_sessions.adj_close / snapshot_prices.snapshot_adj_close
        end as cap,
        case member_shares.weight_source
            when 'sec_shares_outstanding' then symbol_sessions.previous_close * member_shares.shares_outstanding
            when 'holdings_weight'
                then member_shares.holdings_weight_pct * symbol_sessions.previous_adj_close / snapshot_prices.snapshot_adj_close
        end as previous_cap,
    from member_shares
    left join symbol_sessions
        on member_shares.symbol = symbol_sessions.symbol
        and member_shares.trade_date = symbol_sessions.trade_date
    left join snapshot_prices
        on member_shares.symbol = snapshot_prices.symbol
        and member_shares.holdings_as_of_date = snapshot_prices.holdings_as_of_date
),

weighing_caps as (
    select
        member_caps.*,
        -- only positive caps weigh (a member without shares data or a bar today has none)
        case when member_caps.cap > 0 then member_caps.cap end as weighing_cap,
    from member_caps
),

universe_members as (
    select
        weighing_caps.index_universe as universe,
        weighing_caps.index_universe,
        cast(null as varchar) as gics_sector,
        weighing_caps.* exclude (index_universe, gics_sector),
    from weighing_caps
    union all
    select
        weighing_caps.index_universe || ':' || weighing_caps.gics_sector as universe,
        weighing_caps.index_universe,
        weighing_caps.gics_sector,
        weighing_caps.* exclude (index_universe, gics_sector),
    from weighing_caps
    where
        weighing_caps.membership_source = 'membership'
        and weighing_caps.gics_sector is not null
),

aggregated as (
    select
        universe_members.universe,
        universe_members.index_universe,
        universe_members.gics_sector,
        universe_members.trade_date,
        -- one basis per index and day (see member_sessions)
        any_value(universe_members.weight_source) as weight_source,
        cast(count(*) as integer) as members_expected,
        cast(count(universe_members.daily_return) as integer) as members_with_return,
        cast(count(universe_members.weighing_cap) as integer) as members_with_cap,
        cast(count(*) filter (
            where universe_members.daily_return is not null and universe_members.previous_cap > 0
        ) as integer) as members_in_cap_weight_return,
        avg(universe_members.daily_return) as equal_weight_return,
        sum(universe_members.previous_cap * universe_members.daily_return) filter (
            where universe_members.daily_return is not null and universe_members.previous_cap > 0
        ) / sum(universe_members.previous_cap) filter (
            where universe_members.daily_return is not null and universe_members.previous_cap > 0
        ) as cap_weight_return,
        case
            when any_value(universe_members.weight_source) = 'sec_shares_outstanding'
                then sum(universe_members.weighing_cap)
        end as total_market_cap_usd,
        -- weight_i = cap_i / sum(cap): top 10 = the 10 largest caps over the sum, HHI = sum of
        -- squared caps over the squared sum (no per-member window needed)
        100.0 * list_sum(max(universe_members.weighing_cap, 10)) / sum(universe_members.weighing_cap)
            as top10_weight_pct,
        sum(universe_members.weighing_cap * universe_members.weighing_cap)
            / (sum(universe_members.weighing_cap) * sum(universe_members.weighing_cap)) as herfindahl_index,
    from universe_members
    group by all
),

final as (
    select
        aggregated.*,
        1.0 / aggregated.herfindahl_index as effective_constituents,
        (select max(shares.loaded_at) from shares) as shares_loaded_at,
        (
            select max(holdings.loaded_at)
            from {{ ref('stg_index__holdings') }} as holdings
            where holdings.is_member
        ) as holdings_loaded_at,
        current_timestamp as computed_at,
    from aggregated
)

select * from final
