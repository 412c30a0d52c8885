"""The Yahoo estimates parsers and handshake on real recorded payloads (``../shared/fixtures``).

The fixtures are WRAPPER files: the HTTP body is ``response.bodyJson``. Values asserted here
were read from the recorded Amazon and Alphabet (GOOG) ``earningsTrend``, Apple's
``indexTrend`` (the S&P 500 block) and the ``assetProfile`` 404 error payload (recorded
2025-02-24); hand-edited copies of them cover the edge cases.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import responses
from responses import matchers, registries

from orchestration.http import HttpClient, LandingArchive, SourcePolicy
from orchestration.sources import estimates

RECORDED_ON = date(2025, 2, 24)
BASE = estimates.DEFAULT_BASE_URL
COOKIE_URL = estimates.COOKIE_URL + "/"
CRUMB_URL = f"{BASE}/v1/test/getcrumb"
SET_COOKIE = (
    "A3=d=AQABBrecorded&S=AQAAAsig; Expires=Tue, 24 Feb 2026 09:34:40 GMT; "
    "Max-Age=31557600; Domain=.yahoo.com; Path=/; SameSite=None; Secure; HttpOnly"
)
COOKIE = "A3=d=AQABBrecorded&S=AQAAAsig"
CRUMB = "haT3oykhHqZ"
INVALID_CRUMB = {
    "finance": {"result": None, "error": {"code": "Unauthorized", "description": "Invalid Crumb"}}
}


def body(fixtures_dir: Path, name: str) -> dict:
    wrapper = json.loads((fixtures_dir / "estimates" / name).read_text())
    return wrapper["response"]["bodyJson"]


@pytest.fixture(scope="module")
def amzn_document(fixtures_dir: Path) -> dict:
    return body(fixtures_dir, "quoteSummary-earningsTrend-AMZN.json")


@pytest.fixture(scope="module")
def goog_document(fixtures_dir: Path) -> dict:
    return body(fixtures_dir, "quoteSummary-earningsTrend-GOOG.json")


@pytest.fixture(scope="module")
def index_document(fixtures_dir: Path) -> dict:
    return body(fixtures_dir, "quoteSummary-indexTrend-AAPL.json")


@pytest.fixture(scope="module")
def not_found_document(fixtures_dir: Path) -> dict:
    return body(fixtures_dir, "quoteSummary-assetProfile-ADH.json")


@pytest.fixture(scope="module")
def amzn(amzn_document) -> pd.DataFrame:
    return estimates.parse_earnings_trend(
        amzn_document, "AMZN", as_of=RECORDED_ON, payload_ref="estimates_yahoo/x.gz"
    )


@pytest.fixture(scope="module")
def goog(goog_document) -> pd.DataFrame:
    return estimates.parse_earnings_trend(goog_document, "GOOG", as_of=RECORDED_ON)


def row(frame: pd.DataFrame, code: str, metric: str = "eps") -> pd.Series:
    rows = frame[(frame["period_code"] == code) & (frame["metric"] == metric)]
    assert len(rows) == 1, (code, metric, len(rows))
    return rows.iloc[0]


def trend_item(document: dict, code: str) -> dict:
    trend = document["quoteSummary"]["result"][0]["earningsTrend"]["trend"]
    return next(item for item in trend if item["period"] == code)


# ------------------------------------------------------------------------------------------
# Shape
# ------------------------------------------------------------------------------------------
def test_columns_and_types_match_the_raw_table(amzn: pd.DataFrame, index_document):
    from orchestration.warehouse import EARNINGS_ESTIMATES

    assert list(estimates.FRAME_COLUMNS) == list(EARNINGS_ESTIMATES.columns)
    assert tuple(estimates.NATURAL_KEY) == EARNINGS_ESTIMATES.natural_key
    index = estimates.parse_index_trend(index_document, as_of=RECORDED_ON)
    for frame in (amzn, index, estimates.empty_frame()):
        assert list(frame.columns) == [*EARNINGS_ESTIMATES.columns, "payload_ref"]
        dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
        assert dtypes == {**estimates.FRAME_COLUMNS, "payload_ref": "string"}
    assert not amzn.duplicated(list(estimates.NATURAL_KEY)).any()
    assert set(amzn["payload_ref"]) == {"estimates_yahoo/x.gz"}
    assert set(amzn["source"]) == {"yahoo"}
    assert set(amzn["entity_type"]) == {"company"}
    assert set(amzn["as_of_date"]) == {pd.Timestamp(RECORDED_ON)}
    # Vendor-file columns stay NULL for Yahoo rows.
    assert amzn[["estimate_median", "file_name", "file_sha256"]].isna().all().all()


def test_every_period_gives_an_eps_and_a_revenue_row(amzn: pd.DataFrame):
    assert len(amzn) == 8
    assert sorted(zip(amzn["period_code"], amzn["metric"], strict=True)) == sorted(
        (code, metric) for code in ("0q", "+1q", "0y", "+1y") for metric in ("eps", "revenue")
    )


# ------------------------------------------------------------------------------------------
# Values: Amazon and Alphabet
# ------------------------------------------------------------------------------------------
def test_amazon_next_year_eps(amzn: pd.DataFrame):
    eps = row(amzn, "+1y")
    assert eps["fiscal_period"] == "FY2026"
    assert eps["period_end"] == pd.Timestamp("2026-12-31")
    assert eps["estimate_mean"] == 7.58352
    assert eps["estimate_low"] == 6.11
    assert eps["estimate_high"] == 8.93953
    assert eps["n_estimates"] == 53
    assert eps["actual_prior_period"] == 6.32632  # yearAgoEps of +1y = this year's estimate
    # earningsEstimate.growth, not the trend item's own 'growth' (0.1991).
    assert eps["growth_yoy"] == pytest.approx(0.1987, abs=1e-7)
    assert eps["currency"] == "USD"
    assert pd.isna(eps["aggregation"])  # for indexes and sectors only


def test_amazon_uses_the_estimate_blocks_growth_not_the_trend_items(amzn, amzn_document):
    assert trend_item(amzn_document, "0y")["growth"]["raw"] == 0.1415
    this_year = row(amzn, "0y")
    assert this_year["growth_yoy"] == 0.144
    assert this_year["estimate_mean"] / this_year["actual_prior_period"] - 1 == pytest.approx(
        0.144, abs=5e-5
    )


def test_amazon_revenue(amzn: pd.DataFrame):
    revenue = row(amzn, "+1y", "revenue")
    assert revenue["estimate_mean"] == 771_766_605_930
    assert revenue["estimate_low"] == 726_735_000_000
    assert revenue["estimate_high"] == 793_000_000_000
    assert revenue["n_estimates"] == 60
    assert revenue["actual_prior_period"] == 699_186_039_690
    assert revenue["growth_yoy"] == 0.1038
    assert revenue["currency"] == "USD"
    quarter = row(amzn, "0q", "revenue")
    assert quarter["estimate_mean"] == 154_976_353_450
    assert quarter["actual_prior_period"] == 143_313_000_000
    # epsTrend and epsRevisions belong to the eps rows only.
    trend_columns = [c for c in estimates.FRAME_COLUMNS if c.startswith(("estimate_", "revis"))]
    trend_columns = [c for c in trend_columns if c.endswith(("ago", "7d", "30d"))]
    assert amzn.loc[amzn["metric"] == "revenue", trend_columns].isna().all().all()


def test_alphabet_values(goog: pd.DataFrame):
    quarter = row(goog, "0q")
    assert (quarter["fiscal_period"], quarter["period_end"]) == (
        "2025Q1",
        pd.Timestamp("2025-03-31"),
    )
    assert quarter["estimate_mean"] == 2.02391
    assert (quarter["estimate_low"], quarter["estimate_high"]) == (1.91, 2.2)
    assert quarter["n_estimates"] == 38
    assert quarter["actual_prior_period"] == 1.89
    assert quarter["growth_yoy"] == 0.0709
    this_year = row(goog, "0y")
    assert (this_year["fiscal_period"], this_year["estimate_mean"]) == ("FY2025", 8.9873)
    assert (this_year["n_estimates"], this_year["actual_prior_period"]) == (52, 8.04)
    assert this_year["growth_yoy"] == 0.1178
    next_year = row(goog, "+1y")
    assert next_year["estimate_mean"] == 10.23907
    assert next_year["n_estimates"] == 47
    assert next_year["growth_yoy"] == 0.1393
    assert row(goog, "0y", "revenue")["estimate_mean"] == 390_014_501_530
    assert row(goog, "0y", "revenue")["n_estimates"] == 56
    assert set(goog["entity_id"]) == {"GOOG"}


def test_eps_trend_and_revisions(amzn: pd.DataFrame, goog: pd.DataFrame):
    quarter = row(amzn, "0q")
    assert quarter["fiscal_period"] == "2025Q1"
    assert quarter["estimate_mean"] == 1.35376  # epsTrend.current
    assert quarter["estimate_7d_ago"] == 1.35666
    assert quarter["estimate_30d_ago"] == 1.39009
    assert quarter["estimate_60d_ago"] == 1.37831
    assert quarter["estimate_90d_ago"] == 1.36904
    assert quarter["revisions_up_7d"] == 7
    assert quarter["revisions_up_30d"] == 8
    # Yahoo's key is downLast7Days (capital D). The real feed sends more downward revisions
    # in the last 7 days (22) than in the last 30 (19): no check may assume 7d <= 30d.
    assert quarter["revisions_down_7d"] == 22
    assert quarter["revisions_down_30d"] == 19
    next_year = row(goog, "+1y")
    assert (next_year["estimate_7d_ago"], next_year["estimate_90d_ago"]) == (10.24166, 10.1978)
    assert [
        next_year[c]
        for c in ("revisions_up_7d", "revisions_up_30d", "revisions_down_7d", "revisions_down_30d")
    ] == [16, 18, 17, 15]


def test_revisions_accept_the_regular_spelling_too(amzn_document):
    document = copy.deepcopy(amzn_document)
    revisions = trend_item(document, "0q")["epsRevisions"]
    revisions["downLast7days"] = revisions.pop("downLast7Days")
    frame = estimates.parse_earnings_trend(document, "AMZN", as_of=RECORDED_ON)
    assert row(frame, "0q")["revisions_down_7d"] == 22


# ------------------------------------------------------------------------------------------
# Fiscal periods
# ------------------------------------------------------------------------------------------
def test_fiscal_periods_from_end_dates(amzn: pd.DataFrame):
    periods = {
        code: (row(amzn, code)["fiscal_period"], row(amzn, code)["period_end"].date())
        for code in ("0q", "+1q", "0y", "+1y")
    }
    assert periods == {
        "0q": ("2025Q1", date(2025, 3, 31)),
        "+1q": ("2025Q2", date(2025, 6, 30)),
        "0y": ("FY2025", date(2025, 12, 31)),
        "+1y": ("FY2026", date(2026, 12, 31)),
    }


def test_fiscal_quarters_follow_the_company_fiscal_year(amzn_document):
    # Amazon's document re-dated as a June fiscal year (Microsoft's calendar).
    document = copy.deepcopy(amzn_document)
    for code, end in (
        ("0q", "2025-03-31"),
        ("+1q", "2025-06-30"),
        ("0y", "2025-06-30"),
        ("+1y", "2026-06-30"),
    ):
        trend_item(document, code)["endDate"] = end
    frame = estimates.parse_earnings_trend(
        document, "MSFT", as_of=RECORDED_ON, fiscal_year_end="0630"
    )
    labels = {code: row(frame, code)["fiscal_period"] for code in ("0q", "+1q", "0y", "+1y")}
    assert labels == {"0q": "2025Q3", "+1q": "2025Q4", "0y": "FY2025", "+1y": "FY2026"}


@pytest.mark.parametrize(
    ("code", "end", "fiscal_year_end", "label"),
    [
        ("0q", date(2025, 3, 31), "0630", "2025Q3"),  # MSFT
        ("0q", date(2025, 9, 30), "0630", "2026Q1"),
        ("0q", date(2025, 12, 31), "1231", "2025Q4"),
        ("0q", date(2025, 10, 31), "0731", "2026Q1"),  # ZS
        ("0q", date(2025, 8, 31), "0531", "2026Q1"),  # ORCL
        ("0q", date(2025, 4, 27), "0126", "2026Q1"),  # NVDA, 52/53 weeks
        ("0q", date(2025, 10, 26), "0126", "2026Q3"),
        ("0y", date(2026, 1, 25), "0126", "FY2026"),
        ("0y", date(2026, 1, 31), "0126", "FY2026"),
        ("0q", date(2025, 8, 3), "1102", "2025Q3"),  # AVGO, 52/53 weeks
        ("0y", date(2025, 11, 2), "1102", "FY2025"),
        ("0y", date(2027, 1, 2), "1231", "FY2026"),  # a Saturday-nearest-31-December year
        ("0q", date(2027, 1, 2), "1231", "2026Q4"),
    ],
)
def test_fiscal_period_label(code, end, fiscal_year_end, label):
    assert estimates.fiscal_period_label(code, end, fiscal_year_end) == label


def test_a_year_end_that_contradicts_the_seed_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="orchestration.sources.estimates"):
        assert estimates.fiscal_period_label("0y", date(2025, 12, 31), "0630") == "FY2025"
    assert "fiscal year is said to end in month 6" in caplog.text


# ------------------------------------------------------------------------------------------
# indexTrend
# ------------------------------------------------------------------------------------------
def test_index_trend_growth(index_document):
    frame = estimates.parse_index_trend(index_document, as_of=RECORDED_ON, payload_ref="p")
    assert list(frame["period_code"]) == ["0q", "+1q", "0y", "+1y"]  # LTG skipped
    growth = dict(zip(frame["fiscal_period"], frame["growth_yoy"], strict=True))
    assert growth == {"2025Q1": 0.1459, "2025Q2": 0.075, "CY2025": 0.1082, "CY2026": 0.1415}
    assert set(frame["entity_id"]) == {"SP500"}
    assert set(frame["entity_type"]) == {"index"}
    assert set(frame["metric"]) == {"eps"}
    assert list(frame["period_end"].dt.date) == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 12, 31),
        date(2026, 12, 31),
    ]
    assert frame[["estimate_mean", "actual_prior_period", "n_estimates"]].isna().all().all()


def test_index_periods_roll_over_at_year_end():
    assert estimates.calendar_period("+1q", date(2025, 11, 20)) == ("2026Q1", date(2026, 3, 31))
    assert estimates.calendar_period("0q", date(2025, 11, 20)) == ("2025Q4", date(2025, 12, 31))
    assert estimates.calendar_period("+1y", date(2025, 1, 2)) == ("CY2026", date(2026, 12, 31))


def test_an_unknown_index_is_an_error(index_document):
    document = copy.deepcopy(index_document)
    document["quoteSummary"]["result"][0]["indexTrend"]["symbol"] = "RUT"
    with pytest.raises(estimates.EstimatesParseError, match="indexTrend is for 'RUT'"):
        estimates.parse_index_trend(document, as_of=RECORDED_ON, symbol="AAPL")


# ------------------------------------------------------------------------------------------
# Errors and {raw, fmt}
# ------------------------------------------------------------------------------------------
def test_the_404_payload_is_a_clear_error_naming_the_symbol(not_found_document):
    with pytest.raises(estimates.QuoteSummaryError) as caught:
        estimates.parse_earnings_trend(not_found_document, "ADH", as_of=RECORDED_ON)
    assert caught.value.symbol == "ADH"
    assert caught.value.code == "Not Found"
    assert str(caught.value) == (
        "Yahoo quoteSummary has no data for ADH: Not Found: "
        "No fundamentals data found for any of the summaryTypes=assetProfile"
    )


def test_a_missing_module_is_named(amzn_document):
    with pytest.raises(estimates.EstimatesParseError, match="AMZN: no indexTrend module"):
        estimates.parse_index_trend(amzn_document, as_of=RECORDED_ON, symbol="AMZN")


def test_raw_fmt_unwrapping_with_missing_and_empty_values(goog_document):
    document = copy.deepcopy(goog_document)
    item = trend_item(document, "0y")
    earnings = item["earningsEstimate"]
    earnings["high"] = {}  # Yahoo's empty wrapper
    del earnings["low"]
    earnings["numberOfAnalysts"] = {"raw": None, "fmt": None}
    earnings["yearAgoEps"] = 8.04  # a plain number is accepted as is
    item["epsTrend"]["60daysAgo"] = {}
    item["epsRevisions"] = {}
    trend_item(document, "+1y")["earningsEstimate"]["avg"] = {}  # no mean: no eps row
    frame = estimates.parse_earnings_trend(document, "GOOG", as_of=RECORDED_ON)
    this_year = row(frame, "0y")
    assert this_year["estimate_mean"] == 8.9873
    assert pd.isna(this_year["estimate_high"]) and pd.isna(this_year["estimate_low"])
    assert pd.isna(this_year["n_estimates"])
    assert this_year["actual_prior_period"] == 8.04
    assert this_year["estimate_30d_ago"] == 8.96981
    assert pd.isna(this_year["estimate_60d_ago"])
    assert pd.isna(this_year["revisions_up_7d"])
    assert frame[(frame["period_code"] == "+1y") & (frame["metric"] == "eps")].empty
    assert row(frame, "+1y", "revenue")["estimate_mean"] == 432_569_035_210


def test_a_non_number_is_an_error_naming_symbol_and_field(goog_document):
    document = copy.deepcopy(goog_document)
    trend_item(document, "0q")["earningsEstimate"]["low"] = {"raw": "1.91", "fmt": "1.91"}
    with pytest.raises(estimates.EstimatesParseError) as caught:
        estimates.parse_earnings_trend(document, "GOOG", as_of=RECORDED_ON)
    assert "GOOG earningsTrend.trend[0].earningsEstimate.low" in str(caught.value)


def test_a_bad_end_date_is_an_error(goog_document):
    document = copy.deepcopy(goog_document)
    trend_item(document, "+1q")["endDate"] = None
    with pytest.raises(estimates.EstimatesParseError, match=r"trend\[1\] \(\+1q\): endDate None"):
        estimates.parse_earnings_trend(document, "GOOG", as_of=RECORDED_ON)


@pytest.mark.parametrize("base", [-0.5, 0.0])
def test_growth_on_a_negative_or_zero_base_is_null(goog_document, base):
    document = copy.deepcopy(goog_document)
    trend_item(document, "0y")["earningsEstimate"]["yearAgoEps"] = {"raw": base, "fmt": str(base)}
    frame = estimates.parse_earnings_trend(document, "GOOG", as_of=RECORDED_ON)
    this_year = row(frame, "0y")
    assert this_year["actual_prior_period"] == base
    assert pd.isna(this_year["growth_yoy"])  # Yahoo sent 0.1178: dropped
    assert row(frame, "0y", "revenue")["growth_yoy"] == 0.114300005  # positive revenue base


# ------------------------------------------------------------------------------------------
# Handshake and fetching (recorded bodies served by `responses`)
# ------------------------------------------------------------------------------------------
def make_client(tmp_path: Path | None = None) -> HttpClient:
    client = HttpClient(
        user_agent="rotation-warehouse tests",
        archive=LandingArchive(tmp_path) if tmp_path else None,
        rate_limits_enabled=False,
        sleep=lambda seconds: None,
    )
    client.register(SourcePolicy(name=estimates.YAHOO_SOURCE, max_retries=1, backoff_base=0.0))
    return client


def add_handshake(cookie: str = SET_COOKIE, crumb: str = CRUMB) -> None:
    responses.add(
        responses.GET,
        COOKIE_URL,
        status=404,
        body=b"<html><body>Not Found</body></html>",
        content_type="text/html",
        headers={"Set-Cookie": cookie},
    )
    responses.add(
        responses.GET,
        CRUMB_URL,
        body=crumb,
        content_type="text/plain;charset=utf-8",
        match=[matchers.header_matcher({"Cookie": cookie.split(";")[0]})],
    )


def quote_summary(symbol: str, modules: str, crumb: str = CRUMB, **kwargs) -> None:
    responses.add(
        responses.GET,
        f"{BASE}/v10/finance/quoteSummary/{symbol}",
        match=[
            matchers.query_param_matcher(
                {"formatted": "false", "modules": modules, "crumb": crumb}
            ),
            matchers.header_matcher({"Cookie": COOKIE}),
        ],
        **kwargs,
    )


@responses.activate
def test_handshake_cookie_then_crumb_then_quote_summary(tmp_path, amzn_document, index_document):
    add_handshake()
    both = copy.deepcopy(amzn_document)
    both["quoteSummary"]["result"][0]["indexTrend"] = copy.deepcopy(
        index_document["quoteSummary"]["result"][0]["indexTrend"]
    )
    quote_summary("AMZN", "earningsTrend,indexTrend", json=both)
    client = make_client(tmp_path)
    result = estimates.fetch_estimates(client, ["AMZN"], as_of=RECORDED_ON, fiscal_year_ends={})
    urls = [call.request.url for call in responses.calls]
    assert urls == [
        COOKIE_URL,
        CRUMB_URL,
        f"{BASE}/v10/finance/quoteSummary/AMZN?formatted=false"
        f"&modules=earningsTrend%2CindexTrend&crumb={CRUMB}",
    ]
    assert responses.calls[2].request.headers["Cookie"] == COOKIE
    assert [(o.symbol, o.entity_type, o.rows, o.failed) for o in result.outcomes] == [
        ("AMZN", "company", 8, False),
        ("SP500", "index", 4, False),
    ]
    frame = result.frame
    assert list(frame.columns) == [*estimates.FRAME_COLUMNS, "payload_ref"]
    assert row(frame[frame["entity_id"] == "AMZN"], "+1y")["estimate_mean"] == 7.58352
    sp500 = frame[frame["entity_id"] == "SP500"]
    assert dict(zip(sp500["period_code"], sp500["growth_yoy"], strict=True))["+1y"] == 0.1415
    # Payloads are archived (crumb redacted) and every row points at its payload.
    ref = result.outcomes[0].payload_ref
    assert ref and ref.startswith("estimates_yahoo/")
    assert set(frame["payload_ref"]) == {ref}
    assert json.loads(client.archive.read(ref)) == both
    index_lines = (tmp_path / ref).parent.joinpath("index.jsonl").read_text()
    assert CRUMB not in index_lines and "crumb=***" in index_lines


@responses.activate
def test_index_trend_is_asked_for_until_one_document_carries_it(
    amzn_document, goog_document, index_document
):
    add_handshake()
    quote_summary("AMZN", "earningsTrend,indexTrend", json=amzn_document)  # no indexTrend
    both = copy.deepcopy(goog_document)
    both["quoteSummary"]["result"][0]["indexTrend"] = copy.deepcopy(
        index_document["quoteSummary"]["result"][0]["indexTrend"]
    )
    quote_summary("GOOG", "earningsTrend,indexTrend", json=both)
    quote_summary("MSFT", "earningsTrend", json=amzn_document)
    result = estimates.fetch_estimates(
        make_client(), ["AMZN", "GOOG", "MSFT"], as_of=RECORDED_ON, fiscal_year_ends={}
    )
    assert [(o.symbol, o.rows) for o in result.outcomes] == [
        ("AMZN", 8),
        ("GOOG", 8),
        ("MSFT", 8),
        ("SP500", 4),
    ]


@responses.activate
def test_invalid_crumb_triggers_exactly_one_new_handshake(amzn_document):
    add_handshake()
    quote_summary("AMZN", "earningsTrend", status=401, json=INVALID_CRUMB)
    add_handshake(crumb="fReShCrUmB1")
    quote_summary("AMZN", "earningsTrend", crumb="fReShCrUmB1", json=amzn_document)
    result = estimates.fetch_estimates(
        make_client(), ["AMZN"], as_of=RECORDED_ON, include_index_trend=False
    )
    paths = [call.request.url.split("?")[0] for call in responses.calls]
    assert paths == [
        COOKIE_URL,
        CRUMB_URL,
        f"{BASE}/v10/finance/quoteSummary/AMZN",
        COOKIE_URL,
        CRUMB_URL,
        f"{BASE}/v10/finance/quoteSummary/AMZN",
    ]
    assert "crumb=fReShCrUmB1" in responses.calls[5].request.url
    assert [(o.symbol, o.rows, o.error) for o in result.outcomes] == [("AMZN", 8, None)]


@responses.activate(registry=registries.OrderedRegistry)
def test_a_401_that_a_new_crumb_does_not_cure_fails_the_run():
    add_handshake()
    quote_summary("AMZN", "earningsTrend", status=401, json=INVALID_CRUMB)
    add_handshake()
    quote_summary("AMZN", "earningsTrend", status=401, json=INVALID_CRUMB)
    with pytest.raises(estimates.YahooAuthError, match="still HTTP 401 for AMZN"):
        estimates.fetch_estimates(
            make_client(), ["AMZN", "GOOG"], as_of=RECORDED_ON, include_index_trend=False
        )
    assert len(responses.calls) == 6  # two handshakes, two tries, GOOG never asked


@responses.activate
def test_404_is_a_per_symbol_outcome_not_a_failed_run(not_found_document, goog_document):
    add_handshake()
    quote_summary("ADH", "earningsTrend", status=404, json=not_found_document)
    quote_summary("GOOG", "earningsTrend", json=goog_document)
    result = estimates.fetch_estimates(
        make_client(), ["ADH", "GOOG"], as_of=RECORDED_ON, include_index_trend=False
    )
    adh, goog = result.outcomes
    assert adh.failed and adh.not_found and not adh.transient and adh.rows == 0
    assert "for ADH: HTTP 404" in adh.error
    assert "No fundamentals data found for any of the summaryTypes=assetProfile" in adh.error
    assert CRUMB not in adh.error
    assert not goog.failed and goog.rows == 8
    assert set(result.frame["entity_id"]) == {"GOOG"}
    assert result.failures == [adh]


@responses.activate
def test_transient_failures_are_marked(goog_document):
    add_handshake()
    quote_summary("AMZN", "earningsTrend", status=503, body="busy")
    quote_summary("GOOG", "earningsTrend", json=goog_document)
    result = estimates.fetch_estimates(
        make_client(), ["AMZN", "GOOG"], as_of=RECORDED_ON, include_index_trend=False
    )
    amzn, goog = result.outcomes
    assert amzn.failed and amzn.transient and not amzn.not_found
    assert "gave up after 2 attempts" in amzn.error
    assert goog.rows == 8


@responses.activate
def test_an_error_object_with_http_200_is_a_per_symbol_error(not_found_document):
    add_handshake()
    quote_summary("ADH", "earningsTrend", json=not_found_document)
    result = estimates.fetch_estimates(
        make_client(), ["ADH"], as_of=RECORDED_ON, include_index_trend=False
    )
    (adh,) = result.outcomes
    assert adh.failed and not adh.transient
    assert "Not Found: No fundamentals data found" in adh.error


@responses.activate
def test_no_cookie_means_no_handshake():
    responses.add(responses.GET, COOKIE_URL, status=404, body=b"Not Found")
    with pytest.raises(estimates.YahooHandshakeError, match="set no cookie"):
        estimates.YahooSession(make_client()).crumb()


@responses.activate
def test_a_refused_cookie_or_a_page_instead_of_a_crumb_is_a_handshake_error():
    responses.add(
        responses.GET, COOKIE_URL, status=404, body=b"x", headers={"Set-Cookie": SET_COOKIE}
    )
    responses.add(
        responses.GET,
        CRUMB_URL,
        status=401,
        json={"finance": {"result": None, "error": {"code": "Unauthorized"}}},
    )
    with pytest.raises(estimates.YahooHandshakeError, match="getcrumb refused the cookie"):
        estimates.YahooSession(make_client()).crumb()
    responses.replace(responses.GET, CRUMB_URL, body="<html><body>Sorry</body></html>")
    with pytest.raises(estimates.YahooHandshakeError, match="not a crumb"):
        estimates.YahooSession(make_client()).crumb()
