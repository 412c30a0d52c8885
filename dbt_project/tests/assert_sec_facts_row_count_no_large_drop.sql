-- The latest load of raw.sec_facts may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_sec__facts.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_sec__facts'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'sec_facts')) }}
