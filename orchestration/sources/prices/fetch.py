"""Fetch daily prices for a set of instruments over a date range, provider by provider.

Each instrument names its providers in order of preference; a provider is skipped when its key
is missing and abandoned for the next one when it fails. One request per instrument covers the
whole range, so a backfill of twenty years costs the same number of requests as one night.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.calendar import sessions_between
from orchestration.http import HttpClient, SourceError, TransientSourceError
from orchestration.sources.identifiers import valid_ticker
from orchestration.sources.membership import MEMBER_ROLE
from orchestration.sources.prices import (
    ACTION_COLUMNS,
    PriceBatch,
    PriceParseError,
    PriceRequest,
    frame_of_table,
    stooq,
    tiingo,
    yahoo,
)
from orchestration.sources.universe import Instrument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceProviderSettings:
    yahoo_base_url: str = yahoo.DEFAULT_BASE_URL
    tiingo_base_url: str = tiingo.DEFAULT_BASE_URL
    stooq_base_url: str = stooq.DEFAULT_BASE_URL
    tiingo_api_key: str | None = None
    stooq_api_key: str | None = None


@dataclass
class SymbolOutcome:
    symbol: str
    provider: str | None = None
    rows: int = 0
    payload_ref: str | None = None
    errors: list[str] = field(default_factory=list)
    # The class of each provider's error, in the order of ``errors`` (skips excluded).
    error_types: list[str] = field(default_factory=list)
    # True when some provider failed only for reasons that may pass (429, 5xx, timeouts).
    transient: bool = False

    @property
    def failed(self) -> bool:
        return self.provider is None


@dataclass
class PriceFetchResult:
    bars_table: pa.Table  # PRICE_COLUMNS + payload_ref, as loaded
    actions: pd.DataFrame  # ACTION_COLUMNS + payload_ref
    outcomes: list[SymbolOutcome]

    @cached_property
    def bars(self) -> pd.DataFrame:
        return frame_of_table(self.bars_table)

    @property
    def failures(self) -> list[SymbolOutcome]:
        return [o for o in self.outcomes if o.failed]


def build_request(
    provider: str, instrument: Instrument, start: date, end: date, settings: PriceProviderSettings
) -> PriceRequest | None:
    """The request for one provider, or None when that provider cannot be asked (no key)."""
    provider_symbol = instrument.provider_symbols.get(provider)
    if not provider_symbol:
        return None
    valid_ticker(instrument.symbol, "instrument symbol")
    valid_ticker(provider_symbol, f"{provider} symbol of {instrument.symbol!r}")
    if provider == "yahoo":
        return yahoo.build_chart_request(settings.yahoo_base_url, provider_symbol, start, end)
    if provider == "tiingo":
        if not settings.tiingo_api_key:
            return None
        build = tiingo.build_crypto_request if instrument.is_crypto else tiingo.build_daily_request
        return build(settings.tiingo_base_url, provider_symbol, start, end, settings.tiingo_api_key)
    if provider == "stooq":
        if not settings.stooq_api_key:
            return None
        return stooq.build_daily_request(
            settings.stooq_base_url, provider_symbol, start, end, settings.stooq_api_key
        )
    raise ValueError(f"unknown price provider {provider!r}")


def parse_payload(provider: str, instrument: Instrument, body: bytes) -> PriceBatch:
    if provider == "yahoo":
        return yahoo.parse_chart(body, instrument.symbol)
    if provider == "tiingo":
        if instrument.is_crypto:
            return tiingo.parse_crypto_json(
                body, instrument.symbol, instrument.provider_symbols["tiingo"]
            )
        return tiingo.parse_daily_json(body, instrument.symbol)
    if provider == "stooq":
        return stooq.parse_daily_csv(body, instrument.symbol)
    raise ValueError(f"unknown price provider {provider!r}")


def check_sessions_present(
    instrument: Instrument, provider: str, bars: pa.Table, start: date, end: date
) -> None:
    """A universe instrument's payload must hold every NYSE session of the range it was listed
    in: a provider that skips one is incomplete, and loading it would replace the stored range
    without that day. (Index members are exempt: halts and delistings leave real gaps.)"""
    if instrument.is_crypto or instrument.role == MEMBER_ROLE:
        return
    expected = sessions_between(max(start, instrument.listed_on), end)
    present = set(pc.cast(bars.column("date"), pa.date32(), safe=False).to_pylist())
    missing = [day for day in expected if day not in present]
    if missing:
        shown = ", ".join(day.isoformat() for day in missing[:5])
        raise PriceParseError(
            f"{provider} {instrument.symbol}: the payload lacks {len(missing)} NYSE session(s) "
            f"of {start}..{end} ({shown}); not loading an incomplete range"
        )


def dated_within(bars: pa.Table, start: date, end: date) -> pa.Table:
    """The bars dated in [start, end] (all of them, uncopied, when none falls outside)."""
    dates = bars.column("date")
    first, last = (
        pa.scalar(datetime.combine(day, time()), pa.timestamp("s")) for day in (start, end)
    )
    inside = pc.and_(pc.greater_equal(dates, first), pc.less_equal(dates, last))
    if inside.null_count == 0 and pc.all(inside).as_py():
        return bars
    return bars.filter(inside)


def with_payload_ref(bars: pa.Table, payload_ref: str) -> pa.Table:
    """``bars`` with the landing-archive file they were parsed from."""
    return bars.append_column(
        pa.field("payload_ref", pa.string()),
        pa.repeat(pa.scalar(payload_ref, pa.string()), bars.num_rows),
    )


def concat_bars(tables: list[pa.Table]) -> pa.Table:
    """The bars of many payloads (each from :func:`with_payload_ref`) as one table, without
    copying them."""
    empty = with_payload_ref(PriceBatch.empty().bars_table, "")
    return pa.concat_tables([empty, *tables])


def fetch_prices(
    client: HttpClient,
    instruments: Iterable[Instrument],
    start: date,
    end: date,
    settings: PriceProviderSettings,
) -> PriceFetchResult:
    """Bars and corporate actions dated within [start, end] for every instrument that trades then."""
    has_nyse_session = bool(sessions_between(start, end))
    bar_tables: list[pa.Table] = []
    action_frames: list[pd.DataFrame] = []
    outcomes: list[SymbolOutcome] = []
    for instrument in instruments:
        if instrument.listed_on > end or (not instrument.is_crypto and not has_nyse_session):
            continue
        outcome = SymbolOutcome(symbol=instrument.symbol)
        outcomes.append(outcome)
        for provider in instrument.provider_order:
            request = build_request(provider, instrument, start, end, settings)
            if request is None:
                outcome.errors.append(f"{provider}: skipped (no key or no symbol)")
                continue
            try:
                payload = client.get(
                    f"prices_{provider}",
                    request.url,
                    params=request.params,
                    headers=request.headers,
                    expect=request.expect,
                    archive_name=request.archive_name,
                )
                batch = parse_payload(provider, instrument, payload.body)
                bars = dated_within(batch.bars_table, start, end)
                check_sessions_present(instrument, provider, bars, start, end)
            except (SourceError, PriceParseError) as exc:
                outcome.errors.append(f"{provider}: {exc}")
                outcome.error_types.append(type(exc).__name__)
                outcome.transient = outcome.transient or isinstance(exc, TransientSourceError)
                log.warning(
                    "%s: %s failed, trying the next provider: %s", instrument.symbol, provider, exc
                )
                continue
            actions = batch.actions[
                batch.actions["ex_date"].between(pd.Timestamp(start), pd.Timestamp(end))
            ].assign(payload_ref=payload.payload_ref)
            bar_tables.append(with_payload_ref(bars, payload.payload_ref))
            action_frames.append(actions)
            outcome.provider = provider
            outcome.rows = bars.num_rows
            outcome.payload_ref = payload.payload_ref
            break
    empty = PriceBatch.empty()
    actions = pd.concat(
        [empty.actions.assign(payload_ref=pd.Series(dtype="string")), *action_frames],
        ignore_index=True,
    )
    return PriceFetchResult(
        bars_table=concat_bars(bar_tables),
        actions=actions[[*ACTION_COLUMNS, "payload_ref"]],
        outcomes=outcomes,
    )
