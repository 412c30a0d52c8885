"""The instrument universe seed (dbt_project/seeds/instruments.csv) and its loader's checks."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from orchestration.sources.universe import (
    CALENDARS,
    INSTRUMENTS_CSV,
    PROVIDERS,
    ROLES,
    Instrument,
    UniverseError,
    default_instruments,
    load_instruments,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
SP500_CONSTITUENTS = FIXTURES / "universe" / "sp500_constituents_datasets_2026-08-08.csv"

SECTOR_ETFS = {
    "XLK": "Information Technology",
    "XLF": "Financials",
    "XLI": "Industrials",
    "XLV": "Health Care",
    "XLY": "Consumer Discretionary",
    "XLP": "Consumer Staples",
    "XLE": "Energy",
    "XLU": "Utilities",
    "XLB": "Materials",
    "XLRE": "Real Estate",
    "XLC": "Communication Services",
}


@pytest.fixture(scope="module")
def instruments() -> list[Instrument]:
    return load_instruments()


@pytest.fixture(scope="module")
def by_symbol(instruments) -> dict[str, Instrument]:
    return {instrument.symbol: instrument for instrument in instruments}


def gics_sectors_by_symbol() -> dict[str, str]:
    with SP500_CONSTITUENTS.open(newline="", encoding="utf-8") as handle:
        return {row["Symbol"]: row["GICS Sector"] for row in csv.DictReader(handle)}


# ------------------------------------------------------------------------------------------
# The real seed
# ------------------------------------------------------------------------------------------
def test_seed_loads_43_unique_instruments(instruments) -> None:
    assert len(instruments) == 43
    assert len({i.symbol for i in instruments}) == 43
    assert tuple(instruments) == default_instruments()


def test_seed_roles_and_calendars_are_known(instruments) -> None:
    assert {i.role for i in instruments} <= ROLES
    assert {i.calendar for i in instruments} <= CALENDARS
    counts = {role: sum(i.role == role for i in instruments) for role in sorted(ROLES)}
    assert counts == {
        "benchmark": 5,
        "commodity": 1,
        "crypto": 2,
        "index": 4,
        "sector": 11,
        "style": 2,
        "theme": 18,
    }


def test_seed_has_the_11_sector_etfs_with_distinct_gics_sectors(instruments) -> None:
    sectors = {i.symbol: i.sector for i in instruments if i.role == "sector"}

    assert sectors == SECTOR_ETFS
    assert len(set(sectors.values())) == 11


def test_sector_etfs_cover_exactly_the_gics_sectors_of_the_sp500() -> None:
    # The recorded S&P 500 constituents list carries the official GICS sector names.
    assert set(SECTOR_ETFS.values()) == set(gics_sectors_by_symbol().values())


def test_theme_equities_carry_their_sp500_gics_sector(instruments) -> None:
    # GIVEN the GICS sector of every S&P 500 member, as recorded
    gics = gics_sectors_by_symbol()
    equities = [i for i in instruments if i.asset_class == "equity"]
    members = [i for i in equities if i.symbol in gics]
    # (TSM is an ADR, CRWV and ZS are not S&P 500 members)
    assert {i.symbol for i in equities} - {i.symbol for i in members} == {"TSM", "CRWV", "ZS"}

    # THEN the seed agrees with it, and every equity has a sector drawn from GICS
    assert {i.symbol: i.sector for i in members} == {i.symbol: gics[i.symbol] for i in members}
    assert {i.sector for i in equities} <= set(SECTOR_ETFS.values())


def test_every_provider_order_entry_has_a_symbol(instruments) -> None:
    for instrument in instruments:
        assert instrument.provider_order, instrument.symbol
        assert set(instrument.provider_order) <= set(PROVIDERS), instrument.symbol
        assert len(set(instrument.provider_order)) == len(instrument.provider_order), (
            instrument.symbol
        )
        for provider in instrument.provider_order:
            assert instrument.provider_symbols.get(provider), (instrument.symbol, provider)
        # no blank symbols are kept for providers the instrument does not use either
        assert all(instrument.provider_symbols.values()), instrument.symbol


def test_crypto_trades_24x7_and_nothing_else_does(instruments) -> None:
    crypto = {i.symbol for i in instruments if i.asset_class == "crypto"}
    round_the_clock = {i.symbol for i in instruments if i.calendar == "24x7"}

    assert crypto == round_the_clock == {"BTC-USD", "ETH-USD"}
    assert all(i.is_crypto for i in instruments if i.symbol in crypto)
    assert not any(i.is_crypto for i in instruments if i.symbol not in crypto)


def test_seed_rows_parse_into_typed_instruments(by_symbol) -> None:
    spy = by_symbol["SPY"]
    assert spy.listed_on == date(1993, 1, 29)
    assert spy.provider_order == ("stooq", "tiingo", "yahoo")
    assert spy.provider_symbols == {"yahoo": "SPY", "tiingo": "SPY", "stooq": "spy.us"}
    assert spy.sector is None and spy.theme is None

    btc = by_symbol["BTC-USD"]
    assert btc.provider_symbols == {"yahoo": "BTC-USD", "tiingo": "btcusd"}
    assert btc.provider_order == ("tiingo", "yahoo")

    gspc = by_symbol["^GSPC"]
    assert gspc.provider_symbols == {"yahoo": "^GSPC"}
    assert gspc.provider_order == ("yahoo",)

    nvda = by_symbol["NVDA"]
    assert (nvda.role, nvda.sector, nvda.theme) == (
        "theme",
        "Information Technology",
        "semiconductors",
    )


def test_every_instrument_can_fall_back_to_keyless_yahoo(instruments) -> None:
    # Stooq and Tiingo need keys; Yahoo needs none, so it must be on every route.
    for instrument in instruments:
        assert "yahoo" in instrument.provider_order, instrument.symbol


# ------------------------------------------------------------------------------------------
# Broken seeds
# ------------------------------------------------------------------------------------------
SEED_LINES = INSTRUMENTS_CSV.read_text(encoding="utf-8").splitlines()
HEADER = SEED_LINES[0]


def seed_row(symbol: str) -> str:
    (line,) = [line for line in SEED_LINES[1:] if line.split(",", 1)[0] == symbol]
    return line


def write_seed(tmp_path: Path, *rows: str, name: str = "instruments.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_valid_excerpt_loads(tmp_path) -> None:
    path = write_seed(tmp_path, seed_row("SPY"), seed_row("BTC-USD"))
    assert [i.symbol for i in load_instruments(path)] == ["SPY", "BTC-USD"]


@pytest.mark.parametrize(
    ("symbol", "old", "new", "message"),
    [
        ("XLK", ",sector,", ",sectr,", "unknown role 'sectr'"),
        ("XLK", ",XNYS,", ",NYSE,", "unknown calendar 'NYSE'"),
        (
            "^GSPC",
            ",,,yahoo,",
            ",,,stooq|yahoo,",
            "provider_order lists ['stooq'] but no symbol is given",
        ),
        ("XLK", ",xlk.us,", ",,", "provider_order lists ['stooq'] but no symbol is given"),
        (
            "XLK",
            "stooq|tiingo|yahoo",
            "stooq|bloomberg",
            "provider_order 'stooq|bloomberg' is empty or names ['bloomberg']",
        ),
        ("XLK", "stooq|tiingo|yahoo", "", "provider_order '' is empty"),
        ("XLK", ",1998-12-22,", ",1998-22-12,", "listed_on '1998-22-12' is not an ISO date"),
        ("XLK", ",1998-12-22,", ",12/22/1998,", "listed_on '12/22/1998' is not an ISO date"),
    ],
)
def test_a_broken_row_raises_naming_file_line_and_symbol(
    tmp_path, symbol, old, new, message
) -> None:
    # GIVEN a seed whose third data row (file line 4) is broken
    broken = seed_row(symbol).replace(old, new, 1)
    assert broken != seed_row(symbol)
    path = write_seed(tmp_path, seed_row("SPY"), seed_row("QQQ"), broken, seed_row("GLD"))

    # WHEN / THEN loading it names the file, the line, the symbol and the problem
    with pytest.raises(UniverseError) as raised:
        load_instruments(path)
    text = str(raised.value)
    assert text.startswith(f"instruments.csv line 4 ({symbol}): ")
    assert message in text


def test_a_duplicate_symbol_raises_naming_the_symbol(tmp_path) -> None:
    path = write_seed(tmp_path, seed_row("SPY"), seed_row("QQQ"), seed_row("SPY"))

    with pytest.raises(
        UniverseError, match=r"instruments.csv line \d+: symbol 'SPY' already defined on line \d+"
    ):
        load_instruments(path)


def test_a_duplicate_symbol_raises_naming_the_line(tmp_path) -> None:
    path = write_seed(tmp_path, seed_row("SPY"), seed_row("QQQ"), seed_row("SPY"))

    with pytest.raises(UniverseError, match=r"line 4"):
        load_instruments(path)


def test_the_named_line_is_the_physical_line_after_a_blank_line(tmp_path) -> None:
    broken = seed_row("XLK").replace(",sector,", ",sectr,", 1)
    path = write_seed(tmp_path, seed_row("SPY"), "", broken)

    with pytest.raises(UniverseError, match=r"instruments.csv line 4 \(XLK\)"):
        load_instruments(path)


def test_a_short_row_raises_universe_error(tmp_path) -> None:
    short = ",".join(seed_row("XLK").split(",")[:10])  # stops after listed_on
    path = write_seed(tmp_path, seed_row("SPY"), short)

    with pytest.raises(UniverseError, match=r"line 3"):
        load_instruments(path)
