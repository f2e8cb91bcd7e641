"""Listing packs for channels without an API (Postmart, Voso): build, then record the live URL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters, listings, messages
from app.core import clock, errors, tenancy, uow
from app.models import channels
from integrations import base
from integrations import errors as channel_errors

State = channels.ListingState


def _pack_adapter(
    listing: channels.Listing, factory: adapters.AdapterFactory | None
) -> base.ChannelAdapter:
    adapter = (factory or adapters.current_factory())(listing.account)
    if adapter.kind is not base.Kind.PACK:
        raise errors.Conflict(_("Kênh này đăng qua API, không dùng gói đăng bán."))
    return adapter


class Pack(NamedTuple):
    """A built listing pack: the temporary zip and the file name a download gives it."""

    path: Path
    filename: str


@uow.transactional
def build(
    session: so.Session,
    listing_id: int,
    factory: adapters.AdapterFactory | None = None,
    *,
    scope: tenancy.Scope,
) -> Pack:
    """Write the listing's pack (zip) to a temporary file: its path and the name to send it by.

    The caller sends it and deletes it. Problems with the product are a 422
    listing every field, and the listing shows them as needing action.
    """
    listing = listings.get_listing(session, listing_id, scope=scope)
    scope.check_writable()
    adapter = _pack_adapter(listing, factory)
    draft = listings.draft_for(session, listing)
    problems = adapter.validate(draft)
    folder = adapters.media_root() / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="pack-", suffix=".zip", dir=folder)
    os.close(fd)
    try:
        if problems:
            raise channel_errors.ValidationFailed("pack content refused", fields=problems)
        adapter.build_pack(draft, name)
    except channel_errors.ValidationFailed as exc:
        Path(name).unlink(missing_ok=True)
        record = messages.Record("pack_validation", fields=messages.problems_json(exc.fields))
        messages.store(listing, record)
        if listing.state == State.DRAFT:
            listing.state = State.NEEDS_ACTION
        uow.checkpoint(session, "the listing shows what to fix although the pack is refused")
        raise errors.ValidationError(
            messages.render(record),
            fields={line.name: line.problems for line in messages.field_lines(record.fields)},
        ) from exc
    except Exception:
        Path(name).unlink(missing_ok=True)
        raise
    listing.payload_hash = listings.payload_hash(draft)
    if listing.state == State.NEEDS_ACTION:
        listing.state = State.DRAFT
        messages.clear(listing)
    return Pack(Path(name), pack_filename(listing))


def pack_filename(listing: channels.Listing) -> str:
    return f"{listing.account.marketplace}-P{listing.product_id}.zip"


@uow.transactional
def record_live(
    session: so.Session,
    listing_id: int,
    reference: str,
    factory: adapters.AdapterFactory | None = None,
    now: clock.Clock = clock.utcnow,
    *,
    scope: tenancy.Scope,
) -> channels.Listing:
    """The seller pasted the live listing's URL or id: check it belongs to the channel, bind it."""
    listing = listings.get_listing(session, listing_id, scope=scope)
    scope.check_writable()
    adapter = _pack_adapter(listing, factory)
    try:
        remote = adapter.parse_listing_ref(reference.strip())
    except channel_errors.ValidationFailed as exc:
        raise errors.ValidationError(
            _("Đường dẫn hoặc mã sản phẩm không thuộc %(ch)s.", ch=adapter.title),
            fields={
                "reference": [
                    _(
                        "Dán đường dẫn trang sản phẩm đang bán trên %(ch)s hoặc mã sản phẩm.",
                        ch=adapter.title,
                    )
                ]
            },
        ) from exc
    listing.external_id, listing.url = remote.external_id, remote.url or None
    listing.state, listing.last_synced_at = State.LIVE, now()
    messages.clear(listing)
    return listing
