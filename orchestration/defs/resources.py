"""Resources: everything configurable, built from environment variables in definitions.py."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import dagster as dg
from pydantic import Field

from orchestration.http import HttpClient, LandingArchive, Redactor, SourcePolicy
from orchestration.sources import estimates, fred, membership, sec
from orchestration.sources.prices import stooq, tiingo, yahoo
from orchestration.sources.prices.fetch import PriceProviderSettings

SOURCE_MODES = ("sample", "live")
# In sample mode the sample transport accepts any key; this one stands in when none is set so
# that keyed providers (and their parsers) run in the demo exactly as they would live.
SAMPLE_PLACEHOLDER_KEY = "sample-placeholder-key"

PRICE_POLICIES = (
    SourcePolicy(name="prices_yahoo", requests_per_second=2.0, burst=4),
    SourcePolicy(name="prices_tiingo", requests_per_second=4.0, burst=8),
    SourcePolicy(name="prices_stooq", requests_per_second=1.0, burst=2),
)
SOURCE_POLICIES = (
    *PRICE_POLICIES,
    fred.FRED_POLICY,
    sec.SEC_POLICY,
    estimates.YAHOO_ESTIMATES_POLICY,
    membership.MEMBERSHIP_POLICY,
)


class MarketDataResource(dg.ConfigurableResource):
    """How to reach the market-data sources: mode, base URLs, keys and the landing archive."""

    source_mode: str = Field(description="'sample' (offline synthetic market) or 'live'.")
    landing_dir: str = Field(description="Root folder of the landing archive of raw payloads.")
    http_user_agent: str = "rotation-warehouse/0.1"
    yahoo_base_url: str = yahoo.DEFAULT_BASE_URL
    tiingo_base_url: str = tiingo.DEFAULT_BASE_URL
    stooq_base_url: str = stooq.DEFAULT_BASE_URL
    fred_base_url: str = fred.DEFAULT_BASE_URL
    fred_graph_base_url: str = fred.DEFAULT_GRAPH_BASE_URL
    sec_base_url: str = sec.DEFAULT_BASE_URL
    yahoo_cookie_url: str = estimates.COOKIE_URL
    sp500_constituents_url: str = membership.DEFAULT_CONSTITUENTS_URL
    sp500_spells_url: str = membership.DEFAULT_SPELLS_URL
    sp500_changes_url: str = membership.DEFAULT_CHANGES_URL
    iwm_holdings_url: str = membership.DEFAULT_IWM_HOLDINGS_URL
    ivv_holdings_url: str = membership.DEFAULT_IVV_HOLDINGS_URL
    estimates_drop_dir: str = Field(
        default=str(estimates.DEFAULT_DROP_DIR),
        description="Folder the estimates vendor drops CSV files into (quarantine/ inside).",
    )
    sec_user_agent: str | None = Field(
        default=None,
        description="SEC requires a User-Agent naming the app and a contact email (live mode).",
    )
    tiingo_api_key: str | None = None
    stooq_api_key: str | None = None
    fred_api_key: str | None = Field(
        default=None, description="FRED key; without one only latest values (no vintages)."
    )

    sample_as_of: str | None = Field(
        default=None,
        description="Sample mode only: pin the sample market's clock to this ISO date or "
        "datetime (reproducible runs); default is the real clock.",
    )

    def mode(self) -> str:
        mode = self.source_mode.strip().lower()
        if mode not in SOURCE_MODES:
            raise ValueError(f"SOURCE_MODE must be one of {SOURCE_MODES}, got {self.source_mode!r}")
        return mode

    def _key(self, value: str | None) -> str | None:
        if value:
            return value
        return SAMPLE_PLACEHOLDER_KEY if self.mode() == "sample" else None

    def price_settings(self) -> PriceProviderSettings:
        return PriceProviderSettings(
            yahoo_base_url=self.yahoo_base_url,
            tiingo_base_url=self.tiingo_base_url,
            stooq_base_url=self.stooq_base_url,
            tiingo_api_key=self._key(self.tiingo_api_key),
            stooq_api_key=self._key(self.stooq_api_key),
        )

    def fred_key(self) -> str | None:
        return self._key(self.fred_api_key)

    def _sample_clock(self) -> date | datetime | None:
        if not self.sample_as_of:
            return None
        value = self.sample_as_of.strip()
        if len(value) == 10:
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError(f"sample_as_of {value!r} needs a UTC offset")
        return instant

    def today(self) -> date:
        """Today in New York: the sample's pinned clock when set, else the real one."""
        from orchestration.calendar import NEW_YORK

        clock = self._sample_clock() if self.mode() == "sample" else None
        if isinstance(clock, datetime):
            return clock.astimezone(NEW_YORK).date()
        if isinstance(clock, date):
            return clock
        return datetime.now(NEW_YORK).date()

    def sec_agent(self) -> str:
        """The User-Agent for SEC requests; a clear error in live mode without a contact."""
        return sec.sec_user_agent(self.sec_user_agent, live=self.mode() == "live")

    def http_client(self) -> HttpClient:
        sample = self.mode() == "sample"
        client = HttpClient(
            user_agent=self.http_user_agent,
            archive=LandingArchive(self.landing_dir),
            redactor=Redactor([self.tiingo_api_key, self.stooq_api_key, self.fred_api_key]),
            # Rate limits protect remote hosts; the sample market is served in process.
            rate_limits_enabled=not sample,
        )
        for policy in SOURCE_POLICIES:
            client.register(policy)
        if sample:
            from orchestration.sample.transport import SampleTransport

            transport = SampleTransport(self._sample_clock())
            for base_url in (
                self.yahoo_base_url,
                self.tiingo_base_url,
                self.stooq_base_url,
                self.fred_base_url,
                self.fred_graph_base_url,
                self.sec_base_url,
                self.yahoo_cookie_url,
                *(
                    _origin(url)
                    for url in (
                        self.sp500_constituents_url,
                        self.sp500_spells_url,
                        self.sp500_changes_url,
                        self.iwm_holdings_url,
                        self.ivv_holdings_url,
                    )
                ),
            ):
                client.session.mount(base_url.rstrip("/") + "/", transport)
        return client


def _origin(url: str) -> str:
    """scheme://host of a URL: where a transport adapter is mounted."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
