"""Livestream pages: the coordinator's week, streamers, sessions with their run-of-show
editor, the printable sheet, the host's live screen and its control page, each streamer's
own schedule, and the secret calendar feeds (public, the token is the secret)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import clock, errors, formatting, labels, permissions, tenancy, validators
from app.http import forms, helpers
from app.live import calendar, common, feeds, host, sessions, slots, streamers
from app.live import forms as live_forms
from app.models import live, orgs

bp = flask.Blueprint("live", __name__, url_prefix="/live", template_folder="templates")
Status = live.SessionStatus
ICS_MIMETYPE = "text/calendar; charset=utf-8"
# The app-wide formatters and label tables (also installed by the factory; idempotent).


@bp.context_processor
def _live_helpers() -> dict[str, Any]:
    return {
        "session_status_label": sessions.status_label,
        "platform_label": labels.platform_label,
        "Status": Status,
        "transitions": sessions.TRANSITIONS,
        "duration_label": formatting.duration,
    }


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(_db(), _user())


def _new_rows_club() -> int | None:
    """The club new streamers and sessions go to; None (with the reason flashed) when the
    user has none yet, e.g. an admin without a working club while several clubs exist."""
    try:
        return common.home_club(_db(), _scope())
    except errors.ValidationError as error:
        flask.flash(error.message, "error")
        return None


def _buffer() -> int:
    return int(flask.current_app.config["LIVE_SETUP_BUFFER_MIN"])


def _session_page(session_id: int) -> werkzeug.Response:
    return flask.redirect(flask.url_for("live.session", session_id=session_id))


def _ics_response(data: bytes, filename: str | None = None) -> flask.Response:
    response = flask.Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_MIMETYPE
    response.headers["Cache-Control"] = "private, max-age=300"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _parse_day(raw: str | None) -> dt.date | None:
    """A ``?week=``/``?day=`` date; anything unreadable or outside 2000–2100 is ignored."""
    return validators.parse_business_date(raw)


# --- week view and schedules ------------------------------------------------------------


@bp.route("/")
@permissions.require("live.plan")
def index() -> str:
    today = common.to_local(clock.utcnow()).date()
    monday = sessions.week_start(_parse_day(flask.request.args.get("week")) or today)
    scope = _scope()
    try:
        club_feed = feeds.ensure(_db(), _user(), None)
        no_club = None
    except errors.ValidationError as error:  # no home club: no club link to show
        club_feed, no_club = None, error.message
    return flask.render_template(
        "live/week.html",
        days=sessions.week(_db(), scope, monday),
        monday=monday,
        prev_week=monday - dt.timedelta(days=7),
        next_week=monday + dt.timedelta(days=7),
        today=today,
        club_feed=club_feed,
        no_club=no_club,
        show_club=common.shows_club(_db(), scope),
    )


@bp.route("/mine")
@permissions.require("live.host")
def mine() -> str:
    me = common.streamer_of(_db(), _user(), _scope())
    rows = sessions.upcoming_for_streamer(_db(), me, clock.utcnow()) if me else []
    feed = feeds.ensure(_db(), _user(), me.id) if me else None
    return flask.render_template(
        "live/mine.html", streamer=me, rows=rows, feed=feed, form=forms.EmptyForm()
    )


@bp.route("/streamers/<int:streamer_id>/schedule")
@permissions.require("live.plan")
def streamer_schedule(streamer_id: int) -> str:
    streamer = streamers.get(_db(), _user(), streamer_id)
    return flask.render_template(
        "live/mine.html",
        streamer=streamer,
        rows=sessions.upcoming_for_streamer(_db(), streamer, clock.utcnow()),
        feed=feeds.ensure(_db(), _user(), streamer.id),
        form=forms.EmptyForm(),
    )


# --- calendar feeds ---------------------------------------------------------------------


@bp.route("/feeds/<token>.ics")
@permissions.public
def feed(token: str) -> flask.Response:
    found = feeds.by_token(_db(), token)
    data = calendar.feed_ics(
        _db(),
        found,
        now=clock.utcnow(),
        host=calendar.uid_host(flask.current_app.config),
        reminder_min=int(flask.current_app.config["LIVE_REMINDER_MIN"]),
    )
    return _ics_response(data)


@bp.route("/feeds/rotate", methods=["POST"])
@permissions.require("live.host")
def feed_rotate() -> werkzeug.Response:
    raw = flask.request.form.get("streamer_id") or ""
    streamer_id = validators.parse_id(raw) if raw else None
    if raw and streamer_id is None:
        raise errors.NotFound(_("Không tìm thấy người livestream."))
    feeds.rotate(_db(), _user(), streamer_id, clock=clock.utcnow)
    flask.flash(_("Đã tạo đường dẫn lịch mới; đường dẫn cũ không còn dùng được."), "success")
    return flask.redirect(helpers.safe_next(flask.request.form.get("next"), "live.mine"))


# --- streamers --------------------------------------------------------------------------


@bp.route("/streamers")
@permissions.require("live.plan")
def streamer_list() -> str:
    scope = _scope()
    return flask.render_template(
        "live/streamers.html",
        rows=streamers.list_streamers(_db(), scope),
        show_club=common.shows_club(_db(), scope),
    )


def _streamer_form_page(
    form: live_forms.StreamerForm,
    streamer: live.Streamer | None,
    club_id: int,
    status: int = 200,
) -> tuple[str, int]:
    """The form with the choices of the streamer's club (a new one's: the user's club)."""
    form.fill(streamers.candidate_users(_db(), club_id), streamers.club_accounts(_db(), club_id))
    return flask.render_template(
        "live/streamer_form.html",
        form=form,
        streamer=streamer,
        club=_db().get(orgs.Club, club_id) if common.shows_club(_db(), _scope()) else None,
    ), status


@bp.route("/streamers/new", methods=["GET", "POST"])
@permissions.require("live.plan")
def streamer_new() -> Any:
    club_id = _new_rows_club()
    if club_id is None:
        return flask.redirect(flask.url_for("live.streamer_list"))
    form = live_forms.StreamerForm()
    if flask.request.method == "POST":
        _streamer_form_page(form, None, club_id)  # choices for validation
        if form.validate_on_submit():
            try:
                streamers.create(_db(), _user(), form.service_data(creating=True))
            except (errors.ValidationError, errors.Conflict) as error:
                _show_error(_as_validation(error), form)
                return _streamer_form_page(form, None, club_id, 422)
            flask.flash(_("Đã thêm người livestream."), "success")
            return flask.redirect(flask.url_for("live.streamer_list"))
        return _streamer_form_page(form, None, club_id, 422)
    return _streamer_form_page(form, None, club_id)


@bp.route("/streamers/<int:streamer_id>/edit", methods=["GET", "POST"])
@permissions.require("live.plan")
def streamer_edit(streamer_id: int) -> Any:
    streamer = streamers.get(_db(), _user(), streamer_id)
    form = live_forms.StreamerForm(obj=None if flask.request.method == "POST" else streamer)
    if flask.request.method == "GET":
        form.channel_account_ids.data = [a.id for a in streamer.channel_accounts]
    club_id = streamer.club_id
    if flask.request.method == "POST":
        _streamer_form_page(form, streamer, club_id)
        if form.validate_on_submit():
            try:
                streamers.update(_db(), _user(), streamer_id, form.service_data(creating=False))
            except errors.ValidationError as error:
                _show_error(error, form)
                return _streamer_form_page(form, streamer, club_id, 422)
            flask.flash(_("Đã lưu."), "success")
            return flask.redirect(flask.url_for("live.streamer_list"))
        return _streamer_form_page(form, streamer, club_id, 422)
    return _streamer_form_page(form, streamer, club_id)


def _as_validation(error: errors.AppError) -> errors.ValidationError:
    if isinstance(error, errors.ValidationError):
        return error
    return errors.ValidationError(error.message, fields=error.fields or {"_": [error.message]})


def _show_error(error: errors.ValidationError, form: object) -> None:
    """Field errors on their fields; an error without fields (no club, …) as a flash."""
    if error.fields:
        helpers.flash_fields(error, form)
    else:
        flask.flash(error.message, "error")


# --- sessions ---------------------------------------------------------------------------


def _session_form_page(
    form: live_forms.SessionForm,
    row: live.LiveSession | None,
    club_id: int,
    status: int = 200,
    conflict: str | None = None,
) -> tuple[str, int]:
    """The form with the hosts and shops of the session's club (a new one's: the user's)."""
    form.fill(
        streamers.list_streamers(_db(), club_id, active_only=row is None),
        streamers.club_accounts(_db(), club_id),
    )
    return flask.render_template(
        "live/session_form.html",
        form=form,
        row=row,
        conflict=conflict,
        club=_db().get(orgs.Club, club_id) if common.shows_club(_db(), _scope()) else None,
    ), status


def _save_session(form: live_forms.SessionForm, row: live.LiveSession | None, club_id: int) -> Any:
    _session_form_page(form, row, club_id)  # choices
    if not form.validate_on_submit():
        return _session_form_page(form, row, club_id, 422)
    data = form.service_data()
    problems = data.pop("_problems")
    if problems:
        helpers.flash_fields(errors.ValidationError(fields=problems), form)
        return _session_form_page(form, row, club_id, 422)
    try:
        if row is None:
            saved = sessions.create(_db(), _user(), data, buffer_min=_buffer())
        else:
            saved = sessions.update(_db(), _user(), row.id, data, buffer_min=_buffer())
    except errors.Conflict as error:
        return _session_form_page(form, row, club_id, 409, conflict=error.message)
    except errors.ValidationError as error:
        mapped = {
            {"starts_at": "start_time", "ends_at": "end_time"}.get(k, k): v
            for k, v in error.fields.items()
        }
        _show_error(errors.ValidationError(error.message, fields=mapped), form)
        return _session_form_page(form, row, club_id, 422)
    flask.flash(_("Đã lưu phiên livestream."), "success")
    return _session_page(saved.id)


@bp.route("/sessions/new", methods=["GET", "POST"])
@permissions.require("live.plan")
def session_new() -> Any:
    club_id = _new_rows_club()
    if club_id is None:
        return flask.redirect(flask.url_for("live.index"))
    form = live_forms.SessionForm()
    if flask.request.method == "POST":
        return _save_session(form, None, club_id)
    form.day.data = _parse_day(flask.request.args.get("day"))
    return _session_form_page(form, None, club_id)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@permissions.require("live.plan")
def session_edit(session_id: int) -> Any:
    row = sessions.get(_db(), _user(), session_id)
    form = live_forms.SessionForm()
    if flask.request.method == "POST":
        return _save_session(form, row, row.club_id)
    form.load(row)
    return _session_form_page(form, row, row.club_id)


def _detail_page(
    row: live.LiveSession,
    slot_form: live_forms.SlotForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    slot_form = slot_form or live_forms.SlotForm(formdata=None)
    slot_form.fill(slots.product_choices(_db(), row.club_id))
    return flask.render_template(
        "live/session.html",
        row=row,
        show_club=common.shows_club(_db(), _scope()),
        timeline=slots.timeline(row),
        slot_form=slot_form,
        duplicate_form=live_forms.DuplicateForm(formdata=None),
        form=forms.EmptyForm(),
    ), status


@bp.route("/sessions/<int:session_id>")
@permissions.require("live.plan")
def session(session_id: int) -> Any:
    return _detail_page(sessions.get(_db(), _user(), session_id))


@bp.route("/sessions/<int:session_id>/status", methods=["POST"])
@permissions.require("live.plan")
def session_status(session_id: int) -> werkzeug.Response:
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            sessions.set_status(
                _db(),
                _user(),
                session_id,
                flask.request.form.get("status", ""),
                buffer_min=_buffer(),
            )
            flask.flash(_("Đã cập nhật trạng thái."), "success")
        except (errors.Conflict, errors.ValidationError) as error:
            flask.flash(error.message, "error")
    return _session_page(session_id)


@bp.route("/sessions/<int:session_id>/duplicate", methods=["POST"])
@permissions.require("live.plan")
def session_duplicate(session_id: int) -> werkzeug.Response:
    form = live_forms.DuplicateForm()
    if not form.validate_on_submit():
        flask.flash(_("Số ngày từ 1 đến 366."), "error")
        return _session_page(session_id)
    try:
        copy = sessions.duplicate(
            _db(), _user(), session_id, days=int(form.days.data or 7), buffer_min=_buffer()
        )
    except (errors.Conflict, errors.ValidationError) as error:
        flask.flash(error.message, "error")
        return _session_page(session_id)
    flask.flash(_("Đã nhân bản phiên."), "success")
    return _session_page(copy.id)


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@permissions.require("live.plan")
def session_delete(session_id: int) -> werkzeug.Response:
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            sessions.delete(_db(), _user(), session_id)
        except errors.Conflict as error:
            flask.flash(error.message, "error")
            return _session_page(session_id)
        flask.flash(_("Đã xoá phiên."), "success")
    return flask.redirect(flask.url_for("live.index"))


# --- run-of-show ------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/slots", methods=["POST"])
@permissions.require("live.plan")
def slot_add(session_id: int) -> Any:
    row = sessions.get(_db(), _user(), session_id)
    form = live_forms.SlotForm()
    form.fill(slots.product_choices(_db(), row.club_id))
    if not form.validate_on_submit():
        return _detail_page(row, form, 422)
    try:
        slots.add(_db(), _user(), session_id, form.service_data())
    except errors.ValidationError as error:
        helpers.flash_fields(error, form)
        return _detail_page(sessions.get(_db(), _user(), session_id), form, 422)
    except errors.Conflict as error:
        flask.flash(error.message, "error")
        return _session_page(session_id)
    flask.flash(_("Đã thêm sản phẩm vào kịch bản."), "success")
    return _session_page(session_id)


@bp.route("/sessions/<int:session_id>/slots/<int:slot_id>/edit", methods=["GET", "POST"])
@permissions.require("live.plan")
def slot_edit(session_id: int, slot_id: int) -> Any:
    row = sessions.get(_db(), _user(), session_id)
    slot = next((s for s in row.slots if s.id == slot_id), None)
    if slot is None:
        raise errors.NotFound()
    form = live_forms.SlotForm()
    form.fill(slots.product_choices(_db(), row.club_id))
    status = 200
    if flask.request.method == "POST":
        if form.validate_on_submit():
            try:
                slots.update(_db(), _user(), session_id, slot_id, form.service_data())
            except errors.ValidationError as error:
                helpers.flash_fields(error, form)
                status = 422
            except errors.Conflict as error:
                flask.flash(error.message, "error")
                return _session_page(session_id)
            else:
                flask.flash(_("Đã lưu mục."), "success")
                return _session_page(session_id)
        else:
            status = 422
        row = sessions.get(_db(), _user(), session_id)
        slot = next(s for s in row.slots if s.id == slot_id)
    else:
        form.load(slot)
    return flask.render_template("live/slot_form.html", form=form, row=row, slot=slot), status


@bp.route("/sessions/<int:session_id>/slots/<int:slot_id>/delete", methods=["POST"])
@permissions.require("live.plan")
def slot_delete(session_id: int, slot_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        try:
            slots.delete(_db(), _user(), session_id, slot_id)
            flask.flash(_("Đã xoá mục."), "success")
        except errors.Conflict as error:
            flask.flash(error.message, "error")
    return _session_page(session_id)


@bp.route("/sessions/<int:session_id>/slots/<int:slot_id>/move", methods=["POST"])
@permissions.require("live.plan")
def slot_move(session_id: int, slot_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        step = -1 if flask.request.form.get("direction") == "up" else 1
        try:
            slots.move(_db(), _user(), session_id, slot_id, step)
        except errors.Conflict as error:
            flask.flash(error.message, "error")
    return _session_page(session_id)


# --- host side: print sheet, live screen, control ---------------------------------------


@bp.route("/sessions/<int:session_id>/print")
@permissions.require("live.host")
def session_print(session_id: int) -> str:
    row = sessions.get_for_host(_db(), _user(), session_id)
    return flask.render_template("live/print.html", row=row, timeline=slots.timeline(row))


@bp.route("/sessions/<int:session_id>/session.ics")
@permissions.require("live.host")
def session_ics(session_id: int) -> flask.Response:
    row = sessions.get_for_host(_db(), _user(), session_id)
    data = calendar.session_ics(
        _db(),
        row,
        host=calendar.uid_host(flask.current_app.config),
        reminder_min=int(flask.current_app.config["LIVE_REMINDER_MIN"]),
    )
    return _ics_response(data, filename=f"livestream-{row.id}.ics")


@bp.route("/sessions/<int:session_id>/host")
@permissions.require("live.host")
def host_screen(session_id: int) -> str:
    row = sessions.get_for_host(_db(), _user(), session_id)
    return flask.render_template(
        "live/host.html", row=row, state=host.state(_db(), row, clock.utcnow())
    )


@bp.route("/sessions/<int:session_id>/host/state")
@permissions.require("live.host")
def host_state(session_id: int) -> flask.Response:
    response = flask.jsonify(host.get(_db(), _user(), session_id, clock=clock.utcnow))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sessions/<int:session_id>/control", methods=["GET", "POST"])
@permissions.require("live.plan")
def control(session_id: int) -> Any:
    form = forms.EmptyForm()
    if flask.request.method == "POST":
        if form.validate_on_submit():
            try:
                host.act(
                    _db(),
                    _user(),
                    session_id,
                    flask.request.form.get("action", ""),
                    seconds=_int_arg(flask.request.form.get("seconds")),
                    index=_int_arg(flask.request.form.get("index")),
                    clock=clock.utcnow,
                )
            except (errors.Conflict, errors.ValidationError) as error:
                flask.flash(error.message, "error")
        return flask.redirect(flask.url_for("live.control", session_id=session_id))
    row = sessions.get(_db(), _user(), session_id)
    state = host.state(_db(), row, clock.utcnow())
    current = state["current"]
    return flask.render_template(
        "live/control.html",
        row=row,
        state=state,
        ends_at=formatting.parse_stored(current["ends_at"]) if current else None,
        timeline=slots.timeline(row),
        form=form,
    )


def _int_arg(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 else 0
