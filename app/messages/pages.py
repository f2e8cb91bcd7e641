"""The buyer messages' pages: the club's connections (Zalo through the OA admin's consent,
Messenger by the Page's token), its ZNS templates and the rule of each order event; the
public webhook address of each connection; and the message log's words on the order page."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import errors, permissions
from app.messages import connections, inbound, labels, rules
from app.messages import forms as message_forms
from app.models import comments
from app.orders.events import OrderEvent

bp = flask.Blueprint("messages", __name__, url_prefix="/messages", template_folder="templates")
hooks = flask.Blueprint("message_hooks", __name__, url_prefix="/hooks/messages")

MANAGE = "messages.manage"
_VERIFIERS = "messages.zalo_verifiers"  # state → PKCE verifier, in the admin's session


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


def _back() -> werkzeug.Response:
    return flask.redirect(flask.url_for("messages.settings"))


def _flash_error(error: errors.AppError) -> None:
    said = [m for ms in error.fields.values() for m in ms]
    for message in said or [error.message]:
        flask.flash(message, "error")


@bp.app_template_global()
def message_event_label(event: object) -> str:
    return labels.event_label(event)


@bp.app_template_global()
def message_channel_label(channel: object) -> str:
    return labels.channel_label(channel)


@bp.app_template_global()
def message_log_status(message: comments.OrderMessage) -> str:
    if message.delivered_at is not None:
        return _("Người mua đã nhận")
    return labels.status_label(message.status)


@bp.app_template_global()
def message_problem(message: comments.OrderMessage) -> str:
    return labels.problem_label(message.problem)


def hook_url(row: Any) -> str:
    return flask.url_for("message_hooks.receive", webhook_key=row.webhook_key, _external=True)


@bp.route("/")
@permissions.require(MANAGE)
def settings() -> str:
    db, user = _db(), _user()
    rows = connections.connections_for(db, user)
    templates = rules.templates_for(db, user)
    by_event = rules.rules_for(db, user)
    rule_forms = {}
    for event in OrderEvent:
        rule = by_event.get(str(event))
        form = message_forms.RuleForm(formdata=None, prefix=str(event))
        form.channel.choices = [(c, labels.channel_label(c)) for c in connections.CHANNELS]
        form.template.choices = [("", "—")] + [(str(t.id), t.name) for t in templates]
        if rule is not None:
            form.channel.data = rule.channel
            form.template.data = str(rule.template_id or "")
            form.text.data = rule.text or ""
            form.enabled.data = rule.enabled
        rule_forms[str(event)] = form
    zalo = next((r for r in rows if r.provider == connections.ZALO), None)
    messenger = next((r for r in rows if r.provider == connections.MESSENGER), None)
    zalo_form = message_forms.ZaloForm(formdata=None, data=dict(zalo.config) if zalo else None)
    messenger_form = message_forms.MessengerForm(
        formdata=None, data=dict(messenger.config) if messenger else None
    )
    return flask.render_template(
        "messages/settings.html",
        rows=rows,
        zalo=zalo,
        messenger=messenger,
        hook_url=hook_url,
        zalo_form=zalo_form,
        messenger_form=messenger_form,
        template_form=message_forms.TemplateForm(formdata=None),
        templates=templates,
        rules=by_event,
        rule_forms=rule_forms,
        events=list(OrderEvent),
        default_texts=rules.DEFAULT_TEXTS,
        fields=rules.FIELDS,
        param_values={
            str(event): _param_values(by_event.get(str(event)), templates) for event in OrderEvent
        },
        connection_label=labels.connection_label,
        provider_labels=labels.PROVIDER_LABELS,
        type_labels=labels.PARAM_TYPE_LABELS,
        problem_label=labels.problem_label,
    )


def _param_values(rule: Any, templates: list[Any]) -> list[tuple[str, str]]:
    """The ZNS parameters of the rule's template with their texts (guessed when unset)."""
    chosen = next((t for t in templates if rule is not None and t.id == rule.template_id), None)
    if chosen is None:
        return []
    stored = rule.params or {}
    return [
        (p.name, stored.get(p.name, rules.default_param(p)))
        for p in rules.as_template(chosen).params
    ]


def _callback_url() -> str:
    return flask.url_for("messages.zalo_callback", _external=True)


def _consent(connection_id: int) -> werkzeug.Response:
    consent = connections.begin_zalo(_db(), _user(), connection_id, _callback_url())
    waiting = dict(flask.session.get(_VERIFIERS) or {})
    waiting = dict(list(waiting.items())[-4:])  # a few tabs at most
    waiting[consent.state] = consent.code_verifier
    flask.session[_VERIFIERS] = waiting
    return flask.redirect(consent.url)


@bp.route("/connections/zalo", methods=["POST"])
@permissions.require(MANAGE)
def zalo_save() -> werkzeug.Response:
    form = message_forms.ZaloForm()
    if not form.validate_on_submit():
        flask.flash(_("Hãy nhập mã ứng dụng Zalo."), "error")
        return _back()
    try:
        row = connections.save_settings(_db(), _user(), connections.ZALO, form.data)
    except errors.ValidationError as error:
        _flash_error(error)
        return _back()
    return _consent(row.id)


@bp.route("/connections/<int:connection_id>/connect", methods=["POST"])
@permissions.require(MANAGE)
def zalo_connect(connection_id: int) -> werkzeug.Response:
    try:
        return _consent(connection_id)
    except (errors.ValidationError, errors.Conflict) as error:
        _flash_error(error)
        return _back()


@bp.route("/connections/zalo/callback")
@permissions.require(MANAGE)
def zalo_callback() -> werkzeug.Response:
    args = flask.request.args.to_dict()
    waiting = dict(flask.session.get(_VERIFIERS) or {})
    verifier = str(waiting.pop(str(args.get("state") or ""), ""))
    flask.session[_VERIFIERS] = waiting
    try:
        connections.finish_zalo(_db(), _user(), args, verifier)
    except errors.ValidationError as error:
        _flash_error(error)
    else:
        flask.flash(_("Đã kết nối Zalo OA."), "success")
    return _back()


@bp.route("/connections/messenger", methods=["POST"])
@permissions.require(MANAGE)
def messenger_save() -> werkzeug.Response:
    form = message_forms.MessengerForm()
    if not form.validate_on_submit():
        flask.flash(_("Hãy nhập mã Trang Facebook."), "error")
        return _back()
    try:
        connections.save_settings(_db(), _user(), connections.MESSENGER, form.data)
    except errors.ValidationError as error:
        _flash_error(error)
    else:
        flask.flash(_("Đã lưu Trang Facebook."), "success")
    return _back()


@bp.route("/templates", methods=["POST"])
@permissions.require(MANAGE)
def template_add() -> werkzeug.Response:
    form = message_forms.TemplateForm()
    if not form.validate_on_submit():
        flask.flash(_("Hãy nhập mã mẫu và các tham số."), "error")
        return _back()
    try:
        rules.add_template(
            _db(),
            _user(),
            template_id=form.template_id.data or "",
            name=form.name.data or "",
            params=rules.parse_params(form.params.data or ""),
            price=form.price.data or 0,
        )
    except errors.ValidationError as error:
        _flash_error(error)
    else:
        flask.flash(_("Đã đăng ký mẫu ZNS."), "success")
    return _back()


@bp.route("/templates/<int:message_template_id>/delete", methods=["POST"])
@permissions.require(MANAGE)
def template_delete(message_template_id: int) -> werkzeug.Response:
    rules.delete_template(_db(), _user(), message_template_id)
    flask.flash(_("Đã xoá mẫu ZNS."), "success")
    return _back()


@bp.route("/rules/<event>", methods=["POST"])
@permissions.require(MANAGE)
def rule_save(event: str) -> werkzeug.Response:
    form = message_forms.RuleForm(prefix=event)
    form.channel.choices = [(c, c) for c in connections.CHANNELS]
    form.template.choices = []
    if not form.validate_on_submit():
        flask.flash(_("Phiên làm việc đã hết hạn; hãy tải lại trang."), "error")
        return _back()
    given = flask.request.form
    prefix = f"{event}-param-"
    data = {
        "channel": form.channel.data,
        "template": int(form.template.data) if (form.template.data or "").isdigit() else None,
        "text": form.text.data,
        "enabled": form.enabled.data,
        "params": {k[len(prefix) :]: v for k, v in given.items() if k.startswith(prefix)},
    }
    try:
        rules.save_rule(_db(), _user(), event, data)
    except errors.ValidationError as error:
        _flash_error(error)
    else:
        flask.flash(_("Đã lưu: %(event)s.", event=labels.event_label(event)), "success")
    return _back()


@hooks.route("/<webhook_key>", methods=["POST"])
@permissions.public
def receive(webhook_key: str) -> tuple[dict[str, Any], int]:
    """A channel's webhook (Zalo: ``X-ZEvent-Signature``; Messenger: ``X-Hub-Signature-256``)."""
    got = inbound.receive(
        _db(), webhook_key, flask.request.get_data(cache=False), dict(flask.request.headers)
    )
    return {"received": got.events, "applied": got.applied}, 200


@hooks.route("/<webhook_key>", methods=["GET"])
@permissions.public
def verify(webhook_key: str) -> tuple[str, int]:
    """Meta's subscription check: echo ``hub.challenge`` for a known connection."""
    inbound.known_hook(_db(), webhook_key)
    return flask.request.args.get("hub.challenge", ""), 200
