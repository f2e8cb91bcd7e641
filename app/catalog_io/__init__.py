"""Catalog import and export: one documented template (CSV or XLSX), one row per variant.

The template has one row per variant (SKU); the product's fields are repeated on every row of
the same product. Columns are matched by header name (case and diacritics do not matter;
Vietnamese labels are accepted), never by position. An import is all-or-nothing and keyed by
SKU.

Modules, one job each:

- ``formats``: the two file formats and the size limits they share;
- ``columns``: the template's columns and the header aliases accepted on import;
- ``results``: what an import reports (problems by row and column, or counts);
- ``actors``: who imports or exports (a user, or the command line);
- ``readers``: reading a CSV/XLSX file into a table;
- ``importer``: the all-or-nothing importer;
- ``uploads``: storing uploaded files and the ``catalog.import`` background job;
- ``export``: exporting products, and the empty template with its guide.

The names below are re-exported for callers that use the package as one module. The limits
(``MAX_BYTES``, ``MAX_ROWS``) are deliberately not: they are read from ``formats`` at call
time, so change or patch them there.
"""

from __future__ import annotations

from app.catalog_io.actors import Actor as Actor
from app.catalog_io.actors import SystemActor as SystemActor
from app.catalog_io.columns import COLUMNS as COLUMNS
from app.catalog_io.columns import EXPORT_HEADERS as EXPORT_HEADERS
from app.catalog_io.columns import HEADERS as HEADERS
from app.catalog_io.columns import READ_ONLY_COLUMNS as READ_ONLY_COLUMNS
from app.catalog_io.export import DATA_SHEET as DATA_SHEET
from app.catalog_io.export import GUIDE_SHEET as GUIDE_SHEET
from app.catalog_io.export import Download as Download
from app.catalog_io.export import export_products as export_products
from app.catalog_io.export import find_producer as find_producer
from app.catalog_io.export import guide_notes as guide_notes
from app.catalog_io.export import template as template
from app.catalog_io.formats import CSV_MIMETYPE as CSV_MIMETYPE
from app.catalog_io.formats import FORMATS as FORMATS
from app.catalog_io.formats import XLSX_MIMETYPE as XLSX_MIMETYPE
from app.catalog_io.formats import file_format as file_format
from app.catalog_io.importer import import_file as import_file
from app.catalog_io.importer import import_table as import_table
from app.catalog_io.readers import Table as Table
from app.catalog_io.results import ImportFailed as ImportFailed
from app.catalog_io.results import ImportSummary as ImportSummary
from app.catalog_io.results import Issue as Issue
from app.catalog_io.uploads import KIND as KIND
from app.catalog_io.uploads import run_import_job as run_import_job
from app.catalog_io.uploads import start_import as start_import
from app.catalog_io.uploads import validate_job_params as validate_job_params
