"""The live selling desk's API: the same feed, actions, typed comments and captures as the desk
page, for a phone app or a script at the desk.

Two staff confirming one comment at once: one gets the order, the other ``409 conflict``
(the comment is taken or already decided). ``GET …/desk?after=<last>`` returns what came after
the last comment read, oldest first, with the live figures.
"""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.core import permissions, tenancy
from app.http import addresses
from app.live import capture, desk, replies
from app.live import desk_schemas as schemas
from app.orders import recording

blp = flask_smorest.Blueprint(
    "desk_api",
    __name__,
    url_prefix="/api/v1/live",
    description="Bàn chốt đơn khi live: bình luận, đề xuất, chốt, giữ hàng, trả lời, thu bình luận",
)

RECORD = "orders.record"


def _user() -> Any:
    return flask_login.current_user


@blp.route("/sessions/<int:session_id>/desk", methods=["GET"])
@permissions.require(RECORD)
@blp.arguments(schemas.DeskFeedArgsSchema, location="query")
@blp.response(200, schemas.DeskFeedSchema)
def feed(args: dict[str, Any], session_id: int) -> object:
    """The session's comments after ``after`` (oldest first, at most ``limit``) with their
    proposed lines, and the live figures; with ``since`` (the last answer's), also the
    comments up to ``after`` that changed since (taken, confirmed by others, holds)."""
    db, user = extensions.session(), _user()
    got = desk.read(
        db, user, session_id, after_id=args["after"], since=args["since"], limit=args["limit"]
    )
    body: dict[str, Any] = {
        "items": got.items,
        "last": got.last,
        "figures": desk.figures(db, user, session_id),
        "since": got.since,
    }
    if got.changed is not None:
        body["changed"] = got.changed
    return body


@blp.route("/sessions/<int:session_id>/desk/figures", methods=["GET"])
@permissions.require(RECORD)
@blp.response(200, schemas.DeskFiguresSchema)
def figures(session_id: int) -> object:
    """GMV so far, orders, comments, comments per minute, units sold per slot against stock."""
    return desk.figures(extensions.session(), _user(), session_id)


@blp.route("/sessions/<int:session_id>/desk/waitlist", methods=["GET"])
@permissions.require(RECORD)
@blp.response(200, schemas.DeskWaitingSchema(many=True))
def waitlist(session_id: int) -> object:
    """The sold-out comments in the order they came; ``available`` when stock now covers one."""
    return desk.waitlist(extensions.session(), _user(), session_id)


@blp.route("/sessions/<int:session_id>/desk/comments", methods=["POST"])
@permissions.require(RECORD)
@blp.arguments(schemas.DeskManualCommentsSchema)
@blp.response(201, schemas.DeskItemSchema(many=True))
def add_comments(body: dict[str, Any], session_id: int) -> object:
    """Comments typed or pasted for a platform without a feed, one a line."""
    db, user = extensions.session(), _user()
    rows = desk.add_manual(db, user, session_id, body["comments"])
    return [desk.item(db, user, row.id) for row in rows]


@blp.route("/comments/<int:comment_id>/take", methods=["POST"])
@permissions.require(RECORD)
@blp.response(200, schemas.DeskItemSchema)
def take(comment_id: int) -> object:
    """Claim a comment: the other staff see it taken. 409 when someone else has it."""
    db, user = extensions.session(), _user()
    desk.take(db, user, comment_id)
    return desk.item(db, user, comment_id)


@blp.route("/comments/<int:comment_id>/dismiss", methods=["POST"])
@permissions.require(RECORD)
@blp.response(200, schemas.DeskItemSchema)
def dismiss(comment_id: int) -> object:
    """Not an order (or not one to take)."""
    db, user = extensions.session(), _user()
    desk.dismiss(db, user, comment_id)
    return desk.item(db, user, comment_id)


@blp.route("/comments/<int:comment_id>/confirm", methods=["POST"])
@permissions.require(RECORD)
@blp.response(200, schemas.DeskItemSchema)
def confirm(comment_id: int) -> object:
    """Turn the comment's proposal into an order held for the club's hold time (merged into
    the buyer's open order of the session); waitlisted when the slot is sold out. 409 when it
    is taken by someone else or already decided."""
    db, user = extensions.session(), _user()
    desk.confirm(db, user, comment_id)
    return desk.item(db, user, comment_id)


@blp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@permissions.require(RECORD)
@blp.response(200, schemas.SentReplySchema)
def reply(comment_id: int) -> object:
    """Send the club's reply template with the order summary and payment link: privately where
    the platform allows it, otherwise returned for staff to copy. Logged on the order."""
    sent = replies.send(
        extensions.session(), _user(), comment_id, pay_url=lambda o: addresses.pay_url(o.id)
    )
    return {"message": sent.message, "to_copy": sent.to_copy}


@blp.route("/sessions/<int:session_id>/captures", methods=["GET"])
@permissions.require(RECORD)
@blp.response(200, schemas.CommentCaptureSchema(many=True))
def captures(session_id: int) -> object:
    """The session's comment captures, newest first, with their status and problem."""
    db = extensions.session()
    scope = tenancy.scope_for(db, _user())
    return capture.captures_for(db, scope, recording.live_session_for(db, scope, session_id))


@blp.route("/sessions/<int:session_id>/captures", methods=["POST"])
@permissions.require(RECORD)
@blp.arguments(schemas.CommentCaptureStartSchema)
@blp.response(202, schemas.CommentCaptureSchema)
def start_capture(body: dict[str, Any], session_id: int) -> object:
    """Start reading the live's comments through one of the club's comment accounts (a job);
    one already running for the session and account is returned as it is."""
    return capture.start(
        extensions.session(),
        _user(),
        session_id,
        account_id=body["account_id"],
        live_ref=body["live_ref"],
    )


@blp.route("/captures/<int:capture_id>/stop", methods=["POST"])
@permissions.require(RECORD)
@blp.response(200, schemas.CommentCaptureSchema)
def stop_capture(capture_id: int) -> object:
    """Stop a capture; the comments stored stay."""
    return capture.stop(extensions.session(), _user(), capture_id)
