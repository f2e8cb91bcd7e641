"""Public pages (no sign-in): product page, QR codes, media files.

Absolute addresses (the page's own link, link previews, the QR codes) come from
``PUBLIC_BASE_URL``. Without it (development, a trial on a laptop) they follow the request's
``Host`` header, which anyone can set: such responses are then marked ``private`` and
``Vary: Host`` so no shared cache (a proxy, a CDN) keeps an attacker's host and hands it to
others. Production always has ``PUBLIC_BASE_URL`` (the app refuses to start without it).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable

import flask
import flask_babel
import flask_login
import segno
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.core import errors, labels, permissions
from app.http import addresses
from app.models import catalog
from app.orders import payments
from app.public import cache
from vietnam import ocop, vietqr

bp = flask.Blueprint("public", __name__, template_folder="templates")

MEDIA_FOLDERS = (images_service.PRODUCTS_DIR, images_service.PRODUCERS_DIR)
MEDIA_SUFFIXES = (".jpg", ".png")
MEDIA_MAX_AGE = 365 * 24 * 3600  # stored names are random and never reused
QR_MAX_AGE = 24 * 3600
QR_BORDER = 4  # quiet zone, in modules (ISO/IEC 18004)
QR_SCALE_RANGE = (4, 40)
QR_MIN_PIXELS = 300
# The product page, for browsers and CDNs: a change shows within a minute (and the half
# minute a CDN may keep serving the old copy while it asks again); the bytes come from
# this process's cache (``cache.RenderCache``) until the product changes.
PAGE_MAX_AGE = 60
PAGE_STALE_WHILE_REVALIDATE = 30
CACHE_KEY = "public.render_cache"
CACHE_ENTRIES = 1024  # pages (~20 kB) and QR images (~2–30 kB): at most ~30 MB a process


# Every page may link to the public address of a product or a media file.
bp.add_app_template_global(addresses.public_url)
bp.add_app_template_global(addresses.media_url)


# --- media files --------------------------------------------------------------------


@bp.route("/media/<path:filename>")
@permissions.public
def media(filename: str) -> flask.Response:
    """Photos and logos; nothing else under MEDIA_ROOT is reachable (404)."""
    parts = filename.split("/")
    if (
        len(parts) < 2
        or parts[0] not in MEDIA_FOLDERS
        or any(not part or part.startswith(".") for part in parts)
        or not filename.endswith(MEDIA_SUFFIXES)
    ):
        raise errors.NotFound()
    root = images_service.media_root(flask.current_app.config)
    # send_from_directory joins safely: "..", absolute paths and the like are a 404.
    response = flask.send_from_directory(root, filename, max_age=MEDIA_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


# --- the product page -----------------------------------------------------------------


def _summary(product: catalog.Product, status: ocop.Status | None) -> str:
    """A short description for link previews (Zalo, Facebook)."""
    story = re.sub(r"\s+", " ", product.description or "").strip()
    if len(story) > 200:
        story = story[:197].rsplit(" ", 1)[0] + "…"
    if story:
        return story
    parts = [product.name]
    if product.ocop_stars and status != ocop.Status.EXPIRED:
        parts.append(_("sản phẩm OCOP %(n)d sao", n=product.ocop_stars))
    parts.append(product.producer.name)
    parts.append(product.producer.province)
    return " · ".join(p for p in parts if p)


def _render_product(product_id: int) -> bytes:
    item = catalog_service.get_public_product(extensions.session(), product_id)
    certificate = item.current_certificate
    status = catalog_service.certificate_status(certificate.expires_on if certificate else None)
    if item.cover is not None:
        og_image, og_size = addresses.media_url(item.cover.path, external=True), item.cover
    else:
        og_image, og_size = addresses.media_url(item.producer.logo_path, external=True), None
    page = flask.render_template(
        "public/product.html",
        product=item,
        certificate=certificate,
        certificate_status=status,
        page_url=addresses.public_url("public.product", product_id=item.id),
        og_description=_summary(item, status),
        og_image=og_image,
        og_size=og_size,
        channel_labels=labels.CHANNEL_LABELS,
        level_labels=labels.CERTIFICATE_LEVEL_LABELS,
        status_labels=labels.CERTIFICATE_STATUS_LABELS,
        expired=ocop.Status.EXPIRED,
        # The language switch comes back to the page itself, whatever tracking arguments
        # (fbclid, utm_…) the visitor came with: the bytes depend on none of them.
        lang_next=flask.request.path,
    )
    return page.encode()


def _cache() -> cache.RenderCache:
    store: cache.RenderCache = flask.current_app.extensions[CACHE_KEY]
    return store


def _addresses_key() -> tuple[str, str]:
    """What the absolute and relative addresses in a reply come from: PUBLIC_BASE_URL and the
    app's root path, or (without it) the request's own scheme, host and root."""
    base = flask.current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base), flask.request.script_root
    return "", flask.request.url_root


def _conditional(response: flask.Response, entry: cache.Entry) -> flask.Response:
    response.set_etag(entry.etag)
    response.make_conditional(flask.request)
    return response


@bp.route("/p/<int:product_id>")
@permissions.public
def product(product_id: int) -> flask.Response:
    """The product page, rendered once per change: cached under the digest of what it shows
    (``catalog_service.public_page_digest``), the day (the certificate's status), the
    language, the addresses and whether the visitor is signed in (the header's link).

    With PUBLIC_BASE_URL the page an anonymous visitor gets in the default language is the
    same for every such visitor: ``public`` for a minute, for browsers and CDNs alike, then
    revalidated by its ETag. Other variants stay ``private`` (signed in: ``no-store``), and
    without PUBLIC_BASE_URL every reply is ``private`` and ``Vary: Host``."""
    digest = catalog_service.public_page_digest(extensions.session(), product_id)
    signed_in = bool(flask_login.current_user.is_authenticated)
    locale = str(flask_babel.get_locale())
    key = (
        "page",
        product_id,
        digest,
        catalog_service.today_local(),
        locale,
        signed_in,
        _addresses_key(),
    )
    # Rendering reads the product after the digest did: a change committed in between puts
    # newer bytes under the older key, never older bytes under a newer one.
    entry = _cache().get(key, lambda: _render_product(product_id))
    response = flask.Response(entry.body, mimetype="text/html")
    # The language and the signed-in header come with the session cookie: a browser or CDN
    # keeps one copy per cookie (Flask says so too once the session is read).
    response.vary.add("Cookie")
    shared = not signed_in and locale == flask.current_app.config["BABEL_DEFAULT_LOCALE"]
    if shared and addresses.trusted_base():
        response.cache_control.public = True
        response.cache_control.max_age = PAGE_MAX_AGE
        response.cache_control.s_maxage = PAGE_MAX_AGE
        response.cache_control.stale_while_revalidate = PAGE_STALE_WHILE_REVALIDATE
    else:
        response.cache_control.no_cache = True  # kept, but asked again (a 304 when unchanged)
        response.cache_control.private = True
        addresses.keep_private_unless_trusted(response)
    return _conditional(response, entry)


# --- QR codes ---------------------------------------------------------------------------


def product_qr(product_id: int) -> segno.QRCode:
    """The QR code of a product's public page (error correction M or better)."""
    url = addresses.public_url("public.product", product_id=product_id)
    # boost_error raises the level (to Q or H) whenever that fits in the same version.
    return segno.make(url, error="m", boost_error=True, micro=False)


def _png_scale(qr: segno.QRCode, wanted: int | None) -> int:
    low, high = QR_SCALE_RANGE
    if wanted is None:
        modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
        wanted = max(10, math.ceil(QR_MIN_PIXELS / modules))
    return max(low, min(high, wanted))


def _image_response(
    product_id: int, kind: str, variant: object, render: Callable[[], bytes]
) -> flask.Response:
    """A QR image of an active product (a 404 otherwise, never cached): it encodes the page's
    address only, so it is cached by that address, ``kind`` and ``variant`` (scale, language)."""
    catalog_service.public_product_exists(extensions.session(), product_id)
    entry = _cache().get(("qr", kind, product_id, variant, _addresses_key()), render)
    mimetype = "image/png" if kind == "png" else "image/svg+xml"
    response = flask.Response(entry.body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="ocop-{product_id}.{kind}"'
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    # The code encodes an absolute URL: without PUBLIC_BASE_URL, one the Host header chose.
    addresses.keep_private_unless_trusted(response)
    return _conditional(response, entry)


@bp.route("/p/<int:product_id>/qr.png")
@permissions.public
def product_qr_png(product_id: int) -> werkzeug.Response:
    """PNG for print: ``?scale=`` pixels per module (4–40; default ≥ 300 px overall)."""
    wanted = flask.request.args.get("scale", type=int)
    if wanted is not None:
        wanted = max(QR_SCALE_RANGE[0], min(QR_SCALE_RANGE[1], wanted))

    def render() -> bytes:
        qr = product_qr(product_id)
        out = io.BytesIO()
        qr.save(out, kind="png", scale=_png_scale(qr, wanted), border=QR_BORDER)
        return out.getvalue()

    return _image_response(product_id, "png", wanted, render)


@bp.route("/p/<int:product_id>/qr.svg")
@permissions.public
def product_qr_svg(product_id: int) -> werkzeug.Response:
    """Vector QR: a viewBox and no fixed size, so it scales to any print size."""

    def render() -> bytes:
        out = io.BytesIO()
        product_qr(product_id).save(
            out,
            kind="svg",
            scale=1,
            border=QR_BORDER,
            omitsize=True,
            title=_("Mã QR sản phẩm OCOP"),
        )
        return out.getvalue()

    return _image_response(product_id, "svg", str(flask_babel.get_locale()), render)


# --- a buyer's payment page ----------------------------------------------------------------


@bp.route("/pay/<token>")
@permissions.public
def pay(token: str) -> flask.Response:
    """The VietQR of an order for its buyer (the link the live desk's reply carries): the
    amount, the transfer reference, the payee and the lines, nothing else about the buyer."""
    order_id = addresses.order_of_pay_token(token)
    if order_id is None:
        raise errors.NotFound(_("Liên kết thanh toán không hợp lệ."))
    order, qr = payments.buyer_payment(extensions.session(), order_id)
    page = flask.render_template(
        "public/pay.html", order=order, qr=qr, svg=vietqr.render_svg(qr.payload, scale=5)
    )
    response = flask.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
