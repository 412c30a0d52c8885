"""Run a Great Expectations 1.x suite over a pandas DataFrame and summarise the failures.

GX's SQL datasource does not work on DuckDB, so checks read the rows to validate into pandas
(the new partition, or a whole small table) and validate the DataFrame.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402  (the analytics switch must be set first)

logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class FailedExpectation:
    expectation: str
    target: str  # the frame and column(s) the expectation was about
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        count = "" if self.unexpected_count is None else f"{self.unexpected_count} rows: "
        return f"{self.expectation} on {self.target}: {count}e.g. {self.examples[:5]}"


@dataclass
class ValidationOutcome:
    suite: str
    evaluated: int = 0
    rows: int = 0
    failures: list[FailedExpectation] = field(default_factory=list)
    # Each suite run with its GX result, for the Data Docs site (data_quality.docs).
    validations: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures

    def merge(self, other: ValidationOutcome) -> ValidationOutcome:
        self.evaluated += other.evaluated
        self.failures.extend(other.failures)
        self.validations.extend(other.validations)
        return self

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} expectations passed on {self.rows} rows"
        lines = [f"{self.suite}: {len(self.failures)} of {self.evaluated} expectations failed"]
        lines += [f"  - {failure.describe()}" for failure in self.failures]
        return "\n".join(lines)


@cache
def _context() -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    return context


def validate_frame(
    frame: pd.DataFrame,
    suite_name: str,
    expectations: list[Any],
    *,
    label: str,
    id_columns: list[str] | None = None,
) -> ValidationOutcome:
    """Validate ``frame`` against the expectations; ``label`` names the frame in failures."""
    context = _context()
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    name = f"{label}_{id(frame)}"
    source = context.data_sources.add_or_update_pandas(name)
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
    if id_columns:
        result_format["unexpected_index_column_names"] = id_columns
    result = batch.validate(suite, result_format=result_format)
    context.data_sources.delete(name)
    outcome = ValidationOutcome(
        suite=suite.name,
        evaluated=len(result.results),
        rows=len(frame),
        validations=[(suite, result)],
    )
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        kwargs = config.kwargs
        target_columns = (
            kwargs.get("column")
            or kwargs.get("column_list")
            or [
                kwargs.get("column_A"),
                kwargs.get("column_B"),
            ]
        )
        details = item.result or {}
        examples = (
            details.get("partial_unexpected_index_list")
            or details.get("partial_unexpected_list")
            or []
        )
        if not examples and "observed_value" in details:
            examples = [details["observed_value"]]
        if item.exception_info and item.exception_info.get("raised_exception"):
            examples = [item.exception_info.get("exception_message")]
        outcome.failures.append(
            FailedExpectation(
                expectation=config.type,
                target=f"{label}.{target_columns}",
                unexpected_count=details.get("unexpected_count"),
                examples=list(examples),
            )
        )
    return outcome
