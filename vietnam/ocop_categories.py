"""OCOP product classification: Decision 148/QĐ-TTg, Appendix I.

Source: Quyết định 148/QĐ-TTg ngày 24/02/2023 của Thủ tướng Chính phủ ban hành "Bộ tiêu chí
và quy trình đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm", Phụ lục I
"Danh mục phân loại sản phẩm tham gia Chương trình OCOP". It is a three-level tree: 6 ngành
(I-VI), 17 nhóm (1, 2, ...), 16 phân nhóm (a, b, ...). The 26 leaves (every phân nhóm, plus
every nhóm that has none) are the 26 "bộ sản phẩm" that Appendix II gives a criteria set each.
This is not the older scheme of Decision 1048/QĐ-TTg (2019), whose six ngành were Thực phẩm,
Đồ uống, Thảo dược, Vải và may mặc, Lưu niệm - nội thất - trang trí, Dịch vụ.

Codes: "1" is ngành I, "1.3" is nhóm 3 of ngành I, "1.3.d" is phân nhóm d of it. Names are the
decision's, NFC, without the "Nhóm:" / "Phân nhóm:" prefix; ngành are named as in Article 1(1)(a)
("Thực phẩm" ...) rather than as the table's upper-case "SẢN PHẨM THỰC PHẨM" rows. ``ministry``
is the "Bộ chủ trì quản lý" column, copied as the decision writes it (without "Bộ", several
ministries joined by ", "). The table puts it on the deepest row of each branch, so it is set on
phân nhóm and on nhóm without phân nhóm, and is None on ngành and on nhóm with phân nhóm.

Sources checked (stored web copies; the full text on thuvienphapluat.vn / luatvietnam.vn was
not available to me):
- brandsvip.com.vn, "Phân loại 6 nhóm sản phẩm tham gia chương trình OCOP", and a legal Q&A
  article quoting Article 1(1)(a) and Appendix I of Decision 148 (site not identified by the
  store). Both reproduce the table verbatim, with the ministries, from I down to I.3.c and the
  start of I.3.d, then the stored copies end. They agree with each other on every row.
- hangthat.thuonghieucongluan.com.vn (news of 25/02/2023 on Decision 148): the six ngành names.
- thuonghieusanpham.vn: the 26 "bộ sản phẩm" count.
- Public GitHub code: a Bến Tre provincial OCOP app (data of ocopbentre.girc.edu.vn) listing the
  6 ngành and 17 nhóm of Decision 148; a 2024 OCOP scoring app listing the 26 "Bộ sản phẩm" of
  its Appendix II; and two Laravel seeders and a Python migration that transcribe Appendix I of
  the later Decision 26/2026/QĐ-TTg (same tree; "Nông nghiệp và Môi trường" in place of
  "Nông nghiệp và Phát triển nông thôn", the ministry merged in 2025).

Not confirmed against a verbatim copy of Decision 148 (the rest of the table was taken from the
2026 transcriptions, with the ministry renamed back, or from the 148-era code):
- the ministry of I.3.d, and every row from I.4 on (names and ministries);
- II.2.a "Nước khoáng thiên nhiên, nước uống đóng chai" and II.2.b "Đồ uống không cồn": Appendix
  II of Decision 148 titles these sets "Nước khoáng thiên nhiên, nước uống tinh khiết đóng chai"
  and "Đồ uống không cồn khác"; I.5.b "Sản phẩm chè từ thực vật khác" is "Sản phẩm trà từ thực
  vật khác" there;
- the three nhóm of ngành III, the least certain rows. The 148-era code has "Thực phẩm chức
  năng, thuốc từ dược liệu, thuốc Y học cổ truyền", "Mỹ phẩm có thành phần từ thảo dược" and
  "Tinh dầu và thảo dược khác" (used here); Appendix II of 148 has "... thuốc dược liệu, thuốc
  y học cổ truyền" for the first; the 2026 decision has "Thực phẩm chức năng, thuốc dược liệu,
  thuốc cổ truyền", "Mỹ phẩm có thành phần từ dược liệu" and "Tinh dầu và dược liệu khác".
"""

from __future__ import annotations

import dataclasses
from typing import Any

NN = "Nông nghiệp và Phát triển nông thôn"
CT = "Công Thương"
YT = "Y tế"
VH = "Văn hóa, Thể thao và Du lịch"


@dataclasses.dataclass(frozen=True)
class Category:
    """One row of Appendix I: a ngành (level 1), nhóm (level 2) or phân nhóm (level 3)."""

    code: str
    name: str
    parent: str | None
    level: int
    ministry: str | None = None


# (code, name, ministry) in the decision's order.
_TREE: tuple[tuple[str, str, str | None], ...] = (
    ("1", "Thực phẩm", None),
    ("1.1", "Thực phẩm tươi sống", None),
    ("1.1.a", "Rau, củ, quả, hạt tươi", NN),
    ("1.1.b", "Thịt, thủy sản, trứng, sữa tươi", NN),
    ("1.2", "Thực phẩm thô, sơ chế", None),
    ("1.2.a", "Gạo, ngũ cốc, hạt sơ chế khác", NN),
    ("1.2.b", "Mật ong, mật khác và nông sản thực phẩm khác", NN),
    ("1.3", "Thực phẩm chế biến", None),
    ("1.3.a", "Đồ ăn nhanh", CT),
    ("1.3.b", "Chế biến từ gạo, ngũ cốc", f"{NN}, {CT}"),
    ("1.3.c", "Chế biến từ rau, củ, quả, hạt", NN),
    (
        "1.3.d",
        "Chế biến từ thịt, trứng, sữa, thủy sản, các sản phẩm từ mật ong, mật khác"
        " và nông sản thực phẩm khác",
        f"{NN}, {CT}",
    ),
    ("1.4", "Gia vị", None),
    ("1.4.a", "Tương, nước mắm, gia vị dạng lỏng khác", NN),
    ("1.4.b", "Gia vị khác", NN),
    ("1.5", "Chè", None),
    ("1.5.a", "Chè tươi, chế biến", NN),
    ("1.5.b", "Sản phẩm chè từ thực vật khác", NN),
    ("1.6", "Cà phê, ca cao", NN),
    ("2", "Đồ uống", None),
    ("2.1", "Đồ uống có cồn", None),
    ("2.1.a", "Rượu trắng", CT),
    ("2.1.b", "Đồ uống có cồn khác", CT),
    ("2.2", "Đồ uống không cồn", None),
    ("2.2.a", "Nước khoáng thiên nhiên, nước uống đóng chai", YT),
    ("2.2.b", "Đồ uống không cồn", CT),
    ("3", "Dược liệu và sản phẩm từ dược liệu", None),
    ("3.1", "Thực phẩm chức năng, thuốc từ dược liệu, thuốc Y học cổ truyền", YT),
    ("3.2", "Mỹ phẩm có thành phần từ thảo dược", YT),
    ("3.3", "Tinh dầu và thảo dược khác", f"{YT}, {CT}"),
    ("4", "Hàng thủ công mỹ nghệ", None),
    ("4.1", "Thủ công mỹ nghệ gia dụng, trang trí", f"{CT}, {NN}"),
    ("4.2", "Vải, may mặc", CT),
    ("5", "Sinh vật cảnh", None),
    ("5.1", "Hoa", NN),
    ("5.2", "Cây cảnh", NN),
    ("5.3", "Động vật cảnh", NN),
    ("6", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", None),
    ("6.1", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", f"{VH}, {NN}"),
)


def _parent(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


CATEGORIES: tuple[Category, ...] = tuple(
    Category(code, name, _parent(code), code.count(".") + 1, ministry)
    for code, name, ministry in _TREE
)


def by_code() -> dict[str, Category]:
    """Every category, keyed by code."""
    return {category.code: category for category in CATEGORIES}


def children(code: str | None) -> list[Category]:
    """The direct children of ``code`` in tree order; ``None`` gives the six ngành."""
    return [category for category in CATEGORIES if category.parent == code]


def rows() -> list[dict[str, Any]]:
    """Insert rows for the ocop_categories table (ids follow tree order)."""
    ids = {category.code: index for index, category in enumerate(CATEGORIES, 1)}
    return [
        {
            "id": ids[c.code],
            "code": c.code,
            "name": c.name,
            "parent_id": ids[c.parent] if c.parent else None,
            "level": c.level,
            "position": ids[c.code],
        }
        for c in CATEGORIES
    ]
