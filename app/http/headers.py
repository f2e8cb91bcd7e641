"""Headers every response gets (``after_request``): browser hardening, the Content-Security-
Policy (:mod:`app.csp`), HSTS in production and ``Cache-Control: no-store`` on private replies.

Private means served to a signed-in user (every page, download and API answer of an account,
so a shared computer's cache or a proxy never keeps a club's orders or a new API token) or
carrying a secret before anyone signs in (the first-run setup page). Replies a view marked
``Cache-Control: public`` (product photos, QR codes) are the same for everyone and keep their
caching, and so do public pages served to anonymous visitors.
"""

from __future__ import annotations

import flask

from app.http import csp

# One year, subdomains too: sent only in production, where the site is served over HTTPS.
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
# Endpoints whose replies carry a secret to someone not signed in yet.
SECRET_ENDPOINT_PREFIXES = ("setup.",)


def security_headers(response: flask.Response) -> flask.Response:
    """Add the security headers to ``response`` (registered with ``app.after_request``)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if flask.current_app.config["APP_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if _private(response) and not response.cache_control.no_store:
        response.headers["Cache-Control"] = NO_STORE
    return csp.apply(response)


def _private(response: flask.Response) -> bool:
    if response.cache_control.public:
        return False  # the view declared it the same for everyone
    endpoint = flask.request.endpoint or ""
    return endpoint.startswith(SECRET_ENDPOINT_PREFIXES) or _signed_in()


def _signed_in() -> bool:
    """Whether this request was answered for a signed-in user.

    flask-login keeps the request's user in ``g._login_user`` once anything asked for it (a
    permission check, a template, the bearer-token loader). A reply that never asked does not
    depend on the account, and looking here instead of at ``current_user`` loads no account
    (and touches no session) for anonymous visitors of public pages.
    """
    user = flask.g.get("_login_user")
    return user is not None and bool(user.is_authenticated)
