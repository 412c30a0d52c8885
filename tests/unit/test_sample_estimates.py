"""The SYNTHETIC estimates sample: vendor files and Yahoo payloads read by the real parsers.

The sample renders its files and documents without the parsers; these tests read them back
with ``orchestration.sources.estimates``, so a disagreement between producer and parser shows
up here. Yahoo is served through a minimal adapter that routes exactly as the sample
transport is told to (path only; extra headers copied onto the response).
"""

from __future__ import annotations

import ast
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from orchestration.http import HttpClient
from orchestration.sample import estimates as sample
from orchestration.sources import estimates

TODAY = date(2026, 11, 22)  # a Sunday: the newest as-of Friday is 2026-11-20
NEWEST = date(2026, 11, 20)
LATE = "estimates_2026-11-13.csv"
MALFORMED = "estimates_2026-10-30.csv"
NAMES = [
    "estimates_2026-10-16.csv",
    "estimates_2026-10-23.csv",
    "estimates_2026-10-30.csv",
    "estimates_2026-11-06.csv",
    "estimates_2026-11-13.csv",
    "estimates_2026-11-20.csv",
]


@pytest.fixture(scope="module")
def entities() -> dict[str, estimates.Entity]:
    return estimates.load_entities()


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    drop = tmp_path_factory.mktemp("drop")
    written = sample.write_drop_files(drop, today=TODAY)
    assert [p.name for p in written] == NAMES
    return drop


@pytest.fixture(scope="module")
def frames(delivered: Path, entities) -> dict[str, pd.DataFrame]:
    parsed = {}
    for name in NAMES:
        if name == MALFORMED:
            continue
        result = estimates.parse_drop_file(delivered / name, entities=entities, today=TODAY)
        parsed[name] = result.frame
    return parsed


def eps(frame: pd.DataFrame, entity_id: str, period: str) -> pd.Series:
    rows = frame[
        (frame["entity_id"] == entity_id)
        & (frame["fiscal_period"] == period)
        & (frame["metric"] == "eps")
    ]
    assert len(rows) == 1, (entity_id, period)
    return rows.iloc[0]


# ------------------------------------------------------------------------------------------
# Vendor files
# ------------------------------------------------------------------------------------------
def test_weekly_files_parse(frames, delivered, entities):
    assert sorted(frames) == sorted(set(NAMES) - {MALFORMED})
    for name, frame in frames.items():
        as_of = date.fromisoformat(name.removeprefix("estimates_").removesuffix(".csv"))
        assert set(frame["as_of_date"]) == {pd.Timestamp(as_of)}
        assert as_of.weekday() == 4  # Fridays
        assert set(frame["source"]) == {"sample_vendor"}
        assert set(frame["file_name"]) == {name}
    newest = frames["estimates_2026-11-20.csv"]
    kinds = newest.groupby("entity_type")["entity_id"].nunique().to_dict()
    companies = {e for e, v in entities.items() if v.entity_type == "company"}
    assert kinds == {"index": 2, "sector": 11, "company": len(companies)}
    index_periods = set(newest.loc[newest["entity_id"] == "SP500", "fiscal_period"])
    assert index_periods == {"FY2026", "FY2027", "CY2026", "CY2027"}
    assert set(newest.loc[newest["entity_type"] == "index", "aggregation"]) == {
        "bottom_up_sum",
        "vendor",
    }
    # Companies carry their own fiscal years: Microsoft's open year is fiscal 2027 (to June).
    msft = newest[(newest["entity_id"] == "MSFT") & (newest["metric"] == "eps")]
    assert list(msft["fiscal_period"]) == ["FY2027", "FY2028"]
    assert list(msft["period_end"].dt.date) == [date(2027, 6, 30), date(2028, 6, 30)]
    assert eps(newest, "NVDA", "FY2027")["period_end"] == pd.Timestamp("2027-01-31")


def test_small_caps_are_expected_to_outgrow_the_sp500(frames):
    for frame in frames.values():
        sp500 = eps(frame, "SP500", "CY2026")["growth_yoy"]
        r2000 = eps(frame, "R2000", "CY2026")["growth_yoy"]
        assert 0.13 < sp500 < 0.17
        assert r2000 > sp500 + 0.05


def test_negative_bases_reach_the_parser_and_lose_their_growth(frames, delivered):
    newest = frames["estimates_2026-11-20.csv"]
    losses = newest[(newest["metric"] == "eps") & (newest["actual_prior_period"] <= 0)]
    assert {"CRWV", "IONQ", "SATS", "UEC"} <= set(losses["entity_id"])
    assert losses["growth_yoy"].isna().all()
    # The vendor did send a (meaningless) growth figure for them.
    text = (delivered / "estimates_2026-11-20.csv").read_text()
    crwv = next(line for line in text.splitlines() if ",CRWV,FY2026,2026-12-31,eps," in line)
    assert crwv.split(",")[12] not in ("", "0")
    positive = newest[(newest["metric"] == "eps") & (newest["actual_prior_period"] > 0)]
    assert positive["growth_yoy"].notna().all()


def test_estimates_are_revised_week_by_week(frames):
    ordered = [frames[n] for n in NAMES if n in frames]
    sp500 = [eps(f, "SP500", "CY2027")["estimate_mean"] for f in ordered]
    nvda = [eps(f, "NVDA", "FY2027")["estimate_mean"] for f in ordered]
    energy = [eps(f, "Energy", "CY2027")["estimate_mean"] for f in ordered]
    assert len(set(sp500)) == len(sp500)  # every week a revision
    assert nvda[-1] > nvda[0] and nvda == sorted(nvda)  # revised up
    assert energy[-1] < energy[0]  # revised down
    assert sp500[-1] > sp500[0]


def test_the_late_file(delivered):
    late = delivered / LATE
    newest = delivered / "estimates_2026-11-20.csv"
    assert date(2026, 11, 13) < NEWEST
    assert newest.name > LATE  # by name the late file sorts before the newest...
    assert late.stat().st_mtime > max(
        (delivered / n).stat().st_mtime for n in NAMES if n != LATE
    )  # ...but it arrived last
    assert datetime.fromtimestamp(late.stat().st_mtime, UTC) == datetime(
        2026, 11, 21, 9, 0, tzinfo=UTC
    )
    assert datetime.fromtimestamp(newest.stat().st_mtime, UTC) == datetime(
        2026, 11, 20, 22, 30, tzinfo=UTC
    )
    pending = estimates.pending_drop_files(delivered, {})
    assert [f.name for f in pending][-1] == LATE
    assert [f.name for f in pending][:-1] == [n for n in NAMES if n != LATE]


def test_the_malformed_file_fails_with_the_planted_problems(tmp_path, entities):
    sample.write_drop_files(tmp_path, today=TODAY)
    path = tmp_path / MALFORMED
    lines = path.read_text().splitlines()
    swapped = next(
        i + 1
        for i, line in enumerate(lines)
        if line.startswith("2026-10-30,company,BE,FY2027,") and ",eps," in line
    )
    unknown = next(i + 1 for i, line in enumerate(lines) if ",QXZZ," in line)
    with pytest.raises(estimates.EstimateFileError) as caught:
        estimates.parse_drop_file(path, entities=entities, today=TODAY)
    problems = caught.value.problems
    assert len(problems) == 2
    assert (
        problems[0].startswith(f"line {swapped}, columns estimate_low/estimate_high: low ")
        and "is above high" in problems[0]
    )
    assert problems[1] == (
        f"line {unknown}, column entity_id: 'QXZZ' is not a known entity (estimate_entities.csv)"
    )
    # Into quarantine; the vendor never delivers it again, so nothing is pending afterwards.
    estimates.quarantine(path, estimates.quarantine_dir_for(tmp_path), caught.value)
    seen = {f.name: f.sha256 for f in estimates.pending_drop_files(tmp_path, {})}
    assert sample.write_drop_files(tmp_path, today=TODAY) == []
    assert not path.exists()
    assert estimates.pending_drop_files(tmp_path, seen) == []


def test_deliveries_are_deterministic_and_idempotent(tmp_path, delivered):
    first, second = tmp_path / "a", tmp_path / "b"
    sample.write_drop_files(first, today=TODAY)
    sample.write_drop_files(second, today=TODAY)
    for name in NAMES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert (first / name).read_bytes() == (delivered / name).read_bytes()
        assert (first / name).stat().st_mtime == (second / name).stat().st_mtime
    before = {n: ((first / n).stat().st_mtime_ns, (first / n).read_bytes()) for n in NAMES}
    seen = {f.name: f.sha256 for f in estimates.pending_drop_files(first, {})}
    assert sample.write_drop_files(first, today=TODAY) == []
    assert sample.write_drop_files(first, today=TODAY + timedelta(days=1)) == []  # Monday
    after = {n: ((first / n).stat().st_mtime_ns, (first / n).read_bytes()) for n in NAMES}
    assert after == before
    assert estimates.pending_drop_files(first, seen) == []
    assert sorted(p.name for p in first.iterdir()) == sorted([*NAMES, sample.LEDGER_NAME])


def test_a_later_day_adds_only_the_new_week(tmp_path, entities):
    sample.write_drop_files(tmp_path, today=TODAY)
    before = {n: (tmp_path / n).read_bytes() for n in NAMES}
    written = sample.write_drop_files(tmp_path, today=TODAY + timedelta(days=7))
    assert [p.name for p in written] == ["estimates_2026-11-27.csv"]
    assert {n: (tmp_path / n).read_bytes() for n in NAMES} == before
    new = estimates.parse_drop_file(written[0], entities=entities, today=date(2026, 11, 29))
    assert new.as_of_date == date(2026, 11, 27)
    # The same as-of date renders the same bytes whatever the day it is delivered on.
    assert sample.render_file(date(2026, 11, 20)) == before["estimates_2026-11-20.csv"]


def test_the_sample_never_imports_the_parsers():
    source = Path(sample.__file__).read_text()
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and name.startswith("orchestration.sources") for name in imported)


# ------------------------------------------------------------------------------------------
# Yahoo wire
# ------------------------------------------------------------------------------------------
class YahooAdapter(BaseAdapter):
    """Route by URL path to ``sample.respond`` and copy its extra headers (as the transport)."""

    def __init__(self, as_of: date):
        super().__init__()
        self.as_of = as_of
        self.urls: list[str] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.urls.append(request.url)
        answer = sample.respond(parts.path, query, dict(request.headers), self.as_of)
        assert answer is not None, parts.path
        response = requests.Response()
        response.status_code = answer.status
        response.reason = HTTPStatus(answer.status).phrase
        response.headers = CaseInsensitiveDict(
            {"Content-Type": answer.content_type, "Content-Length": str(len(answer.body))}
        )
        for name, value in answer.headers:
            response.headers[name] = value
        response._content = answer.body
        response._content_consumed = True
        response.raw = io.BytesIO(answer.body)
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


AS_OF = NEWEST


@pytest.fixture
def adapter() -> YahooAdapter:
    return YahooAdapter(AS_OF)


@pytest.fixture
def client(adapter) -> HttpClient:
    client = HttpClient(user_agent="rotation-warehouse tests", rate_limits_enabled=False)
    client.session.mount(estimates.DEFAULT_BASE_URL + "/", adapter)
    client.session.mount(estimates.COOKIE_URL + "/", adapter)
    return client


@pytest.fixture(scope="module")
def fetched() -> estimates.EstimatesFetchResult:
    adapter = YahooAdapter(AS_OF)
    client = HttpClient(user_agent="rotation-warehouse tests", rate_limits_enabled=False)
    client.session.mount(estimates.DEFAULT_BASE_URL + "/", adapter)
    client.session.mount(estimates.COOKIE_URL + "/", adapter)
    symbols = [e.entity_id for e in sample.companies()] + ["ADH"]
    return estimates.fetch_estimates(client, symbols, as_of=AS_OF)


def test_sample_yahoo_parses_through_the_real_parsers(fetched):
    outcomes = {o.symbol: o for o in fetched.outcomes}
    companies = [e.entity_id for e in sample.companies()]
    assert all(outcomes[s].rows == 8 and not outcomes[s].failed for s in companies)
    assert outcomes["ADH"].not_found and "for ADH: HTTP 404" in outcomes["ADH"].error
    assert outcomes["SP500"].entity_type == "index" and outcomes["SP500"].rows == 4
    frame = fetched.frame
    assert list(frame.columns) == [*estimates.FRAME_COLUMNS, "payload_ref"]
    assert not frame.duplicated(list(estimates.NATURAL_KEY)).any()

    msft = frame[(frame["entity_id"] == "MSFT") & (frame["metric"] == "eps")]
    labels = dict(zip(msft["period_code"], msft["fiscal_period"], strict=True))
    assert labels == {"0q": "2027Q2", "+1q": "2027Q3", "0y": "FY2027", "+1y": "FY2028"}
    nvda = frame[(frame["entity_id"] == "NVDA") & (frame["metric"] == "eps")]
    labels = dict(zip(nvda["period_code"], nvda["fiscal_period"], strict=True))
    # Q3 of fiscal 2027 ended in October and is not reported 20 days later.
    assert labels == {"0q": "2027Q3", "+1q": "2027Q4", "0y": "FY2027", "+1y": "FY2028"}
    avgo = frame[(frame["entity_id"] == "AVGO") & (frame["period_code"] == "0y")]
    assert set(avgo["fiscal_period"]) == {"FY2026"}

    company_eps = frame[(frame["entity_type"] == "company") & (frame["metric"] == "eps")]
    assert (company_eps["estimate_low"] <= company_eps["estimate_mean"]).all()
    assert (company_eps["estimate_mean"] <= company_eps["estimate_high"]).all()
    assert (
        company_eps[["estimate_7d_ago", "estimate_90d_ago", "revisions_up_30d"]].notna().all().all()
    )
    growing = company_eps[company_eps["actual_prior_period"] > 0]
    assert growing["growth_yoy"].between(-0.5, 2.0).all()
    losses = company_eps[company_eps["actual_prior_period"] <= 0]
    assert {"CRWV", "IONQ", "SATS", "UEC"} <= set(losses["entity_id"])
    assert losses["growth_yoy"].isna().all()
    # NVDA is revised up: today's estimate is above the one of 90 days ago.
    nvda_year = nvda[nvda["period_code"] == "0y"].iloc[0]
    assert nvda_year["estimate_mean"] > nvda_year["estimate_90d_ago"]

    sp500 = frame[frame["entity_id"] == "SP500"]
    growth = dict(zip(sp500["fiscal_period"], sp500["growth_yoy"], strict=True))
    assert set(growth) == {"2026Q4", "2027Q1", "CY2026", "CY2027"}
    assert 0.13 < growth["CY2026"] < 0.17


def test_yahoo_and_the_vendor_describe_the_same_world(fetched, frames):
    vendor = frames["estimates_2026-11-20.csv"]
    yahoo = fetched.frame
    for ticker, period in (("MSFT", "FY2027"), ("AMZN", "FY2026"), ("CRWV", "FY2027")):
        mean = eps(vendor, ticker, period)["estimate_mean"]
        other = yahoo[
            (yahoo["entity_id"] == ticker)
            & (yahoo["fiscal_period"] == period)
            & (yahoo["metric"] == "eps")
        ]["estimate_mean"].iloc[0]
        assert other == pytest.approx(mean, abs=1e-4)


def test_sample_payloads_mirror_the_recorded_shapes(fixtures_dir: Path):
    def recorded(name: str) -> dict:
        wrapper = json.loads((fixtures_dir / "estimates" / name).read_text())
        return wrapper["response"]["bodyJson"]

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(value[0])] if value else []
        return type(value).__name__.replace("int", "number").replace("float", "number")

    real = recorded("quoteSummary-earningsTrend-AMZN.json")
    answer = sample.respond(
        "/v10/finance/quoteSummary/AMZN",
        {"modules": "earningsTrend", "crumb": sample.crumb(AS_OF)},
        {"Cookie": f"A3={sample.cookie_value(AS_OF)}"},
        AS_OF,
    )
    assert answer.status == 200 and answer.content_type == "application/json;charset=utf-8"
    document = json.loads(answer.body)
    real_item = real["quoteSummary"]["result"][0]["earningsTrend"]["trend"][0]
    item = document["quoteSummary"]["result"][0]["earningsTrend"]["trend"][0]
    assert shape(item) == shape(real_item)
    assert list(item) == list(real_item)  # key order too
    assert list(document["quoteSummary"]) == ["result", "error"]
    assert item["earningsEstimate"]["avg"][
        "fmt"
    ] == f"{item['earningsEstimate']['avg']['raw']:.2f}".rstrip("0").rstrip(".")
    revenue = item["revenueEstimate"]["avg"]
    assert revenue["fmt"].endswith("B") and revenue["longFmt"] == f"{revenue['raw']:,}"

    real_index = recorded("quoteSummary-indexTrend-AAPL.json")
    answer = sample.respond(
        "/v10/finance/quoteSummary/AMZN",
        {"modules": "indexTrend", "crumb": sample.crumb(AS_OF)},
        {"Cookie": f"A3={sample.cookie_value(AS_OF)}"},
        AS_OF,
    )
    block = json.loads(answer.body)["quoteSummary"]["result"][0]["indexTrend"]
    real_block = real_index["quoteSummary"]["result"][0]["indexTrend"]
    assert shape(block) == shape(real_block)
    assert [e["period"] for e in block["estimates"]] == [
        e["period"] for e in real_block["estimates"]
    ]

    real_404 = recorded("quoteSummary-assetProfile-ADH.json")
    answer = sample.respond(
        "/v10/finance/quoteSummary/ADH",
        {"modules": "assetProfile", "crumb": sample.crumb(AS_OF)},
        {"Cookie": f"A3={sample.cookie_value(AS_OF)}"},
        AS_OF,
    )
    assert answer.status == 400  # a module the sample does not serve
    answer = sample.respond(
        "/v10/finance/quoteSummary/ADH",
        {"modules": "earningsTrend", "crumb": sample.crumb(AS_OF)},
        {"Cookie": f"A3={sample.cookie_value(AS_OF)}"},
        AS_OF,
    )
    assert answer.status == 404
    assert shape(json.loads(answer.body)) == shape(real_404)
    assert json.loads(answer.body) == {
        "quoteSummary": {
            "result": None,
            "error": {
                "code": "Not Found",
                "description": "No fundamentals data found for any of the summaryTypes=earningsTrend",
            },
        }
    }


def test_the_handshake_endpoints(adapter):
    cookie = sample.respond("/", {}, {}, AS_OF)
    assert cookie.status == 404
    ((name, value),) = cookie.headers
    assert name == "Set-Cookie" and value.startswith(f"A3={sample.cookie_value(AS_OF)}; Expires=")
    assert "Domain=.yahoo.com" in value
    assert sample.respond(sample.CRUMB_PATH, {}, {}, AS_OF).status == 401
    good = sample.respond(
        sample.CRUMB_PATH, {}, {"Cookie": f"A3={sample.cookie_value(AS_OF)}"}, AS_OF
    )
    assert good.status == 200 and good.body.decode() == sample.crumb(AS_OF)
    wrong = sample.respond(
        "/v10/finance/quoteSummary/MSFT",
        {"modules": "earningsTrend", "crumb": "stale"},
        {"Cookie": f"A3={sample.cookie_value(AS_OF)}"},
        AS_OF,
    )
    assert wrong.status == 401
    assert json.loads(wrong.body) == {
        "finance": {
            "result": None,
            "error": {"code": "Unauthorized", "description": "Invalid Crumb"},
        }
    }
    assert sample.respond("/v8/finance/chart/MSFT", {}, {}, AS_OF) is None
    # Cookie and crumb change with the day.
    assert sample.crumb(AS_OF) != sample.crumb(AS_OF + timedelta(days=1))


def test_a_crumb_kept_overnight_is_renewed_once(client, adapter):
    session = estimates.YahooSession(client)
    old_crumb = session.crumb()
    assert session.cookie == f"A3={sample.cookie_value(AS_OF)}"  # read from Set-Cookie
    adapter.as_of = AS_OF + timedelta(days=1)
    payload = session.quote_summary("MSFT", ["earningsTrend"])
    assert payload.status == 200
    assert session.handshakes == 2 and session.crumb() != old_crumb
    paths = [urlsplit(u).path for u in adapter.urls]
    assert paths == [
        "/",
        "/v1/test/getcrumb",
        "/v10/finance/quoteSummary/MSFT",
        "/",
        "/v1/test/getcrumb",
        "/v10/finance/quoteSummary/MSFT",
    ]


def test_write_drop_files_is_atomic(tmp_path, monkeypatch):
    """Files appear under their final name only once complete (a dotfile is renamed)."""
    renames = []
    real_replace = os.replace

    def spy(source, target):
        renames.append((Path(source).name, Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(sample.os, "replace", spy)
    sample.write_drop_files(tmp_path, today=TODAY, weeks=2)
    assert renames[:2] == [
        (".estimates_2026-11-13.csv.part", "estimates_2026-11-13.csv"),
        (".estimates_2026-11-20.csv.part", "estimates_2026-11-20.csv"),
    ]
    assert renames[-1] == (f"{sample.LEDGER_NAME}.part", sample.LEDGER_NAME)
