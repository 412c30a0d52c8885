-- Reported in Dagster as a check on fct_macro_regime_daily (it also reads the as-of mart).
{{ config(meta={'dagster': {'ref': {'name': 'fct_macro_regime_daily'}}}) }}
-- No look-ahead in fct_macro_regime_daily: each input value equals the value of its
-- observation in the vintage covering trade_date (macro_value_as_of), so it was published on
-- or before that day. Returns offending rows.
with

regime as (
    select * from {{ ref('fct_macro_regime_daily') }}
),

checked as (
    select
        regime.trade_date,
        regime.fed_funds_target_upper,
        {{ macro_value_as_of("'DFEDTARU'", "regime.target_observation_date", "regime.trade_date") }}
            as published_target_upper,
        regime.hy_spread,
        {{ macro_value_as_of("'BAMLH0A0HYM2'", "regime.hy_spread_observation_date", "regime.trade_date") }}
            as published_hy_spread,
        regime.unemployment_rate,
        {{ macro_value_as_of("'UNRATE'", "regime.unemployment_observation_date", "regime.trade_date") }}
            as published_unemployment_rate,
        regime.cpi_yoy_pct,
        {{ macro_value_as_of("'CPIAUCSL'", "regime.cpi_observation_date", "regime.trade_date") }}
            as published_cpi,
    from regime
)

select *
from checked
where
    fed_funds_target_upper is distinct from published_target_upper
    or hy_spread is distinct from published_hy_spread
    or unemployment_rate is distinct from published_unemployment_rate
    or (cpi_yoy_pct is not null and published_cpi is null)
