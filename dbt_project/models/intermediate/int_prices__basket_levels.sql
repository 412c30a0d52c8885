-- Equal-weighted, daily-rebalanced baskets on NYSE sessions: each session's basket return is
-- the plain average of the session returns of the members that have one that day (a member
-- joins the day after its first bar), and the level compounds those returns from 100.
with

session_closes as (
    select * from {{ ref('int_prices__nyse_session_closes') }}
),

basket_members as (
    select
        'theme' as basket_kind,
        session_closes.theme as basket_name,
        session_closes.trade_date,
        session_closes.symbol,
        session_closes.session_return,
    from session_closes
    where session_closes.theme is not null

    union all

    select
        'sector_group' as basket_kind,
        session_closes.sector_group as basket_name,
        session_closes.trade_date,
        session_closes.symbol,
        session_closes.session_return,
    from session_closes
    where
        session_closes.role = 'sector'
        and session_closes.sector_group is not null
),

basket_returns as (
    select
        basket_members.basket_kind,
        basket_members.basket_name,
        basket_members.trade_date,
        count(basket_members.session_return) as members_count,
        count(*) as members_with_bar_count,
        avg(basket_members.session_return) as basket_return,
    from basket_members
    group by
        basket_members.basket_kind,
        basket_members.basket_name,
        basket_members.trade_date
),

basket_levels as (
    select
        basket_returns.*,
        100 * product(1 + coalesce(basket_returns.basket_return, 0)) over (
            partition by basket_returns.basket_kind, basket_returns.basket_name
            order by basket_returns.trade_date
            rows between unbounded preceding and current row
        ) as basket_level,
    from basket_returns
),

basket_period_returns as (
    select
        basket_levels.basket_kind || ':' || basket_levels.basket_name as basket_id,
        basket_levels.basket_kind,
        basket_levels.basket_name,
        basket_levels.trade_date,
        basket_levels.members_count,
        basket_levels.members_with_bar_count,
        basket_levels.basket_return,
        basket_levels.basket_level,
        basket_levels.basket_level / lag(basket_levels.basket_level, 21) over basket_sessions - 1 as return_1m,
        basket_levels.basket_level / lag(basket_levels.basket_level, 63) over basket_sessions - 1 as return_3m,
    from basket_levels
    window basket_sessions as (
        partition by basket_levels.basket_kind, basket_levels.basket_name
        order by basket_levels.trade_date
    )
)

select * from basket_period_returns
