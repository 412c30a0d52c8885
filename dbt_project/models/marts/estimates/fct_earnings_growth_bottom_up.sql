-- One row per as-of date, universe, fiscal year and source: expected EPS growth of a
-- universe built bottom-up from its member companies' estimates, for universes without an
-- index-level figure (the Russell 2000, S&P 500 sectors) or to check one.
--
-- Universes: each index of the estimate_entities seed (its companies with that index_id)
-- and each GICS sector within the S&P 500 (companies with index_id SP500 and that sector);
-- membership is the seed's, not point in time. A member counts for an as-of date, fiscal
-- year and source when it has an EPS mean for a year period (FY label preferred over CY).
--   aggregate_eps_growth = sum(eps_estimate_mean x shares) / sum(eps_base x shares) - 1 over
--     members in the aggregate (base known, USD, shares known); NULL when the summed base
--     earnings are <= 0. Members with a negative base are included (their losses lower the
--     base); members without shares or in another currency are left out and counted.
--   median_company_eps_growth = median of (mean - base) / base over members with base > 0.
--   negative_base_share = members with base <= 0 / members with a base.
with

metrics as (
    select * from {{ ref('int_estimates__metrics_pivoted') }}
),

entities as (
    select * from {{ ref('stg_seeds__estimate_entities') }}
),

shares as (
    select * from {{ ref('int_estimates__company_shares_asof') }}
),

memberships as (
    select
        entities.entity_id as ticker,
        'index' as universe_type,
        entities.index_id as universe_id,
        entities.index_id,
        cast(null as varchar) as gics_sector,
    from entities
    where entities.entity_type = 'company' and entities.index_id is not null
    union all
    select
        entities.entity_id as ticker,
        'sector' as universe_type,
        entities.gics_sector as universe_id,
        entities.index_id,
        entities.gics_sector,
    from entities
    where
        entities.entity_type = 'company'
        and entities.index_id = 'SP500'
        and entities.gics_sector is not null
),

universe_sizes as (
    select
        memberships.universe_type,
        memberships.universe_id,
        count(*) as members_in_universe,
    from memberships
    group by all
),

company_years as (
    select metrics.*,
    from metrics
    where
        metrics.entity_type = 'company'
        and metrics.period_type = 'year'
        and metrics.eps_estimate_mean is not null
    qualify row_number() over (
        partition by metrics.as_of_date, metrics.entity_id, metrics.source, metrics.fiscal_year
        order by metrics.is_calendar_period_label, metrics.fiscal_period
    ) = 1
),

member_estimates as (
    select
        company_years.as_of_date,
        memberships.universe_type,
        memberships.universe_id,
        memberships.index_id,
        memberships.gics_sector,
        company_years.fiscal_year,
        company_years.source,
        company_years.entity_id as ticker,
        company_years.eps_estimate_mean,
        company_years.eps_base,
        company_years.eps_growth,
        company_years.period_end,
        shares.shares_outstanding,
        coalesce(company_years.currency, 'USD') = 'USD' as is_usd,
    from company_years
    inner join memberships
        on company_years.entity_id = memberships.ticker
    left join shares
        on company_years.as_of_date = shares.as_of_date
        and company_years.entity_id = shares.ticker
),

classified as (
    select
        member_estimates.*,
        member_estimates.eps_base is not null as has_base,
        member_estimates.eps_base is not null
            and member_estimates.is_usd
            and member_estimates.shares_outstanding is not null as is_in_aggregate,
    from member_estimates
),

aggregated as (
    select
        classified.as_of_date,
        classified.universe_type,
        classified.universe_id,
        any_value(classified.index_id) as index_id,
        any_value(classified.gics_sector) as gics_sector,
        classified.fiscal_year,
        classified.source,
        count(*) as members_with_estimate,
        count(*) filter (where classified.has_base) as members_with_base,
        count(*) filter (where classified.eps_base > 0) as members_positive_base,
        count(*) filter (where classified.eps_base <= 0) as members_negative_base,
        count(*) filter (where classified.has_base and not classified.is_usd) as members_other_currency,
        count(*) filter (
            where classified.has_base and classified.is_usd and classified.shares_outstanding is null
        ) as members_missing_shares,
        count(*) filter (where classified.is_in_aggregate) as members_in_aggregate,
        count(*) filter (where month(classified.period_end) <> 12) as members_non_december_year_end,
        sum(classified.eps_estimate_mean * classified.shares_outstanding)
            filter (where classified.is_in_aggregate) as aggregate_expected_earnings_usd,
        sum(classified.eps_base * classified.shares_outstanding)
            filter (where classified.is_in_aggregate) as aggregate_base_earnings_usd,
        median(classified.eps_growth)
            filter (where classified.eps_base > 0) as median_company_eps_growth,
    from classified
    group by
        classified.as_of_date,
        classified.universe_type,
        classified.universe_id,
        classified.fiscal_year,
        classified.source
),

bottom_up as (
    select
        aggregated.as_of_date,
        aggregated.universe_type,
        aggregated.universe_id,
        aggregated.index_id,
        aggregated.gics_sector,
        aggregated.fiscal_year,
        aggregated.source,
        case
            when aggregated.aggregate_base_earnings_usd > 0
                then aggregated.aggregate_expected_earnings_usd / aggregated.aggregate_base_earnings_usd - 1
        end as aggregate_eps_growth,
        aggregated.aggregate_expected_earnings_usd,
        aggregated.aggregate_base_earnings_usd,
        aggregated.median_company_eps_growth,
        cast(aggregated.members_negative_base as double)
            / nullif(aggregated.members_with_base, 0) as negative_base_share,
        cast(universe_sizes.members_in_universe as integer) as members_in_universe,
        cast(aggregated.members_with_estimate as integer) as members_with_estimate,
        cast(aggregated.members_with_base as integer) as members_with_base,
        cast(aggregated.members_positive_base as integer) as members_positive_base,
        cast(aggregated.members_negative_base as integer) as members_negative_base,
        cast(aggregated.members_in_aggregate as integer) as members_in_aggregate,
        cast(aggregated.members_missing_shares as integer) as members_missing_shares,
        cast(aggregated.members_other_currency as integer) as members_other_currency,
        cast(aggregated.members_non_december_year_end as integer) as members_non_december_year_end,
    from aggregated
    inner join universe_sizes
        on aggregated.universe_type = universe_sizes.universe_type
        and aggregated.universe_id = universe_sizes.universe_id
)

select * from bottom_up
