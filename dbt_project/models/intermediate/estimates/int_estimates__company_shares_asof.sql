-- One row per company and as-of date that has estimates (grain: as_of_date, ticker): the
-- company's common shares outstanding as known on that date, for weighting EPS into
-- aggregate earnings. Point in time: the fact with the latest instant on or before
-- as_of_date among the filings filed on or before as_of_date (a later filing cannot inform
-- an earlier snapshot); ties on the instant go to the latest filing (an amendment), then to
-- the dei cover-page tag over the us-gaap balance-sheet tag. Tickers map to CIKs through the
-- companies seed; a company missing there, or without a shares fact yet, has NULL shares.
with

metrics as (
    select * from {{ ref('int_estimates__metrics_pivoted') }}
),

companies as (
    select * from {{ ref('stg_seeds__companies') }}
),

facts as (
    select * from {{ ref('stg_sec__facts') }}
),

concepts as (
    select * from {{ ref('stg_seeds__sec_concepts') }}
),

company_dates as (
    select distinct
        metrics.as_of_date,
        metrics.entity_id as ticker,
    from metrics
    where metrics.entity_type = 'company'
),

share_facts as (
    select
        facts.cik,
        facts.taxonomy,
        facts.tag,
        facts.period_end as shares_instant,
        facts.val as shares_outstanding,
        facts.accn,
        facts.filed,
    from facts
    inner join concepts
        on facts.taxonomy = concepts.taxonomy
        and facts.tag = concepts.tag
        and facts.unit = concepts.unit
    where
        concepts.concept = 'shares_outstanding'
        and facts.period_start is null
        and facts.val > 0
),

candidates as (
    select
        company_dates.as_of_date,
        company_dates.ticker,
        companies.cik,
        share_facts.shares_outstanding,
        share_facts.shares_instant,
        share_facts.taxonomy || ':' || share_facts.tag as shares_tag,
        share_facts.accn as shares_accn,
        share_facts.filed as shares_filed,
        row_number() over (
            partition by company_dates.as_of_date, company_dates.ticker
            order by
                share_facts.shares_instant desc nulls last,
                share_facts.filed desc nulls last,
                share_facts.accn desc nulls last,
                case share_facts.taxonomy when 'dei' then 0 else 1 end
        ) as fact_rank,
    from company_dates
    left join companies
        on company_dates.ticker = companies.ticker
    left join share_facts
        on companies.cik = share_facts.cik
        and share_facts.shares_instant <= company_dates.as_of_date
        and share_facts.filed <= company_dates.as_of_date
),

shares_asof as (
    select
        candidates.as_of_date,
        candidates.ticker,
        candidates.cik,
        candidates.shares_outstanding,
        candidates.shares_instant,
        candidates.shares_tag,
        candidates.shares_accn,
        candidates.shares_filed,
    from candidates
    where candidates.fact_rank = 1
)

select * from shares_asof
