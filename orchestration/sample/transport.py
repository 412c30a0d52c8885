"""A requests transport adapter that serves the SYNTHETIC sample market over the real wire formats.

Mount it on each provider's base URL of the project's real ``requests.Session``::

    session.mount("https://query2.finance.yahoo.com/", SampleTransport())
    session.mount("https://api.tiingo.com/", SampleTransport())
    session.mount("https://stooq.com/", SampleTransport())

It also serves the sample's Yahoo estimates (cookie, crumb and quoteSummary,
``orchestration.sample.estimates``), its FRED series (``orchestration.sample.fred``: series metadata,
observations with real-time windows, fredgraph.csv), SEC company facts and submissions
(``orchestration.sample.sec``) and the index membership files
(``orchestration.sample.membership``: S&P 500 constituents, ticker spells and changes on
raw.githubusercontent.com paths, iShares IWM and IVV holdings with ``asOfDate``), each as of the
transport's clock.

Routing uses the URL path only (never the host), so any base URL works. The adapter only
produces bytes: it never retries, validates content or raises for a status; the client's own
handling of status codes, HTML pages and empty bodies runs exactly as in live mode.

Bars are never served beyond the last completed period: an NYSE session counts once 16:00
America/New_York has passed on its day, a crypto day once it has ended in UTC.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from orchestration.sample import estimates as sample_estimates
from orchestration.sample import fred, wire
from orchestration.sample import membership as sample_membership
from orchestration.sample import sec as sample_sec
from orchestration.sample.market import HORIZON_END, SampleMarket, generate_market

NEW_YORK = ZoneInfo("America/New_York")
SESSION_COMPLETE = time(16, 0)

_TIINGO_DAILY = re.compile(r"^/tiingo/daily/(?P<ticker>[^/]+)/prices/?$")
_YAHOO_CHART = re.compile(r"^/v8/finance/chart/(?P<symbol>[^/]+)/?$")


class _BadRequest(ValueError):
    """A query parameter the sample cannot interpret (answered 400, like the real APIs)."""


class SampleTransport(BaseAdapter):
    """Serve the sample market to a ``requests.Session``.

    ``today``: the run date. A plain date means "the clock reads 00:00 on that day", so the
    last bars served are the previous session's and the previous UTC day's; pass an aware
    datetime for a precise instant. ``None`` uses the real clock (``now``, injectable for
    tests, must return an aware datetime). ``market`` defaults to the cached sample market,
    built on the first request rather than when mounting.
    """

    def __init__(
        self,
        today: date | datetime | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        market: SampleMarket | None = None,
    ) -> None:
        super().__init__()
        if isinstance(today, datetime) and today.tzinfo is None:
            raise ValueError("SampleTransport(today=datetime) needs an aware datetime")
        self._today = today
        self._now = now or (lambda: datetime.now(UTC))
        self._market = market

    # requests' adapter interface ----------------------------------------------------------

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout=None,
        verify=True,
        cert=None,
        proxies=None,
    ) -> requests.Response:
        try:
            answer = self._route(request)
        except _BadRequest as exc:
            answer = wire.WireResponse(400, str(exc).encode(), wire.TEXT)
        return self._response(request, answer)

    def close(self) -> None:
        """Nothing to release: no sockets, no pools."""

    # clock --------------------------------------------------------------------------------

    @property
    def market(self) -> SampleMarket:
        if self._market is None:
            self._market = generate_market()
        return self._market

    def cutoffs(self) -> tuple[date, date]:
        """(last completed NYSE session, last completed UTC crypto day) right now.

        Both are clipped to the sample's horizon; either may precede the instrument's history.
        """
        if self._today is not None and not isinstance(self._today, datetime):
            # A bare date: the clock reads 00:00, so nothing of that day has completed yet.
            last_session_day = crypto_day = self._today - timedelta(days=1)
        else:
            instant = self._today if self._today is not None else self._now()
            if instant.tzinfo is None:
                raise ValueError("now() must return an aware datetime")
            local = instant.astimezone(NEW_YORK)
            closed = local.time() >= SESSION_COMPLETE
            last_session_day = local.date() if closed else local.date() - timedelta(days=1)
            crypto_day = instant.astimezone(UTC).date() - timedelta(days=1)
        sessions = self.market.session_dates
        i = int(np.searchsorted(sessions, np.datetime64(last_session_day), side="right"))
        session = sessions[i - 1].item() if i > 0 else date.min
        return min(session, HORIZON_END), min(crypto_day, HORIZON_END)

    def local_today(self) -> date:
        """Today in New York (SEC's day); a bare ``today`` date is taken as is."""
        if self._today is not None and not isinstance(self._today, datetime):
            return self._today
        instant = self._today if self._today is not None else self._now()
        return instant.astimezone(NEW_YORK).date()

    def fred_today(self) -> date:
        """FRED's real-time date now (St. Louis); a bare ``today`` date is taken as is."""
        if self._today is not None and not isinstance(self._today, datetime):
            return self._today
        instant = self._today if self._today is not None else self._now()
        return instant.astimezone(fred.CHICAGO).date()

    def _as_of(self, symbol: str | None) -> date:
        session, crypto_day = self.cutoffs()
        if symbol is not None and self.market.instruments[symbol].is_crypto:
            return crypto_day
        return session

    # routing ------------------------------------------------------------------------------

    def _route(self, request: requests.PreparedRequest) -> wire.WireResponse:
        parts = urlsplit(request.url or "")
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if (request.method or "GET").upper() != "GET":
            return _not_found(path)
        if match := _YAHOO_CHART.match(path):
            return self._yahoo(unquote(match["symbol"]), query)
        if match := _TIINGO_DAILY.match(path):
            return self._tiingo_daily(unquote(match["ticker"]), query, request)
        if path.rstrip("/") == "/tiingo/crypto/prices":
            return self._tiingo_crypto(query, request)
        if path.rstrip("/") == "/q/d/l":
            return self._stooq(query)
        if route := fred.ROUTES.get(path.rstrip("/")):
            return route(query, self.fred_today())
        if (answer := sample_sec.respond(path, self.local_today())) is not None:
            return answer
        if path.rstrip("/") in sample_membership.PATHS:  # (the market is built only for these)
            answer = sample_membership.respond(path, query, self.local_today(), market=self.market)
            return answer or _not_found(path)
        headers = dict(request.headers or {})
        if (
            answer := sample_estimates.respond(path, query, headers, self.local_today())
        ) is not None:
            return answer
        return _not_found(path)

    def _yahoo(self, yahoo_symbol: str, query: dict[str, str]) -> wire.WireResponse:
        interval = query.get("interval", "1d")
        if interval != "1d":
            return wire.yahoo_error(
                400, "Bad Request", f"Invalid input - interval={interval} is not supported"
            )
        try:
            period1 = int(query.get("period1", "0"))
            period2 = int(query.get("period2", str(2**31)))
        except ValueError:
            return wire.yahoo_error(400, "Bad Request", "Invalid input - period1/period2")
        events = tuple(e for e in query.get("events", "").split("|") if e)
        symbol = self.market.symbol_for("yahoo", yahoo_symbol)
        return wire.yahoo_chart_for_period(
            yahoo_symbol, period1, period2, self.market, as_of=self._as_of(symbol), events=events
        )

    def _tiingo_daily(
        self, ticker: str, query: dict[str, str], request: requests.PreparedRequest
    ) -> wire.WireResponse:
        if not _tiingo_token(request, query):
            return wire.tiingo_unauthorized()
        try:
            start, end = _iso_range(query, "startDate", "endDate")
        except _BadRequest as exc:
            return wire.tiingo_error(400, f"Error: {exc}")
        symbol = self.market.symbol_for("tiingo", ticker)
        as_of = self._as_of(symbol)
        return wire.tiingo_daily(ticker, start, end or as_of, self.market, as_of=as_of)

    def _tiingo_crypto(
        self, query: dict[str, str], request: requests.PreparedRequest
    ) -> wire.WireResponse:
        if not _tiingo_token(request, query):
            return wire.tiingo_unauthorized()
        try:
            start, end = _iso_range(query, "startDate", "endDate")
        except _BadRequest as exc:
            return wire.tiingo_error(400, f"Error: {exc}")
        tickers = [t.strip() for t in query.get("tickers", "").split(",") if t.strip()]
        as_of = self.cutoffs()[1]
        return wire.tiingo_crypto(tickers, start, end or as_of, self.market, as_of=as_of)

    def _stooq(self, query: dict[str, str]) -> wire.WireResponse:
        if not query.get("apikey", "").strip():
            return wire.stooq_key_page()
        try:
            start = _compact_date(query.get("d1"))
            end = _compact_date(query.get("d2"))
        except ValueError:
            raise _BadRequest("Stooq: d1/d2 must be YYYYMMDD") from None
        stooq_symbol = query.get("s", "")
        symbol = self.market.symbol_for("stooq", stooq_symbol)
        as_of = self._as_of(symbol)
        return wire.stooq_csv(stooq_symbol, start, end or as_of, self.market, as_of=as_of)

    # response -----------------------------------------------------------------------------

    @staticmethod
    def _response(
        request: requests.PreparedRequest, answer: wire.WireResponse
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = answer.status
        try:
            response.reason = HTTPStatus(answer.status).phrase
        except ValueError:
            response.reason = ""
        response.headers = CaseInsensitiveDict(
            {"Content-Type": answer.content_type, "Content-Length": str(len(answer.body))}
        )
        # Extra headers some answers carry (e.g. the Yahoo cookie endpoint's Set-Cookie).
        for name, value in getattr(answer, "headers", ()):
            response.headers[name] = value
        response._content = answer.body
        response._content_consumed = True
        response.raw = io.BytesIO(answer.body)
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        response.elapsed = timedelta(0)
        return response


def _not_found(path: str) -> wire.WireResponse:
    return wire.WireResponse(404, f"Not Found: {path}\n".encode(), wire.TEXT)


def _tiingo_token(request: requests.PreparedRequest, query: dict[str, str]) -> str:
    """The API key from ``Authorization: Token <key>`` (or Tiingo's ``token=`` parameter)."""
    header = (request.headers or {}).get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() == "token" and key.strip():
        return key.strip()
    return query.get("token", "").strip()


def _iso_range(query: dict[str, str], first: str, last: str) -> tuple[date | None, date | None]:
    try:
        start = date.fromisoformat(query[first]) if query.get(first) else None
        end = date.fromisoformat(query[last]) if query.get(last) else None
    except ValueError:
        raise _BadRequest(f"{first}/{last} must be YYYY-MM-DD") from None
    return start, end


def _compact_date(value: str | None) -> date | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y%m%d").date()
