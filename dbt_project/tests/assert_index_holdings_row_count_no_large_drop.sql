-- The latest load of raw.index_holdings may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_index__holdings.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_index__holdings'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'index_holdings')) }}
