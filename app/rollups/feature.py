"""What the sales aggregates add to the app: the hook that marks changed months, the refresh
chore, the ``flask rollups`` commands, and the province and national views that read them."""

from __future__ import annotations

import flask

from app.rollups import (
    chores,  # noqa: F401  (registers the Celery beat task)
    cli,
    marking,
)


def _keeps_aggregates() -> bool:
    """The app in use keeps aggregates (``SALES_ROLLUPS``; a session outside any app: yes)."""
    return not flask.has_app_context() or bool(flask.current_app.config["SALES_ROLLUPS"])


def init_app(app: flask.Flask) -> None:
    marking.listen(_keeps_aggregates)
    app.cli.add_command(cli.rollups_cli)
