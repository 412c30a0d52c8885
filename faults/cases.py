"""The case registry: every fault, where it is injected, the outcome it must have, and what
else it must leave true (beyond the invariants every case asserts: no rows lost, no duplicate
keys, the published file unchanged unless the run succeeded, no canary key anywhere).

Outcomes: ``succeeded``; ``retried and succeeded`` (the client or the warehouse waited and
tried again); ``failed: <error class>`` (nothing of the run loaded, the published file kept);
``rejected: <check or error>`` (refused by a blocking expectation suite or by input
validation, before anything was published); ``quarantined`` (a vendor file moved aside with its
report); ``symbol skipped: <error class>`` (one symbol's bad payload logged, the run went on).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from faults import harness
from faults.harness import CANARIES, CaseContext, instrument
from faults.server import Fault

RETRIED = "retried and succeeded"
SUCCEEDED = "succeeded"


@dataclass(frozen=True)
class Case:
    source: str
    name: str
    group: str  # transport | payload | semantics | schema | storage | security
    expected: str
    run: Callable[[CaseContext], None]
    baseline: str  # which clean warehouse the case starts from
    faults: tuple[Fault, ...] = ()
    refused: bool = False  # point the source at a closed port instead of the server
    check: Callable[[CaseContext], None] | None = None  # extra assertions on the outcome
    setup: Callable[[CaseContext], None] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    run_checks: bool = True  # the blocking expectations after the load

    @property
    def case_id(self) -> str:
        return f"{self.source}/{self.name}"


# ----------------------------------------------------------------------------------------------
# Payload rewrites, one per wire format
# ----------------------------------------------------------------------------------------------
def _json(transform: Callable[[object], object]) -> Callable[[bytes], bytes]:
    def rewrite(body: bytes) -> bytes:
        document = json.loads(body)
        result = transform(document)
        return json.dumps(document if result is None else result).encode()

    return rewrite


def _csv_lines(transform: Callable[[list[str]], list[str]]) -> Callable[[bytes], bytes]:
    def rewrite(body: bytes) -> bytes:
        text = body.decode()
        newline = "\r\n" if "\r\n" in text else "\n"
        lines = text.rstrip("\r\n").split(newline)
        return (newline.join(transform(lines)) + newline).encode()

    return rewrite


def cut_last_line(body: bytes) -> bytes:
    """The download stops in the middle of the last line (no line ending)."""
    text = body.decode().rstrip("\r\n")
    head, _, last = text.rpartition("\n")
    return (head + "\n" + last[: max(1, len(last) // 3)]).encode()


def cut_json(body: bytes) -> bytes:
    return body[: int(len(body) * 0.6)]


def _stooq_row(day: str, change: Callable[[list[str]], list[str]]):
    def transform(lines: list[str]) -> list[str]:
        return [
            ",".join(change(line.split(","))) if line.startswith(day) else line for line in lines
        ]

    return _csv_lines(transform)


def _stooq_set(day: str, column: int, value: str):
    def change(cells: list[str]) -> list[str]:
        cells[column] = value
        return cells

    return _stooq_row(day, change)


def _yahoo_quote(transform: Callable[[dict, dict], None]):
    def apply(document: dict) -> None:
        result = document["chart"]["result"][0]
        transform(result, result["indicators"]["quote"][0])

    return _json(apply)


def _yahoo_event(kind: str, day: str, item: dict):
    def apply(result: dict, _quote: dict) -> None:
        stamps = result["timestamp"]
        dates = [datetime.fromtimestamp(t, UTC).date().isoformat() for t in stamps]
        stamp = stamps[dates.index(day)]
        result.setdefault("events", {}).setdefault(kind, {})[str(stamp)] = {"date": stamp, **item}

    return _yahoo_quote(apply)


def _tiingo_rows(transform: Callable[[list[dict]], object]):
    return _json(transform)


def _tiingo_day(day: str, **values):
    def apply(rows: list[dict]) -> None:
        for row in rows:
            if row["date"].startswith(day):
                row.update(values)

    return _json(apply)


def _fred_observations(transform: Callable[[dict], object]):
    return _json(transform)


def _last_current(document: dict) -> dict:
    current = [o for o in document["observations"] if o["realtime_end"] == "9999-12-31"]
    return max(current, key=lambda o: o["date"])


def _fred_dot(document: dict) -> None:
    _last_current(document)["value"] = "."


def _fred_revision(document: dict) -> None:
    last = _last_current(document)
    revised_from = date.fromisoformat(last["realtime_start"]) + timedelta(days=20)
    last["realtime_end"] = (revised_from - timedelta(days=1)).isoformat()
    revised = {**last, "realtime_start": revised_from.isoformat(), "realtime_end": "9999-12-31"}
    revised["value"] = f"{float(last['value']) + 0.1:.1f}"
    document["observations"].append(revised)
    document["count"] = len(document["observations"])


CAPEX = "PaymentsToAcquirePropertyPlantAndEquipment"


def _sec_capex(transform: Callable[[list[dict], dict], None]):
    def apply(document: dict) -> None:
        gaap = document["facts"]["us-gaap"]
        transform(gaap[CAPEX]["units"]["USD"], gaap)

    return _json(apply)


def _sec_refiled(facts: list[dict], _gaap: dict) -> None:
    fact = facts[-1]
    facts.append({**fact, "accn": "0000789019-25-990001", "filed": "2025-01-10", "frame": None})


def _sec_restated(facts: list[dict], _gaap: dict) -> None:
    fact = facts[-1]
    facts.append(
        {**fact, "accn": "0000789019-25-990002", "filed": "2025-01-10", "val": fact["val"] + 1e8}
    )


def _sec_tag_switch(facts: list[dict], gaap: dict) -> None:
    """The company reports its next quarter under a new tag; the old tag keeps its old facts."""
    latest = facts[-1]
    end = date.fromisoformat(latest["end"])
    gaap["PaymentsToAcquireProductiveAssets"] = {
        "label": "Payments to Acquire Productive Assets",
        "units": {
            "USD": [
                {
                    **latest,
                    "end": (end + timedelta(days=91)).isoformat(),
                    "accn": "0000789019-25-990003",
                    "filed": "2025-01-14",
                    "frame": None,
                }
            ]
        },
    }


def _sec_ttm(facts: list[dict], _gaap: dict) -> None:
    quarter = facts[-1]
    end = date.fromisoformat(quarter["end"])
    facts.append(
        {
            **quarter,
            "start": (end.replace(year=end.year - 1) + timedelta(days=1)).isoformat(),
            "val": quarter["val"] * 4,
            "frame": None,
        }
    )


def _sec_same_filing_twice(facts: list[dict], _gaap: dict) -> None:
    facts.append(dict(facts[-1]))


def _quote_trend(transform: Callable[[dict], None]):
    def apply(document: dict) -> None:
        result = document["quoteSummary"]["result"][0]
        transform(result["earningsTrend"]["trend"][2])  # 0y

    return _json(apply)


def _low_above_high(item: dict) -> None:
    block = item["earningsEstimate"]
    block["low"], block["high"] = block["high"], block["low"]
    if isinstance(block["low"], dict):
        block["low"]["raw"] += 1.0


def _number_as_string(item: dict) -> None:
    block = item["earningsEstimate"]
    raw = block["avg"]["raw"] if isinstance(block["avg"], dict) else block["avg"]
    block["avg"] = {"raw": str(raw), "fmt": str(raw)}


def _echo_key_json(name: str):
    """A server that echoes the key back in a field the parser ignores."""

    def apply(document):
        if isinstance(document, list):
            for row in document:
                row["requestedWith"] = f"token {CANARIES[name]}"
        else:
            document["echo"] = f"api_key={CANARIES[name]} {CANARIES[name]}"

    return _json(apply)


# ----------------------------------------------------------------------------------------------
# Assertions shared by cases
# ----------------------------------------------------------------------------------------------
def _query(context: CaseContext, sql: str, parameters=()) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(context.warehouse_path), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def requests_made(count: int, path: str = ""):
    def check(context: CaseContext) -> None:
        made = [r for r in context.server_requests if path in r["path"]]
        assert len(made) == count, f"{len(made)} requests to {path or 'the server'}, not {count}"

    return check


def slept_at_least(seconds: float):
    def check(context: CaseContext) -> None:
        assert context.sleeps.calls and max(context.sleeps.calls) >= seconds, (
            f"waits {context.sleeps.calls} do not honour Retry-After {seconds}"
        )

    return check


def no_requests(context: CaseContext) -> None:
    assert not context.server_requests, f"{len(context.server_requests)} requests were made"


def log_mentions(*words: str):
    def check(context: CaseContext) -> None:
        for word in words:
            assert word in context.log_text, f"no log line mentions {word!r}"

    return check


def all_of(*checks):
    def check(context: CaseContext) -> None:
        for one in checks:
            one(context)

    return check


# ----------------------------------------------------------------------------------------------
# Sources as fault targets
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    source: str
    path: str  # the request path the faults apply to
    expect: str  # json | csv
    run: Callable[[CaseContext], None]
    baseline: str
    error_200: bytes  # the source's own JSON error object, sent with HTTP 200
    error_200_outcome: str
    retries: int  # attempts after the first, from the source's policy
    payload_outcome: Callable[[str], str] = lambda error: f"failed: {error}"


def _prices(symbol: str, provider: str):
    return lambda context: harness.run_prices(context, [instrument(symbol, provider)])


TARGETS = (
    Target(
        "yahoo",
        "/v8/finance/chart/XLK",
        "json",
        _prices("XLK", "yahoo"),
        "prices",
        b'{"chart":{"result":null,"error":{"code":"Too Many Requests","description":"Rate limited"}}}',
        "failed: ApiErrorPayload",
        4,
    ),
    Target(
        "tiingo",
        "/tiingo/daily/xlk/prices",
        "json",
        _prices("XLK", "tiingo"),
        "prices",
        b'{"detail":"Error: You have run over your hourly request allocation."}',
        "failed: ApiErrorPayload",
        4,
    ),
    Target(
        "stooq",
        "/q/d/l/",
        "csv",
        _prices("XLK", "stooq"),
        "prices",
        b'{"error":"Exceeded the daily hits limit"}',
        "failed: PriceParseError",
        4,
    ),
    Target(
        "fred",
        "/fred/series/observations",
        "json",
        harness.run_fred,
        "fred",
        b'{"error_code":429,"error_message":"Too Many Requests.  Exceeded Rate Limit"}',
        "failed: ApiErrorPayload",
        4,
    ),
    Target(
        "fred_graph",
        "/graph/fredgraph.csv",
        "csv",
        lambda context: harness.run_fred(context, keyless=True),
        "fred",
        b'{"error":"Series does not exist."}',
        "failed: FredError",
        4,
    ),
    Target(
        "sec",
        "/api/xbrl/companyfacts/",
        "json",
        harness.run_sec,
        "sec",
        b'{"error":"Your request rate exceeds the fair access limit"}',
        "failed: ApiErrorPayload",
        4,
    ),
    Target(
        "estimates_api",
        "/v10/finance/quoteSummary/",
        "json",
        harness.run_estimates_api,
        "estimates_api",
        b'{"quoteSummary":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}}',
        "symbol skipped: ApiErrorPayload",
        4,
        lambda error: f"symbol skipped: {error}",
    ),
    Target(
        "membership",
        "/constituents.csv",
        "csv",
        harness.run_membership,
        "empty",
        b'{"error":"rate limited"}',
        "failed: MembershipError",
        4,
    ),
)


def _transient_outcome(target: Target) -> str:
    # Every source, the estimates API included: an outage that outlasts the client's retries
    # fails the run as transient (the asset then asks Dagster to retry the step later).
    return "failed: TransientSourceError"


def transport_cases(target: Target) -> list[Case]:
    path, run, base, source = target.path, target.run, target.baseline, target.source
    attempts = target.retries + 1

    def case(name: str, expected: str, *faults: Fault, **extra) -> Case:
        return Case(
            source, name, "transport", expected, run, base, faults, run_checks=False, **extra
        )

    proxy_502 = b"upstream connect error or disconnect/reset before headers. reset reason: overflow"
    return [
        case(
            "429 with Retry-After",
            RETRIED,
            Fault("status", path, times=2, status=429, headers={"Retry-After": "7"}),
            check=slept_at_least(7),
        ),
        case(
            "429 without Retry-After",
            RETRIED,
            Fault("status", path, times=2, status=429, body=b"Too Many Requests"),
            check=requests_made(3, path),
        ),
        case("500 twice", RETRIED, Fault("status", path, times=2, status=500, body=b"boom")),
        case("502 twice", RETRIED, Fault("status", path, times=2, status=502, body=b"bad gw")),
        case("503 twice", RETRIED, Fault("status", path, times=2, status=503, body=b"busy")),
        case(
            "503 until retries run out",
            _transient_outcome(target),
            Fault("status", path, times=None, status=503, body=b"busy"),
            check=requests_made(attempts, path),
        ),
        case("connection refused", _transient_outcome(target), refused=True),
        case("connection reset mid-body", RETRIED, Fault("reset", path)),
        case("read timeout", RETRIED, Fault("delay", path, delay=0.8)),
        case("slow drip", RETRIED, Fault("drip", path, chunk=4, delay=0.1)),
        case(
            "redirect loop",
            target.payload_outcome("RedirectLoopError"),
            Fault("redirect_loop", path, times=None),
        ),
        case(
            "plain-text 502 from a proxy",
            RETRIED,
            Fault("status", path, status=502, body=proxy_502, content_type="text/plain"),
        ),
        case("non-HTTP reply on the socket", RETRIED, Fault("garbage", path)),
    ]


def payload_cases(target: Target) -> list[Case]:
    path, run, base, source = target.path, target.run, target.baseline, target.source
    outcome = target.payload_outcome

    def case(name: str, expected: str, *faults: Fault, **extra) -> Case:
        return Case(source, name, "payload", expected, run, base, faults, run_checks=False, **extra)

    html = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>log in</body></html>"
    cases = [
        case(
            "HTML page with HTTP 200",
            outcome("UnexpectedHtmlError"),
            Fault("status", path, body=html, content_type="text/html; charset=utf-8"),
        ),
        case("empty body", outcome("EmptyBodyError"), Fault("status", path, body=b"")),
        case(
            "JSON error object with HTTP 200",
            target.error_200_outcome,
            Fault("status", path, body=target.error_200, content_type="application/json"),
        ),
        case(
            "wrong content type (text/plain)",
            SUCCEEDED,
            Fault("rewrite", path, content_type="text/plain"),
        ),
        case(
            "HTML content type on a data body",
            outcome("UnexpectedHtmlError"),
            Fault("rewrite", path, content_type="text/html"),
        ),
        case("corrupt gzip body", outcome("CorruptBodyError"), Fault("gzip_corrupt", path)),
    ]
    if target.expect == "json":
        cases.append(
            case(
                "truncated JSON",
                outcome("TruncatedBodyError"),
                Fault("rewrite", path, transform=cut_json),
            )
        )
    else:
        cases.append(
            case(
                "truncated CSV (last line cut)",
                outcome("TruncatedBodyError"),
                Fault("rewrite", path, transform=cut_last_line),
            )
        )
    return cases


# ----------------------------------------------------------------------------------------------
# Semantics and schema drift
# ----------------------------------------------------------------------------------------------
def _bars(context: CaseContext, provider: str, symbol: str = "XLK") -> dict[str, tuple]:
    rows = _query(
        context,
        "select strftime(date, '%Y-%m-%d'), open, high, low, close from raw.prices_daily "
        "where symbol = ? and provider = ?",
        [symbol, provider],
    )
    return {row[0]: row[1:] for row in rows}


def _action(provider: str, kind: str, day: str):
    def check(context: CaseContext) -> None:
        found = _query(
            context,
            "select count(*) from raw.corporate_actions where symbol = 'XLK' and provider = ? "
            "and action_type = ? and ex_date = ?",
            [provider, kind, day],
        )[0][0]
        assert found == 1, f"no {kind} of XLK on {day} from {provider}"

    return check


def _bar_count(provider: str, symbol: str, expected: int, missing: str | None = None):
    def check(context: CaseContext) -> None:
        bars = _bars(context, provider, symbol)
        assert len(bars) == expected, f"{len(bars)} {symbol} bars from {provider}, not {expected}"
        if missing:
            assert missing not in bars, f"a bar on {missing}"

    return check


def _close_on(provider: str, day: str, seen: str):
    def check(context: CaseContext) -> None:
        value, close = _bars(context, provider)[day][3], SEEN_ON_THE_WIRE[seen]
        assert abs(value - close) < 1e-9, f"close on {day} is {value}, not {close}"

    return check


def _yahoo_closes_as_strings(result: dict, quote: dict) -> None:
    quote["close"] = [None if v is None else str(v) for v in quote["close"]]


# Values a rewrite saw on the wire, for the case's check to compare with what was loaded.
SEEN_ON_THE_WIRE: dict[str, float] = {}


def _tiingo_close_as_string(rows: list[dict]) -> None:
    for row in rows:
        if row["date"].startswith("2024-06-06"):
            SEEN_ON_THE_WIRE["tiingo close 2024-06-06"] = float(row["close"])
            row["close"] = str(row["close"])


def _tiingo_rename(rows: list[dict]) -> None:
    for row in rows:
        row["closePrice"] = row.pop("close")


def _tiingo_drop(rows: list[dict]) -> None:
    for row in rows:
        row.pop("adjClose")


def _tiingo_new_column(rows: list[dict]) -> None:
    for row in rows:
        row["exchange"] = "NYSE ARCA"


def _tiingo_swap_high_low(rows: list[dict]) -> None:
    rows[3]["adjHigh"], rows[3]["adjLow"] = rows[3]["adjLow"], rows[3]["adjHigh"]
    rows[3]["high"], rows[3]["low"] = rows[3]["low"], rows[3]["high"]


def _stooq_header(change: Callable[[list[str]], list[str]]):
    def transform(lines: list[str]) -> list[str]:
        return [",".join(change(lines[0].split(","))), *lines[1:]]

    return _csv_lines(transform)


def _stooq_add_column(lines: list[str]) -> list[str]:
    return [lines[0] + ",Exchange", *(line + ",NYSE" for line in lines[1:])]


def _stooq_drop_close(lines: list[str]) -> list[str]:
    return [",".join(c for i, c in enumerate(line.split(",")) if i != 4) for line in lines]


def _stooq_duplicate(day: str, *, conflicting: bool):
    def transform(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            out.append(line)
            if line.startswith(day):
                cells = line.split(",")
                if conflicting:
                    cells[4] = f"{float(cells[4]) + 1:.3f}"
                out.append(",".join(cells))
        return out

    return _csv_lines(transform)


def _stooq_drop_day(day: str):
    return _csv_lines(lambda lines: [line for line in lines if not line.startswith(day)])


def _fred_value_check(context: CaseContext, *, raw: str) -> None:
    rows = _query(
        context,
        "select value, raw_value from raw.fred_observations where series_id = 'UNRATE' "
        "and realtime_end = date '9999-12-31' order by date desc limit 1",
    )
    assert rows[0][1] == raw, f"latest raw_value is {rows[0][1]!r}"
    if raw == ".":
        assert rows[0][0] is None, "a '.' must load as NULL, never 0"


def _fred_two_vintages(context: CaseContext) -> None:
    rows = _query(
        context,
        "select count(*) from raw.fred_observations where series_id = 'UNRATE' and date = "
        "(select max(date) from raw.fred_observations where series_id = 'UNRATE')",
    )
    assert rows[0][0] == 2, f"{rows[0][0]} vintages of the revised observation, not 2"


def _sec_rows(condition: str, expected: int):
    def check(context: CaseContext) -> None:
        found = _query(context, f"select count(*) from raw.sec_facts where {condition}")[0][0]
        assert found == expected, f"{found} facts where {condition}, not {expected}"

    return check


def semantics_cases() -> list[Case]:
    chart, daily, stooq = "/v8/finance/chart/XLK", "/tiingo/daily/xlk/prices", "/q/d/l/"
    obs = "/fred/series/observations"
    facts, quote = "/api/xbrl/companyfacts/", "/v10/finance/quoteSummary/"
    yahoo, tiingo, stq = _prices("XLK", "yahoo"), _prices("XLK", "tiingo"), _prices("XLK", "stooq")
    check_failed = "rejected: prices_daily_expectations"
    holiday = (date(2024, 6, 17), date(2024, 6, 21))
    weekend = (date(2024, 6, 7), date(2024, 6, 10))

    def holiday_run(context: CaseContext) -> None:
        harness.run_prices(context, [instrument("XLK", "stooq")], *holiday)

    def crypto_run(provider: str):
        return lambda context: harness.run_prices(
            context, [instrument("BTC-USD", provider)], *weekend
        )

    def rewrite(path: str, transform) -> Fault:
        return Fault("rewrite", path, transform=transform)

    s = "semantics"
    return [
        Case(
            "yahoo",
            "split in events",
            s,
            SUCCEEDED,
            yahoo,
            "prices",
            (
                rewrite(
                    chart,
                    _yahoo_event(
                        "splits",
                        "2024-06-10",
                        {"numerator": 2, "denominator": 1, "splitRatio": "2:1"},
                    ),
                ),
            ),
            check=_action("yahoo", "split", "2024-06-10"),
        ),
        Case(
            "yahoo",
            "dividend in events",
            s,
            SUCCEEDED,
            yahoo,
            "prices",
            (rewrite(chart, _yahoo_event("dividends", "2024-06-07", {"amount": 0.41})),),
            check=_action("yahoo", "dividend", "2024-06-07"),
        ),
        Case(
            "tiingo",
            "split factor",
            s,
            SUCCEEDED,
            tiingo,
            "prices",
            (rewrite(daily, _tiingo_day("2024-06-10", splitFactor=2.0)),),
            check=_action("tiingo", "split", "2024-06-10"),
        ),
        Case(
            "tiingo",
            "dividend cash",
            s,
            SUCCEEDED,
            tiingo,
            "prices",
            (rewrite(daily, _tiingo_day("2024-06-07", divCash=0.41)),),
            check=_action("tiingo", "dividend", "2024-06-07"),
        ),
        Case(
            "stooq",
            "holiday in the range (Juneteenth)",
            s,
            SUCCEEDED,
            holiday_run,
            "prices",
            check=_bar_count("stooq", "XLK", 14, missing="2024-06-19"),
        ),
        Case(
            "stooq",
            "missing session",
            s,
            "failed: PriceParseError",
            stq,
            "prices",
            (rewrite(stooq, _stooq_drop_day("2024-06-12")),),
        ),
        Case(
            "tiingo",
            "missing session",
            s,
            "failed: PriceParseError",
            tiingo,
            "prices",
            (rewrite(daily, _json(lambda rows: [r for r in rows if "06-12" not in r["date"]])),),
        ),
        Case(
            "stooq",
            "duplicated row",
            s,
            SUCCEEDED,
            stq,
            "prices",
            (rewrite(stooq, _stooq_duplicate("2024-06-05", conflicting=False)),),
            check=_bar_count("stooq", "XLK", 14),
        ),
        Case(
            "tiingo",
            "duplicated row",
            s,
            SUCCEEDED,
            tiingo,
            "prices",
            (rewrite(daily, _json(lambda rows: [*rows, rows[2]])),),
            check=_bar_count("tiingo", "XLK", 10),
        ),
        Case(
            "stooq",
            "conflicting duplicate row",
            s,
            "failed: PriceParseError",
            stq,
            "prices",
            (rewrite(stooq, _stooq_duplicate("2024-06-05", conflicting=True)),),
        ),
        Case(
            "stooq",
            "negative price",
            s,
            check_failed,
            stq,
            "prices",
            (rewrite(stooq, _stooq_set("2024-06-06", 4, "-5.0")),),
        ),
        Case(
            "stooq",
            "zero price",
            s,
            check_failed,
            stq,
            "prices",
            (rewrite(stooq, _stooq_set("2024-06-06", 1, "0")),),
        ),
        Case(
            "tiingo",
            "high below low",
            s,
            check_failed,
            tiingo,
            "prices",
            (rewrite(daily, _json(_tiingo_swap_high_low)),),
        ),
        Case(
            "yahoo",
            "delisted symbol (404)",
            s,
            "failed: HttpStatusError",
            yahoo,
            "prices",
            (
                Fault(
                    "status",
                    chart,
                    status=404,
                    content_type="application/json",
                    body=b'{"chart":{"result":null,"error":{"code":"Not Found","description":'
                    b'"No data found, symbol may be delisted"}}}',
                ),
            ),
        ),
        Case(
            "tiingo",
            "crypto weekend",
            s,
            SUCCEEDED,
            crypto_run("tiingo"),
            "prices",
            check=_bar_count("tiingo", "BTC-USD", 4),
        ),
        Case(
            "yahoo",
            "crypto weekend",
            s,
            SUCCEEDED,
            crypto_run("yahoo"),
            "prices",
            check=_bar_count("yahoo", "BTC-USD", 4),
        ),
        Case(
            "fred",
            "'.' value",
            s,
            SUCCEEDED,
            harness.run_fred,
            "fred",
            (rewrite(obs, _fred_observations(_fred_dot)),),
            check=lambda c: _fred_value_check(c, raw="."),
        ),
        Case(
            "fred",
            "revised vintage",
            s,
            SUCCEEDED,
            harness.run_fred,
            "fred",
            (rewrite(obs, _fred_observations(_fred_revision)),),
            check=_fred_two_vintages,
        ),
        Case(
            "sec",
            "duplicate fact across filings",
            s,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, _sec_capex(_sec_refiled)),),
            check=_sec_rows("accn = '0000789019-25-990001'", 1),
        ),
        Case(
            "sec",
            "restatement",
            s,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, _sec_capex(_sec_restated)),),
            check=_sec_rows("accn = '0000789019-25-990002'", 1),
        ),
        Case(
            "sec",
            "tag switch",
            s,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, _sec_capex(_sec_tag_switch)),),
            check=_sec_rows("tag = 'PaymentsToAcquireProductiveAssets'", 1),
        ),
        Case(
            "sec",
            "trailing-twelve-month column",
            s,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, _sec_capex(_sec_ttm)),),
            check=_sec_rows(
                f"tag = '{CAPEX}' and datediff('day', period_start, period_end) "
                "between 360 and 370 and form = '10-Q'",
                1,
            ),
        ),
        Case(
            "sec",
            "same fact twice in one filing",
            s,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, _sec_capex(_sec_same_filing_twice)),),
        ),
        Case(
            "estimates_api",
            "low above high",
            s,
            "rejected: earnings_estimates_expectations",
            harness.run_estimates_api,
            "estimates_api",
            (rewrite(quote, _quote_trend(_low_above_high)),),
        ),
    ]


def schema_cases() -> list[Case]:
    chart, daily, stooq = "/v8/finance/chart/XLK", "/tiingo/daily/xlk/prices", "/q/d/l/"
    obs, graph = "/fred/series/observations", "/graph/fredgraph.csv"
    facts, quote = "/api/xbrl/companyfacts/", "/v10/finance/quoteSummary/"
    yahoo, tiingo, stq = _prices("XLK", "yahoo"), _prices("XLK", "tiingo"), _prices("XLK", "stooq")

    def rewrite(path: str, transform) -> Fault:
        return Fault("rewrite", path, transform=transform)

    def obs_items(change):
        def apply(document: dict) -> None:
            for item in document["observations"]:
                change(item)

        return _json(apply)

    def facts_items(change):
        def apply(facts_list: list[dict], _gaap: dict) -> None:
            for item in facts_list:
                change(item)

        return _sec_capex(apply)

    def rename_key(old: str, new: str):
        def change(item: dict) -> None:
            item[new] = item.pop(old)

        return change

    graph_run = lambda context: harness.run_fred(context, keyless=True)  # noqa: E731
    g = "schema"
    return [
        Case(
            "yahoo",
            "new field (ignored)",
            g,
            SUCCEEDED,
            yahoo,
            "prices",
            (rewrite(chart, _yahoo_quote(lambda r, q: q.update(vwap=q["close"]))),),
        ),
        Case(
            "yahoo",
            "missing field (close)",
            g,
            "failed: PriceParseError",
            yahoo,
            "prices",
            (rewrite(chart, _yahoo_quote(lambda r, q: q.pop("close"))),),
        ),
        Case(
            "yahoo",
            "renamed field (timestamp)",
            g,
            "failed: PriceParseError",
            yahoo,
            "prices",
            (rewrite(chart, _yahoo_quote(lambda r, q: r.update(timestamps=r.pop("timestamp")))),),
        ),
        Case(
            "yahoo",
            "number as string",
            g,
            SUCCEEDED,
            yahoo,
            "prices",
            (rewrite(chart, _yahoo_quote(_yahoo_closes_as_strings)),),
        ),
        Case(
            "tiingo",
            "new column (ignored, logged)",
            g,
            SUCCEEDED,
            tiingo,
            "prices",
            (rewrite(daily, _json(_tiingo_new_column)),),
            check=log_mentions("ignoring unknown column(s) ['exchange']"),
        ),
        Case(
            "tiingo",
            "missing column",
            g,
            "failed: PriceParseError",
            tiingo,
            "prices",
            (rewrite(daily, _json(_tiingo_drop)),),
        ),
        Case(
            "tiingo",
            "renamed field",
            g,
            "failed: PriceParseError",
            tiingo,
            "prices",
            (rewrite(daily, _json(_tiingo_rename)),),
        ),
        Case(
            "tiingo",
            "number as string",
            g,
            SUCCEEDED,
            tiingo,
            "prices",
            (rewrite(daily, _json(_tiingo_close_as_string)),),
            check=_close_on("tiingo", "2024-06-06", "tiingo close 2024-06-06"),
        ),
        Case(
            "stooq",
            "new column (ignored, logged)",
            g,
            SUCCEEDED,
            stq,
            "prices",
            (rewrite(stooq, _csv_lines(_stooq_add_column)),),
            check=log_mentions("ignoring unknown column(s) ['Exchange']"),
        ),
        Case(
            "stooq",
            "missing column",
            g,
            "failed: PriceParseError",
            stq,
            "prices",
            (rewrite(stooq, _csv_lines(_stooq_drop_close)),),
        ),
        Case(
            "stooq",
            "renamed column",
            g,
            "failed: PriceParseError",
            stq,
            "prices",
            (rewrite(stooq, _stooq_header(lambda h: [c.replace("Close", "Last") for c in h])),),
        ),
        Case(
            "stooq",
            "number with a thousands separator",
            g,
            "failed: PriceParseError",
            stq,
            "prices",
            (rewrite(stooq, _stooq_set("2024-06-06", 5, '"10,432,307"')),),
        ),
        Case(
            "fred",
            "new field (ignored)",
            g,
            SUCCEEDED,
            harness.run_fred,
            "fred",
            (rewrite(obs, obs_items(lambda o: o.update(footnote="r"))),),
        ),
        Case(
            "fred",
            "missing field (value)",
            g,
            "failed: FredError",
            harness.run_fred,
            "fred",
            (rewrite(obs, obs_items(lambda o: o.pop("value"))),),
        ),
        Case(
            "fred",
            "renamed list",
            g,
            "failed: FredError",
            harness.run_fred,
            "fred",
            (rewrite(obs, _json(lambda d: d.update(data=d.pop("observations")))),),
        ),
        Case(
            "fred",
            "number instead of string",
            g,
            SUCCEEDED,
            harness.run_fred,
            "fred",
            (rewrite(obs, obs_items(lambda o: o.update(value=float(o["value"])))),),
        ),
        Case(
            "fred_graph",
            "renamed column",
            g,
            "failed: FredError",
            graph_run,
            "fred",
            (rewrite(graph, _stooq_header(lambda h: ["DATE", "unrate"])),),
        ),
        Case(
            "sec",
            "new field (ignored)",
            g,
            SUCCEEDED,
            harness.run_sec,
            "sec",
            (rewrite(facts, facts_items(lambda f: f.update(segment="none"))),),
        ),
        Case(
            "sec",
            "missing field (val)",
            g,
            "failed: SecParseError",
            harness.run_sec,
            "sec",
            (rewrite(facts, facts_items(lambda f: f.pop("val"))),),
        ),
        Case(
            "sec",
            "renamed field (end)",
            g,
            "failed: SecParseError",
            harness.run_sec,
            "sec",
            (rewrite(facts, facts_items(rename_key("end", "endDate"))),),
        ),
        Case(
            "sec",
            "number as string",
            g,
            "failed: SecParseError",
            harness.run_sec,
            "sec",
            (rewrite(facts, facts_items(lambda f: f.update(val=str(f["val"])))),),
        ),
        Case(
            "estimates_api",
            "number as string",
            g,
            "symbol skipped: EstimatesParseError",
            harness.run_estimates_api,
            "estimates_api",
            (rewrite(quote, _quote_trend(_number_as_string)),),
        ),
    ]
