"""Catalog import/export on both databases: the template, all-or-nothing imports with
row/column errors, re-imports keyed by SKU, CSV/XLSX round trips, scoping, CLI, job, pages."""

from __future__ import annotations

import csv
import decimal
import io
import json
from pathlib import Path
from typing import Any

import flask
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app import catalog_io, extensions
from app.catalog_io import formats, results
from app.core import errors
from app.jobs import registry, tasks
from app.jobs import service as jobs_service
from app.models import accounts, catalog, jobs, orgs
from tests import conftest
from tests.integration.app import test_jobs
from tests.support import catalog as builders

Role = accounts.Role
HEADER = list(catalog_io.HEADERS)
FISH = "Nước mắm cá cơm Trà Cổ"
TEA = "Chè búp Tân Cương"
MINE = "HTX Nước mắm Trà Cổ"
OTHER = "HTX Chè Tân Cương"
VIETNAMESE_HEADERS = {
    "sku": "Mã SKU",
    "product_name": "tên sản phẩm",
    "producer": "CHỦ THỂ",
    "category_code": "Mã nhóm OCOP",
    "unit": "Đơn vị tính",
    "variant_name": "Phân loại",
    "price": "Gia ban",  # no diacritics, other case: still recognised
    "stock": "Tồn kho",
    "weight_g": "Khối lượng (g)",
}


def _good_rows() -> list[dict[str, str]]:
    fish = {
        "product_name": FISH,
        "producer": MINE,
        "category_code": "1.4.a",
        "unit": "chai",
        "brand": "Trà Cổ",
        "description": "Ủ chượp 12 tháng trong thùng gỗ.",
        "ingredients": "Cá cơm, muối biển",
        "shelf_life": "24 tháng",
    }
    return [
        {
            **fish,
            "sku": "NM-500",
            "variant_name": "Chai 500 ml",
            "price": "95000",
            "stock": "10",
            "weight_g": "650",
            "length_cm": "7.5",
            "width_cm": "7,5",
            "height_cm": "28",
            "barcode": "8934567890120",
        },
        {**fish, "sku": "NM-250", "variant_name": "Chai 250 ml", "price": "55.000", "stock": "5"},
        {
            "sku": "CHE-100",
            "product_name": TEA,
            "producer": OTHER,
            "category_code": "1.5.a",
            "unit": "gói",
            "variant_name": "Gói 100 g",
            "price": "120.000 ₫",
            "stock": "0",
        },
    ]


def _write_csv(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    names: dict[str, str] | None = None,
) -> Path:
    header = header or HEADER
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([(names or {}).get(key, key) for key in header])
        for row in rows:
            writer.writerow([row.get(key, "") for key in header])
    return path


def _write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or HEADER
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(key) for key in header])
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                cell.data_type = "s"  # typed as text, like a cell entered with a leading quote
    workbook.save(path)
    return path


def _counts() -> tuple[int, int]:
    session = extensions.db.session
    return (
        session.scalar(sa.select(sa.func.count(catalog.Product.id))),
        session.scalar(sa.select(sa.func.count(catalog.Variant.id))),
    )


def _import(path: Path, username: str = "admin1", **options: Any) -> catalog_io.ImportSummary:
    """Inside an app context: import a file as ``username``."""
    user = conftest.user_named(username)
    return catalog_io.import_file(extensions.db.session, user, path, **options)


def _issues(raised: pytest.ExceptionInfo[catalog_io.ImportFailed]) -> dict[tuple[Any, Any], str]:
    return {(i.row, i.column): i.message for i in raised.value.issues}


def _variant(sku: str) -> catalog.Variant:
    variant = extensions.db.session.scalar(
        sa.select(catalog.Variant).where(catalog.Variant.sku == sku)
    )
    assert variant is not None, sku
    return variant


def test_good_file_imports_products_and_variants(app, people, categories, tmp_path) -> None:
    path = _write_csv(tmp_path / "hang.csv", _good_rows())
    with app.app_context():
        summary = _import(path)
        assert (summary.rows, summary.created_products, summary.created_variants) == (3, 2, 3)
        assert (summary.updated_products, summary.updated_variants, summary.warnings) == (0, 0, [])
        assert _counts() == (2, 3)
        fish = _variant("NM-500").product
        assert fish.name == FISH and fish.producer_id == people.producer_id
        assert fish.category.code == "1.4.a" and fish.shelf_life == "24 tháng"
        assert [(v.sku, v.price) for v in fish.variants] == [("NM-500", 95_000), ("NM-250", 55_000)]
        assert (fish.min_price, fish.max_price, fish.total_stock) == (55_000, 95_000, 15)
        big = _variant("NM-500")
        assert (big.length_cm, big.width_cm, big.barcode) == (
            decimal.Decimal("7.5"),
            decimal.Decimal("7.5"),
            "8934567890120",
        )
        tea = _variant("CHE-100")
        assert (tea.price, tea.product.producer_id) == (120_000, people.other_producer_id)


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(
    app, people, categories, tmp_path
) -> None:
    builders.make_product(
        app,
        "admin1",
        builders.product_data(people.producer_id, name="Sản phẩm cũ", skus=("OLD-1",)),
    )
    good = _good_rows()[0]
    rows = [
        good,  # row 2
        {**good, "sku": "NM-250", "price": "abc"},  # row 3
        # row 4: an unknown tax code (an unknown name would be a new producer)
        {**good, "sku": "X-1", "product_name": "B", "producer": "0100000000"},
        {**good, "sku": "X-2", "product_name": "C", "barcode": "8934567890121", "stock": "-3"},
        {**good, "sku": "nm-500"},  # row 6: the same SKU as row 2
        {**good, "sku": "X-3", "product_name": ""},  # row 7
        {**good, "sku": "X 4", "product_name": "D"},  # row 8
        {**good, "sku": "X-5", "product_name": "E", "category_code": "9.9.z"},  # row 9
        {"sku": "OLD-1", "product_name": "Sản phẩm cũ", "producer": MINE, "price": "20000"},
    ]
    path = _write_csv(tmp_path / "loi.csv", rows)
    with app.app_context():
        before = _counts()
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(path)
        issues = _issues(raised)
        assert set(issues) == {
            (3, "price"),
            (4, "producer"),
            (5, "barcode"),
            (5, "stock"),
            (6, "sku"),
            (7, "product_name"),
            (8, "sku"),
            (9, "category_code"),
        }
        assert "dòng 2" in issues[(6, "sku")]
        assert "0100000000" in issues[(4, "producer")]
        assert isinstance(raised.value, errors.ValidationError)
        assert "8 lỗi" in raised.value.message
        assert [i.row for i in raised.value.issues] == sorted(i.row for i in raised.value.issues)
        extensions.db.session.rollback()
        assert _counts() == before == (1, 1)
        assert _variant("OLD-1").price == 95_000  # the good row 10 was not applied either


def test_reimport_updates_by_sku_and_keeps_variants_missing_from_the_file(
    app, people, categories, tmp_path
) -> None:
    rows = _good_rows()
    with app.app_context():
        _import(_write_csv(tmp_path / "lan1.csv", rows))
        first_ids = {v.sku: v.id for v in extensions.db.session.scalars(sa.select(catalog.Variant))}
        same = _import(_write_csv(tmp_path / "lan2.csv", rows))
        assert (same.created_products, same.updated_products, same.unchanged_products) == (0, 0, 2)
        assert (same.created_variants, same.updated_variants, same.unchanged_variants) == (0, 0, 3)
        changed = [{**rows[0], "price": "99.000"}, rows[2]]  # NM-250 left out of the file
        summary = _import(_write_csv(tmp_path / "lan3.csv", changed))
        assert (summary.created_products, summary.updated_products) == (0, 1)
        assert (summary.updated_variants, summary.unchanged_variants) == (1, 1)
        assert _counts() == (2, 3)
        assert _variant("NM-500").price == 99_000
        assert _variant("NM-250").price == 55_000  # kept
        ids = {v.sku: v.id for v in extensions.db.session.scalars(sa.select(catalog.Variant))}
        assert ids == first_ids
        # A new SKU with the same product name and producer joins the existing product.
        extra = {**rows[0], "sku": "NM-1000", "variant_name": "Can 1 lít", "price": "170000"}
        added = _import(_write_csv(tmp_path / "lan4.csv", [extra]))
        assert (added.created_products, added.created_variants) == (0, 1)
        assert _variant("NM-1000").product_id == _variant("NM-500").product_id
        assert _counts() == (2, 4)


def test_csv_with_bom_semicolons_and_vietnamese_headers(app, people, categories, tmp_path) -> None:
    header = [*VIETNAMESE_HEADERS, "ghi_chu"]
    names = {**VIETNAMESE_HEADERS, "ghi_chu": "Ghi chú"}
    rows = [{**row, "ghi_chu": "xem sau"} for row in _good_rows()]
    path = _write_csv(
        tmp_path / "excel.csv", rows, header, delimiter=";", encoding="utf-8-sig", names=names
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with app.app_context():
        summary = _import(path)
        assert (summary.created_products, summary.created_variants) == (2, 3)
        assert len(summary.warnings) == 1 and "Ghi chú" in summary.warnings[0]
        assert [_variant(s).price for s in ("NM-500", "NM-250", "CHE-100")] == [
            95_000,
            55_000,
            120_000,
        ]
        assert _variant("CHE-100").product.name == TEA
        assert _variant("NM-500").name == "Chai 500 ml"


def test_rows_of_one_product_must_agree_and_headers_must_be_unique(
    app, people, categories, tmp_path
) -> None:
    first, second = _good_rows()[:2]
    rows = [first, {**second, "brand": "Khác", "description": "", "category_code": "1.4.b"}]
    with app.app_context():
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(_write_csv(tmp_path / "lech.csv", rows))
        issues = _issues(raised)
        assert set(issues) == {(3, "brand"), (3, "category_code")}  # a blank cell inherits
        assert "dòng 2" in issues[(3, "brand")]
        header = [*HEADER, "Giá bán"]
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(_write_csv(tmp_path / "trung.csv", rows, header=header))
        assert list(_issues(raised)) == [(1, None)]
        assert "Giá bán" in raised.value.issues[0].message
        assert _counts() == (0, 0)


def test_missing_columns_empty_files_and_limits(app, people, monkeypatch, tmp_path) -> None:
    with app.app_context():
        path = _write_csv(tmp_path / "thieu.csv", _good_rows(), header=["sku", "Tên sản phẩm"])
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(path)
        assert set(_issues(raised)) == {(1, "producer"), (1, "price")}
        assert "Giá" in _issues(raised)[(1, "price")]

        empty = tmp_path / "trong.csv"
        empty.write_bytes(b"")
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(empty)
        assert raised.value.issues[0].row is None and "trống" in raised.value.message

        only_header = _write_csv(tmp_path / "tieude.csv", [])
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(only_header)
        assert list(_issues(raised)) == [(2, None)]

        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(_write_csv(tmp_path / "hang.txt", _good_rows()))
        assert ".xlsx" in raised.value.message

        latin = tmp_path / "latin.csv"
        latin.write_bytes("sku,product_name\nA,Nước\n".encode("utf-16-le"))
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(latin)
        assert "UTF-8" in raised.value.message

        monkeypatch.setattr(formats, "MAX_ROWS", 2)
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(_write_csv(tmp_path / "nhieu.csv", _good_rows()))
        assert "hơn 2 dòng" in raised.value.message

        monkeypatch.setattr(formats, "MAX_BYTES", 1 << 20)
        big_rows = [{**_good_rows()[0], "description": "x" * (1 << 20)}]
        with pytest.raises(catalog_io.ImportFailed) as raised:
            _import(_write_csv(tmp_path / "lon.csv", big_rows))
        assert "1 MB" in raised.value.message
        assert _counts() == (0, 0)


def test_producer_accounts_may_not_import(app, people, tmp_path) -> None:
    path = _write_csv(tmp_path / "hang.csv", _good_rows())
    with app.app_context(), pytest.raises(errors.Forbidden):
        _import(path, people.username(Role.PRODUCER))


def test_xlsx_import_and_export_round_trip(
    app, people, categories, bearer, client, tmp_path
) -> None:
    rows: list[dict[str, Any]] = _good_rows()
    rows[0] = {**rows[0], "price": 95000, "stock": 10, "length_cm": 7.5, "barcode": 8934567890120}
    rows[2] = {**rows[2], "description": "=1+1 chỉ là chữ"}  # never a formula in exports
    with app.app_context():
        summary = _import(_write_xlsx(tmp_path / "hang.xlsx", rows))
        assert (summary.created_products, summary.created_variants) == (2, 3)
        assert _variant("NM-500").barcode == "8934567890120"

    response = client.get("/api/v1/catalog/export?format=xlsx", headers=bearer[Role.ADMIN])
    assert response.status_code == 200
    assert response.mimetype == catalog_io.XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    response.close()
    frame = pd.read_excel(io.BytesIO(data), dtype={"sku": str, "barcode": str})
    assert list(frame.columns) == list(catalog_io.EXPORT_HEADERS)
    by_sku = frame.set_index("sku")
    assert by_sku.loc["NM-500", "product_name"] == FISH
    assert by_sku.loc["NM-500", "description"] == "Ủ chượp 12 tháng trong thùng gỗ."
    assert by_sku.loc["NM-500", "barcode"] == "8934567890120"
    assert int(by_sku.loc["NM-250", "price"]) == 55_000
    assert by_sku.loc["CHE-100", "producer"] == OTHER
    assert by_sku.loc["NM-500", "category_code"] == "1.4.a"
    assert by_sku.loc["CHE-100", "description"] == "=1+1 chỉ là chữ"
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        assert workbook.sheetnames == [catalog_io.DATA_SHEET, catalog_io.GUIDE_SHEET]
        first = next(workbook.worksheets[0].iter_rows(values_only=True))
        assert list(first) == list(catalog_io.EXPORT_HEADERS)
    finally:
        workbook.close()

    response = client.get("/api/v1/catalog/export?format=csv", headers=bearer[Role.ADMIN])
    raw = response.get_data()
    response.close()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == list(catalog_io.EXPORT_HEADERS)
    assert table.set_index("sku").loc["CHE-100", "product_name"] == TEA
    assert table.set_index("sku").loc["NM-500", "length_cm"] == "7.5"
    assert table.set_index("sku").loc["CHE-100", "description"] == "'=1+1 chỉ là chữ"

    # Both exports import back unchanged: the round trip loses nothing.
    (tmp_path / "xuat.xlsx").write_bytes(data)
    (tmp_path / "xuat.csv").write_bytes(raw)
    with app.app_context():
        for name in ("xuat.xlsx", "xuat.csv"):
            again = _import(tmp_path / name)
            assert (again.created_variants, again.updated_variants) == (0, 0), name
            assert (again.unchanged_products, again.unchanged_variants) == (2, 3), name
            assert again.warnings == []


def test_exports_are_scoped_and_filtered(app, people, categories, bearer, client, auth) -> None:
    with app.app_context():
        table = catalog_io.Table(
            HEADER,
            [(n, [r.get(k, "") for k in HEADER]) for n, r in enumerate(_good_rows(), start=2)],
        )
        catalog_io.import_table(extensions.db.session, conftest.user_named("admin1"), table)

    def skus(response) -> list[str]:
        assert response.status_code == 200
        text = response.get_data().decode("utf-8-sig")
        response.close()
        return [row["sku"] for row in csv.DictReader(io.StringIO(text))]

    producer = bearer[Role.PRODUCER]
    assert skus(client.get("/api/v1/catalog/export", headers=producer)) == ["NM-500", "NM-250"]
    leak = f"/api/v1/catalog/export?producer_id={people.other_producer_id}"
    assert skus(client.get(leak, headers=producer)) == []
    assert skus(client.get(leak, headers=bearer[Role.SELLER])) == ["CHE-100"]
    assert skus(client.get("/api/v1/catalog/export?q=tan+cuong", headers=bearer[Role.SELLER])) == [
        "CHE-100"
    ]
    bad = client.get("/api/v1/catalog/export?format=pdf", headers=producer)
    assert bad.status_code == 422 and "format" in bad.get_json()["error"]["fields"]

    auth.login(people.username(Role.PRODUCER))
    assert skus(client.get("/catalog/io/export?format=csv")) == ["NM-500", "NM-250"]
    page = client.get("/catalog/io/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="export-form"' in html and 'data-testid="import-form"' not in html


def test_templates_have_the_columns_and_a_guide_sheet(app, people, bearer, client) -> None:
    response = client.get("/api/v1/catalog/template?format=xlsx", headers=bearer[Role.SELLER])
    data = response.get_data()
    response.close()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [catalog_io.DATA_SHEET, "Hướng dẫn"]
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    assert workbook.worksheets[0].max_row == 1
    guide = [row[0] for row in workbook["Hướng dẫn"].iter_rows(values_only=True)]
    assert set(HEADER) <= set(guide)
    response = client.get("/api/v1/catalog/template?format=csv", headers=bearer[Role.PRODUCER])
    assert response.get_data().decode("utf-8-sig").strip() == ",".join(HEADER)
    response.close()


def test_cli_import_exit_codes_and_numbered_messages(app, people, categories, tmp_path) -> None:
    runner = app.test_cli_runner()
    bad = [_good_rows()[0], {**_good_rows()[1], "price": "mười nghìn"}]
    result = runner.invoke(args=["catalog", "import", str(_write_csv(tmp_path / "x.csv", bad))])
    assert result.exit_code == 2
    assert "dòng 3, cột price: Phải là số nguyên." in result.output
    with app.app_context():
        assert _counts() == (0, 0)

    good = str(_write_csv(tmp_path / "hang.csv", _good_rows()))
    dry = runner.invoke(args=["catalog", "import", good, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["created_variants"] == 3
    with app.app_context():
        assert _counts() == (0, 0)

    done = runner.invoke(args=["catalog", "import", good, "--as", "seller1"])
    assert done.exit_code == 0, done.output
    assert "2 mới" in done.output
    with app.app_context():
        assert _counts() == (2, 3)
    denied = runner.invoke(args=["catalog", "import", good, "--as", people.username("producer")])
    assert denied.exit_code == 2

    out = tmp_path / "xuat.xlsx"
    exported = runner.invoke(
        args=["catalog", "export", str(out), "--producer", "htx che tan cuong"]
    )
    assert exported.exit_code == 0, exported.output
    assert "1 dòng" in exported.output
    assert list(pd.read_excel(out, dtype=str)["sku"]) == ["CHE-100"]
    assert runner.invoke(args=["catalog", "export", str(tmp_path / "x.pdf")]).exit_code == 2
    missing = runner.invoke(args=["catalog", "export", str(out), "--producer", "Không có"])
    assert missing.exit_code == 2

    template = tmp_path / "mau.csv"
    assert runner.invoke(args=["catalog", "template", str(template)]).exit_code == 0
    assert template.read_text(encoding="utf-8-sig").strip() == ",".join(HEADER)


def _start(app, name: str, data: bytes) -> jobs.Job:
    return catalog_io.start_import(
        extensions.db.session,
        conftest.user_named("coordinator1"),
        FileStorage(io.BytesIO(data), name),
        media_root=app.config["MEDIA_ROOT"],
        kinds=registry.current(),
        dispatch=test_jobs.FakeDispatch(),
    )


def test_import_job_records_row_errors_or_the_summary(app, people, categories, tmp_path) -> None:
    bad = _write_csv(tmp_path / "x.csv", [_good_rows()[0], {**_good_rows()[1], "price": "?"}])
    good = _write_csv(tmp_path / "hang.csv", _good_rows())
    media = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        job = _start(app, "x.csv", bad.read_bytes())
        stored = media / job.params["path"]
        assert stored.exists() and job.params["filename"] == "x.csv"
        status = jobs_service.run(extensions.db.session, registry.current(), job.id)
        assert status == jobs.JobStatus.FAILED
        failed = extensions.db.session.get(jobs.Job, job.id)
        assert failed.error == results.msgid_of(results.JOB_FAILED)
        assert failed.result["errors"] == [
            {"row": 3, "column": "price", "message": "Phải là số nguyên."}
        ]
        assert not stored.exists()
        assert _counts() == (0, 0)

        job = _start(app, "hàng.csv", good.read_bytes())
        assert jobs_service.run(extensions.db.session, registry.current(), job.id) == (
            jobs.JobStatus.SUCCEEDED
        )
        done = extensions.db.session.get(jobs.Job, job.id)
        assert done.result["created_products"] == 2 and done.result["created_variants"] == 3
        assert not (media / job.params["path"]).exists()
        assert _counts() == (2, 3)

        with pytest.raises(errors.ValidationError) as raised:
            jobs_service.enqueue(
                extensions.db.session,
                registry.current(),
                kind="catalog.import",
                params={"path": "../../etc/passwd", "filename": "a.csv"},
                owner=conftest.user_named("admin1"),
                dispatch=test_jobs.FakeDispatch(),
            )
        assert "params.path" in raised.value.fields


def test_a_failed_import_job_keeps_its_messages_wordable_in_the_readers_language(
    app, people, categories, tmp_path
) -> None:
    """The worker words problems in Vietnamese; the job keeps msgid and params, so a page in
    English words them again in English."""
    bad = _write_csv(tmp_path / "x.csv", [_good_rows()[0], _good_rows()[0]])
    with app.app_context():
        job = _start(app, "x.csv", bad.read_bytes())
        jobs_service.run(extensions.db.session, registry.current(), job.id)
        failed = extensions.db.session.get(jobs.Job, job.id)
        [duplicate] = failed.result["errors"]
    assert duplicate == {
        "row": 3,
        "column": "sku",
        "message": "Mã SKU trùng với dòng 2.",
        "msgid": "Mã SKU trùng với dòng %(n)d.",
        "params": {"n": 2},
    }
    with app.test_request_context():
        flask.session["lang"] = "en"
        assert results.issue_text(duplicate) == "SKU duplicates row 2."
        assert results.issue_text({"message": "Phải là số nguyên."}) == "Must be a whole number."
        assert results.issue_text({"message": "chữ của người dùng"}) == "chữ của người dùng"
        assert results.issue_text({**duplicate, "params": {}}) == "Mã SKU trùng với dòng 2."


def test_upload_page_queues_the_job_and_the_job_page_lists_errors(
    app, people, categories, auth, client, monkeypatch, tmp_path
) -> None:
    dispatch = test_jobs.FakeDispatch()
    monkeypatch.setattr(tasks, "dispatch", dispatch)
    auth.login(people.username(Role.SELLER))
    assert 'data-testid="import-form"' in client.get("/catalog/io/").get_data(as_text=True)
    bad = _write_csv(tmp_path / "x.csv", [_good_rows()[0], {**_good_rows()[0], "sku": "A B"}])
    response = client.post(
        "/catalog/io/import",
        data={"file": (io.BytesIO(bad.read_bytes()), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert dispatch.sent == [(job_id, "default")]
    with app.app_context():
        jobs_service.run(extensions.db.session, registry.current(), job_id)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-errors"' in page
    assert "<td>3</td><td><code>sku</code></td>" in page

    wrong = client.post(
        "/catalog/io/import",
        data={"file": (io.BytesIO(b"sku\nA\n"), "hang.xlsx")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    assert "không phải Excel" in wrong.get_data(as_text=True)
    text = client.post(
        "/catalog/io/import",
        data={"file": (io.BytesIO(b"sku\nA\n"), "hang.txt")},
        content_type="multipart/form-data",
    )
    assert text.status_code == 422 and "Chỉ nhận tệp .csv hoặc .xlsx." in text.get_data(
        as_text=True
    )
    template = client.get("/catalog/io/template?format=xlsx")
    assert template.status_code == 200 and template.mimetype == catalog_io.XLSX_MIMETYPE
    template.close()


def test_api_import_answers_202_with_the_job(app, people, bearer, client, monkeypatch) -> None:
    monkeypatch.setattr(tasks, "dispatch", test_jobs.FakeDispatch())
    body = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.save(body)
    response = client.post(
        "/api/v1/catalog/import",
        headers=bearer[Role.COORDINATOR],
        data={"file": (io.BytesIO(body.getvalue()), "hang.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert (job["kind"], job["status"]) == ("catalog.import", "queued")
    assert job["params"]["filename"] == "hang.xlsx"
    missing = client.post("/api/v1/catalog/import", headers=bearer[Role.COORDINATOR])
    assert missing.status_code == 422
    producer = client.post(
        "/api/v1/catalog/import",
        headers=bearer[Role.PRODUCER],
        data={"file": (io.BytesIO(body.getvalue()), "hang.xlsx")},
        content_type="multipart/form-data",
    )
    assert producer.status_code == 403
    with app.app_context():
        stored = extensions.db.session.scalars(sa.select(jobs.Job)).all()
        assert [j.kind for j in stored] == ["catalog.import"]
        assert extensions.db.session.scalar(sa.select(sa.func.count(orgs.Producer.id))) == 2
