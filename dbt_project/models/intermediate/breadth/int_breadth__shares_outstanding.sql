-- SEC shares outstanding as known on each day, per company (grain: cik, valid_from): a
-- timeline for as-of joins. On day D a company's shares outstanding is the value of the
-- instant fact with the latest period_end among the shares_outstanding facts (seed
-- sec_concepts: dei EntityCommonStockSharesOutstanding, us-gaap CommonStockSharesOutstanding)
-- FILED on or before D - the latest instant fact at or before D that was public by D (no
-- look-ahead). Ties on period_end: the later filing, then the higher accession number, then
-- the tag name. A value holds from valid_from (a filing date) until valid_to (exclusive, the
-- next date a shares fact was filed; NULL = still current).
with

facts as (
    select * from {{ ref('stg_sec__facts') }}
),

concepts as (
    select * from {{ ref('stg_seeds__sec_concepts') }}
),

share_facts as (
    select
        facts.cik,
        facts.period_end,
        facts.val,
        facts.filed,
        facts.accn,
        facts.tag,
        facts.loaded_at,
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

known_by_filing_date as (
    select
        share_facts.cik,
        share_facts.filed as valid_from,
        -- the best fact filed so far: latest period_end, then later filing, accn, tag
        arg_max(
            struct_pack(
                shares_outstanding := share_facts.val,
                shares_period_end := share_facts.period_end,
                accn := share_facts.accn,
                tag := share_facts.tag
            ),
            struct_pack(share_facts.period_end, share_facts.filed, share_facts.accn, share_facts.tag)
        ) over known_so_far as best_fact,
        max(share_facts.loaded_at) over same_filing_date as loaded_at,
    from share_facts
    window
        known_so_far as (
            partition by share_facts.cik
            order by share_facts.filed
            range between unbounded preceding and current row
        ),
        same_filing_date as (partition by share_facts.cik, share_facts.filed)
    qualify row_number() over (partition by share_facts.cik, share_facts.filed order by share_facts.accn) = 1
),

timeline as (
    select
        known_by_filing_date.cik,
        known_by_filing_date.valid_from,
        lead(known_by_filing_date.valid_from) over (
            partition by known_by_filing_date.cik order by known_by_filing_date.valid_from
        ) as valid_to,
        known_by_filing_date.best_fact.shares_outstanding,
        known_by_filing_date.best_fact.shares_period_end,
        known_by_filing_date.best_fact.accn,
        known_by_filing_date.best_fact.tag,
        known_by_filing_date.loaded_at,
    from known_by_filing_date
)

select * from timeline
