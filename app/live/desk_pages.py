"""The live selling desk's pages: the comment feed of a session with its proposals and actions,
the captures that fill it, the comments typed by hand, and the club's comment source accounts.

Every action is a plain form post (the page works without JavaScript); ``desk.js`` fetches the
new rows and posts the actions in place, so staff confirm in one click or one key.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import clock, errors, formatting, labels, permissions
from app.http import addresses, helpers
from app.http import forms as http_forms
from app.live import capture, comment_accounts, desk, holds, replies
from app.live import forms as live_forms
from app.live import sources as live_sources
from app.models import comments as models
from app.orders import recording

bp = flask.Blueprint("desk", __name__, url_prefix="/live", template_folder="templates")

ACTIONS = {"take": desk.take, "dismiss": desk.dismiss}


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


def _scope() -> Any:
    return helpers.current_scope()


def _wants_json() -> bool:
    return flask.request.accept_mimetypes.best == "application/json"


def _desk_url(session_id: int) -> str:
    return flask.url_for("desk.page", session_id=session_id)


def _rows_html(items: list[desk.Item], notices: dict[int, str] | None = None) -> str:
    """The rows' HTML; ``notices`` puts a message in a comment's row (why an action failed)."""
    return flask.render_template(
        "live/_desk_rows.html",
        items=items,
        action_form=http_forms.EmptyForm(),
        notices=notices or {},
    )


@bp.context_processor
def _desk_helpers() -> dict[str, Any]:
    return {
        "capture_status_label": lambda status: str(labels.CAPTURE_STATUS_LABELS[status]),
        "source_status_label": lambda status: str(labels.SOURCE_STATUS_LABELS[status]),
        "platform_label": labels.platform_label,
        "message_status_label": labels.message_status_label,
    }


@bp.route("/sessions/<int:session_id>/desk")
@permissions.require("orders.record")
def page(session_id: int) -> str:
    db, user = _db(), _user()
    read_at = clock.utcnow()
    items = desk.feed(db, user, session_id, newest=True)
    live_session = recording.live_session_for(db, _scope(), session_id)
    capture_form = live_forms.CaptureForm()
    capture_form.account_id.choices = [
        (a.id, f"{a.name} ({a.platform})")
        for a in comment_accounts.accounts_for(db, user)
        if a.status is models.SourceStatus.CONNECTED
    ]
    return flask.render_template(
        "live/desk.html",
        row=live_session,
        items=items,
        last_id=max((i.comment.id for i in items), default=0),
        read_at=read_at.isoformat(),
        figures=desk.figures(db, user, session_id),
        waiting=desk.waitlist(db, user, session_id),
        captures=capture.captures_for(db, _scope(), live_session),
        capture_form=capture_form,
        manual_form=live_forms.ManualCommentsForm(),
        action_form=http_forms.EmptyForm(),
    )


@bp.route("/sessions/<int:session_id>/desk/feed")
@permissions.require("orders.record")
def feed(session_id: int) -> flask.Response:
    """New rows after ``after`` (oldest first) and the figures, as HTML in the page's words.
    With ``wait`` (seconds, at most 25) it answers as soon as a new comment is stored, or with
    no rows once the wait is over (a long poll: desk.js asks again at once); ``figures=0``
    leaves the figures out (desk.js asks for them every two seconds, not on every read)."""
    after = max(0, flask.request.args.get("after", 0, type=int))
    wait = flask.request.args.get("wait", 0.0, type=float)
    since = formatting.parse_stored(flask.request.args.get("since"))
    db, user = _db(), _user()
    got = desk.read(db, user, session_id, after_id=after, since=since, wait=wait)
    body: dict[str, Any] = {
        # Oldest first: desk.js puts each new row on top, so the newest ends up first.
        "rows": _rows_html(got.items),
        "last": got.last,
        "since": got.since.isoformat(),  # the next read asks for what changed from here on
    }
    if got.changed is not None:
        body["changed"] = _rows_html(got.changed)
    if flask.request.args.get("figures") != "0":
        body["figures"] = flask.render_template(
            "live/_desk_figures.html", figures=desk.figures(db, user, session_id)
        )
        live_session = recording.live_session_for(db, _scope(), session_id)
        body["captures"] = flask.render_template(
            "live/_desk_captures.html",
            captures=capture.captures_for(db, _scope(), live_session),
            action_form=http_forms.EmptyForm(),
        )
    response = flask.jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _acted(session_id: int, comment_id: int, message: str) -> Any:
    if _wants_json():
        row = desk.item(_db(), _user(), comment_id)
        return flask.jsonify(row=_rows_html([row]), message=message)
    flask.flash(message, "success")
    return flask.redirect(_desk_url(session_id))


def _refused(session_id: int, comment_id: int, error: errors.AppError) -> Any:
    """An action refused: in place, the comment's row as it now stands (taken or confirmed
    by someone else, waitlisted) with the reason in it; by form, the reason as a flash."""
    if _wants_json():
        row = desk.item(_db(), _user(), comment_id)
        notices = {comment_id: error.message}
        return flask.jsonify(row=_rows_html([row], notices), error=error.message), error.status
    flask.flash(error.message, "error")
    return flask.redirect(_desk_url(session_id))


@bp.route("/comments/<int:comment_id>/take", methods=["POST"])
@permissions.require("orders.record")
def take(comment_id: int) -> Any:
    """Open a comment for handling (the other staff see it taken)."""
    return _act(comment_id, "take")


@bp.route("/comments/<int:comment_id>/dismiss", methods=["POST"])
@permissions.require("orders.record")
def dismiss(comment_id: int) -> Any:
    return _act(comment_id, "dismiss")


@bp.route("/comments/<int:comment_id>/confirm", methods=["POST"])
@permissions.require("orders.record")
def confirm(comment_id: int) -> Any:
    return _act(comment_id, "confirm")


def _act(comment_id: int, action: str) -> Any:
    if not http_forms.EmptyForm().validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    db, user = _db(), _user()
    session_id = desk.session_id_of(db, user, comment_id)
    try:
        if action == "confirm":
            order = desk.confirm(db, user, comment_id)
            message = _("Đã chốt vào đơn %(code)s.", code=order.external_id)
        else:
            ACTIONS[action](db, user, comment_id)
            message = _("Đã nhận xử lý.") if action == "take" else _("Đã bỏ qua bình luận.")
    except (errors.Conflict, errors.ValidationError) as error:
        return _refused(session_id, comment_id, error)
    return _acted(session_id, comment_id, message)


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@permissions.require("orders.record")
def reply(comment_id: int) -> Any:
    """Reply to the buyer: privately on Facebook where the comment allows it, otherwise the
    text is shown for staff to copy; logged on the order either way."""
    if not http_forms.EmptyForm().validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    db, user = _db(), _user()
    session_id = desk.session_id_of(db, user, comment_id)
    try:
        sent = replies.send(db, user, comment_id, pay_url=lambda o: addresses.pay_url(o.id))
    except errors.Conflict as error:
        return _refused(session_id, comment_id, error)
    if sent.message.status is models.MessageStatus.FAILED:
        message = _("Facebook không nhận tin nhắn; hãy sao chép và gửi tay.")
    elif sent.to_copy:
        message = _("Nền tảng này không cho nhắn riêng: hãy sao chép tin nhắn và gửi tay.")
    else:
        message = _("Đã gửi tin nhắn riêng cho người mua.")
    return _acted(session_id, comment_id, message)


@bp.route("/sessions/<int:session_id>/desk/manual", methods=["POST"])
@permissions.require("orders.record")
def manual(session_id: int) -> werkzeug.Response:
    recording.live_session_for(_db(), _scope(), session_id)  # 404 before anything else
    form = live_forms.ManualCommentsForm()
    if form.validate_on_submit():
        try:
            added = desk.add_manual(_db(), _user(), session_id, form.comments.data or "")
        except errors.ValidationError as error:
            flask.flash(error.message, "error")
        else:
            flask.flash(_("Đã thêm %(n)d bình luận.", n=len(added)), "success")
    else:
        flask.flash(_("Hãy nhập ít nhất một bình luận."), "error")
    return flask.redirect(_desk_url(session_id))


@bp.route("/sessions/<int:session_id>/captures", methods=["POST"])
@permissions.require("orders.record")
def capture_start(session_id: int) -> werkzeug.Response:
    recording.live_session_for(_db(), _scope(), session_id)  # 404 before anything else
    form = live_forms.CaptureForm()
    form.account_id.choices = []
    if form.validate_on_submit():
        try:
            capture.start(
                _db(),
                _user(),
                session_id,
                account_id=form.account_id.data or 0,
                live_ref=form.live_ref.data,
            )
        except errors.ValidationError as error:
            flask.flash(error.message, "error")
        else:
            flask.flash(_("Đã bắt đầu thu bình luận."), "success")
    return flask.redirect(_desk_url(session_id))


@bp.route("/captures/<int:capture_id>/stop", methods=["POST"])
@permissions.require("orders.record")
def capture_stop(capture_id: int) -> werkzeug.Response:
    if not http_forms.EmptyForm().validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    row = capture.stop(_db(), _user(), capture_id)
    flask.flash(_("Đã dừng thu bình luận."), "success")
    return flask.redirect(_desk_url(row.session_id))


# --- comment source accounts ---------------------------------------------------------------


def _callback_url() -> str:
    return flask.url_for("desk.facebook_callback", _external=True)


@bp.route("/comment-accounts")
@permissions.require("live.plan")
def accounts() -> str:
    db, user = _db(), _user()
    rows = comment_accounts.accounts_for(db, user)
    choosing = {
        row.id: comment_accounts.pages_to_choose(row)
        for row in rows
        if row.platform == "facebook" and row.status is not models.SourceStatus.CONNECTED
    }
    return flask.render_template(
        "live/comment_accounts.html",
        rows=rows,
        choosing=choosing,
        youtube_form=live_forms.YouTubeAccountForm(),
        tiktok_form=live_forms.TikTokAccountForm() if live_sources.enabled("tiktok") else None,
        facebook_form=live_forms.FacebookAccountForm(),
        choose_form=live_forms.ChoosePageForm(),
        settings_form=_settings_form(db, user),
        fields=holds.FIELDS,
    )


def _settings_form(db: Any, user: Any) -> live_forms.DeskSettingsForm:
    form = live_forms.DeskSettingsForm(formdata=None)
    club_id = helpers.current_scope().home_club_id
    current = holds.settings_of(db, club_id) if club_id is not None else None
    form.hold_minutes.data = current.hold_minutes if current else holds.DEFAULT_HOLD_MINUTES
    form.reminder_minutes.data = (
        holds.reminder_of(current) if current else holds.DEFAULT_REMINDER_MINUTES
    )
    form.reply_template.data = (current.reply_template if current else None) or ""
    return form


@bp.route("/desk-settings", methods=["POST"])
@permissions.require("live.plan")
def settings() -> werkzeug.Response:
    form = live_forms.DeskSettingsForm()
    if form.validate_on_submit():
        try:
            holds.save_settings(
                _db(),
                _user(),
                hold_minutes=form.hold_minutes.data or 0,
                reply_template=form.reply_template.data,
                reminder_minutes=form.reminder_minutes.data,
            )
        except errors.ValidationError as error:
            for message in [m for ms in error.fields.values() for m in ms] or [error.message]:
                flask.flash(message, "error")
        else:
            flask.flash(_("Đã lưu cài đặt bàn chốt đơn."), "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flask.flash(str(message), "error")
    return flask.redirect(flask.url_for("desk.accounts"))


def _given(form: Any, *names: str) -> dict[str, str]:
    """The named fields of an account form that were filled in (empty ones take defaults)."""
    return {name: str(form[name].data) for name in names if form[name].data}


def _add_account(form: Any, platform: str, names: tuple[str, ...], saved: str) -> werkzeug.Response:
    """Save a comment account from its form (the filled fields of ``names``); back to the page."""
    if form.validate_on_submit():
        try:
            comment_accounts.add_account(
                _db(),
                _user(),
                platform=platform,
                name=form.name.data or "",
                settings=_given(form, *names),
            )
        except errors.ValidationError as error:
            flask.flash(error.message, "error")
        else:
            flask.flash(saved, "success")
    return flask.redirect(flask.url_for("desk.accounts"))


@bp.route("/comment-accounts/youtube", methods=["POST"])
@permissions.require("live.plan")
def youtube_add() -> werkzeug.Response:
    form = live_forms.YouTubeAccountForm()
    return _add_account(form, "youtube", ("api_key", "api_base_url"), _("Đã lưu kênh YouTube."))


@bp.route("/comment-accounts/facebook", methods=["POST"])
@permissions.require("live.plan")
def facebook_begin() -> werkzeug.Response:
    form = live_forms.FacebookAccountForm()
    if not form.validate_on_submit():
        flask.flash(_("Hãy nhập App ID và App secret."), "error")
        return flask.redirect(flask.url_for("desk.accounts"))
    settings = _given(form, "app_id", "app_secret", "api_base_url", "authorize_url_base")
    try:
        _row, url = comment_accounts.begin_facebook(
            _db(), _user(), settings=settings, redirect_uri=_callback_url()
        )
    except errors.ValidationError as error:
        flask.flash(error.message, "error")
        return flask.redirect(flask.url_for("desk.accounts"))
    return flask.redirect(url)


@bp.route("/comment-accounts/facebook/callback")
@permissions.require("live.plan")
def facebook_callback() -> werkzeug.Response:
    try:
        row = comment_accounts.finish_facebook(
            _db(), _user(), flask.request.args.to_dict(), redirect_uri=_callback_url()
        )
    except errors.ValidationError as error:
        flask.flash(error.message, "error")
    else:
        if row.status is models.SourceStatus.CONNECTED:
            flask.flash(_("Đã kết nối Trang %(name)s.", name=row.name), "success")
        else:
            flask.flash(_("Hãy chọn Trang dùng để thu bình luận."), "info")
    return flask.redirect(flask.url_for("desk.accounts"))


@bp.route("/comment-accounts/<int:account_id>/page", methods=["POST"])
@permissions.require("live.plan")
def facebook_page(account_id: int) -> werkzeug.Response:
    form = live_forms.ChoosePageForm()
    form.page_id.choices = []
    if form.validate_on_submit():
        try:
            row = comment_accounts.choose_page(_db(), _user(), account_id, form.page_id.data or "")
        except errors.ValidationError as error:
            flask.flash(error.message, "error")
        else:
            flask.flash(_("Đã kết nối Trang %(name)s.", name=row.name), "success")
    return flask.redirect(flask.url_for("desk.accounts"))


@bp.app_template_global()
def capture_problem(row: models.CommentCapture) -> str:
    """Why a capture failed, in the reader's words."""
    return labels.capture_problem_label(row.problem)


@bp.app_template_global()
def capture_trouble(row: models.CommentCapture) -> str:
    """What a running capture is waiting out (a throttle, a platform answering errors), since
    when and how many times in a row."""
    problem = row.problem or {}
    since = formatting.parse_stored(str(problem.get("since") or ""))
    return _(
        "Đang thử lại: %(why)s (lần %(n)d, từ %(since)s)",
        why=labels.capture_problem_label(problem),
        n=int(problem.get("times") or 1),
        since=formatting.local_time(since) if since else "—",
    )


@bp.route("/comment-accounts/tiktok", methods=["POST"])
@permissions.require("live.plan")
def tiktok_add() -> werkzeug.Response:
    if not live_sources.enabled("tiktok"):
        raise errors.NotFound(_("Không tìm thấy trang."))
    names = ("unique_id", "sign_api_key", "sign_server_url", "web_base_url")
    form = live_forms.TikTokAccountForm()
    return _add_account(form, "tiktok", names, _("Đã lưu tài khoản TikTok."))
