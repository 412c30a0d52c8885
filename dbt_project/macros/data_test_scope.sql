{#-
  Nightly scope of the tests on the relations that hold the whole price history:
  stg_prices__daily_bars (a view that ranks every stored bar: 38M at 5,000 symbols x 30 years)
  and int_breadth__symbol_sessions. Published data passed these tests when it was published,
  and a night changes only what it loaded or recomputed since, so those tests read only that:
  at full history they took 56 s of every night's build instead of about 2 s.

  A test opts in with a placeholder in its `where` config (dbt renders YAML configs before the
  project's macros exist, so the values are filled in here, at run time):
    __first_unpublished_bar_date__  the earliest bar date among raw.prices_daily rows loaded
                                    after the last publish (a date literal, which DuckDB
                                    pushes below the staging view's ranking window)
    __last_publish_at__             the time of the last publish (a timestamptz literal)

  Everything is tested before the first publish, and with --vars '{data_tests_scope: all}'
  (after changing a model's logic, which changes rows without loading any).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if '__first_unpublished_bar_date__' in where -%}
        {%- set where = where | replace(
            '__first_unpublished_bar_date__', "date '" ~ first_unpublished_bar_date() ~ "'"
        ) -%}
    {%- endif -%}
    {%- if '__last_publish_at__' in where -%}
        {%- set where = where | replace(
            '__last_publish_at__', "timestamptz '" ~ last_publish_at() ~ "+00'"
        ) -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}


{% macro last_publish_at() %}
    {#- UTC, as audit.publish_log stores it; the beginning of time when nothing is published -#}
    {%- set log = _audit_relation(target.database, 'publish_log') -%}
    {%- if log is none or var('data_tests_scope', 'unpublished') == 'all' -%}
        {{ return('0001-01-01 00:00:00') }}
    {%- endif -%}
    {%- set published_at = run_query(
        'select strftime(max(published_at), \'%Y-%m-%d %H:%M:%S.%f\') from ' ~ log
    ).columns[0].values()[0] -%}
    {{ return(published_at or '0001-01-01 00:00:00') }}
{% endmacro %}


{% macro first_unpublished_bar_date() %}
    {%- set published_at = last_publish_at() -%}
    {%- set first_date = run_query(
        "select strftime(coalesce(min(date), date '9999-12-31'), '%Y-%m-%d') from "
        ~ source('raw', 'prices_daily')
        ~ " where _loaded_at > timestamp '" ~ published_at ~ "'"
    ).columns[0].values()[0] -%}
    {{ return(first_date) }}
{% endmacro %}
