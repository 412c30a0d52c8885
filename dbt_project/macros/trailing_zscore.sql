{#-
    z-score of a column against its own trailing window of `window_size` rows, today included:
        (x - avg(x)) / stddev_samp(x)   over the last `window_size` rows of the partition.
    NULL until the window holds `window_size` non-null values (no partial windows), and NULL
    when the window has no dispersion (DuckDB returns inf on division by zero).
    Only rows at or before the current one are used: no look-ahead.
-#}
{% macro trailing_zscore(column_name, partition_by, order_by, window_size) -%}
    {%- set trailing_window -%}
        (partition by {{ partition_by }} order by {{ order_by }} rows between {{ window_size - 1 }} preceding and current row)
    {%- endset -%}
    case
        when count({{ column_name }}) over {{ trailing_window }} = {{ window_size }}
            then
                ({{ column_name }} - avg({{ column_name }}) over {{ trailing_window }})
                / nullif(stddev_samp({{ column_name }}) over {{ trailing_window }}, 0)
    end
{%- endmacro %}
