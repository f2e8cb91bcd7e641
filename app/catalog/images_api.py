"""Product images and producer logos API."""

from __future__ import annotations

import pathlib
from typing import Any

import flask
import flask_login
import flask_smorest
import flask_smorest.fields
import marshmallow as ma

from app import extensions
from app.catalog import images as images_service
from app.core import permissions
from app.http import addresses
from app.models import catalog, orgs

blp = flask_smorest.Blueprint(
    "images_api", __name__, url_prefix="/api/v1", description="Ảnh sản phẩm và logo"
)

_UPLOAD_HELP = (
    f"JPEG, PNG hoặc WebP, tối đa {images_service.MAX_BYTES // (1024 * 1024)} MB; "
    "kiểm tra theo nội dung, không theo tên tệp."
)


class PhotoUploadSchema(ma.Schema):
    image = flask_smorest.fields.Upload(required=True, metadata={"description": _UPLOAD_HELP})


class LogoUploadSchema(ma.Schema):
    logo = flask_smorest.fields.Upload(required=True, metadata={"description": _UPLOAD_HELP})


class ProductPhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True, metadata={"description": "Ảnh (tối đa 1600 px)"})
    thumb_url = ma.fields.String(required=True, metadata={"description": "Ảnh nhỏ (400 px)"})
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True, metadata={"description": "0 là ảnh bìa"})


class ProducerLogoSchema(ma.Schema):
    producer_id = ma.fields.Integer(required=True)
    logo_url = ma.fields.String(allow_none=True, required=True)


def _image_body(image: catalog.ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "url": addresses.media_url(image.path, external=True),
        "thumb_url": addresses.media_url(image.thumb_path, external=True),
        "width": image.width,
        "height": image.height,
        "position": image.position,
    }


def _logo_body(producer: orgs.Producer) -> dict[str, Any]:
    return {"producer_id": producer.id, "logo_url": addresses.media_url(producer.logo_path, True)}


def _root() -> pathlib.Path:
    return images_service.media_root(flask.current_app.config)


@blp.route("/products/<int:product_id>/images", methods=["POST"])
@permissions.require("catalog.edit")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, ProductPhotoSchema)
def add_image(files: dict[str, Any], product_id: int) -> object:
    """Upload a photo (multipart field `image`); it is added last, the first photo is the cover.

    The file is checked by content (JPEG, PNG or WebP; 15 MB; 50 million pixels),
    turned upright by its EXIF orientation, stripped of metadata and resized to
    at most 1600 px (plus a 400 px thumbnail). A refused file gives 422 with
    `fields.image`.
    """
    image = images_service.add_product_image(
        extensions.session(), flask_login.current_user, product_id, files["image"], _root()
    )
    return _image_body(image)


@blp.route("/products/<int:product_id>/images/<int:image_id>", methods=["DELETE"])
@permissions.require("catalog.edit")
@blp.response(204)
def delete_image(product_id: int, image_id: int) -> None:
    """Delete a photo and its files; the next photo becomes the cover."""
    images_service.delete_product_image(
        extensions.session(), flask_login.current_user, product_id, image_id, _root()
    )


@blp.route("/products/<int:product_id>/images/<int:image_id>/cover", methods=["POST"])
@permissions.require("catalog.edit")
@blp.response(200, ProductPhotoSchema(many=True))
def set_cover(product_id: int, image_id: int) -> object:
    """Make a photo the cover; returns every photo of the product in its new order."""
    ordered = images_service.set_cover(
        extensions.session(), flask_login.current_user, product_id, image_id
    )
    return [_image_body(image) for image in ordered]


@blp.route("/producers/<int:producer_id>/logo", methods=["PUT"])
@permissions.require("catalog.edit")
@blp.arguments(LogoUploadSchema, location="files")
@blp.response(200, ProducerLogoSchema)
def put_logo(files: dict[str, Any], producer_id: int) -> object:
    """Set or replace a producer's logo (multipart field `logo`; fitted within 512 × 512)."""
    producer = images_service.set_producer_logo(
        extensions.session(), flask_login.current_user, producer_id, files["logo"], _root()
    )
    return _logo_body(producer)


@blp.route("/producers/<int:producer_id>/logo", methods=["DELETE"])
@permissions.require("catalog.edit")
@blp.response(204)
def delete_logo(producer_id: int) -> None:
    """Remove a producer's logo."""
    images_service.delete_producer_logo(
        extensions.session(), flask_login.current_user, producer_id, _root()
    )
