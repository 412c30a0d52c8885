-- Each FRED series as one value per calendar month, from the LATEST vintage of every
-- observation (today's knowledge, not point in time). An observation belongs to the month of
-- its observation_date as FRED dates it (weekly series: the week's ending day). Daily and
-- weekly series are aggregated with the seed's monthly_aggregation: mean = average of the
-- month's non-NULL observations, last = the month's last non-NULL observation. Monthly series
-- have one observation per month; quarterly series appear in the quarter's first month only.
with

vintages as (
    select * from {{ ref('int_fred__observation_vintages') }}
),

series as (
    select * from {{ ref('stg_seeds__fred_series') }}
),

latest_observations as (
    select
        vintages.series_id,
        vintages.observation_date,
        vintages.latest_value as value,
    from vintages
    where vintages.vintage_number = vintages.vintage_count
),

-- Trailing mean of the last 4 non-NULL observations, at each observation (the 4-week moving
-- average of a weekly series); NULL until 4 exist.
with_trailing as (
    select
        observations.*,
        case
            when count(observations.value) over last_four = 4
                then avg(observations.value) over last_four
        end as last_4_observations_mean,
    from (select * from latest_observations where value is not null) as observations
    window last_four as (
        partition by observations.series_id
        order by observations.observation_date
        rows between 3 preceding and current row
    )
),

monthly as (
    select
        with_trailing.series_id,
        cast(date_trunc('month', with_trailing.observation_date) as date) as month_start,
        avg(with_trailing.value) as mean_value,
        arg_max(with_trailing.value, with_trailing.observation_date) as last_value,
        arg_max(with_trailing.last_4_observations_mean, with_trailing.observation_date)
            as last_4_observations_mean,
        count(*) as observations_count,
        min(with_trailing.observation_date) as first_observation_date,
        max(with_trailing.observation_date) as last_observation_date,
    from with_trailing
    group by with_trailing.series_id, cast(date_trunc('month', with_trailing.observation_date) as date)
),

final as (
    select
        monthly.series_id,
        monthly.month_start,
        coalesce(series.monthly_aggregation, 'mean') as monthly_aggregation,
        case
            when series.monthly_aggregation = 'last' then monthly.last_value
            else monthly.mean_value
        end as value,
        monthly.mean_value,
        monthly.last_value,
        monthly.last_4_observations_mean,
        monthly.observations_count,
        monthly.first_observation_date,
        monthly.last_observation_date,
    from monthly
    left join series
        on monthly.series_id = series.series_id
)

select * from final
