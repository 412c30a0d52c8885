-- marts.fct_macro_regime_daily may not hold more than 10% fewer rows than in its last publish.
{{ row_count_no_large_drop(ref('fct_macro_regime_daily')) }}
