-- A company's fiscal years follow each other without overlapping: each starts after the
-- previous one ends (the open year starts the day after the last closed one). Returns the
-- offending pairs.
with

fiscal_years as (
    select * from {{ ref('int_sec__fiscal_years') }}
),

ordered as (
    select
        fiscal_years.cik,
        fiscal_years.fiscal_year,
        fiscal_years.fiscal_year_start,
        fiscal_years.fiscal_year_end,
        lag(fiscal_years.fiscal_year) over by_start as previous_fiscal_year,
        lag(fiscal_years.fiscal_year_end) over by_start as previous_fiscal_year_end,
    from fiscal_years
    window by_start as (partition by fiscal_years.cik order by fiscal_years.fiscal_year_start)
)

select ordered.*,
from ordered
where
    ordered.previous_fiscal_year_end >= ordered.fiscal_year_start
    or ordered.previous_fiscal_year >= ordered.fiscal_year
