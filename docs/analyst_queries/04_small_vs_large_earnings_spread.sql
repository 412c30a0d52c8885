-- Question: are small caps expected to outgrow large caps? The Russell 2000 minus S&P 500
-- expected EPS growth spread over time, for each calendar year estimated.
-- One row per estimate snapshot (as_of_date) and calendar year where both sides exist.
-- Growth is a decimal fraction (0.08 = 8 percentage points); each side names its source
-- (vendor index figure, Yahoo indexTrend, or bottom-up from company estimates).
select
    as_of_date,
    calendar_year,
    round(sp500_eps_growth, 4) as sp500_eps_growth,
    round(r2000_eps_growth, 4) as r2000_eps_growth,
    round(small_minus_large_eps_growth, 4) as small_minus_large,
    round(
        small_minus_large_eps_growth
        - lag(small_minus_large_eps_growth) over (partition by calendar_year order by as_of_date),
        4
    ) as change_since_previous_snapshot,
    sp500_growth_source,
    r2000_growth_source,
from marts.fct_small_vs_large_earnings
where small_minus_large_eps_growth is not null
order by calendar_year, as_of_date;
