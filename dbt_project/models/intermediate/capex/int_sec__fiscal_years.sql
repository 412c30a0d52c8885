-- Rule 3: a company's fiscal years, from the periods its ANNUAL REPORTS call a fiscal year:
-- a fact reported by a 10-K-like filing (10-K, 10-K/A, 10-KT, 20-F, 40-F and amendments) in
-- its fp = 'FY' column, lasting 350 to 380 days (52/53-week years last 364 or 371). Length
-- alone never makes a fiscal year: 10-Qs carry trailing-twelve-month columns, and a 12-month
-- period reported only by 10-Qs is not one. fy on a fact is the FILING's fiscal year (a
-- 10-K re-reports two earlier years), so the fiscal year is named from the period itself: the
-- calendar year in which it ends, except that a year ending in the first 7 days of January
-- (a 52/53-week year ending on the Saturday nearest 31 December) is named for the year
-- before: fiscal_year = year(period_end - 7 days). Microsoft fiscal 2025 ends 2025-06-30,
-- Oracle fiscal 2025 ends 2025-05-31, NVIDIA fiscal 2025 ends 2025-01-26.
-- When two different periods get the same name (a company changed its year end), the one
-- that more facts support wins, then the later end.
-- After the last reported fiscal year one OPEN year follows (is_closed = false): it starts the
-- day after, its end is unknown until its annual report is filed, and its 10-Q facts (whose
-- year-to-date periods start on that day) belong to it.
with

facts as (
    select * from {{ ref('stg_sec__facts') }}
),

concepts as (
    select * from {{ ref('stg_seeds__sec_concepts') }}
),

annual_periods as (
    select
        facts.cik,
        facts.period_start,
        facts.period_end,
        facts.duration_days,
        count(distinct facts.tag) as supporting_tags_count,
    from facts
    inner join concepts
        on facts.taxonomy = concepts.taxonomy
        and facts.tag = concepts.tag
        and facts.unit = concepts.unit
    where
        facts.is_annual_report_filing
        and facts.period_start is not null
        and facts.duration_days between 350 and 380
    group by all
),

named as (
    select
        annual_periods.*,
        year(annual_periods.period_end - interval 7 day) as fiscal_year,
    from annual_periods
),

chosen as (
    select
        named.cik,
        named.fiscal_year,
        named.period_start as fiscal_year_start,
        named.period_end as fiscal_year_end,
        named.duration_days,
        named.supporting_tags_count,
    from named
    qualify row_number() over (
        partition by named.cik, named.fiscal_year
        order by named.supporting_tags_count desc, named.period_end desc, named.period_start desc
    ) = 1
),

closed_years as (
    select
        chosen.cik,
        chosen.fiscal_year,
        chosen.fiscal_year_start,
        chosen.fiscal_year_end,
        chosen.duration_days,
        true as is_closed,
        chosen.supporting_tags_count,
    from chosen
),

open_years as (
    select
        closed_years.cik,
        closed_years.fiscal_year + 1 as fiscal_year,
        cast(closed_years.fiscal_year_end + interval 1 day as date) as fiscal_year_start,
        cast(null as date) as fiscal_year_end,
        cast(null as integer) as duration_days,
        false as is_closed,
        0 as supporting_tags_count,
    from closed_years
    qualify row_number() over (
        partition by closed_years.cik order by closed_years.fiscal_year desc
    ) = 1
),

fiscal_years as (
    select * from closed_years
    union all
    select * from open_years
)

select
    fiscal_years.cik,
    fiscal_years.fiscal_year,
    fiscal_years.fiscal_year_start,
    fiscal_years.fiscal_year_end,
    fiscal_years.duration_days,
    fiscal_years.is_closed,
    fiscal_years.supporting_tags_count,
from fiscal_years
