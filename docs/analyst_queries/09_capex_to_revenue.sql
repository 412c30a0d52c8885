-- Question: is AI capex paying back? Each hyperscaler's capex against its revenue and
-- operating cash flow, trailing twelve months, over the last eight fiscal quarters.
-- One row per hyperscaler and fiscal quarter (USD billions; ratios are decimal fractions,
-- 0.25 = capex is a quarter of revenue). TTM = the sum of the four fiscal quarters ending
-- with this one, NULL unless all four are reported.
with

hyperscalers as (
    select distinct ticker
    from marts.fct_hyperscaler_capex_by_company
),

quarters as (
    select
        capex.ticker,
        capex.fiscal_year,
        capex.fiscal_quarter,
        capex.period_end,
        capex.capex_usd,
        capex.revenue_usd,
        capex.operating_cash_flow_usd,
        capex.free_cash_flow_usd,
        sum(capex.capex_usd) over ttm as capex_ttm_usd,
        sum(capex.revenue_usd) over ttm as revenue_ttm_usd,
        sum(capex.operating_cash_flow_usd) over ttm as operating_cash_flow_ttm_usd,
        count(capex.capex_usd) over ttm as quarters_in_ttm,
        count(capex.revenue_usd) over ttm as revenue_quarters_in_ttm,
        row_number() over (partition by capex.ticker order by capex.period_end desc) as recency,
    from marts.fct_capex_quarterly as capex
    inner join hyperscalers on capex.ticker = hyperscalers.ticker
    window ttm as (
        partition by capex.ticker
        order by capex.period_end
        rows between 3 preceding and current row
    )
)

select
    ticker,
    fiscal_year,
    fiscal_quarter,
    period_end,
    round(capex_usd / 1e9, 3) as capex_bn,
    round(revenue_usd / 1e9, 3) as revenue_bn,
    round(capex_usd / revenue_usd, 4) as capex_to_revenue,
    case when quarters_in_ttm = 4 and revenue_quarters_in_ttm = 4
        then round(capex_ttm_usd / revenue_ttm_usd, 4) end as capex_to_revenue_ttm,
    case when quarters_in_ttm = 4
        then round(capex_ttm_usd / operating_cash_flow_ttm_usd, 4) end
        as capex_to_operating_cash_flow_ttm,
    round(free_cash_flow_usd / 1e9, 3) as free_cash_flow_bn,
from quarters
where recency <= 8
order by ticker, period_end;
