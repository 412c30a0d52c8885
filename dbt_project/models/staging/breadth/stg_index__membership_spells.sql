-- One row per membership spell (grain: index_id, symbol, start_date). THE membership rule of
-- every breadth model lives here and nowhere else: a symbol is a member on day D when
--     member_from <= D and (member_until is null or D < member_until)
-- with member_until EXCLUSIVE. The raw end_date is the first day the symbol is no longer a
-- member, so member_until = end_date. Were end_date ever the LAST day of membership instead,
-- the one line to change is `end_date + 1 as member_until` below.
with

source as (
    select * from {{ source('raw', 'index_membership') }}
),

renamed as (
    select
        index_id,
        lower(index_id) as index_universe,
        symbol,
        start_date,
        end_date,
        start_date as member_from,
        end_date as member_until,
        security_name,
        gics_sector,
        gics_sub_industry,
        cast(cik as bigint) as cik,
        source,
        _source_mode as source_mode,
        _loaded_at as loaded_at,
    from source
)

select * from renamed
