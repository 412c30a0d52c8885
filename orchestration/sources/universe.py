"""The instrument universe, read from the dbt seed that is its single source of truth."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from orchestration.sources.identifiers import valid_ticker

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
INSTRUMENTS_CSV = SEEDS_DIR / "instruments.csv"

ROLES = {"benchmark", "sector", "style", "theme", "index", "crypto", "commodity"}
CALENDARS = {"XNYS", "24x7"}
PROVIDERS = ("yahoo", "tiingo", "stooq")


class UniverseError(ValueError):
    """The universe seed breaks its own contract."""


@dataclass(frozen=True)
class Instrument:
    symbol: str
    name: str
    asset_class: str
    role: str
    sector: str | None
    theme: str | None
    calendar: str
    listed_on: date
    provider_symbols: dict[str, str]
    provider_order: tuple[str, ...]

    @property
    def is_crypto(self) -> bool:
        return self.calendar == "24x7"


def _row_to_instrument(row: dict[str, str], line: int, path: Path) -> Instrument:
    where = f"{path.name} line {line} ({row.get('symbol') or '?'})"
    valid_ticker(row["symbol"], f"{path.name} line {line}, column symbol")
    if row["role"] not in ROLES:
        raise UniverseError(
            f"{where}: unknown role {row['role']!r}; expected one of {sorted(ROLES)}"
        )
    if row["calendar"] not in CALENDARS:
        raise UniverseError(f"{where}: unknown calendar {row['calendar']!r}")
    order = tuple(p for p in row["provider_order"].split("|") if p)
    unknown = [p for p in order if p not in PROVIDERS]
    if not order or unknown:
        raise UniverseError(
            f"{where}: provider_order {row['provider_order']!r} is empty or names {unknown}"
        )
    symbols = {p: row.get(f"{p}_symbol", "").strip() for p in PROVIDERS}
    for provider, provider_symbol in symbols.items():
        if provider_symbol:
            valid_ticker(provider_symbol, f"{path.name} line {line}, column {provider}_symbol")
    without_symbol = [p for p in order if not symbols[p]]
    if without_symbol:
        raise UniverseError(
            f"{where}: provider_order lists {without_symbol} but no symbol is given for them"
        )
    try:
        listed_on = date.fromisoformat(row["listed_on"])
    except ValueError:
        raise UniverseError(f"{where}: listed_on {row['listed_on']!r} is not an ISO date") from None
    return Instrument(
        symbol=row["symbol"],
        name=row["name"],
        asset_class=row["asset_class"],
        role=row["role"],
        sector=row["sector"] or None,
        theme=row["theme"] or None,
        calendar=row["calendar"],
        listed_on=listed_on,
        provider_symbols={p: s for p, s in symbols.items() if s},
        provider_order=order,
    )


def load_instruments(path: Path = INSTRUMENTS_CSV) -> list[Instrument]:
    instruments: list[Instrument] = []
    first_seen: dict[str, int] = {}
    # utf-8-sig: spreadsheet tools save CSVs with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():
                raise UniverseError(
                    f"{path.name} line {line}: expected {len(reader.fieldnames or [])} fields"
                )
            instrument = _row_to_instrument(row, line, path)
            if instrument.symbol in first_seen:
                raise UniverseError(
                    f"{path.name} line {line}: symbol {instrument.symbol!r} already defined "
                    f"on line {first_seen[instrument.symbol]}"
                )
            first_seen[instrument.symbol] = line
            instruments.append(instrument)
    return instruments


@cache
def default_instruments() -> tuple[Instrument, ...]:
    return tuple(load_instruments())
