"""The all-or-nothing importer.

Every row is parsed and checked with the same rules as the product form
(``app.services.catalog``), every problem is collected with its row number as the user sees
it (the header is row 1) and its column, and if there is any problem nothing is written.
Re-importing a file updates instead of duplicating: rows are keyed by SKU.

Phases of an import (``import_file``):

1. read the file into a table (``readers``);
2. map headers to columns, resolve producers and OCOP category codes, group rows
   into products, validate every group without writing (progress is reported
   here, and a cancel request is noticed here);
3. create the producers the file names that do not exist yet (linked to the importer's
   club), apply the changed groups with ``catalog.apply_product(replace_variants=False)``
   in one transaction, then commit (or roll back for a dry run).

Producers are those of the importer's club scope (``app.tenancy``): a producer that exists
but that the club does not work with is a row error (an admin links it to the club first).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog import service as catalog_service
from app.catalog_io import actors, columns, readers, results
from app.core import errors, i18n, permissions, tenancy, uow, validators
from app.core.i18n import N_
from app.core.text import has_controls
from app.models import catalog, orgs
from vietnam import text

PROGRESS_EVERY = 200  # rows between progress reports

Progress = Callable[[int, str | Mapping[str, Any]], None]  # a msgid or an i18n.deferred


@dataclasses.dataclass
class _Row:
    number: int
    values: dict[str, str]  # column key → cell
    sku: str
    producer_id: int | None = None
    category_id: int | None = None
    product_id: int | None = None  # the product owning this SKU already


@dataclasses.dataclass
class _NewProducer:
    """A producer the file names that does not exist yet: created in the write phase."""

    key: int  # negative: stands for the producer's id until it is created
    name: str
    first_row: int


# Type of a new producer, from how its name starts (editable afterwards on its page).
_TYPE_PREFIXES = (
    (("htx", "hop tac xa"), orgs.ProducerType.COOPERATIVE),
    (("tht", "to hop tac"), orgs.ProducerType.COOPERATIVE_GROUP),
    (("cong ty", "cty", "doanh nghiep", "dntn"), orgs.ProducerType.COMPANY),
)


def _producer_type(name: str) -> orgs.ProducerType:
    folded = text.fold(name)
    for prefixes, kind in _TYPE_PREFIXES:
        if any(folded == p or folded.startswith(p + " ") for p in prefixes):
            return kind
    return orgs.ProducerType.HOUSEHOLD


@dataclasses.dataclass
class _Group:
    product_id: int | None
    rows: list[_Row]
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    changed: bool = True


class _Importer:
    def __init__(
        self,
        session: so.Session,
        user: actors.Actor,
        table: readers.Table,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.user = user
        self.scope = actors.scope(session, user)
        self.table = table
        self.progress = progress
        self.issues: list[results.Issue] = []
        self.seen: set[tuple[int | None, str | None]] = set()
        self.warnings: list[str] = []
        self.warnings_coded: list[dict[str, Any]] = []
        self.columns: dict[str, int] = {}  # key → index in the row
        self.headers: dict[str, str] = {}  # key → header as written in the file
        self.summary = results.ImportSummary(rows=len(table.rows))
        self.new_producers: dict[str, _NewProducer] = {}  # folded name → the one to create

    # -- problems --

    def warn(self, msgid: str, **params: Any) -> None:
        """A warning: worded now (CLI, API) and kept as msgid + params for the job page."""
        self.warnings.append(_(msgid, **params))
        self.warnings_coded.append(i18n.deferred(msgid, **params))

    def issue(self, row: int | None, key: str | None, message: Any) -> None:
        """Record a problem once per (row, column); the first (most specific) wins.

        ``message`` is lazy (``_l``) where this module words it, so a job keeps its msgid."""
        column = None if key is None else self.headers.get(key, key)
        if row is not None and column is not None:
            if (row, column) in self.seen:
                return
            self.seen.add((row, column))
        self.issues.append(results.Issue(row, column, message))

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None and total:
            self.progress(
                5 + 80 * done // total,
                i18n.deferred(N_("Đang kiểm tra dòng %(n)d/%(t)d"), n=done, t=total),
            )

    # -- headers --

    def map_headers(self) -> None:
        if not self.table.headers or not any(self.table.headers):
            self.issue(1, None, _l("Tệp trống hoặc thiếu dòng tiêu đề (dòng 1)."))
            return
        unknown = []
        for index, header in enumerate(self.table.headers):
            if not header:
                continue
            key = columns.ALIASES.get(columns.header_key(header))
            if key is None:
                unknown.append(header)
            elif key in self.columns or key in self.headers:
                self.issue(
                    1,
                    None,
                    _l(
                        "Cột “%(a)s” trùng với cột “%(b)s”.",
                        a=header,
                        b=self.headers.get(key, key),
                    ),
                )
            elif key in columns.BY_KEY and columns.BY_KEY[key] in columns.READ_ONLY_COLUMNS:
                self.headers[key] = header  # read-only columns of an export: ignored
            else:
                self.columns[key] = index
                self.headers[key] = header
        if unknown:
            self.warn(
                N_("Bỏ qua các cột không dùng: %(c)s."), c=", ".join(f"“{h}”" for h in unknown)
            )
        for column in columns.COLUMNS:
            if column.required and column.key not in self.columns:
                self.issue(
                    1,
                    column.key,
                    _l(
                        "Thiếu cột bắt buộc “%(c)s” (hoặc tiêu đề tiếng Việt “%(vi)s”).",
                        c=column.key,
                        vi=column.aliases[0],
                    ),
                )
        if not self.table.rows:
            self.issue(2, None, _l("Tệp không có dòng dữ liệu nào."))

    # -- rows --

    def parse_rows(self) -> list[_Row]:
        producers = list(
            self.session.execute(
                sa.select(orgs.Producer.id, orgs.Producer.name, orgs.Producer.tax_code)
            )
        )
        by_tax = {str(tax): pid for pid, _name, tax in producers if tax}
        by_name = {text.fold(name): pid for pid, name, _tax in producers}
        in_scope = set(
            self.session.scalars(
                sa.select(orgs.Producer.id).where(self.scope.producer_filter(orgs.Producer.id))
            )
        )
        category_ids = dict(
            self.session.execute(
                sa.select(catalog.OcopCategory.code, catalog.OcopCategory.id)
            ).all()
        )
        rows: list[_Row] = []
        first_row_of_sku: dict[str, int] = {}
        for number, cells in self.table.rows:
            values = {
                key: cells[index] if index < len(cells) else ""
                for key, index in self.columns.items()
            }
            row = _Row(number, values, text.nfc(values.get("sku", "")).upper())
            producer = values.get("producer", "")
            if not producer:
                self.issue(number, "producer", _l("Hãy nhập tên hoặc mã số thuế chủ thể sản xuất."))
            else:
                row.producer_id = self._producer_of(number, producer, by_tax, by_name, in_scope)
            code = values.get("category_code", "").lower()
            if code:
                row.category_id = category_ids.get(code)
                if row.category_id is None:
                    self.issue(
                        number,
                        "category_code",
                        _l("Mã nhóm OCOP “%(c)s” không có trong danh mục (ví dụ 1.4.a).", c=code),
                    )
            if not row.sku:
                self.issue(number, "sku", _l("Hãy nhập mã SKU."))
            elif row.sku in first_row_of_sku:
                self.issue(
                    number,
                    "sku",
                    _l("Mã SKU trùng với dòng %(n)d.", n=first_row_of_sku[row.sku]),
                )
                continue
            else:
                first_row_of_sku[row.sku] = number
            rows.append(row)
        owners = self._sku_owners([r.sku for r in rows if r.sku])
        for row in rows:
            row.product_id = owners.get(row.sku)
        return rows

    def _producer_of(
        self,
        number: int,
        producer: str,
        by_tax: Mapping[str, int],
        by_name: Mapping[str, int],
        in_scope: set[int],
    ) -> int | None:
        """The id of the producer a row names: one of the scope's, or a new one (a negative
        key) when the name is unknown; None with a row issue otherwise."""
        found = by_tax.get(producer.replace(" ", "")) or by_name.get(text.fold(producer))
        if found is not None:
            if found in in_scope:
                return found
            self.issue(
                number,
                "producer",
                _l(
                    "Chủ thể “%(p)s” đã có trong hệ thống nhưng chưa làm việc với câu lạc bộ của "
                    "bạn: nhờ quản trị viên liên kết chủ thể đó với câu lạc bộ.",
                    p=producer,
                ),
            )
            return None
        if validators.is_tax_code(producer.replace(" ", "")):
            self.issue(
                number,
                "producer",
                _l(
                    "Không có chủ thể sản xuất có mã số thuế “%(p)s” (nhập đúng tên hoặc mã số "
                    "thuế).",
                    p=producer,
                ),
            )
            return None
        return self._new_producer(number, producer)

    def _new_producer(self, number: int, name: str) -> int | None:
        """Plan a producer of this name, linked to the importer's home club."""
        folded = text.fold(name)
        planned = self.new_producers.get(folded)
        if planned is not None:
            return planned.key
        if len(name) > 200:
            self.issue(number, "producer", _l("Tên chủ thể tối đa %(n)d ký tự.", n=200))
            return None
        if has_controls(name):
            self.issue(
                number,
                "producer",
                _l("Tên chủ thể không được chứa xuống dòng, tab hay ký tự điều khiển."),
            )
            return None
        try:
            self.scope.home_club()
        except tenancy.NoClub as exc:
            self.issue(
                number,
                "producer",
                _l(
                    "Không có chủ thể sản xuất “%(p)s”; muốn tạo mới thì cần câu lạc bộ: %(why)s",
                    p=name,
                    why=exc.message,
                ),
            )
            return None
        planned = _NewProducer(-(len(self.new_producers) + 1), name, number)
        self.new_producers[folded] = planned
        return planned.key

    def _create_producers(self) -> dict[int, int]:
        """Create the planned producers (no commit); their keys → their new ids."""
        if not self.new_producers:
            return {}
        club = self.session.get(orgs.Club, self.scope.home_club())
        created: dict[int, int] = {}
        for planned in self.new_producers.values():
            producer = orgs.Producer(
                name=planned.name,
                type=_producer_type(planned.name),
                province_code=club.province_code if club else None,
                province=club.province if club else "",
                clubs=[club] if club else [],
            )
            self.session.add(producer)
            self.session.flush()
            created[planned.key] = producer.id
        return created

    def _sku_owners(self, skus: list[str]) -> dict[str, int]:
        owners: dict[str, int] = {}
        for start in range(0, len(skus), 500):
            chunk = skus[start : start + 500]
            owners.update(
                self.session.execute(
                    sa.select(catalog.Variant.sku, catalog.Variant.product_id).where(
                        catalog.Variant.sku.in_(chunk)
                    )
                ).all()
            )
        return owners

    def group(self, rows: list[_Row]) -> list[_Group]:
        """Existing SKUs go to their product; new SKUs join the product with the same
        name and producer (in the file, else in the database), or form a new one."""
        groups: dict[Any, _Group] = {}
        by_name: dict[tuple[str, int], int] = {}
        for row in rows:
            if row.product_id is not None:
                key = ("product", row.product_id)
                groups.setdefault(key, _Group(row.product_id, []))
                name = text.fold(row.values.get("product_name", ""))
                if name and row.producer_id is not None:
                    by_name.setdefault((name, row.producer_id), row.product_id)
        stored: dict[int, dict[str, list[int]]] = {}
        for row in rows:
            if row.product_id is not None:
                groups[("product", row.product_id)].rows.append(row)
                continue
            name = text.fold(row.values.get("product_name", ""))
            if not name or row.producer_id is None:
                groups[("row", row.number)] = _Group(None, [row])  # reported on its own
                continue
            product_id = by_name.get((name, row.producer_id))
            if product_id is None:
                candidates = self._stored_names(stored, row.producer_id).get(name, [])
                if len(candidates) == 1:
                    product_id = by_name[(name, row.producer_id)] = candidates[0]
            if product_id is not None:
                groups.setdefault(("product", product_id), _Group(product_id, [])).rows.append(row)
            else:
                groups.setdefault(("new", name, row.producer_id), _Group(None, [])).rows.append(row)
        ordered = [g for g in groups.values() if g.rows]
        for g in ordered:
            g.rows.sort(key=lambda r: r.number)
        return sorted(ordered, key=lambda g: g.rows[0].number)

    def _stored_names(
        self, cache: dict[int, dict[str, list[int]]], producer_id: int
    ) -> dict[str, list[int]]:
        if producer_id not in cache:
            names: dict[str, list[int]] = {}
            for pid, name in self.session.execute(
                sa.select(catalog.Product.id, catalog.Product.name).where(
                    catalog.Product.producer_id == producer_id
                )
            ):
                names.setdefault(text.fold(name), []).append(pid)
            cache[producer_id] = names
        return cache[producer_id]

    # -- validation of one product --

    def _product_value(self, group: _Group, key: str, fold: bool = False) -> str:
        """The first non-blank value of a product column in the group; conflicts reported."""
        first: tuple[int, str] | None = None
        for row in group.rows:
            value = row.values.get(key, "")
            if not value:
                continue
            if first is None:
                first = (row.number, value)
            elif (text.fold(value) if fold else value) != (
                text.fold(first[1]) if fold else first[1]
            ):
                self.issue(
                    row.number,
                    key,
                    _l(
                        "Khác với dòng %(n)d của cùng sản phẩm (“%(v)s”).",
                        n=first[0],
                        v=first[1][:60],
                    ),
                )
        return first[1] if first else ""

    def _group_id(self, group: _Group, attr: str, key: str) -> int | None:
        first: _Row | None = None
        for row in group.rows:
            value = getattr(row, attr)
            if value is None:
                continue
            if first is None:
                first = row
            elif value != getattr(first, attr):
                self.issue(
                    row.number,
                    key,
                    _l("Khác với dòng %(n)d của cùng sản phẩm.", n=first.number),
                )
        return getattr(first, attr) if first else None

    def validate(self, group: _Group) -> None:
        product = self.session.get(catalog.Product, group.product_id) if group.product_id else None
        if product is not None and not self.scope.can_edit_producer(
            self.session, product.producer_id
        ):
            # The SKU is a product of a producer out of scope: said as for any taken SKU.
            for row in group.rows:
                self.issue(
                    row.number, "sku", _l("Mã SKU %(sku)s đã thuộc sản phẩm khác.", sku=row.sku)
                )
            return
        data: dict[str, Any] = {"name": self._product_value(group, "product_name", fold=True)}
        data["producer_id"] = self._group_id(group, "producer_id", "producer")
        if "category_code" in self.columns:
            data["category_id"] = self._group_id(group, "category_id", "category_code")
        else:
            data["category_id"] = product.category_id if product else None
        for field in columns.TEXT_PRODUCT_FIELDS:
            if field in self.columns:
                data[field] = self._product_value(group, field)
            else:
                data[field] = getattr(product, field) if product else None
        existing = {v.sku: v for v in product.variants} if product else {}
        variants = []
        for row in group.rows:
            variant_data: dict[str, Any] = {"sku": row.values.get("sku", "")}
            old = existing.get(row.sku)
            for field in columns.VARIANT_FIELDS:
                key = columns.VARIANT_FIELD_COLUMN[field]
                if key in self.columns:
                    variant_data[field] = row.values.get(key, "")
                else:
                    variant_data[field] = getattr(old, field) if old else None
            variants.append(variant_data)
        data["variants"] = variants
        group.data = data

        clean, fields = catalog_service.validate_product(self.session, self.scope, data, product)
        if (data["producer_id"] or 0) < 0:
            fields.pop("producer_id", None)  # a producer created in the write phase
            clean["producer_id"] = None
        clean_variants, variant_fields = catalog_service.validate_variants(
            self.session, variants, product, replace=False
        )
        fields.update(variant_fields)
        self.map_fields(group, fields)
        if fields:
            return
        # What would change: unchanged groups are not written at all.
        product_changed = product is None or any(
            getattr(product, name) != value for name, value in clean.items()
        )
        variants_changed = False
        for variant in clean_variants:
            old = existing.get(variant["sku"])
            if old is None:
                self.summary.created_variants += 1
                variants_changed = True
            elif any(getattr(old, f) != variant[f] for f in columns.VARIANT_FIELDS):
                self.summary.updated_variants += 1
                variants_changed = True
            else:
                self.summary.unchanged_variants += 1
        if product is None:
            self.summary.created_products += 1
        elif product_changed or variants_changed:
            self.summary.updated_products += 1
        else:
            self.summary.unchanged_products += 1
        group.changed = product_changed or variants_changed

    def map_fields(self, group: _Group, fields: Mapping[str, list[str]]) -> None:
        """Turn the catalog service's field names back into (row, column)."""
        for name, messages in fields.items():
            row, key = group.rows[0].number, columns.PRODUCT_FIELD_COLUMN.get(name)
            match = re.fullmatch(r"variants\.(\d+)\.(\w+)", name)
            if match:
                index = int(match.group(1))
                row = group.rows[index].number if index < len(group.rows) else row
                key = columns.VARIANT_FIELD_COLUMN.get(match.group(2))
            for message in messages:
                self.issue(row, key, message)

    # -- the whole import --

    def run(self, dry_run: bool) -> results.ImportSummary:
        self.map_headers()
        if self.issues:
            raise results.ImportFailed(self.issues, self.warnings, self.warnings_coded)
        rows = self.parse_rows()
        for planned in self.new_producers.values():
            self.warn(
                N_(
                    "Chủ thể mới “%(p)s” (dòng %(n)d) sẽ được tạo và làm việc với câu lạc bộ; "
                    "hãy bổ sung địa chỉ, mã số thuế ở trang chủ thể."
                ),
                p=planned.name,
                n=planned.first_row,
            )
        groups = self.group(rows)
        total = len(self.table.rows)
        done = 0
        self._report(0, total)
        for group in groups:
            self.validate(group)
            before = done
            done += len(group.rows)
            if done // PROGRESS_EVERY != before // PROGRESS_EVERY:
                self._report(done, total)
        if self.issues:
            self.issues.sort(key=lambda i: (i.row or 0, self._column_order(i.column)))
            raise results.ImportFailed(self.issues, self.warnings, self.warnings_coded)
        if self.progress is not None:
            self.progress(90, N_("Đang ghi vào cơ sở dữ liệu…"))
        try:
            with uow.unit_of_work(self.session):
                self._write(groups)
                if dry_run:
                    uow.discard(self.session, "a dry run checks every write and keeps none")
        except (so.exc.StaleDataError, sa.exc.IntegrityError):
            # Another save changed a product or took an SKU while this file was checked.
            raise results.ImportFailed(
                [
                    results.Issue(
                        None,
                        None,
                        _l(
                            "Có sản phẩm vừa được người khác sửa trong lúc nhập; chưa có gì được "
                            "ghi. Hãy nhập lại tệp."
                        ),
                    )
                ],
                self.warnings,
                self.warnings_coded,
            ) from None
        if not dry_run:
            changed = [g.product_id for g in groups if g.changed and g.product_id]
            if changed:
                catalog_service.notify_channels(self.session, self.user, changed)
        self.summary.created_producers = len(self.new_producers)
        self.summary.warnings = self.warnings
        self.summary.warnings_coded = self.warnings_coded
        self.summary.dry_run = dry_run
        return self.summary

    def _write(self, groups: list[_Group]) -> None:
        """Create the new producers and apply every changed product (in the caller's unit)."""
        created = self._create_producers()
        for group in groups:
            if not group.changed:
                continue
            planned = group.data.get("producer_id")
            if planned in created:
                group.data["producer_id"] = created[planned]
            product = (
                self.session.get(catalog.Product, group.product_id) if group.product_id else None
            )
            try:
                catalog_service.apply_product(
                    self.session, self.scope, group.data, product, replace_variants=False
                )
            except errors.ValidationError as exc:
                self.map_fields(group, exc.fields)
                raise results.ImportFailed(self.issues, self.warnings, self.warnings_coded) from exc

    def _column_order(self, column: str | None) -> int:
        for key, header in self.headers.items():
            if header == column:
                return self.columns.get(key, 0)
        return -1


def import_table(
    session: so.Session,
    user: actors.Actor,
    table: readers.Table,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> results.ImportSummary:
    """Import an already-read table (all or nothing); raises ImportFailed listing every issue."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    return _Importer(session, user, table, progress).run(dry_run)


def import_file(
    session: so.Session,
    user: actors.Actor,
    path: Path,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> results.ImportSummary:
    """Read and import a CSV/XLSX file (all or nothing); ``filename`` decides the format."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    if progress is not None:
        progress(0, N_("Đang đọc tệp…"))
    table = readers.read_table(path, filename)
    return import_table(session, user, table, dry_run=dry_run, progress=progress)
