-- Each hyperscaler's part of fct_hyperscaler_capex (grain: period_type, period_label,
-- ticker): the long companion table of company shares, so a change to the hyperscaler list
-- in the companies seed needs no new columns.
with

capex_quarterly as (
    select * from {{ ref('fct_capex_quarterly') }}
),

companies as (
    select * from {{ ref('stg_seeds__companies') }}
),

totals as (
    select * from {{ ref('fct_hyperscaler_capex') }}
),

guidance_vs_actual as (
    select * from {{ ref('int_capex__guidance_vs_actual') }}
),

company_quarters as (
    select
        capex_quarterly.ticker,
        capex_quarterly.cik,
        capex_quarterly.calendar_year,
        capex_quarterly.calendar_quarter,
        capex_quarterly.capex_usd,
    from capex_quarterly
    inner join companies
        on capex_quarterly.cik = companies.cik
    where companies.is_hyperscaler
),

by_quarter as (
    select
        'quarter' as period_type,
        company_quarters.calendar_year || 'Q' || company_quarters.calendar_quarter as period_label,
        company_quarters.ticker,
        company_quarters.cik,
        sum(company_quarters.capex_usd) as capex_usd,
        count(company_quarters.capex_usd) as quarters_reported,
    from company_quarters
    group by all
),

by_year as (
    select
        'year' as period_type,
        cast(company_quarters.calendar_year as varchar) as period_label,
        company_quarters.ticker,
        company_quarters.cik,
        sum(company_quarters.capex_usd) as capex_usd,
        count(company_quarters.capex_usd) as quarters_reported,
    from company_quarters
    group by all
),

company_periods as (
    select * from by_quarter
    union all
    select * from by_year
),

final as (
    select
        totals.period_type,
        totals.period_label,
        totals.calendar_year,
        totals.calendar_quarter,
        company_periods.ticker,
        company_periods.cik,
        company_periods.capex_usd,
        cast(company_periods.quarters_reported as integer) as quarters_reported,
        case
            when totals.capex_usd > 0 then company_periods.capex_usd / totals.capex_usd
        end as share_of_total,
        totals.is_complete as is_period_complete,
        guidance_vs_actual.guidance_low_usd,
        guidance_vs_actual.guidance_high_usd,
        guidance_vs_actual.guidance_midpoint_usd,
        guidance_vs_actual.guidance_basis,
        guidance_vs_actual.announced_on as guidance_announced_on,
        guidance_vs_actual.actual_usd as fiscal_year_actual_usd,
        guidance_vs_actual.actual_vs_guidance_midpoint,
    from company_periods
    inner join totals
        on company_periods.period_type = totals.period_type
        and company_periods.period_label = totals.period_label
    left join guidance_vs_actual
        on company_periods.period_type = 'year'
        and company_periods.ticker = guidance_vs_actual.ticker
        and totals.calendar_year = guidance_vs_actual.fiscal_year
    where company_periods.quarters_reported > 0
)

select * from final
