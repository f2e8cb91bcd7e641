"""Every 429 tells the client when to come back (Retry-After), however it was raised."""

from __future__ import annotations

from collections.abc import Iterator

import flask
import flask_babel
import pytest
import werkzeug.exceptions

from app.core import errors


@pytest.fixture(autouse=True)
def _context() -> Iterator[None]:
    app = flask.Flask(__name__)
    flask_babel.Babel(app)
    with app.test_request_context():
        yield


def test_rate_limited_defaults_to_a_minute_and_keeps_a_known_wait() -> None:
    assert errors.RateLimited().headers["Retry-After"] == "60"
    assert errors.RateLimited(retry_after=0).headers["Retry-After"] == "60"
    assert errors.RateLimited(retry_after=840).headers["Retry-After"] == "840"


def test_werkzeugs_429_gets_retry_after_too() -> None:
    plain = errors.from_http_exception(werkzeug.exceptions.TooManyRequests())
    assert plain.status == 429 and plain.headers["Retry-After"] == "60"
    timed = errors.from_http_exception(werkzeug.exceptions.TooManyRequests(retry_after=30))
    assert timed.headers["Retry-After"] == "30"
    assert "Retry-After" not in errors.from_http_exception(werkzeug.exceptions.NotFound()).headers
