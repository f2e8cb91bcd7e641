"""What the catalog feature adds to the app: the product catalog: products, variants, certificates,
images."""

from __future__ import annotations

import flask

from app.catalog import api, cli, image_pages, images_api, pages
from app.http import openapi


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    app.register_blueprint(image_pages.bp)
    openapi.register(app, api.blp, images_api.blp)
    app.cli.add_command(cli.catalog_cli)
