-- One row per fact per filing that reported it (grain: the raw natural key cik, taxonomy, tag,
-- unit, period_start, period_end, accn). Renames and casts only; the derivation happens in
-- intermediate/capex. fy, fp, form, filed and accn describe the FILING, not the period.
with

source as (
    select * from {{ source('raw', 'sec_facts') }}
),

renamed as (
    select
        cast(cik as bigint) as cik,
        entity_name,
        taxonomy,
        tag,
        unit,
        period_start,
        period_end,
        -- inclusive day count: 2025-01-01..2025-12-31 is 365 days, a calendar quarter 90 to 92
        case
            when period_start is not null
                then cast(datediff('day', period_start, period_end) + 1 as integer)
        end as duration_days,
        val,
        accn,
        fy as filing_fiscal_year,
        fp as filing_fiscal_period,
        form,
        filed,
        frame,
        -- an annual report's own fiscal-year column: fp = 'FY' on a 10-K-like form. Whether
        -- the fact is a fiscal year also depends on its duration (int_sec__fiscal_years).
        coalesce(
            fp = 'FY' and form in ('10-K', '10-K/A', '10-KT', '10-KT/A', '20-F', '20-F/A', '40-F', '40-F/A'),
            false
        ) as is_annual_report_filing,
        _source_mode as source_mode,
        _run_id as run_id,
        _loaded_at as loaded_at,
        _payload_ref as payload_ref,
    from source
)

select * from renamed
