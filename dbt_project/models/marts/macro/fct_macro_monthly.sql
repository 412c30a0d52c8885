-- One row per calendar month from the first to the last month any input series has a value.
-- LATEST vintage of every observation (today's knowledge, revisions included); for what was
-- known at the time see fct_macro_observations_asof and fct_macro_regime_daily.
-- Daily and weekly series are monthly values from int_fred__monthly_latest (seed
-- monthly_aggregation: mean of the month's non-NULL observations, or the last one).
-- Window functions run over the contiguous month spine, so "12 rows earlier" = 12 months.
with

monthly as (
    select * from {{ ref('int_fred__monthly_latest') }}
),

inputs as (
    select monthly.*,
    from monthly
    where monthly.series_id in (
        'DFF', 'FEDFUNDS', 'DFEDTARU', 'DFEDTARL', 'DGS2', 'DGS10', 'T10Y2Y', 'CPIAUCSL',
        'CPILFESL', 'UNRATE', 'PAYEMS', 'ICSA', 'UMCSENT', 'RSAFS', 'DTWEXBGS', 'BAMLH0A0HYM2',
        'M2SL', 'WALCL'
    )
),

month_spine as (
    select cast(unnest(generate_series(min(inputs.month_start), max(inputs.month_start), interval 1 month)) as date) as month_start,
    from inputs
),

pivoted as (
    select
        month_spine.month_start,
        max(inputs.value) filter (where inputs.series_id = 'DFF') as dff_mean,
        max(inputs.value) filter (where inputs.series_id = 'FEDFUNDS') as fedfunds,
        max(inputs.value) filter (where inputs.series_id = 'DFEDTARU') as target_upper,
        max(inputs.value) filter (where inputs.series_id = 'DFEDTARL') as target_lower,
        max(inputs.value) filter (where inputs.series_id = 'DGS2') as treasury_2y,
        max(inputs.value) filter (where inputs.series_id = 'DGS10') as treasury_10y,
        max(inputs.value) filter (where inputs.series_id = 'T10Y2Y') as t10y2y,
        max(inputs.value) filter (where inputs.series_id = 'CPIAUCSL') as cpi,
        max(inputs.value) filter (where inputs.series_id = 'CPILFESL') as core_cpi,
        max(inputs.value) filter (where inputs.series_id = 'UNRATE') as unemployment_rate,
        max(inputs.value) filter (where inputs.series_id = 'PAYEMS') as payrolls,
        max(inputs.value) filter (where inputs.series_id = 'ICSA') as initial_claims_mean,
        max(inputs.last_4_observations_mean) filter (where inputs.series_id = 'ICSA')
            as initial_claims_4wk_avg,
        max(inputs.value) filter (where inputs.series_id = 'UMCSENT') as umich_sentiment,
        max(inputs.value) filter (where inputs.series_id = 'RSAFS') as retail_sales,
        max(inputs.value) filter (where inputs.series_id = 'DTWEXBGS') as dollar_index,
        max(inputs.value) filter (where inputs.series_id = 'BAMLH0A0HYM2') as hy_spread,
        max(inputs.value) filter (where inputs.series_id = 'M2SL') as m2,
        max(inputs.value) filter (where inputs.series_id = 'WALCL') as fed_balance_sheet,
    from month_spine
    left join inputs
        on month_spine.month_start = inputs.month_start
    group by month_spine.month_start
),

derived as (
    select
        pivoted.*,
        coalesce(pivoted.dff_mean, pivoted.fedfunds) as fed_funds_effective,
        case
            when pivoted.dff_mean is not null then 'DFF'
            when pivoted.fedfunds is not null then 'FEDFUNDS'
        end as fed_funds_effective_source,
        coalesce(pivoted.t10y2y, pivoted.treasury_10y - pivoted.treasury_2y) as curve_10y_2y,
        (pivoted.cpi / nullif(lag(pivoted.cpi, 12) over months, 0) - 1) * 100 as cpi_yoy_pct,
        (pivoted.core_cpi / nullif(lag(pivoted.core_cpi, 12) over months, 0) - 1) * 100 as core_cpi_yoy_pct,
        case
            when count(pivoted.unemployment_rate) over last_three_months = 3
                then avg(pivoted.unemployment_rate) over last_three_months
        end as unemployment_3m_avg,
        pivoted.payrolls - lag(pivoted.payrolls) over months as payrolls_change,
        pivoted.umich_sentiment - lag(pivoted.umich_sentiment) over months as umich_sentiment_change,
        (pivoted.retail_sales / nullif(lag(pivoted.retail_sales, 12) over months, 0) - 1) * 100
            as retail_sales_yoy_pct,
        (pivoted.dollar_index / nullif(lag(pivoted.dollar_index, 12) over months, 0) - 1) * 100
            as dollar_index_yoy_pct,
        (pivoted.m2 / nullif(lag(pivoted.m2, 12) over months, 0) - 1) * 100 as m2_yoy_pct,
        pivoted.fed_balance_sheet - lag(pivoted.fed_balance_sheet) over months as fed_balance_sheet_change,
    from pivoted
    window
        months as (order by pivoted.month_start),
        last_three_months as (order by pivoted.month_start rows between 2 preceding and current row)
),

with_sahm as (
    select
        derived.*,
        case
            when count(derived.unemployment_3m_avg) over prior_twelve_months = 12
                then derived.unemployment_3m_avg - min(derived.unemployment_3m_avg) over prior_twelve_months
        end as sahm_indicator,
    from derived
    window prior_twelve_months as (
        order by derived.month_start rows between 12 preceding and 1 preceding
    )
),

final as (
    select
        cast(with_sahm.month_start as date) as month_start,
        cast(with_sahm.fed_funds_effective as double) as fed_funds_effective,
        cast(with_sahm.fed_funds_effective_source as varchar) as fed_funds_effective_source,
        cast(with_sahm.target_upper as double) as fed_funds_target_upper,
        cast(with_sahm.target_lower as double) as fed_funds_target_lower,
        cast(with_sahm.treasury_2y as double) as treasury_2y,
        cast(with_sahm.treasury_10y as double) as treasury_10y,
        cast(with_sahm.curve_10y_2y as double) as curve_10y_2y,
        cast(with_sahm.fed_funds_effective - with_sahm.cpi_yoy_pct as double) as real_fed_funds,
        cast(with_sahm.cpi as double) as cpi_index,
        cast(with_sahm.cpi_yoy_pct as double) as cpi_yoy_pct,
        cast(with_sahm.core_cpi as double) as core_cpi_index,
        cast(with_sahm.core_cpi_yoy_pct as double) as core_cpi_yoy_pct,
        cast(with_sahm.unemployment_rate as double) as unemployment_rate,
        cast(with_sahm.unemployment_3m_avg as double) as unemployment_3m_avg,
        cast(with_sahm.sahm_indicator as double) as sahm_indicator,
        cast(with_sahm.sahm_indicator >= 0.5 as boolean) as sahm_triggered,
        cast(with_sahm.payrolls as double) as payrolls,
        cast(with_sahm.payrolls_change as double) as payrolls_change,
        cast(with_sahm.initial_claims_4wk_avg as double) as initial_claims_4wk_avg,
        cast(with_sahm.initial_claims_mean as double) as initial_claims_mean,
        cast(with_sahm.umich_sentiment as double) as umich_sentiment,
        cast(with_sahm.umich_sentiment_change as double) as umich_sentiment_change,
        cast(with_sahm.retail_sales as double) as retail_sales,
        cast(with_sahm.retail_sales_yoy_pct as double) as retail_sales_yoy_pct,
        cast(with_sahm.dollar_index as double) as dollar_index,
        cast(with_sahm.dollar_index_yoy_pct as double) as dollar_index_yoy_pct,
        cast(with_sahm.hy_spread as double) as hy_spread,
        cast(with_sahm.m2 as double) as m2,
        cast(with_sahm.m2_yoy_pct as double) as m2_yoy_pct,
        cast(with_sahm.fed_balance_sheet as double) as fed_balance_sheet,
        cast(with_sahm.fed_balance_sheet_change as double) as fed_balance_sheet_change,
    from with_sahm
)

select * from final
