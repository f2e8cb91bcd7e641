"""The job kinds of this app: each feature registers its own at app creation
(``app/<feature>/feature.py``), so nothing here imports a feature.

A kind is a name, a title, a handler and the permission to start it (``service.JobKind``).
The registry lives on the Flask app (``app.extensions``); the queue handed to services
(``service.runtime()``) reads the same registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import flask

from app.jobs import service

EXTENSION = "ocop.job_kinds"


class Registry(Mapping[str, service.JobKind]):
    """The kinds registered on one app, by name; a name registered twice is a mistake."""

    def __init__(self) -> None:
        self._kinds: dict[str, service.JobKind] = {}

    def register(self, *kinds: service.JobKind) -> None:
        for kind in kinds:
            if kind.name in self._kinds:
                raise ValueError(f"job kind {kind.name!r} is registered twice")
            self._kinds[kind.name] = kind

    def startable(self) -> dict[str, service.JobKind]:
        """The kinds a user may start by name through the jobs API."""
        return {name: kind for name, kind in self._kinds.items() if kind.startable}

    def __getitem__(self, name: str) -> service.JobKind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def of(app: flask.Flask) -> Registry:
    """``app``'s registry (created empty on first use)."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = Registry()
    return found


def register(app: flask.Flask, *kinds: service.JobKind) -> None:
    of(app).register(*kinds)


def current() -> Registry:
    """The running app's registry."""
    return of(flask.current_app)
