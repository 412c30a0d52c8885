with

relative_strength as (
    select * from {{ ref('int_prices__sector_relative_strength') }}
),

quadrants as (
    select
        relative_strength.*,
        case
            when relative_strength.rs_ratio is null or relative_strength.rs_momentum is null then null
            when relative_strength.rs_ratio >= 100 and relative_strength.rs_momentum >= 100 then 'leading'
            when relative_strength.rs_ratio >= 100 then 'weakening'
            when relative_strength.rs_momentum < 100 then 'lagging'
            else 'improving'
        end as rrg_quadrant,
        -- rank only among sectors that have a 1-month return that day
        case
            when relative_strength.return_1m is not null
                then rank() over (
                    partition by relative_strength.trade_date, relative_strength.return_1m is null
                    order by relative_strength.return_1m desc
                )
        end as rank_1m,
    from relative_strength
),

rank_changes as (
    select
        today.*,
        earlier.rank_1m - today.rank_1m as rank_change_1m,
    from quadrants as today
    left join quadrants as earlier
        on
            today.symbol = earlier.symbol
            and today.session_number - 21 = earlier.session_number
),

final as (
    select
        cast(rank_changes.trade_date as date) as trade_date,
        cast(rank_changes.sector as varchar) as sector,
        cast(rank_changes.symbol as varchar) as symbol,
        cast(rank_changes.adj_close as double) as close,
        cast(rank_changes.return_1w as double) as return_1w,
        cast(rank_changes.return_1m as double) as return_1m,
        cast(rank_changes.return_3m as double) as return_3m,
        cast(rank_changes.return_6m as double) as return_6m,
        cast(rank_changes.return_12m as double) as return_12m,
        cast(rank_changes.benchmark_adj_close as double) as spy_close,
        cast(rank_changes.price_relative as double) as price_relative,
        cast(rank_changes.rs_ratio as double) as rs_ratio,
        cast(rank_changes.rs_momentum as double) as rs_momentum,
        cast(rank_changes.rrg_quadrant as varchar) as rrg_quadrant,
        cast(rank_changes.rank_1m as integer) as rank_1m,
        cast(rank_changes.rank_change_1m as integer) as rank_change_1m,
    from rank_changes
)

select * from final
