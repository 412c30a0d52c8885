-- Hyperscaler capex added up by calendar period (grain: period_type, period_label): one row
-- per calendar quarter ('quarter', '2025Q3') and per calendar year ('year', '2025'). Company
-- quarters come from fct_capex_quarterly, placed in calendar quarters by its calendar-quarter
-- rule (so June- and January-year-end companies line up with December ones). Guidance
-- columns are filled on year rows only (see the model description).
with

capex_quarterly as (
    select * from {{ ref('fct_capex_quarterly') }}
),

companies as (
    select * from {{ ref('stg_seeds__companies') }}
),

hyperscalers as (
    select * from companies
    where is_hyperscaler
),

expected as (
    select count(*) as companies_expected from hyperscalers
),

company_quarters as (
    select
        capex_quarterly.ticker,
        capex_quarterly.cik,
        capex_quarterly.calendar_year,
        capex_quarterly.calendar_quarter,
        capex_quarterly.capex_usd,
    from capex_quarterly
    inner join hyperscalers
        on capex_quarterly.cik = hyperscalers.cik
),

quarter_totals as (
    select
        'quarter' as period_type,
        company_quarters.calendar_year || 'Q' || company_quarters.calendar_quarter as period_label,
        company_quarters.calendar_year,
        company_quarters.calendar_quarter,
        make_date(company_quarters.calendar_year, company_quarters.calendar_quarter * 3 - 2, 1) as period_start,
        cast(
            make_date(company_quarters.calendar_year, company_quarters.calendar_quarter * 3 - 2, 1)
            + interval 3 month - interval 1 day as date
        ) as period_end,
        sum(company_quarters.capex_usd) as capex_usd,
        count(company_quarters.capex_usd) as companies_reporting,
        string_agg(company_quarters.ticker, '|' order by company_quarters.ticker)
            filter (where company_quarters.capex_usd is not null) as reporting_tickers,
        count(company_quarters.capex_usd) as company_quarters_reported,
    from company_quarters
    group by all
    having count(company_quarters.capex_usd) > 0
),

company_years as (
    select
        company_quarters.ticker,
        company_quarters.cik,
        company_quarters.calendar_year,
        sum(company_quarters.capex_usd) as capex_usd,
        count(company_quarters.capex_usd) as quarters_reported,
    from company_quarters
    group by all
),

guidance_vs_actual as (
    select * from {{ ref('int_capex__guidance_vs_actual') }}
    where is_hyperscaler
),

guidance_totals as (
    select
        guidance_vs_actual.fiscal_year,
        count(*) as guided_companies,
        string_agg(guidance_vs_actual.ticker, '|' order by guidance_vs_actual.ticker) as guided_tickers,
        sum(guidance_vs_actual.guidance_low_usd) as guidance_low_usd,
        sum(guidance_vs_actual.guidance_high_usd) as guidance_high_usd,
        sum(guidance_vs_actual.guidance_midpoint_usd) as guidance_midpoint_usd,
        -- only when every guided company has its full-year actual
        case
            when count(guidance_vs_actual.actual_usd) = count(*) then sum(guidance_vs_actual.actual_usd)
        end as guided_companies_actual_usd,
    from guidance_vs_actual
    group by all
),

years as (
    select distinct calendar_year from company_years
    union
    select distinct fiscal_year from guidance_totals
),

year_totals as (
    select
        'year' as period_type,
        cast(years.calendar_year as varchar) as period_label,
        years.calendar_year,
        cast(null as integer) as calendar_quarter,
        make_date(years.calendar_year, 1, 1) as period_start,
        make_date(years.calendar_year, 12, 31) as period_end,
        sum(company_years.capex_usd) as capex_usd,
        coalesce(count(company_years.ticker) filter (where company_years.quarters_reported = 4), 0) as companies_reporting,
        string_agg(company_years.ticker, '|' order by company_years.ticker)
            filter (where company_years.quarters_reported = 4) as reporting_tickers,
        coalesce(sum(company_years.quarters_reported), 0) as company_quarters_reported,
    from years
    left join company_years
        on years.calendar_year = company_years.calendar_year
    group by all
),

periods as (
    select * from quarter_totals
    union all by name
    select * from year_totals
),

flagged as (
    select
        periods.*,
        expected.companies_expected,
        periods.companies_reporting = expected.companies_expected as is_complete,
    from periods
    cross join expected
),

compared as (
    select
        flagged.*,
        prior.capex_usd as capex_prior_year_usd,
        case
            when flagged.is_complete and prior.is_complete and prior.capex_usd > 0
                then flagged.capex_usd / prior.capex_usd - 1
        end as capex_yoy_growth,
    from flagged
    left join flagged as prior
        on flagged.period_type = prior.period_type
        and flagged.calendar_year - 1 = prior.calendar_year
        and flagged.calendar_quarter is not distinct from prior.calendar_quarter
),

final as (
    select
        compared.period_type,
        compared.period_label,
        cast(compared.calendar_year as integer) as calendar_year,
        cast(compared.calendar_quarter as integer) as calendar_quarter,
        compared.period_start,
        compared.period_end,
        compared.capex_usd,
        cast(compared.companies_expected as integer) as companies_expected,
        cast(compared.companies_reporting as integer) as companies_reporting,
        compared.reporting_tickers,
        cast(compared.company_quarters_reported as integer) as company_quarters_reported,
        compared.is_complete,
        compared.capex_prior_year_usd,
        compared.capex_yoy_growth,
        cast(guidance_totals.guided_companies as integer) as guided_companies,
        guidance_totals.guided_tickers,
        guidance_totals.guidance_low_usd,
        guidance_totals.guidance_high_usd,
        guidance_totals.guidance_midpoint_usd,
        guidance_totals.guided_companies_actual_usd,
        case
            when guidance_totals.guidance_midpoint_usd > 0
                then guidance_totals.guided_companies_actual_usd / guidance_totals.guidance_midpoint_usd - 1
        end as actual_vs_guidance_midpoint,
    from compared
    left join guidance_totals
        on compared.period_type = 'year'
        and compared.calendar_year = guidance_totals.fiscal_year
)

select * from final
