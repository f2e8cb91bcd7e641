"""Rows a test reads after the app context ends: loaded, then detached from the session."""

from __future__ import annotations

from typing import Any

import flask
import sqlalchemy as sa

from app import extensions


def rows(app: flask.Flask, statement: sa.Select[Any]) -> list[Any]:
    """The objects ``statement`` selects, detached so their loaded columns read anywhere."""
    with app.app_context():
        found = extensions.db.session.scalars(statement).all()
        extensions.db.session.expunge_all()
        return list(found)
