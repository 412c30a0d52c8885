-- An observation with any non-NULL vintage has exactly one first release, dated
-- first_release_date with value first_release_value; one without has none. Returns offenders.
with

per_observation as (
    select
        series_id,
        observation_date,
        count(*) filter (where is_first_release) as first_releases,
        count(value) as valued_vintages,
        max(value) filter (where is_first_release) as flagged_value,
        max(valid_from) filter (where is_first_release) as flagged_date,
        max(first_release_value) as first_release_value,
        max(first_release_date) as first_release_date,
    from {{ ref('fct_macro_observations_asof') }}
    group by series_id, observation_date
)

select *
from per_observation
where
    first_releases != case when valued_vintages > 0 then 1 else 0 end
    or flagged_value is distinct from first_release_value
    or flagged_date is distinct from first_release_date
