-- The only model that reads the estimate_entities seed: one row per entity whose estimates
-- are modelled (grain: entity_type, entity_id). Blank index_id / gics_sector become NULL.
with

source as (
    select * from {{ ref('estimate_entities') }}
),

renamed as (
    select
        lower(trim(cast(entity_type as varchar))) as entity_type,
        trim(cast(entity_id as varchar)) as entity_id,
        cast(name as varchar) as entity_name,
        nullif(trim(cast(index_id as varchar)), '') as index_id,
        nullif(trim(cast(gics_sector as varchar)), '') as gics_sector,
        coalesce(cast(is_theme_company as boolean), false) as is_theme_company,
    from source
)

select * from renamed
