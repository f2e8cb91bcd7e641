"""What the setup feature adds to the app: first-run setup, demo data, backup and restore."""

from __future__ import annotations

import flask

from app.setup import backup_cli, cli, pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    app.cli.add_command(cli.demo_cli)
    app.cli.add_command(backup_cli.backup_cli)
