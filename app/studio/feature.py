"""What the studio feature adds to the app: the short-video studio: media library, video recipes,
renders."""

from __future__ import annotations

import flask

from app.http import openapi
from app.jobs import registry
from app.studio import api, jobs, pages, schemas
from media import recipe


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    openapi.register_schema(app, schemas.RECIPE, recipe.json_schema())
    registry.register(app, *jobs.KINDS)
