"""Marketplace channels API: shop accounts, their listings, publishing and listing actions.

Within the club scope: a club's staff reach only their club's shops and listings (another
club's id answers 404); an admin reaches every club's.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest
import sqlalchemy.orm as so

from app import extensions
from app.channels import accounts, actions, listings, packs, publishing
from app.channels import schemas as channel_schemas
from app.core import pagination, permissions
from app.http import helpers, openapi
from app.jobs import tasks
from app.models import channels

blp = flask_smorest.Blueprint(
    "channels_api",
    __name__,
    url_prefix="/api/v1/channels",
    description="Kênh bán trên sàn: gian hàng, tin đăng, đăng bán",
)


ZIP_DESCRIPTION = "Gói đăng bán (zip): nội dung theo thứ tự trang người bán, ảnh, danh sách việc"


# --- accounts -----------------------------------------------------------------------------


@blp.route("/accounts", methods=["GET"])
@permissions.require("channels.view")
@blp.response(200, channel_schemas.AccountSchema(many=True))
def list_accounts() -> object:
    """Your club's shops (an admin: every club's) with their connection status and listing
    counts; secrets only as set or not."""
    return actions.account_views(extensions.session(), helpers.current_scope())


@blp.route("/accounts", methods=["POST"])
@permissions.require("channels.manage")
@blp.arguments(channel_schemas.AccountCreateSchema)
@blp.response(201, channel_schemas.AccountSchema)
def create_account(body: dict[str, Any]) -> object:
    """Add a shop. `config` holds the marketplace's fields (see its adapter's config schema);
    secrets are stored encrypted and never returned. API marketplaces then need the
    connect flow in the web app (“Kết nối”); listing-pack ones are ready at once.

    `owner` is `club:<id>` (your club's own shop; an admin: any active club) or
    `producer:<id>` (a shop of a producer your club works with, run by your club; an admin
    names the club in `club_id`, else the working club). Anything else is 422.
    """
    session = extensions.session()
    account = accounts.save_account(session, flask_login.current_user, body)
    return actions.account_view(session, account)


@blp.route("/accounts/<int:account_id>", methods=["GET"])
@permissions.require("channels.view")
@blp.response(200, channel_schemas.AccountSchema)
def get_account(account_id: int) -> object:
    """One shop of your club (no secrets; 404 for another club's)."""
    return actions.get_account_view(extensions.session(), account_id, helpers.current_scope())


# --- listings -----------------------------------------------------------------------------


@blp.route("/accounts/<int:account_id>/listings", methods=["GET"])
@permissions.require("channels.view")
@blp.arguments(channel_schemas.ListingListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, channel_schemas.ListingPageSchema)
def list_listings(page: int, per_page: int, account_id: int, state: str | None = None) -> object:
    """A shop's listings, most recently changed first, optionally in one `state`."""
    session = extensions.session()
    # 404 for an unknown shop or another club's, not an empty page
    accounts.get_account(session, account_id, scope=helpers.current_scope())
    stmt = listings.listings_query(account_id, state).options(
        so.selectinload(channels.Listing.product)
    )
    return pagination.paginate(session, stmt, page, per_page)


@blp.route("/accounts/<int:account_id>/publish", methods=["POST"])
@permissions.require("channels.publish")
@blp.arguments(channel_schemas.PublishSchema)
@blp.response(202, channel_schemas.PublishResultSchema)
def publish(body: dict[str, Any], account_id: int) -> object:
    """Bind products to the shop and queue the push (a `channels.publish` job).

    Poll `GET /api/v1/jobs/{id}` for progress. The same set queued again while the
    first job still waits answers that same job. `job` is null when nothing needs
    sending: every product is already live, or the shop uses listing packs
    (download each listing's pack). 409 when the shop is not connected.
    """
    return actions.publish(
        extensions.session(),
        flask_login.current_user,
        account_id,
        body["product_ids"],
        dispatch=tasks.dispatch,
    )


@blp.route("/listings/<int:listing_id>/retry", methods=["POST"])
@permissions.require("channels.publish")
@blp.response(202, channel_schemas.PublishResultSchema)
def retry_listing(listing_id: int) -> object:
    """Queue a failed, needs-action or stuck listing again (409 in any other state)."""
    return actions.retry(
        extensions.session(), flask_login.current_user, listing_id, dispatch=tasks.dispatch
    )


@blp.route("/listings/<int:listing_id>/pause", methods=["POST"])
@permissions.require("channels.publish")
@blp.response(200, channel_schemas.ListingSchema)
def pause_listing(listing_id: int) -> object:
    """Take a listing off sale for now (unlisted on the marketplace, binding kept)."""
    return publishing.pause(extensions.session(), listing_id, scope=helpers.current_scope())


@blp.route("/listings/<int:listing_id>/resume", methods=["POST"])
@permissions.require("channels.publish")
@blp.response(200, channel_schemas.PublishResultSchema)
def resume_listing(listing_id: int) -> object:
    """Put a paused listing back on sale and queue the sync of its price and stock (`job`).

    409 while its OCOP certificate is expired (renew it or set the override).
    """
    return actions.resume(
        extensions.session(), flask_login.current_user, listing_id, dispatch=tasks.dispatch
    )


@blp.route("/listings/<int:listing_id>/delist", methods=["POST"])
@permissions.require("channels.publish")
@blp.response(200, channel_schemas.ListingSchema)
def delist_listing(listing_id: int) -> object:
    """Stop selling on this shop: unlisted remotely, the binding kept (no duplicate later)."""
    return publishing.delist(extensions.session(), listing_id, scope=helpers.current_scope())


@blp.route("/listings/<int:listing_id>/certificate-override", methods=["POST"])
@permissions.require("channels.publish")
@blp.arguments(channel_schemas.CertificateOverrideSchema)
@blp.response(200, channel_schemas.ListingSchema)
def override_certificate(body: dict[str, Any], listing_id: int) -> object:
    """Keep selling although the product's OCOP certificate expired (`on: true`), or not."""
    return listings.set_certificate_override(
        extensions.session(), listing_id, body["on"], scope=helpers.current_scope()
    )


# --- listing packs ------------------------------------------------------------------------


@blp.route("/listings/<int:listing_id>/pack", methods=["POST"])
@permissions.require("channels.publish")
@openapi.file_response(blp, ZIP_DESCRIPTION, ["application/zip"])
def download_pack(listing_id: int) -> flask.Response:
    """Build a listing's pack for a shop without an API (Postmart, Voso).

    422 lists every field the product must fix first (`error.fields`); 409 for a
    shop published through its API.
    """
    pack = packs.build(extensions.session(), listing_id, scope=helpers.current_scope())
    return helpers.send_temporary_file(pack.path, pack.filename, "application/zip")


@blp.route("/listings/<int:listing_id>/live", methods=["POST"])
@permissions.require("channels.publish")
@blp.arguments(channel_schemas.LiveReferenceSchema)
@blp.response(200, channel_schemas.ListingSchema)
def record_live(body: dict[str, Any], listing_id: int) -> object:
    """Record the live listing of a pack: its URL or id on that marketplace (422 otherwise)."""
    return packs.record_live(
        extensions.session(), listing_id, body["reference"], scope=helpers.current_scope()
    )
