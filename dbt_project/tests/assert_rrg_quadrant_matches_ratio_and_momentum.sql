-- The RRG quadrant must follow from rs_ratio and rs_momentum (100 is the centre of both
-- axes) and be NULL exactly when either is NULL. Returns the offending rows.
with

sector_rotation as (
    select * from {{ ref('fct_sector_rotation_daily') }}
),

violations as (
    select
        sector_rotation.trade_date,
        sector_rotation.symbol,
        sector_rotation.rs_ratio,
        sector_rotation.rs_momentum,
        sector_rotation.rrg_quadrant,
    from sector_rotation
    where
        ((sector_rotation.rs_ratio is null or sector_rotation.rs_momentum is null) != (sector_rotation.rrg_quadrant is null))
        or (sector_rotation.rrg_quadrant = 'leading' and not (sector_rotation.rs_ratio >= 100 and sector_rotation.rs_momentum >= 100))
        or (sector_rotation.rrg_quadrant = 'weakening' and not (sector_rotation.rs_ratio >= 100 and sector_rotation.rs_momentum < 100))
        or (sector_rotation.rrg_quadrant = 'lagging' and not (sector_rotation.rs_ratio < 100 and sector_rotation.rs_momentum < 100))
        or (sector_rotation.rrg_quadrant = 'improving' and not (sector_rotation.rs_ratio < 100 and sector_rotation.rs_momentum >= 100))
)

select * from violations
