{#-
  The first of the last `breadth_lookback_sessions` (default 5) sessions already built: every
  incremental breadth model recomputes at least from here. `sessions` names a relation or CTE
  of int_prices__nyse_sessions; `last_built_date` is a SQL expression (the model's newest
  built session). Renders a scalar subquery.
-#}
{% macro breadth_lookback_start(sessions, last_built_date) -%}
(
    select min(lookback_sessions.trade_date)
    from {{ sessions }} as lookback_sessions
    where lookback_sessions.session_number > (
        select max(built_sessions.session_number) - {{ var('breadth_lookback_sessions', 5) }}
        from {{ sessions }} as built_sessions
        where built_sessions.trade_date <= ({{ last_built_date }})
    )
)
{%- endmacro %}
