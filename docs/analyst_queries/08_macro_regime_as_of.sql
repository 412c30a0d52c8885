-- Question: what did we know about the economy on a given day - the macro regime as it was
-- known at each month's last session of the last year (no look-ahead: later revisions are
-- not used), and how much has unemployment been revised since?
-- One row per month-end NYSE session. Rates and spreads in percent; cpi_yoy_pct in percent;
-- the *_observation_date columns show how old each input was on that day.
with

regime as (
    select *
    from marts.fct_macro_regime_daily
),

month_ends as (
    select max(trade_date) as trade_date
    from regime
    group by date_trunc('month', trade_date)
),

unemployment_now as (
    -- the value FRED publishes today for each month (after all revisions)
    select observation_date, value as unemployment_rate_latest,
    from marts.fct_macro_observations_asof
    where series_id = 'UNRATE'
        and is_current
)

select
    regime.trade_date as known_on,
    regime.policy_cycle,
    regime.fed_funds_target_upper,
    regime.curve_state,
    round(regime.curve_10y_2y, 2) as curve_10y_2y,
    regime.credit_stress,
    round(regime.hy_spread, 2) as hy_spread,
    regime.unemployment_rate,
    regime.unemployment_observation_date,
    unemployment_now.unemployment_rate_latest,
    regime.sahm_triggered,
    round(regime.cpi_yoy_pct, 2) as cpi_yoy_pct,
    regime.cpi_observation_date,
    regime.stale_inputs,
from regime
inner join month_ends on regime.trade_date = month_ends.trade_date
left join unemployment_now
    on regime.unemployment_observation_date = unemployment_now.observation_date
where regime.trade_date > (select max(trade_date) from regime) - interval 12 month
order by regime.trade_date;
