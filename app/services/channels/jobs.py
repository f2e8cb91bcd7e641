"""The background jobs of the channels feature: publish, sync, certificate check."""

from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import gettext as _

from app import errors
from app.services import jobs as jobs_service
from app.services.channels import listings, publishing, sync

PUBLISH = "channels.publish"
SYNC = "channels.sync"
CERTIFICATES = "channels.certificates"


def _id_list(params: dict[str, Any], name: str) -> list[int]:
    raw = params.get(name)
    if (
        not isinstance(raw, list)
        or not raw
        or len(raw) > listings.MAX_PRODUCTS_PER_PUBLISH
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in raw)
    ):
        raise errors.ValidationError(
            fields={
                f"params.{name}": [
                    _(
                        "Cần một danh sách mã (1–%(n)d số nguyên dương).",
                        n=listings.MAX_PRODUCTS_PER_PUBLISH,
                    )
                ]
            }
        )
    unknown = set(params) - {name}
    if unknown:
        raise errors.ValidationError(
            fields={f"params.{k}": [_("Tham số không được hỗ trợ.")] for k in sorted(unknown)}
        )
    return list(dict.fromkeys(raw))


def validate_publish(params: dict[str, Any]) -> dict[str, Any]:
    return {"listing_ids": _id_list(params, "listing_ids")}


def validate_sync(params: dict[str, Any]) -> dict[str, Any]:
    return {"product_ids": _id_list(params, "product_ids")}


def validate_certificates(params: dict[str, Any]) -> dict[str, Any]:
    if params:
        raise errors.ValidationError(
            fields={f"params.{k}": [_("Tham số không được hỗ trợ.")] for k in sorted(params)}
        )
    return {}


def publish_key(listing_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(listing_ids))).encode()).hexdigest()[:16]
    return f"{PUBLISH}:{digest}"


def _follow_up(
    ctx: jobs_service.JobContext, summary: publishing.Summary, listing_ids: list[int]
) -> None:
    """Listings waiting out a long limit (a daily quota) get a later job of their own."""
    if not summary.waiting or summary.next_attempt_in is None:
        return
    from app import job_kinds, tasks  # imported late: job kinds import this module

    waiting = [
        listing.id
        for listing in ctx.session.scalars(
            listings.listings_query().where(
                listings.channels.Listing.id.in_(listing_ids),
                listings.channels.Listing.state == listings.State.QUEUED,
            )
        )
    ]
    if not waiting or ctx.job.owner is None:
        return
    jobs_service.enqueue(
        ctx.session,
        job_kinds.KINDS,
        kind=PUBLISH,
        params={"listing_ids": waiting},
        owner=ctx.job.owner,
        dispatch=tasks.dispatch_later(summary.next_attempt_in),
        identity_key=publish_key(waiting),
    )


def publish(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ids = list(params["listing_ids"])
    summary = publishing.run(ctx.session, ids, publishing.Options(), progress=ctx.progress)
    _follow_up(ctx, summary, ids)
    return summary.as_dict()


def sync_products(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    summary = sync.run_sync(
        ctx.session, params["product_ids"], publishing.Options(), progress=ctx.progress
    )
    return summary.as_dict()


def certificates(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return sync.check_certificates(ctx.session, publishing.Options(), progress=ctx.progress)
