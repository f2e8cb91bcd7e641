"""The buyer messages' forms: the Zalo and Messenger connections, a ZNS template, a rule."""

from __future__ import annotations

from typing import Any

import wtforms
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from app.http import forms


def _address(label: Any) -> wtforms.StringField:
    return wtforms.StringField(label, validators=[v.Optional(), v.Length(max=300)])


class ZaloForm(forms.Form):
    app_id = wtforms.StringField(
        _l("Mã ứng dụng Zalo (App ID)"), validators=[v.DataRequired(), v.Length(max=100)]
    )
    app_secret = wtforms.PasswordField(
        _l("Khoá bí mật ứng dụng (để trống: giữ khoá đã lưu)"),
        validators=[v.Optional(), v.Length(max=200)],
    )
    oa_secret = wtforms.PasswordField(
        _l("Khoá bí mật OA, để kiểm tra webhook (để trống: giữ khoá đã lưu)"),
        validators=[v.Optional(), v.Length(max=200)],
    )
    oauth_base_url = _address(_l("Địa chỉ cấp quyền (để trống: của Zalo)"))
    oa_api_base_url = _address(_l("Địa chỉ API tin OA (để trống: của Zalo)"))
    zns_api_base_url = _address(_l("Địa chỉ API ZNS (để trống: của Zalo)"))
    mode = wtforms.StringField(
        _l("Chế độ ZNS (để trống; “development” để thử miễn phí với quản trị viên OA)"),
        validators=[v.Optional(), v.Length(max=20)],
    )
    submit = wtforms.SubmitField(_l("Lưu và kết nối OA"))


class MessengerForm(forms.Form):
    page_id = wtforms.StringField(
        _l("Mã Trang Facebook"), validators=[v.DataRequired(), v.Length(max=100)]
    )
    page_access_token = wtforms.PasswordField(
        _l("Mã truy cập Trang (để trống: giữ mã đã lưu)"),
        validators=[v.Optional(), v.Length(max=500)],
    )
    app_secret = wtforms.PasswordField(
        _l("Khoá bí mật ứng dụng Meta, để kiểm tra webhook (để trống: giữ khoá đã lưu)"),
        validators=[v.Optional(), v.Length(max=200)],
    )
    api_base_url = _address(_l("Địa chỉ Graph API (để trống: của Facebook)"))
    submit = wtforms.SubmitField(_l("Lưu Trang"))


class TemplateForm(forms.Form):
    template_id = wtforms.StringField(
        _l("Mã mẫu ZNS (Zalo cấp)"), validators=[v.DataRequired(), v.Length(max=40)]
    )
    name = wtforms.StringField(_l("Tên mẫu"), validators=[v.Optional(), v.Length(max=200)])
    params = wtforms.TextAreaField(
        _l("Tham số, mỗi dòng một “tên: loại”"),
        validators=[v.DataRequired(), v.Length(max=2000)],
    )
    price = wtforms.IntegerField(
        _l("Giá mỗi tin (đồng)"), default=0, validators=[v.Optional(), v.NumberRange(0, 100_000)]
    )
    submit = wtforms.SubmitField(_l("Đăng ký mẫu"))


class RuleForm(forms.Form):
    channel = wtforms.SelectField(_l("Kênh"), validate_choice=False)
    template = wtforms.SelectField(_l("Mẫu ZNS"), validate_choice=False)
    text = wtforms.TextAreaField(
        _l("Nội dung (Zalo OA, Messenger; để trống: nội dung mặc định)"),
        validators=[v.Optional(), v.Length(max=1000)],
    )
    enabled = wtforms.BooleanField(_l("Đang bật"), default=True)
    submit = wtforms.SubmitField(_l("Lưu"))
