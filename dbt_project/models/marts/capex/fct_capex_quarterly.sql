-- One row per company per fiscal quarter in which it reported capex (grain: cik, fiscal_year,
-- fiscal_quarter). Quarterly values and their derivation come from
-- int_sec__quarterly_values; TTM and YoY are computed here over the company's quarters.
with

quarterly_values as (
    select * from {{ ref('int_sec__quarterly_values') }}
),

companies as (
    select * from {{ ref('stg_seeds__companies') }}
),

capex as (
    select * from quarterly_values
    where concept = 'capex'
),

finance_lease_principal as (
    select * from quarterly_values
    where concept = 'finance_lease_principal'
),

revenue as (
    select * from quarterly_values
    where concept = 'revenue'
),

operating_cash_flow as (
    select * from quarterly_values
    where concept = 'operating_cash_flow'
),

combined as (
    select
        companies.ticker,
        capex.cik,
        capex.fiscal_year,
        capex.fiscal_quarter,
        capex.period_start,
        capex.period_end,
        capex.is_period_end_estimated,
        capex.calendar_year,
        capex.calendar_quarter,
        capex.value_usd as capex_usd,
        finance_lease_principal.value_usd as finance_lease_principal_usd,
        revenue.value_usd as revenue_usd,
        operating_cash_flow.value_usd as operating_cash_flow_usd,
        capex.tag as capex_tag,
        capex.derivation as capex_derivation,
        capex.is_derivable as is_capex_derivable,
        capex.source_accn,
        capex.source_filed,
        -- consecutive numbering of fiscal quarters, for the trailing four-quarter window
        capex.fiscal_year * 4 + capex.fiscal_quarter - 1 as fiscal_quarter_index,
    from capex
    inner join companies
        on capex.cik = companies.cik
    left join finance_lease_principal
        on capex.cik = finance_lease_principal.cik
        and capex.fiscal_year = finance_lease_principal.fiscal_year
        and capex.fiscal_quarter = finance_lease_principal.fiscal_quarter
    left join revenue
        on capex.cik = revenue.cik
        and capex.fiscal_year = revenue.fiscal_year
        and capex.fiscal_quarter = revenue.fiscal_quarter
    left join operating_cash_flow
        on capex.cik = operating_cash_flow.cik
        and capex.fiscal_year = operating_cash_flow.fiscal_year
        and capex.fiscal_quarter = operating_cash_flow.fiscal_quarter
),

last_four as (
    select
        combined.*,
        sum(combined.capex_usd) over last_four_quarters as capex_last_four_sum,
        count(combined.capex_usd) over last_four_quarters as capex_last_four_count,
    from combined
    window last_four_quarters as (
        partition by combined.cik
        order by combined.fiscal_quarter_index
        range between 3 preceding and current row
    )
),

with_prior_year as (
    select
        last_four.*,
        prior_year.capex_usd as capex_prior_year_usd,
    from last_four
    left join combined as prior_year
        on last_four.cik = prior_year.cik
        and last_four.fiscal_year - 1 = prior_year.fiscal_year
        and last_four.fiscal_quarter = prior_year.fiscal_quarter
),

final as (
    select
        with_prior_year.ticker,
        with_prior_year.cik,
        cast(with_prior_year.fiscal_year as integer) as fiscal_year,
        cast(with_prior_year.fiscal_quarter as integer) as fiscal_quarter,
        with_prior_year.period_start,
        with_prior_year.period_end,
        cast(with_prior_year.calendar_year as integer) as calendar_year,
        cast(with_prior_year.calendar_quarter as integer) as calendar_quarter,
        with_prior_year.capex_usd,
        with_prior_year.finance_lease_principal_usd,
        with_prior_year.capex_usd + with_prior_year.finance_lease_principal_usd as capex_incl_finance_leases_usd,
        case
            when with_prior_year.capex_last_four_count = 4 then with_prior_year.capex_last_four_sum
        end as capex_ttm_usd,
        case
            when with_prior_year.capex_prior_year_usd > 0
                then with_prior_year.capex_usd / with_prior_year.capex_prior_year_usd - 1
        end as capex_yoy_growth,
        with_prior_year.revenue_usd,
        with_prior_year.operating_cash_flow_usd,
        case
            when with_prior_year.revenue_usd > 0
                then with_prior_year.capex_usd / with_prior_year.revenue_usd
        end as capex_to_revenue,
        case
            when with_prior_year.operating_cash_flow_usd > 0
                then with_prior_year.capex_usd / with_prior_year.operating_cash_flow_usd
        end as capex_to_operating_cash_flow,
        with_prior_year.operating_cash_flow_usd - with_prior_year.capex_usd as free_cash_flow_usd,
        with_prior_year.capex_tag,
        with_prior_year.capex_derivation,
        with_prior_year.is_capex_derivable,
        with_prior_year.source_accn,
        with_prior_year.source_filed,
        with_prior_year.is_period_end_estimated,
    from with_prior_year
)

select * from final
