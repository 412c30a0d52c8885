{{ config(severity='warn') }}
-- The same reconciliation as assert_capex_quarters_sum_to_fiscal_year for the other additive
-- concepts (revenue, operating cash flow, finance-lease principal, net income), as a warning:
-- reported discrete quarters of income-statement concepts may carry the filer's rounding.
with

quarterly_values as (
    select * from {{ ref('int_sec__quarterly_values') }}
    where concept != 'capex'
),

fiscal_years as (
    select
        quarterly_values.cik,
        quarterly_values.concept,
        quarterly_values.fiscal_year,
        count(*) filter (where quarterly_values.is_derivable) as derivable_quarters,
        sum(quarterly_values.value_usd) as quarters_sum_usd,
        max(quarterly_values.fiscal_year_value_usd) as fiscal_year_value_usd,
    from quarterly_values
    group by all
)

select
    fiscal_years.*,
    fiscal_years.quarters_sum_usd - fiscal_years.fiscal_year_value_usd as difference_usd,
from fiscal_years
where
    fiscal_years.derivable_quarters = 4
    and fiscal_years.fiscal_year_value_usd is not null
    and abs(fiscal_years.quarters_sum_usd - fiscal_years.fiscal_year_value_usd) > 1e6
