-- Sector universes partition the index's members: on every session the sector universes'
-- members_expected add up to at most the whole index's (members without a sector are in no
-- sector universe), and never to more.
with

breadth as (
    select * from {{ ref('fct_market_breadth_daily') }}
),

sector_totals as (
    select
        breadth.index_universe,
        breadth.trade_date,
        sum(breadth.members_expected) as sector_members,
    from breadth
    where breadth.gics_sector is not null
    group by all
)

select
    sector_totals.*,
    index_rows.members_expected as index_members,
from sector_totals
left join breadth as index_rows
    on sector_totals.index_universe = index_rows.universe
    and sector_totals.trade_date = index_rows.trade_date
where index_rows.members_expected is null or sector_totals.sector_members > index_rows.members_expected
