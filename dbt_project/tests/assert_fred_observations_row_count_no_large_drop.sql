-- The latest load of raw.fred_observations may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_fred__observations.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_fred__observations'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'fred_observations')) }}
