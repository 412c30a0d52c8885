-- marts.fct_sector_rotation_daily may not hold more than 10% fewer rows than in its last publish.
{{ row_count_no_large_drop(ref('fct_sector_rotation_daily')) }}
