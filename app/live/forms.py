"""Forms of the livestream pages: streamer, session (local date and time), run-of-show slot.

The services check values and report every problem at once; these forms carry the
fields, their labels and the CSRF token, and turn local wall-clock input into UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import wtforms
import wtforms.validators as v
import wtforms.widgets
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import validators
from app.http import forms
from app.live import common
from app.live import sessions as sessions_service
from app.live import slots as slots_service
from app.models import live

Choice = forms.Choice


class MultiCheckboxField(wtforms.SelectMultipleField):
    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()


def platform_choices() -> list[Choice]:
    return [Choice(p.value, sessions_service.platform_label(p.value)) for p in live.Platform]


class StreamerForm(forms.Form):
    user_id = wtforms.SelectField(_l("Tài khoản thành viên"), validate_choice=False)
    display_name = wtforms.StringField(
        _l("Tên hiển thị"), validators=[v.Optional(), v.Length(max=120)]
    )
    platforms = MultiCheckboxField(_l("Nền tảng"), validate_choice=False)
    channel_account_ids = MultiCheckboxField(
        _l("Gian hàng / tài khoản kênh"), coerce=int, validate_choice=False
    )
    tiktok_handle = wtforms.StringField(
        _l("Tên TikTok (không có @)"), validators=[v.Optional(), v.Length(max=65)]
    )
    is_active = wtforms.BooleanField(_l("Đang hoạt động"), default=True)
    submit = wtforms.SubmitField(_l("Lưu"))

    def fill(self, users: Iterable[Any], accounts: Iterable[Any]) -> None:
        self.user_id.choices = [Choice("", _l("— Chọn thành viên —"))] + [
            Choice(str(u.id), f"{u.full_name} ({u.username})") for u in users
        ]
        self.platforms.choices = platform_choices()
        self.channel_account_ids.choices = [Choice(a.id, a.name) for a in accounts]

    def service_data(self, *, creating: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "platforms": self.platforms.data or [],
            "channel_account_ids": self.channel_account_ids.data or [],
            "tiktok_handle": self.tiktok_handle.data or "",
            "is_active": bool(self.is_active.data),
        }
        if self.display_name.data or not creating:
            data["display_name"] = self.display_name.data or ""
        if creating:
            data["user_id"] = validators.parse_id(self.user_id.data) or 0
        return data


class SessionForm(forms.Form):
    title = wtforms.StringField(_l("Tên phiên"), validators=[v.Optional(), v.Length(max=200)])
    platform = wtforms.SelectField(_l("Nền tảng"), validate_choice=False)
    channel_account_id = wtforms.SelectField(_l("Gian hàng / kênh"), validate_choice=False)
    day = wtforms.DateField(_l("Ngày"), validators=[v.Optional()])
    start_time = wtforms.TimeField(_l("Bắt đầu (giờ Việt Nam)"), validators=[v.Optional()])
    end_time = wtforms.TimeField(_l("Kết thúc"), validators=[v.Optional()])
    end_day = wtforms.DateField(_l("Ngày kết thúc (nếu qua nửa đêm)"), validators=[v.Optional()])
    host_ids = MultiCheckboxField(_l("Người dẫn"), coerce=int, validate_choice=False)
    notes = wtforms.TextAreaField(_l("Ghi chú"), validators=[v.Optional(), v.Length(max=10_000)])
    live_url = wtforms.StringField(
        _l("Đường dẫn phiên live"), validators=[v.Optional(), v.Length(max=500)]
    )
    submit = wtforms.SubmitField(_l("Lưu phiên"))

    def fill(self, streamers: Iterable[live.Streamer], accounts: Iterable[Any]) -> None:
        self.platform.choices = [Choice("", _l("— Chọn nền tảng —")), *platform_choices()]
        self.channel_account_id.choices = [Choice("", _l("— Không chọn —"))] + [
            Choice(str(a.id), a.name) for a in accounts
        ]
        self.host_ids.choices = [Choice(s.id, s.display_name) for s in streamers]

    def load(self, row: live.LiveSession) -> None:
        start = common.to_local(row.starts_at)
        end = common.to_local(row.ends_at)
        self.title.data = row.title
        self.platform.data = row.platform
        self.channel_account_id.data = str(row.channel_account_id or "")
        self.day.data = start.date()
        self.start_time.data = start.time()
        self.end_time.data = end.time()
        self.end_day.data = end.date() if end.date() != start.date() else None
        self.host_ids.data = [h.id for h in row.hosts]
        self.notes.data = row.notes or ""
        self.live_url.data = row.live_url or ""

    def service_data(self) -> dict[str, Any]:
        """Local date + time → UTC; missing parts become field errors (``self.errors``)."""
        data: dict[str, Any] = {
            "title": self.title.data or "",
            "platform": self.platform.data or "",
            "channel_account_id": self.channel_account_id.data or None,
            "host_ids": self.host_ids.data or [],
            "notes": self.notes.data or "",
            "live_url": self.live_url.data or "",
        }
        problems: dict[str, list[str]] = {}
        if self.day.data is None:
            problems["day"] = [_("Chọn ngày.")]
        elif problem := validators.business_date_problem(self.day.data):
            problems["day"] = [problem]
        if self.end_day.data is not None and (
            problem := validators.business_date_problem(self.end_day.data)
        ):
            problems["end_day"] = [problem]
        if self.start_time.data is None:
            problems["start_time"] = [_("Nhập giờ bắt đầu.")]
        if self.end_time.data is None:
            problems["end_time"] = [_("Nhập giờ kết thúc.")]
        if not problems:
            assert self.day.data and self.start_time.data and self.end_time.data
            data["starts_at"] = common.local_to_utc(self.day.data, self.start_time.data)
            data["ends_at"] = common.local_to_utc(
                self.end_day.data or self.day.data, self.end_time.data
            )
        data["_problems"] = problems
        return data


class SlotForm(forms.Form):
    product_id = wtforms.SelectField(_l("Sản phẩm"), validate_choice=False)
    variant_id = wtforms.SelectField(_l("Phân loại (tuỳ chọn)"), validate_choice=False)
    start_offset = wtforms.StringField(
        _l("Bắt đầu sau (phút hoặc phút:giây)"),
        validators=[v.Optional(), v.Length(max=10)],
        description=_l("Để trống: ngay sau mục cuối."),
    )
    length = wtforms.StringField(
        _l("Thời lượng (phút hoặc phút:giây)"), validators=[v.Optional(), v.Length(max=10)]
    )
    live_price = wtforms.StringField(
        _l("Giá livestream (đồng)"),
        validators=[v.Optional(), v.Length(max=15)],
        description=_l("Để trống: giá niêm yết."),
    )
    code = wtforms.StringField(
        _l("Mã bình luận"),
        validators=[v.Optional(), v.Length(max=40)],
        description=_l("Chữ và số, ví dụ NM1; để trống sẽ tự gợi ý theo tên sản phẩm."),
    )
    talking_points = wtforms.TextAreaField(
        _l("Ý chính khi giới thiệu"),
        validators=[v.Optional(), v.Length(max=10_000)],
        description=_l("Để trống: lấy câu chuyện sản phẩm."),
    )
    submit = wtforms.SubmitField(_l("Thêm vào kịch bản"))

    def fill(self, products: Iterable[Any]) -> None:
        """The pickers; a product whose OCOP certificate has expired says so in its name."""
        products = list(products)
        self.product_id.choices = [Choice("", _l("— Chọn sản phẩm —"))] + [
            Choice(str(p.id), _label(p.name, slots_service.product_warning(p))) for p in products
        ]
        self.variant_id.choices = [Choice("", _l("— Theo sản phẩm —"))] + [
            Choice(str(variant.id), f"{p.name} — {variant.name}")
            for p in products
            for variant in p.variants
        ]

    def load(self, slot: live.LiveSlot) -> None:
        self.product_id.data = str(slot.product_id)
        self.variant_id.data = str(slot.variant_id or "")
        self.start_offset.data = _mmss(slot.start_offset_s)
        self.length.data = _mmss(slot.length_s)
        self.live_price.data = str(slot.live_price)
        self.code.data = slot.code
        self.talking_points.data = slot.talking_points or ""

    @staticmethod
    def slot_warnings(slot: live.LiveSlot) -> list[slots_service.SlotWarning]:
        """What the edit page warns about for the slot as saved (expired certificate, 0 ₫)."""
        return slots_service.slot_warnings(slot)

    def service_data(self) -> dict[str, Any]:
        price = (self.live_price.data or "").replace(".", "").replace(",", "").strip()
        data: dict[str, Any] = {
            "product_id": validators.parse_id(self.product_id.data) or 0,
            "variant_id": self.variant_id.data or None,
            "live_price": int(price) if price.isascii() and price.isdigit() else (price or None),
            "code": self.code.data or "",
            "talking_points": self.talking_points.data or "",
        }
        start_offset = (self.start_offset.data or "").strip()
        if start_offset:
            data["start_offset"] = start_offset
        length = (self.length.data or "").strip()
        if length:
            data["length"] = length
        return data


def _label(name: str, warning: str | None) -> str:
    return f"{name} ⚠ {warning}" if warning else name


def _mmss(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if secs else str(minutes)


class DuplicateForm(forms.Form):
    days = wtforms.IntegerField(
        _l("Sau bao nhiêu ngày"), default=7, validators=[v.NumberRange(min=1, max=366)]
    )
    submit = wtforms.SubmitField(_l("Nhân bản"))


# --- the live selling desk ---------------------------------------------------------------------


class ManualCommentsForm(forms.Form):
    """Comments typed or pasted on the desk (platforms without a feed)."""

    comments = wtforms.TextAreaField(
        _l("Bình luận (mỗi dòng một bình luận, “Tên: nội dung”)"),
        validators=[v.DataRequired(), v.Length(max=40_000)],
    )
    submit = wtforms.SubmitField(_l("Thêm vào bàn chốt đơn"))


class CaptureForm(forms.Form):
    account_id = wtforms.SelectField(_l("Tài khoản"), coerce=int, validate_choice=False)
    live_ref = wtforms.StringField(
        _l("Đường dẫn buổi live (YouTube; Facebook: để trống để lấy buổi đang live)"),
        validators=[v.Optional(), v.Length(max=500)],
    )
    submit = wtforms.SubmitField(_l("Bắt đầu thu bình luận"))


class YouTubeAccountForm(forms.Form):
    name = wtforms.StringField(_l("Tên kênh"), validators=[v.Optional(), v.Length(max=200)])
    api_key = wtforms.PasswordField(
        _l("Khoá API"), validators=[v.DataRequired(), v.Length(max=200)]
    )
    api_base_url = wtforms.StringField(
        _l("Địa chỉ API (để trống: của Google)"), validators=[v.Optional(), v.Length(max=300)]
    )
    submit = wtforms.SubmitField(_l("Lưu kênh YouTube"))


class TikTokAccountForm(forms.Form):
    name = wtforms.StringField(_l("Tên tài khoản"), validators=[v.Optional(), v.Length(max=200)])
    unique_id = wtforms.StringField(
        _l("Tên người dùng TikTok (@…)"), validators=[v.DataRequired(), v.Length(max=100)]
    )
    sign_api_key = wtforms.PasswordField(
        _l("Khoá API máy chủ ký (không bắt buộc)"), validators=[v.Optional(), v.Length(max=200)]
    )
    sign_server_url = wtforms.StringField(
        _l("Địa chỉ máy chủ ký (để trống: mặc định)"),
        validators=[v.Optional(), v.Length(max=300)],
    )
    web_base_url = wtforms.StringField(
        _l("Địa chỉ web TikTok (để trống: của TikTok)"),
        validators=[v.Optional(), v.Length(max=300)],
    )
    submit = wtforms.SubmitField(_l("Lưu tài khoản TikTok"))


class FacebookAccountForm(forms.Form):
    app_id = wtforms.StringField(
        _l("Mã ứng dụng (App ID)"), validators=[v.DataRequired(), v.Length(max=100)]
    )
    app_secret = wtforms.PasswordField(
        _l("Khoá bí mật ứng dụng (App secret)"), validators=[v.DataRequired(), v.Length(max=200)]
    )
    api_base_url = wtforms.StringField(
        _l("Địa chỉ Graph API (để trống: của Facebook)"),
        validators=[v.Optional(), v.Length(max=300)],
    )
    authorize_url_base = wtforms.StringField(
        _l("Địa chỉ trang cấp quyền (để trống: của Facebook)"),
        validators=[v.Optional(), v.Length(max=300)],
    )
    submit = wtforms.SubmitField(_l("Kết nối Trang Facebook"))


class ChoosePageForm(forms.Form):
    page_id = wtforms.SelectField(_l("Trang"), validate_choice=False)
    submit = wtforms.SubmitField(_l("Dùng Trang này"))


class DeskSettingsForm(forms.Form):
    hold_minutes = wtforms.IntegerField(
        _l("Giữ hàng cho đơn chưa thanh toán (phút)"),
        validators=[v.InputRequired(), v.NumberRange(min=5, max=7 * 24 * 60)],
    )
    reminder_minutes = wtforms.IntegerField(
        _l("Hết giờ giữ mà chưa thanh toán: nhắc một lần và giữ thêm (phút, 0: không nhắc)"),
        validators=[v.Optional(), v.NumberRange(min=0, max=24 * 60)],
    )
    reply_template = wtforms.TextAreaField(
        _l("Mẫu tin nhắn trả lời người mua (để trống: mẫu mặc định)"),
        validators=[v.Optional(), v.Length(max=1000)],
    )
    submit = wtforms.SubmitField(_l("Lưu cài đặt"))
