"""What the payments feature adds to the app: the club's connections to bank-transfer webhook
services (SePay, Casso, payOS), their webhook endpoint, the review list and transactions,
and the reconciliation per session and day with the bank statement import."""

from __future__ import annotations

import flask

from app import extensions
from app.http import openapi
from app.payments import api, pages, reconcile_feature


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    # The services post JSON with their own signatures: no CSRF token, no session.
    extensions.csrf.exempt(pages.hooks)
    app.register_blueprint(pages.hooks)
    openapi.register(app, api.blp)
    reconcile_feature.init_app(app)
