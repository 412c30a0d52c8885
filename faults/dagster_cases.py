"""Whole Dagster runs of the real prices asset on an on-disk instance (a temporary
DAGSTER_HOME): the canary keys must not reach the event log, the run storage or the compute
logs, whether the run succeeds or fails."""

from __future__ import annotations

from dataclasses import replace

import dagster as dg

from faults import harness
from faults.cases import Case
from faults.harness import CANARIES, FAST, CaseContext, RunFailed
from faults.server import Fault
from orchestration.defs.prices import raw_prices
from orchestration.defs.resources import SOURCE_POLICIES, MarketDataResource
from orchestration.http import HttpClient, LandingArchive, Redactor
from orchestration.warehouse import WarehouseResource

PARTITION = "2024-06-03"


class LoopbackMarketData(MarketDataResource):
    """The live resource with the matrix's short timeouts (the fault server is local)."""

    def http_client(self) -> HttpClient:
        client = HttpClient(
            user_agent=self.http_user_agent,
            archive=LandingArchive(self.landing_dir),
            redactor=Redactor([self.tiingo_api_key, self.stooq_api_key, self.fred_api_key]),
            rate_limits_enabled=False,
            sleep=lambda _seconds: None,
        )
        for policy in SOURCE_POLICIES:
            client.register(replace(policy, **FAST))
        return client


def _materialize(context: CaseContext) -> None:
    home = context.root / "dagster_home"
    home.mkdir(exist_ok=True)
    base = context.market_data()
    market_data = LoopbackMarketData(**base.model_dump())
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        result = dg.materialize(
            [raw_prices],
            resources={
                "warehouse": WarehouseResource(path=str(context.warehouse_path)),
                "market_data": market_data,
            },
            partition_key=PARTITION,
            instance=instance,
            raise_on_error=False,
        )
    context.extra_secrets = harness.secrets_in_files(home)
    if not result.success:
        failures = [
            event.event_specific_data.error.message
            for event in result.all_events
            if event.event_type_value == "STEP_FAILURE"
        ]
        message = failures[0] if failures else "run failed"
        error = "Failure" if "instrument(s) on every provider failed" in message else "RunFailed"
        raise RunFailed(error, message)
    context.publish()


def _instance_was_searched(context: CaseContext) -> None:
    home = context.root / "dagster_home"
    stored = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in stored), "no run storage was written to search"


def dagster_cases() -> list[Case]:
    key_page = b"<html><head><title>apikey %s is not valid</title></head></html>" % (
        CANARIES["stooq"].encode()
    )
    not_found = b'{"detail":"Error: ticker not found for token %s"}' % CANARIES["tiingo"].encode()
    everywhere_404 = tuple(
        Fault("status", path, times=None, status=404, body=not_found)
        for path in ("/v8/finance/chart/XLK", "/tiingo/daily/xlk/prices", "s=xlk.us")
    )
    s = "security"
    return [
        Case(
            "dagster",
            "nightly partition, key echoed by a provider (fallback)",
            s,
            "succeeded",
            _materialize,
            "empty",
            (Fault("status", "s=spy.us", times=None, body=key_page, content_type="text/html"),),
            check=_instance_was_searched,
        ),
        Case(
            "dagster",
            "nightly partition fails on every provider",
            s,
            "failed: Failure",
            _materialize,
            "empty",
            everywhere_404,
            check=_instance_was_searched,
        ),
    ]
