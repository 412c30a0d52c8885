-- Rule 1: one fact per (cik, concept, tag, unit, period_start, period_end). The same period is
-- reported by several filings (a 10-K re-reports two earlier years, a 10-Q the prior year's
-- same period, an amendment or a restatement replaces a value): the latest filed wins, ties
-- on filed broken by accn descending (a later accession number was accepted later), so the
-- result is deterministic. The winning filing's accn, filed, form and fp are kept.
with

facts as (
    select * from {{ ref('stg_sec__facts') }}
),

concepts as (
    select * from {{ ref('stg_seeds__sec_concepts') }}
),

concept_facts as (
    select
        facts.cik,
        facts.entity_name,
        concepts.concept,
        facts.taxonomy,
        facts.tag,
        facts.unit,
        facts.period_start,
        facts.period_end,
        facts.duration_days,
        facts.val,
        facts.accn,
        facts.filed,
        facts.form,
        facts.filing_fiscal_year,
        facts.filing_fiscal_period,
        facts.is_annual_report_filing,
        facts.source_mode,
    from facts
    inner join concepts
        on facts.taxonomy = concepts.taxonomy
        and facts.tag = concepts.tag
        and facts.unit = concepts.unit
),

ranked as (
    select
        concept_facts.*,
        row_number() over (
            partition by
                concept_facts.cik,
                concept_facts.concept,
                concept_facts.tag,
                concept_facts.unit,
                concept_facts.period_start,
                concept_facts.period_end
            order by concept_facts.filed desc, concept_facts.accn desc
        ) as filing_rank,
        count(*) over (
            partition by
                concept_facts.cik,
                concept_facts.concept,
                concept_facts.tag,
                concept_facts.unit,
                concept_facts.period_start,
                concept_facts.period_end
        ) as filings_count,
        min(concept_facts.filed) over (
            partition by
                concept_facts.cik,
                concept_facts.concept,
                concept_facts.tag,
                concept_facts.unit,
                concept_facts.period_start,
                concept_facts.period_end
        ) as first_filed,
        count(distinct concept_facts.val) over (
            partition by
                concept_facts.cik,
                concept_facts.concept,
                concept_facts.tag,
                concept_facts.unit,
                concept_facts.period_start,
                concept_facts.period_end
        ) as distinct_values_count,
    from concept_facts
),

latest as (
    select
        ranked.cik,
        ranked.entity_name,
        ranked.concept,
        ranked.taxonomy,
        ranked.tag,
        ranked.unit,
        ranked.period_start,
        ranked.period_end,
        ranked.duration_days,
        ranked.val,
        ranked.accn,
        ranked.filed,
        ranked.form,
        ranked.filing_fiscal_year,
        ranked.filing_fiscal_period,
        ranked.filings_count,
        ranked.first_filed,
        ranked.distinct_values_count > 1 as was_revised,
        ranked.source_mode,
    from ranked
    where ranked.filing_rank = 1
)

select * from latest
