"""Earnings-growth estimates: the vendor file drop (primary) and Yahoo quoteSummary (no key).

Two sources feed ``raw.earnings_estimates`` with the same columns (:data:`FRAME_COLUMNS`, the
raw table's columns in order, plus ``payload_ref``); columns a source does not have are NULL.

Vendor file drop
    Consensus data is licensed, so the vendor delivers CSV files into a landing folder
    (setting ``ESTIMATES_DROP_DIR``, default ``warehouse/drops/estimates/``), one file per
    as-of date with the columns of :data:`ESTIMATE_COLUMNS` (any order; extra columns are
    ignored). :func:`pending_drop_files` lists the files whose bytes were not seen yet (a
    changed file under the same name is a new version), :func:`parse_drop_file` checks one file
    completely and either returns its rows or raises :class:`EstimateFileError` listing every
    problem by line and column, and :func:`quarantine` moves a rejected file into the
    ``quarantine`` subfolder with a readable report next to it. Nothing of a rejected file is
    loaded.

Yahoo quoteSummary
    ``/v10/finance/quoteSummary/{symbol}?modules=earningsTrend,indexTrend&crumb=...`` after
    the cookie-and-crumb handshake (:class:`YahooSession`). :func:`fetch_estimates` returns
    per-symbol outcomes: an unknown symbol (HTTP 404 with a ``quoteSummary.error`` object) is a
    failed outcome for that symbol, not a failed run.

Fiscal periods (``fiscal_period``; Yahoo's own code is kept in ``period_code``)
    * ``FY2025``: a company's fiscal year, named by the calendar year in which it ends.
      Microsoft's fiscal 2026 runs July 2025 - June 2026.
    * ``2025Q3``: a company's fiscal quarter, numbered within that fiscal year: Microsoft's
      quarter ending 2025-03-31 is fiscal 2025Q3; a December-year company's is 2025Q1.
    * ``CY2026``: a calendar year; indexes and sectors (the vendor also sends index ``FY``
      rows, the sum of the members' fiscal years).
    * Yahoo's ``endDate`` is snapped to the nearest month end before naming (a day 1-15 counts
      as the previous month), so 52/53-week years are named like their nominal year: NVIDIA's
      year ending 2026-01-25 is FY2026, Broadcom's ending 2025-11-02 is FY2025, a year ending
      Saturday 2027-01-02 is FY2026. Quarters are numbered against the company's fiscal year
      end month (``fiscal_year_end`` MMDD in ``companies.csv``, snapped the same way; default
      December).
    * ``indexTrend`` has no ``endDate``: its periods are calendar periods of the as-of date
      (``0q`` = the calendar quarter holding the as-of date, ``+1q`` the next, ``0y`` =
      CY of the as-of date, ``+1y`` the next). Its ``LTG`` row (long-term growth, an annualised
      multi-year rate, not a period estimate) is skipped so that no consumer mistakes it for a
      year-on-year growth rate.

Growth
    ``growth_yoy`` is a decimal fraction (0.1415 = 14.15%). Growth on a negative or zero base
    is meaningless (from -0.80 to -0.35 is not "-56%"): wherever ``actual_prior_period <= 0``
    the parsed ``growth_yoy`` is NULL, whatever the provider sent; the dbt marts flag those
    rows explicitly. Yahoo's company growth is ``earningsEstimate.growth`` /
    ``revenueEstimate.growth`` (consistent with ``avg`` and ``yearAgoEps``); the trend item's
    top-level ``growth`` is not used (Amazon 0y: 0.1415 there, 6.32632 / 5.53 - 1 = 0.1440 in
    ``earningsEstimate``).

Pure parsing and request building: nothing here knows about Dagster.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import requests

from orchestration.http import (
    RETRYABLE_STATUSES,
    HttpClient,
    HttpStatusError,
    Payload,
    PayloadError,
    SourceError,
    SourcePolicy,
    TransientSourceError,
)
from orchestration.sources.identifiers import GICS_SECTORS, valid_ticker

log = logging.getLogger(__name__)

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
ENTITIES_CSV = SEEDS_DIR / "estimate_entities.csv"
COMPANIES_CSV = SEEDS_DIR / "companies.csv"

DROP_DIR_ENV_VAR = "ESTIMATES_DROP_DIR"
DEFAULT_DROP_DIR = Path("warehouse") / "drops" / "estimates"
QUARANTINE_DIRNAME = "quarantine"
MAX_PROBLEMS = 50
# A vendor file is a few hundred kilobytes; anything this big is not one and is never read.
MAX_DROP_FILE_BYTES = 20 * 1024 * 1024
# A drop file name: a plain name in the drop folder, never a path.
_DROP_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.csv", re.IGNORECASE)

# The vendor file contract, in order.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "as_of_date",
    "entity_type",
    "entity_id",
    "fiscal_period",
    "period_end",
    "metric",
    "estimate_mean",
    "estimate_median",
    "estimate_high",
    "estimate_low",
    "n_estimates",
    "actual_prior_period",
    "growth_yoy",
    "aggregation",
    "currency",
    "source",
)

# Columns every parser here returns (plus payload_ref), in the order of raw.earnings_estimates.
FRAME_COLUMNS: dict[str, str] = {
    "as_of_date": "datetime64[s]",
    "entity_type": "string",
    "entity_id": "string",
    "fiscal_period": "string",
    "period_end": "datetime64[s]",
    "metric": "string",
    "estimate_mean": "float64",
    "estimate_median": "float64",
    "estimate_high": "float64",
    "estimate_low": "float64",
    "n_estimates": "Int64",
    "actual_prior_period": "float64",
    "growth_yoy": "float64",
    "aggregation": "string",
    "currency": "string",
    "source": "string",
    "period_code": "string",  # Yahoo only: 0q, +1q, 0y, +1y
    "estimate_7d_ago": "float64",  # Yahoo only (epsTrend)
    "estimate_30d_ago": "float64",
    "estimate_60d_ago": "float64",
    "estimate_90d_ago": "float64",
    "revisions_up_7d": "Int64",  # Yahoo only (epsRevisions)
    "revisions_up_30d": "Int64",
    "revisions_down_7d": "Int64",
    "revisions_down_30d": "Int64",
    "file_name": "string",  # vendor files only
    "file_sha256": "string",
}
NATURAL_KEY = ("as_of_date", "entity_id", "fiscal_period", "metric", "source")

ENTITY_TYPES = ("index", "sector", "company")
METRICS = ("eps", "revenue")
INDEX_IDS = ("SP500", "R2000")

_FISCAL_PERIOD = re.compile(r"(?:FY|CY)\d{4}|\d{4}Q[1-4]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class EstimatesError(ValueError):
    """Estimates configuration or payload that cannot be used; the message says what and where."""


class EstimateSeedError(EstimatesError):
    """A row of estimate_entities.csv (or companies.csv) breaks the seed's contract."""


class EstimatesParseError(EstimatesError):
    """A Yahoo document that does not have the documented quoteSummary shape."""


class QuoteSummaryError(EstimatesParseError):
    """A quoteSummary document that carries Yahoo's error object instead of a result."""

    def __init__(self, symbol: str, code: str | None, description: str | None):
        super().__init__(f"Yahoo quoteSummary has no data for {symbol}: {code}: {description}")
        self.symbol = symbol
        self.code = code
        self.description = description


class EstimateFileError(EstimatesError):
    """A vendor file that breaks the contract. ``problems`` name the line and column of each."""

    def __init__(
        self,
        name: str,
        sha256: str,
        problems: Sequence[str],
        *,
        checked_at: datetime,
        total: int | None = None,
    ):
        self.name = name
        self.sha256 = sha256
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        self.checked_at = checked_at
        first = self.problems[0] if self.problems else "no problem recorded"
        super().__init__(f"{name}: {self.total} problem(s), the first: {first}")

    def report(self) -> str:
        lines = [
            f"Estimate file rejected: {self.name}",
            f"sha256: {self.sha256}",
            f"checked at: {self.checked_at.isoformat(timespec='seconds')}",
            f"problems: {self.total}",
            "",
            *(f"- {problem}" for problem in self.problems),
        ]
        if self.total > len(self.problems):
            lines.append(f"- ... and {self.total - len(self.problems)} more problem(s) not listed")
        lines += [
            "",
            "Nothing from this file was loaded. Correct it and deliver it again under the same "
            "name: a file with changed bytes is a new version and is checked again.",
        ]
        return "\n".join(lines) + "\n"


class UnsafeDropFileError(EstimatesError):
    """A drop file that is never read: a path outside the drop folder, a symlink, not a regular
    file, or larger than :data:`MAX_DROP_FILE_BYTES`."""


class FileChangedError(EstimatesError):
    """The file's bytes changed between the check and the quarantine; check it again."""


class YahooHandshakeError(PayloadError):
    """The cookie-and-crumb handshake did not produce a usable cookie or crumb."""


class YahooAuthError(HttpStatusError):
    """Yahoo kept answering 401 (invalid crumb) after a fresh handshake."""


class YahooSymbolNotFoundError(HttpStatusError):
    """Yahoo has no quoteSummary data for a symbol (HTTP 404 with a quoteSummary error)."""

    def __init__(self, message: str, *, url: str, source: str, symbol: str):
        super().__init__(message, url=url, source=source, status=404)
        self.symbol = symbol


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    entity_type: str  # index | sector | company
    entity_id: str
    name: str
    index_id: str | None  # companies: SP500 | R2000 | None; sectors: SP500
    gics_sector: str | None
    is_theme_company: bool


def _seed_rows(path: Path, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row; the header must hold ``columns``."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise EstimateSeedError(f"{path.name} line 1: missing column(s) {missing}")
        for row in reader:
            if None in row or None in row.values():
                raise EstimateSeedError(
                    f"{path.name} line {reader.line_num}: expected "
                    f"{len(reader.fieldnames or [])} fields"
                )
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def load_entities(path: Path = ENTITIES_CSV) -> dict[str, Entity]:
    """The known entities by ``entity_id``, from the seed. Adding an entity is one row there."""
    columns = ("entity_type", "entity_id", "name", "index_id", "gics_sector", "is_theme_company")
    entities: dict[str, Entity] = {}
    lines: dict[str, int] = {}
    for line, row in _seed_rows(path, columns):

        def bad(column: str, expected: str, *, _row=row, _line=line) -> EstimateSeedError:
            return EstimateSeedError(
                f"{path.name} line {_line}, column {column}: {_row[column]!r} {expected}"
            )

        kind, entity_id = row["entity_type"], row["entity_id"]
        if kind not in ENTITY_TYPES:
            raise bad("entity_type", f"is not one of {list(ENTITY_TYPES)}")
        if not entity_id:
            raise bad("entity_id", "is empty")
        if entity_id in lines:
            raise bad("entity_id", f"is already defined on line {lines[entity_id]}")
        if row["index_id"] and row["index_id"] not in INDEX_IDS:
            raise bad("index_id", f"is neither blank nor one of {list(INDEX_IDS)}")
        if row["gics_sector"] and row["gics_sector"] not in GICS_SECTORS:
            raise bad("gics_sector", "is not one of the 11 GICS sectors")
        if kind == "index" and entity_id not in INDEX_IDS:
            raise bad("entity_id", f"is not one of the indexes {list(INDEX_IDS)}")
        if kind == "sector" and entity_id not in GICS_SECTORS:
            raise bad("entity_id", "is not one of the 11 GICS sector names")
        if kind == "company" and not re.fullmatch(r"[A-Z0-9][A-Z0-9.\-]{0,9}", entity_id):
            raise bad("entity_id", "is not a ticker (upper case letters, digits, '.', '-')")
        if row["is_theme_company"] not in ("true", "false"):
            raise bad("is_theme_company", "is neither true nor false")
        lines[entity_id] = line
        entities[entity_id] = Entity(
            entity_type=kind,
            entity_id=entity_id,
            name=row["name"],
            index_id=row["index_id"] or None,
            gics_sector=row["gics_sector"] or None,
            is_theme_company=row["is_theme_company"] == "true",
        )
    return entities


def load_fiscal_year_ends(path: Path = COMPANIES_CSV) -> dict[str, str]:
    """Ticker -> fiscal year end (MMDD) from companies.csv; tickers not listed end in December."""
    ends: dict[str, str] = {}
    for line, row in _seed_rows(path, ("ticker", "fiscal_year_end")):
        value = row["fiscal_year_end"]
        try:
            _fiscal_year_end_month(value)
        except ValueError:
            raise EstimateSeedError(
                f"{path.name} line {line}, column fiscal_year_end: {value!r} is not MMDD"
            ) from None
        ends[row["ticker"].upper()] = value
    return ends


# --------------------------------------------------------------------------------------------
# Fiscal periods
# --------------------------------------------------------------------------------------------
def _snap_month(day: date) -> tuple[int, int]:
    """(year, month) of the month end nearest ``day``: days 1-15 belong to the previous month."""
    if day.day <= 15:
        previous = day.replace(day=1) - timedelta(days=1)
        return previous.year, previous.month
    return day.year, day.month


def _fiscal_year_end_month(mmdd: str) -> int:
    """The month a fiscal year ends in, from MMDD (52/53-week nominal days snapped: 1102 -> 10)."""
    if not re.fullmatch(r"\d{4}", mmdd or ""):
        raise ValueError(f"fiscal year end {mmdd!r} is not MMDD")
    nominal = date(2000, int(mmdd[:2]), int(mmdd[2:]))  # 2000 is a leap year: 0229 is valid
    return _snap_month(nominal)[1]


def fiscal_period_label(period_code: str, end: date, fiscal_year_end: str = "1231") -> str:
    """Name a company period Yahoo dates by ``endDate``: ``FY2026`` or fiscal ``2026Q3``.

    See the module docstring: the end date is snapped to the nearest month end, a fiscal year
    is named by the calendar year in which it ends, quarters are numbered from the month after
    the fiscal year end month.
    """
    year, month = _snap_month(end)
    fiscal_end_month = _fiscal_year_end_month(fiscal_year_end)
    if period_code.endswith("y"):
        if month != fiscal_end_month:
            log.warning(
                "period %s ends %s but the fiscal year is said to end in month %d (%s)",
                period_code,
                end,
                fiscal_end_month,
                fiscal_year_end,
            )
        return f"FY{year}"
    if (month - fiscal_end_month) % 3:
        log.warning(
            "quarter %s ends %s, not a quarter end for a fiscal year ending in month %d (%s)",
            period_code,
            end,
            fiscal_end_month,
            fiscal_year_end,
        )
    fiscal_year = year if month <= fiscal_end_month else year + 1
    quarter = ((month - fiscal_end_month - 1) % 12) // 3 + 1
    return f"{fiscal_year}Q{quarter}"


def _quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def calendar_period(period_code: str, as_of: date) -> tuple[str, date]:
    """(label, period end) of an index period code relative to ``as_of`` (calendar periods)."""
    if period_code in ("0y", "+1y"):
        year = as_of.year + (1 if period_code == "+1y" else 0)
        return f"CY{year}", date(year, 12, 31)
    if period_code in ("0q", "+1q"):
        quarter = (as_of.month - 1) // 3 + 1 + (1 if period_code == "+1q" else 0)
        year = as_of.year + (quarter - 1) // 4
        quarter = (quarter - 1) % 4 + 1
        return f"{year}Q{quarter}", _quarter_end(year, quarter)
    raise ValueError(f"unknown period code {period_code!r}")


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------
def _to_frame(records: list[dict[str, Any]], payload_ref: str | None) -> pd.DataFrame:
    """Records (dicts, missing keys NULL) as a frame of exactly FRAME_COLUMNS + payload_ref."""
    columns: dict[str, pd.Series] = {}
    for name, dtype in FRAME_COLUMNS.items():
        values = [record.get(name) for record in records]
        if dtype.startswith("datetime"):
            series = pd.Series(
                [pd.NaT if v is None else pd.Timestamp(v) for v in values],
                dtype="datetime64[ns]",
            ).astype(dtype)
        elif dtype == "Int64":
            series = pd.Series(pd.array(values, dtype="Int64"))
        elif dtype == "float64":
            series = pd.Series([math.nan if v is None else float(v) for v in values], dtype=dtype)
        else:
            series = pd.Series(values, dtype=dtype)
        columns[name] = series
    frame = pd.DataFrame(columns)
    frame["payload_ref"] = pd.Series([payload_ref] * len(frame), dtype="string")
    return frame


def empty_frame() -> pd.DataFrame:
    return _to_frame([], None)


def _null_growth_on_negative_base(growth: float | None, prior: float | None) -> float | None:
    # Growth on a negative or zero base is meaningless (a smaller loss is not a negative
    # growth rate, a swing to profit is not +300%): keep the provider's number out.
    if prior is not None and prior <= 0:
        return None
    return growth


# --------------------------------------------------------------------------------------------
# Vendor file drop
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EstimateFile:
    frame: pd.DataFrame  # FRAME_COLUMNS + payload_ref
    as_of_date: date
    sha256: str
    name: str


@dataclass(frozen=True)
class DropFile:
    path: Path
    name: str
    sha256: str
    mtime: datetime  # UTC


class _Problems:
    """Collects problems up to MAX_PROBLEMS and counts the rest."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.total = 0

    def add(self, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(message)


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _parse_number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _parse_iso_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_drop_file(
    path: Path,
    *,
    entities: Mapping[str, Entity],
    today: date,
    payload_ref: str | None = None,
    checked_at: datetime | None = None,
) -> EstimateFile:
    """Check a vendor file completely and return its rows, or raise :class:`EstimateFileError`.

    Every problem is collected (up to :data:`MAX_PROBLEMS`, the rest counted), each naming the
    line (1 = header) and column. A file is rejected as a whole: for a missing column, an
    unparseable number or date, low above high (or mean or median outside low..high), an
    entity that is not in ``entities`` (or has another entity_type), an unknown metric or
    fiscal period form, a duplicate (as_of_date, entity_id, fiscal_period, metric, source),
    an as-of date after ``today``, more than one as-of date, or no data rows.
    ``payload_ref`` is stamped on every row (e.g. the file's copy in the landing archive).
    """
    path = Path(path)
    _refuse_unsafe_file(path)
    body = path.read_bytes()
    sha256 = _sha256(body)
    checked_at = checked_at or datetime.now(UTC)
    problems = _Problems()

    def fail() -> EstimateFileError:
        return EstimateFileError(
            path.name, sha256, problems.items, checked_at=checked_at, total=problems.total
        )

    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        problems.add(f"line {line}: byte {exc.start} is not UTF-8 text ({exc.reason})")
        raise fail() from None

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        problems.add("line 1: the file is empty (no header)")
        raise fail() from None
    except csv.Error as exc:
        problems.add(f"line 1 (header): not readable as CSV ({exc})")
        raise fail() from None
    missing = [c for c in ESTIMATE_COLUMNS if c not in header]
    if missing:
        problems.add(f"line 1 (header): missing column(s) {missing}")
    extra = [c for c in header if c not in ESTIMATE_COLUMNS]
    if extra:
        # Deliberately ignored (the contract names the columns loaded), but said out loud so
        # a vendor's schema change is noticed.
        log.warning("%s: ignoring column(s) not in the file contract: %s", path.name, extra)
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        problems.add(f"line 1 (header): column(s) {repeated} appear more than once")

    records: list[dict[str, Any]] = []
    record_lines: list[int] = []
    previous_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(f"line {previous_line + 1}: not readable as CSV ({exc})")
            break
        line = previous_line + 1
        previous_line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            problems.add(f"line {line}: {len(row)} fields, the header has {len(header)}")
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        record = _check_row(cells, line, entities, problems)
        records.append(record)
        record_lines.append(line)

    if not records and not problems.total:
        problems.add("line 2: the file has a header but no data rows")

    as_of_dates = _check_as_of_dates(records, record_lines, today, problems)
    _check_duplicates(records, record_lines, problems)
    if problems.total:
        raise fail()

    (as_of,) = as_of_dates
    for record in records:
        record["file_name"] = path.name
        record["file_sha256"] = sha256
    return EstimateFile(
        frame=_to_frame(records, payload_ref), as_of_date=as_of, sha256=sha256, name=path.name
    )


def _check_row(
    cells: dict[str, str], line: int, entities: Mapping[str, Entity], problems: _Problems
) -> dict[str, Any]:
    """Typed values of one row; each problem is added with its line and column."""
    record: dict[str, Any] = {}

    def problem(column: str, message: str) -> None:
        problems.add(f"line {line}, column {column}: {cells.get(column, '')!r} {message}")

    def present(column: str) -> bool:
        return column in cells

    # Dates
    for column, required in (("as_of_date", True), ("period_end", False)):
        if not present(column):
            continue
        value = cells[column]
        if not value:
            record[column] = None
            if required:
                problem(column, "is empty")
            continue
        parsed = _parse_iso_date(value)
        if parsed is None:
            problem(column, "is not a YYYY-MM-DD date")
        record[column] = parsed

    # Entity
    entity_type = cells.get("entity_type")
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        problem("entity_type", f"is not one of {list(ENTITY_TYPES)}")
    record["entity_type"] = entity_type
    entity_id = cells.get("entity_id")
    record["entity_id"] = entity_id
    if entity_id is not None:
        known = entities.get(entity_id)
        if not entity_id:
            problem("entity_id", "is empty")
        elif known is None:
            problem("entity_id", "is not a known entity (estimate_entities.csv)")
        elif entity_type in ENTITY_TYPES and known.entity_type != entity_type:
            problem(
                "entity_id",
                f"is of entity_type {known.entity_type} in estimate_entities.csv, not {entity_type}",
            )

    # Period and metric
    fiscal_period = cells.get("fiscal_period")
    record["fiscal_period"] = fiscal_period
    if fiscal_period is not None and not _FISCAL_PERIOD.fullmatch(fiscal_period):
        problem("fiscal_period", "is not FY2026, CY2026 or 2026Q3 form")
    elif (
        fiscal_period
        and fiscal_period.startswith("CY")
        and record.get("period_end") is not None
        and record["period_end"] != date(int(fiscal_period[2:]), 12, 31)
    ):
        problem("period_end", f"is not the last day of calendar year {fiscal_period}")
    metric = cells.get("metric")
    record["metric"] = metric
    if metric is not None and metric not in METRICS:
        problem("metric", f"is not one of {list(METRICS)}")

    # Numbers
    for column in (
        "estimate_mean",
        "estimate_median",
        "estimate_high",
        "estimate_low",
        "actual_prior_period",
        "growth_yoy",
    ):
        if not present(column):
            continue
        value = cells[column]
        if not value:
            record[column] = None
            if column == "estimate_mean":
                problem(column, "is empty")
            continue
        number = _parse_number(value)
        if number is None:
            problem(column, "is not a number (plain decimal, no thousands separators)")
        record[column] = number
    if present("n_estimates"):
        value = cells["n_estimates"]
        record["n_estimates"] = None
        if value:
            if re.fullmatch(r"\d+(?:\.0*)?", value):
                record["n_estimates"] = int(float(value))
            else:
                problem("n_estimates", "is not a whole number of estimates")

    low, high = record.get("estimate_low"), record.get("estimate_high")
    if low is not None and high is not None:
        if low > high:
            problems.add(
                f"line {line}, columns estimate_low/estimate_high: low {cells['estimate_low']} "
                f"is above high {cells['estimate_high']}"
            )
        else:
            for column in ("estimate_mean", "estimate_median"):
                value = record.get(column)
                if value is not None and not low <= value <= high:
                    problem(
                        column,
                        f"is outside estimate_low..estimate_high "
                        f"({cells['estimate_low']}..{cells['estimate_high']})",
                    )

    # Text
    for column in ("aggregation", "currency", "source"):
        if present(column):
            record[column] = cells[column] or None
    if present("source") and not cells["source"]:
        problem("source", "is empty")
    currency = cells.get("currency")
    if currency and not _CURRENCY.fullmatch(currency):
        problem("currency", "is not a three-letter currency code such as USD")

    record["growth_yoy"] = _null_growth_on_negative_base(
        record.get("growth_yoy"), record.get("actual_prior_period")
    )
    return record


def _check_as_of_dates(
    records: list[dict[str, Any]], lines: list[int], today: date, problems: _Problems
) -> list[date]:
    """The distinct as-of dates (in order of first appearance); future and mixed dates reported."""
    first_line: dict[date, int] = {}
    counts: dict[date, int] = {}
    for record, line in zip(records, lines, strict=True):
        value = record.get("as_of_date")
        if value is None:
            continue
        first_line.setdefault(value, line)
        counts[value] = counts.get(value, 0) + 1
    dates = list(first_line)
    for value in dates:
        if value > today:
            problems.add(
                f"line {first_line[value]}, column as_of_date: {value.isoformat()} is after "
                f"today ({today.isoformat()}); {counts[value]} row(s) carry it"
            )
    if len(dates) > 1:
        first = dates[0]
        for value in dates[1:]:
            problems.add(
                f"line {first_line[value]}, column as_of_date: {value.isoformat()} differs from "
                f"{first.isoformat()} (line {first_line[first]}); one file holds one as-of "
                f"date ({counts[value]} row(s) carry {value.isoformat()})"
            )
    return dates


def _check_duplicates(records: list[dict[str, Any]], lines: list[int], problems: _Problems) -> None:
    seen: dict[tuple, int] = {}
    for record, line in zip(records, lines, strict=True):
        key = tuple(record.get(column) for column in NATURAL_KEY)
        if any(part is None or part == "" for part in key):
            continue
        if key in seen:
            shown = ", ".join(str(part) for part in key)
            problems.add(
                f"line {line}, columns {'+'.join(NATURAL_KEY)}: ({shown}) repeats line {seen[key]}"
            )
        else:
            seen[key] = line


def _refuse_unsafe_file(path: Path) -> None:
    if ".." in path.parts:
        raise UnsafeDropFileError(f"{path}: a drop file path may not climb out of its folder")
    try:
        status = path.lstat()
    except FileNotFoundError:
        raise UnsafeDropFileError(f"{path}: no such drop file") from None
    if stat.S_ISLNK(status.st_mode):
        raise UnsafeDropFileError(f"{path}: is a symbolic link; only regular files are read")
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeDropFileError(f"{path}: is not a regular file")
    if status.st_size > MAX_DROP_FILE_BYTES:
        raise UnsafeDropFileError(
            f"{path}: {status.st_size:,} bytes, more than the {MAX_DROP_FILE_BYTES:,} a drop "
            "file may have"
        )


def safe_drop_path(drop_dir: Path, name: str) -> Path:
    """The path of drop file ``name`` in ``drop_dir``, or :class:`UnsafeDropFileError` when the
    name is a path (``../../etc/passwd``), the file a symlink, not a regular file, or too big.
    Call it before reading a file whose name came from a run's configuration."""
    if not isinstance(name, str) or not _DROP_FILE_NAME.fullmatch(name):
        raise UnsafeDropFileError(
            f"{name!r} is not a drop file name (letters, digits, '.', '_', '-', ending .csv)"
        )
    folder = Path(drop_dir)
    path = folder / name
    _refuse_unsafe_file(path)
    if path.resolve().parent != folder.resolve():
        raise UnsafeDropFileError(f"{path}: resolves outside the drop folder {folder}")
    return path


def quarantine_dir_for(drop_dir: Path) -> Path:
    """The default quarantine folder: a ``quarantine`` subfolder of the drop folder."""
    return Path(drop_dir) / QUARANTINE_DIRNAME


def quarantine(path: Path, quarantine_dir: Path, error: EstimateFileError) -> Path:
    """Move a rejected file into ``quarantine_dir`` with its report; return the report's path.

    The file keeps its name with the first 12 hex digits of its sha256 inserted before the
    suffix (``estimates_2026-11-13.3f2a9c1d0e4b.csv``), so two rejected versions of one name
    never collide; the report is ``<that name>.error.txt``. The report is written first (to a
    temporary name, then renamed), then the file is moved with ``os.replace``: a crash leaves
    the file either still in the drop folder (checked again next time) or in quarantine, never
    in both or neither. Raises :class:`FileChangedError` when the file's bytes are no longer
    the ones checked.
    """
    path = Path(path)
    quarantine_dir = Path(quarantine_dir)
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    if _sha256(path.read_bytes()) != error.sha256:
        raise FileChangedError(
            f"{path.name} changed after it was checked (sha256 {error.sha256[:12]}...): "
            "not quarantined; it will be checked again"
        )
    target = quarantine_dir / f"{path.stem}.{error.sha256[:12]}{path.suffix}"
    report = target.with_name(target.name + ".error.txt")
    temporary = report.with_name(f".{report.name}.tmp")
    temporary.write_text(error.report(), encoding="utf-8")
    os.replace(temporary, report)
    os.replace(path, target)
    log.warning("quarantined %s -> %s: %s", path, target, error)
    return report


def pending_drop_files(
    drop_dir: Path,
    seen: Mapping[str, str],
    *,
    settle_seconds: float = 0.0,
    now: datetime | None = None,
) -> list[DropFile]:
    """The CSV files in ``drop_dir`` whose sha256 differs from ``seen[name]``, oldest first.

    Only ``*.csv`` files directly in ``drop_dir`` count: dotfiles, partial files (``*.tmp``,
    ``*.part`` and anything else not ending in ``.csv``) and subfolders (the quarantine) are
    ignored. A file with a name already in ``seen`` but other bytes is a new version. With
    ``settle_seconds``, files modified more recently than that are left for the next check
    (for vendors that write in place). Order: modification time, then name. A missing folder
    has no files.
    """
    drop_dir = Path(drop_dir)
    if not drop_dir.is_dir():
        return []
    now = now or datetime.now(UTC)
    pending: list[DropFile] = []
    for path in drop_dir.iterdir():
        name = path.name
        if name.startswith((".", "~")) or not name.lower().endswith(".csv"):
            continue
        try:
            status = path.lstat()
            if not stat.S_ISREG(status.st_mode):
                if stat.S_ISLNK(status.st_mode):
                    log.warning("%s: a symbolic link in the drop folder; never read", path)
                continue
            if status.st_size > MAX_DROP_FILE_BYTES:
                log.warning(
                    "%s: %d bytes, over the %d a drop file may have; never read",
                    path,
                    status.st_size,
                    MAX_DROP_FILE_BYTES,
                )
                continue
            body = path.read_bytes()
        except FileNotFoundError:  # moved away meanwhile
            continue
        mtime = datetime.fromtimestamp(status.st_mtime, UTC)
        if settle_seconds and (now - mtime).total_seconds() < settle_seconds:
            continue
        sha256 = _sha256(body)
        if seen.get(name) == sha256:
            continue
        pending.append(DropFile(path=path, name=name, sha256=sha256, mtime=mtime))
    return sorted(pending, key=lambda f: (f.mtime, f.name))


# --------------------------------------------------------------------------------------------
# Yahoo quoteSummary
# --------------------------------------------------------------------------------------------
DEFAULT_BASE_URL = "https://query2.finance.yahoo.com"
COOKIE_URL = "https://fc.yahoo.com"
YAHOO_SOURCE = "estimates_yahoo"
YAHOO_ESTIMATES_POLICY = SourcePolicy(name=YAHOO_SOURCE, requests_per_second=1.0, burst=2)
YAHOO_PERIODS = ("0q", "+1q", "0y", "+1y")
# indexTrend symbol -> entity_id
YAHOO_INDEXES = {"SP5": "SP500"}
_CRUMB = re.compile(r"[^\s<>{}\"']{4,64}")
_DESCRIPTION = re.compile(r'"description"\s*:\s*"([^"]*)"')


def quote_summary_url(base_url: str, symbol: str) -> str:
    return f"{base_url.rstrip('/')}/v10/finance/quoteSummary/{quote(symbol, safe='')}"


def crumb_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/v1/test/getcrumb"


def _cookie_pairs(response: requests.Response) -> list[tuple[str, str]]:
    """name=value pairs the response sets: from the parsed cookie jar, else its Set-Cookie."""
    pairs = [(cookie.name, cookie.value or "") for cookie in response.cookies]
    if pairs:
        return pairs
    raw_headers = getattr(response.raw, "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "getlist"):
        values = list(raw_headers.getlist("Set-Cookie"))
    else:
        header = response.headers.get("Set-Cookie")
        # Several cookies may arrive joined by ", "; Expires dates hold ", " too, but a
        # cookie starts with name=.
        values = re.split(r",\s*(?=[A-Za-z0-9_\-]+=)", header) if header else []
    for value in values:
        name, sep, rest = value.split(";", 1)[0].strip().partition("=")
        if sep and name:
            pairs.append((name.strip(), rest.strip()))
    return pairs


class YahooSession:
    """Yahoo's cookie-and-crumb handshake on an :class:`HttpClient`, with the crumb cached.

    1. GET ``cookie_url`` (https://fc.yahoo.com): answers 404 but sets a cookie. This request
       goes through the client's ``requests.Session`` directly, because the client turns every
       4xx into an error without headers; the cookie is read from the response's cookie jar or,
       when the adapter does not fill one (the sample transport), from its ``Set-Cookie``.
    2. GET ``{base_url}/v1/test/getcrumb`` with that cookie: the crumb, as plain text.
    3. Every quoteSummary request carries ``crumb=`` and the cookie; a 401 (Invalid Crumb)
       triggers one fresh handshake and one retry, a second 401 raises :class:`YahooAuthError`.

    The cookie and the crumb are registered with the client's redactor.
    """

    def __init__(
        self,
        client: HttpClient,
        *,
        base_url: str = DEFAULT_BASE_URL,
        cookie_url: str = COOKIE_URL,
        source: str = YAHOO_SOURCE,
    ):
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.cookie_url = cookie_url
        self.source = source
        self.cookie: str | None = None
        self._crumb: str | None = None
        self.handshakes = 0

    def crumb(self) -> str:
        """The cached crumb, after a handshake if there is none yet."""
        if self._crumb is None:
            self.handshake()
        assert self._crumb is not None
        return self._crumb

    def handshake(self) -> str:
        """Fetch a fresh cookie and crumb; returns the crumb."""
        self.cookie = None
        self._crumb = None
        self.handshakes += 1
        self.cookie = self._fetch_cookie()
        self._crumb = self._fetch_crumb(self.cookie)
        return self._crumb

    def _fetch_cookie(self) -> str:
        policy = self.client.policy(self.source)
        safe_url = self.client.redact(self.cookie_url)
        self.client.request_count += 1
        try:
            response = self.client.session.get(
                self.cookie_url, timeout=(policy.connect_timeout, policy.read_timeout)
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientSourceError(
                f"cookie request failed: {type(exc).__name__}: {self.client.redact(exc)}",
                url=safe_url,
                source=self.source,
            ) from None
        if response.status_code in RETRYABLE_STATUSES:
            raise TransientSourceError(
                f"cookie request answered HTTP {response.status_code}",
                url=safe_url,
                source=self.source,
            )
        pairs = list(dict(_cookie_pairs(response)).items())
        if not pairs:
            raise YahooHandshakeError(
                f"the cookie request (HTTP {response.status_code}) set no cookie, so no crumb "
                "can be obtained",
                url=safe_url,
                source=self.source,
            )
        for _, value in pairs:
            self.client.redact.add(value)
        return "; ".join(f"{name}={value}" for name, value in pairs)

    def _fetch_crumb(self, cookie: str) -> str:
        url = crumb_url(self.base_url)
        try:
            payload = self.client.get(self.source, url, headers={"Cookie": cookie}, expect="text")
        except HttpStatusError as exc:
            raise YahooHandshakeError(
                f"getcrumb refused the cookie: {exc}", url=exc.url, source=self.source
            ) from None
        crumb = payload.text().strip()
        if not _CRUMB.fullmatch(crumb):
            raise YahooHandshakeError(
                f"getcrumb answered {crumb[:60]!r}, which is not a crumb",
                url=payload.url,
                source=self.source,
            )
        self.client.redact.add(crumb)
        return crumb

    def quote_summary(
        self, symbol: str, modules: Sequence[str], *, archive_name: str | None = None
    ) -> Payload:
        """GET quoteSummary for ``symbol``; 404 raises :class:`YahooSymbolNotFoundError`."""
        url = quote_summary_url(self.base_url, symbol)
        for attempt in (1, 2):
            crumb = self.crumb()
            try:
                return self.client.get(
                    self.source,
                    url,
                    params={"formatted": "false", "modules": ",".join(modules), "crumb": crumb},
                    headers={"Cookie": self.cookie or ""},
                    expect="json",
                    archive_name=archive_name,
                )
            except HttpStatusError as exc:
                if exc.status == 401 and attempt == 1:
                    log.info("%s: HTTP 401 for %s; fetching a new crumb", self.source, symbol)
                    self.handshake()
                    continue
                if exc.status == 401:
                    raise YahooAuthError(
                        f"still HTTP 401 for {symbol} after a fresh cookie and crumb: {exc}",
                        url=exc.url,
                        source=self.source,
                        status=401,
                    ) from None
                if exc.status == 404:
                    found = _DESCRIPTION.search(str(exc))
                    reason = found.group(1) if found else "no quoteSummary error object"
                    raise YahooSymbolNotFoundError(
                        f"Yahoo has no {','.join(modules)} for {symbol}: HTTP 404 ({reason})",
                        url=exc.url,
                        source=self.source,
                        symbol=symbol,
                    ) from None
                raise
        raise AssertionError("unreachable")


def _number(value: Any, where: str) -> float | None:
    """A Yahoo number: ``{raw, fmt}``-wrapped or plain; ``{}``, null and non-finite are None."""
    if isinstance(value, dict):
        if "raw" not in value:
            return None
        value = value["raw"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EstimatesParseError(f"{where}: {value!r} is not a number")
    value = float(value)
    return value if math.isfinite(value) else None


def _count(value: Any, where: str) -> int | None:
    number = _number(value, where)
    if number is None:
        return None
    if number != int(number) or number < 0:
        raise EstimatesParseError(f"{where}: {number!r} is not a count")
    return int(number)


def _result(document: Any, symbol: str, module: str) -> dict:
    """The ``module`` object of a quoteSummary document (its error object raised)."""
    summary = document.get("quoteSummary") if isinstance(document, dict) else None
    if not isinstance(summary, dict):
        raise EstimatesParseError(f"quoteSummary for {symbol}: no 'quoteSummary' object")
    error = summary.get("error")
    if error:
        if isinstance(error, dict):
            raise QuoteSummaryError(symbol, error.get("code"), error.get("description"))
        raise QuoteSummaryError(symbol, None, str(error)[:200])
    results = summary.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise EstimatesParseError(f"quoteSummary for {symbol}: 'result' is empty")
    block = results[0].get(module)
    if not isinstance(block, dict):
        raise EstimatesParseError(
            f"quoteSummary for {symbol}: no {module} module in the result "
            f"(modules: {sorted(results[0])})"
        )
    return block


def _end_date(value: Any, where: str) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise EstimatesParseError(f"{where}: endDate {value!r} is not a YYYY-MM-DD date")


def parse_earnings_trend(
    document: Any,
    symbol: str,
    *,
    as_of: date,
    fiscal_year_end: str = "1231",
    payload_ref: str | None = None,
) -> pd.DataFrame:
    """Rows of a company's ``earningsTrend``: eps and revenue for 0q, +1q, 0y and +1y.

    ``document`` is the quoteSummary JSON. One eps row (with epsTrend and epsRevisions) and one
    revenue row per period, where the estimate block has an ``avg``; other periods Yahoo may
    send (``+5y``, ``-5y``) are skipped. ``fiscal_year_end`` (MMDD) numbers the quarters.
    A document carrying Yahoo's error object raises :class:`QuoteSummaryError` naming the
    symbol.
    """
    block = _result(document, symbol, "earningsTrend")
    trend = block.get("trend")
    if not isinstance(trend, list):
        raise EstimatesParseError(f"quoteSummary for {symbol}: earningsTrend has no 'trend' list")
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(trend):
        where = f"{symbol} earningsTrend.trend[{index}]"
        if not isinstance(item, dict):
            raise EstimatesParseError(f"{where}: expected an object")
        code = item.get("period")
        if code not in YAHOO_PERIODS:
            continue
        if code in seen:
            raise EstimatesParseError(f"{where}: period {code} appears twice")
        seen.add(code)
        end = _end_date(item.get("endDate"), f"{where} ({code})")
        common = {
            "as_of_date": as_of,
            "entity_type": "company",
            "entity_id": symbol,
            "fiscal_period": fiscal_period_label(code, end, fiscal_year_end),
            "period_end": end,
            "aggregation": None,  # a company's consensus: aggregation is for indexes and sectors
            "source": "yahoo",
            "period_code": code,
        }
        earnings = item.get("earningsEstimate") or {}
        eps_trend = item.get("epsTrend") or {}
        revisions = item.get("epsRevisions") or {}
        eps = _estimate_values(earnings, "yearAgoEps", f"{where}.earningsEstimate")
        if eps is not None:
            w = f"{where}.epsRevisions"
            # Yahoo spells it downLast7Days (capital D); accept the regular spelling as well.
            down_7d = revisions.get("downLast7Days", revisions.get("downLast7days"))
            records.append(
                {
                    **common,
                    **eps,
                    "metric": "eps",
                    "currency": earnings.get("earningsCurrency"),
                    "estimate_7d_ago": _number(eps_trend.get("7daysAgo"), f"{where}.epsTrend"),
                    "estimate_30d_ago": _number(eps_trend.get("30daysAgo"), f"{where}.epsTrend"),
                    "estimate_60d_ago": _number(eps_trend.get("60daysAgo"), f"{where}.epsTrend"),
                    "estimate_90d_ago": _number(eps_trend.get("90daysAgo"), f"{where}.epsTrend"),
                    "revisions_up_7d": _count(revisions.get("upLast7days"), w),
                    "revisions_up_30d": _count(revisions.get("upLast30days"), w),
                    "revisions_down_7d": _count(down_7d, w),
                    "revisions_down_30d": _count(revisions.get("downLast30days"), w),
                }
            )
        revenue_block = item.get("revenueEstimate") or {}
        revenue = _estimate_values(revenue_block, "yearAgoRevenue", f"{where}.revenueEstimate")
        if revenue is not None:
            records.append(
                {
                    **common,
                    **revenue,
                    "metric": "revenue",
                    "currency": revenue_block.get("revenueCurrency"),
                }
            )
    return _to_frame(records, payload_ref)


def _estimate_values(block: Any, prior_key: str, where: str) -> dict[str, Any] | None:
    """Mean, range, analyst count, prior actual and growth of an estimate block (None: no avg)."""
    if not isinstance(block, dict):
        raise EstimatesParseError(f"{where}: expected an object")
    mean = _number(block.get("avg"), f"{where}.avg")
    if mean is None:
        return None
    prior = _number(block.get(prior_key), f"{where}.{prior_key}")
    growth = _number(block.get("growth"), f"{where}.growth")
    return {
        "estimate_mean": mean,
        "estimate_high": _number(block.get("high"), f"{where}.high"),
        "estimate_low": _number(block.get("low"), f"{where}.low"),
        "n_estimates": _count(block.get("numberOfAnalysts"), f"{where}.numberOfAnalysts"),
        "actual_prior_period": prior,
        "growth_yoy": _null_growth_on_negative_base(growth, prior),
    }


def parse_index_trend(
    document: Any, *, as_of: date, payload_ref: str | None = None, symbol: str = "?"
) -> pd.DataFrame:
    """Rows of ``indexTrend`` (the S&P 500, ``SP5``): expected EPS growth by calendar period.

    Only growth is given (no estimates, no prior actual); periods are named relative to
    ``as_of`` (see the module docstring); ``LTG`` is skipped. ``symbol`` is the stock whose
    quoteSummary carried the block, for messages only.
    """
    block = _result(document, symbol, "indexTrend")
    index_symbol = block.get("symbol")
    entity_id = YAHOO_INDEXES.get(index_symbol)
    if entity_id is None:
        raise EstimatesParseError(
            f"quoteSummary for {symbol}: indexTrend is for {index_symbol!r}, not one of "
            f"{sorted(YAHOO_INDEXES)}"
        )
    estimates = block.get("estimates")
    if not isinstance(estimates, list):
        raise EstimatesParseError(f"quoteSummary for {symbol}: indexTrend has no 'estimates'")
    records: list[dict[str, Any]] = []
    for index, item in enumerate(estimates):
        where = f"{symbol} indexTrend.estimates[{index}]"
        if not isinstance(item, dict):
            raise EstimatesParseError(f"{where}: expected an object")
        code = item.get("period")
        if code not in YAHOO_PERIODS:
            continue  # LTG: long-term growth, not a period (see the module docstring)
        growth = _number(item.get("growth"), f"{where}.growth")
        if growth is None:
            continue
        label, end = calendar_period(code, as_of)
        records.append(
            {
                "as_of_date": as_of,
                "entity_type": "index",
                "entity_id": entity_id,
                "fiscal_period": label,
                "period_end": end,
                "metric": "eps",
                # No prior actual is given: the index base is positive, growth is kept as sent.
                "growth_yoy": growth,
                "aggregation": "vendor",
                "source": "yahoo",
                "period_code": code,
            }
        )
    return _to_frame(records, payload_ref)


@dataclass
class SymbolOutcome:
    """What happened to one symbol (or, with entity_type 'index', to the index trend)."""

    symbol: str
    entity_type: str = "company"
    rows: int = 0
    payload_ref: str | None = None
    error: str | None = None
    error_type: str | None = None  # the error's class name
    # True when the failure may pass (429, 5xx, timeouts after the client's retries).
    transient: bool = False
    # True when Yahoo answered 404: it has no estimates for the symbol.
    not_found: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class EstimatesFetchResult:
    frame: pd.DataFrame  # FRAME_COLUMNS + payload_ref
    outcomes: list[SymbolOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[SymbolOutcome]:
        return [o for o in self.outcomes if o.failed]


def fetch_estimates(
    client: HttpClient,
    symbols: Iterable[str],
    *,
    base_url: str = DEFAULT_BASE_URL,
    cookie_url: str = COOKIE_URL,
    as_of: date,
    fiscal_year_ends: Mapping[str, str] | None = None,
    include_index_trend: bool = True,
) -> EstimatesFetchResult:
    """earningsTrend for every symbol and the S&P 500 indexTrend, with per-symbol outcomes.

    One quoteSummary request per symbol; ``indexTrend`` is asked for along with
    ``earningsTrend`` until one document has carried it (every US stock's quoteSummary holds
    the same S&P 500 block), so the index costs no extra request. An unknown symbol (404), an
    unusable document or a transient failure is recorded in that symbol's outcome and the
    other symbols go on; the index trend gets an outcome of its own (entity_type 'index').
    A failed handshake, or a 401 that a fresh crumb does not cure, raises: no symbol could be
    fetched then. ``fiscal_year_ends`` maps symbols to MMDD (default: companies.csv; others
    December).
    """
    symbols = [valid_ticker(symbol, "Yahoo estimates symbol") for symbol in symbols]
    if fiscal_year_ends is None:
        fiscal_year_ends = load_fiscal_year_ends()
    session = YahooSession(client, base_url=base_url, cookie_url=cookie_url)
    session.crumb()
    frames: list[pd.DataFrame] = []
    outcomes: list[SymbolOutcome] = []
    index_outcome = SymbolOutcome(symbol=YAHOO_INDEXES["SP5"], entity_type="index")
    index_done = not include_index_trend
    index_errors: list[str] = []
    for symbol in dict.fromkeys(symbols):
        outcome = SymbolOutcome(symbol=symbol)
        outcomes.append(outcome)
        want_index = not index_done
        modules = ("earningsTrend", "indexTrend") if want_index else ("earningsTrend",)
        try:
            payload = session.quote_summary(
                symbol, modules, archive_name=f"quoteSummary_{symbol}_{as_of.isoformat()}.json"
            )
        except YahooAuthError:
            raise
        except YahooSymbolNotFoundError as exc:
            outcome.error, outcome.not_found = str(exc), True
            outcome.error_type = type(exc).__name__
            log.warning("%s", exc)
            continue
        except SourceError as exc:
            outcome.error = str(exc)
            outcome.error_type = type(exc).__name__
            outcome.transient = isinstance(exc, TransientSourceError)
            log.warning("%s: quoteSummary failed: %s", symbol, exc)
            continue
        outcome.payload_ref = payload.payload_ref
        document = payload.json()
        try:
            frame = parse_earnings_trend(
                document,
                symbol,
                as_of=as_of,
                fiscal_year_end=fiscal_year_ends.get(symbol, "1231"),
                payload_ref=payload.payload_ref,
            )
        except EstimatesError as exc:
            outcome.error = str(exc)
            outcome.error_type = type(exc).__name__
            log.warning("%s: %s", symbol, exc)
        else:
            outcome.rows = len(frame)
            frames.append(frame)
        if want_index:
            try:
                index_frame = parse_index_trend(
                    document, as_of=as_of, payload_ref=payload.payload_ref, symbol=symbol
                )
            except EstimatesError as exc:
                index_errors.append(str(exc))
            else:
                if len(index_frame):
                    index_done = True
                    index_outcome.rows = len(index_frame)
                    index_outcome.payload_ref = payload.payload_ref
                    frames.append(index_frame)
    if include_index_trend:
        if not index_done:
            index_outcome.error = "no quoteSummary document carried a usable S&P 500 indexTrend" + (
                f" (last problem: {index_errors[-1]})" if index_errors else ""
            )
            # Not one document arrived because Yahoo was unreachable: the index failed for
            # the same passing reason, so an outage still reads as transient as a whole.
            index_outcome.transient = bool(outcomes) and all(
                o.failed and o.transient for o in outcomes
            )
            index_outcome.error_type = "TransientSourceError" if index_outcome.transient else None
        outcomes.append(index_outcome)
    frame = pd.concat(frames, ignore_index=True) if frames else empty_frame()
    return EstimatesFetchResult(frame=frame.astype(_frame_dtypes()), outcomes=outcomes)


def _frame_dtypes() -> dict[str, str]:
    return {**FRAME_COLUMNS, "payload_ref": "string"}
