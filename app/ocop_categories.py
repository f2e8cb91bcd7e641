"""OCOP product classification (provisional copy; being checked against Decision 148/QĐ-TTg)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent: str | None
    level: int
    ministry: str | None = None


_TREE: list[tuple[str, str]] = [
    ("1", "Thực phẩm"),
    ("1.1", "Thực phẩm tươi sống"),
    ("1.1.a", "Rau, củ, quả, hạt tươi"),
    ("1.1.b", "Thịt, thủy sản, trứng, sữa tươi"),
    ("1.2", "Thực phẩm thô, sơ chế"),
    ("1.2.a", "Gạo, ngũ cốc, hạt sơ chế khác"),
    ("1.2.b", "Mật ong, mật khác và nông sản thực phẩm khác"),
    ("1.3", "Thực phẩm chế biến"),
    ("1.3.a", "Đồ ăn nhanh"),
    ("1.3.b", "Chế biến từ gạo, ngũ cốc"),
    ("1.3.c", "Chế biến từ rau, củ, quả, hạt"),
    ("1.3.d", "Chế biến từ thịt, trứng, sữa, thủy sản, các sản phẩm từ mật ong, mật khác"),
    ("1.4", "Gia vị"),
    ("1.4.a", "Tương, nước mắm, gia vị dạng lỏng khác"),
    ("1.4.b", "Gia vị khác"),
    ("1.5", "Chè"),
    ("1.5.a", "Chè tươi, chế biến"),
    ("1.5.b", "Sản phẩm khác từ chè"),
    ("1.6", "Cà phê, ca cao"),
    ("2", "Đồ uống"),
    ("2.1", "Đồ uống có cồn"),
    ("2.1.a", "Rượu trắng"),
    ("2.1.b", "Đồ uống có cồn khác"),
    ("2.2", "Đồ uống không cồn"),
    ("2.2.a", "Nước khoáng, nước uống tinh khiết"),
    ("2.2.b", "Đồ uống không cồn khác"),
    ("3", "Dược liệu và sản phẩm từ dược liệu"),
    ("3.1", "Thực phẩm chức năng, thuốc dược liệu, thuốc y học cổ truyền"),
    ("3.2", "Mỹ phẩm có thành phần từ dược liệu"),
    ("3.3", "Tinh dầu và dược liệu khác"),
    ("4", "Hàng thủ công mỹ nghệ"),
    ("4.1", "Thủ công mỹ nghệ, gia dụng, trang trí"),
    ("4.2", "Vải, may mặc"),
    ("5", "Sinh vật cảnh"),
    ("5.1", "Hoa"),
    ("5.2", "Cây cảnh"),
    ("5.3", "Động vật cảnh"),
    ("6", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"),
    ("6.1", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"),
]

CATEGORIES: tuple[Category, ...] = tuple(
    Category(code, name, code.rsplit(".", 1)[0] if "." in code else None, code.count(".") + 1)
    for code, name in _TREE
)


def by_code() -> dict[str, Category]:
    return {category.code: category for category in CATEGORIES}


def children(code: str | None) -> list[Category]:
    return [category for category in CATEGORIES if category.parent == code]


def rows() -> list[dict[str, Any]]:
    """Insert rows for the ocop_categories table (ids follow tree order)."""
    ids = {category.code: index for index, category in enumerate(CATEGORIES, 1)}
    return [
        {
            "id": ids[c.code], "code": c.code, "name": c.name,
            "parent_id": ids[c.parent] if c.parent else None, "level": c.level,
            "position": ids[c.code],
        }
        for c in CATEGORIES
    ]
