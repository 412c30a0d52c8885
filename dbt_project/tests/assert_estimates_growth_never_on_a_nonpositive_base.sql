-- Growth is never computed on a base <= 0: every row flagged has_negative_base has NULL
-- eps_growth and says so, and no row with a positive base is flagged.
select
    expectations.as_of_date,
    expectations.entity_id,
    expectations.fiscal_period,
    expectations.source,
    expectations.eps_base,
    expectations.eps_growth,
    expectations.has_negative_base,
    expectations.growth_definition,
from {{ ref('fct_earnings_growth_expectations') }} as expectations
where
    (expectations.has_negative_base and expectations.eps_growth is not null)
    or (expectations.has_negative_base and expectations.growth_definition <> 'NULL: base <= 0')
    or (expectations.has_negative_base <> coalesce(expectations.eps_base <= 0, false))
