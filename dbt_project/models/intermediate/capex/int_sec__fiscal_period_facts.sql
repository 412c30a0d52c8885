-- The resolved duration facts that line up with a company's fiscal calendar (grain: cik,
-- concept, fiscal_year, fiscal_quarter, period_kind), the inputs of the quarterly derivation:
--   period_kind 'ytd': starts on the fiscal year's first day (year-to-date; YTD periods share
--     the fiscal year start): 3 months (fiscal_quarter 1), 6 months (2), 9 months (3) or the
--     whole fiscal year (4, ending exactly on the fiscal year end);
--   period_kind 'discrete_quarter': lasts 80 to 100 days and starts later in the year (a
--     discrete quarter as 10-Qs report income-statement concepts).
-- fiscal_quarter = the number of quarters from the fiscal year start to the period end:
-- round(days / 91.31), accepted only within 10 days of a quarter boundary (13- and 14-week
-- quarters of 52/53-week years fit). Everything else - trailing-twelve-month columns of
-- 10-Qs, half years, periods straddling two fiscal years - is left out. Facts are assigned to
-- the fiscal year whose period contains them (open year: its first 380 days), never by the
-- filing's fy. Should two facts compete for one slot, the later filed wins.
with

resolved as (
    select * from {{ ref('int_sec__facts_resolved') }}
),

fiscal_years as (
    select * from {{ ref('int_sec__fiscal_years') }}
),

placed as (
    select
        resolved.cik,
        resolved.concept,
        fiscal_years.fiscal_year,
        fiscal_years.fiscal_year_start,
        fiscal_years.fiscal_year_end,
        fiscal_years.is_closed as is_fiscal_year_closed,
        datediff('day', fiscal_years.fiscal_year_start, resolved.period_end) + 1 as days_into_year,
        resolved.tag,
        resolved.unit,
        resolved.period_start,
        resolved.period_end,
        resolved.duration_days,
        resolved.val,
        resolved.accn,
        resolved.filed,
        resolved.form,
        resolved.was_revised,
        resolved.source_mode,
    from resolved
    inner join fiscal_years
        on resolved.cik = fiscal_years.cik
        and resolved.period_start >= fiscal_years.fiscal_year_start
        and resolved.period_end <= coalesce(
            fiscal_years.fiscal_year_end,
            cast(fiscal_years.fiscal_year_start + interval 379 day as date)
        )
    where resolved.period_start is not null
),

classified as (
    select
        placed.*,
        cast(round(placed.days_into_year / 91.31) as integer) as fiscal_quarter,
        case
            when placed.period_start = placed.fiscal_year_start then 'ytd'
            when placed.duration_days between 80 and 100 then 'discrete_quarter'
        end as period_kind,
    from placed
),

aligned as (
    select classified.*,
    from classified
    where
        classified.period_kind is not null
        and classified.fiscal_quarter between 1 and 4
        and abs(classified.days_into_year - classified.fiscal_quarter * 91.31) <= 10
        -- the whole-year YTD fact of a closed year is the fiscal year itself
        and not (
            classified.period_kind = 'ytd'
            and classified.fiscal_quarter = 4
            and classified.is_fiscal_year_closed
            and classified.period_end != classified.fiscal_year_end
        )
        -- a discrete quarter is never the first quarter's YTD (that one is period_kind ytd)
        and not (classified.period_kind = 'discrete_quarter' and classified.fiscal_quarter = 1)
),

deduplicated as (
    select
        aligned.cik,
        aligned.concept,
        aligned.fiscal_year,
        aligned.fiscal_quarter,
        aligned.period_kind,
        aligned.fiscal_year_start,
        aligned.fiscal_year_end,
        aligned.is_fiscal_year_closed,
        aligned.tag,
        aligned.unit,
        aligned.period_start,
        aligned.period_end,
        aligned.duration_days,
        aligned.val,
        aligned.accn,
        aligned.filed,
        aligned.form,
        aligned.was_revised,
        aligned.source_mode,
    from aligned
    qualify row_number() over (
        partition by
            aligned.cik, aligned.concept, aligned.fiscal_year, aligned.fiscal_quarter, aligned.period_kind
        order by aligned.filed desc, aligned.accn desc, aligned.period_end desc, aligned.period_start desc
    ) = 1
)

select * from deduplicated
