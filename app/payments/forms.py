"""Forms of the payment pages: a connection (the service's own settings are posted as
``config.<name>`` fields, from the source's schema), settling a transaction."""

from __future__ import annotations

import wtforms
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from app.http import forms
from app.orders import payments as order_payments
from app.payments import connections

Choice = forms.Choice


class ConnectionForm(forms.Form):
    provider = wtforms.HiddenField(validators=[v.AnyOf(connections.PROVIDERS)])
    label = wtforms.StringField(
        _l("Tên gợi nhớ (không bắt buộc)"), validators=[v.Optional(), v.Length(max=100)]
    )
    bank_bin = wtforms.SelectField(
        _l("Ngân hàng"),
        choices=[Choice("", _l("— Chọn ngân hàng —"))]
        + [Choice(code, f"{name} ({code})") for code, name in order_payments.BANKS.items()],
        validate_choice=False,
    )
    account_number = wtforms.StringField(
        _l("Số tài khoản nhận tiền"),
        validators=[v.Optional(), v.Length(max=30)],
        render_kw={"inputmode": "numeric"},
    )
    submit = wtforms.SubmitField(_l("Kết nối"))


class AssignForm(forms.Form):
    order_id = wtforms.IntegerField(_l("Đơn"), validators=[v.InputRequired()])
