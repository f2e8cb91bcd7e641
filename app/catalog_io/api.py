"""Catalog import/export API: upload a CSV/XLSX file (a background job), export, template."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest
import flask_smorest.fields
import marshmallow as ma
import marshmallow.validate as mv

from app import extensions
from app.catalog import service as catalog_service
from app.catalog_io import export, formats, uploads
from app.core import permissions
from app.http import helpers, openapi
from app.jobs import schemas as job_schemas

blp = flask_smorest.Blueprint(
    "catalog_io_api",
    __name__,
    url_prefix="/api/v1/catalog",
    description="Nhập/xuất danh mục (CSV, XLSX)",
)

FILE_TYPES = (formats.CSV_MIMETYPE, formats.XLSX_MIMETYPE)
EXPORT_DESCRIPTION = "Tệp CSV (UTF-8 có BOM) hoặc XLSX, mỗi dòng một phân loại (SKU)"
TEMPLATE_DESCRIPTION = "Mẫu nhập trống: CSV, hoặc XLSX có thêm trang “Hướng dẫn”"
ID_RANGE = mv.Range(min=1, max=catalog_service.MAX_ID)


class ImportUploadSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True,
        metadata={
            "description": "Tệp CSV (UTF-8, `,` hoặc `;`) hoặc Excel .xlsx theo mẫu; "
            f"tối đa {formats.MAX_BYTES >> 20} MB, {formats.MAX_ROWS} dòng."
        },
    )


class FormatArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="csv", validate=mv.OneOf(formats.FORMATS))


class ExportArgsSchema(FormatArgsSchema):
    """The product list's filters (producer accounts always get only their own products)."""

    q = ma.fields.String(validate=mv.Length(max=200))
    category_id = ma.fields.Integer(
        validate=ID_RANGE, metadata={"description": "Nhóm OCOP (gồm cả nhóm con)"}
    )
    stars = ma.fields.Integer(validate=mv.Range(min=1, max=5))
    producer_id = ma.fields.Integer(validate=ID_RANGE)
    province_code = ma.fields.Integer(validate=ID_RANGE)
    certificate_status = ma.fields.String(
        validate=mv.OneOf(["active", "expiring", "expired", "none"])
    )
    in_stock = ma.fields.Boolean()
    sort = ma.fields.String(validate=mv.OneOf(catalog_service.SORTS), load_default="name")


@blp.route("/import", methods=["POST"])
@permissions.require("catalog.import")
@blp.arguments(ImportUploadSchema, location="files")
@blp.response(202, job_schemas.JobSchema)
def import_catalog(files: dict[str, Any]) -> object:
    """Upload a catalog file; it is imported by a background job (`catalog.import`).

    Poll `GET /api/v1/jobs/{id}`: on success `result` holds the counts (created/updated
    products and variants, warnings); on bad rows the job is `failed`, nothing is written,
    and `result.errors` lists every problem as `{row, column, message}` (the header is row 1).
    """
    media_root = flask.current_app.config["MEDIA_ROOT"]
    return uploads.start_import(
        extensions.session(), flask_login.current_user, files["file"], media_root=media_root
    )


@blp.route("/export", methods=["GET"])
@permissions.require("catalog.view")
@blp.arguments(ExportArgsSchema, location="query")
@openapi.file_response(blp, EXPORT_DESCRIPTION, FILE_TYPES)
def export_catalog(args: dict[str, Any]) -> flask.Response:
    """Download the products you may see, one row per variant, in the template's columns
    plus read-only `product_id`, `ocop_stars`, `ocop_expires_on`."""
    fmt = args.pop("format")
    download = export.export_products(
        extensions.session(),
        flask_login.current_user,
        catalog_service.ProductFilters(**args),
        fmt,
    )
    return helpers.send_download(download)


@blp.route("/template", methods=["GET"])
@permissions.require("catalog.view")
@blp.arguments(FormatArgsSchema, location="query")
@openapi.file_response(blp, TEMPLATE_DESCRIPTION, FILE_TYPES)
def import_template(args: dict[str, Any]) -> flask.Response:
    """Download the empty import template."""
    return helpers.send_download(export.template(args["format"]))
