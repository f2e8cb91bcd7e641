"""Forms of the catalog pages: producers, products with their variants, certificates,
where-to-buy links and the product list's filters.

Required-ness and value rules are checked by the services (app.services.producers,
app.services.catalog), so every problem is reported at once; these forms only carry
the fields, their labels and the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import wtforms
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from app.catalog import service as catalog_service
from app.core import labels, validators
from app.http import forms
from app.models import catalog, orgs
from vietnam import ocop

Choice = forms.Choice

NBSP = "\u00a0"

PRODUCER_TYPE_CHOICES = [
    Choice(kind.value, label) for kind, label in labels.PRODUCER_TYPE_LABELS.items()
]
SORT_LABELS = {
    "name": _l("Tên A–Z"),
    "newest": _l("Mới thêm"),
    "price_asc": _l("Giá thấp → cao"),
    "price_desc": _l("Giá cao → thấp"),
    "stars": _l("Nhiều sao nhất"),
    "stock": _l("Tồn kho nhiều nhất"),
}
VARIANT_FIELDS = catalog_service.VARIANT_FIELDS


def _at_most(limit: int) -> v.Length:
    return v.Length(max=limit, message=_l("Tối đa %(max)d ký tự."))


# --- choices -----------------------------------------------------------------------


def category_choices(categories: Iterable[catalog.OcopCategory], empty: Any) -> list[Choice]:
    """The OCOP tree in order, each level indented under its parent."""
    return [Choice("", empty)] + [
        Choice(str(c.id), NBSP * 4 * (c.level - 1) + c.name) for c in categories
    ]


def producer_choices(producers: Iterable[orgs.Producer], empty: Any | None) -> list[Choice]:
    prompt = [Choice("", empty)] if empty is not None else []
    return prompt + [Choice(str(p.id), f"{p.name} ({p.province})") for p in producers]


# --- producers -----------------------------------------------------------------------


class ProducerForm(forms.Form):
    name = wtforms.StringField(_l("Tên chủ thể"), validators=[_at_most(200)])
    type = wtforms.SelectField(
        _l("Loại chủ thể"),
        choices=[Choice("", _l("— Chọn loại chủ thể —")), *PRODUCER_TYPE_CHOICES],
        validate_choice=False,
    )
    tax_code = wtforms.StringField(_l("Mã số thuế"), validators=[_at_most(20)])
    contact_person = wtforms.StringField(_l("Người liên hệ"), validators=[_at_most(200)])
    phone = wtforms.TelField(_l("Số điện thoại"), validators=[_at_most(20)])
    # The service checks the province/commune pair against the 2025 map.
    province_code = wtforms.SelectField(_l("Tỉnh/thành phố"), validate_choice=False)
    commune_code = wtforms.SelectField(_l("Xã/phường"), validate_choice=False)
    district = wtforms.StringField(_l("Huyện (cũ, không bắt buộc)"), validators=[_at_most(100)])
    address_line = wtforms.StringField(
        _l("Địa chỉ (số nhà, thôn, khu)"), validators=[_at_most(255)]
    )
    story = wtforms.TextAreaField(_l("Câu chuyện của chủ thể"), render_kw={"rows": 5})
    # Shown to admins on a new producer only; staff's new producers go to their own club.
    club_id = wtforms.SelectField(_l("Làm việc với câu lạc bộ"), validate_choice=False)

    def fill_choices(self) -> None:
        self.province_code.choices = forms.province_choices(_l("— Chọn tỉnh/thành phố —"))
        self.commune_code.choices = forms.commune_choices(self.province_code.data)
        self.club_id.choices = []

    def fill_clubs(self, clubs: list[orgs.Club], default: int | None) -> None:
        self.club_id.choices = [Choice("", _l("— Chưa liên kết câu lạc bộ nào —"))] + [
            Choice(str(club.id), club.name) for club in clubs
        ]
        if self.club_id.data in (None, "", "None") and default is not None:
            self.club_id.data = str(default)

    def service_data(self) -> dict[str, Any]:
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        if not data.get("club_id") or data["club_id"] == "None":
            data.pop("club_id", None)
        return data


class ProducerSearchForm(wtforms.Form):
    """The producer list's search box and province filter (GET, no CSRF)."""

    q = wtforms.SearchField(_l("Tìm theo tên hoặc mã số thuế"))
    province_code = wtforms.SelectField(_l("Tỉnh/thành phố"), validate_choice=False)

    def __init__(self, formdata: Any) -> None:
        super().__init__(formdata)
        self.province_code.choices = forms.province_choices(_l("Mọi tỉnh/thành phố"))

    @property
    def province(self) -> int | None:
        """The province filter; a code no province can have (past 2**31 - 1) is ignored."""
        return validators.parse_id(self.province_code.data)


# --- products and variants -------------------------------------------------------------


class VariantForm(wtforms.Form):
    """One row of the variants table, posted as ``variants-N-<field>``."""

    sku = wtforms.StringField(_l("Mã SKU"), render_kw={"autocapitalize": "characters"})
    name = wtforms.StringField(_l("Tên phân loại"))
    price = wtforms.StringField(_l("Giá (đồng)"), render_kw={"inputmode": "numeric"})
    stock = wtforms.StringField(_l("Tồn kho"), render_kw={"inputmode": "numeric"})
    weight_g = wtforms.StringField(_l("Khối lượng (g)"), render_kw={"inputmode": "numeric"})
    length_cm = wtforms.StringField(_l("Dài (cm)"), render_kw={"inputmode": "decimal"})
    width_cm = wtforms.StringField(_l("Rộng (cm)"), render_kw={"inputmode": "decimal"})
    height_cm = wtforms.StringField(_l("Cao (cm)"), render_kw={"inputmode": "decimal"})
    barcode = wtforms.StringField(_l("Mã vạch"), render_kw={"inputmode": "numeric"})
    remove = wtforms.BooleanField(_l("Xoá"))

    def is_blank(self) -> bool:
        return not any(str(self[name].data or "").strip() for name in VARIANT_FIELDS)


class ProductForm(forms.Form):
    name = wtforms.StringField(_l("Tên sản phẩm"), validators=[_at_most(200)])
    producer_id = wtforms.SelectField(_l("Chủ thể sản xuất"), validate_choice=False)
    category_id = wtforms.SelectField(_l("Nhóm sản phẩm OCOP"), validate_choice=False)
    unit = wtforms.StringField(_l("Đơn vị tính"), validators=[_at_most(50)])
    brand = wtforms.StringField(_l("Thương hiệu"), validators=[_at_most(100)])
    description = wtforms.TextAreaField(_l("Mô tả, câu chuyện sản phẩm"), render_kw={"rows": 5})
    ingredients = wtforms.TextAreaField(_l("Thành phần"), render_kw={"rows": 3})
    shelf_life = wtforms.StringField(_l("Hạn sử dụng"), validators=[_at_most(100)])
    version = wtforms.HiddenField()
    variants = wtforms.FieldList(wtforms.FormField(VariantForm), min_entries=1)

    def service_data(self) -> tuple[dict[str, Any], list[VariantForm]]:
        """The service payload, and the variant rows in the order they were sent.

        Blank rows and rows marked for removal are left out, so the service's
        ``variants.<i>.<field>`` errors index into the returned list of rows.
        """
        data: dict[str, Any] = {
            name: self[name].data
            for name in ("name", "producer_id", "category_id", "unit", "brand", "description")
        }
        data["ingredients"] = self.ingredients.data
        data["shelf_life"] = self.shelf_life.data
        version = str(self.version.data or "").strip()
        data["version"] = version if version.isdigit() else None
        rows = [
            entry.form
            for entry in self.variants.entries
            if not entry.form.is_blank() and not entry.form.remove.data
        ]
        data["variants"] = [{name: row[name].data for name in VARIANT_FIELDS} for row in rows]
        return data, rows


def attach_row_errors(
    fields: dict[str, list[str]], prefix: str, rows: Sequence[wtforms.Form]
) -> dict[str, list[str]]:
    """Put ``<prefix>.<i>.<field>`` errors on row i's field; return the errors left over."""
    rest: dict[str, list[str]] = {}
    for name, messages in fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            index, field_name = int(parts[1]), parts[2]
            if index < len(rows) and field_name in rows[index]:
                field = rows[index][field_name]
                field.errors = [*list(field.errors), *messages]
                continue
        rest[name] = messages
    return rest


class ProductFilterForm(wtforms.Form):
    """Search, filters and sort of the product list (GET, no CSRF)."""

    q = wtforms.SearchField(_l("Tìm sản phẩm (có dấu hoặc không dấu)"))
    category_id = wtforms.SelectField(_l("Nhóm OCOP"), validate_choice=False)
    stars = wtforms.SelectField(
        _l("Số sao"),
        validate_choice=False,
        choices=[Choice("", _l("Mọi hạng sao"))]
        + [Choice(str(n), "★" * n) for n in ocop.CERTIFIED_STARS],
    )
    producer_id = wtforms.SelectField(_l("Chủ thể"), validate_choice=False)
    province_code = wtforms.SelectField(_l("Tỉnh/thành phố"), validate_choice=False)
    certificate_status = wtforms.SelectField(
        _l("Chứng nhận OCOP"),
        validate_choice=False,
        choices=[Choice("", _l("Mọi trạng thái"))]
        + [
            Choice(status.value, label)
            for status, label in labels.CERTIFICATE_STATUS_LABELS.items()
        ]
        + [Choice("none", _l("Chưa có chứng nhận"))],
    )
    in_stock = wtforms.SelectField(
        _l("Tồn kho"),
        validate_choice=False,
        choices=[
            Choice("", _l("Còn hoặc hết hàng")),
            Choice("1", _l("Còn hàng")),
            Choice("0", _l("Hết hàng")),
        ],
    )
    sort = wtforms.SelectField(
        _l("Sắp xếp"),
        validate_choice=False,
        choices=[Choice(key, label) for key, label in SORT_LABELS.items()],
    )

    def fill_choices(
        self, categories: Iterable[catalog.OcopCategory], producers: Iterable[orgs.Producer]
    ) -> None:
        self.category_id.choices = category_choices(categories, _l("Mọi nhóm"))
        self.producer_id.choices = producer_choices(producers, _l("Mọi chủ thể"))
        self.province_code.choices = forms.province_choices(_l("Mọi tỉnh/thành phố"))

    def filters(self) -> catalog_service.ProductFilters:
        """The service's filters; values that make no sense are ignored."""
        return catalog_service.ProductFilters.from_args(self.data)

    def args(self) -> dict[str, str]:
        """The non-empty query arguments, to keep the filters across pages."""
        return {
            name: str(field.data)
            for name, field in self._fields.items()
            if field.data not in ("", None)
        }

    def narrowed(self) -> bool:
        """True when any filter besides the text search and sort is set."""
        return any(
            self[name].data
            for name in (
                "category_id",
                "stars",
                "producer_id",
                "province_code",
                "certificate_status",
                "in_stock",
            )
        )


# --- certificates and links -------------------------------------------------------------


class CertificateForm(forms.Form):
    score = wtforms.StringField(
        _l("Điểm đánh giá (0–100, không bắt buộc)"),
        render_kw={"inputmode": "decimal", "placeholder": "69,99"},
    )
    stars = wtforms.SelectField(
        _l("Số sao"),
        validate_choice=False,
        choices=[Choice("", _l("— Tính từ điểm —"))]
        + [Choice(str(n), "★" * n + f" ({n})") for n in ocop.CERTIFIED_STARS],
    )
    decision_number = wtforms.StringField(
        _l("Số quyết định"),
        validators=[_at_most(64)],
        render_kw={"placeholder": "2345/QĐ-UBND"},
    )
    decision_date = wtforms.StringField(_l("Ngày quyết định"), render_kw={"type": "date"})
    level = wtforms.SelectField(
        _l("Cấp đánh giá"),
        validate_choice=False,
        choices=[
            Choice(level.value, label) for level, label in labels.CERTIFICATE_LEVEL_LABELS.items()
        ],
    )
    authority = wtforms.StringField(
        _l("Cơ quan cấp"),
        validators=[_at_most(200)],
        render_kw={"placeholder": _l("UBND tỉnh Quảng Ninh")},
    )

    def service_data(self) -> dict[str, Any]:
        return {
            name: self[name].data
            for name in ("score", "stars", "decision_number", "decision_date", "level", "authority")
        }


class LinkForm(wtforms.Form):
    channel = wtforms.SelectField(
        _l("Kênh bán"),
        validate_choice=False,
        choices=[Choice(key, label) for key, label in labels.CHANNEL_LABELS.items()],
    )
    url = wtforms.URLField(_l("Đường dẫn"), render_kw={"placeholder": "https://"})


class LinksForm(forms.Form):
    links = wtforms.FieldList(wtforms.FormField(LinkForm))

    def service_data(self) -> tuple[list[dict[str, Any]], list[LinkForm]]:
        rows = [entry.form for entry in self.links.entries if (entry.form.url.data or "").strip()]
        return [{"channel": row.channel.data, "url": row.url.data} for row in rows], rows
