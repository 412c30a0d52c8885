-- All-time highs and round-number crossings are judged against the index's whole loaded
-- history (every bar, not only NYSE sessions), then rows are kept for NYSE sessions. Levels are
-- the as-quoted close: indices have no splits or dividends.
with

returns as (
    select * from {{ ref('int_prices__returns') }}
),

sessions as (
    select * from {{ ref('int_prices__nyse_sessions') }}
),

index_history as (
    select
        returns.symbol,
        returns.instrument_name,
        returns.trade_date,
        returns.close,
        returns.milestone_step,
        max(returns.close) over (
            partition by returns.symbol order by returns.trade_date
            rows between unbounded preceding and current row
        ) as all_time_high,
        max(returns.close) over (
            partition by returns.symbol order by returns.trade_date
            rows between unbounded preceding and 1 preceding
        ) as previous_all_time_high,
        -- the highest multiple of the step strictly below today's close
        (ceil(returns.close / returns.milestone_step) - 1) * returns.milestone_step as highest_level_below_close,
    from returns
    where returns.role = 'index'
),

milestones as (
    select
        index_history.*,
        index_history.close >= index_history.all_time_high as is_all_time_high,
        index_history.close / index_history.all_time_high - 1 as drawdown_from_peak,
        -- first close above a level never closed above before (no prior close above it);
        -- a jump over several levels reports the highest; the first bar has no history to beat
        case
            when
                index_history.previous_all_time_high is not null
                and index_history.highest_level_below_close >= index_history.milestone_step
                and index_history.previous_all_time_high <= index_history.highest_level_below_close
                then index_history.highest_level_below_close
        end as milestone_crossed,
    from index_history
),

final as (
    select
        cast(milestones.trade_date as date) as trade_date,
        cast(milestones.symbol as varchar) as index_symbol,
        cast(milestones.instrument_name as varchar) as index_name,
        cast(milestones.close as double) as close,
        cast(milestones.all_time_high as double) as all_time_high,
        cast(milestones.is_all_time_high as boolean) as is_all_time_high,
        cast(milestones.drawdown_from_peak as double) as drawdown_from_peak,
        cast(milestones.milestone_step as integer) as milestone_step,
        cast(milestones.milestone_crossed as bigint) as milestone_crossed,
    from milestones
    inner join sessions
        on milestones.trade_date = sessions.trade_date
)

select * from final
