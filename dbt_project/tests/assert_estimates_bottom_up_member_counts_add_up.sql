-- The member counts of a bottom-up row partition each other: members with a base are
-- positive or non-positive, and each is either in the aggregate or left out for a named
-- reason; the aggregate exists only when some member is in it.
select
    bottom_up.*,
from {{ ref('fct_earnings_growth_bottom_up') }} as bottom_up
where
    bottom_up.members_with_base <> bottom_up.members_positive_base + bottom_up.members_negative_base
    or bottom_up.members_in_aggregate
        <> bottom_up.members_with_base - bottom_up.members_missing_shares - bottom_up.members_other_currency
    or bottom_up.members_with_base > bottom_up.members_with_estimate
    or bottom_up.members_with_estimate > bottom_up.members_in_universe
    or (bottom_up.aggregate_eps_growth is not null and bottom_up.members_in_aggregate = 0)
