"""WTForms for the web pages (each form carries its CSRF token)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import flask_wtf
import flask_wtf.file
import wtforms
import wtforms.fields.choices
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from vietnam import admin_units

# A select's option: WTForms 3.3's SelectChoice (value, label, render_kw, optgroup). The
# type stubs (3.2) know options only as tuples, so the checker takes it as Any.
if TYPE_CHECKING:
    Choice: TypeAlias = Any
else:
    Choice = wtforms.fields.choices.SelectChoice

# WTForms' own messages (it ships no Vietnamese), worded through this app's catalogue. The
# placeholders are WTForms' (it fills them after translating).
WTFORMS_MESSAGES = {
    "This field is required.": _l("Trường này là bắt buộc."),
    "Not a valid choice.": _l("Lựa chọn không hợp lệ."),
    "Not a valid choice": _l("Lựa chọn không hợp lệ."),
    "Not a valid integer value.": _l("Phải là số nguyên."),
    "Not a valid decimal value.": _l("Phải là số."),
    "Not a valid float value.": _l("Phải là số."),
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "Not a valid datetime value.": _l("Thời gian không hợp lệ."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ email không hợp lệ."),
    "Invalid URL.": _l("Địa chỉ không hợp lệ."),
    "Invalid input.": _l("Dữ liệu không hợp lệ."),
    "Field must be at least %(min)d character long.": _l("Phải có ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Phải có ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Dài tối đa %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Dài tối đa %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Phải có đúng %(max)d ký tự."),
    "Field must be exactly %(max)d characters long.": _l("Phải có đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l(
        "Phải có từ %(min)d đến %(max)d ký tự."
    ),
    "Number must be at least %(min)s.": _l("Phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Phải không lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Phải từ %(min)s đến %(max)s."),
    "Field must be equal to %(other_name)s.": _l("Phải giống trường %(other_name)s."),
    "'%(value)s' is not a valid choice for this field.": _l(
        "“%(value)s” không phải lựa chọn hợp lệ."
    ),
    "'%(value)s' are not valid choices for this field.": _l(
        "“%(value)s” không phải lựa chọn hợp lệ."
    ),
}


class _WTFormsTranslations:
    """WTForms' ``gettext``/``ngettext`` answered from ``WTFORMS_MESSAGES`` in the page's
    language; a message not listed stays as WTForms wrote it."""

    def gettext(self, string: str) -> str:
        known = WTFORMS_MESSAGES.get(string)
        return str(known) if known is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class Form(flask_wtf.FlaskForm):
    """Every form of the web pages: its CSRF token, and WTForms' own messages translated."""

    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form: Any) -> _WTFormsTranslations:
            return _WTFormsTranslations()


ROLE_CHOICES = [
    Choice("admin", _l("Quản trị viên")),
    Choice("coordinator", _l("Điều phối viên")),
    Choice("seller", _l("Người bán")),
    Choice("producer", _l("Nhà sản xuất")),
    Choice("union", _l("Đoàn cấp trên")),
]


class LoginForm(Form):
    username = wtforms.StringField(
        _l("Tên đăng nhập"), validators=[v.InputRequired(), v.Length(max=64)]
    )
    password = wtforms.PasswordField(
        _l("Mật khẩu"), validators=[v.InputRequired(), v.Length(max=200)]
    )
    remember = wtforms.BooleanField(_l("Ghi nhớ đăng nhập"))
    submit = wtforms.SubmitField(_l("Đăng nhập"))


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that change something."""

    submit = wtforms.SubmitField(_l("Xác nhận"))


def optional_str(value: object) -> str:
    """Select values as strings, "" when nothing was posted (never "None")."""
    return "" if value is None else str(value)


class MultiCheckboxField(wtforms.SelectMultipleField):
    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()


def province_choices(empty: Any) -> list[Choice]:
    return [Choice("", empty)] + [
        Choice(str(unit.code), unit.name) for unit in admin_units.provinces()
    ]


def commune_choices(province_code: str | int | None) -> list[Choice]:
    """The communes of the chosen province (none chosen or unknown: only the prompt)."""
    prompt = [Choice("", _l("— Chọn xã/phường —"))]
    try:
        code = int(province_code) if province_code not in (None, "") else None
    except (TypeError, ValueError):
        code = None
    if code is None:
        return prompt
    return prompt + [Choice(str(unit.code), unit.name) for unit in admin_units.communes(code)]


def _unit_choices(form: Any, province_field: str, commune_field: str, empty: Any) -> None:
    """Fill a province select and the commune select of the chosen province (2025 map)."""
    form[province_field].choices = province_choices(empty)
    form[commune_field].choices = commune_choices(form[province_field].data)


def _club_unit_fields() -> tuple[wtforms.SelectField, wtforms.SelectField]:
    """A club's province (its Youth Union's) and commune selects; ``_unit_choices`` fills them."""
    return (
        wtforms.SelectField(
            _l("Tỉnh/thành phố (Đoàn quản lý)"),
            coerce=optional_str,
            choices=[],
            validate_choice=False,
        ),
        wtforms.SelectField(
            _l("Xã/phường (không bắt buộc)"), coerce=optional_str, choices=[], validate_choice=False
        ),
    )


def _bank_account_fields() -> tuple[wtforms.SelectField, wtforms.StringField, wtforms.StringField]:
    """A club's bank account: the bank (``_bank_choices``), the number and the holder's name."""
    return (
        wtforms.SelectField(
            _l("Ngân hàng"), coerce=optional_str, choices=[], validate_choice=False
        ),
        wtforms.StringField(_l("Số tài khoản"), validators=[v.Optional(), v.Length(max=30)]),
        wtforms.StringField(
            _l("Tên chủ tài khoản (không dấu, như trên thẻ)"),
            validators=[v.Optional(), v.Length(max=70)],
        ),
    )


def _bank_choices(empty: Any, banks: list[tuple[str, str]]) -> list[Choice]:
    """The bank select's options: ``empty`` (no account yet) first, then ``(bin, name)``."""
    return [Choice("", empty)] + [Choice(bank_bin, name) for bank_bin, name in banks]


class UserForm(Form):
    username = wtforms.StringField(_l("Tên đăng nhập"), validators=[v.Optional(), v.Length(max=64)])
    # Required-ness is checked by the service, so every problem is reported at once.
    full_name = wtforms.StringField(_l("Họ tên"), validators=[v.Optional(), v.Length(max=200)])
    email = wtforms.EmailField(_l("Email"), validators=[v.Optional(), v.Length(max=254)])
    role = wtforms.SelectField(_l("Vai trò"), choices=ROLE_CHOICES)
    club_id = wtforms.SelectField(
        _l("Câu lạc bộ"), coerce=optional_str, choices=[], validate_choice=False
    )
    producer_id = wtforms.SelectField(
        _l("Chủ thể sản xuất"), coerce=optional_str, choices=[], validate_choice=False
    )
    union_province_code = wtforms.SelectField(
        _l("Đơn vị Đoàn: tỉnh/thành phố"), coerce=optional_str, choices=[], validate_choice=False
    )
    union_commune_code = wtforms.SelectField(
        _l("Đơn vị Đoàn: xã/phường (không bắt buộc)"),
        coerce=optional_str,
        choices=[],
        validate_choice=False,
    )
    password = wtforms.PasswordField(_l("Mật khẩu"), validators=[v.Optional(), v.Length(max=200)])
    active = wtforms.BooleanField(_l("Đang hoạt động"), default=True)
    submit = wtforms.SubmitField(_l("Lưu"))

    def fill_unit_choices(self) -> None:
        _unit_choices(self, "union_province_code", "union_commune_code", _l("— không —"))


class WorkingClubForm(Form):
    """An admin's working club: where what they create goes."""

    club_id = wtforms.SelectField(
        _l("Câu lạc bộ làm việc"), coerce=optional_str, choices=[], validate_choice=False
    )
    submit = wtforms.SubmitField(_l("Lưu"))


class ClubForm(Form):
    """A club's fields, its default bank account and the producers it works with."""

    name = wtforms.StringField(_l("Tên câu lạc bộ"), validators=[v.Optional(), v.Length(max=200)])
    province_code, commune_code = _club_unit_fields()
    contact_name = wtforms.StringField(
        _l("Người liên hệ"), validators=[v.Optional(), v.Length(max=200)]
    )
    contact_phone = wtforms.TelField(
        _l("Số điện thoại liên hệ"), validators=[v.Optional(), v.Length(max=20)]
    )
    contact_email = wtforms.EmailField(
        _l("Email liên hệ"), validators=[v.Optional(), v.Length(max=254)]
    )
    bank_bin, account_number, account_name = _bank_account_fields()
    producer_ids = MultiCheckboxField(
        _l("Chủ thể sản xuất CLB bán hàng cho"),
        coerce=optional_str,
        choices=[],
        validate_choice=False,
    )
    submit = wtforms.SubmitField(_l("Lưu"))

    def fill_choices(self, banks: list[tuple[str, str]], producers: list[Choice]) -> None:
        _unit_choices(self, "province_code", "commune_code", _l("— Chọn tỉnh/thành phố —"))
        self.bank_bin.choices = _bank_choices(_l("— Chưa có tài khoản —"), banks)
        self.producer_ids.choices = producers

    def club_data(self) -> dict[str, Any]:
        """The service's input: the club's fields, ``bank_account`` and ``producer_ids``."""
        data: dict[str, Any] = {
            name: self[name].data
            for name in (
                "name",
                "province_code",
                "commune_code",
                "contact_name",
                "contact_phone",
                "contact_email",
            )
        }
        data["bank_account"] = {
            name: self[name].data for name in ("bank_bin", "account_number", "account_name")
        }
        data["producer_ids"] = list(self.producer_ids.data or [])
        return data


class ClubLogoForm(Form):
    logo = flask_wtf.file.FileField(
        _l("Logo"),
        validators=[
            flask_wtf.file.FileRequired(_l("Hãy chọn một ảnh logo.")),
            flask_wtf.file.FileAllowed(
                ("jpg", "jpeg", "png", "webp"), _l("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
            ),
        ],
    )


class SetupForm(Form):
    """First run: the first admin, the club and (optionally) its bank account."""

    setup_code = wtforms.StringField(
        _l("Mã thiết lập"), validators=[v.Optional(), v.Length(max=40)]
    )
    username = wtforms.StringField(_l("Tên đăng nhập"), validators=[v.Optional(), v.Length(max=64)])
    full_name = wtforms.StringField(_l("Họ tên"), validators=[v.Optional(), v.Length(max=200)])
    email = wtforms.EmailField(
        _l("Email (không bắt buộc)"), validators=[v.Optional(), v.Length(max=254)]
    )
    password = wtforms.PasswordField(_l("Mật khẩu"), validators=[v.Optional(), v.Length(max=200)])
    password_confirm = wtforms.PasswordField(
        _l("Nhập lại mật khẩu"), validators=[v.Optional(), v.Length(max=200)]
    )
    club_name = wtforms.StringField(
        _l("Tên câu lạc bộ"), validators=[v.Optional(), v.Length(max=200)]
    )
    province_code, commune_code = _club_unit_fields()
    contact_phone = wtforms.TelField(
        _l("Số điện thoại liên hệ của CLB"), validators=[v.Optional(), v.Length(max=20)]
    )
    bank_bin, account_number, account_name = _bank_account_fields()
    submit = wtforms.SubmitField(_l("Bắt đầu"))

    def fill_choices(self, banks: list[tuple[str, str]]) -> None:
        _unit_choices(self, "province_code", "commune_code", _l("— Chọn tỉnh/thành phố —"))
        self.bank_bin.choices = _bank_choices(_l("— Để sau —"), banks)

    def setup_data(self) -> dict[str, Any]:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }


class ProfileForm(Form):
    locale = wtforms.SelectField(
        _l("Ngôn ngữ"), choices=[Choice("vi", "Tiếng Việt"), Choice("en", "English")]
    )
    submit = wtforms.SubmitField(_l("Lưu"))


class PasswordForm(Form):
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


class TokenForm(Form):
    name = wtforms.StringField(
        _l("Tên mã (để nhớ dùng cho việc gì)"), validators=[v.InputRequired(), v.Length(max=100)]
    )
    submit = wtforms.SubmitField(_l("Tạo mã API"))


class SystemCheckForm(Form):
    submit = wtforms.SubmitField(_l("Chạy kiểm tra hệ thống"))
