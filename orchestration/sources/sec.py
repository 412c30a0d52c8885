"""SEC EDGAR: XBRL company facts (capex and the concepts it is compared with) and submissions.

Endpoints (``data.sec.gov``, no key):

* ``/api/xbrl/companyfacts/CIK##########.json`` - every non-dimensional XBRL fact a company
  filed, as ``facts -> taxonomy -> tag -> units -> unit -> [fact, ...]``. SEC answers 404 for a
  CIK without XBRL facts.
* ``/submissions/CIK##########.json`` - company metadata (``name``, ``fiscalYearEnd`` as MMDD)
  and its recent filings, column-oriented under ``filings.recent`` (at least the last year or
  the last 1,000 filings; older pages are listed in ``filings.files`` and not read here).

Wire facts that shape the parser (see the shared fixtures' README):

* ``fy``, ``fp``, ``form``, ``filed`` and ``accn`` describe the FILING that reported a fact, not
  the fact's period: the period is ``start``..``end`` (``start`` is absent for instants such as
  shares outstanding). ``fy``/``fp`` are null for facts from filings without a fiscal focus
  (proxy statements, prospectuses).
* The same fact repeats once per filing that reported it (prior-year comparatives in later
  filings). ``frame`` sits on one copy only (the latest filing's) and never on 6- or 9-month
  year-to-date facts. Every copy is kept: restatements are later copies with other values.
* 10-Q cash-flow values are year-to-date; some companies' 10-Qs also carry trailing-twelve-month
  columns. Deriving discrete quarters is dbt's job, not the parser's.
* Companies switch tags over time; a stale tag keeps returning its old values.
* SEC wants a User-Agent naming the application and a contact email, and at most 10 requests
  per second.

Pure parsing and request building: nothing here knows about Dagster.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.http import HttpClient, HttpStatusError, SourcePolicy
from orchestration.sources.identifiers import valid_ticker

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://data.sec.gov"
SOURCE = "sec"
# SEC's fair-access limit is 10 requests per second; stay 5% under it, as for FRED.
SEC_POLICY = SourcePolicy(name=SOURCE, requests_per_second=9.5, burst=9, read_timeout=90.0)

USER_AGENT_ENV_VAR = "SEC_USER_AGENT"
SAMPLE_USER_AGENT = "rotation-warehouse sample-mode sample@example.invalid"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
COMPANIES_CSV = SEEDS_DIR / "companies.csv"
CONCEPTS_CSV = SEEDS_DIR / "sec_concepts.csv"

COMPANY_TAXONOMIES = ("us-gaap", "ifrs-full")
CONCEPT_TAXONOMIES = ("us-gaap", "ifrs-full", "dei")
# The dbt capex models rely on these names.
CONCEPTS = (
    "capex",
    "finance_lease_principal",
    "revenue",
    "operating_cash_flow",
    "net_income",
    "eps_diluted",
    "shares_outstanding",
)
# Filings that carry a full set of financial statements: annual and quarterly reports and their
# amendments, and the annual reports of foreign private issuers. 6-K (a foreign issuer's current
# report) and 8-K are left out: their XBRL, when any, is not a periodic statement.
PERIODIC_FORMS = ("10-K", "10-K/A", "10-Q", "10-Q/A", "20-F", "20-F/A", "40-F", "40-F/A")

# Columns parse_companyfacts returns (plus payload_ref), in the order of raw.sec_facts.
SEC_FACT_COLUMNS: dict[str, str] = {
    "cik": "int64",
    "entity_name": "string",
    "taxonomy": "string",
    "tag": "string",
    "unit": "string",
    "period_start": "datetime64[s]",  # NaT for instant facts
    "period_end": "datetime64[s]",
    "val": "float64",
    "accn": "string",
    "fy": "Int64",
    "fp": "string",
    "form": "string",
    "filed": "datetime64[s]",
    "frame": "string",
}
NATURAL_KEY = ("cik", "taxonomy", "tag", "unit", "period_start", "period_end", "accn")

FILING_COLUMNS: dict[str, str] = {
    "accession_number": "string",
    "form": "string",
    "filing_date": "datetime64[s]",
    "report_date": "datetime64[s]",  # NaT when SEC sends ''
    "acceptance_datetime": "datetime64[s]",  # UTC
    "primary_document": "string",
    "primary_doc_description": "string",
    "items": "string",
    "size": "Int64",
    "is_xbrl": "boolean",
    "is_inline_xbrl": "boolean",
}
# submissions' filings.recent key -> our column
_FILING_KEYS = {
    "accessionNumber": "accession_number",
    "form": "form",
    "filingDate": "filing_date",
    "reportDate": "report_date",
    "acceptanceDateTime": "acceptance_datetime",
    "primaryDocument": "primary_document",
    "primaryDocDescription": "primary_doc_description",
    "items": "items",
    "size": "size",
    "isXBRL": "is_xbrl",
    "isInlineXBRL": "is_inline_xbrl",
}
_REQUIRED_FILING_KEYS = ("accessionNumber", "form", "filingDate")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class SecError(ValueError):
    """SEC configuration or payload that cannot be used; the message says what and where."""


class SecSeedError(SecError):
    """A row of companies.csv or sec_concepts.csv breaks the seed's contract."""


class SecConfigError(SecError):
    """A setting the SEC source needs is missing or unusable (e.g. the User-Agent)."""


class SecParseError(SecError):
    """A companyfacts or submissions document that does not have SEC's documented shape."""


class CompanyFactsNotFoundError(HttpStatusError):
    """SEC has no company facts for the CIK (HTTP 404): no XBRL filings, or a wrong CIK."""


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Company:
    ticker: str
    cik: int
    name: str
    fiscal_year_end: str  # MMDD; nominal for 52/53-week years
    is_hyperscaler: bool
    taxonomy: str  # us-gaap | ifrs-full
    notes: str = ""

    @property
    def cik10(self) -> str:
        return f"{self.cik:010d}"


@dataclass(frozen=True)
class ConceptTag:
    concept: str
    taxonomy: str
    tag: str
    unit: str
    description: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.taxonomy, self.tag, self.unit)


def _read_seed(path: Path, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row; the header must hold ``columns``."""
    # utf-8-sig: spreadsheet tools save CSVs with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise SecSeedError(f"{path.name} line 1: missing column(s) {missing}")
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():
                raise SecSeedError(
                    f"{path.name} line {line}: expected {len(reader.fieldnames or [])} fields"
                )
            yield line, {k: (v or "").strip() for k, v in row.items()}


def _fiscal_year_end(value: str) -> bool:
    if not re.fullmatch(r"\d{4}", value):
        return False
    try:
        date(2000, int(value[:2]), int(value[2:]))  # a leap year accepts 0229
    except ValueError:
        return False
    return True


def load_companies(path: Path = COMPANIES_CSV) -> list[Company]:
    """The companies to load, from the seed. Adding a company is one row there."""
    columns = ("ticker", "cik", "name", "fiscal_year_end", "is_hyperscaler", "taxonomy", "notes")
    companies: list[Company] = []
    tickers: dict[str, int] = {}
    ciks: dict[int, int] = {}
    for line, row in _read_seed(path, columns):

        def bad(column: str, expected: str, *, _row=row, _line=line) -> SecSeedError:
            return SecSeedError(
                f"{path.name} line {_line}, column {column}: {_row[column]!r} {expected}"
            )

        ticker = row["ticker"].upper()
        if not ticker:
            raise bad("ticker", "is empty")
        if ticker in tickers:
            raise bad("ticker", f"is already defined on line {tickers[ticker]}")
        valid_ticker(ticker, f"{path.name} line {line}, column ticker")
        if not re.fullmatch(r"[1-9]\d{0,9}", row["cik"]):
            raise bad("cik", "is not a whole number of at most 10 digits without leading zeros")
        cik = int(row["cik"])
        if cik in ciks:
            raise bad("cik", f"is already used on line {ciks[cik]}")
        if not _fiscal_year_end(row["fiscal_year_end"]):
            raise bad("fiscal_year_end", "is not a month and day written MMDD (e.g. 0630)")
        if row["is_hyperscaler"] not in ("true", "false"):
            raise bad("is_hyperscaler", "is neither true nor false")
        if row["taxonomy"] not in COMPANY_TAXONOMIES:
            raise bad("taxonomy", f"is not one of {list(COMPANY_TAXONOMIES)}")
        tickers[ticker] = line
        ciks[cik] = line
        companies.append(
            Company(
                ticker=ticker,
                cik=cik,
                name=row["name"],
                fiscal_year_end=row["fiscal_year_end"],
                is_hyperscaler=row["is_hyperscaler"] == "true",
                taxonomy=row["taxonomy"],
                notes=row["notes"],
            )
        )
    return companies


def load_concepts(path: Path = CONCEPTS_CSV) -> list[ConceptTag]:
    """The candidate tags per concept, from the seed. Adding a candidate tag is one row there."""
    columns = ("concept", "taxonomy", "tag", "unit", "description")
    concepts: list[ConceptTag] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in _read_seed(path, columns):

        def bad(column: str, expected: str, *, _row=row, _line=line) -> SecSeedError:
            return SecSeedError(
                f"{path.name} line {_line}, column {column}: {_row[column]!r} {expected}"
            )

        if row["concept"] not in CONCEPTS:
            raise bad("concept", f"is not one of {list(CONCEPTS)}")
        if row["taxonomy"] not in CONCEPT_TAXONOMIES:
            raise bad("taxonomy", f"is not one of {list(CONCEPT_TAXONOMIES)}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", row["tag"]):
            raise bad("tag", "is not an XBRL element name")
        if not re.fullmatch(r"[A-Za-z]+(/[A-Za-z]+)?", row["unit"]):
            raise bad("unit", "is not a company-facts unit such as USD, USD/shares or shares")
        tag = ConceptTag(
            concept=row["concept"],
            taxonomy=row["taxonomy"],
            tag=row["tag"],
            unit=row["unit"],
            description=row["description"],
        )
        if tag.key in seen:
            raise bad(
                "tag", f"with this taxonomy and unit is already listed on line {seen[tag.key]}"
            )
        seen[tag.key] = line
        concepts.append(tag)
    return concepts


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------
def sec_user_agent(value: str | None, *, live: bool) -> str:
    """The User-Agent for SEC requests, from the ``SEC_USER_AGENT`` setting.

    Live: SEC blocks requests whose User-Agent does not name the application and a contact
    email, so a missing or email-less value is a configuration error raised before any request.
    Sample: the value if given, else a placeholder that names the sample mode.
    """
    text = (value or "").strip()
    if not live:
        return text or SAMPLE_USER_AGENT
    if not text:
        raise SecConfigError(
            f"{USER_AGENT_ENV_VAR} is not set: in live mode SEC requires a User-Agent naming the "
            "application and a contact email, e.g. 'rotation-warehouse data-team@example.com'"
        )
    if not _EMAIL.search(text):
        raise SecConfigError(
            f"{USER_AGENT_ENV_VAR}={text!r} has no contact email address: SEC requires a "
            "User-Agent naming the application and an email, e.g. "
            "'rotation-warehouse data-team@example.com'"
        )
    return text


def _cik10(cik: int) -> str:
    if isinstance(cik, bool) or not isinstance(cik, int) or not 0 < cik < 10**10:
        raise SecConfigError(f"CIK must be a positive whole number of at most 10 digits: {cik!r}")
    return f"{cik:010d}"


def companyfacts_url(base_url: str, cik: int) -> str:
    return f"{base_url.rstrip('/')}/api/xbrl/companyfacts/CIK{_cik10(cik)}.json"


def submissions_url(base_url: str, cik: int) -> str:
    return f"{base_url.rstrip('/')}/submissions/CIK{_cik10(cik)}.json"


# --------------------------------------------------------------------------------------------
# Company facts
# --------------------------------------------------------------------------------------------
def _document_cik(document: dict, what: str) -> int:
    value = document.get("cik")
    try:
        # companyfacts sends an integer, submissions a zero-padded string.
        cik = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        cik = None
    if cik is None or cik <= 0:
        raise SecParseError(f"{what}: 'cik' is {value!r}, not a CIK")
    return cik


def _iso_dates(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD strings to datetime64[s]; anything else (including impossible days) is NaT."""
    text = values.astype("string")
    shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
    return parsed.astype("datetime64[s]")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def parse_companyfacts(
    document: dict, concepts: Iterable[ConceptTag], *, payload_ref: str | None = None
) -> pd.DataFrame:
    """Facts of the configured (taxonomy, tag, unit) triples as typed rows of raw.sec_facts.

    Returns :data:`SEC_FACT_COLUMNS` plus ``payload_ref``: one row per fact per filing that
    reported it, unique on :data:`NATURAL_KEY`. Tags and units that are not configured are
    skipped; configured ones the company never used are simply absent.
    """
    if not isinstance(document, dict):
        raise SecParseError(f"companyfacts: expected a JSON object, got {type(document).__name__}")
    cik = _document_cik(document, "companyfacts")
    entity_name = document.get("entityName")
    facts = document.get("facts")
    if not isinstance(facts, dict):
        raise SecParseError(
            f"companyfacts CIK {cik} ({entity_name}): no 'facts' object (keys: {sorted(document)})"
        )

    # One pass in Python gathers the kept items (a few hundred per tag at most); the checks and
    # type conversions below run on whole columns.
    items: list[dict] = []
    origin: list[tuple[str, str, str, int]] = []  # (taxonomy, tag, unit, item index)
    for taxonomy, tag, unit in dict.fromkeys(c.key for c in concepts):
        elements = facts.get(taxonomy) or {}
        if not isinstance(elements, dict):
            raise SecParseError(f"companyfacts CIK {cik} facts.{taxonomy}: expected an object")
        element = elements.get(tag)
        if element is None:
            continue
        where = f"companyfacts CIK {cik} {taxonomy}:{tag}"
        units = element.get("units") if isinstance(element, dict) else None
        if not isinstance(units, dict):
            raise SecParseError(f"{where}: no 'units' object")
        listed = units.get(unit)
        if listed is None:
            continue
        if not isinstance(listed, list):
            raise SecParseError(f"{where} [{unit}]: expected a list of facts")
        for index, item in enumerate(listed):
            if not isinstance(item, dict):
                raise SecParseError(
                    f"{where} [{unit}] item {index}: expected an object, got {item!r:.80}"
                )
        items.extend(listed)
        origin.extend((taxonomy, tag, unit, index) for index in range(len(listed)))

    if not items:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in SEC_FACT_COLUMNS.items()})
        return empty.assign(payload_ref=pd.Series(dtype="string"))

    raw = pd.DataFrame.from_records(items)
    places = pd.DataFrame(origin, columns=["taxonomy", "tag", "unit", "index"])

    def fail(row: int, message: str) -> SecParseError:
        taxonomy, tag, unit, index = places.iloc[row]
        return SecParseError(
            f"companyfacts CIK {cik} {taxonomy}:{tag} [{unit}] item {index}: {message}"
        )

    for field in ("end", "val", "accn", "filed"):
        if field not in raw.columns:
            raise fail(0, f"field '{field}' is missing")
        missing = raw[field].isna().to_numpy(copy=True)
        if field == "accn":
            missing |= (raw[field].astype("string").str.strip() == "").fillna(True).to_numpy()
        if missing.any():
            raise fail(int(np.flatnonzero(missing)[0]), f"field '{field}' is missing")

    dates: dict[str, pd.Series] = {}
    for field in ("start", "end", "filed"):
        if field not in raw.columns:
            dates[field] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
            continue
        parsed = _iso_dates(raw[field])
        bad = (parsed.isna() & raw[field].notna()).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise fail(row, f"field '{field}' is {raw[field].iloc[row]!r}, not a YYYY-MM-DD date")
        dates[field] = parsed

    values = raw["val"]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        numeric = values.map(_is_number).to_numpy(dtype=bool)
        if not numeric.all():
            row = int(np.flatnonzero(~numeric)[0])
            raise fail(row, f"field 'val' is {values.iloc[row]!r}, not a number")

    fiscal_year = raw["fy"] if "fy" in raw.columns else pd.Series(None, index=raw.index)
    fy_numbers = pd.to_numeric(fiscal_year, errors="coerce")
    bad_fy = (fy_numbers.isna() & fiscal_year.notna()) | (
        fy_numbers.notna() & (fy_numbers % 1 != 0)
    )
    bad_fy = bad_fy.to_numpy()
    if bad_fy.any():
        row = int(np.flatnonzero(bad_fy)[0])
        raise fail(row, f"field 'fy' is {fiscal_year.iloc[row]!r}, not a year")

    def text(field: str) -> pd.Series:
        if field not in raw.columns:
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        return raw[field].astype("string")

    frame = pd.DataFrame(
        {
            "cik": np.full(len(raw), cik, dtype="int64"),
            "entity_name": pd.Series(entity_name, index=raw.index, dtype="string"),
            "taxonomy": places["taxonomy"].astype("string"),
            "tag": places["tag"].astype("string"),
            "unit": places["unit"].astype("string"),
            "period_start": dates["start"],
            "period_end": dates["end"],
            "val": values.astype("float64"),
            "accn": raw["accn"].astype("string").str.strip(),
            "fy": fy_numbers.astype("Int64"),
            "fp": text("fp"),
            "form": text("form"),
            "filed": dates["filed"],
            "frame": text("frame"),
        }
    )
    frame = _collapse_duplicates(frame)
    frame["payload_ref"] = pd.Series(payload_ref, index=frame.index, dtype="string")
    return frame.astype(SEC_FACT_COLUMNS).reset_index(drop=True)


def _collapse_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Make the natural key unique.

    SEC lists a fact once per filing, so (period, accn) is normally unique per tag and unit (it
    is in Alphabet's recorded file). Should one filing's fact arrive twice anyway, keep the copy
    carrying ``frame`` (the one SEC's frames API serves), else the first in document order; the
    result does not depend on anything but the document. Copies that disagree on the value are
    logged, because then the choice matters.
    """
    key = list(NATURAL_KEY)
    duplicated = frame.duplicated(subset=key, keep=False)
    if not duplicated.any():
        return frame
    groups = frame[duplicated]
    conflicting = groups.groupby(key, dropna=False)["val"].nunique(dropna=False)
    if (conflicting > 1).any():
        log.warning(
            "SEC CIK %s: %d fact(s) reported twice by the same filing with different values; "
            "keeping the copy with a frame (else the first): %s",
            frame["cik"].iat[0],
            int((conflicting > 1).sum()),
            conflicting[conflicting > 1].index[:3].tolist(),
        )
    order = frame.assign(_has_frame=frame["frame"].notna(), _position=np.arange(len(frame)))
    order = order.sort_values(["_has_frame", "_position"], ascending=[False, True], kind="stable")
    kept = order.drop_duplicates(subset=key, keep="first").sort_values("_position")
    return kept.drop(columns=["_has_frame", "_position"])


# --------------------------------------------------------------------------------------------
# Submissions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submissions:
    cik: int
    name: str | None
    fiscal_year_end: str | None  # MMDD as SEC sends it, e.g. "0630"
    tickers: tuple[str, ...]
    filings: pd.DataFrame  # FILING_COLUMNS, newest first as SEC sends them


@dataclass(frozen=True)
class LatestFiling:
    accession_number: str
    form: str
    filing_date: date
    report_date: date | None
    primary_document: str | None = None


def parse_submissions(document: dict) -> Submissions:
    """Company metadata and the recent filings of ``/submissions/CIK##########.json``."""
    if not isinstance(document, dict):
        raise SecParseError(f"submissions: expected a JSON object, got {type(document).__name__}")
    cik = _document_cik(document, "submissions")
    where = f"submissions CIK {cik}"
    recent = (document.get("filings") or {}).get("recent")
    if not isinstance(recent, dict):
        raise SecParseError(f"{where}: no 'filings.recent' object")
    missing = [k for k in _REQUIRED_FILING_KEYS if k not in recent]
    if missing:
        raise SecParseError(f"{where}: filings.recent has no {missing}")
    lengths = {k: len(v) for k, v in recent.items() if isinstance(v, list)}
    count = lengths.get("accessionNumber", 0)
    uneven = {k: n for k, n in lengths.items() if k in _FILING_KEYS and n != count}
    if uneven or any(not isinstance(recent[k], list) for k in _REQUIRED_FILING_KEYS):
        raise SecParseError(
            f"{where}: filings.recent columns differ in length ({count} accession numbers; {uneven})"
        )

    raw = pd.DataFrame({c: recent[k] for k, c in _FILING_KEYS.items() if k in recent})
    filings = pd.DataFrame(index=raw.index)
    for column, dtype in FILING_COLUMNS.items():
        if column not in raw.columns:
            filings[column] = pd.Series(pd.NA, index=raw.index, dtype=dtype)
        elif dtype.startswith("datetime"):
            filings[column] = _filing_dates(raw, column, where)
        elif dtype == "boolean":
            # SEC writes flags as 0/1.
            filings[column] = raw[column].map(lambda v: None if v is None else bool(v))
        else:
            filings[column] = raw[column]
    filings = filings.astype(FILING_COLUMNS)
    tickers = document.get("tickers") or []
    return Submissions(
        cik=cik,
        name=document.get("name"),
        fiscal_year_end=document.get("fiscalYearEnd") or None,
        tickers=tuple(str(t) for t in tickers),
        filings=filings,
    )


def _filing_dates(raw: pd.DataFrame, column: str, where: str) -> pd.Series:
    """Dates of one filings.recent column; '' (e.g. no reportDate) is NaT, garbage an error."""
    values = raw[column].astype("string").str.strip()
    values = values.mask(values == "")
    if column == "acceptance_datetime":  # 2026-01-28T21:07:34.000Z
        parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
        parsed = parsed.dt.tz_localize(None).astype("datetime64[s]")
    else:
        parsed = _iso_dates(values)
    bad = parsed.isna() & values.notna()
    if column == "filing_date":
        bad |= values.isna()
    bad = bad.to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SecParseError(
            f"{where}: filing {row} ({raw['accession_number'].iloc[row]}) has "
            f"{column}={raw[column].iloc[row]!r}"
        )
    return parsed


def latest_periodic_filing(
    filings: pd.DataFrame | Submissions, forms: Sequence[str] = PERIODIC_FORMS
) -> LatestFiling | None:
    """The newest filing whose form is one of ``forms`` (by filing date, then acceptance time)."""
    if isinstance(filings, Submissions):
        filings = filings.filings
    periodic = filings[filings["form"].isin(list(forms)).fillna(False).astype(bool)]
    if periodic.empty:
        return None
    newest = periodic.sort_values(
        ["filing_date", "acceptance_datetime", "accession_number"], na_position="first"
    ).iloc[-1]
    report_date = newest["report_date"]
    primary = newest["primary_document"]
    return LatestFiling(
        accession_number=str(newest["accession_number"]),
        form=str(newest["form"]),
        filing_date=newest["filing_date"].date(),
        report_date=None if pd.isna(report_date) else report_date.date(),
        primary_document=None if pd.isna(primary) else str(primary),
    )


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompanyFactsResult:
    """One company's configured facts as fetched from SEC."""

    ticker: str
    cik: int
    entity_name: str | None
    frame: pd.DataFrame  # SEC_FACT_COLUMNS + payload_ref
    payload_ref: str | None
    url: str
    fetched_at: datetime


@dataclass(frozen=True)
class LatestFilingResult:
    """A company's submissions document and its newest periodic filing."""

    ticker: str
    submissions: Submissions
    latest: LatestFiling | None
    payload_ref: str | None
    fetched_at: datetime


def fetch_companyfacts(
    client: HttpClient,
    company: Company,
    *,
    base_url: str = DEFAULT_BASE_URL,
    concepts: Iterable[ConceptTag],
    user_agent: str,
) -> CompanyFactsResult:
    """GET the company facts of ``company`` and parse the configured concepts.

    HTTP failures propagate as the client raised them; a 404 becomes
    :class:`CompanyFactsNotFoundError` naming the ticker and CIK.
    """
    url = companyfacts_url(base_url, company.cik)
    try:
        payload = client.get(
            SOURCE,
            url,
            headers={"User-Agent": user_agent},
            expect="json",
            archive_name=f"companyfacts_CIK{company.cik10}.json",
        )
    except HttpStatusError as exc:
        if exc.status != 404:
            raise
        raise CompanyFactsNotFoundError(
            f"SEC has no XBRL company facts for {company.ticker} (CIK {company.cik}, "
            f"CIK{company.cik10}): HTTP 404. Check the CIK in companies.csv; a company without "
            "XBRL filings cannot be loaded",
            url=exc.url,
            source=exc.source,
            status=404,
        ) from None
    document = payload.json()
    if not isinstance(document, dict):
        raise SecParseError(
            f"companyfacts for {company.ticker}: expected a JSON object, "
            f"got {type(document).__name__}"
        )
    cik = _document_cik(document, f"companyfacts for {company.ticker}")
    if cik != company.cik:
        raise SecParseError(
            f"companyfacts for {company.ticker}: asked for CIK {company.cik}, "
            f"the document is for CIK {cik}"
        )
    frame = parse_companyfacts(document, concepts, payload_ref=payload.payload_ref)
    return CompanyFactsResult(
        ticker=company.ticker,
        cik=company.cik,
        entity_name=document.get("entityName"),
        frame=frame,
        payload_ref=payload.payload_ref,
        url=payload.url,
        fetched_at=payload.fetched_at,
    )


def fetch_latest_filing(
    client: HttpClient,
    company: Company,
    *,
    base_url: str = DEFAULT_BASE_URL,
    user_agent: str,
    forms: Sequence[str] = PERIODIC_FORMS,
) -> LatestFilingResult:
    """GET the submissions of ``company`` and find its newest periodic filing.

    Cheap (one small document) compared with company facts: comparing its accession number
    with the newest ``accn`` already loaded tells whether company facts need fetching again.
    """
    payload = client.get(
        SOURCE,
        submissions_url(base_url, company.cik),
        headers={"User-Agent": user_agent},
        expect="json",
        archive_name=f"submissions_CIK{company.cik10}.json",
    )
    submissions = parse_submissions(payload.json())
    if submissions.cik != company.cik:
        raise SecParseError(
            f"submissions for {company.ticker}: asked for CIK {company.cik}, "
            f"the document is for CIK {submissions.cik}"
        )
    if submissions.fiscal_year_end and submissions.fiscal_year_end != company.fiscal_year_end:
        # 52/53-week filers move by a few days each year; a different month means the seed is out
        # of date.
        log.info(
            "%s: SEC fiscalYearEnd %s, companies.csv says %s",
            company.ticker,
            submissions.fiscal_year_end,
            company.fiscal_year_end,
        )
    return LatestFilingResult(
        ticker=company.ticker,
        submissions=submissions,
        latest=latest_periodic_filing(submissions.filings, forms),
        payload_ref=payload.payload_ref,
        fetched_at=payload.fetched_at,
    )
