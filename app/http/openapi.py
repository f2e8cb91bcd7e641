"""The JSON API under /api/v1, documented by an OpenAPI 3 document built from the code."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import flask
import flask_login
import flask_smorest
import swagger_ui_bundle

from app import extensions
from app.core import permissions
from app.http import routing, schemas

EXTENSION = "ocop_api"
BINARY = {"schema": {"type": "string", "format": "binary"}}

View = TypeVar("View", bound=Callable[..., Any])


class Api(flask_smorest.Api):
    """flask-smorest's Api, with errors left to app.errors (one shape everywhere)."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


def _csrf_for_cookie_sessions() -> None:
    # Scripts authenticate with a bearer token and need no CSRF token; a browser
    # calling the API with its session cookie must send X-CSRFToken on writes.
    if flask.request.method in ("GET", "HEAD", "OPTIONS") or not flask.request.path.startswith(
        "/api/"
    ):
        return
    if flask_login.current_user.is_authenticated and not flask.g.get("auth_via_token"):
        extensions.csrf.protect()


def init_app(app: flask.Flask) -> None:
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "API cho công cụ bán hàng livestream OCOP. Xác thực bằng mã API: "
                    "`Authorization: Bearer <mã>` (tạo mã ở trang Tài khoản). Mọi lỗi có dạng "
                    '`{"error": {"code", "message", "fields"}}`.'
                ),
            },
            "security": [{"bearerAuth": []}],
            "servers": [{"url": "/"}],
        },
    )
    api = Api(app)
    api.register_converter(routing.IdConverter, routing.id_param_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Mã API cá nhân"}
    )
    app.before_request(_csrf_for_cookie_sessions)
    _serve_swagger_assets(app)
    # The document and its viewer are public; declare it where the matrix test looks.
    for endpoint in [e for e in app.view_functions if e.startswith("api-docs.")]:
        app.view_functions[endpoint] = permissions.public(_wrap(app.view_functions[endpoint]))
    app.extensions[EXTENSION] = api


def register(app: flask.Flask, *blueprints: flask_smorest.Blueprint) -> None:
    """Add a feature's API blueprints under /api/v1 (``init_app`` first)."""
    api: Api = app.extensions[EXTENSION]
    for blp in blueprints:
        extensions.csrf.exempt(blp)
        api.register_blueprint(blp)


def _wrap(view: Any) -> Any:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return wrapper


def _serve_swagger_assets(app: flask.Flask) -> None:
    """Serve Swagger UI's files from the installed package: the docs work offline."""

    @permissions.public
    def swagger_asset(filename: str) -> flask.Response:
        return flask.send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    app.add_url_rule("/api/v1/docs/assets/<path:filename>", "api_docs_assets", swagger_asset)


def register_schema(app: flask.Flask, name: str, schema: dict[str, Any]) -> None:
    """Document a JSON Schema no marshmallow schema describes (e.g. one a library exports) as
    ``#/components/schemas/<name>``; a field points at it with ``ref(name)``."""
    api: Api = app.extensions[EXTENSION]
    api.spec.components.schema(name, component=schema)


def ref(name: str, description: str = "") -> dict[str, Any]:
    """Field metadata documenting the field as the component ``name`` (``register_schema``)."""
    meta: dict[str, Any] = {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}
    if description:
        meta["description"] = description
    return meta


def file_response(
    blp: flask_smorest.Blueprint,
    description: str,
    mimetypes: Sequence[str],
    content_type: str | None = None,
) -> Callable[[View], View]:
    """Document a route that answers 200 with a file: binary content in each of ``mimetypes``
    (flask-smorest's own response names ``content_type``, by default the first of them)."""
    content = {mimetype: BINARY for mimetype in mimetypes}
    documented = blp.doc(responses={"200": {"description": description, "content": content}})
    responds = blp.response(200, description=description, content_type=content_type or mimetypes[0])

    def decorate(view: View) -> View:
        return responds(documented(view))

    return decorate
