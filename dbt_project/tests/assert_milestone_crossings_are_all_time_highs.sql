-- A round-number level is crossed only by a close above every earlier close: each crossing
-- is an all-time high, below the close, a positive multiple of the step, and each level is
-- crossed at most once per index. Returns the offending rows.
with

milestones as (
    select * from {{ ref('fct_index_milestones') }}
),

crossings as (
    select
        milestones.trade_date,
        milestones.index_symbol,
        milestones.close,
        milestones.is_all_time_high,
        milestones.milestone_step,
        milestones.milestone_crossed,
        count(*) over (
            partition by milestones.index_symbol, milestones.milestone_crossed
        ) as times_crossed,
    from milestones
    where milestones.milestone_crossed is not null
),

violations as (
    select * from crossings
    where
        not crossings.is_all_time_high
        or crossings.milestone_crossed >= crossings.close
        or crossings.milestone_crossed < crossings.milestone_step
        or crossings.milestone_crossed % crossings.milestone_step != 0
        or crossings.times_crossed > 1
)

select * from violations
