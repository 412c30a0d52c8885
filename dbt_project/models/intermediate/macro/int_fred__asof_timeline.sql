-- What was known about each FRED series, day by day, as a step function: one row per series
-- per change point (known_from), valid through known_until. Only vintages with valid_from <=
-- the day and valid_to >= the day count (no look-ahead).
--
-- latest_observation_date = the newest observation date with a non-NULL value in a vintage
-- covering the day; value = that vintage's value. For monthly series the trailing 15 months
-- and for quarterly series the year-ago quarter are looked up AS KNOWN ON THE SAME DAY, giving
-- a real-time year-over-year change and a real-time Sahm-style indicator.
--
-- Efficiency: an observation is "available" over islands of consecutive non-NULL vintages.
-- Islands that never end (nearly all) give the newest available observation by a running max
-- over their start dates plus one ASOF join; the rare islands that end (observation later
-- withdrawn) are range-joined. Values are then ASOF-joined by (series, observation date).
with

vintages as (
    select * from {{ ref('int_fred__observation_vintages') }}
),

series as (
    select * from {{ ref('stg_seeds__fred_series') }}
),

-- Days on which what is known about a series can change: a vintage starts or one has ended.
change_points as (
    select
        vintages.series_id,
        vintages.valid_from as known_from,
    from vintages
    union
    select
        vintages.series_id,
        cast(vintages.valid_to + 1 as date) as known_from,
    from vintages
    where vintages.valid_to < date '9999-12-31'
),

available_vintages as (
    select
        vintages.series_id,
        vintages.observation_date,
        vintages.valid_from,
        vintages.valid_to,
        case
            when vintages.valid_from > lag(vintages.valid_to) over observation_vintages + 1 then 1
            else 0
        end as starts_island,
    from vintages
    where vintages.value is not null
    window observation_vintages as (
        partition by vintages.series_id, vintages.observation_date
        order by vintages.valid_from
    )
),

islands as (
    select
        numbered.series_id,
        numbered.observation_date,
        min(numbered.valid_from) as available_from,
        max(numbered.valid_to) as available_to,
    from (
        select
            available_vintages.*,
            sum(available_vintages.starts_island) over (
                partition by available_vintages.series_id, available_vintages.observation_date
                order by available_vintages.valid_from
                rows between unbounded preceding and current row
            ) as island_number,
        from available_vintages
    ) as numbered
    group by numbered.series_id, numbered.observation_date, numbered.island_number
),

-- Newest observation among the never-ending islands started by each start date.
permanent_frontier as (
    select
        islands.series_id,
        islands.available_from,
        max(max(islands.observation_date)) over (
            partition by islands.series_id
            order by islands.available_from
            rows between unbounded preceding and current row
        ) as latest_observation_date,
    from islands
    where islands.available_to = date '9999-12-31'
    group by islands.series_id, islands.available_from
),

-- Newest observation among the islands that end, for the change points they cover.
temporary_frontier as (
    select
        change_points.series_id,
        change_points.known_from,
        max(islands.observation_date) as latest_observation_date,
    from change_points
    inner join islands
        on
            change_points.series_id = islands.series_id
            and change_points.known_from >= islands.available_from
            and change_points.known_from <= islands.available_to
    where islands.available_to < date '9999-12-31'
    group by change_points.series_id, change_points.known_from
),

latest_known as (
    select
        change_points.series_id,
        change_points.known_from,
        greatest(
            permanent_frontier.latest_observation_date,
            temporary_frontier.latest_observation_date
        ) as latest_observation_date,
    from change_points
    asof left join permanent_frontier
        on
            change_points.series_id = permanent_frontier.series_id
            and change_points.known_from >= permanent_frontier.available_from
    left join temporary_frontier
        on
            change_points.series_id = temporary_frontier.series_id
            and change_points.known_from = temporary_frontier.known_from
),

latest_values as (
    select
        latest_known.series_id,
        latest_known.known_from,
        latest_known.latest_observation_date,
        vintages.value,
        vintages.valid_from as value_released_on,
        vintages.vintage_number,
        vintages.vintage_mode,
    from latest_known
    asof left join vintages
        on
            latest_known.series_id = vintages.series_id
            and latest_known.latest_observation_date = vintages.observation_date
            and latest_known.known_from >= vintages.valid_from
),

-- Monthly series: the trailing 15 months (0 = latest known month); quarterly: the year-ago
-- quarter only. Each looked up in the vintage covering known_from.
lookups as (
    select
        latest_values.series_id,
        latest_values.known_from,
        offsets.months_back,
        cast(latest_values.latest_observation_date - to_months(offsets.months_back) as date) as lookup_date,
    from latest_values
    inner join series
        on latest_values.series_id = series.series_id
    cross join range(0, 15) as offsets (months_back)
    where
        latest_values.latest_observation_date is not null
        and (
            series.frequency = 'monthly'
            or (series.frequency = 'quarterly' and offsets.months_back = 12)
        )
),

looked_up as (
    select
        lookups.series_id,
        lookups.known_from,
        lookups.months_back,
        case when vintages.valid_to >= lookups.known_from then vintages.value end as value,
    from lookups
    asof left join vintages
        on
            lookups.series_id = vintages.series_id
            and lookups.lookup_date = vintages.observation_date
            and lookups.known_from >= vintages.valid_from
),

three_month_averages as (
    select
        looked_up.*,
        case
            when count(looked_up.value) over trailing_three = 3
                then avg(looked_up.value) over trailing_three
        end as average_3m,
    from looked_up
    window trailing_three as (
        partition by looked_up.series_id, looked_up.known_from
        order by looked_up.months_back desc
        rows between 2 preceding and current row
    )
),

window_stats as (
    select
        three_month_averages.series_id,
        three_month_averages.known_from,
        max(three_month_averages.value) filter (where three_month_averages.months_back = 12)
            as year_ago_value,
        max(three_month_averages.average_3m) filter (where three_month_averages.months_back = 0)
            as average_3m,
        case
            when count(three_month_averages.average_3m) filter (
                where three_month_averages.months_back between 1 and 12
            ) = 12
                then min(three_month_averages.average_3m) filter (
                    where three_month_averages.months_back between 1 and 12
                )
        end as prior_12m_min_average_3m,
    from three_month_averages
    group by three_month_averages.series_id, three_month_averages.known_from
),

final as (
    select
        latest_values.series_id,
        latest_values.known_from,
        coalesce(
            cast(lead(latest_values.known_from) over series_timeline - 1 as date),
            date '9999-12-31'
        ) as known_until,
        latest_values.latest_observation_date,
        latest_values.value,
        latest_values.value_released_on,
        latest_values.vintage_number,
        latest_values.vintage_mode,
        window_stats.year_ago_value,
        (latest_values.value / nullif(window_stats.year_ago_value, 0) - 1) * 100 as yoy_pct,
        window_stats.average_3m,
        window_stats.prior_12m_min_average_3m,
        window_stats.average_3m - window_stats.prior_12m_min_average_3m as sahm_indicator,
    from latest_values
    left join window_stats
        on
            latest_values.series_id = window_stats.series_id
            and latest_values.known_from = window_stats.known_from
    window series_timeline as (partition by latest_values.series_id order by latest_values.known_from)
)

select * from final
