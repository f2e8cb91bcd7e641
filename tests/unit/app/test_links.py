"""One check for every address a user configures (links.url_problem, text.has_controls)."""

from __future__ import annotations

import contextvars

import flask
import flask_babel
import pytest

from app.core import links, text


@pytest.fixture(autouse=True)
def _context() -> object:
    app = flask.Flask(__name__)
    app.config["BABEL_DEFAULT_LOCALE"] = "vi"
    flask_babel.Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    "value",
    [
        "https://shopee.vn/nuoc-mam-i.1.2",
        "http://127.0.0.1:5701/api",
        "https://www.tiktok.com/@clb.mongcai/live",
    ],
)
def test_good_addresses_pass(value: str) -> None:
    assert links.url_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "https://shopee.vn/a\r\nSet-Cookie: x=1",
        "https://shopee.vn/a b",
        "ftp://files.example.vn/x",
        "https://",
        "//shopee.vn/x",
        "https://user:pass@shopee.vn/",
        "https://shopee.vn/" + "a" * 600,
        "https://[::1",
    ],
)
def test_bad_addresses_are_refused_with_a_reason(value: str) -> None:
    problem = links.url_problem(value)
    assert problem and isinstance(problem, str)


def test_production_takes_only_https() -> None:
    assert links.url_problem("http://shopee.vn/x", https_only=True)
    assert links.url_problem("https://shopee.vn/x", https_only=True) is None


def test_control_characters() -> None:
    assert text.has_controls("Live\r\nTitle")
    assert text.has_controls("a\u2028b")
    assert text.has_controls("a\x00b")
    assert not text.has_controls("Nước mắm Trà Cổ")
    assert not text.has_controls("dòng 1\ndòng 2", allow_newlines=True)


def test_https_only_is_production_and_false_without_an_app() -> None:
    """The one place that decides production's https rule for every link check."""
    app = flask.current_app
    app.config["APP_ENV"] = "development"
    assert links.https_only() is False
    app.config["APP_ENV"] = "production"
    assert links.https_only() is True
    other = flask.Flask("plain")
    with other.app_context():
        other.config["APP_ENV"] = "testing"
        assert links.https_only() is False


def test_https_only_outside_an_app_context() -> None:
    # A fresh context holds no app context: as in a plain script.
    assert contextvars.Context().run(links.https_only) is False
