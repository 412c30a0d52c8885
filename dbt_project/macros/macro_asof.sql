{#-
    Point-in-time (as-of) lookups over marts.fct_macro_observations_asof. Every argument is a
    SQL expression (quote literals: "'GDP'", "date '2024-08-01'"); each macro renders a
    parenthesised subquery. A day D "knows" a vintage when valid_from <= D <= valid_to.

    macro_value_as_of(series_id, observation_date, as_of_date)
        scalar: the value of one observation as published on as_of_date; NULL when nothing was
        published for it that day (before its first release, or a "." vintage).
        e.g. {{ macro_value_as_of("'GDP'", "date '2024-04-01'", "date '2024-08-01'") }} = 28629.153

    macro_latest_value_as_of(series_id, as_of_date)
        scalar: the value of the newest observation that had a value on as_of_date.

    macro_observations_as_of(as_of_date, series_ids=none)
        relation: one row per (series_id, observation_date) published on as_of_date, all
        columns of the mart; series_ids is an optional list of series id strings.
-#}
{% macro macro_value_as_of(series_id, observation_date, as_of_date) -%}
    (
        select macro_asof.value
        from {{ ref('fct_macro_observations_asof') }} as macro_asof
        where
            macro_asof.series_id = {{ series_id }}
            and macro_asof.observation_date = {{ observation_date }}
            and {{ as_of_date }} between macro_asof.valid_from and macro_asof.valid_to
    )
{%- endmacro %}

{% macro macro_latest_value_as_of(series_id, as_of_date) -%}
    (
        select arg_max(macro_asof.value, macro_asof.observation_date)
        from {{ ref('fct_macro_observations_asof') }} as macro_asof
        where
            macro_asof.series_id = {{ series_id }}
            and macro_asof.value is not null
            and {{ as_of_date }} between macro_asof.valid_from and macro_asof.valid_to
    )
{%- endmacro %}

{% macro macro_observations_as_of(as_of_date, series_ids=none) -%}
    (
        select macro_asof.*
        from {{ ref('fct_macro_observations_asof') }} as macro_asof
        where
            {{ as_of_date }} between macro_asof.valid_from and macro_asof.valid_to
            {%- if series_ids is not none %}
            and macro_asof.series_id in (
                {%- for series_id in series_ids %}'{{ series_id }}'{{ ", " if not loop.last }}{% endfor -%}
            )
            {%- endif %}
    )
{%- endmacro %}
