with

source as (
    select * from {{ source('raw', 'corporate_actions') }}
),

renamed as (
    select
        symbol,
        ex_date,
        provider,
        action_type,
        split_numerator,
        split_denominator,
        split_numerator / nullif(split_denominator, 0) as split_ratio,
        dividend_amount,
        _source_mode as source_mode,
        _loaded_at as loaded_at,
    from source
)

select * from renamed
