"""The background jobs of the channels feature: publish, sync, certificate check (all of a
club's listings, or those of the products whose certificate just changed).

Each job works for its club (``Job.club_id``, the shop's club): it touches and reports only
that club's listings, whatever ids its parameters name.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.channels import listings, publishing, sync
from app.core import clock, errors, tenancy
from app.jobs import service as jobs_service
from app.models import channels

PUBLISH = "channels.publish"
SYNC = "channels.sync"
CERTIFICATES = "channels.certificates"
CERTIFICATE_CHANGE = sync.CERTIFICATE_CHANGE


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


def validate_certificate_change(params: dict[str, Any]) -> dict[str, Any]:
    return {"product_ids": _id_list(params, "product_ids")}


def publish_key(listing_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(listing_ids))).encode()).hexdigest()[:16]
    return f"{PUBLISH}:{digest}"


def _follow_up(
    ctx: jobs_service.JobContext, summary: publishing.Summary, listing_ids: list[int]
) -> None:
    """Listings waiting out a long limit (a daily quota) get a later job of their own."""
    if not summary.waiting or summary.next_attempt_in is None:
        return
    waiting = [
        listing.id
        for listing in ctx.session.scalars(
            listings.listings_query().where(
                channels.Listing.id.in_(listing_ids),
                channels.Listing.state == listings.State.QUEUED,
            )
        )
    ]
    if not waiting or ctx.job.owner is None:
        return
    runtime = jobs_service.runtime()
    jobs_service.enqueue(
        ctx.session,
        runtime.kinds,
        kind=PUBLISH,
        params={"listing_ids": waiting},
        owner=ctx.job.owner,
        dispatch=runtime.dispatch_later(summary.next_attempt_in),
        identity_key=publish_key(waiting),
        club_id=ctx.job.club_id,
    )


def _job_clubs(ctx: jobs_service.JobContext) -> frozenset[int] | None:
    """The clubs a job works for: its own club; without one, its owner's clubs (None: every
    club, for an admin's or the system's job)."""
    if ctx.job.club_id is not None:
        return frozenset({ctx.job.club_id})
    if ctx.job.owner is None:
        return None
    return tenancy.scope_for(ctx.session, ctx.job.owner).club_ids


def _of_clubs(
    ctx: jobs_service.JobContext, listing_ids: list[int], club_ids: frozenset[int] | None
) -> list[int]:
    if club_ids is None:
        return listing_ids
    kept = set(
        ctx.session.scalars(
            sa.select(channels.Listing.id)
            .join(channels.ChannelAccount)
            .where(
                channels.Listing.id.in_(listing_ids),
                channels.ChannelAccount.club_id.in_(sorted(club_ids)),
            )
        )
    )
    return [i for i in listing_ids if i in kept]


def publish(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ids = _of_clubs(ctx, list(params["listing_ids"]), _job_clubs(ctx))
    summary = publishing.run(ctx.session, ids, publishing.Options(), progress=ctx.progress)
    _follow_up(ctx, summary, ids)
    return summary.as_dict()


def sync_products(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    clubs = _job_clubs(ctx)
    if clubs is not None and len(clubs) != 1:
        return publishing.Summary().as_dict()  # a sync always works for one club
    summary = sync.run_sync(
        ctx.session,
        params["product_ids"],
        publishing.Options(),
        progress=ctx.progress,
        club_id=next(iter(clubs)) if clubs else None,
    )
    return summary.as_dict()


def _clock(ctx: jobs_service.JobContext) -> clock.Clock:
    """The clock the job runs by (``jobs_service.run(now=…)``): its day is the "today" that
    decides which certificates have expired."""
    return ctx.now


def _check_certificates(
    ctx: jobs_service.JobContext, product_ids: list[int] | None
) -> dict[str, Any]:
    """Pause the expired listings of the job's club, resume the renewed (of these products;
    None: all)."""
    return sync.check_certificates(
        ctx.session,
        publishing.Options(now=_clock(ctx)),
        progress=ctx.progress,
        club_ids=_job_clubs(ctx),
        product_ids=product_ids,
    )


def certificates(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Every listing of the job's club: pause the expired, resume the renewed."""
    return _check_certificates(ctx, None)


def certificate_change(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The same check for the products whose certificate was just saved or deleted."""
    return _check_certificates(ctx, params["product_ids"])


KINDS = (
    jobs_service.JobKind(
        name=PUBLISH,
        title=_l("Đăng sản phẩm lên sàn"),
        handler=publish,
        permission="channels.publish",
        validate=validate_publish,
        startable=False,
    ),
    jobs_service.JobKind(
        name=SYNC,
        title=_l("Đồng bộ giá và tồn kho lên sàn"),
        handler=sync_products,
        permission="catalog.edit",
        validate=validate_sync,
        startable=False,
    ),
    jobs_service.JobKind(
        name=CERTIFICATES,
        title=_l("Kiểm tra hạn chứng nhận OCOP của tin đăng"),
        handler=certificates,
        permission="channels.publish",
        validate=validate_certificates,
    ),
    jobs_service.JobKind(
        name=CERTIFICATE_CHANGE,
        title=_l("Cập nhật tin đăng theo chứng nhận OCOP vừa sửa"),
        handler=certificate_change,
        # Queued by whoever edits the certificate (a producer's representative too).
        permission="catalog.edit",
        validate=validate_certificate_change,
        startable=False,
    ),
)
