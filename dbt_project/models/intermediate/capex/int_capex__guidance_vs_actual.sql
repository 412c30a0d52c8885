-- The current capex guidance of each company and fiscal year against what the company then
-- reported (grain: ticker, fiscal_year). Current guidance = the latest announced_on; the
-- actual is the fiscal-year value (the annual report's FY fact) on the guidance's basis:
-- capex, or capex + finance-lease principal (capex_incl_finance_leases); NULL until the
-- fiscal year is reported (or, for the second basis, when finance-lease principal is not).
with

guidance as (
    select * from {{ ref('stg_seeds__capex_guidance') }}
),

companies as (
    select * from {{ ref('stg_seeds__companies') }}
),

quarterly_values as (
    select * from {{ ref('int_sec__quarterly_values') }}
),

latest_guidance as (
    select
        guidance.*,
        count(*) over (partition by guidance.ticker, guidance.fiscal_year) as announcements_count,
    from guidance
    qualify row_number() over (
        partition by guidance.ticker, guidance.fiscal_year order by guidance.announced_on desc
    ) = 1
),

fiscal_year_actuals as (
    select
        quarterly_values.cik,
        quarterly_values.fiscal_year,
        max(quarterly_values.fiscal_year_value_usd) filter (where quarterly_values.concept = 'capex') as capex_usd,
        max(quarterly_values.fiscal_year_value_usd)
            filter (where quarterly_values.concept = 'finance_lease_principal') as finance_lease_principal_usd,
    from quarterly_values
    where quarterly_values.concept in ('capex', 'finance_lease_principal')
    group by all
),

compared as (
    select
        latest_guidance.ticker,
        companies.cik,
        companies.is_hyperscaler,
        latest_guidance.fiscal_year,
        latest_guidance.guidance_low_usd,
        latest_guidance.guidance_high_usd,
        latest_guidance.guidance_midpoint_usd,
        latest_guidance.guidance_basis,
        latest_guidance.announced_on,
        latest_guidance.announcements_count,
        case latest_guidance.guidance_basis
            when 'capex' then fiscal_year_actuals.capex_usd
            when 'capex_incl_finance_leases'
                then fiscal_year_actuals.capex_usd + fiscal_year_actuals.finance_lease_principal_usd
        end as actual_usd,
    from latest_guidance
    inner join companies
        on latest_guidance.ticker = companies.ticker
    left join fiscal_year_actuals
        on companies.cik = fiscal_year_actuals.cik
        and latest_guidance.fiscal_year = fiscal_year_actuals.fiscal_year
)

select
    compared.*,
    case
        when compared.guidance_midpoint_usd > 0
            then compared.actual_usd / compared.guidance_midpoint_usd - 1
    end as actual_vs_guidance_midpoint,
from compared
