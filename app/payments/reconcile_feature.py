"""What reconciliation and the bank statement import add to the app (called by the payments
feature's ``init_app``)."""

from __future__ import annotations

import flask

from app.http import openapi
from app.payments import reconcile_api, reconcile_pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(reconcile_pages.bp)
    openapi.register(app, reconcile_api.blp)
