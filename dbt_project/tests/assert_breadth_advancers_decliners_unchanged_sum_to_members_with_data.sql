-- Every member with data (a bar today and on the previous session) is exactly one of advancer,
-- decliner or unchanged, so the three counts add up to members_with_data on every row.
select
    trade_date,
    universe,
    advancers,
    decliners,
    unchanged,
    members_with_data,
from {{ ref('fct_market_breadth_daily') }}
where advancers + decliners + unchanged != members_with_data
