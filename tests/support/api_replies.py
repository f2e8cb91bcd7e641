"""Reading the JSON API's replies in tests: a success's body, an error's ``error`` object."""

from __future__ import annotations

from typing import Any


def ok(response: Any, status: int = 200) -> Any:
    """The body of a reply that must have ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The ``error`` object of a reply that must have ``status`` and the error ``code``."""
    assert response.status_code == status, response.get_data(as_text=True)
    found = response.get_json()["error"]
    assert found["code"] == code
    return dict(found)
