{#-
  Row-count drop detectors, used by the singular tests assert_<table>_row_count_no_large_drop.

  row_count_no_large_drop(model): a failing row when the mart holds more than max_drop fewer
  rows than in its last publish (audit.publish_log). Marts grow with every session; a mart
  that shrinks lost data upstream, and publishing it would hide that from analysts.

  raw_load_no_large_drop(table): a failing row when the latest load of a raw table replaced
  its rows with more than max_drop fewer (audit.load_log): a provider that suddenly sends a
  shorter history. Loads of new dates replace nothing and are never flagged.

  Both pass before the first publish or load: there is nothing to compare with.
-#}
{% macro row_count_no_large_drop(model, max_drop=0.10) %}
{%- set log = _audit_relation(model.database, 'publish_log') -%}
with

current_count as (
    select count(*) as row_count from {{ model }}
),

last_published as (
    {%- if log is none %}
    select null::bigint as row_count
    {%- else %}
    select row_count
    from {{ log }}
    where table_name = '{{ model.identifier }}'
    order by published_at desc
    limit 1
    {%- endif %}
)

select
    '{{ model.identifier }}' as table_name,
    current_count.row_count as current_rows,
    last_published.row_count as last_published_rows
from current_count
cross join last_published
where last_published.row_count > 0
    and current_count.row_count < last_published.row_count * (1 - {{ max_drop }})
{% endmacro %}


{% macro raw_load_no_large_drop(raw_table, max_drop=0.10) %}
{%- set log = _audit_relation(raw_table.database, 'load_log') -%}
{%- if log is none %}
select null::varchar as table_name where false
{%- else %}
with

latest_load as (
    select *
    from {{ log }}
    where table_name = 'raw.{{ raw_table.identifier }}'
    order by loaded_at desc
    limit 1
)

select
    table_name,
    run_id,
    rows_deleted,
    rows_inserted,
    loaded_at
from latest_load
where rows_deleted > 0
    and rows_inserted < rows_deleted * (1 - {{ max_drop }})
{%- endif %}
{% endmacro %}


{% macro _audit_relation(database, identifier) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=database, schema='audit', identifier=identifier)) }}
{% endmacro %}
