"""The vendor estimate file drop: contract checks, quarantine and the pending-file listing.

Files are built by hand here, one problem at a time, so each test shows exactly which line
and column a problem is reported at and that nothing of a rejected file is returned.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from orchestration.sources import estimates

TODAY = date(2026, 11, 22)
CHECKED_AT = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
HEADER = ",".join(estimates.ESTIMATE_COLUMNS)

# Line 2..6 of a valid file (line 1 is the header).
VALID_ROWS = [
    "2026-11-20,index,SP500,CY2026,2026-12-31,eps,307.78,,,,,266.86,0.153337,vendor,USD,acme",
    "2026-11-20,index,R2000,CY2026,2026-12-31,eps,71.56,,,,1950,58.03,0.233155,vendor,USD,acme",
    "2026-11-20,sector,Information Technology,CY2027,2027-12-31,revenue,451.6,,,,,425.3,"
    "0.061838,bottom_up_sum,USD,acme",
    "2026-11-20,company,MSFT,2027Q2,2026-12-31,eps,4.4,4.41,4.92,3.82,46,3.83,0.148825,"
    "consensus,USD,acme",
    "2026-11-20,company,CRWV,FY2026,2026-12-31,eps,-0.4021,-0.41,-0.2477,-0.5569,16,-1.0009,"
    "-0.598262,consensus,USD,acme",
]


@pytest.fixture(scope="module")
def entities() -> dict[str, estimates.Entity]:
    return estimates.load_entities()


def write(folder: Path, name: str, lines: list[str], header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def parse(path: Path, entities) -> estimates.EstimateFile:
    return estimates.parse_drop_file(
        path, entities=entities, today=TODAY, checked_at=CHECKED_AT, payload_ref="drops/x.gz"
    )


def reject(path: Path, entities) -> tuple[estimates.EstimateFileError, Path]:
    """Check a bad file, quarantine it and prove nothing is left to load."""
    original = path.read_bytes()
    with pytest.raises(estimates.EstimateFileError) as caught:
        parse(path, entities)
    error = caught.value
    assert error.sha256 == hashlib.sha256(original).hexdigest()
    quarantine_dir = estimates.quarantine_dir_for(path.parent)
    report = estimates.quarantine(path, quarantine_dir, error)
    assert not path.exists()
    moved = quarantine_dir / f"{path.stem}.{error.sha256[:12]}.csv"
    assert moved.read_bytes() == original
    assert report == quarantine_dir / f"{moved.name}.error.txt"
    text = report.read_text()
    assert f"Estimate file rejected: {path.name}" in text
    assert f"sha256: {error.sha256}" in text
    assert "checked at: 2026-11-22T06:00:00+00:00" in text
    for problem in error.problems:
        assert f"- {problem}" in text
    # The quarantine folder is not a drop: nothing there is pending.
    assert estimates.pending_drop_files(path.parent, {}) == []
    return error, report


# ------------------------------------------------------------------------------------------
# Entities seed
# ------------------------------------------------------------------------------------------
def test_entities_seed(entities):
    kinds = pd.Series([e.entity_type for e in entities.values()]).value_counts().to_dict()
    assert kinds["index"] == 2 and kinds["sector"] == 11
    assert {e for e, v in entities.items() if v.entity_type == "sector"} == set(
        estimates.GICS_SECTORS
    )
    assert entities["MSFT"].index_id == "SP500"
    assert entities["MSFT"].gics_sector == "Information Technology"
    assert entities["AMZN"].gics_sector == "Consumer Discretionary"
    assert entities["GOOGL"].gics_sector == "Communication Services"
    assert entities["IONQ"].index_id == "R2000"
    assert entities["TSM"].index_id is None
    assert entities["NVDA"].is_theme_company and not entities["GS"].is_theme_company


def test_entities_cover_the_instruments_and_companies_seeds(entities):
    seeds = Path(estimates.SEEDS_DIR)
    instruments = pd.read_csv(seeds / "instruments.csv", dtype=str)
    companies = pd.read_csv(seeds / "companies.csv", dtype=str)
    expected = set(instruments.loc[instruments["asset_class"] == "equity", "symbol"])
    expected |= set(companies["ticker"])
    known = {e for e, v in entities.items() if v.entity_type == "company"}
    assert expected <= known
    r2000 = {e for e, v in entities.items() if v.index_id == "R2000"}
    assert len(r2000) >= 5


def test_a_broken_entities_seed_names_line_and_column(tmp_path):
    path = tmp_path / "estimate_entities.csv"
    path.write_text(
        "entity_type,entity_id,name,index_id,gics_sector,is_theme_company\n"
        "index,SP500,S&P 500,,,false\n"
        "company,MSFT,Microsoft,SP500,Tech,true\n"
    )
    with pytest.raises(estimates.EstimateSeedError, match=r"line 3, column gics_sector: 'Tech'"):
        estimates.load_entities(path)


# ------------------------------------------------------------------------------------------
# A valid file
# ------------------------------------------------------------------------------------------
def test_a_valid_file_parses_to_exact_values(tmp_path, entities):
    path = write(tmp_path, "estimates_2026-11-20.csv", VALID_ROWS)
    parsed = parse(path, entities)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (parsed.name, parsed.sha256, parsed.as_of_date) == (
        "estimates_2026-11-20.csv",
        sha,
        date(2026, 11, 20),
    )
    frame = parsed.frame
    assert list(frame.columns) == [*estimates.FRAME_COLUMNS, "payload_ref"]
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        **estimates.FRAME_COLUMNS,
        "payload_ref": "string",
    }
    assert len(frame) == 5
    sp500 = frame.iloc[0]
    assert sp500["as_of_date"] == pd.Timestamp("2026-11-20")
    assert (sp500["entity_type"], sp500["entity_id"], sp500["fiscal_period"]) == (
        "index",
        "SP500",
        "CY2026",
    )
    assert sp500["period_end"] == pd.Timestamp("2026-12-31")
    assert (sp500["metric"], sp500["estimate_mean"], sp500["actual_prior_period"]) == (
        "eps",
        307.78,
        266.86,
    )
    assert sp500["growth_yoy"] == 0.153337
    assert pd.isna(sp500["estimate_median"]) and pd.isna(sp500["n_estimates"])
    assert (sp500["aggregation"], sp500["currency"], sp500["source"]) == ("vendor", "USD", "acme")
    assert frame.iloc[1]["n_estimates"] == 1950
    assert frame.iloc[2]["entity_id"] == "Information Technology"
    msft = frame.iloc[3]
    assert [msft[c] for c in ("estimate_median", "estimate_high", "estimate_low")] == [
        4.41,
        4.92,
        3.82,
    ]
    assert msft["fiscal_period"] == "2027Q2" and msft["n_estimates"] == 46
    crwv = frame.iloc[4]
    assert crwv["actual_prior_period"] == -1.0009
    assert pd.isna(crwv["growth_yoy"])  # the vendor's -0.598262 on a loss base is dropped
    # Yahoo-only columns are NULL; the file's identity is on every row.
    yahoo_only = [c for c in estimates.FRAME_COLUMNS if c.endswith(("ago", "_7d", "_30d"))]
    assert frame[[*yahoo_only, "period_code"]].isna().all().all()
    assert set(frame["file_name"]) == {"estimates_2026-11-20.csv"}
    assert set(frame["file_sha256"]) == {sha}
    assert set(frame["payload_ref"]) == {"drops/x.gz"}


def test_column_order_bom_crlf_and_extra_columns_do_not_matter(tmp_path, entities):
    columns = list(reversed(estimates.ESTIMATE_COLUMNS)) + ["vendor_note"]
    cells = VALID_ROWS[3].split(",")
    by_name = dict(zip(estimates.ESTIMATE_COLUMNS, cells, strict=True))
    line = ",".join([*(by_name[c] for c in reversed(estimates.ESTIMATE_COLUMNS)), '"a, b"'])
    path = tmp_path / "estimates_2026-11-20.csv"
    path.write_bytes(("\ufeff" + ",".join(columns) + "\r\n" + line + "\r\n").encode("utf-8"))
    frame = parse(path, entities).frame
    assert list(frame.columns) == [*estimates.FRAME_COLUMNS, "payload_ref"]
    assert frame.iloc[0]["entity_id"] == "MSFT" and frame.iloc[0]["estimate_high"] == 4.92


# ------------------------------------------------------------------------------------------
# One test per malformed case
# ------------------------------------------------------------------------------------------
def test_missing_column(tmp_path, entities):
    header = HEADER.replace(",growth_yoy", "")
    lines = [",".join(r.split(",")[:12] + r.split(",")[13:]) for r in VALID_ROWS[:2]]
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", lines, header), entities)
    assert error.problems == ["line 1 (header): missing column(s) ['growth_yoy']"]


def test_unparseable_number(tmp_path, entities):
    rows = list(VALID_ROWS)
    rows[1] = rows[1].replace(",71.56,", ',"1,071.56",')
    rows[3] = rows[3].replace(",46,", ",forty-six,")
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 3, column estimate_mean: '1,071.56' is not a number (plain decimal, no "
        "thousands separators)",
        "line 5, column n_estimates: 'forty-six' is not a whole number of estimates",
    ]


def test_low_above_high(tmp_path, entities):
    rows = list(VALID_ROWS)
    rows[3] = rows[3].replace(",4.92,3.82,", ",3.82,4.92,")
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 5, columns estimate_low/estimate_high: low 4.92 is above high 3.82"
    ]


def test_mean_outside_low_high(tmp_path, entities):
    rows = list(VALID_ROWS)
    rows[3] = rows[3].replace(",4.4,4.41,", ",5.4,4.41,")
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 5, column estimate_mean: '5.4' is outside estimate_low..estimate_high (3.82..4.92)"
    ]


def test_unknown_entity(tmp_path, entities):
    rows = list(VALID_ROWS)
    rows[4] = rows[4].replace(",CRWV,", ",ACME,")
    rows[0] = rows[0].replace("index,SP500", "company,SP500")
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 2, column entity_id: 'SP500' is of entity_type index in estimate_entities.csv, "
        "not company",
        "line 6, column entity_id: 'ACME' is not a known entity (estimate_entities.csv)",
    ]


def test_duplicate_keys(tmp_path, entities):
    rows = [*VALID_ROWS, VALID_ROWS[1].replace(",71.56,", ",72.00,")]
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 7, columns as_of_date+entity_id+fiscal_period+metric+source: "
        "(2026-11-20, R2000, CY2026, eps, acme) repeats line 3"
    ]


def test_future_as_of_date(tmp_path, entities):
    rows = [r.replace("2026-11-20,", "2026-11-27,", 1) for r in VALID_ROWS]
    error, _ = reject(write(tmp_path, "estimates_2026-11-27.csv", rows), entities)
    assert error.problems == [
        "line 2, column as_of_date: 2026-11-27 is after today (2026-11-22); 5 row(s) carry it"
    ]


def test_more_than_one_as_of_date(tmp_path, entities):
    rows = list(VALID_ROWS)
    rows[2] = rows[2].replace("2026-11-20,", "2026-11-13,", 1)
    rows[4] = rows[4].replace("2026-11-20,", "2026-11-13,", 1)
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 4, column as_of_date: 2026-11-13 differs from 2026-11-20 (line 2); one file "
        "holds one as-of date (2 row(s) carry 2026-11-13)"
    ]


def test_other_contract_breaches_are_reported_together(tmp_path, entities):
    rows = [
        "2026-11-20,fund,SP500,CY2026,2026-12-30,ebitda,1,,,,,,,vendor,usd,",
        "2026-13-01,index,R2000,2026H2,,eps,,,,,,,,,,acme",
        "2026-11-20,index,R2000,CY2026",
    ]
    error, _ = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert error.problems == [
        "line 2, column entity_type: 'fund' is not one of ['index', 'sector', 'company']",
        "line 2, column period_end: '2026-12-30' is not the last day of calendar year CY2026",
        "line 2, column metric: 'ebitda' is not one of ['eps', 'revenue']",
        "line 2, column source: '' is empty",
        "line 2, column currency: 'usd' is not a three-letter currency code such as USD",
        "line 3, column as_of_date: '2026-13-01' is not a YYYY-MM-DD date",
        "line 3, column fiscal_period: '2026H2' is not FY2026, CY2026 or 2026Q3 form",
        "line 3, column estimate_mean: '' is empty",
        "line 4: 4 fields, the header has 16",
    ]


def test_an_empty_file_and_a_header_only_file_are_rejected(tmp_path, entities):
    empty = tmp_path / "drop" / "estimates_empty.csv"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    error, _ = reject(empty, entities)
    assert error.problems == ["line 1: the file is empty (no header)"]
    header_only = write(tmp_path / "drop", "estimates_header.csv", [])
    error, _ = reject(header_only, entities)
    assert error.problems == ["line 2: the file has a header but no data rows"]


def test_problems_are_capped_with_a_count(tmp_path, entities):
    rows = [
        f"2026-11-20,company,T{i:03d},FY2026,,eps,1,,,,,,,consensus,USD,acme" for i in range(60)
    ]
    error, report = reject(write(tmp_path, "estimates_2026-11-20.csv", rows), entities)
    assert len(error.problems) == estimates.MAX_PROBLEMS == 50
    assert error.total == 60
    assert error.problems[0] == (
        "line 2, column entity_id: 'T000' is not a known entity (estimate_entities.csv)"
    )
    assert "- ... and 10 more problem(s) not listed" in report.read_text()
    assert str(error).startswith("estimates_2026-11-20.csv: 60 problem(s), the first: line 2")


# ------------------------------------------------------------------------------------------
# Quarantine
# ------------------------------------------------------------------------------------------
def test_two_rejected_versions_of_one_name_do_not_collide(tmp_path, entities):
    drop = tmp_path / "drop"
    bad = [VALID_ROWS[0].replace(",SP500,", ",XX,")]
    first, first_report = reject(write(drop, "estimates_2026-11-20.csv", bad), entities)
    second, second_report = reject(
        write(drop, "estimates_2026-11-20.csv", [*bad, VALID_ROWS[1]]), entities
    )
    assert first.sha256 != second.sha256 and first_report != second_report
    names = sorted(p.name for p in estimates.quarantine_dir_for(drop).iterdir())
    assert names == sorted(
        [
            f"estimates_2026-11-20.{first.sha256[:12]}.csv",
            f"estimates_2026-11-20.{first.sha256[:12]}.csv.error.txt",
            f"estimates_2026-11-20.{second.sha256[:12]}.csv",
            f"estimates_2026-11-20.{second.sha256[:12]}.csv.error.txt",
        ]
    )


def test_a_file_changed_after_its_check_is_not_quarantined(tmp_path, entities):
    path = write(tmp_path, "estimates_2026-11-20.csv", [VALID_ROWS[0].replace("SP500", "XX")])
    with pytest.raises(estimates.EstimateFileError) as caught:
        parse(path, entities)
    path.write_text(path.read_text() + VALID_ROWS[1] + "\n")
    with pytest.raises(estimates.FileChangedError, match="changed after it was checked"):
        estimates.quarantine(path, tmp_path / "quarantine", caught.value)
    assert path.exists()
    assert not list((tmp_path / "quarantine").glob("*.csv"))


def test_the_report_is_written_before_the_file_moves(tmp_path, entities, monkeypatch):
    """A crash between the two steps leaves the file in the drop, with a report already out."""
    path = write(tmp_path, "estimates_2026-11-20.csv", [VALID_ROWS[0].replace("SP500", "XX")])
    with pytest.raises(estimates.EstimateFileError) as caught:
        parse(path, entities)
    real_replace = os.replace

    def crash_on_the_data_file(source, target):
        if str(target).endswith(".csv"):
            raise OSError("simulated crash")
        real_replace(source, target)

    monkeypatch.setattr(estimates.os, "replace", crash_on_the_data_file)
    with pytest.raises(OSError, match="simulated crash"):
        estimates.quarantine(path, tmp_path / "quarantine", caught.value)
    assert path.exists()
    assert [p.name for p in (tmp_path / "quarantine").iterdir()] == [
        f"estimates_2026-11-20.{caught.value.sha256[:12]}.csv.error.txt"
    ]
    monkeypatch.setattr(estimates.os, "replace", real_replace)
    estimates.quarantine(path, tmp_path / "quarantine", caught.value)  # the next attempt
    assert not path.exists()


# ------------------------------------------------------------------------------------------
# Pending files
# ------------------------------------------------------------------------------------------
def set_mtime(path: Path, when: str) -> None:
    stamp = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def test_pending_files_honour_the_seen_map_and_ignore_partial_files(tmp_path):
    drop = tmp_path / "drop"
    older = write(drop, "estimates_2026-11-13.csv", VALID_ROWS[:1])
    newer = write(drop, "estimates_2026-11-20.csv", VALID_ROWS[:2])
    set_mtime(older, "2026-11-20T10:00:00")  # delivered late: after the newer as-of date
    set_mtime(newer, "2026-11-20T09:00:00")
    for junk in (
        "estimates_2026-11-27.csv.part",
        "estimates_2026-11-27.csv.tmp",
        "estimates_2026-11-27.tmp",
        ".estimates_2026-11-27.csv",
        "~estimates.csv",
        "notes.txt",
    ):
        (drop / junk).write_text("partial")
    (drop / "quarantine").mkdir()
    (drop / "quarantine" / "estimates_2026-11-06.abc.csv").write_text("x")

    pending = estimates.pending_drop_files(drop, {})
    assert [f.name for f in pending] == ["estimates_2026-11-20.csv", "estimates_2026-11-13.csv"]
    assert pending[1].mtime == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert pending[0].sha256 == hashlib.sha256(newer.read_bytes()).hexdigest()
    assert pending[0].path == newer

    seen = {f.name: f.sha256 for f in pending}
    assert estimates.pending_drop_files(drop, seen) == []

    # Same name, changed bytes: a new version.
    write(drop, "estimates_2026-11-13.csv", VALID_ROWS[:3])
    (again,) = estimates.pending_drop_files(drop, seen)
    assert again.name == "estimates_2026-11-13.csv" and again.sha256 != seen[again.name]


def test_pending_files_can_wait_for_a_file_to_settle(tmp_path):
    drop = tmp_path / "drop"
    path = write(drop, "estimates_2026-11-20.csv", VALID_ROWS[:1])
    set_mtime(path, "2026-11-22T05:59:30")
    now = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert estimates.pending_drop_files(drop, {}, settle_seconds=60, now=now) == []
    assert len(estimates.pending_drop_files(drop, {}, settle_seconds=20, now=now)) == 1


def test_a_missing_drop_folder_has_no_files(tmp_path):
    assert estimates.pending_drop_files(tmp_path / "nowhere", {}) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/estimates.csv"])
def test_a_run_configured_with_a_path_reads_archives_and_moves_nothing(tmp_path, name):
    # The file name of the estimates job comes from run config: a path is refused before any
    # byte is read, archived or quarantined.
    from orchestration.defs.estimates import load_drop_file
    from orchestration.http import LandingArchive
    from orchestration.warehouse import LoadStamp, Warehouse

    drop_dir = tmp_path / "drops"
    drop_dir.mkdir()
    (tmp_path / "secret.csv").write_text("not a drop file\n")
    stamp = LoadStamp("estimates_files", "sample", "run-1", datetime(2026, 11, 20, tzinfo=UTC))
    with pytest.raises(estimates.UnsafeDropFileError, match="not a drop file name"):
        load_drop_file(
            Warehouse(tmp_path / "m.duckdb"),
            LandingArchive(tmp_path / "landing"),
            drop_dir,
            name,
            stamp,
        )
    assert not (tmp_path / "landing").exists()
    assert list(drop_dir.iterdir()) == []
