"""FRED (Federal Reserve Economic Data): series metadata, observations with every vintage, and the
no-key ``fredgraph.csv`` download; plus the merge that keeps the stored vintage history equal to
what FRED would answer for a full fetch.

Vintages. FRED (through its ALFRED archive) answers an observations request for a real-time
window [realtime_start, realtime_end] with one row per (date, vintage) whose validity overlaps the
window, and clips each row's window to the one requested. A first load asks for everything
(1776-07-04 .. 9999-12-31). A later load asks only from the date of the previous successful fetch
X: rows that ended before X cannot change, and rows that FRED clipped to start at X are joined
back to the stored row they continue (see :func:`merge_vintages`).

Without an API key only the latest values are available (``fredgraph.csv``); they are stored the
same way with ``vintage_mode = 'latest'``: each value is valid from the day it was first fetched.

Pure parsing and request building: nothing here knows about Dagster.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from orchestration.http import HttpClient, SourcePolicy
from orchestration.sources.identifiers import valid_series_id

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.stlouisfed.org"
DEFAULT_GRAPH_BASE_URL = "https://fred.stlouisfed.org"
# FRED throttles at about 2 requests per second per key. The client stays 5% under it: at
# exactly 2/s, arrival jitter on a loaded machine put a request over the limit (benchmarks:
# rate_limits).
FRED_POLICY = SourcePolicy(name="fred", requests_per_second=1.9, burst=2)

SERIES_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "fred_series.csv"
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly")
TRANSFORMS = ("level", "yoy", "change")
AGGREGATIONS = ("mean", "last")

# FRED's real-time dates are St. Louis calendar dates.
FRED_TIMEZONE = ZoneInfo("America/Chicago")
EARLIEST_REALTIME = date(1776, 7, 4)
LATEST_REALTIME = date(9999, 12, 31)
PAGE_LIMIT = 100_000
VINTAGE_MODES = ("all_vintages", "latest")
MISSING = "."

OBSERVATION_COLUMNS = (
    "series_id",
    "date",
    "realtime_start",
    "realtime_end",
    "value",
    "raw_value",
    "vintage_mode",
    "fetched_at",
)
SERIES_COLUMNS = (
    "series_id",
    "fetched_at",
    "fetch_realtime_date",
    "vintage_mode",
    "requested_realtime_start",
    "observations_received",
    "title",
    "frequency",
    "frequency_short",
    "units",
    "units_short",
    "seasonal_adjustment",
    "seasonal_adjustment_short",
    "last_updated",
    "observation_start",
    "observation_end",
    "popularity",
    "notes",
)


class FredError(ValueError):
    """A FRED payload or seed row that cannot be understood; the message says what and where."""


# --------------------------------------------------------------------------------------------
# The configured series (seed fred_series.csv)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FredSeries:
    series_id: str
    concept: str
    title: str
    frequency: str
    units: str
    transform: str
    monthly_aggregation: str
    stale_after_days: int


def load_series(path: Path = SERIES_CSV) -> list[FredSeries]:
    """The series to load, from the seed. Adding a series is one row there."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        required = {f for f in FredSeries.__dataclass_fields__}
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise FredError(f"{path.name}: missing column(s) {sorted(missing)}")
        series: list[FredSeries] = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            series_id = (row["series_id"] or "").strip().upper()
            if not series_id:
                raise FredError(f"{where}: empty series_id")
            valid_series_id(series_id, f"{where}, column series_id")
            if series_id in seen:
                raise FredError(f"{where}: series {series_id} listed twice")
            for column, allowed in (
                ("frequency", FREQUENCIES),
                ("transform", TRANSFORMS),
                ("monthly_aggregation", AGGREGATIONS),
            ):
                if row[column] not in allowed:
                    raise FredError(f"{where}: {column}={row[column]!r}, expected one of {allowed}")
            try:
                stale_after = int(row["stale_after_days"])
            except ValueError:
                raise FredError(
                    f"{where}: stale_after_days={row['stale_after_days']!r} is not a whole number"
                ) from None
            seen.add(series_id)
            series.append(
                FredSeries(
                    series_id=series_id,
                    concept=row["concept"].strip(),
                    title=row["title"].strip(),
                    frequency=row["frequency"],
                    units=row["units"].strip(),
                    transform=row["transform"],
                    monthly_aggregation=row["monthly_aggregation"],
                    stale_after_days=stale_after,
                )
            )
    return series


def fred_today(instant: datetime) -> date:
    """The FRED real-time date at an instant: what a fetch then sees as 'today'."""
    if instant.tzinfo is None:
        raise ValueError("fred_today needs an aware datetime")
    return instant.astimezone(FRED_TIMEZONE).date()


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------
def _iso_date(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FredError(f"{where}: {value!r} is not a YYYY-MM-DD date") from None


def parse_series_metadata(document: dict, series_id: str) -> dict[str, object]:
    """The one series of a ``/fred/series`` answer (note the key ``seriess``)."""
    where = f"FRED series {series_id}"
    items = document.get("seriess") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise FredError(f"{where}: no 'seriess' list in the metadata payload")
    matching = [s for s in items if str(s.get("id", "")).upper() == series_id]
    if not matching:
        raise FredError(f"{where}: metadata is for {[s.get('id') for s in items]}")
    item = matching[0]
    last_updated = item.get("last_updated")
    try:
        # e.g. "2024-10-30 07:54:01-05": an offset in hours; stored as UTC.
        updated = datetime.fromisoformat(str(last_updated)).astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        raise FredError(f"{where}: last_updated={last_updated!r} is not a timestamp") from None

    def optional_date(key: str) -> date | None:
        return _iso_date(item[key], f"{where} {key}") if item.get(key) else None

    popularity = item.get("popularity")
    return {
        "title": item.get("title"),
        "frequency": item.get("frequency"),
        "frequency_short": item.get("frequency_short"),
        "units": item.get("units"),
        "units_short": item.get("units_short"),
        "seasonal_adjustment": item.get("seasonal_adjustment"),
        "seasonal_adjustment_short": item.get("seasonal_adjustment_short"),
        "last_updated": updated,
        "observation_start": optional_date("observation_start"),
        "observation_end": optional_date("observation_end"),
        "popularity": int(popularity) if popularity not in (None, "") else None,
        "notes": item.get("notes"),
    }


def _typed_observations(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Dates to datetime64 and raw strings to numbers ('.' and '' are NULL, never 0)."""
    for column in ("date", "realtime_start", "realtime_end"):
        # 9999-12-31 is beyond pandas' nanosecond range: keep second resolution.
        parsed = _parse_dates(frame[column])
        bad = parsed.isna() & frame[column].notna()
        if bad.any() or frame[column].isna().any():
            i = int(np.flatnonzero(bad | frame[column].isna())[0])
            raise FredError(f"{where}: observation {i} has {column}={frame[column].iloc[i]!r}")
        frame[column] = parsed
    raw = frame["raw_value"].fillna("").astype(str).str.strip()
    missing = raw.isin(["", MISSING])
    numbers = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = numbers.isna() & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FredError(
            f"{where}: observation {i} (date {frame['date'].iloc[i]:%Y-%m-%d}) has value "
            f"{frame['raw_value'].iloc[i]!r}, which is neither a number nor '.'"
        )
    frame["value"] = numbers.astype("float64")
    frame["raw_value"] = raw
    return frame


def _parse_dates(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD strings to datetime64[s] (second resolution reaches 9999-12-31)."""
    text = values.astype("string")
    ok = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    if ok.any():
        as_days = np.array(text[ok].to_numpy(dtype=str), dtype="datetime64[D]")
        result[ok] = as_days.astype("datetime64[s]")
    return result


@dataclass(frozen=True)
class ObservationPage:
    frame: pd.DataFrame  # OBSERVATION_COLUMNS without vintage_mode/fetched_at
    count: int
    offset: int


def parse_observations(document: dict, series_id: str) -> ObservationPage:
    """One page of ``/fred/series/observations?file_type=json``."""
    where = f"FRED observations {series_id}"
    if not isinstance(document, dict) or not isinstance(document.get("observations"), list):
        raise FredError(f"{where}: no 'observations' list in the payload")
    items = document["observations"]
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not {"date", "value"} <= set(item):
            raise FredError(f"{where}: observation {i} lacks 'date' or 'value': {item!r:.120}")
    frame = pd.DataFrame(
        {
            "date": [o["date"] for o in items],
            "realtime_start": [
                o.get("realtime_start", document.get("realtime_start")) for o in items
            ],
            "realtime_end": [o.get("realtime_end", document.get("realtime_end")) for o in items],
            "raw_value": [o["value"] for o in items],
        },
        dtype="object",
    )
    frame = _typed_observations(frame, where)
    frame.insert(0, "series_id", series_id)
    try:
        count = int(document.get("count", len(items)))
        offset = int(document.get("offset", 0))
    except (TypeError, ValueError):
        raise FredError(f"{where}: count/offset are not numbers") from None
    return ObservationPage(frame=frame, count=count, offset=offset)


def parse_fredgraph_csv(text: str, series_id: str, fetch_date: date) -> pd.DataFrame:
    """The no-key ``fredgraph.csv`` download: latest values only, valid from ``fetch_date``.

    The date column is ``observation_date`` (older files: ``DATE``); missing values are empty
    cells (older files: ``.``).
    """
    where = f"FRED graph CSV {series_id}"
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FredError(f"{where}: empty file") from None
    date_columns = [i for i, h in enumerate(header) if h.lower() in ("observation_date", "date")]
    if not date_columns:
        raise FredError(f"{where}: no observation_date/DATE column in header {header}")
    if series_id not in header:
        raise FredError(f"{where}: no {series_id} column in header {header}")
    date_i, value_i = date_columns[0], header.index(series_id)
    dates: list[str] = []
    values: list[str] = []
    for line, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise FredError(
                f"{where}: line {line} has {len(row)} cells, the header has {len(header)} "
                "(truncated download?)"
            )
        dates.append(row[date_i].strip())
        values.append(row[value_i])
    frame = pd.DataFrame(
        {
            "date": dates,
            "realtime_start": fetch_date.isoformat(),
            "realtime_end": LATEST_REALTIME.isoformat(),
            "raw_value": values,
        },
        dtype="object",
    )
    frame = _typed_observations(frame, where)
    frame.insert(0, "series_id", series_id)
    return frame


# --------------------------------------------------------------------------------------------
# Merge
# --------------------------------------------------------------------------------------------
def merge_vintages(
    stored: pd.DataFrame, incoming: pd.DataFrame, window_start: date
) -> pd.DataFrame:
    """The rows that replace ``stored`` after FRED answered for real-time [window_start, oo).

    ``stored``: this series' stored rows still valid on or after ``window_start`` (realtime_end
    >= window_start); rows that ended earlier are final and not part of the merge.
    ``incoming``: FRED's answer, windows clipped to start no earlier than ``window_start``.

    * An incoming row starting at ``window_start`` that continues a stored row (same date and
      same value, the stored row covering ``window_start``) takes the stored start (and the
      fetch time it was first seen).
    * A stored row covering ``window_start`` whose date has a different value now (a revision
      published that day) or is absent keeps its history: it ends the day before.
    * Stored rows starting on or after ``window_start`` are replaced by the answer.
    """
    columns = list(OBSERVATION_COLUMNS)
    start = pd.Timestamp(window_start)
    incoming = incoming[columns].copy()
    if stored.empty:
        return incoming.reset_index(drop=True)
    stored = stored[columns].copy()
    for frame in (stored, incoming):
        for column in ("date", "realtime_start", "realtime_end"):
            frame[column] = frame[column].astype("datetime64[s]")
    before = stored[stored["realtime_start"] < start]  # rows covering window_start
    at_start = incoming["realtime_start"] == start
    joined = incoming[at_start].merge(
        before[["date", "realtime_start", "raw_value", "fetched_at"]],
        on="date",
        how="left",
        suffixes=("", "_stored"),
    )
    continues = joined["realtime_start_stored"].notna() & (
        joined["raw_value"] == joined["raw_value_stored"]
    )
    joined.loc[continues, "realtime_start"] = joined.loc[continues, "realtime_start_stored"]
    joined.loc[continues, "fetched_at"] = joined.loc[continues, "fetched_at_stored"]
    continued_dates = set(joined.loc[continues, "date"])
    ended = before[~before["date"].isin(continued_dates)].copy()
    ended["realtime_end"] = start - pd.Timedelta(days=1)
    merged = pd.concat(
        [ended[columns], joined[columns], incoming[~at_start][columns]], ignore_index=True
    )
    for column in ("date", "realtime_start", "realtime_end"):
        merged[column] = merged[column].astype("datetime64[s]")
    return merged.sort_values(["date", "realtime_start"], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FredFetch:
    """What one fetch of one series brought back."""

    series_id: str
    vintage_mode: str
    window_start: date  # the real-time date the answer starts from
    fetch_realtime_date: date
    fetched_at: datetime
    observations: pd.DataFrame  # OBSERVATION_COLUMNS + payload_ref
    metadata: dict[str, object]
    payload_refs: tuple[str, ...]

    def series_row(self) -> dict[str, object]:
        row = {column: None for column in SERIES_COLUMNS}
        row.update(self.metadata)
        row.update(
            series_id=self.series_id,
            fetched_at=self.fetched_at.astimezone(UTC).replace(tzinfo=None),
            fetch_realtime_date=self.fetch_realtime_date,
            vintage_mode=self.vintage_mode,
            requested_realtime_start=self.window_start,
            observations_received=len(self.observations),
        )
        return row


def _stamp(frame: pd.DataFrame, vintage_mode: str, fetched_at: datetime, ref: str | None):
    frame["vintage_mode"] = vintage_mode
    frame["fetched_at"] = pd.Timestamp(fetched_at.astimezone(UTC).replace(tzinfo=None))
    frame["payload_ref"] = ref
    return frame


def fetch_metadata(client: HttpClient, base_url: str, series_id: str, api_key: str) -> dict:
    valid_series_id(series_id, "FRED series")
    payload = client.get(
        "fred",
        f"{base_url.rstrip('/')}/fred/series",
        params={"series_id": series_id, "api_key": api_key, "file_type": "json"},
        archive_name=f"series_{series_id}",
    )
    return parse_series_metadata(payload.json(), series_id)


def fetch_vintages(
    client: HttpClient,
    base_url: str,
    series_id: str,
    api_key: str,
    *,
    window_start: date | None,
    now: datetime,
    metadata: dict[str, object] | None = None,
) -> FredFetch:
    """Every vintage valid on or after ``window_start`` (all of them when None), all pages."""
    valid_series_id(series_id, "FRED series")
    start = window_start or EARLIEST_REALTIME
    pages: list[pd.DataFrame] = []
    refs: list[str] = []
    offset = 0
    while True:
        payload = client.get(
            "fred",
            f"{base_url.rstrip('/')}/fred/series/observations",
            params={
                "series_id": series_id,
                "api_key": api_key,
                "file_type": "json",
                "realtime_start": start.isoformat(),
                "realtime_end": LATEST_REALTIME.isoformat(),
                "limit": PAGE_LIMIT,
                "offset": offset,
            },
            archive_name=f"observations_{series_id}_{start:%Y%m%d}_{offset}",
        )
        try:
            document = payload.json()
        except json.JSONDecodeError:
            raise FredError(f"FRED observations {series_id}: body is not JSON") from None
        page = parse_observations(document, series_id)
        pages.append(_stamp(page.frame, "all_vintages", payload.fetched_at, payload.payload_ref))
        if payload.payload_ref:
            refs.append(payload.payload_ref)
        offset += len(page.frame)
        if page.frame.empty or offset >= page.count:
            break
    observations = pd.concat(pages, ignore_index=True)
    duplicated = observations.duplicated(["date", "realtime_start"])
    if duplicated.any():
        first = observations[duplicated].iloc[0]
        raise FredError(
            f"FRED observations {series_id}: vintage ({first['date']:%Y-%m-%d}, "
            f"{first['realtime_start']:%Y-%m-%d}) appears twice (pages overlapped?)"
        )
    return FredFetch(
        series_id=series_id,
        vintage_mode="all_vintages",
        window_start=start,
        fetch_realtime_date=fred_today(now),
        fetched_at=now,
        observations=observations,
        metadata=metadata or {},
        payload_refs=tuple(refs),
    )


def fetch_latest_csv(
    client: HttpClient, graph_base_url: str, series_id: str, *, now: datetime
) -> FredFetch:
    """The no-key fallback: today's values only, flagged ``vintage_mode = 'latest'``."""
    valid_series_id(series_id, "FRED series")
    payload = client.get(
        "fred",
        f"{graph_base_url.rstrip('/')}/graph/fredgraph.csv",
        params={"id": series_id},
        expect="csv",
        archive_name=f"fredgraph_{series_id}",
    )
    today = fred_today(now)
    frame = parse_fredgraph_csv(payload.text(), series_id, today)
    frame = _stamp(frame, "latest", payload.fetched_at, payload.payload_ref)
    return FredFetch(
        series_id=series_id,
        vintage_mode="latest",
        window_start=today,
        fetch_realtime_date=today,
        fetched_at=now,
        observations=frame,
        metadata={},
        payload_refs=(payload.payload_ref,) if payload.payload_ref else (),
    )


def needs_full_history(previous_modes: Iterable[str]) -> bool:
    """A series gets a full vintage load until one has succeeded (e.g. after running keyless)."""
    return "all_vintages" not in set(previous_modes)
