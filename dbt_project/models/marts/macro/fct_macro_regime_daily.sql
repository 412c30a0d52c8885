-- The macro state KNOWN ON each NYSE session (point in time, no look-ahead): every input is
-- read from int_fred__asof_timeline, which counts only vintages with valid_from <= the day
-- and, per series, the newest observation date that had a value on that day.
-- Calendar: int_prices__nyse_sessions; only when no session is loaded at all, weekdays from
-- the first to the last day anything is known (calendar_source says which).
-- Lookbacks ("6 months ago", "3 months ago") are the state known on that earlier day.
with

timeline as (
    select * from {{ ref('int_fred__asof_timeline') }}
),

vintages as (
    select * from {{ ref('int_fred__observation_vintages') }}
),

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

series as (
    select * from {{ ref('stg_seeds__fred_series') }}
),

inputs as (
    select *
    from (
        values
            ('DFEDTARU'), ('DFEDTARL'), ('T10Y2Y'), ('DGS10'), ('DGS2'), ('BAMLH0A0HYM2'),
            ('UNRATE'), ('CPIAUCSL')
    ) as inputs (series_id)
),

known_bounds as (
    select
        min(timeline.known_from) filter (where timeline.latest_observation_date is not null) as first_day,
        greatest(
            max(timeline.known_from),
            (select max(cast(vintages.fetched_at as date)) from vintages)
        ) as last_day,
    from timeline
    where timeline.series_id in (select inputs.series_id from inputs)
),

weekday_fallback as (
    select cast(unnest(generate_series(known_bounds.first_day, known_bounds.last_day, interval 1 day)) as date) as trade_date,
    from known_bounds
    where not exists (select 1 from sessions)
),

calendar as (
    select
        sessions.trade_date,
        'nyse_sessions' as calendar_source,
    from sessions
    union all
    select
        weekday_fallback.trade_date,
        'weekdays' as calendar_source,
    from weekday_fallback
    where isodow(weekday_fallback.trade_date) <= 5
),

lookups as (
    select
        calendar.trade_date,
        offsets.lookback,
        cast(calendar.trade_date - offsets.days_back as date) as lookup_date,
        inputs.series_id,
    from calendar
    cross join (values ('now', 0), ('3m', 91), ('6m', 182)) as offsets (lookback, days_back)
    cross join inputs
),

known as (
    select
        lookups.trade_date,
        lookups.lookback,
        lookups.series_id,
        timeline.latest_observation_date,
        timeline.value,
        timeline.vintage_mode,
        timeline.yoy_pct,
        timeline.average_3m,
        timeline.sahm_indicator,
        lookups.trade_date - timeline.latest_observation_date > series.stale_after_days as is_stale,
    from lookups
    asof left join timeline
        on
            lookups.series_id = timeline.series_id
            and lookups.lookup_date >= timeline.known_from
    left join series
        on lookups.series_id = series.series_id
),

-- 80th percentile of the high-yield spread over the 365 days of observations ending at each
-- observation (first-release values, at least 200 of them), and the day all were known.
hy_percentiles as (
    select
        first_releases.observation_date,
        case
            when count(first_releases.first_release_value) over trailing_year >= 200
                then quantile_cont(first_releases.first_release_value, 0.8) over trailing_year
        end as hy_spread_p80_1y,
        max(first_releases.first_release_date) over trailing_year as inputs_known_from,
    from (
        select vintages.observation_date, vintages.first_release_value, vintages.first_release_date,
        from vintages
        where vintages.series_id = 'BAMLH0A0HYM2' and vintages.is_first_release
    ) as first_releases
    window trailing_year as (
        order by first_releases.observation_date
        range between interval 364 days preceding and current row
    )
),

pivoted as (
    select
        known.trade_date,
        max(known.value) filter (where known.series_id = 'DFEDTARU' and known.lookback = 'now') as target_upper,
        max(known.value) filter (where known.series_id = 'DFEDTARL' and known.lookback = 'now') as target_lower,
        max(known.latest_observation_date) filter (where known.series_id = 'DFEDTARU' and known.lookback = 'now')
            as target_observation_date,
        max(known.value) filter (where known.series_id = 'DFEDTARU' and known.lookback = '6m') as target_upper_6m_ago,
        max(known.value) filter (where known.series_id = 'T10Y2Y' and known.lookback = 'now') as t10y2y,
        max(known.latest_observation_date) filter (where known.series_id = 'T10Y2Y' and known.lookback = 'now')
            as t10y2y_observation_date,
        max(known.value) filter (where known.series_id = 'DGS10' and known.lookback = 'now') as dgs10,
        max(known.latest_observation_date) filter (where known.series_id = 'DGS10' and known.lookback = 'now')
            as dgs10_observation_date,
        max(known.value) filter (where known.series_id = 'DGS2' and known.lookback = 'now') as dgs2,
        max(known.latest_observation_date) filter (where known.series_id = 'DGS2' and known.lookback = 'now')
            as dgs2_observation_date,
        max(known.value) filter (where known.series_id = 'T10Y2Y' and known.lookback = '3m') as t10y2y_3m_ago,
        max(known.value) filter (where known.series_id = 'DGS10' and known.lookback = '3m') as dgs10_3m_ago,
        max(known.value) filter (where known.series_id = 'DGS2' and known.lookback = '3m') as dgs2_3m_ago,
        max(known.value) filter (where known.series_id = 'BAMLH0A0HYM2' and known.lookback = 'now') as hy_spread,
        max(known.latest_observation_date) filter (where known.series_id = 'BAMLH0A0HYM2' and known.lookback = 'now')
            as hy_spread_observation_date,
        max(known.value) filter (where known.series_id = 'UNRATE' and known.lookback = 'now') as unemployment_rate,
        max(known.average_3m) filter (where known.series_id = 'UNRATE' and known.lookback = 'now') as unemployment_3m_avg,
        max(known.sahm_indicator) filter (where known.series_id = 'UNRATE' and known.lookback = 'now') as sahm_indicator,
        max(known.latest_observation_date) filter (where known.series_id = 'UNRATE' and known.lookback = 'now')
            as unemployment_observation_date,
        max(known.yoy_pct) filter (where known.series_id = 'CPIAUCSL' and known.lookback = 'now') as cpi_yoy_pct,
        max(known.latest_observation_date) filter (where known.series_id = 'CPIAUCSL' and known.lookback = 'now')
            as cpi_observation_date,
        string_agg(known.series_id, ',' order by known.series_id) filter (where known.lookback = 'now' and known.is_stale)
            as stale_inputs,
        coalesce(bool_or(known.vintage_mode = 'latest') filter (where known.lookback = 'now'), false)
            as uses_latest_mode_snapshot,
    from known
    group by known.trade_date
),

derived as (
    select
        pivoted.*,
        calendar.calendar_source,
        pivoted.target_upper - pivoted.target_upper_6m_ago as target_upper_change_6m,
        coalesce(pivoted.t10y2y, pivoted.dgs10 - pivoted.dgs2) as curve_10y_2y,
        case
            when pivoted.t10y2y is not null then pivoted.t10y2y_observation_date
            else least(pivoted.dgs10_observation_date, pivoted.dgs2_observation_date)
        end as curve_observation_date,
        coalesce(pivoted.t10y2y, pivoted.dgs10 - pivoted.dgs2)
            - coalesce(pivoted.t10y2y_3m_ago, pivoted.dgs10_3m_ago - pivoted.dgs2_3m_ago) as curve_change_3m,
        case
            when hy_percentiles.inputs_known_from <= pivoted.trade_date then hy_percentiles.hy_spread_p80_1y
        end as hy_spread_p80_1y,
    from pivoted
    inner join calendar
        on pivoted.trade_date = calendar.trade_date
    left join hy_percentiles
        on pivoted.hy_spread_observation_date = hy_percentiles.observation_date
),

final as (
    select
        cast(derived.trade_date as date) as trade_date,
        cast(derived.calendar_source as varchar) as calendar_source,
        cast(derived.target_upper as double) as fed_funds_target_upper,
        cast(derived.target_lower as double) as fed_funds_target_lower,
        cast(derived.target_observation_date as date) as target_observation_date,
        cast(derived.target_upper_change_6m as double) as target_upper_change_6m,
        cast(
            case
                when derived.target_upper_change_6m > 0.1 then 'tightening'
                when derived.target_upper_change_6m < -0.1 then 'easing'
                when derived.target_upper_change_6m is not null then 'on_hold'
            end as varchar
        ) as policy_cycle,
        cast(derived.curve_10y_2y as double) as curve_10y_2y,
        cast(derived.curve_observation_date as date) as curve_observation_date,
        cast(derived.curve_change_3m as double) as curve_change_3m,
        cast(
            case
                when derived.curve_10y_2y is null then null
                when derived.curve_10y_2y < 0 then 'inverted'
                when derived.curve_change_3m >= 0.25 then 'steepening'
                when derived.curve_change_3m <= -0.25 then 'flattening'
                else 'normal'
            end as varchar
        ) as curve_state,
        cast(derived.hy_spread as double) as hy_spread,
        cast(derived.hy_spread_observation_date as date) as hy_spread_observation_date,
        cast(derived.hy_spread_p80_1y as double) as hy_spread_p80_1y,
        cast(
            derived.hy_spread > 5.0 or coalesce(derived.hy_spread > derived.hy_spread_p80_1y, false)
            as boolean
        ) as credit_stress,
        cast(derived.unemployment_rate as double) as unemployment_rate,
        cast(derived.unemployment_observation_date as date) as unemployment_observation_date,
        cast(derived.unemployment_3m_avg as double) as unemployment_3m_avg,
        cast(derived.sahm_indicator as double) as sahm_indicator,
        cast(derived.sahm_indicator >= 0.5 as boolean) as sahm_triggered,
        cast(derived.cpi_yoy_pct as double) as cpi_yoy_pct,
        cast(derived.cpi_observation_date as date) as cpi_observation_date,
        cast(derived.stale_inputs as varchar) as stale_inputs,
        cast(derived.uses_latest_mode_snapshot as boolean) as uses_latest_mode_snapshot,
    from derived
)

select * from final
