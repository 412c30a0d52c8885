"""The Great Expectations Data Docs site: every suite and every validation the checks ran.

Validation happens in an ephemeral context (data_quality.runner); this module keeps what it
produced in a file context beside the site (suites and validation results as JSON), then
renders the pages for those results and the index, so the site grows by one page per
validation and holds the whole history. An analyst opens ``<site>/index.html``.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from data_quality.runner import ValidationOutcome

SITE_NAME = "local_site"
# One writer at a time inside a process: GX's file stores and site index are not thread-safe.
_lock = threading.Lock()


@dataclass(frozen=True)
class DataDocs:
    """The site at ``site_dir``; GX's stores live in ``store_dir`` (default: beside it)."""

    site_dir: Path
    store_dir: Path | None = None

    @property
    def index(self) -> Path:
        return self.site_dir / "index.html"

    def record(self, outcome: ValidationOutcome, *, run_name: str, batch: str) -> list[Path]:
        """Store every suite and validation result of ``outcome`` and render their pages.

        ``run_name`` groups the results (the Dagster run id); ``batch`` names what was
        validated (e.g. the asset key). Returns the validation pages written.
        """
        if not outcome.validations:
            return []
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
        with _lock:
            context = _file_context(self.site_dir.resolve(), self._stores().resolve())
            keys: list[Any] = []
            for suite, result in outcome.validations:
                context.suites.add_or_update(
                    gx.ExpectationSuite(
                        name=suite.name, expectations=[copy.copy(e) for e in suite.expectations]
                    )
                )
                suite_key = ExpectationSuiteIdentifier(name=suite.name)
                key = ValidationResultIdentifier(
                    expectation_suite_identifier=suite_key,
                    run_id=run_id,
                    batch_identifier=_safe(batch),
                )
                context.validation_results_store.set(key, result)
                keys += [suite_key, key]
            context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=keys)
        return [self.page_for(suite.name, run_id, batch) for suite, _ in outcome.validations]

    def page_for(self, suite_name: str, run_id: RunIdentifier, batch: str) -> Path:
        run_time = run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
        return (
            self.site_dir.joinpath("validations", *suite_name.split("."))
            / run_id.run_name
            / run_time
            / f"{_safe(batch)}.html"
        )

    def suite_names(self) -> list[str]:
        """Suites the site has a page for."""
        root = self.site_dir / "expectations"
        return sorted(
            ".".join(page.relative_to(root).with_suffix("").parts) for page in root.rglob("*.html")
        )

    def _stores(self) -> Path:
        return self.store_dir or self.site_dir.parent / "gx"


@cache
def _file_context(site_dir: Path, store_dir: Path) -> Any:
    context = gx.get_context(mode="file", project_root_dir=str(store_dir))
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    context.update_data_docs_site(SITE_NAME, site)
    return context


def _safe(name: str) -> str:
    """A path segment: asset keys like raw/prices_daily become raw__prices_daily."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name.replace("/", "__"))
