"""Forms of the channel pages: a shop account (its config fields come from the adapter),
product picking for a publish, and the live listing reference of a listing pack.

The services check required fields and values and report every problem at
once; these forms carry the fields, their labels and the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import wtforms
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from app.http import forms
from integrations import base

Choice = forms.Choice

CONFIG_PREFIX = "config_"  # form field config_<name> ⇔ service key config.<name>


class AccountForm(forms.Form):
    """The fields every marketplace shares; ``for_marketplace`` adds the adapter's own."""

    name = wtforms.StringField(
        _l("Tên gian hàng"), validators=[v.Length(max=120, message=_l("Tối đa 120 ký tự."))]
    )
    owner = wtforms.SelectField(_l("Thuộc CLB hoặc chủ thể"), validate_choice=False)
    # Admins pick the club that runs a producer's shop; a club's staff run their own club's.
    club_id = wtforms.SelectField(_l("Câu lạc bộ vận hành"), validate_choice=False)
    default_category_id = wtforms.StringField(
        _l("Mã danh mục mặc định trên sàn"),
        description=_l("Dùng khi nhóm OCOP của sản phẩm chưa được ghép với danh mục của sàn."),
    )
    submit = wtforms.SubmitField(_l("Lưu gian hàng"))

    schema: tuple[base.ConfigField, ...] = ()

    def fill_choices(
        self, owners: Iterable[tuple[str, str]], clubs: Iterable[tuple[str, str]] | None = None
    ) -> None:
        """``clubs``: the clubs an admin may pick (None: the user's own club, no picker)."""
        self.owner.choices = [Choice("", _l("— Chọn CLB hoặc chủ thể —"))] + [
            Choice(key, label) for key, label in owners
        ]
        self.club_id.choices = [Choice(key, label) for key, label in clubs or ()]

    @property
    def picks_club(self) -> bool:
        return bool(self.club_id.choices)

    def config_fields(self) -> list[tuple[base.ConfigField, wtforms.Field]]:
        return [(spec, self[CONFIG_PREFIX + spec.name]) for spec in self.schema]

    def service_data(self, marketplace: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "marketplace": marketplace,
            "name": self.name.data,
            "owner": self.owner.data,
            "default_category_id": self.default_category_id.data,
        }
        if self.club_id.data not in (None, "", "None"):
            data["club_id"] = self.club_id.data
        for spec, field in self.config_fields():
            data[f"config.{spec.name}"] = field.data or ""
        return data

    def field_names(self, fields: dict[str, list[str]]) -> dict[str, list[str]]:
        """The service's field names (``config.<name>``) as this form's field names."""
        return {
            CONFIG_PREFIX + name.removeprefix("config.") if name.startswith("config.") else name: m
            for name, m in fields.items()
        }


# The adapters' settings worded for people (the libraries name them in English for logs):
# field name → label, and (marketplace, field name) or field name → help. A field not listed
# keeps the adapter's own words.
CONFIG_LABELS: dict[str, Any] = {
    "partner_id": _l("Partner ID (mã ứng dụng)"),
    "partner_key": _l("Partner key (khoá bí mật)"),
    "api_base_url": _l("Địa chỉ API"),
    "auth_base_url": _l("Địa chỉ cấp quyền"),
    "logistic_ids": _l("Mã đơn vị vận chuyển"),
    "requests_per_second": _l("Số yêu cầu mỗi giây"),
    "app_key": _l("App key (mã ứng dụng)"),
    "app_secret": _l("App secret (khoá bí mật)"),
    "service_id": _l("Service ID (mã dịch vụ)"),
    "warehouse_id": _l("Mã kho"),
    "authorize_url_base": _l("Địa chỉ trang cấp quyền"),
    "shop_name": _l("Tên gian hàng trên sàn"),
    "seller_centre_url": _l("Địa chỉ trang người bán"),
}
CONFIG_HELP: dict[tuple[str, str] | str, Any] = {
    ("shopee", "partner_id"): _l("Mã số ứng dụng trong trang dành cho nhà phát triển của Shopee."),
    ("shopee", "api_base_url"): _l(
        "Có hoặc không có /api/v2; máy thử: https://partner.test-stable.shopeemobile.com"
    ),
    ("shopee", "auth_base_url"): _l("Máy chủ của trang cấp quyền; để trống = địa chỉ API."),
    ("shopee", "logistic_ids"): _l(
        "Các mã đơn vị vận chuyển bật cho tin đăng mới, cách nhau bằng dấu phẩy; để trống = mọi "
        "đơn vị đang bật trong gian hàng."
    ),
    ("tiktok", "api_base_url"): _l("Máy chủ API dành cho ứng dụng của TikTok Shop."),
    ("tiktok", "auth_base_url"): _l("Máy chủ lấy và làm mới mã truy cập."),
    ("tiktok", "service_id"): _l(
        "Service ID trong Partner Center, dùng trong đường dẫn cấp quyền cho người bán (để trống "
        "thì dùng app key)."
    ),
    ("tiktok", "warehouse_id"): _l("Chỉ cho gian hàng có nhiều kho: kho dùng để tính tồn kho."),
    ("tiktok", "authorize_url_base"): _l(
        "Nơi người bán đồng ý cho ứng dụng (tự thêm /open/authorize)."
    ),
    ("lazada", "api_base_url"): _l("Cổng Lazada Việt Nam, kết thúc bằng /rest."),
    ("lazada", "auth_base_url"): _l("Cổng tạo và làm mới mã truy cập, kết thúc bằng /rest."),
    ("lazada", "authorize_url_base"): _l(
        "Nơi người bán đồng ý cho ứng dụng (tự thêm /oauth/authorize)."
    ),
    ("postmart", "shop_name"): _l("Đúng như trên trang gian hàng Postmart."),
    ("postmart", "seller_centre_url"): _l(
        "Nơi người bán đăng nhập để thêm sản phẩm; in trong danh sách việc cần làm của gói."
    ),
    ("voso", "shop_name"): _l("Đúng như trong Kênh Người Bán (mc.voso.vn)."),
    ("voso", "seller_centre_url"): _l("Kênh Người Bán, nơi người bán đăng nhập để thêm sản phẩm."),
}


def account_form_class(adapter_cls: type[base.ChannelAdapter]) -> type[AccountForm]:
    """An AccountForm with one input per config field; secrets are password inputs,
    which never render a value (WTForms' PasswordField drops it)."""
    attrs: dict[str, Any] = {"schema": tuple(adapter_cls.config_schema)}
    adapter_name = getattr(adapter_cls, "name", "")
    for spec in adapter_cls.config_schema:
        label = CONFIG_LABELS.get(spec.name, spec.label)
        description = CONFIG_HELP.get((adapter_name, spec.name), spec.help)
        if spec.secret:
            attrs[CONFIG_PREFIX + spec.name] = wtforms.PasswordField(
                label, description=description, render_kw={"autocomplete": "new-password"}
            )
        else:
            attrs[CONFIG_PREFIX + spec.name] = wtforms.StringField(
                label, description=description, render_kw={"placeholder": spec.default}
            )
    return type(f"{adapter_cls.__name__}AccountForm", (AccountForm,), attrs)


def account_form_data(
    schema: Iterable[base.ConfigField], config: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """Initial form data of a stored account: its visible config, never a secret."""
    data = dict(fields)
    for spec in schema:
        if not spec.secret:
            data[CONFIG_PREFIX + spec.name] = str(config.get(spec.name) or "")
    return data


class LiveReferenceForm(forms.Form):
    reference = wtforms.StringField(
        _l("Đường dẫn hoặc mã sản phẩm đang bán"),
        render_kw={"placeholder": "https://"},
    )
    submit = wtforms.SubmitField(_l("Lưu"))
