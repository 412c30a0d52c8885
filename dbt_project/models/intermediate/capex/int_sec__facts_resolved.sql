-- Rule 2: one fact per (cik, concept, period_start, period_end) across the concept's candidate
-- tags. Companies switch tags (PaymentsToAcquirePropertyPlantAndEquipment ->
-- PaymentsToAcquireProductiveAssets) and the stale tag keeps returning its old values, so the
-- first tag that has data is NOT the answer: per period, the tag whose fact was filed most
-- recently wins (its latest filing, from int_sec__facts_latest_filing). Tie-breaks, in order:
-- accn descending (the later filing), then the tag the company filed most recently for the
-- concept in any period (its current tag), then tag name ascending (deterministic last
-- resort, e.g. one filing reporting both tags for one period).
with

latest_filing as (
    select * from {{ ref('int_sec__facts_latest_filing') }}
),

tag_recency as (
    select
        latest_filing.cik,
        latest_filing.concept,
        latest_filing.tag,
        max(latest_filing.filed) as tag_last_filed,
    from latest_filing
    group by all
),

candidates as (
    select
        latest_filing.*,
        tag_recency.tag_last_filed,
        count(*) over (
            partition by
                latest_filing.cik,
                latest_filing.concept,
                latest_filing.period_start,
                latest_filing.period_end
        ) as candidate_tags_count,
        row_number() over (
            partition by
                latest_filing.cik,
                latest_filing.concept,
                latest_filing.period_start,
                latest_filing.period_end
            order by
                latest_filing.filed desc,
                latest_filing.accn desc,
                tag_recency.tag_last_filed desc,
                latest_filing.tag asc
        ) as tag_rank,
    from latest_filing
    inner join tag_recency
        on latest_filing.cik = tag_recency.cik
        and latest_filing.concept = tag_recency.concept
        and latest_filing.tag = tag_recency.tag
),

resolved as (
    select
        candidates.cik,
        candidates.entity_name,
        candidates.concept,
        candidates.taxonomy,
        candidates.tag,
        candidates.unit,
        candidates.period_start,
        candidates.period_end,
        candidates.duration_days,
        candidates.val,
        candidates.accn,
        candidates.filed,
        candidates.form,
        candidates.filing_fiscal_year,
        candidates.filing_fiscal_period,
        candidates.filings_count,
        candidates.first_filed,
        candidates.was_revised,
        candidates.candidate_tags_count,
        candidates.source_mode,
    from candidates
    where candidates.tag_rank = 1
)

select * from resolved
