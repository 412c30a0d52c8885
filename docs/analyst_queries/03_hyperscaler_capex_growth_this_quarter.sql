-- Question: how fast is hyperscaler capex growing - the latest complete calendar quarter
-- against the same quarter a year earlier, in total and per company?
-- One row per hyperscaler plus a 'total' row (MSFT + AMZN + GOOGL + META), USD billions.
-- Company fiscal quarters are placed in calendar quarters (Microsoft's year ends in June).
with

this_quarter as (
    select calendar_year, calendar_quarter, period_label,
    from marts.fct_hyperscaler_capex
    where period_type = 'quarter'
        and is_complete
    order by period_end desc
    limit 1
),

by_company as (
    select
        this_quarter.period_label,
        current_year.ticker,
        current_year.capex_usd,
        prior_year.capex_usd as capex_prior_year_usd,
        current_year.share_of_total,
    from this_quarter
    inner join marts.fct_hyperscaler_capex_by_company as current_year
        on current_year.period_type = 'quarter'
        and current_year.calendar_year = this_quarter.calendar_year
        and current_year.calendar_quarter = this_quarter.calendar_quarter
    left join marts.fct_hyperscaler_capex_by_company as prior_year
        on prior_year.period_type = 'quarter'
        and prior_year.ticker = current_year.ticker
        and prior_year.calendar_year = this_quarter.calendar_year - 1
        and prior_year.calendar_quarter = this_quarter.calendar_quarter
),

total as (
    select
        this_quarter.period_label,
        'total' as ticker,
        totals.capex_usd,
        totals.capex_prior_year_usd,
        1.0 as share_of_total,
    from this_quarter
    inner join marts.fct_hyperscaler_capex as totals
        on totals.period_type = 'quarter'
        and totals.period_label = this_quarter.period_label
),

combined as (
    select * from by_company
    union all
    select * from total
)

select
    period_label,
    ticker,
    round(capex_usd / 1e9, 3) as capex_bn,
    round(capex_prior_year_usd / 1e9, 3) as capex_prior_year_bn,
    round(capex_usd / capex_prior_year_usd - 1, 4) as yoy_growth,
    round(share_of_total, 4) as share_of_total,
from combined
order by ticker = 'total', capex_usd desc;
