"""What the accounts feature adds to the app: accounts: sign-in, one's own profile and API tokens,
user administration."""

from __future__ import annotations

import flask

from app.accounts import admin_pages, auth_pages, cli, me_api, profile_pages, tokens_api, users_api
from app.http import openapi


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(auth_pages.bp)
    app.register_blueprint(profile_pages.bp)
    app.register_blueprint(admin_pages.bp)
    openapi.register(app, me_api.blp, users_api.blp, tokens_api.blp)
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.tokens_cli)
