"""WTForms for the web pages (each form carries its CSRF token)."""

from __future__ import annotations

import flask_wtf
import wtforms
import wtforms.fields.choices
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

Choice = wtforms.fields.choices.SelectChoice

ROLE_CHOICES = [
    Choice("admin", _l("Quản trị viên")),
    Choice("coordinator", _l("Điều phối viên")),
    Choice("seller", _l("Người bán")),
    Choice("producer", _l("Nhà sản xuất")),
]


class LoginForm(flask_wtf.FlaskForm):
    username = wtforms.StringField(
        _l("Tên đăng nhập"), validators=[v.InputRequired(), v.Length(max=64)]
    )
    password = wtforms.PasswordField(
        _l("Mật khẩu"), validators=[v.InputRequired(), v.Length(max=200)]
    )
    remember = wtforms.BooleanField(_l("Ghi nhớ đăng nhập"))
    submit = wtforms.SubmitField(_l("Đăng nhập"))


class EmptyForm(flask_wtf.FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""

    submit = wtforms.SubmitField(_l("Xác nhận"))


class UserForm(flask_wtf.FlaskForm):
    username = wtforms.StringField(_l("Tên đăng nhập"), validators=[v.Optional(), v.Length(max=64)])
    # Required-ness is checked by the service, so every problem is reported at once.
    full_name = wtforms.StringField(_l("Họ tên"), validators=[v.Optional(), v.Length(max=200)])
    email = wtforms.EmailField(_l("Email"), validators=[v.Optional(), v.Length(max=254)])
    role = wtforms.SelectField(_l("Vai trò"), choices=ROLE_CHOICES)
    producer_id = wtforms.SelectField(_l("Chủ thể sản xuất"), coerce=str, choices=[])
    password = wtforms.PasswordField(_l("Mật khẩu"), validators=[v.Optional(), v.Length(max=200)])
    active = wtforms.BooleanField(_l("Đang hoạt động"), default=True)
    submit = wtforms.SubmitField(_l("Lưu"))


class ProfileForm(flask_wtf.FlaskForm):
    locale = wtforms.SelectField(
        _l("Ngôn ngữ"), choices=[Choice("vi", "Tiếng Việt"), Choice("en", "English")]
    )
    submit = wtforms.SubmitField(_l("Lưu"))


class PasswordForm(flask_wtf.FlaskForm):
    current_password = wtforms.PasswordField(
        _l("Mật khẩu hiện tại"), validators=[v.InputRequired()]
    )
    new_password = wtforms.PasswordField(_l("Mật khẩu mới"), validators=[v.InputRequired()])
    confirm = wtforms.PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            v.InputRequired(),
            v.EqualTo("new_password", message=_l("Hai mật khẩu không khớp.")),
        ],
    )
    submit = wtforms.SubmitField(_l("Đổi mật khẩu"))


class TokenForm(flask_wtf.FlaskForm):
    name = wtforms.StringField(
        _l("Tên mã (để nhớ dùng cho việc gì)"), validators=[v.InputRequired(), v.Length(max=100)]
    )
    submit = wtforms.SubmitField(_l("Tạo mã API"))


class SystemCheckForm(flask_wtf.FlaskForm):
    submit = wtforms.SubmitField(_l("Chạy kiểm tra hệ thống"))
