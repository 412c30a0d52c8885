{#-
    Use the custom schema name from the folder config as-is (staging, intermediate, marts,
    seeds) instead of dbt's default "<target schema>_<custom schema>" (main_staging).
    Nodes without a custom schema (data tests that store failures) use the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
