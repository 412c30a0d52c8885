"""What every check does the same way: record its expectations (audit.check_results and the
Data Docs site) and report them as an asset check; and what every load asset does with source
failures: a retry (all transient) or a failed step (anything else)."""

from collections.abc import Mapping

import dagster as dg

from data_quality.docs import DataDocs
from data_quality.runner import ValidationOutcome
from orchestration.warehouse import CheckRecord, WarehouseResource, utc_now

MAX_RUN_RETRIES = 3
# Failures kept in audit.check_results.observed: enough to find the rows, bounded in size.
OBSERVED_FAILURES = 20


def expectation_result(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    check_name: str,
    outcome: ValidationOutcome,
    *,
    asset_key: dg.AssetKey | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    **metadata: object,
) -> dg.AssetCheckResult:
    """An asset check result carrying the expectation counts and every failure's sample,
    recorded in audit.check_results and the Data Docs site first."""
    key = asset_key or _checked_asset(context)
    docs = DataDocs(warehouse.data_docs())
    pages = docs.record(outcome, run_name=context.run.run_id, batch=key.to_user_string())
    observed = {
        "rows_validated": outcome.rows,
        "failures": [
            {
                "expectation": failure.expectation,
                "target": failure.target,
                "unexpected_count": failure.unexpected_count,
                "examples": failure.examples[:5],
            }
            for failure in outcome.failures[:OBSERVED_FAILURES]
        ],
    }
    warehouse.get().record_check_results(
        [
            CheckRecord(
                run_id=context.run.run_id,
                asset_key=key.to_user_string(),
                check_name=check_name,
                passed=outcome.success,
                severity=severity.value,
                expectations_evaluated=outcome.evaluated,
                expectations_failed=len(outcome.failures),
                observed=observed,
                checked_at=utc_now(),
            )
        ]
    )
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=outcome.success,
        severity=severity,
        description=outcome.summary(),
        metadata={
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failures),
            "rows_validated": outcome.rows,
            "failures": dg.MetadataValue.md(outcome.summary()),
            "data_docs": dg.MetadataValue.path(str(pages[0] if pages else docs.index)),
            **metadata,
        },
    )


def _checked_asset(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
) -> dg.AssetKey:
    if isinstance(context, dg.AssetCheckExecutionContext):
        return context.check_specs[0].asset_key
    return context.asset_key


def raise_for_failures(
    context: dg.AssetExecutionContext,
    failures: Mapping[str, tuple[str, bool]],
    *,
    what: str,
    loaded: int | None = None,
) -> None:
    """``failures``: name -> (error, transient). Nothing failed: return.

    All transient (429, 5xx, timeouts after the client's own retries): retry the step later,
    up to MAX_RUN_RETRIES, with a doubling wait. Otherwise fail the step, naming each failure;
    ``loaded`` says how many others were loaded (None: nothing was).
    """
    if not failures:
        return
    described = "; ".join(f"{name}: {error}" for name, (error, _) in failures.items())
    transient = all(is_transient for _, is_transient in failures.values())
    if transient and context.retry_number < MAX_RUN_RETRIES:
        context.log.warning(f"transient failures, retrying the step: {described}")
        raise dg.RetryRequested(
            max_retries=MAX_RUN_RETRIES, seconds_to_wait=60 * 2**context.retry_number
        )
    others = "nothing was loaded" if loaded is None else f"the other {loaded} loaded"
    raise dg.Failure(
        description=f"{len(failures)} {what} failed ({others}): {described}",
        metadata={"failed": sorted(failures)},
    )
