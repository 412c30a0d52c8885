-- The latest load of raw.prices_daily may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_prices__daily_bars.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_prices__daily_bars'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'prices_daily')) }}
