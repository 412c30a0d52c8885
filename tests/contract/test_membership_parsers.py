"""Index membership parsers and the point-in-time S&P 500 history on real files
(``../shared/fixtures/universe``).

Values asserted here were read from the recorded files: the constituents list of 2026-08-08,
fja05680's spells (to 2025-07-09) and changes (to 2025-11-11) files, and an excerpt of an
iShares IWM holdings file of 2026-05-05. Hand-built payloads in the same formats cover the error
paths.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import responses

from orchestration.http import HttpClient, LandingArchive
from orchestration.sources import membership as m
from orchestration.sources.universe import Instrument, load_instruments

AS_OF = date(2026, 8, 8)
CONSTITUENTS = "sp500_constituents_datasets_2026-08-08.csv"
SPELLS = "fja05680_sp500_ticker_start_end.csv"
CHANGES = "fja05680_sp500_changes_since_2019.csv"
IWM = "ishares_IWM_holdings_2026-05-05_excerpt.csv"


def read(fixtures_dir: Path, name: str) -> str:
    return (fixtures_dir / "universe" / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def constituents_text(fixtures_dir: Path) -> str:
    return read(fixtures_dir, CONSTITUENTS)


@pytest.fixture(scope="module")
def constituents(constituents_text: str) -> pd.DataFrame:
    return m.parse_constituents(constituents_text)


@pytest.fixture(scope="module")
def spells(fixtures_dir: Path) -> pd.DataFrame:
    return m.parse_ticker_spells(read(fixtures_dir, SPELLS))


@pytest.fixture(scope="module")
def changes(fixtures_dir: Path) -> pd.DataFrame:
    return m.parse_changes(read(fixtures_dir, CHANGES))


@pytest.fixture(scope="module")
def membership(constituents, spells, changes) -> pd.DataFrame:
    refs = {"constituents": "c.gz", "spells": "s.gz", "changes": "x.gz"}
    return m.build_sp500_membership(constituents, spells, changes, as_of=AS_OF, payload_refs=refs)


@pytest.fixture(scope="module")
def holdings(fixtures_dir: Path) -> pd.DataFrame:
    return m.parse_ishares_holdings(read(fixtures_dir, IWM), payload_ref="membership/iwm.gz")


def spells_of(frame: pd.DataFrame, symbol: str) -> list[tuple[str, str | None]]:
    rows = frame[frame["symbol"] == symbol].sort_values("start_date")
    return [
        (f"{s:%Y-%m-%d}", None if pd.isna(e) else f"{e:%Y-%m-%d}")
        for s, e in zip(rows["start_date"], rows["end_date"], strict=True)
    ]


def count_on(frame: pd.DataFrame, day: str) -> int:
    return int(m.sp500_member_counts(frame, [day]).iloc[0])


# ------------------------------------------------------------------------------------------
# Constituents
# ------------------------------------------------------------------------------------------
def test_constituents_rows_sectors_and_types(constituents: pd.DataFrame):
    assert len(constituents) == 503
    assert list(constituents.columns) == list(m.CONSTITUENT_COLUMNS)
    assert {c: str(t) for c, t in constituents.dtypes.items()} == m.CONSTITUENT_COLUMNS
    assert constituents["gics_sector"].value_counts().to_dict() == {
        "Industrials": 83,
        "Financials": 76,
        "Information Technology": 73,
        "Health Care": 59,
        "Consumer Discretionary": 47,
        "Consumer Staples": 34,
        "Utilities": 31,
        "Real Estate": 31,
        "Materials": 25,
        "Communication Services": 23,
        "Energy": 21,
    }
    assert constituents["symbol"].is_unique
    assert constituents["cik"].notna().all()
    # 503 lines, 500 companies: GOOGL/GOOG, FOXA/FOX and NWSA/NWS share a CIK.
    assert constituents["cik"].nunique() == 500


def test_constituents_quoted_commas_do_not_shift_columns(constituents: pd.DataFrame):
    mmm = constituents.set_index("symbol").loc["MMM"]
    assert mmm["security_name"] == "3M"
    assert mmm["headquarters"] == "Saint Paul, Minnesota"
    assert mmm["date_added"] == pd.Timestamp("1957-03-04")
    assert mmm["cik"] == 66740
    assert mmm["founded"] == "1902"
    abbv = constituents.set_index("symbol").loc["ABBV"]
    assert abbv["founded"] == "2013 (1888)"  # free text, kept as text


def test_constituents_share_classes_and_ciks(constituents: pd.DataFrame):
    by_symbol = constituents.set_index("symbol")
    assert by_symbol.loc["BRK.B", "cik"] == 1067983
    assert by_symbol.loc["BRK.B", "gics_sector"] == "Financials"
    assert by_symbol.loc["BF.B", "gics_sector"] == "Consumer Staples"
    # Alphabet: two share classes, two members, one company.
    assert by_symbol.loc["GOOGL", "cik"] == by_symbol.loc["GOOG", "cik"] == 1652044
    assert by_symbol.loc["GOOGL", "security_name"] == "Alphabet Inc. (Class A)"
    assert sorted(s for s in constituents["symbol"] if "." in s) == ["BF.B", "BRK.B"]


def test_constituents_errors_name_line_and_column(constituents_text: str):
    header, first, *_ = constituents_text.splitlines()
    unquoted = first.replace('"Saint Paul, Minnesota"', "Saint Paul, Minnesota")
    with pytest.raises(m.MembershipError, match=r"line 2: 9 cells, the header has 8"):
        m.parse_constituents(f"{header}\n{unquoted}\n")
    bad_date = first.replace("1957-03-04", "03/04/1957")
    with pytest.raises(m.MembershipError, match=r"line 2, column Date added: '03/04/1957'"):
        m.parse_constituents(f"{header}\n{bad_date}\n")
    bad_cik = first.replace(",66740,", ",CIK66740,")
    with pytest.raises(m.MembershipError, match=r"line 3, column CIK: 'CIK66740'"):
        m.parse_constituents(f"{header}\n{first}\n{bad_cik.replace('MMM', 'MMN')}\n")
    with pytest.raises(m.MembershipError, match=r"line 3, column Symbol: MMM already listed"):
        m.parse_constituents(f"{header}\n{first}\n{first}\n")
    with pytest.raises(m.MembershipError, match=r"header lacks \['CIK'\]"):
        m.parse_constituents(header.replace("CIK", "Central Index Key") + "\n" + first)


# ------------------------------------------------------------------------------------------
# Spells and changes
# ------------------------------------------------------------------------------------------
def test_spells_file(spells: pd.DataFrame):
    assert len(spells) == 1230
    assert spells["end_date"].isna().sum() == 503
    assert spells["start_date"].min() == pd.Timestamp("1996-01-02")
    assert max(spells["start_date"].max(), spells["end_date"].max()) == pd.Timestamp("2025-07-09")
    assert spells_of(spells, "PCG") == [("1996-01-02", "2019-01-18"), ("2022-10-03", None)]
    assert spells_of(spells, "BRK.B") == [("2010-02-16", None)]
    # No spell of one symbol touches the next in this file (end of one = start of next).
    ordered = spells.sort_values(["symbol", "start_date"])
    following = ordered.groupby("symbol")["start_date"].shift(-1)
    assert not (ordered["end_date"] == following).any()


def test_changes_file_cells(changes: pd.DataFrame):
    assert len(changes) == 106
    first = changes.iloc[0]
    assert (first["date"], first["added"], first["removed"]) == (
        pd.Timestamp("2019-01-18"),
        ("TFX",),
        ("PCG",),
    )
    by_date = changes.set_index("date")
    # Several tickers in one quoted cell; an empty quoted cell is no ticker.
    assert by_date.loc["2019-06-03", "added"] == ("CTVA", "DD")
    assert by_date.loc["2019-06-03", "removed"] == ("FLR", "DWDP")
    assert by_date.loc["2024-09-30", "added"] == ("AMTM",)
    assert by_date.loc["2024-09-30", "removed"] == ()
    assert by_date.loc["2025-11-11", "added"] == ("FISV",)


def test_change_date_is_the_effective_date_in_both_files(spells, changes):
    """2019-01-18: TFX replaced PCG. The spells file ends PCG and starts TFX on that date, so an
    end_date is the first day NOT a member, and the count does not jump on the change day."""
    row = changes[changes["date"] == pd.Timestamp("2019-01-18")].iloc[0]
    assert row["added"] == ("TFX",) and row["removed"] == ("PCG",)
    assert spells_of(spells, "TFX") == [("2019-01-18", "2025-04-24")]
    assert spells_of(spells, "PCG")[0] == ("1996-01-02", "2019-01-18")
    assert count_on(spells, "2019-01-17") == count_on(spells, "2019-01-18") == 505
    pcg, tfx = spells[spells["symbol"] == "PCG"], spells[spells["symbol"] == "TFX"]
    assert count_on(pcg, "2019-01-17") == 1 and count_on(pcg, "2019-01-18") == 0
    assert count_on(tfx, "2019-01-17") == 0 and count_on(tfx, "2019-01-18") == 1


def test_changes_parse_errors_name_the_line():
    with pytest.raises(m.MembershipError, match=r"line 2: 4 cells, the header has 3"):
        m.parse_changes("date,add,remove\n2019-06-03,CTVA,DD,FLR\n")
    with pytest.raises(m.MembershipError, match=r"line 2, column date: '06/03/2019'"):
        m.parse_changes('date,add,remove\n06/03/2019,"CTVA",""\n')
    with pytest.raises(m.MembershipError, match=r"spells line 3: .*XYZ spell from 2020-01-02"):
        m.parse_ticker_spells(
            "ticker,start_date,end_date\nXYZ,2020-01-02,\nXYZ,2020-01-02,2021-01-04\n"
        )


# ------------------------------------------------------------------------------------------
# Point-in-time membership
# ------------------------------------------------------------------------------------------
def test_membership_frame_matches_the_raw_table(membership: pd.DataFrame):
    from orchestration.warehouse import INDEX_MEMBERSHIP

    assert list(membership.columns) == [*INDEX_MEMBERSHIP.columns, "payload_ref"]
    assert list(m.MEMBERSHIP_COLUMNS) == list(INDEX_MEMBERSHIP.columns)
    assert INDEX_MEMBERSHIP.natural_key == m.MEMBERSHIP_KEY
    assert not membership.duplicated(list(m.MEMBERSHIP_KEY)).any()
    assert set(membership["index_id"]) == {"SP500"}
    assert len(membership) == 1259  # 1230 spells + 29 opened by changes or reconciliation
    assert membership["source"].value_counts().to_dict() == {
        m.SOURCE_SPELLS: 1202,
        m.SOURCE_RECONCILED: 21,  # 19 ends on 2025-11-12, and BNY and MRSH start then
        m.SOURCE_CHANGES: 19,
        m.SOURCE_DATE_ADDED: 17,
    }
    refs = membership.groupby("source")["payload_ref"].unique().map(list).to_dict()
    assert refs == {
        m.SOURCE_SPELLS: ["s.gz"],
        m.SOURCE_CHANGES: ["x.gz"],
        m.SOURCE_DATE_ADDED: ["c.gz"],
        m.SOURCE_RECONCILED: ["c.gz"],
    }


def test_membership_count_on_as_of_and_no_overlaps(membership, constituents):
    # 503 = the constituents' 503 lines (500 companies; GOOGL/GOOG, FOXA/FOX and NWSA/NWS
    # count twice, as the index does): every current constituent has exactly one open spell and
    # nothing else is open.
    assert count_on(membership, "2026-08-08") == 503
    open_spells = membership[membership["end_date"].isna()]
    assert sorted(open_spells["symbol"]) == sorted(constituents["symbol"])
    ordered = membership.sort_values(["symbol", "start_date"])
    following = ordered.groupby("symbol")["start_date"].shift(-1)
    previous_end = ordered["end_date"]
    overlapping = following.notna() & (previous_end.isna() | (previous_end > following))
    assert not overlapping.any()


def test_share_classes_are_members_with_sector_and_cik(membership: pd.DataFrame):
    current = membership[membership["end_date"].isna()].set_index("symbol")
    for symbol, sector, cik in [
        ("BRK.B", "Financials", 1067983),
        ("BF.B", "Consumer Staples", 14693),
        ("GOOGL", "Communication Services", 1652044),
        ("GOOG", "Communication Services", 1652044),
    ]:
        assert current.loc[symbol, "gics_sector"] == sector
        assert current.loc[symbol, "cik"] == cik
    assert spells_of(membership, "GOOG") == [("2014-04-03", None)]
    assert spells_of(membership, "GOOGL") == [("2006-04-03", None)]


def test_removed_members_end_and_are_not_counted_after(membership: pd.DataFrame):
    # TFX: removed 2025-04-24 (spells file); WBA: removed 2025-08-28 (changes file only).
    assert spells_of(membership, "TFX") == [("2019-01-18", "2025-04-24")]
    assert spells_of(membership, "WBA") == [("1996-01-02", "2025-08-28")]
    removals = [("TFX", "2025-04-23", "2025-04-24"), ("WBA", "2025-08-27", "2025-08-28")]
    for symbol, last_day, end in removals:
        rows = membership[membership["symbol"] == symbol]
        assert count_on(rows, last_day) == 1
        assert count_on(rows, end) == 0
        assert count_on(rows, "2026-08-08") == 0
        # A removed member is no longer a constituent: its attributes are unknown.
        assert rows["gics_sector"].isna().all() and rows["cik"].isna().all()


def test_changes_after_the_spells_file_extend_the_history(membership: pd.DataFrame):
    # Fiserv: FISV until 2023-06-07, FI until 2025-11-11, FISV again since (changes file).
    assert spells_of(membership, "FISV") == [("2001-04-02", "2023-06-07"), ("2025-11-11", None)]
    assert spells_of(membership, "FI") == [("2023-06-07", "2025-11-11")]
    fisv = membership[membership["symbol"] == "FISV"]
    assert set(fisv["cik"]) == {798354}  # both spells started on/after its date added
    # A rename hands over on one day: the count does not move.
    assert count_on(membership, "2022-06-08") == count_on(membership, "2022-06-09")
    assert spells_of(membership, "FB")[-1][1] == spells_of(membership, "META")[0][0]


def test_reused_ticker_keeps_its_old_spell_anonymous(membership: pd.DataFrame):
    q = membership[membership["symbol"] == "Q"].sort_values("start_date")
    assert spells_of(membership, "Q") == [("2000-07-06", "2011-04-01"), ("2025-11-03", None)]
    assert q["security_name"].isna().tolist() == [True, False]  # Qwest, then Qnity
    assert q["cik"].iloc[1] == 2058873


def test_reconciliation_with_the_constituents(membership: pd.DataFrame):
    """History reaches 2025-11-11 (last change). Members it leaves open that the 2026-08-08 list
    lacks end on 2025-11-12; additions after 2025-11-11 start on their date added; renamed
    tickers (date added long before) start on 2025-11-12, handing over from the old ticker."""
    reconciled = membership[membership["source"] == m.SOURCE_RECONCILED]
    ended = sorted(reconciled.loc[reconciled["end_date"].notna(), "symbol"])
    assert ended == [
        "BK", "CAG", "CPB", "CTRA", "DAY", "EA", "EPAM", "HOLX", "IPG", "K",
        "LKQ", "LW", "MHK", "MMC", "MOH", "MTCH", "PAYC", "POOL", "SOLS",
    ]  # fmt: skip
    assert set(reconciled.loc[reconciled["end_date"].notna(), "end_date"]) == {
        pd.Timestamp("2025-11-12")
    }
    assert spells_of(membership, "BNY") == [("2025-11-12", None)]  # date added 1995-03-31
    assert spells_of(membership, "BK")[-1] == ("1996-01-02", "2025-11-12")
    assert spells_of(membership, "MRSH") == [("2025-11-12", None)]
    assert spells_of(membership, "ARES") == [("2025-12-11", None)]
    assert spells_of(membership, "FERG") == [("2026-08-05", None)]
    # The exact removal days of the 17 ended companies are unknown: the count dips from
    # 2025-11-12 and recovers as the additions arrive (an undercount, never a survivor).
    assert count_on(membership, "2025-11-11") == 503
    assert count_on(membership, "2025-11-12") == 486
    assert count_on(membership, "2026-08-04") == 502
    assert count_on(membership, "2026-08-05") == 503


def test_member_counts_over_the_years(membership: pd.DataFrame):
    counts = m.sp500_member_counts(
        membership, [date(2010, 1, 4), date(2019, 1, 17), date(2024, 9, 23), date(2025, 7, 9)]
    )
    assert counts.tolist() == [499, 505, 503, 503]
    assert counts.index[0] == pd.Timestamp("2010-01-04")
    assert counts.name == "members"


def test_truncated_constituents_file_is_rejected(constituents_text, spells, changes):
    truncated = m.parse_constituents("\n".join(constituents_text.splitlines()[:121]))
    assert len(truncated) == 120
    with pytest.raises(m.ImplausibleRefreshError) as caught:
        m.build_sp500_membership(truncated, spells, changes, as_of=AS_OF)
    message = str(caught.value)
    assert "lists 120 members (at least 480 expected)" in message
    assert "would end 389 memberships" in message
    assert "at most 27 plausible" in message


def test_too_many_endings_are_rejected_even_with_enough_members(constituents, spells, changes):
    # 20 rows fewer: 483 listed passes the floor of 480, but 19 + 20 = 39 endings are more
    # than the 27 plausible between 2025-11-11 and 2026-08-08.
    fewer = constituents.iloc[20:].reset_index(drop=True)
    with pytest.raises(m.ImplausibleRefreshError, match="would end 39 memberships"):
        m.build_sp500_membership(fewer, spells, changes, as_of=AS_OF)


def test_member_count_outside_the_range_is_an_error(constituents, spells, changes):
    # A year later 63 endings are plausible, but 488 members are not an S&P 500.
    fewer = constituents.iloc[15:].reset_index(drop=True)
    with pytest.raises(m.MembershipError, match=r"as of 2027-08-09: 488 members, outside 495-510"):
        m.build_sp500_membership(fewer, spells, changes, as_of=date(2027, 8, 9))


def test_contradicting_files_are_errors(constituents, spells):
    removes_non_member = m.parse_changes('date,add,remove\n2025-12-01,"","PCG,ZZZZ"\n')
    with pytest.raises(m.MembershipError, match="removes ZZZZ, which is not a member"):
        m.build_sp500_membership(constituents, spells, removes_non_member, as_of=AS_OF)
    adds_member = m.parse_changes('date,add,remove\n2025-12-01,"AAPL",""\n')
    with pytest.raises(m.MembershipError, match="adds AAPL, a member since 1996-01-02"):
        m.build_sp500_membership(constituents, spells, adds_member, as_of=AS_OF)
    overlapping = pd.concat(
        [spells, m.parse_ticker_spells("ticker,start_date,end_date\nAAPL,2020-01-02,\n")],
        ignore_index=True,
    )
    no_changes = m.parse_changes("date,add,remove\n")
    with pytest.raises(m.MembershipError, match="AAPL spells overlap"):
        m.build_sp500_membership(constituents, overlapping, no_changes, as_of=AS_OF)


def test_touching_spells_are_one_continuous_membership():
    spells = m.parse_ticker_spells(
        "ticker,start_date,end_date\nABC,2020-01-02,2021-03-01\nABC,2021-03-01,\n"
    )
    counts = m.sp500_member_counts(spells, ["2021-02-26", "2021-03-01", "2021-03-02"])
    assert counts.tolist() == [1, 1, 1]


# ------------------------------------------------------------------------------------------
# iShares IWM holdings
# ------------------------------------------------------------------------------------------
def test_ishares_frame_matches_the_raw_table(holdings: pd.DataFrame):
    from orchestration.warehouse import INDEX_HOLDINGS

    assert list(holdings.columns) == [*INDEX_HOLDINGS.columns, "payload_ref"]
    assert INDEX_HOLDINGS.natural_key == m.HOLDINGS_KEY
    dtypes = {c: str(t) for c, t in holdings.dtypes.items()}
    assert dtypes == {**m.HOLDINGS_COLUMNS, "payload_ref": "string"}


def test_ishares_excerpt_values(holdings: pd.DataFrame):
    # 15 rows in the excerpt; the money market fund (XTSLA) is the one non-equity row.
    assert len(holdings) == 14
    assert "XTSLA" not in set(holdings["symbol"])
    assert set(holdings["asset_class"]) == {"Equity"}
    assert set(holdings["as_of_date"]) == {pd.Timestamp("2026-05-05")}
    assert set(holdings["fund"]) == {"IWM"} and set(holdings["index_id"]) == {"R2000"}
    top = holdings.iloc[0]
    assert top["symbol"] == "BE"
    assert top["security_name"] == "BLOOM ENERGY CLASS A CORP"
    assert top["weight_pct"] == 1.93
    assert top["market_value"] == 1_532_594_919.50
    assert top["notional_value"] == 1_532_594_919.50
    assert top["quantity"] == 5_190_838.0
    assert top["price"] == 295.25
    assert (top["exchange"], top["currency"], top["location"]) == ("NYSE", "USD", "United States")
    assert holdings["weight_pct"].max() == 1.93
    assert round(holdings["weight_pct"].sum(), 2) == 8.66
    uec = holdings.set_index("symbol").loc["UEC"]
    assert uec["exchange"] == "Nyse Mkt Llc" and uec["quantity"] == 11_329_919.0
    assert holdings.set_index("symbol").loc["SATS", "gics_sector"] == "Communication"


HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)
BANNER = 'iShares Russell 2000 ETF\nFund Holdings as of,"May 05, 2026"\n \n'


def row(ticker: str, name: str, asset_class: str = "Equity", exchange: str = "NYSE", price="1"):
    cells = [ticker, name, "Industrials", asset_class, "1,000.00", "0.10", "1,000.00", "10.00"]
    cells += [price, "United States", exchange, "USD", "1.00", "USD", "-"]
    return ",".join(f'"{c}"' for c in cells)


def test_ishares_share_classes_footer_bom_and_dashes():
    text = (
        "\ufeff"
        + BANNER
        + "\n".join(
            [
                HEADER,
                row("MOG A", "MOOG INC CLASS A"),
                row(
                    "BRKB",
                    "BERKSHIRE HATHAWAY INC CLASS B",
                    exchange="New York Stock Exchange Inc.",
                ),
                row("UAA", "UNDER ARMOUR INC CLASS A"),  # not in the table: kept as is
                row("FOXA", "FOX CORP CLASS A", exchange="NASDAQ"),
                row("ABC", "NO PRICE CORP", price="-"),
                row("USD", "USD CASH", asset_class="Cash", exchange="-"),
                row("RTYM6", "RUSSELL 2000 EMINI CME JUN 26", asset_class="Futures", exchange="-"),
                " ",
                '"The content contained herein is owned or licensed by BlackRock, and more."',
            ]
        )
    )
    frame = m.parse_ishares_holdings(text)
    assert frame["symbol"].tolist() == ["MOG.A", "BRK.B", "UAA", "FOXA", "ABC"]
    assert pd.isna(frame.set_index("symbol").loc["ABC", "price"])
    assert frame["payload_ref"].isna().all()


def test_ishares_errors():
    body = "\n".join([HEADER, row("BE", "BLOOM ENERGY")])
    with pytest.raises(m.MembershipError, match="no 'Fund Holdings as of' banner"):
        m.parse_ishares_holdings("iShares Russell 2000 ETF\n" + body)
    with pytest.raises(m.MembershipError, match="not a date like 'May 05, 2026'"):
        m.parse_ishares_holdings('Fund Holdings as of,"-"\n' + body)
    with pytest.raises(m.MembershipError, match="no header line starting with 'Ticker'"):
        m.parse_ishares_holdings(BANNER + row("BE", "BLOOM ENERGY"))
    with pytest.raises(m.MembershipError, match=r"line 5: 14 cells, the header has 15"):
        m.parse_ishares_holdings(BANNER + body.rsplit(",", 1)[0])
    with pytest.raises(
        m.MembershipError, match=r"line 5, market_value: '1.000,00' is not a number"
    ):
        m.parse_ishares_holdings(BANNER + body.replace('"1,000.00"', '"1.000,00"', 1))
    with pytest.raises(m.MembershipError, match="received an HTML page"):
        m.parse_ishares_holdings("<!DOCTYPE html><html><title>Access denied</title>")
    with pytest.raises(m.MembershipError, match="line 6: BE already held on line 5"):
        m.parse_ishares_holdings(BANNER + body + "\n" + row("BE", "BLOOM ENERGY"))


# ------------------------------------------------------------------------------------------
# Provider symbols and member instruments
# ------------------------------------------------------------------------------------------
def test_provider_symbols():
    assert m.provider_symbols("BRK.B") == {"yahoo": "BRK-B", "tiingo": "BRK-B", "stooq": "brk-b.us"}
    assert m.provider_symbols("BF.B") == {"yahoo": "BF-B", "tiingo": "BF-B", "stooq": "bf-b.us"}
    assert m.provider_symbols("GOOGL") == {"yahoo": "GOOGL", "tiingo": "GOOGL", "stooq": "googl.us"}
    assert m.provider_symbols("GOOG") == {"yahoo": "GOOG", "tiingo": "GOOG", "stooq": "goog.us"}
    assert m.provider_symbols("MSFT") == {"yahoo": "MSFT", "tiingo": "MSFT", "stooq": "msft.us"}
    assert m.provider_symbols("brk/b") == m.provider_symbols("BRK.B")
    with pytest.raises(m.MembershipError, match="not a ticker"):
        m.provider_symbols("^GSPC")


def test_provider_symbols_agree_with_the_universe_seed():
    checked = 0
    for instrument in load_instruments():
        if set(instrument.provider_symbols) == {"yahoo", "tiingo", "stooq"}:
            assert m.provider_symbols(instrument.symbol) == instrument.provider_symbols
            checked += 1
    assert checked > 30


def test_member_instruments(membership: pd.DataFrame, holdings: pd.DataFrame):
    members = m.member_instruments(membership, holdings, (date(2026, 1, 1), date(2026, 8, 8)))
    assert all(isinstance(i, Instrument) for i in members)
    by_symbol = {i.symbol: i for i in members}
    # The 503 open S&P 500 spells (no closed one reaches 2026) and the 14 IWM rows; no symbol
    # is in both.
    assert len(members) == 517 == 503 + 14
    brk = by_symbol["BRK.B"]
    assert brk.provider_symbols == {"yahoo": "BRK-B", "tiingo": "BRK-B", "stooq": "brk-b.us"}
    assert (brk.asset_class, brk.role, brk.calendar) == ("equity", "index_member", "XNYS")
    assert brk.provider_order == ("yahoo", "tiingo", "stooq")
    assert (brk.sector, brk.name, brk.listed_on) == (
        "Financials",
        "Berkshire Hathaway",
        date(2010, 2, 16),
    )
    assert by_symbol["Q"].listed_on == date(2025, 11, 3)  # not Qwest's 2000
    assert by_symbol["BE"].listed_on == date(2026, 5, 5)
    assert by_symbol["BE"].sector == "Industrials"
    assert "K" not in by_symbol  # ended 2025-11-12, before the range
    # A range in 2025 includes members removed since and excludes later additions.
    august_2025 = (date(2025, 8, 1), date(2025, 8, 31))
    earlier = {i.symbol for i in m.member_instruments(membership, None, august_2025)}
    assert {"WBA", "PARA", "PSKY", "K"} <= earlier
    assert "ARES" not in earlier and "TFX" not in earlier
    assert len(earlier) == 505


# ------------------------------------------------------------------------------------------
# Fetching through the real client
# ------------------------------------------------------------------------------------------
def client(tmp_path) -> HttpClient:
    return HttpClient(
        user_agent="rotation-warehouse-tests",
        archive=LandingArchive(tmp_path / "landing"),
        rate_limits_enabled=False,
        sleep=lambda _s: None,
    )


@responses.activate
def test_fetch_helpers_archive_and_parse(tmp_path, fixtures_dir: Path):
    for url, name in [
        (m.DEFAULT_CONSTITUENTS_URL, CONSTITUENTS),
        (m.DEFAULT_SPELLS_URL, SPELLS),
        (m.DEFAULT_CHANGES_URL, CHANGES),
    ]:
        body = (fixtures_dir / "universe" / name).read_bytes()
        responses.get(url, body=body, content_type="text/plain; charset=utf-8")
    iwm = "\ufeff".encode() + (fixtures_dir / "universe" / IWM).read_bytes()
    responses.get(m.DEFAULT_IWM_HOLDINGS_URL, body=iwm, content_type="text/csv")
    http = client(tmp_path)
    constituents = m.fetch_constituents(http)
    history = m.fetch_sp500_history(http)
    assert len(constituents.frame) == 503
    assert constituents.payload_ref.startswith("membership/")
    assert set(history.payload_refs) == {"spells", "changes"}
    frame = m.build_sp500_membership(
        constituents.frame,
        history.spells,
        history.changes,
        as_of=AS_OF,
        payload_refs={"constituents": constituents.payload_ref, **history.payload_refs},
    )
    assert count_on(frame, "2026-08-08") == 503
    holdings = m.fetch_ishares_holdings(http, min_members=10)
    assert len(holdings.frame) == 14
    assert set(holdings.frame["payload_ref"]) == {holdings.payload_ref}
    with pytest.raises(m.ImplausibleRefreshError, match="14 equity rows, at least 1500 expected"):
        m.fetch_ishares_holdings(http)
