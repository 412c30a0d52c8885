-- Every vintage of every FRED observation as a clean, non-overlapping validity window
-- [valid_from, valid_to] (both inclusive; 9999-12-31 = still current).
--
-- Window rules, per (series_id, observation_date), rows ordered by realtime_start:
--   * all_vintages rows end at realtime_end, clipped to the day before the next row starts
--     (a later fetch starting inside an earlier window supersedes it from its start);
--   * latest rows (a snapshot fetched on realtime_start) stay valid until the day before the
--     next row starts, or for good when none does: a snapshot is what was known from the
--     fetch date until something newer was fetched;
--   * consecutive rows with the same value (NULLs equal) and no gap between their windows are
--     one vintage (repeated snapshots, or an incremental fetch re-sending the current value).
-- A gap between windows means the observation was not published then: no vintage covers it.
with

observations as (
    select * from {{ ref('stg_fred__observations') }}
),

clipped as (
    select
        observations.*,
        case
            when observations.vintage_mode = 'latest'
                then coalesce(
                    lead(observations.realtime_start) over observation_rows - 1,
                    date '9999-12-31'
                )
            else least(
                observations.realtime_end,
                coalesce(lead(observations.realtime_start) over observation_rows - 1, date '9999-12-31')
            )
        end as window_end,
    from observations
    window observation_rows as (
        partition by observations.series_id, observations.observation_date
        order by observations.realtime_start
    )
),

marked as (
    select
        clipped.*,
        case
            when lag(clipped.realtime_start) over observation_rows is null then 1
            when clipped.value is distinct from lag(clipped.value) over observation_rows then 1
            when clipped.realtime_start > lag(clipped.window_end) over observation_rows + 1 then 1
            else 0
        end as starts_vintage,
    from clipped
    window observation_rows as (
        partition by clipped.series_id, clipped.observation_date
        order by clipped.realtime_start
    )
),

numbered as (
    select
        marked.*,
        sum(marked.starts_vintage) over (
            partition by marked.series_id, marked.observation_date
            order by marked.realtime_start
            rows between unbounded preceding and current row
        ) as vintage_number,
    from marked
),

vintages as (
    select
        numbered.series_id,
        numbered.observation_date,
        numbered.vintage_number,
        min(numbered.realtime_start) as valid_from,
        max(numbered.window_end) as valid_to,
        arg_min(numbered.value, numbered.realtime_start) as value,
        arg_min(numbered.raw_value, numbered.realtime_start) as raw_value,
        arg_min(numbered.vintage_mode, numbered.realtime_start) as vintage_mode,
        count(*) as raw_rows,
        min(numbered.fetched_at) as fetched_at,
        arg_min(numbered.source_mode, numbered.realtime_start) as source_mode,
        max(numbered.loaded_at) as loaded_at,
    from numbered
    group by numbered.series_id, numbered.observation_date, numbered.vintage_number
),

with_history as (
    select
        vintages.*,
        count(*) over whole_observation as vintage_count,
        first_value(vintages.value ignore nulls) over whole_observation as first_release_value,
        min(vintages.valid_from) filter (where vintages.value is not null) over whole_observation
            as first_release_date,
        last_value(vintages.value) over whole_observation as latest_value,
        max(vintages.valid_from) over whole_observation as latest_release_date,
        lag(vintages.value) over (
            partition by vintages.series_id, vintages.observation_date
            order by vintages.vintage_number
        ) as previous_vintage_value,
    from vintages
    window whole_observation as (
        partition by vintages.series_id, vintages.observation_date
        order by vintages.vintage_number
        rows between unbounded preceding and unbounded following
    )
),

final as (
    select
        with_history.series_id,
        with_history.observation_date,
        with_history.vintage_number,
        with_history.vintage_count,
        with_history.valid_from,
        with_history.valid_to,
        with_history.valid_to = date '9999-12-31' as is_current,
        with_history.value,
        with_history.raw_value,
        coalesce(
            with_history.value is not null
            and with_history.valid_from = with_history.first_release_date,
            false
        ) as is_first_release,
        with_history.first_release_value,
        with_history.first_release_date,
        with_history.latest_value,
        with_history.latest_release_date,
        with_history.latest_value - with_history.first_release_value as revision_from_first,
        with_history.value - with_history.previous_vintage_value as revision_from_previous,
        with_history.vintage_mode,
        with_history.raw_rows,
        with_history.fetched_at,
        with_history.source_mode,
        with_history.loaded_at,
    from with_history
)

select * from final
