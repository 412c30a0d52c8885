"""Expectations for ``raw.sec_facts``: the facts a load wrote for the companies it refreshed, and
each company's filing cadence.

Cadence: a US filer reports every quarter (10-Q three times, then a 10-K up to 90 days after
its year end), so the newest filing of an active company is never much older than four months.
A 20-F filer reports once a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame

FACT_ID = ["cik", "taxonomy", "tag", "unit", "period_start", "period_end", "accn"]
QUARTERLY_FILER_MAX_DAYS = 135
ANNUAL_FILER_MAX_DAYS = 400
FISCAL_PERIODS = ["Q1", "Q2", "Q3", "Q4", "FY", "H1", "H2", "M9"]
MONEY_UNITS = ["USD", "USD/shares", "shares", "TWD", "TWD/shares", "EUR", "JPY", "pure"]


def fact_expectations() -> list:
    e = gx.expectations
    expectations = [
        e.ExpectColumnValuesToNotBeNull(column=c)
        for c in ("cik", "taxonomy", "tag", "unit", "period_end", "val", "accn", "filed")
    ]
    expectations += [
        e.ExpectCompoundColumnsToBeUnique(column_list=FACT_ID),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end",
            column_B="period_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        # A fact cannot be filed before its period began.
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="filed",
            column_B="period_start",
            ignore_row_if="either_value_is_missing",
        ),
        e.ExpectColumnValuesToMatchRegex(column="accn", regex=r"^\d{10}-\d{2}-\d{6}$"),
        e.ExpectColumnValuesToBeInSet(column="taxonomy", value_set=["us-gaap", "ifrs-full", "dei"]),
        e.ExpectColumnValuesToBeInSet(column="fp", value_set=FISCAL_PERIODS, mostly=0.99),
        e.ExpectColumnValuesToBeBetween(column="duration_days", min_value=0, max_value=400),
        # Capital expenditure is a payment: a negative or zero amount is a sign or tag error.
        e.ExpectColumnValuesToBeBetween(column="capex_val", min_value=0, strict_min=True),
    ]
    return expectations


def cadence_expectations() -> list:
    e = gx.expectations
    return [
        e.ExpectColumnValuesToBeInSet(column="is_present", value_set=[True]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="max_days_between_filings",
            column_B="days_since_last_filing",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def filing_cadence(
    last_filed: Mapping[str, date | None], annual_filers: set[str], today: date
) -> pd.DataFrame:
    rows = []
    for ticker, filed in last_filed.items():
        rows.append(
            {
                "ticker": ticker,
                "is_present": filed is not None,
                "days_since_last_filing": None if filed is None else (today - filed).days,
                "max_days_between_filings": ANNUAL_FILER_MAX_DAYS
                if ticker in annual_filers
                else QUARTERLY_FILER_MAX_DAYS,
            }
        )
    return pd.DataFrame(rows).astype(
        {"days_since_last_filing": "Int64", "max_days_between_filings": "Int64"}
    )


def validate_sec_facts(
    loaded: pd.DataFrame,
    *,
    capex_tags: set[tuple[str, str]],
    last_filed: Mapping[str, date | None],
    annual_filers: set[str],
    today: date,
) -> ValidationOutcome:
    """``loaded``: the rows this run wrote; ``capex_tags``: (taxonomy, tag) of capex concepts;
    ``last_filed``: newest ``filed`` per refreshed ticker (None when it has no facts)."""
    start = pd.to_datetime(loaded["period_start"])
    end = pd.to_datetime(loaded["period_end"])
    is_capex = pd.Series(
        [(t, g) in capex_tags for t, g in zip(loaded["taxonomy"], loaded["tag"], strict=True)],
        index=loaded.index,
        dtype=bool,
    )
    checked = loaded.assign(
        duration_days=(end - start).dt.days,
        capex_val=loaded["val"].where(is_capex),
    )
    outcome = validate_frame(
        checked, "raw.sec_facts", fact_expectations(), label="sec_facts", id_columns=FACT_ID
    )
    outcome.merge(
        validate_frame(
            filing_cadence(last_filed, annual_filers, today),
            "raw.sec_facts.filing_cadence",
            cadence_expectations(),
            label="sec_filing_cadence",
            id_columns=["ticker"],
        )
    )
    return outcome
