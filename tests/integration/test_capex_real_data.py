"""SEC capex: real Alphabet company facts and hand-built traps through the parser and dbt.

Alphabet's recorded companyfacts file is parsed by the SEC parser, loaded into a temporary
warehouse's raw.sec_facts and modelled by the capex dbt models; the marts must show the capex
Alphabet reported (fiscal 2025: $91,447M = 17,197 + 22,446 + 23,953 + 27,851). A second
warehouse holds small hand-built fact sets, one per trap of the SEC data: a restatement, a tag
switch with a stale tag, 10-Q trailing-twelve-month columns, a missing 6-month year-to-date
value, a June year end and a late-January 52-week year.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from orchestration.sources.sec import CONCEPTS_CSV, load_concepts, parse_companyfacts
from orchestration.warehouse import SEC_FACTS, Warehouse
from tests.integration.dbt_runner import run_dbt

MILLION = 1_000_000
CAPEX_TAG = "PaymentsToAcquirePropertyPlantAndEquipment"
NEW_CAPEX_TAG = "PaymentsToAcquireProductiveAssets"
# The mart and everything it feeds (the hyperscaler marts also read the guidance seed).
DBT_SELECTION = "+fct_capex_quarterly+ +fct_hyperscaler_capex_by_company"

GOOGL, MSFT, AMZN, META, ORCL, NVDA = 1652044, 789019, 1018724, 1326801, 1341439, 1045810


def load_sec_facts(warehouse: Warehouse, frame: pd.DataFrame, run_id: str) -> int:
    """Insert parsed facts (SEC_FACTS columns + payload_ref) with the lineage columns set."""
    select_list = ", ".join(
        f"cast(incoming.{name} as {kind.replace(' NOT NULL', '')})"
        for name, kind in SEC_FACTS.columns.items()
    )
    with warehouse.connect() as connection:
        warehouse.ensure_raw_tables(connection)
        connection.register("incoming", frame)
        connection.execute(
            f"""
            insert into {SEC_FACTS.qualified}
            select {select_list}, 'sec', 'live', ?, ?, incoming.payload_ref
            from incoming
            """,
            [run_id, datetime.now(UTC).replace(tzinfo=None)],
        )
        connection.unregister("incoming")
        return connection.execute(f"select count(*) from {SEC_FACTS.qualified}").fetchone()[0]


def query(warehouse: Warehouse, sql: str, parameters=()) -> pd.DataFrame:
    return warehouse.query_frame(sql, parameters)


def millions(values) -> list:
    """USD full dollars -> whole $M (None stays None)."""
    return [None if pd.isna(v) else round(v / MILLION) for v in values]


# --------------------------------------------------------------------------------------------
# Real data: Alphabet
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def alphabet_document(fixtures_dir) -> dict:
    path = fixtures_dir / "sec" / "sec_companyfacts_GOOGL_CIK0001652044.full.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


@pytest.fixture(scope="module")
def alphabet_warehouse(tmp_path_factory, alphabet_document) -> Warehouse:
    # GIVEN Alphabet's real company facts parsed by the SEC parser and loaded into raw.sec_facts
    warehouse = Warehouse(tmp_path_factory.mktemp("capex_alphabet") / "market.duckdb")
    frame = parse_companyfacts(
        alphabet_document, load_concepts(), payload_ref="fixtures/sec/googl.json.gz"
    )
    assert load_sec_facts(warehouse, frame, "alphabet-fixture") == len(frame)
    # WHEN dbt builds the capex models and runs their tests (unit, data, singular)
    run_dbt(warehouse.path, "build", "--select", DBT_SELECTION)
    return warehouse


def independent_quarters(document: dict, year: int) -> list[float]:
    """Alphabet's capex quarters of a calendar fiscal year straight from the JSON document:
    the latest-filed value per (start, end), then the year-to-date differences."""
    latest: dict[tuple[str, str], tuple[str, str, float]] = {}
    for fact in document["facts"]["us-gaap"][CAPEX_TAG]["units"]["USD"]:
        key = (fact.get("start"), fact["end"])
        candidate = (fact["filed"], fact["accn"], float(fact["val"]))
        if key not in latest or candidate[:2] > latest[key][:2]:
            latest[key] = candidate
    start = f"{year}-01-01"
    ytd = [latest[(start, f"{year}-{end}")][2] for end in ("03-31", "06-30", "09-30", "12-31")]
    return [ytd[0], ytd[1] - ytd[0], ytd[2] - ytd[1], ytd[3] - ytd[2]]


def test_alphabet_fiscal_2025_capex_and_its_quarters(alphabet_warehouse):
    # THEN fiscal 2025 capex is $91,447M in quarters of 17,197 / 22,446 / 23,953 / 27,851 $M
    mart = query(
        alphabet_warehouse,
        """
        select fiscal_quarter, capex_usd, capex_derivation, capex_tag, is_capex_derivable,
               calendar_year, calendar_quarter, period_start, period_end, source_accn
        from marts.fct_capex_quarterly
        where ticker = 'GOOGL' and fiscal_year = 2025 order by fiscal_quarter
        """,
    )
    assert millions(mart["capex_usd"]) == [17_197, 22_446, 23_953, 27_851]
    assert round(mart["capex_usd"].sum() / MILLION) == 91_447
    assert mart["capex_derivation"].tolist() == [
        "reported_3m",
        "ytd_difference",
        "ytd_difference",
        "fy_minus_9m",
    ]
    assert set(mart["capex_tag"]) == {CAPEX_TAG}
    assert mart["is_capex_derivable"].all()
    assert mart["calendar_year"].tolist() == [2025] * 4
    assert mart["calendar_quarter"].tolist() == [1, 2, 3, 4]
    assert [d.date() for d in mart["period_end"]] == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]
    # Q4 comes from the 10-K for 2025 (filed 2026-02-05), the latest filing of the FY fact
    assert mart["source_accn"].iloc[3] == "0001652044-26-000018"
    fiscal_year = query(
        alphabet_warehouse,
        """
        select distinct fiscal_year_value_usd from intermediate.int_sec__quarterly_values
        where cik = ? and concept = 'capex' and fiscal_year = 2025
        """,
        [GOOGL],
    )
    assert millions(fiscal_year["fiscal_year_value_usd"]) == [91_447]


def test_alphabet_fiscal_2022_to_2024_capex(alphabet_warehouse):
    # THEN the derived quarters add up to the fiscal years Alphabet reported
    years = query(
        alphabet_warehouse,
        """
        select fiscal_year, sum(capex_usd) as capex_usd, count(capex_usd) as quarters
        from marts.fct_capex_quarterly
        where ticker = 'GOOGL' and fiscal_year between 2022 and 2024
        group by fiscal_year order by fiscal_year
        """,
    )
    assert years["fiscal_year"].tolist() == [2022, 2023, 2024]
    assert years["quarters"].tolist() == [4, 4, 4]
    assert millions(years["capex_usd"]) == [31_485, 32_251, 52_535]


def test_alphabet_ttm_and_yoy_match_an_independent_computation(
    alphabet_warehouse, alphabet_document
):
    # GIVEN the quarters computed here from the JSON document, without the parser or dbt
    q2024 = independent_quarters(alphabet_document, 2024)
    q2025 = independent_quarters(alphabet_document, 2025)
    assert [round(v / MILLION) for v in q2025] == [17_197, 22_446, 23_953, 27_851]
    assert round(sum(q2024) / MILLION) == 52_535
    series = q2024 + q2025
    expected_ttm = [sum(series[i + 1 : i + 5]) for i in range(4)]
    expected_yoy = [q2025[i] / q2024[i] - 1 for i in range(4)]
    # THEN the mart's TTM and YoY for fiscal 2025 agree
    mart = query(
        alphabet_warehouse,
        """
        select capex_ttm_usd, capex_yoy_growth from marts.fct_capex_quarterly
        where ticker = 'GOOGL' and fiscal_year = 2025 order by fiscal_quarter
        """,
    )
    assert mart["capex_ttm_usd"].tolist() == pytest.approx(expected_ttm, abs=1)
    assert mart["capex_yoy_growth"].tolist() == pytest.approx(expected_yoy, rel=1e-12)
    assert round(mart["capex_ttm_usd"].iloc[3] / MILLION) == 91_447


def test_alphabet_restated_2015_quarter_reconciles_to_the_restated_year(alphabet_warehouse):
    # Alphabet restated fiscal 2015 capex (10-K 2015: 9,915; 10-K 2016: 9,950) and its 9M YTD
    # (7,815 -> 7,848), but its reported discrete Q3 2015 (2,383) was never restated: the
    # quarter comes from the restated YTD chain (7,848 - 5,442 = 2,406) and the year adds up.
    mart = query(
        alphabet_warehouse,
        """
        select fiscal_quarter, capex_usd, capex_derivation from marts.fct_capex_quarterly
        where ticker = 'GOOGL' and fiscal_year = 2015 order by fiscal_quarter
        """,
    )
    assert millions(mart["capex_usd"]) == [2_927, 2_515, 2_406, 2_102]
    assert mart["capex_derivation"].tolist()[2:] == ["ytd_difference", "fy_minus_9m"]
    assert round(mart["capex_usd"].sum() / MILLION) == 9_950
    overridden = query(
        alphabet_warehouse,
        """
        select reported_3m_value_usd from intermediate.int_sec__quarterly_values
        where cik = ? and concept = 'capex' and fiscal_year = 2015 and fiscal_quarter = 3
          and is_reported_3m_overridden
        """,
        [GOOGL],
    )
    assert millions(overridden["reported_3m_value_usd"]) == [2_383]


def test_alphabet_ratios_and_hyperscaler_rollup(alphabet_warehouse):
    row = query(
        alphabet_warehouse,
        """
        select capex_usd, revenue_usd, operating_cash_flow_usd, capex_to_revenue,
               capex_to_operating_cash_flow, free_cash_flow_usd
        from marts.fct_capex_quarterly
        where ticker = 'GOOGL' and fiscal_year = 2025 and fiscal_quarter = 4
        """,
    ).iloc[0]
    # Alphabet Q4 2025: revenue 402,836 - 9M 289,007 (10-K) = 113,829 $M
    assert round(row["revenue_usd"] / MILLION) == 113_829
    assert row["capex_to_revenue"] == pytest.approx(row["capex_usd"] / row["revenue_usd"])
    assert row["capex_to_operating_cash_flow"] == pytest.approx(
        row["capex_usd"] / row["operating_cash_flow_usd"]
    )
    assert row["free_cash_flow_usd"] == pytest.approx(
        row["operating_cash_flow_usd"] - row["capex_usd"]
    )
    # Only one of the four hyperscalers is loaded: periods are summed but flagged incomplete
    year = query(
        alphabet_warehouse,
        """
        select capex_usd, companies_reporting, companies_expected, is_complete,
               capex_yoy_growth, reporting_tickers
        from marts.fct_hyperscaler_capex where period_type = 'year' and period_label = '2025'
        """,
    ).iloc[0]
    assert round(year["capex_usd"] / MILLION) == 91_447
    assert (year["companies_reporting"], year["companies_expected"]) == (1, 4)
    assert not year["is_complete"] and pd.isna(year["capex_yoy_growth"])
    assert year["reporting_tickers"] == "GOOGL"
    company = query(
        alphabet_warehouse,
        """
        select share_of_total, guidance_low_usd, guidance_high_usd, fiscal_year_actual_usd,
               actual_vs_guidance_midpoint
        from marts.fct_hyperscaler_capex_by_company
        where period_type = 'year' and period_label = '2025' and ticker = 'GOOGL'
        """,
    ).iloc[0]
    assert company["share_of_total"] == pytest.approx(1.0)
    low, high = latest_guidance()[("GOOGL", 2025)]
    assert (company["guidance_low_usd"], company["guidance_high_usd"]) == (low, high)
    assert round(company["fiscal_year_actual_usd"] / MILLION) == 91_447
    assert company["actual_vs_guidance_midpoint"] == pytest.approx(
        91_447 * MILLION / ((low + high) / 2) - 1
    )


def latest_guidance() -> dict[tuple[str, int], tuple[float, float]]:
    """(ticker, fiscal_year) -> (low, high) of the latest announcement in the guidance seed."""
    with (CONCEPTS_CSV.parent / "capex_guidance.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    latest: dict[tuple[str, int], dict] = {}
    for row in rows:
        key = (row["ticker"], int(row["fiscal_year"]))
        if key not in latest or row["announced_on"] > latest[key]["announced_on"]:
            latest[key] = row
    return {k: (float(v["low"]), float(v["high"])) for k, v in latest.items()}


# --------------------------------------------------------------------------------------------
# Hand-built traps
# --------------------------------------------------------------------------------------------
def fact(cik, tag, start, end, val_musd, accn, fp, form, filed, fy=None) -> dict:
    return {
        "cik": cik,
        "entity_name": f"CIK {cik}",
        "taxonomy": "us-gaap",
        "tag": tag,
        "unit": "USD",
        "period_start": pd.Timestamp(start) if start else pd.NaT,
        "period_end": pd.Timestamp(end),
        "val": float(val_musd) * MILLION,
        "accn": accn,
        "fy": fy,
        "fp": fp,
        "form": form,
        "filed": pd.Timestamp(filed),
        "frame": None,
        "payload_ref": "hand-built",
    }


def fiscal_year_facts(cik, tag, start, ends, ytd_musd, filed, label) -> list[dict]:
    """A fiscal year's 10-Q year-to-date facts (3M, 6M, 9M) and its 10-K fact (None = absent)."""
    rows = []
    for index, (end, value, filed_on) in enumerate(zip(ends, ytd_musd, filed, strict=True)):
        if value is None:
            continue
        annual = index == 3
        rows.append(
            fact(
                cik,
                tag,
                start,
                end,
                value,
                accn=f"{cik}-{label}-{index + 1}",
                fp="FY" if annual else f"Q{index + 1}",
                form="10-K" if annual else "10-Q",
                filed=filed_on,
                fy=label,
            )
        )
    return rows


def hand_built_facts() -> pd.DataFrame:
    rows: list[dict] = []
    dec_2023 = ("2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31")
    dec_2024 = ("2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31")
    filed_2023 = ("2023-04-28", "2023-07-28", "2023-10-27", "2024-02-02")
    filed_2024 = ("2024-04-30", "2024-07-30", "2024-10-30", "2025-02-01")

    # GOOGL: a plain calendar year 2024, quarters 10,000 / 15,000 / 20,000 / 25,000 $M
    rows += fiscal_year_facts(
        GOOGL, CAPEX_TAG, "2024-01-01", dec_2024, (10_000, 25_000, 45_000, 70_000), filed_2024, 2024
    )

    # META - restatement: fiscal 2023 was 26,000 in its 10-K, restated to 26,500 by the next
    # 10-K; Q4 2023 = restated FY - 9M = 8,500 and the year still adds up.
    rows += fiscal_year_facts(
        META, CAPEX_TAG, "2023-01-01", dec_2023, (5_000, 11_000, 18_000, 26_000), filed_2023, 2023
    )
    rows += fiscal_year_facts(
        META, CAPEX_TAG, "2024-01-01", dec_2024, (6_000, 13_000, 21_000, 30_000), filed_2024, 2024
    )
    rows.append(
        fact(
            META,
            CAPEX_TAG,
            "2023-01-01",
            "2023-12-31",
            26_500,
            f"{META}-2024-4",
            "FY",
            "10-K",
            "2025-02-01",
            2024,
        )
    )

    # AMZN - tag switch: 2023 under the old tag (10,000 / 21,000 / 33,000 / 46,000); from its
    # first 2024 10-Q on, the new tag, whose comparatives restate 2023 more broadly (10,500 /
    # 22,000 / 34,500 / 48,000). The old tag is stale: it still returns its 2023 values.
    rows += fiscal_year_facts(
        AMZN, CAPEX_TAG, "2023-01-01", dec_2023, (10_000, 21_000, 33_000, 46_000), filed_2023, 2023
    )
    for index, (end, value) in enumerate(
        zip(dec_2023, (10_500, 22_000, 34_500, 48_000), strict=True)
    ):
        annual = index == 3
        rows.append(
            fact(
                AMZN,
                NEW_CAPEX_TAG,
                "2023-01-01",
                end,
                value,
                f"{AMZN}-2024-{index + 1}",
                "FY" if annual else f"Q{index + 1}",
                "10-K" if annual else "10-Q",
                filed_2024[index],
                2024,
            )
        )
    rows += fiscal_year_facts(
        AMZN,
        NEW_CAPEX_TAG,
        "2024-01-01",
        dec_2024,
        (12_000, 26_000, 41_000, 58_000),
        filed_2024,
        2024,
    )
    # ... and its 10-Qs carry trailing-twelve-month columns: 12 months, but no fiscal year
    rows.append(
        fact(
            AMZN,
            NEW_CAPEX_TAG,
            "2023-04-01",
            "2024-03-31",
            49_500,
            f"{AMZN}-2024-1",
            "Q1",
            "10-Q",
            "2024-04-30",
            2024,
        )
    )
    rows.append(
        fact(
            AMZN,
            NEW_CAPEX_TAG,
            "2023-07-01",
            "2024-06-30",
            52_000,
            f"{AMZN}-2024-2",
            "Q2",
            "10-Q",
            "2024-07-30",
            2024,
        )
    )

    # MSFT - June year end: fiscal 2024 = July 2023 - June 2024, fiscal 2025 = July 2024 - June 2025
    rows += fiscal_year_facts(
        MSFT,
        CAPEX_TAG,
        "2023-07-01",
        ("2023-09-30", "2023-12-31", "2024-03-31", "2024-06-30"),
        (9_000, 19_000, 30_000, 44_000),
        ("2023-10-24", "2024-01-30", "2024-04-25", "2024-07-30"),
        2024,
    )
    rows += fiscal_year_facts(
        MSFT,
        CAPEX_TAG,
        "2024-07-01",
        ("2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30"),
        (15_000, 31_000, 48_000, 66_000),
        ("2024-10-30", "2025-01-29", "2025-04-30", "2025-07-30"),
        2025,
    )

    # ORCL - May year end, and the 6-month YTD of fiscal 2025 is missing
    rows += fiscal_year_facts(
        ORCL,
        CAPEX_TAG,
        "2024-06-01",
        ("2024-08-31", "2024-11-30", "2025-02-28", "2025-05-31"),
        (5_000, None, 15_000, 21_000),
        ("2024-09-10", None, "2025-03-11", "2025-06-20"),
        2025,
    )

    # NVDA - 52-week year ending on the last Sunday of January
    rows += fiscal_year_facts(
        NVDA,
        CAPEX_TAG,
        "2024-01-29",
        ("2024-04-28", "2024-07-28", "2024-10-27", "2025-01-26"),
        (1_000, 2_200, 3_500, 5_000),
        ("2024-05-29", "2024-08-28", "2024-11-20", "2025-02-26"),
        2025,
    )
    frame = pd.DataFrame(rows)
    frame["fy"] = frame["fy"].astype("Int64")
    return frame


@pytest.fixture(scope="module")
def traps_warehouse(tmp_path_factory) -> Warehouse:
    # GIVEN hand-built facts, one company per trap, loaded into raw.sec_facts
    warehouse = Warehouse(tmp_path_factory.mktemp("capex_traps") / "market.duckdb")
    frame = hand_built_facts()
    assert load_sec_facts(warehouse, frame, "hand-built") == len(frame)
    # WHEN dbt builds the capex models and runs their tests
    run_dbt(warehouse.path, "build", "--select", DBT_SELECTION)
    return warehouse


def company_quarters(warehouse: Warehouse, ticker: str) -> pd.DataFrame:
    return query(
        warehouse,
        """
        select fiscal_year, fiscal_quarter, capex_usd, capex_derivation, is_capex_derivable,
               capex_tag, capex_ttm_usd, calendar_year, calendar_quarter, period_start,
               period_end, is_period_end_estimated
        from marts.fct_capex_quarterly where ticker = ? order by fiscal_year, fiscal_quarter
        """,
        [ticker],
    )


def test_restatement_latest_filed_value_wins(traps_warehouse):
    meta = company_quarters(traps_warehouse, "META")
    fiscal_2023 = meta[meta["fiscal_year"] == 2023]
    assert millions(fiscal_2023["capex_usd"]) == [5_000, 6_000, 7_000, 8_500]
    assert round(fiscal_2023["capex_usd"].sum() / MILLION) == 26_500
    latest = query(
        traps_warehouse,
        """
        select val, filings_count, was_revised from intermediate.int_sec__facts_latest_filing
        where cik = ? and period_start = date '2023-01-01' and period_end = date '2023-12-31'
        """,
        [META],
    ).iloc[0]
    assert (round(latest["val"] / MILLION), latest["filings_count"], latest["was_revised"]) == (
        26_500,
        2,
        True,
    )


def test_tag_switch_takes_the_latest_filed_tag_per_period_not_the_stale_one(traps_warehouse):
    amzn = company_quarters(traps_warehouse, "AMZN")
    assert amzn["fiscal_year"].tolist() == [2023] * 4 + [2024] * 4
    # 2023: the new tag's later comparatives replace the stale tag's values
    assert millions(amzn["capex_usd"]) == [
        10_500, 11_500, 12_500, 13_500,
        12_000, 14_000, 15_000, 17_000,
    ]  # fmt: skip
    assert set(amzn["capex_tag"]) == {NEW_CAPEX_TAG}
    # the stale tag is still in the resolved candidates' history: it lost period by period
    candidates = query(
        traps_warehouse,
        """
        select max(candidate_tags_count) as most from intermediate.int_sec__facts_resolved
        where cik = ? and concept = 'capex' and year(period_end) = 2023
        """,
        [AMZN],
    )
    assert candidates["most"].iloc[0] == 2


def test_ttm_columns_of_10qs_are_not_fiscal_years(traps_warehouse):
    years = query(
        traps_warehouse,
        """
        select fiscal_year, fiscal_year_start, fiscal_year_end, is_closed
        from intermediate.int_sec__fiscal_years where cik = ? order by fiscal_year
        """,
        [AMZN],
    )
    assert years["fiscal_year"].tolist() == [2023, 2024, 2025]
    assert [d.date() for d in years["fiscal_year_start"]] == [
        date(2023, 1, 1),
        date(2024, 1, 1),
        date(2025, 1, 1),
    ]
    assert years["is_closed"].tolist() == [True, True, False]
    # nor are they quarters or year-to-date values
    used = query(
        traps_warehouse,
        """
        select count(*) as n from intermediate.int_sec__fiscal_period_facts
        where cik = ? and period_start in (date '2023-04-01', date '2023-07-01')
        """,
        [AMZN],
    )
    assert used["n"].iloc[0] == 0


def test_missing_6m_ytd_leaves_q2_and_q3_null_and_flagged(traps_warehouse):
    orcl = company_quarters(traps_warehouse, "ORCL")
    assert orcl["fiscal_year"].tolist() == [2025] * 4
    assert millions(orcl["capex_usd"]) == [5_000, None, None, 6_000]
    assert orcl["capex_derivation"].tolist() == [
        "reported_3m",
        "missing_ytd_6m",
        "missing_ytd_6m",
        "fy_minus_9m",
    ]
    assert orcl["is_capex_derivable"].tolist() == [True, False, False, True]
    assert orcl["capex_ttm_usd"].isna().all()
    # no fact ends in Q2: its end is estimated from the fiscal year start (June 1)
    assert orcl["is_period_end_estimated"].tolist() == [False, True, False, False]
    assert orcl["period_end"].iloc[1].date() == date(2024, 11, 30)


def test_june_year_end_names_fiscal_years_and_maps_calendar_quarters(traps_warehouse):
    msft = company_quarters(traps_warehouse, "MSFT")
    assert list(zip(msft["fiscal_year"], msft["fiscal_quarter"], strict=True)) == [
        (2024, 1), (2024, 2), (2024, 3), (2024, 4),
        (2025, 1), (2025, 2), (2025, 3), (2025, 4),
    ]  # fmt: skip
    assert millions(msft["capex_usd"]) == [
        9_000, 10_000, 11_000, 14_000,
        15_000, 16_000, 17_000, 18_000,
    ]  # fmt: skip
    calendar = [
        f"{y}Q{q}" for y, q in zip(msft["calendar_year"], msft["calendar_quarter"], strict=True)
    ]
    assert calendar == [
        "2023Q3", "2023Q4", "2024Q1", "2024Q2",
        "2024Q3", "2024Q4", "2025Q1", "2025Q2",
    ]  # fmt: skip
    nvda = company_quarters(traps_warehouse, "NVDA")
    assert nvda["fiscal_year"].tolist() == [2025] * 4
    calendar = [
        f"{y}Q{q}" for y, q in zip(nvda["calendar_year"], nvda["calendar_quarter"], strict=True)
    ]
    assert calendar == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def test_hyperscaler_calendar_rollup_across_fiscal_calendars(traps_warehouse):
    quarters = query(
        traps_warehouse,
        """
        select period_label, capex_usd, companies_reporting, is_complete
        from marts.fct_hyperscaler_capex
        where period_type = 'quarter' and calendar_year = 2024 order by period_label
        """,
    )
    # GOOGL + META + AMZN + MSFT (its fiscal Q3, Q4 of 2024 and Q1, Q2 of 2025)
    assert millions(quarters["capex_usd"]) == [
        10_000 + 6_000 + 12_000 + 11_000,
        15_000 + 7_000 + 14_000 + 14_000,
        20_000 + 8_000 + 15_000 + 15_000,
        25_000 + 9_000 + 17_000 + 16_000,
    ]
    assert quarters["is_complete"].all() and (quarters["companies_reporting"] == 4).all()
    years = query(
        traps_warehouse,
        """
        select period_label, capex_usd, companies_reporting, is_complete, capex_yoy_growth,
               guidance_low_usd, guidance_high_usd
        from marts.fct_hyperscaler_capex where period_type = 'year' order by period_label
        """,
    ).set_index("period_label")
    assert round(years.loc["2024", "capex_usd"] / MILLION) == 70_000 + 30_000 + 58_000 + 56_000
    assert years.loc["2024", "is_complete"]
    # 2023 lacks GOOGL (and MSFT's first half): incomplete, so 2024 has no YoY growth
    assert not years.loc["2023", "is_complete"]
    assert pd.isna(years.loc["2024", "capex_yoy_growth"])
    # guidance for 2026: the latest announcement of each hyperscaler in the seed, summed
    guidance = latest_guidance()
    hyperscalers = ("MSFT", "AMZN", "GOOGL", "META")
    expected_low = sum(guidance[(t, 2026)][0] for t in hyperscalers if (t, 2026) in guidance)
    expected_high = sum(guidance[(t, 2026)][1] for t in hyperscalers if (t, 2026) in guidance)
    assert years.loc["2026", "guidance_low_usd"] == pytest.approx(expected_low)
    assert years.loc["2026", "guidance_high_usd"] == pytest.approx(expected_high)
    shares = query(
        traps_warehouse,
        """
        select ticker, share_of_total from marts.fct_hyperscaler_capex_by_company
        where period_type = 'year' and period_label = '2024' order by ticker
        """,
    )
    assert shares["ticker"].tolist() == ["AMZN", "GOOGL", "META", "MSFT"]
    assert shares["share_of_total"].sum() == pytest.approx(1.0)
    assert shares["share_of_total"].tolist() == pytest.approx(
        [58_000 / 214_000, 70_000 / 214_000, 30_000 / 214_000, 56_000 / 214_000]
    )
