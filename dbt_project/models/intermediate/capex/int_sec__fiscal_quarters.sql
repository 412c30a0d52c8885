-- Each company's fiscal quarters (grain: cik, fiscal_year, fiscal_quarter): the calendar the
-- quarterly values hang on. Closed fiscal years have quarters 1-4; the open year only the
-- quarters some fact has reached so far (no rows for quarters not yet reported).
-- period_end: the fiscal year end for quarter 4 of a closed year; otherwise the end date most
-- facts of the quarter share (YTD or discrete, any concept); with no fact at all, an estimate
-- (fiscal year start + 3 x fiscal_quarter months - 1 day, is_period_end_estimated = true).
-- period_start: the fiscal year start for quarter 1, else the day after the previous quarter.
-- Calendar quarter rule: the calendar quarter containing the fiscal quarter's midpoint
-- (period_start + half its length), i.e. the calendar quarter holding most of its days. A
-- quarter ending on 2025-01-02 (Oct-Dec) is calendar Q4 2024; NVIDIA's quarter of
-- 2025-01-27..2025-04-27 (midpoint 2025-03-12) is calendar Q1 2025; Microsoft's
-- 2025-04-01..2025-06-30 is calendar Q2 2025 (its fiscal Q4 2025).
with

fiscal_years as (
    select * from {{ ref('int_sec__fiscal_years') }}
),

period_facts as (
    select * from {{ ref('int_sec__fiscal_period_facts') }}
),

end_date_counts as (
    select
        period_facts.cik,
        period_facts.fiscal_year,
        period_facts.fiscal_quarter,
        period_facts.period_end,
        count(*) as facts_count,
    from period_facts
    group by all
),

observed_ends as (
    -- the end date most facts of the quarter share; the later one on a tie
    select
        end_date_counts.cik,
        end_date_counts.fiscal_year,
        end_date_counts.fiscal_quarter,
        end_date_counts.period_end as observed_period_end,
    from end_date_counts
    qualify row_number() over (
        partition by end_date_counts.cik, end_date_counts.fiscal_year, end_date_counts.fiscal_quarter
        order by end_date_counts.facts_count desc, end_date_counts.period_end desc
    ) = 1
),

reach as (
    select
        period_facts.cik,
        period_facts.fiscal_year,
        max(period_facts.fiscal_quarter) as last_reported_quarter,
    from period_facts
    group by all
),

quarter_numbers as (
    select unnest([1, 2, 3, 4]) as fiscal_quarter
),

spine as (
    select
        fiscal_years.cik,
        fiscal_years.fiscal_year,
        quarter_numbers.fiscal_quarter,
        fiscal_years.fiscal_year_start,
        fiscal_years.fiscal_year_end,
        fiscal_years.is_closed as is_fiscal_year_closed,
    from fiscal_years
    cross join quarter_numbers
    left join reach
        on fiscal_years.cik = reach.cik
        and fiscal_years.fiscal_year = reach.fiscal_year
    where
        fiscal_years.is_closed
        or quarter_numbers.fiscal_quarter <= reach.last_reported_quarter
),

ends as (
    select
        spine.*,
        case
            when spine.fiscal_quarter = 4 and spine.is_fiscal_year_closed then spine.fiscal_year_end
            when observed_ends.observed_period_end is not null then observed_ends.observed_period_end
            else cast(
                spine.fiscal_year_start + to_months(3 * spine.fiscal_quarter) - interval 1 day as date
            )
        end as period_end,
        not (spine.fiscal_quarter = 4 and spine.is_fiscal_year_closed)
        and observed_ends.observed_period_end is null as is_period_end_estimated,
    from spine
    left join observed_ends
        on spine.cik = observed_ends.cik
        and spine.fiscal_year = observed_ends.fiscal_year
        and spine.fiscal_quarter = observed_ends.fiscal_quarter
),

starts as (
    select
        ends.*,
        case
            when ends.fiscal_quarter = 1 then ends.fiscal_year_start
            else cast(
                lag(ends.period_end) over (
                    partition by ends.cik, ends.fiscal_year order by ends.fiscal_quarter
                ) + interval 1 day as date
            )
        end as period_start,
    from ends
),

calendar as (
    select
        starts.cik,
        starts.fiscal_year,
        starts.fiscal_quarter,
        starts.period_start,
        starts.period_end,
        cast(datediff('day', starts.period_start, starts.period_end) + 1 as integer) as duration_days,
        starts.is_period_end_estimated,
        starts.is_fiscal_year_closed,
        starts.fiscal_year_start,
        starts.fiscal_year_end,
        cast(
            starts.period_start
            + to_days(cast(datediff('day', starts.period_start, starts.period_end) // 2 as integer))
            as date
        ) as period_midpoint,
    from starts
)

select
    calendar.*,
    year(calendar.period_midpoint) as calendar_year,
    quarter(calendar.period_midpoint) as calendar_quarter,
from calendar
