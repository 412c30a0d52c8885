-- The latest load of raw.corporate_actions may not replace its rows with more than 10% fewer. A warning:
-- a provider may legitimately withdraw rows; an engineer decides. Reported on stg_prices__corporate_actions.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_prices__corporate_actions'}}}) }}
{{ raw_load_no_large_drop(source('raw', 'corporate_actions')) }}
