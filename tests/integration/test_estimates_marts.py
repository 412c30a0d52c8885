"""Earnings-estimate marts on real Yahoo values and hand-built vendor snapshots.

Yahoo's recorded quoteSummary documents of 2025-02-24 (Amazon and Alphabet earningsTrend, the
S&P 500 indexTrend) give the Yahoo rows, taken number for number from the recorded JSON; an
earlier Yahoo snapshot of Amazon (2025-01-27) carries the epsTrend 30-days-ago values as its
means. A vendor ("acme") sends five weekly-ish snapshots with S&P 500 and Russell 2000
companies, a sector, Russell 2000 index figures and one S&P 500 index figure. The snapshot
dates are chosen for the revision rules: 2025-01-31 has no snapshot 28-35 days earlier,
2025-01-24 finds one exactly 35 days earlier. Some bases are hand-built traps (GE Vernova,
Coeur Mining and CoreWeave with a loss as base). SEC share counts (cover page and balance
sheet) come with filing dates, one filed after a snapshot it must not inform.

Every value asserted is computed here from the input rows, independently of the SQL.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from statistics import median

import pandas as pd
import pytest

from orchestration.warehouse import EARNINGS_ESTIMATES, SEC_FACTS, Warehouse
from tests.integration.dbt_runner import DBT_PROJECT_DIR, run_dbt

# The three marts and everything they read. Tests are taken only when all their parents are
# built (a seed test that also reads an unselected seed stays out).
DBT_SELECTION = (
    "+fct_earnings_growth_expectations +fct_earnings_growth_bottom_up +fct_small_vs_large_earnings"
)
YAHOO_DAY = date(2025, 2, 24)  # the recording date of the quoteSummary fixtures
YAHOO_EARLIER_DAY = date(2025, 1, 27)  # exactly 4 weeks earlier
VENDOR = "acme"
VENDOR_DAYS = [date(2024, 11, 29), date(2024, 12, 20), date(2025, 1, 24), date(2025, 1, 31), date(2025, 2, 21)]  # fmt: skip
TOLERANCE_DAYS = 7
YAHOO_FIXTURES = {"AMZN": "AMZN", "GOOGL": "GOOG"}  # entity_id -> recorded symbol (Alphabet)
YAHOO_LABELS = {"0q": "2025Q1", "+1q": "2025Q2", "0y": "FY2025", "+1y": "FY2026"}

AMZN, GOOGL, MSFT, GEV = 1018724, 1652044, 789019, 1996810

# Vendor company snapshots: fiscal 2025 EPS mean per VENDOR_DAYS, base, fiscal year end.
VENDOR_COMPANIES = {
    "AMZN": ([5.95, 6.02, 6.10, 6.12, 6.30], 5.53, date(2025, 12, 31)),
    "GOOGL": ([8.60, 8.70, 8.85, 8.90, 9.00], 8.04, date(2025, 12, 31)),
    "MSFT": ([13.00, 13.05, 13.10, 13.12, 13.20], 11.80, date(2025, 6, 30)),
    "NVDA": ([2.85, 2.90, 2.93, 2.94, 2.95], 1.19, date(2025, 1, 26)),  # no SEC shares
    "GEV": ([6.00, 6.10, 6.30, 6.40, 6.50], -1.65, date(2025, 12, 31)),  # trap: loss base
    "BE": ([0.40, 0.42, 0.45, 0.46, 0.50], 0.25, date(2025, 12, 31)),
    "STRL": ([5.60, 5.65, 5.70, 5.80, 5.90], 5.00, date(2025, 12, 31)),
    "CDE": ([0.30, 0.32, 0.35, 0.36, 0.38], -0.10, date(2025, 12, 31)),  # trap: loss base
    "CRWV": ([-0.50, -0.45, -0.40, -0.38, -0.35], -1.50, date(2025, 12, 31)),  # no index
}
# Fiscal 2026 from the vendor's last snapshot only: (mean, base).
VENDOR_COMPANIES_2026 = {"AMZN": (7.40, 6.30), "GOOGL": (10.10, 9.00)}
# Index and sector figures: (entity_type, entity_id, fiscal_period, means per day, base).
VENDOR_AGGREGATES = [
    ("index", "R2000", "CY2025", [80.0, 79.0, 78.0, 77.5, 76.0], 60.0),
    ("index", "R2000", "CY2026", [100.0, 99.5, 99.0, 98.5, 98.0], 78.0),
    ("sector", "Information Technology", "CY2025", [240.0, 242.0, 244.0, 246.0, 248.0], 210.0),
]
SP500_VENDOR_2026 = (302.0, 268.0)  # S&P 500 CY2026 from the last vendor snapshot only

# SEC shares outstanding: (cik, taxonomy, tag, instant, shares, filed, accn).
SHARE_FACTS = [
    (AMZN, "dei", "EntityCommonStockSharesOutstanding", "2024-10-18", 10_520_000_000, "2024-11-01", "A-24-Q3"),
    (AMZN, "dei", "EntityCommonStockSharesOutstanding", "2025-01-24", 10_600_000_000, "2025-02-07", "A-24-K"),
    (GOOGL, "us-gaap", "CommonStockSharesOutstanding", "2024-09-30", 12_280_000_000, "2024-10-30", "G-24-Q3"),
    (GOOGL, "us-gaap", "CommonStockSharesOutstanding", "2024-12-31", 12_211_000_000, "2025-02-05", "G-24-K"),
    (MSFT, "dei", "EntityCommonStockSharesOutstanding", "2024-10-17", 7_433_000_000, "2024-10-30", "M-25-Q1"),
    (MSFT, "dei", "EntityCommonStockSharesOutstanding", "2025-01-24", 7_434_000_000, "2025-01-29", "M-25-Q2"),
    (GEV, "dei", "EntityCommonStockSharesOutstanding", "2024-10-16", 276_000_000, "2024-10-23", "V-24-Q3"),
    (GEV, "dei", "EntityCommonStockSharesOutstanding", "2025-01-31", 275_000_000, "2025-02-12", "V-24-K"),
    # a later instant, filed after every snapshot: never used
    (AMZN, "dei", "EntityCommonStockSharesOutstanding", "2025-04-18", 10_650_000_000, "2025-05-02", "A-25-Q1"),
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Input rows
# --------------------------------------------------------------------------------------------
def raw(value):
    """A Yahoo number: {raw, fmt}-wrapped or absent."""
    return value.get("raw") if isinstance(value, dict) else value


def estimate_row(**values) -> dict:
    row = {name: None for name in EARNINGS_ESTIMATES.columns}
    row.update(values)
    return row


def yahoo_rows(fixtures_dir) -> list[dict]:
    """The recorded earningsTrend and indexTrend values as raw.earnings_estimates rows."""
    rows = []
    folder = fixtures_dir / "estimates"
    for entity_id, symbol in YAHOO_FIXTURES.items():
        document = json.loads((folder / f"quoteSummary-earningsTrend-{symbol}.json").read_text())
        trend = document["response"]["bodyJson"]["quoteSummary"]["result"][0]["earningsTrend"]
        for item in trend["trend"]:
            common = dict(
                as_of_date=YAHOO_DAY,
                entity_type="company",
                entity_id=entity_id,
                fiscal_period=YAHOO_LABELS[item["period"]],
                period_end=date.fromisoformat(item["endDate"]),
                aggregation="consensus",
                currency="USD",
                source="yahoo",
                period_code=item["period"],
            )
            earnings, revenue = item["earningsEstimate"], item["revenueEstimate"]
            eps_trend, revisions = item["epsTrend"], item["epsRevisions"]
            rows.append(
                estimate_row(
                    **common,
                    metric="eps",
                    estimate_mean=raw(earnings["avg"]),
                    estimate_high=raw(earnings["high"]),
                    estimate_low=raw(earnings["low"]),
                    n_estimates=raw(earnings["numberOfAnalysts"]),
                    actual_prior_period=raw(earnings["yearAgoEps"]),
                    growth_yoy=raw(earnings["growth"]),
                    estimate_7d_ago=raw(eps_trend["7daysAgo"]),
                    estimate_30d_ago=raw(eps_trend["30daysAgo"]),
                    estimate_60d_ago=raw(eps_trend["60daysAgo"]),
                    estimate_90d_ago=raw(eps_trend["90daysAgo"]),
                    revisions_up_7d=raw(revisions["upLast7days"]),
                    revisions_up_30d=raw(revisions["upLast30days"]),
                    revisions_down_7d=raw(revisions["downLast7Days"]),
                    revisions_down_30d=raw(revisions["downLast30days"]),
                )
            )
            rows.append(
                estimate_row(
                    **common,
                    metric="revenue",
                    estimate_mean=raw(revenue["avg"]),
                    estimate_high=raw(revenue["high"]),
                    estimate_low=raw(revenue["low"]),
                    n_estimates=raw(revenue["numberOfAnalysts"]),
                    actual_prior_period=raw(revenue["yearAgoRevenue"]),
                    growth_yoy=raw(revenue["growth"]),
                )
            )
            if entity_id == "AMZN" and item["period"] in ("0y", "+1y"):
                # Amazon four weeks earlier: the mean Yahoo's epsTrend gives for 30 days ago
                base = raw(earnings["yearAgoEps"])
                if item["period"] == "+1y":
                    base = raw(trend["trend"][2]["epsTrend"]["30daysAgo"])  # 0y then
                rows.append(
                    estimate_row(
                        **{**common, "as_of_date": YAHOO_EARLIER_DAY},
                        metric="eps",
                        estimate_mean=raw(eps_trend["30daysAgo"]),
                        actual_prior_period=base,
                    )
                )
    document = json.loads((folder / "quoteSummary-indexTrend-AAPL.json").read_text())
    index_trend = document["response"]["bodyJson"]["quoteSummary"]["result"][0]["indexTrend"]
    labels = {"0q": ("2025Q1", date(2025, 3, 31)), "+1q": ("2025Q2", date(2025, 6, 30)),
              "0y": ("CY2025", date(2025, 12, 31)), "+1y": ("CY2026", date(2026, 12, 31))}  # fmt: skip
    for item in index_trend["estimates"]:
        if item["period"] not in labels:
            continue  # LTG: long-term growth is not a period estimate
        label, end = labels[item["period"]]
        rows.append(
            estimate_row(
                as_of_date=YAHOO_DAY,
                entity_type="index",
                entity_id="SP500",
                fiscal_period=label,
                period_end=end,
                metric="eps",
                growth_yoy=item["growth"],
                aggregation="vendor",
                source="yahoo",
                period_code=item["period"],
            )
        )
    return rows


def vendor_rows() -> list[dict]:
    rows = []
    common = dict(metric="eps", currency="USD", source=VENDOR, n_estimates=20)
    for position, day in enumerate(VENDOR_DAYS):
        file = dict(file_name=f"acme_{day:%Y%m%d}.csv", file_sha256=f"{position:064d}")
        for ticker, (means, base, end) in VENDOR_COMPANIES.items():
            rows.append(
                estimate_row(
                    **common, **file, as_of_date=day, entity_type="company", entity_id=ticker,
                    fiscal_period="FY2025", period_end=end, estimate_mean=means[position],
                    actual_prior_period=base,
                    growth_yoy=None if base <= 0 else means[position] / base - 1,
                )
            )  # fmt: skip
        for entity_type, entity_id, label, means, base in VENDOR_AGGREGATES:
            rows.append(
                estimate_row(
                    **common, **file, as_of_date=day, entity_type=entity_type,
                    entity_id=entity_id, fiscal_period=label,
                    period_end=date(int(label[2:]), 12, 31), estimate_mean=means[position],
                    actual_prior_period=base, aggregation="bottom_up_sum",
                )
            )  # fmt: skip
    last = VENDOR_DAYS[-1]
    for ticker, (mean, base) in VENDOR_COMPANIES_2026.items():
        rows.append(
            estimate_row(
                **common, as_of_date=last, entity_type="company", entity_id=ticker,
                fiscal_period="FY2026", period_end=date(2026, 12, 31), estimate_mean=mean,
                actual_prior_period=base,
            )
        )  # fmt: skip
    rows.append(
        estimate_row(
            **common, as_of_date=last, entity_type="index", entity_id="SP500",
            fiscal_period="CY2026", period_end=date(2026, 12, 31),
            estimate_mean=SP500_VENDOR_2026[0], actual_prior_period=SP500_VENDOR_2026[1],
            aggregation="vendor",
        )
    )  # fmt: skip
    return rows


def share_fact_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cik": cik, "entity_name": None, "taxonomy": taxonomy, "tag": tag,
                "unit": "shares", "period_start": None,
                "period_end": date.fromisoformat(instant), "val": float(shares), "accn": accn,
                "fy": None, "fp": None, "form": "10-Q", "filed": date.fromisoformat(filed),
                "frame": None, "payload_ref": "hand-built",
            }
            for cik, taxonomy, tag, instant, shares, filed, accn in SHARE_FACTS
        ]
    )  # fmt: skip


def insert(warehouse: Warehouse, table, frame: pd.DataFrame, source: str) -> None:
    select_list = ", ".join(
        f"cast(incoming.{name} as {kind.replace(' NOT NULL', '')})"
        for name, kind in table.columns.items()
    )
    with warehouse.connect() as connection:
        warehouse.ensure_raw_tables(connection)
        connection.register("incoming", frame)
        connection.execute(
            f"""
            insert into {table.qualified}
            select {select_list}, ?, 'live', 'estimates-test', ?, incoming.payload_ref
            from incoming
            """,
            [source, datetime.now(UTC).replace(tzinfo=None)],
        )
        connection.unregister("incoming")


# --------------------------------------------------------------------------------------------
# Independent computations
# --------------------------------------------------------------------------------------------
def growth(mean, base):
    return None if mean is None or base is None or base <= 0 else (mean - base) / base


def change(now, earlier):
    return None if now is None or earlier in (None, 0) else (now - earlier) / abs(earlier)


def nearest_snapshot(days, as_of: date, lookback: int):
    """The latest snapshot date on or before as_of - lookback, within the tolerance."""
    target = as_of - timedelta(days=lookback)
    eligible = [d for d in days if target - timedelta(days=TOLERANCE_DAYS) <= d <= target]
    return max(eligible) if eligible else None


def shares_known(cik: int, as_of: date):
    known = [
        (date.fromisoformat(instant), date.fromisoformat(filed), shares)
        for c, _, _, instant, shares, filed, _ in SHARE_FACTS
        if c == cik and date.fromisoformat(instant) <= as_of and date.fromisoformat(filed) <= as_of
    ]
    return max(known)[2] if known else None


CIKS = {"AMZN": AMZN, "GOOGL": GOOGL, "MSFT": MSFT, "GEV": GEV}


def seed_members() -> dict[str, dict]:
    with (DBT_PROJECT_DIR / "seeds" / "estimate_entities.csv").open(newline="") as handle:
        return {r["entity_id"]: r for r in csv.DictReader(handle) if r["entity_type"] == "company"}


def bottom_up(members: dict[str, tuple[float, float, date]], as_of: date) -> dict:
    """members: ticker -> (mean, base, period_end); the mart's definitions, in Python."""
    with_base = {t: v for t, v in members.items() if v[1] is not None}
    shares = {t: shares_known(CIKS[t], as_of) if t in CIKS else None for t in with_base}
    in_aggregate = {t: v for t, v in with_base.items() if shares[t] is not None}
    expected = sum(mean * shares[t] for t, (mean, _, _) in in_aggregate.items())
    base = sum(b * shares[t] for t, (_, b, _) in in_aggregate.items())
    positive = [growth(m, b) for m, b, _ in with_base.values() if b > 0]
    return {
        "aggregate_eps_growth": expected / base - 1 if in_aggregate and base > 0 else None,
        "aggregate_expected_earnings_usd": expected if in_aggregate else None,
        "aggregate_base_earnings_usd": base if in_aggregate else None,
        "median_company_eps_growth": median(positive) if positive else None,
        "negative_base_share": sum(b <= 0 for _, b, _ in with_base.values()) / len(with_base),
        "members_with_estimate": len(members),
        "members_with_base": len(with_base),
        "members_negative_base": sum(b <= 0 for _, b, _ in with_base.values()),
        "members_in_aggregate": len(in_aggregate),
        "members_missing_shares": len(with_base) - len(in_aggregate),
        "members_non_december_year_end": sum(end.month != 12 for _, _, end in members.values()),
    }


def vendor_members(universe: str, position: int, *, sector: str | None = None) -> dict:
    seed = seed_members()
    return {
        ticker: (means[position], base, end)
        for ticker, (means, base, end) in VENDOR_COMPANIES.items()
        if seed[ticker]["index_id"] == universe
        and (sector is None or seed[ticker]["gics_sector"] == sector)
    }


# --------------------------------------------------------------------------------------------
# The warehouse
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def estimates_warehouse(tmp_path_factory, fixtures_dir) -> Warehouse:
    # GIVEN Yahoo's recorded values, the vendor's snapshots and SEC share counts in raw tables
    warehouse = Warehouse(tmp_path_factory.mktemp("estimates") / "market.duckdb")
    frame = pd.DataFrame(yahoo_rows(fixtures_dir) + vendor_rows()).assign(payload_ref="hand-built")
    insert(warehouse, EARNINGS_ESTIMATES, frame, "estimates")
    insert(warehouse, SEC_FACTS, share_fact_rows(), "sec")
    # WHEN dbt builds the estimate marts and runs their tests
    run_dbt(warehouse.path, "build", "--select", DBT_SELECTION, "--indirect-selection", "buildable")
    return warehouse


def one_row(warehouse: Warehouse, sql: str, parameters=()) -> pd.Series:
    """The single row the query returns, with NULLs (NaN, NaT) as None."""
    frame = warehouse.query_frame(sql, parameters)
    assert len(frame) == 1, frame
    row = frame.iloc[0].astype(object)
    return row.where(row.notna(), None)


def expectation(warehouse, as_of, entity_id, fiscal_period, source) -> pd.Series:
    return one_row(
        warehouse,
        """
        select * from marts.fct_earnings_growth_expectations
        where as_of_date = ? and entity_id = ? and fiscal_period = ? and source = ?
        """,
        [as_of, entity_id, fiscal_period, source],
    )


def as_date(value):
    return None if value is None else pd.Timestamp(value).date()


# --------------------------------------------------------------------------------------------
# fct_earnings_growth_expectations
# --------------------------------------------------------------------------------------------
def test_amazon_next_year_from_yahoo_growth_trend_breadth_and_4_week_revision(
    estimates_warehouse, fixtures_dir
):
    document = json.loads(
        (fixtures_dir / "estimates" / "quoteSummary-earningsTrend-AMZN.json").read_text()
    )
    trend = document["response"]["bodyJson"]["quoteSummary"]["result"][0]["earningsTrend"]
    item = next(i for i in trend["trend"] if i["period"] == "+1y")
    mean = raw(item["earningsEstimate"]["avg"])
    base = raw(item["earningsEstimate"]["yearAgoEps"])
    eps_trend, revisions = item["epsTrend"], item["epsRevisions"]
    up, down = raw(revisions["upLast30days"]), raw(revisions["downLast30days"])

    row = expectation(estimates_warehouse, YAHOO_DAY, "AMZN", "FY2026", "yahoo")

    assert (mean, base) == (7.58352, 6.32632)
    assert row["eps_estimate_mean"] == mean and row["eps_base"] == base
    assert row["eps_growth"] == pytest.approx((mean - base) / base, rel=1e-12)  # 0.19873
    assert row["eps_growth"] == pytest.approx(raw(item["earningsEstimate"]["growth"]), abs=1e-4)
    assert row["eps_growth_reported"] == raw(item["earningsEstimate"]["growth"])
    assert row["growth_definition"] == "(mean - base) / base; NULL when base <= 0"
    assert not row["has_negative_base"]
    revenue = item["revenueEstimate"]
    assert row["revenue_growth"] == pytest.approx(
        raw(revenue["avg"]) / raw(revenue["yearAgoRevenue"]) - 1, rel=1e-12
    )
    for days in (7, 30, 60, 90):
        earlier = raw(eps_trend[f"{days}daysAgo"])
        assert row[f"eps_trend_change_{days}d"] == pytest.approx(change(mean, earlier), rel=1e-12)
    assert (row["eps_revisions_up_30d"], row["eps_revisions_down_30d"]) == (25, 9) == (up, down)
    assert row["eps_revisions_net_30d"] == up - down == 16
    assert row["eps_revisions_breadth_30d"] == pytest.approx((up - down) / (up + down))  # 0.4706
    # the snapshot of 2025-01-27 is exactly 28 days earlier; none exists 84-91 days earlier
    assert as_date(row["eps_revision_4w_compared_as_of"]) == YAHOO_EARLIER_DAY
    assert row["eps_estimate_4w_ago"] == raw(eps_trend["30daysAgo"])
    assert row["eps_revision_4w"] == pytest.approx(change(mean, 7.59467), rel=1e-12)
    assert row["eps_revision_12w"] is None and row["eps_revision_12w_compared_as_of"] is None


def test_alphabet_fixture_rows_are_the_recorded_numbers(estimates_warehouse):
    row = expectation(estimates_warehouse, YAHOO_DAY, "GOOGL", "FY2025", "yahoo")
    assert (row["eps_estimate_mean"], row["eps_base"], row["eps_n_estimates"]) == (8.9873, 8.04, 52)
    assert row["eps_growth"] == pytest.approx(8.9873 / 8.04 - 1, rel=1e-12)  # 0.1178
    assert row["entity_name"] == "Alphabet Inc Class A"
    assert row["revenue_estimate_mean"] == 390014501530
    quarter = expectation(estimates_warehouse, YAHOO_DAY, "GOOGL", "2025Q1", "yahoo")
    assert (quarter["period_type"], quarter["fiscal_year"], quarter["fiscal_quarter"]) == (
        "quarter",
        2025,
        1,
    )


def test_sp500_index_trend_growth_is_the_reported_figure_and_named_so(estimates_warehouse):
    row = expectation(estimates_warehouse, YAHOO_DAY, "SP500", "CY2026", "yahoo")
    assert row["eps_growth"] == 0.1415 and row["eps_estimate_mean"] is None
    assert row["growth_definition"] == (
        "reported by source (growth_yoy); no mean and base to compute from"
    )
    assert row["entity_type"] == "index" and row["fiscal_year"] == 2026


@pytest.mark.parametrize(
    ("ticker", "index_id"), [("GEV", "SP500"), ("CDE", "R2000"), ("CRWV", None)]
)
def test_growth_is_null_and_flagged_on_a_loss_base(estimates_warehouse, ticker, index_id):
    seed = seed_members()[ticker]
    assert (seed["index_id"] or None) == index_id
    for day in VENDOR_DAYS:
        row = expectation(estimates_warehouse, day, ticker, "FY2025", VENDOR)
        assert row["eps_base"] == VENDOR_COMPANIES[ticker][1] < 0
        assert row["eps_growth"] is None and row["eps_growth_reported"] is None
        assert row["has_negative_base"]
        assert row["growth_definition"] == "NULL: base <= 0"


@pytest.mark.parametrize("position", range(len(VENDOR_DAYS)))
def test_vendor_revisions_compare_the_snapshot_4_and_12_weeks_earlier(
    estimates_warehouse, position
):
    day = VENDOR_DAYS[position]
    means = VENDOR_COMPANIES["AMZN"][0]
    row = expectation(estimates_warehouse, day, "AMZN", "FY2025", VENDOR)
    for label, lookback in (("4w", 28), ("12w", 84)):
        earlier = nearest_snapshot(VENDOR_DAYS, day, lookback)
        assert as_date(row[f"eps_revision_{label}_compared_as_of"]) == earlier
        expected = None
        if earlier is not None:
            expected = change(means[position], means[VENDOR_DAYS.index(earlier)])
        if expected is None:
            assert row[f"eps_revision_{label}"] is None
        else:
            assert row[f"eps_revision_{label}"] == pytest.approx(expected, rel=1e-12)


def test_vendor_revision_cases_are_the_intended_ones(estimates_warehouse):
    # 2025-02-21: 2025-01-24 (not the more recent 2025-01-31) and 2024-11-29 exactly
    row = expectation(estimates_warehouse, date(2025, 2, 21), "AMZN", "FY2025", VENDOR)
    assert as_date(row["eps_revision_4w_compared_as_of"]) == date(2025, 1, 24)
    assert as_date(row["eps_revision_12w_compared_as_of"]) == date(2024, 11, 29)
    assert row["eps_revision_4w"] == pytest.approx(6.30 / 6.10 - 1)  # +3.28%
    assert row["eps_revision_12w"] == pytest.approx(6.30 / 5.95 - 1)  # +5.88%
    # 2025-01-24: 2024-12-20 is exactly 28 + 7 days earlier, the edge of the tolerance
    row = expectation(estimates_warehouse, date(2025, 1, 24), "AMZN", "FY2025", VENDOR)
    assert as_date(row["eps_revision_4w_compared_as_of"]) == date(2024, 12, 20)
    # 2025-01-31: nothing in [2024-12-27, 2025-01-03]
    row = expectation(estimates_warehouse, date(2025, 1, 31), "AMZN", "FY2025", VENDOR)
    assert row["eps_revision_4w"] is None and row["eps_revision_4w_compared_as_of"] is None
    # a loss revised from -0.40 to -0.35 (2025-01-24 -> 2025-02-21) is an upward revision
    row = expectation(estimates_warehouse, date(2025, 2, 21), "CRWV", "FY2025", VENDOR)
    assert row["eps_revision_4w"] == pytest.approx((-0.35 + 0.40) / 0.40)  # +12.5%


def test_every_snapshot_is_one_row(estimates_warehouse):
    counts = estimates_warehouse.query_frame(
        """
        select
            (select count(*) from marts.fct_earnings_growth_expectations) as mart_rows,
            (select count(*) from (
                select distinct as_of_date, entity_id, fiscal_period, source
                from raw.earnings_estimates
            )) as raw_snapshots
        """
    ).iloc[0]
    assert counts["mart_rows"] == counts["raw_snapshots"] > 0


# --------------------------------------------------------------------------------------------
# Shares and fct_earnings_growth_bottom_up
# --------------------------------------------------------------------------------------------
def test_shares_are_known_only_once_filed(estimates_warehouse):
    shares = estimates_warehouse.query_frame(
        """
        select as_of_date, ticker, shares_outstanding, shares_instant, shares_tag
        from intermediate.int_estimates__company_shares_asof
        where ticker in ('AMZN', 'NVDA') order by ticker, as_of_date
        """
    )
    amzn = shares[shares["ticker"] == "AMZN"].set_index("as_of_date")
    # the 2025-01-24 cover page was filed on 2025-02-07: unknown on 2025-01-31
    assert amzn.loc[pd.Timestamp("2025-01-31"), "shares_outstanding"] == 10_520_000_000
    assert amzn.loc[pd.Timestamp("2025-02-21"), "shares_outstanding"] == 10_600_000_000
    assert (
        amzn.loc[pd.Timestamp("2025-02-24"), "shares_tag"]
        == "dei:EntityCommonStockSharesOutstanding"
    )
    assert shares[shares["ticker"] == "NVDA"]["shares_outstanding"].isna().all()


def bottom_up_row(warehouse, as_of, universe_type, universe_id, fiscal_year, source):
    return one_row(
        warehouse,
        """
        select * from marts.fct_earnings_growth_bottom_up
        where as_of_date = ? and universe_type = ? and universe_id = ? and fiscal_year = ?
            and source = ?
        """,
        [as_of, universe_type, universe_id, fiscal_year, source],
    )


def assert_bottom_up(row: pd.Series, expected: dict) -> None:
    for column, value in expected.items():
        if value is None:
            assert row[column] is None, column
        else:
            assert row[column] == pytest.approx(value, rel=1e-12), column


@pytest.mark.parametrize("position", range(len(VENDOR_DAYS)))
def test_sp500_bottom_up_from_vendor_companies(estimates_warehouse, position):
    day = VENDOR_DAYS[position]
    members = vendor_members("SP500", position)
    assert set(members) == {"AMZN", "GOOGL", "MSFT", "NVDA", "GEV"}
    expected = bottom_up(members, day)
    row = bottom_up_row(estimates_warehouse, day, "index", "SP500", 2025, VENDOR)
    assert_bottom_up(row, expected)
    # GEV's loss is in the base, NVDA has no SEC shares, MSFT and NVDA end off December
    assert (row["members_negative_base"], row["members_missing_shares"]) == (1, 1)
    assert row["members_non_december_year_end"] == 2
    assert row["negative_base_share"] == pytest.approx(1 / 5)
    sp500_companies = [t for t, r in seed_members().items() if r["index_id"] == "SP500"]
    assert row["members_in_universe"] == len(sp500_companies)


def test_sp500_bottom_up_hand_checked_on_2025_02_21(estimates_warehouse):
    row = bottom_up_row(estimates_warehouse, date(2025, 2, 21), "index", "SP500", 2025, VENDOR)
    expected_earnings = 6.30 * 10.600e9 + 9.00 * 12.211e9 + 13.20 * 7.434e9 + 6.50 * 275e6
    base_earnings = 5.53 * 10.600e9 + 8.04 * 12.211e9 + 11.80 * 7.434e9 - 1.65 * 275e6
    assert row["aggregate_expected_earnings_usd"] == pytest.approx(expected_earnings)  # $276.6bn
    assert row["aggregate_base_earnings_usd"] == pytest.approx(base_earnings)  # $244.1bn
    assert row["aggregate_eps_growth"] == pytest.approx(expected_earnings / base_earnings - 1)
    assert row["aggregate_eps_growth"] == pytest.approx(0.1333, abs=5e-5)
    # median over the positive bases: AMZN 0.1392, GOOGL 0.1194, MSFT 0.1186, NVDA 1.4790
    assert row["median_company_eps_growth"] == pytest.approx((9.00 / 8.04 + 6.30 / 5.53) / 2 - 1)


def test_sector_and_russell_bottom_up(estimates_warehouse):
    day, position = VENDOR_DAYS[-1], len(VENDOR_DAYS) - 1
    technology = bottom_up_row(
        estimates_warehouse, day, "sector", "Information Technology", 2025, VENDOR
    )
    expected = bottom_up(vendor_members("SP500", position, sector="Information Technology"), day)
    assert_bottom_up(technology, expected)
    # MSFT alone is in the aggregate (NVDA has no shares): the aggregate is its own growth
    assert technology["aggregate_eps_growth"] == pytest.approx(13.20 / 11.80 - 1)
    assert technology["index_id"] == "SP500"
    # Russell 2000 members have no SEC shares here: counted, no aggregate, a median all the same
    russell = bottom_up_row(estimates_warehouse, day, "index", "R2000", 2025, VENDOR)
    assert_bottom_up(russell, bottom_up(vendor_members("R2000", position), day))
    assert russell["aggregate_eps_growth"] is None
    assert (russell["members_with_estimate"], russell["members_missing_shares"]) == (3, 3)
    assert russell["median_company_eps_growth"] == pytest.approx(
        (0.50 / 0.25 + 5.90 / 5.00) / 2 - 1
    )
    # CRWV is in no index: in no universe
    universes = estimates_warehouse.query_frame(
        "select distinct universe_id from marts.fct_earnings_growth_bottom_up"
    )["universe_id"]
    assert "CRWV" not in set(universes)


def test_yahoo_bottom_up_uses_yahoo_companies_only(estimates_warehouse):
    row = bottom_up_row(estimates_warehouse, YAHOO_DAY, "index", "SP500", 2025, "yahoo")
    expected_earnings = 6.32632 * 10.600e9 + 8.9873 * 12.211e9
    base_earnings = 5.53 * 10.600e9 + 8.04 * 12.211e9
    assert row["aggregate_eps_growth"] == pytest.approx(expected_earnings / base_earnings - 1)
    assert row["members_with_estimate"] == 2


# --------------------------------------------------------------------------------------------
# fct_small_vs_large_earnings
# --------------------------------------------------------------------------------------------
def small_vs_large(warehouse, as_of, year) -> pd.Series:
    return one_row(
        warehouse,
        "select * from marts.fct_small_vs_large_earnings where as_of_date = ? and calendar_year = ?",
        [as_of, year],
    )


def test_spread_with_vendor_russell_and_bottom_up_sp500(estimates_warehouse):
    day, position = date(2025, 2, 21), 4
    row = small_vs_large(estimates_warehouse, day, 2025)
    sp500 = bottom_up(vendor_members("SP500", position), day)["aggregate_eps_growth"]
    r2000 = 76.0 / 60.0 - 1
    assert row["sp500_growth_source"] == "bottom_up:acme"
    assert row["sp500_eps_growth"] == pytest.approx(sp500, rel=1e-12)
    assert row["sp500_bottom_up_members"] == 4  # AMZN, GOOGL, MSFT, GEV; NVDA has no shares
    assert row["r2000_bottom_up_members"] is None
    assert row["r2000_growth_source"] == "vendor:acme"
    assert row["r2000_eps_growth"] == pytest.approx(r2000, rel=1e-12)
    assert row["small_minus_large_eps_growth"] == pytest.approx(r2000 - sp500, rel=1e-12)
    # Yahoo's Amazon-only aggregate of 2025-01-27 is older than 7 days: not a candidate
    assert row["sp500_sources_available"] == "bottom_up:acme"


def test_yahoo_index_trend_outranks_bottom_up_and_vendor_outranks_yahoo(estimates_warehouse):
    calendar_2025 = small_vs_large(estimates_warehouse, YAHOO_DAY, 2025)
    assert calendar_2025["sp500_growth_source"] == "yahoo:indexTrend"
    assert calendar_2025["sp500_eps_growth"] == 0.1082  # the recorded 0y figure
    assert calendar_2025["sp500_bottom_up_members"] is None
    assert calendar_2025["sp500_sources_available"] == (
        "bottom_up:acme|bottom_up:yahoo|yahoo:indexTrend"
    )
    assert calendar_2025["r2000_growth_source"] == "vendor:acme"
    assert as_date(calendar_2025["r2000_growth_as_of_date"]) == date(2025, 2, 21)
    assert calendar_2025["small_minus_large_eps_growth"] == pytest.approx(76 / 60 - 1 - 0.1082)
    # calendar 2026: the vendor's S&P 500 figure of three days earlier beats Yahoo's 0.1415
    calendar_2026 = small_vs_large(estimates_warehouse, YAHOO_DAY, 2026)
    assert calendar_2026["sp500_growth_source"] == "vendor:acme"
    assert as_date(calendar_2026["sp500_growth_as_of_date"]) == date(2025, 2, 21)
    assert calendar_2026["sp500_eps_growth"] == pytest.approx(302 / 268 - 1)
    assert calendar_2026["r2000_eps_growth"] == pytest.approx(98 / 78 - 1)
    assert calendar_2026["small_minus_large_eps_growth"] == pytest.approx(
        (98 / 78 - 1) - (302 / 268 - 1)
    )


def test_vendor_bottom_up_outranks_yahoo_bottom_up(estimates_warehouse):
    # 2025-01-27 has only Yahoo's Amazon snapshot; the vendor's aggregate of 2025-01-24 wins
    row = small_vs_large(estimates_warehouse, YAHOO_EARLIER_DAY, 2025)
    assert row["sp500_growth_source"] == "bottom_up:acme"
    assert as_date(row["sp500_growth_as_of_date"]) == date(2025, 1, 24)
    expected = bottom_up(vendor_members("SP500", 2), date(2025, 1, 24))["aggregate_eps_growth"]
    assert row["sp500_eps_growth"] == pytest.approx(expected, rel=1e-12)
    assert row["sp500_sources_available"] == "bottom_up:acme|bottom_up:yahoo"
