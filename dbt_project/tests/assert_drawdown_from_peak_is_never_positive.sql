-- An index can never close above its own running all-time high, so the drawdown from the
-- peak is zero on a new high and negative otherwise. Returns the offending rows.
with

milestones as (
    select * from {{ ref('fct_index_milestones') }}
),

violations as (
    select
        milestones.trade_date,
        milestones.index_symbol,
        milestones.close,
        milestones.all_time_high,
        milestones.drawdown_from_peak,
    from milestones
    where
        milestones.drawdown_from_peak > 0
        or milestones.close > milestones.all_time_high
        or (milestones.is_all_time_high and milestones.drawdown_from_peak != 0)
)

select * from violations
