"""The sample's SYNTHETIC point-in-time index membership, served in the real files' formats.

The files go through the transport, the project's HTTP client and the real parsers of
``orchestration.sources.membership``; expected values come from the simulation's own tables
(``sample_membership()``), never from the parsers.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from orchestration.http import HttpClient
from orchestration.sample import market as sample_market
from orchestration.sample import membership as sm
from orchestration.sample.market import BAR_COLUMNS, generate_market
from orchestration.sample.transport import SampleTransport
from orchestration.sources import membership as real
from orchestration.sources.prices import yahoo

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 8, 8)  # a Saturday: the last session before it is Friday 2026-08-07
LAST_SESSION = date(2026, 8, 7)
GICS_SECTORS = {
    "Communication Services",
    "Consumer Discretionary",
    "Consumer Staples",
    "Energy",
    "Financials",
    "Health Care",
    "Industrials",
    "Information Technology",
    "Materials",
    "Real Estate",
    "Utilities",
}


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def market() -> sample_market.SampleMarket:
    return generate_market()


@pytest.fixture(scope="module")
def truth() -> sm.SampleMembership:
    return sm.sample_membership()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def sample_client(today: date = AS_OF) -> HttpClient:
    """The project's client with the sample transport on the membership and Yahoo hosts."""
    transport = SampleTransport(today)
    client = HttpClient(user_agent="rotation-warehouse tests", rate_limits_enabled=False)
    for url in (
        real.DEFAULT_CONSTITUENTS_URL,
        real.DEFAULT_IWM_HOLDINGS_URL,
        yahoo.DEFAULT_BASE_URL,
    ):
        client.session.mount(origin(url), transport)
    return client


@pytest.fixture(scope="module")
def client() -> HttpClient:
    return sample_client()


@pytest.fixture(scope="module")
def fetched(client) -> tuple[real.MembershipFetch, real.SP500History]:
    return real.fetch_constituents(client), real.fetch_sp500_history(client)


@pytest.fixture(scope="module")
def built(fetched) -> pd.DataFrame:
    constituents, history = fetched
    return real.build_sp500_membership(
        constituents.frame, history.spells, history.changes, as_of=AS_OF
    )


def truth_as_of(truth: sm.SampleMembership, as_of: date) -> set[tuple]:
    """(symbol, start, end) of the simulated S&P spells as known on ``as_of``."""
    spells = truth.sp500[truth.sp500["start_date"] <= pd.Timestamp(as_of)]
    return {
        (s, a.date(), None if pd.isna(e) or e > pd.Timestamp(as_of) else e.date())
        for s, a, e in zip(spells["symbol"], spells["start_date"], spells["end_date"], strict=True)
    }


def spell_set(frame: pd.DataFrame) -> set[tuple]:
    return {
        (s, a.date(), None if pd.isna(e) else e.date())
        for s, a, e in zip(frame["symbol"], frame["start_date"], frame["end_date"], strict=True)
    }


def nyse_sessions(start: date, end: date) -> pd.DatetimeIndex:
    calendar = xcals.get_calendar("XNYS", start="2005-01-01", end="2027-12-31")
    return calendar.sessions_in_range(start.isoformat(), end.isoformat())


def chart(client: HttpClient, symbol: str, start: date, end: date) -> pd.DataFrame:
    """A member's bars through the Yahoo chart route and the real Yahoo parser."""
    request = yahoo.build_chart_request(
        yahoo.DEFAULT_BASE_URL, real.provider_symbols(symbol)["yahoo"], start, end
    )
    payload = client.get("prices", request.url, params=request.params, expect="json")
    return yahoo.parse_chart(payload.body, symbol).bars


def ishares(client: HttpClient, as_of_date: date | None = None) -> real.MembershipFetch:
    url = real.DEFAULT_IWM_HOLDINGS_URL
    if as_of_date is not None:
        url += f"&asOfDate={as_of_date:%Y%m%d}"
    return real.fetch_ishares_holdings(client, url, min_members=150)


# --- routes and parsing -----------------------------------------------------------------------


def test_routes_are_the_real_default_url_paths():
    assert urlsplit(real.DEFAULT_CONSTITUENTS_URL).path == sm.CONSTITUENTS_PATH
    assert urlsplit(real.DEFAULT_SPELLS_URL).path == sm.SPELLS_PATH
    assert urlsplit(real.DEFAULT_CHANGES_URL).path == sm.CHANGES_PATH
    iwm = urlsplit(real.DEFAULT_IWM_HOLDINGS_URL)
    assert iwm.path == sm.IWM_HOLDINGS_PATH
    assert parse_qs(iwm.query)["fileType"] == ["csv"]
    ivv = urlsplit(real.DEFAULT_IVV_HOLDINGS_URL)
    assert ivv.path == sm.IVV_HOLDINGS_PATH
    assert parse_qs(ivv.query)["fileType"] == ["csv"]
    assert sm.respond("/some/other/path.csv", {}, AS_OF) is None


def test_the_files_rebuild_the_simulated_history_exactly(fetched, built, truth):
    constituents, history = fetched
    assert len(constituents.frame) == 503
    assert spell_set(built) == truth_as_of(truth, AS_OF)
    # The spells file lags (to 2026-07-01 at the latest); the changes file carries the rest.
    horizon = max(
        d
        for d in pd.concat([history.spells["start_date"], history.spells["end_date"]]).dropna()
        if d <= pd.Timestamp(AS_OF)
    ).date()
    assert sm.spells_cutoff(AS_OF) == date(2026, 7, 1)
    assert 31 <= (AS_OF - horizon).days <= 61 + 31
    assert set(built["source"]) == {real.SOURCE_SPELLS, real.SOURCE_CHANGES}
    extended = built[built["source"] == real.SOURCE_CHANGES]
    changed_after = truth.sp500_changes[truth.sp500_changes["date"] > pd.Timestamp(horizon)]
    changed_after = changed_after[changed_after["date"] <= pd.Timestamp(AS_OF)]
    touched = {s for cell in changed_after["added"] for s in cell}
    touched |= {s for cell in changed_after["removed"] for s in cell}
    assert set(extended["symbol"]) == touched and touched
    # Sector, CIK and name come from the constituents for current members.
    current = built[built["end_date"].isna()]
    assert current["gics_sector"].notna().all() and current["cik"].notna().all()


@pytest.mark.parametrize(
    "as_of",
    [
        sm.RENAME_DATE,  # the rename is after the spells file's horizon
        sm.RENAME_DATE + timedelta(days=40),
        sm.SPINOFF_DATE,  # 504 members, the spin-off on the spells file's horizon
        sm.SPINOFF_DATE + timedelta(days=1),
        date(2019, 2, 1),  # the first day the changes file covers the lag
        date(2023, 6, 30),
        date(2027, 12, 31),
    ],
)
def test_the_history_rebuilds_on_other_days(truth, as_of):
    constituents = real.parse_constituents(sm.constituents_csv(as_of))
    spells = real.parse_ticker_spells(sm.spells_csv(as_of))
    changes = real.parse_changes(sm.changes_csv(as_of))
    built = real.build_sp500_membership(constituents, spells, changes, as_of=as_of)
    assert spell_set(built) == truth_as_of(truth, as_of)


def test_member_count_on_every_session(built, truth):
    sessions = nyse_sessions(date(2005, 1, 3), AS_OF)
    counts = real.sp500_member_counts(built, sessions)
    assert counts.between(495, 510).all()
    # Simulated: a change day adds and removes as many, except the one-day spin-off.
    expected = pd.Series(503, index=counts.index)
    expected[pd.Timestamp(sm.SPINOFF_DATE)] = 504
    assert (counts == expected).all()
    assert (real.sp500_member_counts(truth.sp500, sessions) == expected).all()
    # Before the simulated history there is no index.
    assert real.sp500_member_counts(truth.sp500, ["2004-12-31"]).iloc[0] == 0


def test_additions_and_removals_per_year(truth):
    changes = truth.sp500_changes
    years = changes["date"].dt.year
    for year in range(2005, 2028):
        rows = changes[years == year]
        added = sum(len(a) for a in rows["added"])
        removed = sum(len(r) for r in rows["removed"])
        assert added == removed, year
        assert sm.CHANGES_PER_YEAR[0] <= added <= sm.CHANGES_PER_YEAR[1], (year, added)
        assert rows["date"].dt.dayofweek.lt(5).all()
    # Every change day balances, except the spin-off (added alone) and the removal after it.
    unbalanced = changes[changes["added"].map(len) != changes["removed"].map(len)]
    assert [d.date() for d in unbalanced["date"]] == [sm.SPINOFF_DATE, date(2025, 7, 2)]
    # About half of them on the quarterly rebalance days: Mondays after a third Friday.
    rebalance = changes["date"][
        changes["date"].dt.month.isin([3, 6, 9, 12])
        & (changes["date"].dt.dayofweek == 0)
        & changes["date"].dt.day.between(18, 24)
    ]
    assert len(rebalance) >= 4 * 20
    kinds = truth.sp500["kind"].value_counts()
    assert 3 <= kinds["re-addition"] <= 40
    assert kinds["initial"] == 503


def test_changes_file_format(client, truth):
    text = client.get("membership", real.DEFAULT_CHANGES_URL, expect="csv").text()
    lines = text.splitlines()
    assert lines[0] == "date,add,remove" and text.endswith("\n")
    assert f'{sm.SPINOFF_DATE},"{sm.SPINOFF_CHILD}",""' in lines
    multi = [line for line in lines[1:] if '","' in line and "," in line.split('"')[1]]
    assert multi, "no day with several tickers in one quoted cell"
    parsed = real.parse_changes(text)
    window = truth.sp500_changes[
        (truth.sp500_changes["date"] >= "2019-01-01")
        & (truth.sp500_changes["date"] <= pd.Timestamp(AS_OF))
    ]
    assert list(parsed["date"]) == list(window["date"])
    assert list(parsed["added"]) == list(window["added"])
    assert list(parsed["removed"]) == list(window["removed"])


def test_spells_file_format(client, truth):
    text = client.get("membership", real.DEFAULT_SPELLS_URL, expect="csv").text()
    lines = text.splitlines()
    assert lines[0] == "ticker,start_date,end_date"
    assert lines[1:] == sorted(lines[1:], key=lambda line: tuple(line.split(",")[:2]))
    cutoff = sm.spells_cutoff(AS_OF)
    spells = real.parse_ticker_spells(text)
    assert spells["start_date"].max() <= pd.Timestamp(cutoff)
    assert spells["end_date"].max() <= pd.Timestamp(cutoff)
    # A member removed after the cutoff still shows an open spell.
    later = truth.sp500[(truth.sp500["end_date"] > pd.Timestamp(cutoff))]
    later = later[later["start_date"] <= pd.Timestamp(cutoff)]
    row = later.iloc[0]
    mine = spells[(spells["symbol"] == row["symbol"]) & (spells["start_date"] == row["start_date"])]
    assert len(mine) == 1 and pd.isna(mine["end_date"].iloc[0])


def test_constituents_look_like_the_real_file(client, fixtures_dir, truth):
    text = client.get("membership", real.DEFAULT_CONSTITUENTS_URL, expect="csv").text()
    real_header = fixtures_dir / "universe" / "sp500_constituents_datasets_2026-08-08.csv"
    assert text.splitlines()[0] == real_header.read_text(encoding="utf-8").splitlines()[0]
    assert ',"Mountain View, California",' in text  # quoted cells with commas
    assert '"Technology Hardware, Storage & Peripherals"' in text or '"Hotels, Resorts' in text
    frame = real.parse_constituents(text)
    assert set(frame["gics_sector"]) == GICS_SECTORS
    # Sector shares roughly those of the real index (fixture: 71 IT, 82 industrials, ...).
    real_frame = real.parse_constituents(real_header.read_text(encoding="utf-8"))
    shares = frame["gics_sector"].value_counts(normalize=True)
    real_shares = real_frame["gics_sector"].value_counts(normalize=True)
    assert ((shares - real_shares).abs() < 0.05).all(), (shares - real_shares).round(3)
    listings = truth.listings.set_index("symbol")
    synthetic = frame[~frame["symbol"].isin({e.symbol for e in sm.load_seed_companies()})]
    assert (synthetic["cik"] > sm.SYNTHETIC_CIK_BASE).all()
    assert synthetic["security_name"].str.startswith("Sample ").all()
    # Invented tickers: 3-4 letters with a J, Q, X or Z, no seed symbol, no real member's.
    invented = truth.listings["symbol"][~truth.listings["seed"]]
    bases = invented.str.split(".").str[0]
    assert bases.str.fullmatch(r"[A-Z]{3,4}").all()
    assert bases.str.contains("[JQXZ]").all()
    seeds = {e.symbol for e in sm.load_seed_companies()} | set(sample_market.load_universe())
    assert not set(invented) & seeds
    real_spells = fixtures_dir / "universe" / "fja05680_sp500_ticker_start_end.csv"
    ever = set(real.parse_ticker_spells(real_spells.read_text(encoding="utf-8"))["symbol"])
    assert not set(invented) & (ever | set(real_frame["symbol"]))
    # Date added: the company's latest addition (the spell start, or earlier after a rename).
    current = truth.sp500[truth.sp500["end_date"].isna() | (truth.sp500["end_date"] > "2026-08-08")]
    current = current[current["start_date"] <= pd.Timestamp(AS_OF)].set_index("symbol")
    added = frame.set_index("symbol")["date_added"]
    assert (added == current.loc[added.index, "date_added"]).all()
    assert listings.loc["MSFT", "cik"] == frame.set_index("symbol").loc["MSFT", "cik"] == 789019


def test_seed_companies_are_members_with_their_bars(market, truth, built):
    entities = sm.load_seed_companies()
    large = [e.symbol for e in entities if e.index_id == real.SP500]
    small = [e.symbol for e in entities if e.index_id == real.R2000]
    assert {"MSFT", "NVDA", "GEV", "CAT", "GS"} <= set(large)
    members = set(truth.members(real.SP500, AS_OF))
    assert set(large) <= members
    # Their bars are the sample instruments' own, untouched.
    for symbol in large:
        assert symbol in market.bars and symbol not in market.member_bars
        assert market.frame(symbol) is market.bars[symbol]
        first = truth.sp500[truth.sp500["symbol"] == symbol]["start_date"].min()
        assert market.frame(symbol)["date"].iloc[0] <= first
    assert truth.sp500.set_index("symbol").loc["GEV", "start_date"] == pd.Timestamp("2024-04-02")
    assert set(small) <= set(truth.members(real.R2000, LAST_SESSION))
    for symbol in small:
        assert symbol in market.member_bars and market.instruments[symbol].role == "index_member"
    assert market.frame("BE")["date"].iloc[0] == pd.Timestamp("2018-07-25")


# --- planted cases ----------------------------------------------------------------------------


def test_rename_keeps_the_company(client, truth, built, market):
    spells = truth.sp500.set_index("symbol")
    old, new = spells.loc[sm.RENAME_FROM], spells.loc[sm.RENAME_TO]
    assert old["end_date"] == new["start_date"] == pd.Timestamp(sm.RENAME_DATE)
    assert old["cik"] == new["cik"]
    assert new["date_added"] == old["date_added"] < pd.Timestamp("2005-01-03")
    day = truth.sp500_changes.set_index("date").loc[pd.Timestamp(sm.RENAME_DATE)]
    assert sm.RENAME_TO in day["added"] and sm.RENAME_FROM in day["removed"]
    constituents = real.fetch_constituents(client).frame.set_index("symbol")
    assert sm.RENAME_FROM not in constituents.index
    assert constituents.loc[sm.RENAME_TO, "date_added"] == old["date_added"]
    assert constituents.loc[sm.RENAME_TO, "cik"] == old["cik"]
    rows = built.set_index("symbol")
    assert rows.loc[sm.RENAME_FROM, "end_date"] == pd.Timestamp(sm.RENAME_DATE)
    assert pd.isna(rows.loc[sm.RENAME_TO, "end_date"])
    # Prices: the new ticker serves the whole history, the retired one stops before the change.
    old_bars = chart(client, sm.RENAME_FROM, date(2005, 1, 1), AS_OF)
    new_bars = chart(client, sm.RENAME_TO, date(2005, 1, 1), AS_OF)
    assert old_bars["date"].iloc[-1] == pd.Timestamp("2024-03-08")  # the session before
    assert new_bars["date"].iloc[0] == old_bars["date"].iloc[0] == pd.Timestamp("2005-01-03")
    assert new_bars["date"].iloc[-1] == pd.Timestamp(LAST_SESSION)
    same = new_bars.set_index("date").loc[old_bars["date"], "close"].to_numpy()
    assert np.array_equal(same, old_bars["close"].to_numpy())


def test_share_classes_are_two_members_of_one_company(client, truth, market):
    a, b = sm.SHARE_CLASSES
    constituents = real.fetch_constituents(client).frame.set_index("symbol")
    assert {a, b} <= set(constituents.index)
    assert constituents.loc[a, "cik"] == constituents.loc[b, "cik"]
    assert constituents.loc[b, "date_added"] == pd.Timestamp(sm.SHARE_CLASS_ADDED)
    assert constituents.loc[a, "security_name"].endswith("(Class A)")
    # Provider spellings follow the real mapping, and the sample routes resolve them.
    assert real.provider_symbols(b) == {"yahoo": "VNTQ-B", "tiingo": "VNTQ-B", "stooq": "vntq-b.us"}
    assert market.symbol_for("yahoo", "VNTQ-A") == a
    assert market.symbol_for("tiingo", "vntq-b") == b
    assert market.symbol_for("stooq", "vntq-b.us") == b
    bars_a = chart(client, a, sm.SHARE_CLASS_ADDED, AS_OF).set_index("date")["close"]
    bars_b = chart(client, b, sm.SHARE_CLASS_ADDED, AS_OF).set_index("date")["close"]
    assert bars_b.index[0] == pd.Timestamp(sm.SHARE_CLASS_ADDED)
    ratio = (bars_b / bars_a.loc[bars_b.index]).to_numpy()
    assert ratio.min() > 0.96 and ratio.max() < 1.01
    assert abs(np.median(ratio) - sm.SHARE_CLASS_DISCOUNT) < 0.005


def test_every_member_instrument_uses_the_real_provider_spellings(market, truth):
    members = [i for i in market.instruments.values() if i.role == "index_member"]
    assert len(members) == len(market.member_bars) > 1500
    for inst in members:
        codes = real.provider_symbols(inst.symbol)
        assert (inst.yahoo_symbol, inst.tiingo_symbol, inst.stooq_symbol) == (
            codes["yahoo"],
            codes["tiingo"],
            codes["stooq"],
        )
        assert (inst.asset_class, inst.calendar) == ("equity", "XNYS")
    dotted = {i.symbol for i in members if "." in i.symbol}
    assert dotted == {sm.R2000_SHARE_CLASS, *sm.SHARE_CLASSES}


def test_removed_member_spell_ends_on_the_change_date_and_its_bars_continue(
    client, truth, built, market
):
    changes = truth.sp500_changes.set_index("date")
    day = pd.Timestamp("2024-06-24")  # the June 2024 rebalance
    removed = changes.loc[day, "removed"]
    assert removed
    symbol = removed[0]
    rows = built[built["symbol"] == symbol].sort_values("start_date")
    assert rows["end_date"].iloc[-1] == day
    assert symbol not in set(truth.members(real.SP500, day.date()))
    assert symbol in set(truth.members(real.SP500, day.date() - timedelta(days=3)))
    bars = chart(client, symbol, date(2024, 1, 1), AS_OF)
    assert bars["date"].iloc[-1] == pd.Timestamp(LAST_SESSION)
    after = bars[bars["date"] >= day]
    assert list(after["date"]) == list(nyse_sessions(day.date(), LAST_SESSION))


def test_every_member_has_bars_from_before_its_first_spell(client, truth, market):
    # Every listing: first bar on or before its first spell (cheap: no frames built).
    firsts = pd.concat([truth.sp500, truth.r2000]).groupby("symbol")["start_date"].min()
    for symbol, first_spell in firsts.items():
        inst = market.instruments[symbol]
        assert pd.Timestamp(inst.first_day) <= first_spell, symbol
    lead = firsts - pd.to_datetime(truth.listings.set_index("symbol")["first_bar"])
    later = lead[firsts > pd.Timestamp("2007-01-01")]
    assert (later > pd.Timedelta(days=180)).mean() > 0.7  # most trade for years before joining
    # A few through the Yahoo route and the real parser: from their first bar to as_of.
    kinds = truth.sp500.drop_duplicates("kind").set_index("kind")["symbol"]
    picks = {kinds["addition"], kinds["re-addition"], sm.SPINOFF_CHILD, "BE", "CRDO"}
    picks.add(truth.r2000[truth.r2000["kind"] == "addition"]["symbol"].iloc[-1])
    for symbol in sorted(picks):
        bars = chart(client, symbol, date(2005, 1, 1), AS_OF)
        assert bars["date"].iloc[0] <= firsts[symbol], symbol
        assert bars["date"].iloc[0] == pd.Timestamp(market.instruments[symbol].listed_on)
        assert bars["date"].iloc[-1] == pd.Timestamp(LAST_SESSION), symbol
        sessions = nyse_sessions(bars["date"].iloc[0].date(), LAST_SESSION)
        assert list(bars["date"]) == list(sessions), symbol


def test_member_bars_are_valid_and_follow_their_sector(market, truth):
    listings = truth.listings
    generated = listings[~listings["sample_instrument"]]
    sample = generated.sample(20, random_state=7)["symbol"]
    for symbol in sample:
        frame = market.frame(symbol)
        assert list(frame.columns) == list(BAR_COLUMNS)
        o, h, low, c = (frame[k].to_numpy() for k in ("open", "high", "low", "close"))
        assert (low > 0).all() and (low <= np.minimum(o, c)).all()
        assert (np.maximum(o, c) <= h).all()
        assert frame["volume"].dtype == np.int64 and (frame["volume"] > 0).all()
        assert (frame["split_ratio"] == 1.0).all()
        assert frame["date"].iloc[-1] == pd.Timestamp("2027-12-31")
    # Sector rotation shows in the members: energy beats technology in 2022 and the reverse
    # in 2023-2024 (median return of S&P members of the sector).
    members = truth.sp500[truth.sp500["start_date"] <= "2021-12-31"]
    members = members[members["end_date"].isna() | (members["end_date"] > "2024-12-31")]
    members = members[members["symbol"].isin(generated["symbol"])]

    def median_return(sector: str, start: str, end: str) -> float:
        symbols = members[members["gics_sector"] == sector]["symbol"]
        returns = []
        for symbol in symbols:
            close = market.frame(symbol).set_index("date")["close"]
            returns.append(close.asof(pd.Timestamp(end)) / close.asof(pd.Timestamp(start)))
        return float(np.median(returns))

    energy_2022 = median_return("Energy", "2021-12-31", "2022-12-30")
    tech_2022 = median_return("Information Technology", "2021-12-31", "2022-12-30")
    assert energy_2022 > 1.2 > tech_2022
    assert median_return("Information Technology", "2022-12-30", "2024-12-31") > median_return(
        "Energy", "2022-12-30", "2024-12-31"
    )


def test_member_bars_are_lazy_and_the_market_stays_cheap():
    base = sample_market._build_market(sample_market.load_universe())
    attached = sm.attach_members(base)
    bars = attached.member_bars
    assert isinstance(bars, sm.MemberBars) and bars.builds == 0
    assert len(attached.instruments) == len(base.instruments) + len(bars)
    assert attached.bars is base.bars  # the seed's universe is untouched
    # Rendering the S&P files needs no bars.
    membership = sm.membership_of(attached)
    sm.constituents_csv(AS_OF, membership)
    sm.changes_csv(AS_OF, membership)
    assert bars.builds == 0
    frame = attached.frame(sm.RENAME_TO)
    assert attached.frame(sm.RENAME_TO) is frame and bars.builds == 1
    for symbol in list(bars)[: sm.MemberBars.CACHE_SIZE + 5]:
        attached.frame(symbol)
    rebuilt = attached.frame(sm.RENAME_TO)  # evicted, rebuilt identically
    assert rebuilt is not frame
    pdt.assert_frame_equal(rebuilt, frame, check_exact=True)
    with pytest.raises(KeyError):
        attached.frame("NOPE")


# --- iShares IWM ------------------------------------------------------------------------------


def test_ishares_default_is_the_last_session_before_as_of(client, truth, market):
    raw = client.get("membership", real.DEFAULT_IWM_HOLDINGS_URL, expect="text")
    text = raw.text()
    lines = text.splitlines()
    assert raw.body.startswith(b"\xef\xbb\xbfiShares Russell 2000 ETF\n")
    assert lines[1] == 'Fund Holdings as of,"Aug 07, 2026"'
    assert lines[3].startswith('Shares Outstanding,"') and lines[8] == " "
    assert lines[9].startswith("Ticker,Name,Sector,Asset Class,Market Value,Weight (%)")
    assert lines[-1].startswith('"The content contained herein is SYNTHETIC')
    assert any('"Money Market"' in line for line in lines)
    assert any('","Cash","' in line for line in lines)
    assert any('"Futures"' in line for line in lines)
    assert '"JLMB A"' in text  # an NYSE class share, written with a space
    holdings = real.parse_ishares_holdings(text)
    expected = truth.members(real.R2000, LAST_SESSION)
    assert sorted(holdings["symbol"]) == expected
    assert 190 <= len(holdings) <= 210
    assert set(holdings["as_of_date"]) == {pd.Timestamp(LAST_SESSION)}
    assert holdings.set_index("symbol").loc[sm.R2000_SHARE_CLASS, "exchange"] == "NYSE"
    # Values: price = the bar's close, market value = quantity x price, weights largest first.
    table = truth.holdings(LAST_SESSION)
    equity = table[table["asset_class"] == "Equity"].set_index("symbol")
    h = holdings.set_index("symbol")
    for symbol in ("BE", "CRDO", expected[0], expected[-1]):
        close = market.frame(symbol).set_index("date").loc[pd.Timestamp(LAST_SESSION), "close"]
        assert h.loc[symbol, "price"] == round(close, 2) == equity.loc[symbol, "price"]
        assert h.loc[symbol, "market_value"] == pytest.approx(
            h.loc[symbol, "quantity"] * h.loc[symbol, "price"], abs=0.01
        )
    assert holdings["market_value"].is_monotonic_decreasing
    assert 98.0 < holdings["weight_pct"].sum() < 100.0
    assert holdings["weight_pct"].max() < 5.0
    nav = table["market_value"].sum()
    assert (holdings["weight_pct"] - holdings["market_value"] / nav * 100).abs().max() <= 0.005
    assert set(holdings["gics_sector"]) <= (GICS_SECTORS - {"Communication Services"}) | {
        "Communication"
    }


def test_ishares_snapshots_around_the_reconstitution(client, truth):
    recon = next(r for r in truth.reconstitutions if r.year == 2026)
    assert recon == date(2026, 6, 26) and recon.weekday() == 4  # the last Friday of June
    before = ishares(client, recon - timedelta(days=1)).frame
    after = ishares(client, recon).frame
    assert set(before["as_of_date"]) == {pd.Timestamp(recon - timedelta(days=1))}
    assert set(after["as_of_date"]) == {pd.Timestamp(recon)}
    added, removed = truth.r2000_changes.set_index("date").loc[pd.Timestamp(recon)]
    assert set(after["symbol"]) - set(before["symbol"]) == set(added)
    assert set(before["symbol"]) - set(after["symbol"]) == set(removed)
    assert 0.10 * 200 <= len(removed) <= 0.20 * 200
    # Turnover about 15% a year, about 200 members always.
    for day in truth.reconstitutions[1:]:
        a, r = truth.r2000_changes.set_index("date").loc[pd.Timestamp(day)]
        assert 15 <= len(r) <= 45 and 190 <= len(truth.members(real.R2000, day)) <= 210


def test_ishares_as_of_date_edge_cases(client):
    # A Sunday: the holdings of the Friday before.
    sunday = ishares(client, date(2026, 5, 3)).frame
    assert set(sunday["as_of_date"]) == {pd.Timestamp("2026-05-01")}
    # After the latest published holdings: the latest.
    future = ishares(client, date(2026, 12, 31)).frame
    assert set(future["as_of_date"]) == {pd.Timestamp(LAST_SESSION)}
    # Before the sample's history: no holdings, like the real file for a day without data.
    with pytest.raises(real.MembershipError, match="'Fund Holdings as of' is '-'"):
        ishares(client, date(2004, 12, 31))
    answer = sm.respond(sm.IWM_HOLDINGS_PATH, {"asOfDate": "2026-05-01"}, AS_OF)
    assert answer is not None and answer.status == 400
    answer = sm.respond(sm.IWM_HOLDINGS_PATH, {"fileType": "json"}, AS_OF)
    assert answer is not None and answer.status == 400


# --- iShares IVV ------------------------------------------------------------------------------


def ivv(client: HttpClient, as_of_date: date | None = None) -> real.MembershipFetch:
    url = real.DEFAULT_IVV_HOLDINGS_URL
    if as_of_date is not None:
        url += f"&asOfDate={as_of_date:%Y%m%d}"
    return real.fetch_ishares_holdings(
        client, url, fund="IVV", index_id=real.SP500, min_members=450
    )


def test_ivv_holdings_are_the_simulated_sp500_weighted_by_market_value(client, truth, market):
    raw = client.get("membership", real.DEFAULT_IVV_HOLDINGS_URL, expect="text")
    text = raw.text()
    lines = text.splitlines()
    assert raw.body.startswith(b"\xef\xbb\xbfiShares Core S&P 500 ETF\n")
    assert lines[1] == 'Fund Holdings as of,"Aug 07, 2026"'
    assert lines[9].startswith("Ticker,Name,Sector,Asset Class,Market Value,Weight (%)")
    assert any('"Money Market"' in line for line in lines)
    assert any('","Cash","' in line for line in lines)
    assert any('"S&P500 EMINI CME' in line for line in lines)
    holdings = real.parse_ishares_holdings(text, fund="IVV", index_id=real.SP500)
    assert set(holdings["fund"]) == {"IVV"} and set(holdings["index_id"]) == {real.SP500}
    assert set(holdings["as_of_date"]) == {pd.Timestamp(LAST_SESSION)}
    # Members: exactly the simulated S&P 500 on that day (share classes spelled canonically).
    assert sorted(holdings["symbol"]) == truth.members(real.SP500, LAST_SESSION)
    assert {"VNTQ.A", "VNTQ.B", sm.RENAME_TO} <= set(holdings["symbol"])
    # Weights: market value (price x quantity) over the fund's net assets, ~100 over equities.
    assert 99.0 < holdings["weight_pct"].sum() < 100.5
    nav = truth.holdings(LAST_SESSION, "IVV")["market_value"].sum()
    assert (holdings["weight_pct"] - holdings["market_value"] / nav * 100).abs().max() <= 0.005
    h = holdings.set_index("symbol")
    for symbol in ("MSFT", "NVDA", "VNTQ.B"):
        close = market.frame(symbol).set_index("date").loc[pd.Timestamp(LAST_SESSION), "close"]
        assert h.loc[symbol, "price"] == round(close, 2)
        assert h.loc[symbol, "market_value"] == pytest.approx(
            h.loc[symbol, "quantity"] * h.loc[symbol, "price"], abs=0.01
        )
    assert holdings["market_value"].is_monotonic_decreasing
    # Concentrated like a large-cap index, not like an equal-weighted one.
    weights = holdings["market_value"] / holdings["market_value"].sum()
    assert 0.2 < weights.nlargest(10).sum() < 0.6
    assert 20 < 1 / (weights**2).sum() < 200


def test_ivv_snapshots_follow_the_spells_and_as_of_date(client, truth):
    # A change day: the snapshot of the day before and of the day itself differ by it.
    changes = truth.sp500_changes.set_index("date")
    day = next(d.date() for d in changes.index if d.year == 2025 and d.month >= 3)
    before = ivv(client, day - timedelta(days=1)).frame
    after = ivv(client, day).frame
    assert set(after["as_of_date"]) == {pd.Timestamp(day)}
    assert sorted(after["symbol"]) == truth.members(real.SP500, day)
    assert sorted(before["symbol"]) == truth.members(
        real.SP500, truth.session_on_or_before(day - timedelta(days=1))
    )
    added, removed = changes.loc[pd.Timestamp(day)]
    assert set(after["symbol"]) - set(before["symbol"]) == set(added)
    assert set(before["symbol"]) - set(after["symbol"]) == set(removed)
    # A Sunday gives the Friday before; the IWM file of a day is unchanged by IVV's.
    assert set(ivv(client, date(2026, 5, 3)).frame["as_of_date"]) == {pd.Timestamp("2026-05-01")}
    assert sm.ishares_holdings_csv(AS_OF) != sm.ishares_holdings_csv(AS_OF, fund="IVV")
    assert sm.ishares_holdings_csv(AS_OF).startswith("\ufeffiShares Russell 2000 ETF\n")


# --- determinism and independence -------------------------------------------------------------


def test_files_are_deterministic(truth, market):
    first = (sm.constituents_csv(AS_OF), sm.spells_csv(AS_OF), sm.changes_csv(AS_OF))
    second = (sm.constituents_csv(AS_OF), sm.spells_csv(AS_OF), sm.changes_csv(AS_OF))
    assert first == second
    assert sm.ishares_holdings_csv(AS_OF) == sm.ishares_holdings_csv(AS_OF)
    again = sm.membership_of(
        sm.attach_members(sample_market._build_market(sample_market.load_universe()))
    )
    pdt.assert_frame_equal(again.sp500, truth.sp500)
    pdt.assert_frame_equal(again.r2000, truth.r2000)
    pdt.assert_frame_equal(again.listings, truth.listings)
    assert sm.constituents_csv(AS_OF, again) == first[0]
    # Another interpreter with another hash salt renders the same bytes and bars.
    script = (
        "import hashlib; from datetime import date; "
        "from orchestration.sample import membership as sm; "
        "from orchestration.sample.market import generate_market; "
        "d = date(2026, 8, 8); "
        "body = (sm.constituents_csv(d) + sm.spells_csv(d) + sm.changes_csv(d)).encode(); "
        "body += generate_market().frame('KXRA')['close'].to_numpy().tobytes(); "
        "print(hashlib.sha256(body).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    here = "".join(first).encode() + market.frame("KXRA")["close"].to_numpy().tobytes()
    assert out.stdout.strip() == hashlib.sha256(here).hexdigest()


def test_constituents_rows_are_plain_csv(truth):
    rows = list(csv.reader(io.StringIO(sm.constituents_csv(AS_OF))))
    assert all(len(row) == 8 for row in rows)
    names = [row[1] for row in rows[1:]]
    assert names == sorted(names, key=str.casefold)
    assert any(", Inc." in name for name in names)


def test_the_sample_does_not_import_the_parsers():
    source = Path(sm.__file__).read_text()
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and name.startswith("orchestration.sources") for name in imported)
