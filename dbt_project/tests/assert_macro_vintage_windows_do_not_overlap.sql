-- Every vintage window is well formed (valid_from <= valid_to) and the windows of one
-- observation never overlap: each starts after the previous one ended. Returns offenders.
with

vintages as (
    select
        series_id,
        observation_date,
        vintage_number,
        valid_from,
        valid_to,
        lag(valid_to) over (
            partition by series_id, observation_date order by valid_from
        ) as previous_valid_to,
    from {{ ref('fct_macro_observations_asof') }}
)

select *
from vintages
where
    valid_from > valid_to
    or valid_from <= previous_valid_to
