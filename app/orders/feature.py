"""What the orders feature adds to the app: orders: seller-centre imports, manual entry, comment
orders, payments, exports."""

from __future__ import annotations

import flask

from app.http import openapi
from app.orders import api, cli, pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    app.cli.add_command(cli.orders_cli)
