-- The latest load of raw.fred_series may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_fred__series.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_fred__series'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'fred_series')) }}
