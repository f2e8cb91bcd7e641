"""What the catalog_io feature adds to the app: catalog import (CSV/XLSX, all or nothing, as a job)
and export."""

from __future__ import annotations

import flask

from app.catalog_io import api, jobs, pages
from app.http import openapi
from app.jobs import registry


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    registry.register(app, *jobs.KINDS)
