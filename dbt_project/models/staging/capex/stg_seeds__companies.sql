-- The only model that reads the companies seed: everything else refs this one.
with

source as (
    select * from {{ ref('companies') }}
),

renamed as (
    select
        cast(ticker as varchar) as ticker,
        cast(cik as bigint) as cik,
        cast(name as varchar) as company_name,
        -- 'MMDD' as the SEC gives it (0630 for June 30); a seed read as a number loses the
        -- leading zero, so pad it back
        lpad(cast(fiscal_year_end as varchar), 4, '0') as fiscal_year_end,
        cast(substr(lpad(cast(fiscal_year_end as varchar), 4, '0'), 1, 2) as integer) as fiscal_year_end_month,
        coalesce(cast(is_hyperscaler as boolean), false) as is_hyperscaler,
        cast(taxonomy as varchar) as taxonomy,
        cast(notes as varchar) as notes,
    from source
)

select * from renamed
