"""The offline sample market: SYNTHETIC prices served in the providers' real wire formats.

``generate_market()`` builds the deterministic market, ``wire`` renders it as Yahoo, Tiingo and
Stooq payloads, and ``SampleTransport`` serves those payloads to a real ``requests.Session`` so
the project's own HTTP client and parsers run unchanged without API keys. None of it is real
market data.
"""

from orchestration.sample.market import SampleMarket, generate_market
from orchestration.sample.transport import SampleTransport

__all__ = ["SampleMarket", "SampleTransport", "generate_market"]
