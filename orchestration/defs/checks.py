"""What every load asset does the same way: report expectations as an asset check, and turn
source failures into a retry (all transient) or a failed step (anything else)."""

from collections.abc import Mapping

import dagster as dg

from data_quality.runner import ValidationOutcome

MAX_RUN_RETRIES = 3


def expectation_result(
    check_name: str,
    outcome: ValidationOutcome,
    *,
    asset_key: dg.AssetKey | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    **metadata: object,
) -> dg.AssetCheckResult:
    """An asset check result carrying the expectation counts and every failure's sample."""
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
            **metadata,
        },
    )


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
