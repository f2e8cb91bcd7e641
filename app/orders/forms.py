"""Forms and labels of the order pages. The services check values and report every problem;
these forms carry the fields, their labels and the CSRF token."""

from __future__ import annotations

from typing import Any

import flask_wtf
import flask_wtf.file
import wtforms
from flask_babel import lazy_gettext as _l

from app.http import forms
from app.orders import exports, labels, payments, picker, status

Choice = forms.Choice

LINE_ROWS = 5

STATUS_LABELS = labels.STATUS_LABELS
SOURCE_LABELS = labels.SOURCE_LABELS
PLATFORM_LABELS = labels.PLATFORM_LABELS
BATCH_STATUS_LABELS = {
    "pending": _l("Chờ duyệt"),
    "accepted": _l("Đã chấp nhận"),
    "discarded": _l("Đã bỏ qua"),
}


def session_choices(sessions: list[Any], show_club: bool = False) -> list[Choice]:
    """The session picker's options (each labelled with its club when several are shown)."""
    from app.core import formatting

    def label(row: Any) -> str:
        text = f"{formatting.local_datetime(row.starts_at)} · {row.title}"
        return f"{text} · {row.club.name}" if show_club else text

    return [Choice("", _l("— Không gắn phiên —"))] + [
        Choice(str(row.id), label(row)) for row in sessions
    ]


class LineForm(wtforms.Form):
    # A picker of the club's SKUs (``sku_choices``); any SKU may still be posted (the service
    # checks it against the order's club).
    sku = wtforms.SelectField(
        _l("Sản phẩm (SKU)"), validate_choice=False, render_kw={"data-sku-picker": ""}
    )
    quantity = wtforms.StringField(_l("Số lượng"), render_kw={"inputmode": "numeric"})
    unit_price = wtforms.StringField(
        _l("Đơn giá (đồng)"),
        render_kw={"inputmode": "numeric", "placeholder": _l("giá live/giá bán")},
    )


def sku_choices(groups: list[picker.ProductGroup]) -> list[Choice]:
    """The picker's options: an empty one, then one per SKU grouped under its product."""
    choices = [Choice("", _l("— Chọn sản phẩm —"))]
    for group in groups:
        choices += [
            Choice(
                option.sku,
                option.label,
                render_kw={"data-price": str(option.price), "data-stock": str(option.stock)},
                optgroup=group.name,
            )
            for option in group.options
        ]
    return choices


def set_sku_choices(form: ManualOrderForm, groups: list[picker.ProductGroup]) -> None:
    """Give every line its picker; a posted SKU that is not an option (typed in another case, or
    not in the catalog) is matched by case or kept as its own option, so it is shown again."""
    choices = sku_choices(groups)
    by_upper = {str(choice.value).upper(): str(choice.value) for choice in choices[1:]}
    for entry in form.lines:
        field = entry.form.sku
        posted = (field.data or "").strip()
        field.choices = list(choices)
        if posted and posted not in by_upper.values():
            if posted.upper() in by_upper:
                field.data = by_upper[posted.upper()]
            else:
                field.choices.append(Choice(posted, posted))


class ManualOrderForm(forms.Form):
    session_id = wtforms.SelectField(_l("Phiên livestream"), validate_choice=False)
    platform = wtforms.SelectField(
        _l("Nền tảng"),
        choices=[Choice("", _l("— theo phiên —"))]
        + [Choice(p, PLATFORM_LABELS[p]) for p in exports.PLATFORMS],
        validate_choice=False,
    )
    external_id = wtforms.StringField(
        _l("Mã đơn trên sàn"), description=_l("Để trống: ứng dụng tự đặt mã.")
    )
    placed_at = wtforms.StringField(
        _l("Thời gian đặt"),
        description=_l("dd/mm/yyyy hh:mm, giờ Việt Nam; để trống: bây giờ."),
    )
    status = wtforms.SelectField(
        _l("Trạng thái"),
        choices=[Choice(s, STATUS_LABELS[s]) for s in exports.STATUSES],
        validate_choice=False,
    )
    buyer_phone = wtforms.StringField(_l("SĐT người mua"), render_kw={"inputmode": "tel"})
    buyer_name = wtforms.StringField(_l("Tên người mua"))
    buyer_user = wtforms.StringField(_l("Tài khoản người mua trên sàn"))
    note = wtforms.TextAreaField(_l("Ghi chú"))
    lines = wtforms.FieldList(wtforms.FormField(LineForm), min_entries=LINE_ROWS)
    submit = wtforms.SubmitField(_l("Lưu đơn"))

    def service_data(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id.data or None,
            "platform": self.platform.data,
            "external_id": self.external_id.data,
            "placed_at": self.placed_at.data,
            "status": self.status.data,
            "buyer_phone": self.buyer_phone.data,
            "buyer_name": self.buyer_name.data,
            "buyer_user": self.buyer_user.data,
            "note": self.note.data,
            "lines": [dict(entry.data) for entry in self.lines],
        }

    def attach_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """Service field errors onto the inputs; returns the ones no input shows."""
        left: list[str] = []
        for name, messages in fields.items():
            parts = name.split(".")
            target = None
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
                index = int(parts[1])
                if index < len(self.lines.entries):
                    target = getattr(self.lines.entries[index].form, parts[2], None)
            elif len(parts) == 1:
                target = getattr(self, name, None)
            if target is None or not isinstance(target, wtforms.Field):
                left.extend(messages)
            else:
                target.errors = [*list(target.errors), *messages]
        return left


class UploadForm(forms.Form):
    # Extension, size and content are checked by the services (the API and CLI share them).
    file = flask_wtf.file.FileField(
        _l("Tệp"), validators=[flask_wtf.file.FileRequired(_l("Hãy chọn tệp cần nhập."))]
    )
    session_id = wtforms.SelectField(_l("Phiên livestream"), validate_choice=False)
    submit = wtforms.SubmitField(_l("Tải lên"))


class AudienceForm(forms.Form):
    views = wtforms.StringField(_l("Lượt xem"), render_kw={"inputmode": "numeric"})
    unique_viewers = wtforms.StringField(_l("Người xem"), render_kw={"inputmode": "numeric"})
    product_clicks = wtforms.StringField(
        _l("Lượt nhấp sản phẩm"), render_kw={"inputmode": "numeric"}
    )
    product_visitors = wtforms.StringField(
        _l("Người xem sản phẩm"), render_kw={"inputmode": "numeric"}
    )
    submit = wtforms.SubmitField(_l("Lưu số liệu"))


class PaymentAccountForm(forms.Form):
    owner = wtforms.SelectField(_l("Thuộc CLB hoặc chủ thể"), validate_choice=False)
    bank_bin = wtforms.SelectField(
        _l("Ngân hàng"),
        choices=[Choice("", _l("— Chọn ngân hàng —"))]
        + [Choice(code, f"{name} ({code})") for code, name in payments.BANKS.items()],
        validate_choice=False,
    )
    account_number = wtforms.StringField(_l("Số tài khoản"), render_kw={"inputmode": "numeric"})
    account_name = wtforms.StringField(
        _l("Tên chủ tài khoản"), description=_l("Viết hoa không dấu, như trên thẻ.")
    )
    submit = wtforms.SubmitField(_l("Lưu tài khoản"))


class ReviewForm(forms.Form):
    """Accept (with the ticked lines) or discard a comment batch: only the CSRF token."""


class StatusForm(forms.Form):
    """Change an order's status: the new one, why, and the one the user saw (so a change made
    by someone else in between is refused instead of overwritten)."""

    status = wtforms.SelectField(_l("Trạng thái mới"), validate_choice=False)
    note = wtforms.TextAreaField(_l("Ghi chú (lý do)"), render_kw={"rows": 2})
    from_status = wtforms.HiddenField()
    submit = wtforms.SubmitField(_l("Đổi trạng thái"))

    def offer(self, current: str) -> None:
        """The moves allowed from ``current`` (``status.TRANSITIONS``)."""
        self.status.choices = [
            Choice(str(target), STATUS_LABELS[str(target)])
            for target in status.allowed_targets(current)
        ]
        self.from_status.data = current
