"""The SYNTHETIC SEC sample: real wire format, planted traps, no look-ahead, determinism.

The sample renders its documents without the parsers; these tests read them back with the
project's real parsers, so a disagreement between producer and parser shows up here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import responses

from orchestration.http import HttpClient
from orchestration.sample import sec as sample
from orchestration.sources import sec

AS_OF = date(2026, 7, 1)
CAPEX = sample.CAPEX_TAG
NEW_CAPEX = sample.CAPEX_NEW_TAG


@pytest.fixture(scope="module")
def concepts() -> list[sec.ConceptTag]:
    return sec.load_concepts()


def cik_of(ticker: str) -> int:
    company = sample.company_by_ticker(ticker)
    assert company is not None, ticker
    return company.cik


def parsed(ticker: str, concepts, as_of: date = AS_OF) -> pd.DataFrame:
    document = sample.companyfacts_document(cik_of(ticker), as_of)
    assert document is not None
    return sec.parse_companyfacts(document, concepts)


def filings(ticker: str, as_of: date = AS_OF) -> pd.DataFrame:
    return sec.parse_submissions(sample.submissions_document(cik_of(ticker), as_of)).filings


def period(frame: pd.DataFrame, tag: str, start: str | None, end: str) -> pd.DataFrame:
    rows = frame[(frame["tag"] == tag) & (frame["period_end"] == pd.Timestamp(end))]
    if start is None:
        return rows[rows["period_start"].isna()].sort_values("filed")
    return rows[rows["period_start"] == pd.Timestamp(start)].sort_values("filed")


def duration_days(frame: pd.DataFrame) -> pd.Series:
    return (frame["period_end"] - frame["period_start"]).dt.days + 1


# ------------------------------------------------------------------------------------------
# Every company: parses, one row per natural key, nothing from the future
# ------------------------------------------------------------------------------------------
def test_the_sample_covers_every_seed_company():
    seed = {c.ticker: c.cik for c in sec.load_companies()}
    assert {c.ticker: c.cik for c in sample.load_companies().values()} == seed


@pytest.mark.parametrize("ticker", [c.ticker for c in sec.load_companies()])
def test_every_company_parses_and_nothing_is_filed_after_as_of(ticker, concepts):
    for as_of in (date(2022, 3, 15), AS_OF):
        document = sample.companyfacts_document(cik_of(ticker), as_of)
        if document is None:  # not filing yet (spin-offs and listings)
            assert ticker in {"CEG", "GEV", "CRWV"} and as_of < date(2025, 6, 1)
            continue
        frame = sec.parse_companyfacts(document, concepts)
        assert set(frame["cik"]) == {cik_of(ticker)}
        assert not frame.duplicated(list(sec.NATURAL_KEY)).any()
        assert frame["filed"].max() <= pd.Timestamp(as_of)
        assert (frame["filed"] > frame["period_end"]).all()
        capex_tags = {c.tag for c in concepts if c.concept == "capex"}
        assert frame["tag"].isin(capex_tags).any()
        recent = filings(ticker, as_of)
        assert recent["filing_date"].max() <= pd.Timestamp(as_of)
        latest = sec.latest_periodic_filing(recent)
        assert latest is not None
        assert latest.accession_number == frame.loc[frame["filed"].idxmax(), "accn"]


def test_filings_appear_35_to_40_days_after_a_quarter_and_55_to_62_after_a_year():
    recent = filings("META", date(2030, 12, 31))
    periodic = recent[recent["form"].isin(["10-Q", "10-K"])]
    lag = (periodic["filing_date"] - periodic["report_date"]).dt.days
    quarterly = lag[periodic["form"] == "10-Q"]
    annual = lag[periodic["form"] == "10-K"]
    # Weekends push a filing to the next Monday.
    assert quarterly.between(35, 42).all() and annual.between(55, 64).all()
    assert (periodic["filing_date"].dt.dayofweek < 5).all()
    first = periodic.sort_values("filing_date").iloc[0]
    assert (first["form"], first["report_date"]) == ("10-Q", pd.Timestamp("2018-03-31"))


def test_documents_are_deterministic():
    for ticker in ("MSFT", "ORCL", "TSM"):
        cik = cik_of(ticker)
        once = sample.companyfacts_response(cik, AS_OF)
        sample._all_facts.cache_clear()
        sample._truth.cache_clear()
        sample._filings.cache_clear()
        assert sample.companyfacts_response(cik, AS_OF) == once
        assert sample.submissions_response(cik, AS_OF) == sample.submissions_response(cik, AS_OF)


def test_documents_do_not_depend_on_the_process():
    """Same bytes in a fresh interpreter with another string-hash seed."""
    cik = cik_of("AMZN")
    script = (
        "import hashlib, sys; from datetime import date; "
        "from orchestration.sample import sec; "
        f"a = sec.companyfacts_response({cik}, date(2026, 7, 1)).body; "
        f"b = sec.submissions_response({cik}, date(2026, 7, 1)).body; "
        "print(hashlib.sha256(a + b).hexdigest())"
    )
    here = hashlib.sha256(
        sample.companyfacts_response(cik, AS_OF).body + sample.submissions_response(cik, AS_OF).body
    ).hexdigest()
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == here


# ------------------------------------------------------------------------------------------
# The real-data traps, everywhere
# ------------------------------------------------------------------------------------------
def test_10q_cash_flow_facts_are_year_to_date_and_repeat_as_comparatives(concepts):
    msft = parsed("MSFT", concepts)
    capex = msft[msft["tag"] == CAPEX]
    nine_months = period(capex, CAPEX, "2024-07-01", "2025-03-31")
    # Reported by the FY2025 Q3 10-Q and again as comparative by the FY2026 Q3 10-Q.
    assert list(nine_months["fp"]) == ["Q3", "Q3"] and list(nine_months["fy"]) == [2025, 2026]
    assert nine_months["val"].nunique() == 1
    assert nine_months["frame"].isna().all()
    # No discrete three-month capex for fiscal Q3: only the year to date.
    assert period(capex, CAPEX, "2025-01-01", "2025-03-31").empty
    # Fiscal Q1 is three months long: framed, on its latest copy.
    quarter_one = period(capex, CAPEX, "2024-07-01", "2024-09-30")
    assert list(quarter_one["frame"].fillna("")) == ["", "CY2024Q3"]
    fiscal_year = period(capex, CAPEX, "2024-07-01", "2025-06-30")
    assert list(fiscal_year["form"]) == ["10-K"]
    assert list(fiscal_year["frame"]) == ["CY2024"]  # most of its days fall in 2024
    # The year-to-date values add up to the year.
    year_to_date = [
        period(capex, CAPEX, "2024-07-01", end)["val"].iloc[0]
        for end in ("2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30")
    ]
    assert year_to_date == sorted(year_to_date)


def test_frames_are_unique_on_the_latest_copy_and_never_on_partial_years(concepts):
    for ticker in ("MSFT", "AMZN", "NVDA", "AVGO", "ORCL", "TSM"):
        frame = parsed(ticker, concepts, date(2030, 12, 31))
        framed = frame[frame["frame"].notna()]
        assert not framed.duplicated(["taxonomy", "tag", "unit", "frame"]).any(), ticker
        days = duration_days(frame)
        assert frame[days.between(150, 300) | (days > 380)]["frame"].isna().all(), ticker
        # Where a period has a frame, it is on its most recently filed copy, and only there.
        period_key = ["tag", "unit", "period_start", "period_end"]
        latest = frame.groupby(period_key, dropna=False)["filed"].transform("max")
        assert (framed["filed"] == latest[framed.index]).all(), ticker
        assert not framed.duplicated(period_key).any(), ticker


def test_fiscal_calendars_follow_the_seed(concepts):
    msft = parsed("MSFT", concepts)
    assert not period(msft, "NetIncomeLoss", "2024-07-01", "2025-06-30").empty
    orcl = parsed("ORCL", concepts)
    assert not period(orcl, "NetIncomeLoss", "2024-06-01", "2025-05-31").empty
    zs = parsed("ZS", concepts)
    assert not period(zs, "NetIncomeLoss", "2024-08-01", "2025-07-31").empty
    nvda = parsed("NVDA", concepts)
    # 52/53-week years ending on the Sunday nearest 26 January, 13-week quarters.
    fiscal_2026 = period(nvda, "NetIncomeLoss", "2025-01-27", "2026-01-25")
    assert list(fiscal_2026["fy"]) == [2026] and list(fiscal_2026["form"]) == ["10-K"]
    assert date(2026, 1, 25).weekday() == 6
    assert not period(nvda, "NetIncomeLoss", "2025-01-27", "2025-04-27").empty
    avgo = parsed("AVGO", concepts)
    assert not period(avgo, "NetIncomeLoss", "2024-11-04", "2025-11-02").empty
    # SEC's fiscalYearEnd is the latest actual year end, not the seed's nominal day.
    assert sample.submissions_document(cik_of("NVDA"), AS_OF)["fiscalYearEnd"] == "0125"
    assert sample.submissions_document(cik_of("MSFT"), AS_OF)["fiscalYearEnd"] == "0630"


def test_shares_outstanding_is_a_cover_page_instant_per_filing(concepts):
    googl = parsed("GOOGL", concepts)
    shares = googl[googl["tag"] == "EntityCommonStockSharesOutstanding"]
    assert (shares["taxonomy"] == "dei").all() and (shares["unit"] == "shares").all()
    assert shares["period_start"].isna().all()
    assert ((shares["filed"] - shares["period_end"]).dt.days == 7).all()
    assert shares["accn"].is_unique
    assert shares["accn"].nunique() == googl["accn"].nunique()
    assert shares["frame"].notna().all()
    assert shares["val"].between(10e9, 15e9).all()


def test_a_near_miss_tag_is_in_the_document_but_not_parsed(concepts):
    document = sample.companyfacts_document(cik_of("CAT"), AS_OF)
    assert "PaymentsToAcquireBusinessesNetOfCashAcquired" in document["facts"]["us-gaap"]
    frame = sec.parse_companyfacts(document, concepts)
    assert "PaymentsToAcquireBusinessesNetOfCashAcquired" not in set(frame["tag"])


def test_finance_lease_tag_switches_in_2019(concepts):
    amzn = parsed("AMZN", concepts)
    old = amzn[amzn["tag"] == "RepaymentsOfLongTermCapitalLeaseObligations"]
    new = amzn[amzn["tag"] == "FinanceLeasePrincipalPayments"]
    assert set(old["fy"]) == {2018} and (new["fy"] >= 2019).all()
    assert len(new) > len(old) > 0


def test_tsm_files_20f_under_ifrs_in_twd(concepts):
    tsm = parsed("TSM", concepts)
    assert set(tsm["form"]) == {"20-F"} and set(tsm["fp"]) == {"FY"}
    assert set(tsm["taxonomy"]) == {"ifrs-full", "dei"}
    assert set(tsm["unit"]) == {"TWD", "TWD/shares", "shares"}
    capex = tsm[tsm["tag"] == "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities"]
    assert not capex.empty and (duration_days(capex) > 360).all()


def test_hyperscaler_capex_grows_fast_to_about_660_billion(concepts):
    totals: dict[int, float] = {}
    for ticker in ("MSFT", "AMZN", "GOOGL", "META"):
        frame = parsed(ticker, concepts, date(2027, 6, 30))
        capex = frame[frame["tag"].isin([CAPEX, NEW_CAPEX]) & (frame["fp"] == "FY")]
        capex = capex[duration_days(capex) > 360]
        latest = capex.sort_values("filed").drop_duplicates(["period_end"], keep="last")
        for row in latest.itertuples():
            totals[row.period_end.year] = totals.get(row.period_end.year, 0.0) + row.val / 1e9
    assert 190 < totals[2024] < 240
    assert totals[2025] > 1.4 * totals[2024]
    assert 560 < totals[2026] < 700


# ------------------------------------------------------------------------------------------
# Planted traps
# ------------------------------------------------------------------------------------------
def test_planted_restatement_meta_capex_fy2023(concepts):
    meta = parsed("META", concepts)
    copies = period(meta, CAPEX, "2023-01-01", "2023-12-31")
    assert list(copies["fy"]) == [2023, 2024, 2025]
    assert list(copies["form"]) == ["10-K", "10-K", "10-K"]
    original, *restated = copies["val"].tolist()
    assert original == 27_124_000_000
    assert restated == [28_274_000_000, 28_274_000_000]
    assert restated[0] - original == sample.META_CAPEX_FY2023_RESTATEMENT
    assert list(copies["frame"].fillna("")) == ["", "", "CY2023"]
    # Before the restating filing exists, the original carries the frame.
    early = period(parsed("META", concepts, date(2024, 12, 31)), CAPEX, "2023-01-01", "2023-12-31")
    assert early["val"].tolist() == [original] and early["frame"].tolist() == ["CY2023"]


def test_planted_capex_tag_switch_amzn(concepts):
    amzn = parsed("AMZN", concepts)
    old, new = amzn[amzn["tag"] == CAPEX], amzn[amzn["tag"] == NEW_CAPEX]
    assert old["period_end"].max() == pd.Timestamp("2020-12-31")  # stale: no newer period
    assert (old["fy"] <= 2020).all() and (new["fy"] >= 2021).all()
    first_new = new.sort_values("filed").iloc[0]
    assert (first_new["fy"], first_new["fp"], first_new["form"]) == (2021, "Q1", "10-Q")
    # Comparatives overlap: 2020 is reported under both tags, with the same value.
    both_2020 = amzn[
        amzn["tag"].isin([CAPEX, NEW_CAPEX])
        & (amzn["period_start"] == pd.Timestamp("2020-01-01"))
        & (amzn["period_end"] == pd.Timestamp("2020-12-31"))
    ]
    assert set(both_2020["tag"]) == {CAPEX, NEW_CAPEX} and both_2020["val"].nunique() == 1
    assert new["period_end"].max() == pd.Timestamp("2026-03-31")


def test_planted_trailing_twelve_months_amzn(concepts):
    amzn = parsed("AMZN", concepts)
    capex = amzn[amzn["tag"] == NEW_CAPEX]
    (ttm,) = period(capex, NEW_CAPEX, "2024-07-01", "2025-06-30").itertuples()
    assert (ttm.form, ttm.fp, ttm.fy) == ("10-Q", "Q2", 2025)
    assert pd.isna(ttm.frame)
    # Consistent with the year-to-date facts: TTM = FY2024 - H1 2024 + H1 2025.
    fy_2024 = period(capex, NEW_CAPEX, "2024-01-01", "2024-12-31")["val"].iloc[-1]
    h1_2024 = period(capex, NEW_CAPEX, "2024-01-01", "2024-06-30")["val"].iloc[-1]
    h1_2025 = period(capex, NEW_CAPEX, "2025-01-01", "2025-06-30")["val"].iloc[-1]
    assert ttm.val == fy_2024 - h1_2024 + h1_2025
    twelve_month_10q = capex[(duration_days(capex) > 360) & (capex["form"] == "10-Q")]
    assert set(twelve_month_10q["fp"]) == {"Q1", "Q2", "Q3"}
    assert twelve_month_10q["frame"].isna().all()
    # Only AMZN has them.
    msft = parsed("MSFT", concepts)
    assert msft[(duration_days(msft) > 360) & (msft["form"] == "10-Q")].empty


def test_planted_missing_quarter_orcl(concepts):
    orcl = parsed("ORCL", concepts)
    capex = orcl[orcl["tag"] == CAPEX]
    assert period(capex, CAPEX, "2023-06-01", "2023-11-30").empty
    recent = filings("ORCL")
    (accn,) = recent[
        (recent["form"] == "10-Q") & (recent["report_date"] == pd.Timestamp("2023-11-30"))
    ]["accession_number"]
    in_that_10q = orcl[orcl["accn"] == accn]
    assert CAPEX not in set(in_that_10q["tag"])
    assert {"NetIncomeLoss", "NetCashProvidedByUsedInOperatingActivities"} <= set(
        in_that_10q["tag"]
    )
    # The quarters around it are there.
    assert not period(capex, CAPEX, "2023-06-01", "2023-08-31").empty
    assert not period(capex, CAPEX, "2023-06-01", "2024-02-29").empty
    assert len(period(capex, CAPEX, "2022-06-01", "2022-11-30")) == 1  # its own 10-Q only


# ------------------------------------------------------------------------------------------
# Wire
# ------------------------------------------------------------------------------------------
def test_unknown_cik_and_not_yet_filing_company_answer_404():
    assert sample.companyfacts_document(1, AS_OF) is None
    assert sample.submissions_document(1, AS_OF) is None
    missing = sample.respond("/api/xbrl/companyfacts/CIK0000000001.json", AS_OF)
    assert missing.status == 404 and missing.content_type == "application/xml"
    assert b"<Code>NoSuchKey</Code>" in missing.body
    assert sample.respond("/submissions/CIK789019.json", AS_OF).status == 404  # not padded
    assert sample.respond("/cgi-bin/browse-edgar", AS_OF) is None
    crwv = cik_of("CRWV")
    assert (
        sample.respond(f"/api/xbrl/companyfacts/CIK{crwv:010d}.json", date(2025, 3, 1)).status
        == 404
    )
    before_listing = sec.parse_submissions(sample.submissions_document(crwv, date(2025, 3, 1)))
    assert before_listing.filings.empty and sec.latest_periodic_filing(before_listing) is None


def test_wire_bodies_are_compact_json_like_sec():
    answer = sample.respond(f"/submissions/CIK{cik_of('MSFT'):010d}.json", AS_OF)
    assert (answer.status, answer.content_type) == (200, "application/json")
    document = json.loads(answer.body)
    assert document["cik"] == "0000789019" and b": " not in answer.body[:200]
    recent = document["filings"]["recent"]
    assert len({len(column) for column in recent.values()}) == 1
    assert {"8-K", "4", "10-Q", "10-K"} <= set(recent["form"])


@responses.activate
def test_the_sample_goes_through_the_real_client_and_fetcher(concepts):
    cik = cik_of("GOOGL")
    answer = sample.companyfacts_response(cik, AS_OF)
    responses.add(
        responses.GET,
        sec.companyfacts_url(sec.DEFAULT_BASE_URL, cik),
        body=answer.body,
        status=answer.status,
        content_type=answer.content_type,
    )
    client = HttpClient(user_agent="x", rate_limits_enabled=False)
    company = next(c for c in sec.load_companies() if c.ticker == "GOOGL")
    result = sec.fetch_companyfacts(
        client, company, concepts=concepts, user_agent=sec.sec_user_agent(None, live=False)
    )
    assert result.entity_name == "Alphabet Inc."
    assert result.frame["filed"].max() <= pd.Timestamp(AS_OF)


def test_the_sample_does_not_import_the_parsers():
    source = Path(sample.__file__).read_text()
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and name.startswith("orchestration.sources") for name in imported)


def test_fiscal_year_end_helpers():
    nvda = sample.company_by_ticker("NVDA")
    assert [sample.fiscal_year_end(nvda, y) for y in (2023, 2024, 2025, 2026)] == [
        date(2023, 1, 29),
        date(2024, 1, 28),
        date(2025, 1, 26),
        date(2026, 1, 25),
    ]
    ends = sample.quarter_ends(nvda, 2026)
    assert ends[:3] == tuple(date(2025, 1, 26) + timedelta(weeks=13 * k) for k in (1, 2, 3))
    orcl = sample.company_by_ticker("ORCL")
    assert sample.quarter_ends(orcl, 2024) == (
        date(2023, 8, 31),
        date(2023, 11, 30),
        date(2024, 2, 29),
        date(2024, 5, 31),
    )
