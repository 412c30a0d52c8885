-- The only model that reads the sec_concepts seed: one row per candidate tag of a concept
-- (grain: concept, taxonomy, tag, unit).
with

source as (
    select * from {{ ref('sec_concepts') }}
),

renamed as (
    select
        cast(concept as varchar) as concept,
        cast(taxonomy as varchar) as taxonomy,
        cast(tag as varchar) as tag,
        cast(unit as varchar) as unit,
        cast(description as varchar) as concept_description,
    from source
)

select * from renamed
