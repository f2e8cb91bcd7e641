"""The carrier accounts page: the club's accounts (webhook address to give the carrier, last
call received, last problem), a connect form per carrier from its ``config_schema`` (secret
fields as password inputs, never shown back), turning an account off or on."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import errors, formatting, permissions
from app.http import forms as http_forms
from app.shipping import accounts, labels
from app.shipping.carrier_api import webhook_url

bp = flask.Blueprint(
    "carriers", __name__, url_prefix="/shipping/carriers", template_folder="templates"
)


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


def _page(
    posted: dict[str, str] | None = None, problems: list[str] | None = None, code: int = 200
) -> Any:
    body = flask.render_template(
        "shipping/carriers.html",
        rows=accounts.accounts_for(_db(), _user()),
        schemas={c: accounts.carrier_class(c).config_schema for c in accounts.CARRIERS},
        carrier_name=labels.carrier_name,
        setting_label=labels.setting_label,
        problem_label=labels.problem_label,
        webhook_url=webhook_url,
        parse_stored=formatting.parse_stored,
        posted=posted or {},
        problems=problems or [],
        action_form=http_forms.EmptyForm(),
    )
    return body, code


@bp.route("")
@permissions.require("shipping.book")
def index() -> Any:
    return _page()


@bp.route("", methods=["POST"])
@permissions.require("shipping.manage")
def connect() -> Any:
    form = flask.request.form
    if not http_forms.EmptyForm().validate_on_submit():
        flask.flash(_("Biểu mẫu chưa hợp lệ; hãy tải lại trang rồi thử lại."), "error")
        return _page(code=422)
    carrier = str(form.get("carrier") or "")
    settings = {
        key.removeprefix("config."): value
        for key, value in form.items()
        if key.startswith("config.") and value.strip()
    }
    try:
        row = accounts.connect(
            _db(), _user(), carrier=carrier, settings=settings, label=form.get("label", "")
        )
    except errors.ValidationError as error:
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        fields = list(error.fields)
        public = {k: v for k, v in form.items() if k in {"carrier", "label"}}
        public.update(
            {
                k: v
                for k, v in form.items()
                if k.startswith("config.")
                and k.removeprefix("config.") not in _secret_names(carrier)
            }
        )
        return _page(
            public, [f"{f}: {m}" for f, m in zip(fields, messages, strict=False)] or messages, 422
        )
    flask.flash(
        _(
            "Đã kết nối %(carrier)s. Khai báo địa chỉ webhook với hãng.",
            carrier=labels.carrier_name(row.carrier),
        ),
        "success",
    )
    return flask.redirect(flask.url_for("carriers.index") + f"#carrier-{row.id}")


def _secret_names(carrier: str) -> frozenset[str]:
    if carrier not in accounts.CARRIERS:
        return frozenset()
    return accounts.carrier_class(carrier).secret_fields()


@bp.route("/<int:carrier_account_id>/active", methods=["POST"])
@permissions.require("shipping.manage")
def set_active(carrier_account_id: int) -> werkzeug.Response:
    if not http_forms.EmptyForm().validate_on_submit():
        accounts.get_account(_db(), _user(), carrier_account_id)  # 404 first
        flask.abort(400)
    on = flask.request.form.get("active") == "1"
    row = accounts.set_active(_db(), _user(), carrier_account_id, on)
    flask.flash(_("Đã bật tài khoản.") if row.active else _("Đã tắt tài khoản."), "success")
    return flask.redirect(flask.url_for("carriers.index"))
