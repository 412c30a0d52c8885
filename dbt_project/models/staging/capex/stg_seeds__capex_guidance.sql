-- The only model that reads the capex_guidance seed: one row per company, fiscal year and
-- announcement (grain: ticker, fiscal_year, announced_on); revisions are separate rows.
with

source as (
    select * from {{ ref('capex_guidance') }}
),

renamed as (
    select
        cast(ticker as varchar) as ticker,
        cast(fiscal_year as integer) as fiscal_year,
        cast(low as double) as guidance_low_usd,
        cast(high as double) as guidance_high_usd,
        (cast(low as double) + cast(high as double)) / 2 as guidance_midpoint_usd,
        cast(basis as varchar) as guidance_basis,
        cast(announced_on as date) as announced_on,
        cast(source_note as varchar) as source_note,
    from source
)

select * from renamed
