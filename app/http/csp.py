"""Content-Security-Policy: scripts and styles only from this site, or inline with the
request's nonce.

Templates mark their few inline ``<script>`` blocks with ``nonce="{{ csp_nonce() }}"``; the
nonce is made on first use in a request and the header sent with that response names it.
Nothing else inline runs, so injected markup (a product story with ``<script>`` that
slipped through escaping, an ``onerror=`` attribute) cannot execute.
"""

from __future__ import annotations

import secrets

import flask

# No form-action: connecting a shop posts a form that redirects to the marketplace's own
# consent page, whose address is whatever the shop's settings say.
# flask-smorest's Swagger UI page (/api/v1/docs) is one inline-scripted page we do not
# template; it gets inline scripts and styles, and nothing else differs.
DOCS_PREFIX = "/api/v1/docs"


def nonce() -> str:
    """This request's nonce (made on first use)."""
    value = flask.g.get("csp_nonce")
    if value is None:
        value = flask.g.csp_nonce = secrets.token_urlsafe(18)
    return str(value)


def policy(request_nonce: str | None, *, docs: bool = False) -> str:
    if docs:
        script = style = "'self' 'unsafe-inline'"
    else:
        extra = f" 'nonce-{request_nonce}'" if request_nonce else ""
        script = style = f"'self'{extra}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            f"style-src {style}",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


def apply(response: flask.Response) -> flask.Response:
    """Set the policy header (after_request)."""
    if "Content-Security-Policy" not in response.headers:
        docs = flask.request.path.startswith(DOCS_PREFIX)
        response.headers["Content-Security-Policy"] = policy(flask.g.get("csp_nonce"), docs=docs)
    return response
