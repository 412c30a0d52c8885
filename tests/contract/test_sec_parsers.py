"""The SEC parsers and request code on real recorded payloads (``../shared/fixtures/sec``).

Values asserted here were read from the recorded Alphabet company facts and Microsoft
submissions documents; hand-built payloads in the same format cover each error path.
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import responses
from responses import matchers

from orchestration.http import HttpClient, HttpStatusError, LandingArchive
from orchestration.sources import sec

GOOGL_CIK = 1652044
MSFT_CIK = 789019
CAPEX = "PaymentsToAcquirePropertyPlantAndEquipment"
USER_AGENT = "rotation-warehouse tests data-team@example.com"


# ------------------------------------------------------------------------------------------
# Recorded documents
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def concepts() -> list[sec.ConceptTag]:
    return sec.load_concepts()


@pytest.fixture(scope="module")
def googl_body(fixtures_dir: Path) -> bytes:
    path = fixtures_dir / "sec" / "sec_companyfacts_GOOGL_CIK0001652044.full.json.gz"
    return gzip.decompress(path.read_bytes())


@pytest.fixture(scope="module")
def googl(googl_body: bytes, concepts) -> pd.DataFrame:
    return sec.parse_companyfacts(json.loads(googl_body), concepts, payload_ref="sec/x.gz")


@pytest.fixture(scope="module")
def msft_submissions_body(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "sec" / "sec_submissions_MSFT_CIK0000789019.json").read_bytes()


def facts_of(frame: pd.DataFrame, tag: str, start: str | None, end: str) -> pd.DataFrame:
    rows = frame[(frame["tag"] == tag) & (frame["period_end"] == pd.Timestamp(end))]
    if start is None:
        return rows[rows["period_start"].isna()]
    return rows[rows["period_start"] == pd.Timestamp(start)]


def millions(rows: pd.DataFrame) -> list[int]:
    return [int(v / 1e6) for v in rows["val"]]


# ------------------------------------------------------------------------------------------
# Company facts: shape and types
# ------------------------------------------------------------------------------------------
def test_columns_and_types_match_the_raw_table(googl: pd.DataFrame):
    from orchestration.warehouse import SEC_FACTS

    assert list(googl.columns) == [*SEC_FACTS.columns, "payload_ref"]
    assert list(sec.SEC_FACT_COLUMNS) == list(SEC_FACTS.columns)
    assert tuple(sec.NATURAL_KEY) == SEC_FACTS.natural_key
    dtypes = {name: str(dtype) for name, dtype in googl.dtypes.items()}
    assert dtypes == {**sec.SEC_FACT_COLUMNS, "payload_ref": "string"}
    assert set(googl["cik"]) == {GOOGL_CIK}
    assert set(googl["entity_name"]) == {"ALPHABET INC."}
    assert set(googl["payload_ref"]) == {"sec/x.gz"}


def test_only_configured_tags_are_kept_and_the_natural_key_is_unique(googl, concepts):
    configured = {c.key for c in concepts}
    kept = set(googl[["taxonomy", "tag", "unit"]].itertuples(index=False, name=None))
    assert kept <= configured
    counts = googl.groupby("tag").size().to_dict()
    # Which candidate tags Alphabet really uses (and how many fact copies each has).
    assert counts == {
        CAPEX: 120,
        "FinanceLeasePrincipalPayments": 18,
        "Revenues": 73,
        "RevenueFromContractWithCustomerExcludingAssessedTax": 87,
        "NetCashProvidedByUsedInOperatingActivities": 100,
        "NetIncomeLoss": 148,
        "EarningsPerShareDiluted": 123,
        "CommonStockSharesOutstanding": 86,
    }
    # Several share classes: no dei:EntityCommonStockSharesOutstanding in company facts.
    assert "EntityCommonStockSharesOutstanding" not in counts
    assert not googl.duplicated(list(sec.NATURAL_KEY)).any()


def test_the_frame_loads_into_the_raw_table(googl: pd.DataFrame):
    from orchestration.warehouse import SEC_FACTS

    connection = duckdb.connect()
    connection.execute("create schema raw")
    connection.execute(SEC_FACTS.ddl())
    columns = ", ".join(SEC_FACTS.columns)
    connection.register("incoming", googl)
    connection.execute(
        f"insert into raw.sec_facts ({columns}, _payload_ref) "
        f"select {columns}, payload_ref from incoming"
    )
    key = ", ".join(SEC_FACTS.natural_key)
    total, distinct, instants = connection.execute(
        f"select count(*), count(distinct ({key})), count(*) filter (period_start is null) "
        "from raw.sec_facts"
    ).fetchone()
    assert total == distinct == len(googl) == 755
    assert instants == 86
    stored = connection.execute(
        "select period_start, period_end, val, filed from raw.sec_facts "
        f"where tag = '{CAPEX}' and accn = '0001652044-26-000018' "
        "and period_start = date '2025-01-01'"
    ).fetchone()
    assert stored == (date(2025, 1, 1), date(2025, 12, 31), 91_447_000_000.0, date(2026, 2, 5))


# ------------------------------------------------------------------------------------------
# Company facts: values
# ------------------------------------------------------------------------------------------
def test_fy2025_capex_from_the_10k(googl: pd.DataFrame):
    (row,) = facts_of(googl, CAPEX, "2025-01-01", "2025-12-31").itertuples()
    assert row.val == 91_447_000_000
    assert (row.accn, row.fy, row.fp, row.form) == ("0001652044-26-000018", 2025, "FY", "10-K")
    assert row.filed == pd.Timestamp("2026-02-05")
    assert row.frame == "CY2025"
    assert row.unit == "USD" and row.taxonomy == "us-gaap"


def test_annual_capex_2022_to_2024_carry_one_frame_each(googl: pd.DataFrame):
    framed = googl[(googl["tag"] == CAPEX) & googl["frame"].isin(["CY2022", "CY2023", "CY2024"])]
    framed = framed.sort_values("period_end")
    assert millions(framed) == [31_485, 32_251, 52_535]
    assert list(framed["period_start"].dt.strftime("%Y-%m-%d")) == [
        "2022-01-01",
        "2023-01-01",
        "2024-01-01",
    ]


def test_a_fact_repeats_once_per_filing_with_the_frame_on_the_latest_copy(googl):
    copies = facts_of(googl, CAPEX, "2023-01-01", "2023-12-31").sort_values("filed")
    # Reported by the FY2023 10-K and again as comparative in the FY2024 and FY2025 10-Ks.
    assert list(copies["accn"]) == [
        "0001652044-24-000022",
        "0001652044-25-000014",
        "0001652044-26-000018",
    ]
    assert list(copies["fy"]) == [2023, 2024, 2025]  # the filing's fiscal year, not the period's
    assert millions(copies) == [32_251] * 3
    assert copies["frame"].notna().sum() == 1
    assert copies["frame"].iloc[-1] == "CY2023"


def test_year_to_date_10q_facts_and_their_comparative_never_carry_a_frame(googl):
    six_months = facts_of(googl, CAPEX, "2025-01-01", "2025-06-30")
    (row,) = six_months.itertuples()
    assert row.val == 39_643_000_000
    assert (row.fp, row.form, row.accn) == ("Q2", "10-Q", "0001652044-25-000062")
    assert pd.isna(row.frame)
    prior = facts_of(googl, CAPEX, "2024-01-01", "2024-06-30").sort_values("filed")
    assert millions(prior) == [25_198, 25_198]
    assert list(prior["fy"]) == [2024, 2025]
    duration = (googl["period_end"] - googl["period_start"]).dt.days
    year_to_date = googl[duration.between(150, 300)]
    assert len(year_to_date) > 100
    assert year_to_date["frame"].isna().all()


def test_real_restatements_are_kept_as_separate_copies(googl):
    # Capex for 2014: 10,959 $M in the 2015 10-K and a May 2016 8-K recast, then restated to
    # 11,014 $M in the 2016 10-K, which carries the frame.
    copies = facts_of(googl, CAPEX, "2014-01-01", "2014-12-31").sort_values("filed")
    assert millions(copies) == [10_959, 10_959, 11_014]
    assert list(copies["form"]) == ["10-K", "8-K", "10-K"]
    assert list(copies["frame"].fillna("")) == ["", "", "CY2014"]


def test_instant_facts_have_no_period_start(googl):
    shares = googl[googl["tag"] == "CommonStockSharesOutstanding"]
    assert shares["period_start"].isna().all()
    assert set(shares["unit"]) == {"shares"}
    latest = facts_of(googl, "CommonStockSharesOutstanding", None, "2026-03-31")
    assert list(latest["val"]) == [12_116_000_000]
    assert list(latest["frame"]) == ["CY2026Q1I"]
    year_end = facts_of(googl, "CommonStockSharesOutstanding", None, "2025-12-31")
    assert list(year_end.sort_values("filed")["frame"].fillna("")) == ["", "CY2025Q4I"]


def test_facts_from_filings_without_fiscal_focus_have_null_fy(googl):
    proxy = googl[googl["form"] == "DEF 14A"]
    assert len(proxy) == 5
    assert set(proxy["tag"]) == {"NetIncomeLoss"}
    assert proxy["fy"].isna().all() and proxy["fp"].isna().all()
    assert str(googl["fy"].dtype) == "Int64"


def test_eps_and_finance_lease_values(googl):
    (eps,) = facts_of(googl, "EarningsPerShareDiluted", "2025-01-01", "2025-12-31").itertuples()
    assert eps.unit == "USD/shares"
    assert eps.val == pytest.approx(10.81)
    lease = facts_of(googl, "FinanceLeasePrincipalPayments", "2025-01-01", "2025-12-31")
    assert millions(lease) == [1_988]
    # Alphabet's finance-lease note also has discrete three-month columns in its 10-Qs.
    (quarter,) = facts_of(
        googl, "FinanceLeasePrincipalPayments", "2025-04-01", "2025-06-30"
    ).itertuples()
    assert (quarter.val, quarter.form, quarter.frame) == (110_000_000, "10-Q", "CY2025Q2")


def test_the_trimmed_excerpt_parses_to_the_same_rows(fixtures_dir: Path, googl, concepts):
    path = fixtures_dir / "sec" / "sec_companyfacts_GOOGL_CIK0001652044.capex_trimmed.json"
    trimmed = sec.parse_companyfacts(json.loads(path.read_text()), concepts, payload_ref=None)
    assert len(trimmed) == 238
    assert trimmed["payload_ref"].isna().all()
    full = googl[googl["tag"].isin(set(trimmed["tag"]))]
    pd.testing.assert_frame_equal(
        trimmed.drop(columns="payload_ref").reset_index(drop=True),
        full.drop(columns="payload_ref").reset_index(drop=True),
    )


def test_a_company_without_configured_tags_gives_an_empty_typed_frame(concepts):
    document = {"cik": 1, "entityName": "X", "facts": {"us-gaap": {"Assets": {"units": {}}}}}
    frame = sec.parse_companyfacts(document, concepts)
    assert frame.empty
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        **sec.SEC_FACT_COLUMNS,
        "payload_ref": "string",
    }


# ------------------------------------------------------------------------------------------
# Company facts: bad shapes (hand-built payloads in the real format)
# ------------------------------------------------------------------------------------------
def small_document(*items: dict, tag: str = CAPEX, unit: str = "USD") -> dict:
    return {
        "cik": 1234,
        "entityName": "EXAMPLE CORP",
        "facts": {
            "us-gaap": {tag: {"label": "x", "description": "x", "units": {unit: list(items)}}}
        },
    }


GOOD = {
    "start": "2025-01-01",
    "end": "2025-03-31",
    "val": 100,
    "accn": "0000001234-25-000001",
    "fy": 2025,
    "fp": "Q1",
    "form": "10-Q",
    "filed": "2025-04-30",
}


def test_missing_facts_object_names_the_company(concepts):
    with pytest.raises(sec.SecParseError, match=r"CIK 1234 \(EXAMPLE CORP\): no 'facts' object"):
        sec.parse_companyfacts({"cik": 1234, "entityName": "EXAMPLE CORP"}, concepts)
    with pytest.raises(sec.SecParseError, match="'cik' is None"):
        sec.parse_companyfacts({"facts": {}}, concepts)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({k: v for k, v in GOOD.items() if k != "end"}, "item 1: field 'end' is missing"),
        ({**GOOD, "val": "12x"}, "item 1: field 'val' is '12x', not a number"),
        ({**GOOD, "val": None}, "item 1: field 'val' is missing"),
        ({**GOOD, "accn": ""}, "item 1: field 'accn' is missing"),
        ({k: v for k, v in GOOD.items() if k != "filed"}, "item 1: field 'filed' is missing"),
        ({**GOOD, "end": "2025-02-30"}, "item 1: field 'end' is '2025-02-30', not a YYYY-MM-DD"),
        ({**GOOD, "start": "03/31/2025"}, "item 1: field 'start' is '03/31/2025'"),
        ({**GOOD, "fy": "FY2025"}, "item 1: field 'fy' is 'FY2025', not a year"),
        ("not an object", "item 1: expected an object"),
    ],
)
def test_a_bad_fact_names_cik_tag_unit_item_and_field(item, message, concepts):
    document = small_document(GOOD, item)
    with pytest.raises(sec.SecParseError) as raised:
        sec.parse_companyfacts(document, concepts)
    text = str(raised.value)
    assert f"companyfacts CIK 1234 us-gaap:{CAPEX} [USD]" in text
    assert message in text


def test_a_bad_units_block_is_an_error(concepts):
    document = small_document()
    document["facts"]["us-gaap"][CAPEX]["units"]["USD"] = {"oops": 1}
    with pytest.raises(sec.SecParseError, match=r"CIK 1234 us-gaap:\w+ \[USD\]: expected a list"):
        sec.parse_companyfacts(document, concepts)
    del document["facts"]["us-gaap"][CAPEX]["units"]
    with pytest.raises(sec.SecParseError, match="no 'units' object"):
        sec.parse_companyfacts(document, concepts)


def test_duplicates_on_the_natural_key_keep_the_copy_with_the_frame(concepts, caplog):
    framed = {**GOOD, "val": 101, "frame": "CY2025Q1"}
    document = small_document(GOOD, framed, {**GOOD, "end": "2025-06-30", "fp": "Q2"})
    with caplog.at_level(logging.WARNING, logger="orchestration.sources.sec"):
        frame = sec.parse_companyfacts(document, concepts)
    assert len(frame) == 2
    first = frame.iloc[0]
    assert (first["val"], first["frame"]) == (101.0, "CY2025Q1")
    assert "different values" in caplog.text
    # Without a frame on either copy, the first in document order stays.
    same = sec.parse_companyfacts(small_document(GOOD, {**GOOD, "fp": "FY"}), concepts)
    assert list(same["fp"]) == ["Q1"]


def test_instants_and_integer_and_float_values(concepts):
    document = small_document(
        {k: v for k, v in GOOD.items() if k != "start"} | {"val": 12.5},
        GOOD,
        tag="EarningsPerShareDiluted",
        unit="USD/shares",
    )
    frame = sec.parse_companyfacts(document, concepts)
    assert frame["period_start"].isna().tolist() == [True, False]
    assert frame["val"].tolist() == [12.5, 100.0]


# ------------------------------------------------------------------------------------------
# Submissions
# ------------------------------------------------------------------------------------------
def test_msft_submissions(msft_submissions_body: bytes):
    parsed = sec.parse_submissions(json.loads(msft_submissions_body))
    assert (parsed.cik, parsed.name, parsed.fiscal_year_end) == (MSFT_CIK, "MICROSOFT CORP", "0630")
    assert parsed.tickers == ("MSFT",)
    filings = parsed.filings
    assert len(filings) == 1006
    assert {n: str(t) for n, t in filings.dtypes.items()} == sec.FILING_COLUMNS
    notice = filings.iloc[0]
    assert notice["form"] == "IRANNOTICE" and pd.isna(notice["report_date"])
    assert notice["acceptance_datetime"] == pd.Timestamp("2026-01-28 21:11:41")

    latest = sec.latest_periodic_filing(parsed)
    assert latest == sec.LatestFiling(
        accession_number="0001193125-26-027207",
        form="10-Q",
        filing_date=date(2026, 1, 28),
        report_date=date(2025, 12, 31),
        primary_document="msft-20251231.htm",
    )
    annual = sec.latest_periodic_filing(filings, forms=("10-K",))
    assert (annual.accession_number, annual.filing_date, annual.report_date) == (
        "0000950170-25-100235",
        date(2025, 7, 30),
        date(2025, 6, 30),
    )
    assert sec.latest_periodic_filing(filings, forms=("20-F",)) is None


def test_bad_submissions_are_errors():
    with pytest.raises(sec.SecParseError, match="CIK 42: no 'filings.recent' object"):
        sec.parse_submissions({"cik": "0000000042", "filings": {}})
    uneven = {
        "cik": "0000000042",
        "filings": {
            "recent": {
                "accessionNumber": ["a", "b"],
                "form": ["10-K"],
                "filingDate": ["2025-01-01", "2025-02-01"],
            }
        },
    }
    with pytest.raises(sec.SecParseError, match="columns differ in length"):
        sec.parse_submissions(uneven)
    bad_date = {
        "cik": "0000000042",
        "filings": {
            "recent": {"accessionNumber": ["a"], "form": ["10-K"], "filingDate": ["yesterday"]}
        },
    }
    with pytest.raises(sec.SecParseError, match=r"filing 0 \(a\) has filing_date='yesterday'"):
        sec.parse_submissions(bad_date)


# ------------------------------------------------------------------------------------------
# Seeds
# ------------------------------------------------------------------------------------------
def test_companies_seed(fixtures_dir: Path):
    companies = {c.ticker: c for c in sec.load_companies()}
    assert {t for t, c in companies.items() if c.is_hyperscaler} == {
        "MSFT",
        "AMZN",
        "GOOGL",
        "META",
    }
    assert {t: c.fiscal_year_end for t, c in companies.items() if c.fiscal_year_end != "1231"} == {
        "MSFT": "0630",
        "ORCL": "0531",
        "NVDA": "0126",
        "AVGO": "1102",
        "ZS": "0731",
    }
    assert companies["TSM"].taxonomy == "ifrs-full"
    assert companies["GOOGL"].cik10 == "0001652044"
    known = {
        "MSFT": 789019,
        "AMZN": 1018724,
        "GOOGL": 1652044,
        "META": 1326801,
        "ORCL": 1341439,
        "NVDA": 1045810,
        "AVGO": 1730168,
        "CRWV": 1769628,
        "ZS": 1713683,
        "TSM": 1046179,
        "GEV": 1996810,
    }
    assert {t: companies[t].cik for t in known} == known
    # Every S&P 500 member in the seed has the CIK the constituents file gives it.
    path = fixtures_dir / "universe" / "sp500_constituents_datasets_2026-08-08.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        constituents = {row["Symbol"]: int(row["CIK"]) for row in csv.DictReader(handle)}
    members = {t for t in companies if t in constituents}
    assert members >= {"GLW", "CAT", "VST", "CEG", "PWR", "ETN", "GS", "GEV", "MSFT"}
    assert {t: companies[t].cik for t in members} == {t: constituents[t] for t in members}


def test_concepts_seed(concepts):
    by_concept: dict[str, set[str]] = {}
    for c in concepts:
        by_concept.setdefault(c.concept, set()).add(c.taxonomy)
    assert set(by_concept) == set(sec.CONCEPTS)
    # Every company taxonomy has a capex, revenue and operating cash flow candidate.
    for concept in ("capex", "revenue", "operating_cash_flow", "net_income", "eps_diluted"):
        assert {"us-gaap", "ifrs-full"} <= by_concept[concept], concept
    capex = [c.tag for c in concepts if c.concept == "capex" and c.taxonomy == "us-gaap"]
    assert capex == [CAPEX, "PaymentsToAcquireProductiveAssets"]
    shares = [c for c in concepts if c.tag == "EntityCommonStockSharesOutstanding"]
    assert [(c.taxonomy, c.unit) for c in shares] == [("dei", "shares")]


COMPANY_HEADER = "ticker,cik,name,fiscal_year_end,is_hyperscaler,taxonomy,notes\n"
GOOD_COMPANY = "MSFT,789019,Microsoft,0630,true,us-gaap,\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ORCL,01341439,Oracle,0531,false,us-gaap,\n", "line 3, column cik: '01341439'"),
        ("ORCL,1341439,Oracle,1331,false,us-gaap,\n", "line 3, column fiscal_year_end: '1331'"),
        ("ORCL,1341439,Oracle,531,false,us-gaap,\n", "line 3, column fiscal_year_end: '531'"),
        ("ORCL,1341439,Oracle,0531,yes,us-gaap,\n", "line 3, column is_hyperscaler: 'yes'"),
        ("ORCL,1341439,Oracle,0531,false,ifrs,\n", "line 3, column taxonomy: 'ifrs'"),
        ("msft,1341439,Oracle,0531,false,us-gaap,\n", "already defined on line 2"),
        ("ORCL,789019,Oracle,0531,false,us-gaap,\n", "line 3, column cik: '789019' is already"),
        ("ORCL,1341439,Oracle,0531\n", "line 3: expected 7 fields"),
    ],
)
def test_a_bad_company_row_names_file_line_and_column(tmp_path: Path, row: str, message: str):
    path = tmp_path / "companies.csv"
    path.write_text(COMPANY_HEADER + GOOD_COMPANY + row)
    with pytest.raises(sec.SecSeedError) as raised:
        sec.load_companies(path)
    assert str(raised.value).startswith("companies.csv line")
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("capital,us-gaap,Foo,USD,\n", "line 3, column concept: 'capital'"),
        ("capex,ifrs,Foo,USD,\n", "line 3, column taxonomy: 'ifrs'"),
        ("capex,us-gaap,Foo Bar,USD,\n", "line 3, column tag: 'Foo Bar'"),
        ("capex,us-gaap,Foo,,\n", "line 3, column unit: ''"),
        (f"revenue,us-gaap,{CAPEX},USD,\n", "already listed on line 2"),
    ],
)
def test_a_bad_concept_row_names_file_line_and_column(tmp_path: Path, row: str, message: str):
    path = tmp_path / "sec_concepts.csv"
    header = "concept,taxonomy,tag,unit,description\n"
    path.write_text(header + f"capex,us-gaap,{CAPEX},USD,x\n" + row)
    with pytest.raises(sec.SecSeedError, match="sec_concepts.csv line 3") as raised:
        sec.load_concepts(path)
    assert message in str(raised.value)


# ------------------------------------------------------------------------------------------
# Requests (the real HttpClient against recorded bodies)
# ------------------------------------------------------------------------------------------
def test_urls_are_zero_padded():
    assert sec.companyfacts_url("https://data.sec.gov/", MSFT_CIK) == (
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json"
    )
    assert sec.submissions_url(sec.DEFAULT_BASE_URL, GOOGL_CIK) == (
        "https://data.sec.gov/submissions/CIK0001652044.json"
    )
    with pytest.raises(sec.SecConfigError, match="CIK must be"):
        sec.companyfacts_url(sec.DEFAULT_BASE_URL, 0)
    assert (sec.SEC_POLICY.name, sec.SEC_POLICY.requests_per_second, sec.SEC_POLICY.burst) == (
        "sec",
        9.5,
        9,
    )


def test_user_agent_rules():
    with pytest.raises(sec.SecConfigError, match="SEC_USER_AGENT is not set"):
        sec.sec_user_agent(None, live=True)
    with pytest.raises(sec.SecConfigError, match="SEC_USER_AGENT='rotation-warehouse/0.1' has no"):
        sec.sec_user_agent("rotation-warehouse/0.1", live=True)
    assert sec.sec_user_agent(f"  {USER_AGENT} ", live=True) == USER_AGENT
    assert sec.sec_user_agent(None, live=False) == sec.SAMPLE_USER_AGENT
    assert "@" in sec.SAMPLE_USER_AGENT
    assert sec.sec_user_agent(USER_AGENT, live=False) == USER_AGENT


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def archive(tmp_path: Path) -> LandingArchive:
    return LandingArchive(tmp_path / "landing")


@pytest.fixture
def client(archive: LandingArchive) -> HttpClient:
    client = HttpClient(
        user_agent="generic-default-agent", archive=archive, rate_limits_enabled=False
    )
    client.register(sec.SEC_POLICY)
    return client


def company(ticker: str) -> sec.Company:
    return next(c for c in sec.load_companies() if c.ticker == ticker)


def test_fetch_companyfacts_sends_the_user_agent_and_archives(
    mock, client, archive, googl_body, concepts
):
    mock.add(
        responses.GET,
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0001652044.json",
        body=googl_body,
        content_type="application/json",
        match=[matchers.header_matcher({"User-Agent": USER_AGENT})],
    )
    result = sec.fetch_companyfacts(
        client, company("GOOGL"), concepts=concepts, user_agent=USER_AGENT
    )
    assert (result.ticker, result.cik, result.entity_name) == ("GOOGL", GOOGL_CIK, "ALPHABET INC.")
    assert len(result.frame) == 755
    assert result.payload_ref is not None and result.payload_ref.startswith("sec/")
    assert result.payload_ref.endswith("companyfacts_CIK0001652044.json.gz")
    assert archive.read(result.payload_ref) == googl_body
    assert set(result.frame["payload_ref"]) == {result.payload_ref}
    assert mock.calls[0].request.headers["User-Agent"] == USER_AGENT


def test_companyfacts_404_names_ticker_and_cik(mock, client, concepts):
    mock.add(
        responses.GET,
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0001769628.json",
        body=b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code></Error>',
        status=404,
        content_type="application/xml",
    )
    with pytest.raises(sec.CompanyFactsNotFoundError) as raised:
        sec.fetch_companyfacts(client, company("CRWV"), concepts=concepts, user_agent=USER_AGENT)
    text = str(raised.value)
    assert "CRWV" in text and "CIK 1769628" in text and "HTTP 404" in text
    assert "CIK0001769628.json" in text  # the URL
    assert isinstance(raised.value, HttpStatusError) and raised.value.status == 404


def test_other_http_errors_propagate_unchanged(mock, client, concepts):
    mock.add(
        responses.GET,
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0001652044.json",
        body=b"<html><title>Forbidden</title></html>",
        status=403,
        content_type="text/html",
    )
    with pytest.raises(HttpStatusError) as raised:
        sec.fetch_companyfacts(client, company("GOOGL"), concepts=concepts, user_agent=USER_AGENT)
    assert raised.value.status == 403
    assert not isinstance(raised.value, sec.CompanyFactsNotFoundError)


def test_a_document_for_another_cik_is_rejected(mock, client, googl_body, concepts):
    mock.add(
        responses.GET,
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json",
        body=googl_body,
        content_type="application/json",
    )
    with pytest.raises(
        sec.SecParseError, match="asked for CIK 789019, the document is for CIK 1652044"
    ):
        sec.fetch_companyfacts(client, company("MSFT"), concepts=concepts, user_agent=USER_AGENT)


def test_fetch_latest_filing(mock, client, msft_submissions_body):
    mock.add(
        responses.GET,
        "https://data.sec.gov/submissions/CIK0000789019.json",
        body=msft_submissions_body,
        content_type="application/json",
        match=[matchers.header_matcher({"User-Agent": USER_AGENT})],
    )
    result = sec.fetch_latest_filing(client, company("MSFT"), user_agent=USER_AGENT)
    assert result.latest is not None
    assert (result.latest.accession_number, result.latest.form) == ("0001193125-26-027207", "10-Q")
    assert result.submissions.fiscal_year_end == "0630"
    assert result.payload_ref.endswith("submissions_CIK0000789019.json.gz")
