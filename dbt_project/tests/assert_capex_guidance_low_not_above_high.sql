-- A guided range's low end never exceeds its high end (a point estimate has low = high).
select guidance.*,
from {{ ref('stg_seeds__capex_guidance') }} as guidance
where guidance.guidance_low_usd > guidance.guidance_high_usd
