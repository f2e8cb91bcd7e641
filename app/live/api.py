"""Livestream planning API: streamers, sessions, run-of-show slots, host screen, feed links.

A booking that would double-book a streamer answers 409 with the other session in
``error.fields`` (``conflict_session_id``, ``conflict_session_title``,
``conflict_session_starts_at``, ``conflict_streamer_id``).
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest

from app import extensions
from app.core import clock, pagination, permissions, tenancy
from app.live import feeds, host, sessions, slots, streamers
from app.live import schemas as live_schemas

blp = flask_smorest.Blueprint(
    "live_api",
    __name__,
    url_prefix="/api/v1/live",
    description="Lịch livestream: người dẫn, phiên, kịch bản sản phẩm, màn hình dẫn, lịch đăng ký",
)


def _buffer() -> int:
    return int(flask.current_app.config["LIVE_SETUP_BUFFER_MIN"])


def _user() -> Any:
    return flask_login.current_user


# --- streamers ----------------------------------------------------------------------------


@blp.route("/streamers", methods=["GET"])
@permissions.require("live.plan")
@blp.response(200, live_schemas.StreamerSchema(many=True))
def list_streamers() -> object:
    """The streamers of the clubs the user reaches (an admin: every club's)."""
    session = extensions.session()
    return streamers.list_streamers(session, tenancy.scope_for(session, _user()))


@blp.route("/streamers", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.StreamerCreateSchema)
@blp.response(201, live_schemas.StreamerSchema)
def create_streamer(body: dict[str, Any]) -> object:
    """Make a member of the user's club (by user account, one profile per account) a streamer.
    An admin's streamer goes to their working club (or the only club)."""
    return streamers.create(extensions.session(), _user(), body)


@blp.route("/streamers/<int:streamer_id>", methods=["GET"])
@permissions.require("live.plan")
@blp.response(200, live_schemas.StreamerSchema)
def get_streamer(streamer_id: int) -> object:
    """One streamer."""
    return streamers.get(extensions.session(), _user(), streamer_id)


@blp.route("/streamers/<int:streamer_id>", methods=["PATCH"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.StreamerUpdateSchema)
@blp.response(200, live_schemas.StreamerSchema)
def update_streamer(body: dict[str, Any], streamer_id: int) -> object:
    """Change a streamer's name, platforms, channel accounts, TikTok handle or active flag."""
    return streamers.update(extensions.session(), _user(), streamer_id, body)


# --- sessions -----------------------------------------------------------------------------


@blp.route("/sessions", methods=["GET"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SessionListArgsSchema, location="query")
@blp.response(200, live_schemas.SessionPageSchema)
def list_sessions(args: dict[str, Any]) -> object:
    """Sessions overlapping [`start`, `end`) (either may be left out), by start time, of the
    clubs the user reaches (an admin: every club's)."""
    session = extensions.session()
    stmt = sessions.range_query(
        tenancy.scope_for(session, _user()),
        args.get("start"),
        args.get("end"),
        streamer_id=args.get("streamer_id"),
        status=args.get("status"),
    )
    return pagination.paginate(session, stmt, args["page"], args["per_page"])


@blp.route("/sessions", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SessionCreateSchema)
@blp.response(201, live_schemas.SessionSchema)
@blp.alt_response(409, schema=live_schemas.schemas.ErrorSchema, description="Trùng lịch")
def create_session(body: dict[str, Any]) -> object:
    """Plan a session in the user's club (an admin's: the working club, or the only club).
    Hosts and the shop must be that club's (422). A host booked elsewhere closer than the
    setup buffer answers 409."""
    return sessions.create(extensions.session(), _user(), body, buffer_min=_buffer())


@blp.route("/sessions/<int:session_id>", methods=["GET"])
@permissions.require("live.plan")
@blp.response(200, live_schemas.SessionSchema)
def get_session(session_id: int) -> object:
    """A session with its hosts and run-of-show."""
    return sessions.get(extensions.session(), _user(), session_id)


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SessionUpdateSchema)
@blp.response(200, live_schemas.SessionSchema)
@blp.alt_response(409, schema=live_schemas.schemas.ErrorSchema, description="Trùng lịch")
def update_session(body: dict[str, Any], session_id: int) -> object:
    """Edit a session; new times or hosts are conflict-checked (409)."""
    return sessions.update(extensions.session(), _user(), session_id, body, buffer_min=_buffer())


@blp.route("/sessions/<int:session_id>", methods=["DELETE"])
@permissions.require("live.plan")
@blp.response(204)
def delete_session(session_id: int) -> None:
    """Delete a planned or cancelled session."""
    sessions.delete(extensions.session(), _user(), session_id)


@blp.route("/sessions/<int:session_id>/status", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.StatusSchema)
@blp.response(200, live_schemas.SessionSchema)
@blp.alt_response(409, schema=live_schemas.schemas.ErrorSchema, description="Không chuyển được")
def set_status(body: dict[str, Any], session_id: int) -> object:
    """planned → live → ended, planned → cancelled, cancelled → planned (conflict-checked)."""
    return sessions.set_status(
        extensions.session(), _user(), session_id, body["status"], buffer_min=_buffer()
    )


@blp.route("/sessions/<int:session_id>/duplicate", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.DuplicateSchema)
@blp.response(201, live_schemas.SessionSchema)
@blp.alt_response(409, schema=live_schemas.schemas.ErrorSchema, description="Trùng lịch")
def duplicate_session(body: dict[str, Any], session_id: int) -> object:
    """Copy a session with its hosts and slots `days` later (or to `starts_at`)."""
    return sessions.duplicate(
        extensions.session(),
        _user(),
        session_id,
        days=body["days"],
        starts_at=body.get("starts_at"),
        buffer_min=_buffer(),
    )


# --- slots --------------------------------------------------------------------------------


@blp.route("/sessions/<int:session_id>/slots", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SlotCreateSchema)
@blp.response(201, live_schemas.SlotSchema)
def add_slot(body: dict[str, Any], session_id: int) -> object:
    """Add a product slot; one that overlaps another or overruns the session answers 422."""
    return slots.add(extensions.session(), _user(), session_id, body)


@blp.route("/sessions/<int:session_id>/slots/<int:slot_id>", methods=["PATCH"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SlotUpdateSchema)
@blp.response(200, live_schemas.SlotSchema)
def update_slot(body: dict[str, Any], session_id: int, slot_id: int) -> object:
    """Change a slot."""
    return slots.update(extensions.session(), _user(), session_id, slot_id, body)


@blp.route("/sessions/<int:session_id>/slots/<int:slot_id>", methods=["DELETE"])
@permissions.require("live.plan")
@blp.response(204)
def delete_slot(session_id: int, slot_id: int) -> None:
    """Remove a slot."""
    slots.delete(extensions.session(), _user(), session_id, slot_id)


@blp.route("/sessions/<int:session_id>/slots/order", methods=["PUT"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.SlotOrderSchema)
@blp.response(200, live_schemas.SlotSchema(many=True))
def reorder_slots(body: dict[str, Any], session_id: int) -> object:
    """Put every slot in this order, back to back from the first start (lengths kept)."""
    return slots.reorder(extensions.session(), _user(), session_id, body["slot_ids"])


# --- host screen --------------------------------------------------------------------------


@blp.route("/sessions/<int:session_id>/host", methods=["GET"])
@permissions.require("live.host")
@blp.response(200, live_schemas.HostStateSchema)
def host_state(session_id: int) -> object:
    """What the host screen shows: current and next slot, with absolute UTC times."""
    return host.get(extensions.session(), _user(), session_id, clock=clock.utcnow)


@blp.route("/sessions/<int:session_id>/host", methods=["POST"])
@permissions.require("live.plan")
@blp.arguments(live_schemas.HostActionSchema)
@blp.response(200, live_schemas.HostStateSchema)
def host_action(body: dict[str, Any], session_id: int) -> object:
    """Control the host screen: start, next, prev, goto (`index`), extend (`seconds`), reset."""
    return host.act(
        extensions.session(),
        _user(),
        session_id,
        body["action"],
        seconds=body["seconds"],
        index=body.get("index"),
        clock=clock.utcnow,
    )


# --- calendar feeds -----------------------------------------------------------------------


@blp.route("/feeds/rotate", methods=["POST"])
@permissions.require("live.host")
@blp.arguments(live_schemas.FeedRotateSchema)
@blp.response(200, live_schemas.FeedSchema)
def rotate_feed(body: dict[str, Any]) -> object:
    """A new secret calendar link (the club's, or a streamer's); the old link stops working.
    Sellers may rotate only their own link."""
    return feeds.rotate(extensions.session(), _user(), body.get("streamer_id"), clock=clock.utcnow)


@blp.route("/feeds", methods=["POST"])
@permissions.require("live.host")
@blp.arguments(live_schemas.FeedRotateSchema)
@blp.response(200, live_schemas.FeedSchema)
def get_feed(body: dict[str, Any]) -> object:
    """The calendar link (made on first use) of the club or a streamer."""
    return feeds.ensure(extensions.session(), _user(), body.get("streamer_id"))
