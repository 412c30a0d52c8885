-- The latest load of raw.index_membership may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_index__membership_spells.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_index__membership_spells'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'index_membership')) }}
