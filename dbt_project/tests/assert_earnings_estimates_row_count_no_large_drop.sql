-- The latest load of raw.earnings_estimates may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_estimates__snapshots.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_estimates__snapshots'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'earnings_estimates')) }}
