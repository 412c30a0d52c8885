{#- Fails with one row per key that occurs more than once (a compound primary key check). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

key_counts as (
    select
        {% for column_name in combination_of_columns -%}
        {{ column_name }},
        {% endfor -%}
        count(*) as row_count,
    from {{ model }}
    group by all
),

duplicated_keys as (
    select * from key_counts
    where row_count > 1
)

select * from duplicated_keys

{% endtest %}
