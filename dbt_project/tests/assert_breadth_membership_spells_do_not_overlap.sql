-- Two spells of one symbol in one index must not overlap (member_until is exclusive), or the
-- symbol would count twice on the shared days.
with

spells as (
    select * from {{ ref('stg_index__membership_spells') }}
),

ordered as (
    select
        spells.index_id,
        spells.symbol,
        spells.member_from,
        spells.member_until,
        lead(spells.member_from) over (
            partition by spells.index_id, spells.symbol order by spells.member_from
        ) as next_member_from,
    from spells
)

select * from ordered
where
    ordered.next_member_from is not null
    and (ordered.member_until is null or ordered.member_until > ordered.next_member_from)
