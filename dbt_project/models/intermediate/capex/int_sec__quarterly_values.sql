-- Rule 4: discrete fiscal-quarter values of the additive USD flow concepts (unit USD: capex,
-- finance_lease_principal, revenue, operating_cash_flow, net_income; per-share and instant
-- concepts are not additive and are left out). Grain: cik, concept, fiscal_year,
-- fiscal_quarter - every quarter of int_sec__fiscal_quarters in a fiscal year in which the
-- concept has at least one fact. Per quarter, first match wins:
--   Q1: the 3-month YTD fact                                      derivation 'reported_3m'
--   Q2-Q4: a reported discrete 3-month fact (10-Qs report income-statement quarters) -
--     unless both YTD facts exist and their difference disagrees with it by more than $1M:
--     then the discrete fact is an older figure that later, restated YTD values replace
--     (is_reported_3m_overridden = true) and the difference below is used   'reported_3m'
--   Q2 = 6M YTD - 3M YTD, Q3 = 9M YTD - 6M YTD                     'ytd_difference'
--   Q4 = fiscal year - 9M YTD                                     'fy_minus_9m'
-- Otherwise value_usd is NULL (never zero, never interpolated), is_derivable = false and
-- derivation names the missing input: missing_3m, missing_ytd_3m, missing_ytd_6m,
-- missing_ytd_9m, missing_fy (the minuend is named first when both are missing). A missing
-- 6M YTD therefore makes both Q2 and Q3 NULL ('missing_ytd_6m').
-- tag, source_accn and source_filed are those of the fact ending at the quarter end (the
-- discrete or minuend fact); subtracted_tag is the tag of the subtracted YTD fact.
with

quarters as (
    select * from {{ ref('int_sec__fiscal_quarters') }}
),

period_facts as (
    select * from {{ ref('int_sec__fiscal_period_facts') }}
    where unit = 'USD'
),

concept_years as (
    select distinct
        period_facts.cik,
        period_facts.concept,
        period_facts.fiscal_year,
    from period_facts
),

ytd as (
    select * from period_facts
    where period_kind = 'ytd'
),

discrete as (
    select * from period_facts
    where period_kind = 'discrete_quarter'
),

fiscal_year_totals as (
    select
        ytd.cik,
        ytd.concept,
        ytd.fiscal_year,
        ytd.val as fiscal_year_value_usd,
    from ytd
    where ytd.fiscal_quarter = 4
),

joined as (
    select
        quarters.cik,
        concept_years.concept,
        quarters.fiscal_year,
        quarters.fiscal_quarter,
        quarters.period_start,
        quarters.period_end,
        quarters.calendar_year,
        quarters.calendar_quarter,
        quarters.is_period_end_estimated,
        ytd_current.val as ytd_value_usd,
        ytd_previous.val as previous_ytd_value_usd,
        discrete.val as reported_3m_value_usd,
        ytd_current.tag as ytd_tag,
        ytd_previous.tag as previous_ytd_tag,
        discrete.tag as discrete_tag,
        ytd_current.accn as ytd_accn,
        ytd_current.filed as ytd_filed,
        discrete.accn as discrete_accn,
        discrete.filed as discrete_filed,
        fiscal_year_totals.fiscal_year_value_usd,
    from quarters
    inner join concept_years
        on quarters.cik = concept_years.cik
        and quarters.fiscal_year = concept_years.fiscal_year
    left join ytd as ytd_current
        on concept_years.cik = ytd_current.cik
        and concept_years.concept = ytd_current.concept
        and quarters.fiscal_year = ytd_current.fiscal_year
        and quarters.fiscal_quarter = ytd_current.fiscal_quarter
    left join ytd as ytd_previous
        on concept_years.cik = ytd_previous.cik
        and concept_years.concept = ytd_previous.concept
        and quarters.fiscal_year = ytd_previous.fiscal_year
        and quarters.fiscal_quarter - 1 = ytd_previous.fiscal_quarter
    left join discrete
        on concept_years.cik = discrete.cik
        and concept_years.concept = discrete.concept
        and quarters.fiscal_year = discrete.fiscal_year
        and quarters.fiscal_quarter = discrete.fiscal_quarter
    left join fiscal_year_totals
        on concept_years.cik = fiscal_year_totals.cik
        and concept_years.concept = fiscal_year_totals.concept
        and quarters.fiscal_year = fiscal_year_totals.fiscal_year
),

derived as (
    select
        joined.*,
        case
            when joined.fiscal_quarter = 1 and joined.ytd_value_usd is not null then 'reported_3m'
            when joined.fiscal_quarter = 1 then 'missing_3m'
            when joined.reported_3m_value_usd is not null
                and (
                    joined.ytd_value_usd is null
                    or joined.previous_ytd_value_usd is null
                    or abs(joined.reported_3m_value_usd - (joined.ytd_value_usd - joined.previous_ytd_value_usd)) <= 1e6
                )
                then 'reported_3m'
            when joined.ytd_value_usd is null
                then case joined.fiscal_quarter
                    when 2 then 'missing_ytd_6m'
                    when 3 then 'missing_ytd_9m'
                    when 4 then 'missing_fy'
                end
            when joined.previous_ytd_value_usd is null
                then case joined.fiscal_quarter
                    when 2 then 'missing_ytd_3m'
                    when 3 then 'missing_ytd_6m'
                    when 4 then 'missing_ytd_9m'
                end
            when joined.fiscal_quarter = 4 then 'fy_minus_9m'
            else 'ytd_difference'
        end as derivation,
    from joined
),

valued as (
    select
        derived.cik,
        derived.concept,
        derived.fiscal_year,
        derived.fiscal_quarter,
        derived.period_start,
        derived.period_end,
        derived.calendar_year,
        derived.calendar_quarter,
        derived.is_period_end_estimated,
        case derived.derivation
            when 'reported_3m'
                then case when derived.fiscal_quarter = 1 then derived.ytd_value_usd else derived.reported_3m_value_usd end
            when 'ytd_difference' then derived.ytd_value_usd - derived.previous_ytd_value_usd
            when 'fy_minus_9m' then derived.ytd_value_usd - derived.previous_ytd_value_usd
        end as value_usd,
        derived.derivation,
        derived.derivation in ('reported_3m', 'ytd_difference', 'fy_minus_9m') as is_derivable,
        derived.fiscal_quarter > 1
        and derived.reported_3m_value_usd is not null
        and derived.derivation != 'reported_3m' as is_reported_3m_overridden,
        case
            when derived.derivation = 'reported_3m' and derived.fiscal_quarter > 1 then derived.discrete_tag
            when derived.derivation in ('reported_3m', 'ytd_difference', 'fy_minus_9m') then derived.ytd_tag
        end as tag,
        case
            when derived.derivation in ('ytd_difference', 'fy_minus_9m') then derived.previous_ytd_tag
        end as subtracted_tag,
        case
            when derived.derivation = 'reported_3m' and derived.fiscal_quarter > 1 then derived.discrete_accn
            when derived.derivation in ('reported_3m', 'ytd_difference', 'fy_minus_9m') then derived.ytd_accn
        end as source_accn,
        case
            when derived.derivation = 'reported_3m' and derived.fiscal_quarter > 1 then derived.discrete_filed
            when derived.derivation in ('reported_3m', 'ytd_difference', 'fy_minus_9m') then derived.ytd_filed
        end as source_filed,
        derived.ytd_value_usd,
        derived.previous_ytd_value_usd,
        derived.reported_3m_value_usd,
        -- the YTD difference even where a reported quarter was used (cross-check)
        case
            when derived.fiscal_quarter = 1 then derived.ytd_value_usd
            else derived.ytd_value_usd - derived.previous_ytd_value_usd
        end as ytd_difference_usd,
        derived.fiscal_year_value_usd,
    from derived
)

select * from valued
