-- Market breadth per universe per NYSE session (grain: trade_date, universe). Formulas are in
-- the model description (_breadth_marts__models.yml). A table rebuilt each run from the two
-- incremental intermediates: windows over ~13 universes x sessions, no EMA recomputed here.
with

counts as (
    select * from {{ ref('int_breadth__daily_counts') }}
),

oscillators as (
    select * from {{ ref('int_breadth__oscillators') }}
),

joined as (
    select
        counts.*,
        oscillators.* exclude (universe, trade_date, computed_at),
    from counts
    inner join oscillators
        on counts.universe = oscillators.universe
        and counts.trade_date = oscillators.trade_date
),

percentages as (
    select
        joined.*,
        100.0 * joined.members_with_data / joined.members_expected as coverage_pct,
        100.0 * joined.members_above_50d / nullif(joined.members_with_50d_history, 0) as pct_above_50d,
        100.0 * joined.members_above_200d / nullif(joined.members_with_200d_history, 0) as pct_above_200d,
        case
            when joined.members_with_52w_history > 0
                then coalesce(
                    100.0 * joined.new_52w_highs / nullif(joined.new_52w_highs + joined.new_52w_lows, 0),
                    50.0
                )
        end as record_high_pct,
    from joined
),

windowed as (
    select
        percentages.*,
        case
            when count(percentages.record_high_pct) over last_10_sessions = 10
                then avg(percentages.record_high_pct) over last_10_sessions
        end as high_low_index,
        lag(percentages.ema10_advance_ratio) over universe_history as previous_ema10_advance_ratio,
        min(percentages.ema10_advance_ratio) over previous_10_sessions as min_ema10_advance_ratio_10d,
    from percentages
    window
        universe_history as (partition by percentages.universe order by percentages.trade_date),
        last_10_sessions as (
            partition by percentages.universe order by percentages.trade_date
            rows between 9 preceding and current row
        ),
        previous_10_sessions as (
            partition by percentages.universe order by percentages.trade_date
            rows between 10 preceding and 1 preceding
        )
),

final as (
    select
        windowed.trade_date,
        windowed.universe,
        windowed.index_universe,
        windowed.gics_sector,
        windowed.members_expected,
        windowed.members_with_data,
        windowed.coverage_pct,
        windowed.coverage_pct < 95 as is_low_coverage,
        windowed.advancers,
        windowed.decliners,
        windowed.unchanged,
        cast(windowed.net_advances as integer) as net_advances,
        windowed.ad_line,
        windowed.advance_ratio,
        windowed.ratio_adjusted_net_advances,
        windowed.ema19_net_advances,
        windowed.ema39_net_advances,
        windowed.mcclellan_oscillator,
        windowed.summation_index,
        windowed.ema19_ratio_adjusted,
        windowed.ema39_ratio_adjusted,
        windowed.ratio_adjusted_mcclellan,
        windowed.ratio_adjusted_summation_index,
        windowed.ema_sessions,
        windowed.members_with_50d_history,
        windowed.members_above_50d,
        windowed.pct_above_50d,
        windowed.members_with_200d_history,
        windowed.members_above_200d,
        windowed.pct_above_200d,
        windowed.members_with_52w_history,
        windowed.new_52w_highs,
        windowed.new_52w_lows,
        windowed.record_high_pct,
        windowed.high_low_index,
        windowed.ema10_advance_ratio,
        coalesce(
            windowed.ema10_advance_ratio > 0.615
            and windowed.previous_ema10_advance_ratio <= 0.615
            and windowed.min_ema10_advance_ratio_10d < 0.40,
            false
        ) as is_zweig_breadth_thrust,
    from windowed
)

select * from final
