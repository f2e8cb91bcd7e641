"""Uploading, ordering and deleting product images and producer logos (of the products and
producers the user may edit: another club's answer 404 before any form is read)."""

from __future__ import annotations

import pathlib

import flask
import flask_login
import flask_wtf
import flask_wtf.file
import werkzeug
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.core import errors, permissions
from app.http import forms
from app.producers import service as producers_service

bp = flask.Blueprint("images", __name__, template_folder="templates")

# A first filter by name so the browser user hears about a wrong file at once; the
# service decides by content (a renamed file passes here and is refused there).
EXTENSIONS = ("jpg", "jpeg", "png", "webp")
WRONG_TYPE = _l("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")


class ProductImagesForm(forms.Form):
    images = flask_wtf.file.MultipleFileField(
        _l("Ảnh sản phẩm"),
        validators=[
            flask_wtf.file.FileRequired(_l("Hãy chọn ít nhất một ảnh.")),
            flask_wtf.file.FileAllowed(EXTENSIONS, WRONG_TYPE),
        ],
    )


class LogoForm(forms.Form):
    logo = flask_wtf.file.FileField(
        _l("Logo"),
        validators=[
            flask_wtf.file.FileRequired(_l("Hãy chọn một ảnh logo.")),
            flask_wtf.file.FileAllowed(EXTENSIONS, WRONG_TYPE),
        ],
    )


@bp.app_context_processor
def _image_limits() -> dict[str, object]:
    """Limits the upload forms (catalog/_images.html, producers/_logo.html) tell users."""
    return {
        "image_limits": {
            "max_mb": images_service.MAX_BYTES // (1024 * 1024),
            "image_px": images_service.IMAGE_SIZE,
            "logo_px": images_service.LOGO_SIZE,
        }
    }


def _root() -> pathlib.Path:
    return images_service.media_root(flask.current_app.config)


def _check_product(product_id: int) -> None:
    """404 for a product out of the user's scope, 403 when only readable."""
    catalog_service.editable_product(extensions.session(), flask_login.current_user, product_id)


def _check_producer(producer_id: int) -> None:
    producers_service.editable(extensions.session(), flask_login.current_user, producer_id)


def _product_page(product_id: int) -> werkzeug.Response:
    return flask.redirect(
        flask.url_for("catalog.product_detail", product_id=product_id, _anchor="images")
    )


def _producer_page(producer_id: int) -> werkzeug.Response:
    return flask.redirect(
        flask.url_for("producers.detail", producer_id=producer_id, _anchor="logo")
    )


def _flash_form_errors(form: flask_wtf.FlaskForm) -> None:
    messages = [message for field_errors in form.errors.values() for message in field_errors]
    for message in messages or [_("Biểu mẫu không hợp lệ, hãy thử lại.")]:
        flask.flash(str(message), "error")


def _flash_refusal(error: errors.ValidationError, filename: str | None) -> None:
    for messages in error.fields.values():
        for message in messages:
            shown = _("%(file)s: %(message)s", file=filename, message=message)
            flask.flash(shown if filename else message, "error")


@bp.route("/catalog/products/<int:product_id>/images", methods=["POST"])
@permissions.require("catalog.edit")
def upload_product_images(product_id: int) -> werkzeug.Response:
    """Add one or more photos; each is checked on its own and refused ones are named."""
    _check_product(product_id)
    form = ProductImagesForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _product_page(product_id)
    added = 0
    for upload in form.images.data:
        try:
            images_service.add_product_image(
                extensions.session(), flask_login.current_user, product_id, upload, _root()
            )
        except errors.ValidationError as exc:
            _flash_refusal(exc, upload.filename)
        else:
            added += 1
    if added:
        flask.flash(_("Đã thêm %(n)d ảnh.", n=added), "success")
    return _product_page(product_id)


@bp.route("/catalog/products/<int:product_id>/images/<int:image_id>/delete", methods=["POST"])
@permissions.require("catalog.edit")
def delete_product_image(product_id: int, image_id: int) -> werkzeug.Response:
    _check_product(product_id)
    if not forms.EmptyForm().validate_on_submit():
        flask.flash(_("Biểu mẫu không hợp lệ, hãy thử lại."), "error")
        return _product_page(product_id)
    images_service.delete_product_image(
        extensions.session(), flask_login.current_user, product_id, image_id, _root()
    )
    flask.flash(_("Đã xoá ảnh."), "success")
    return _product_page(product_id)


@bp.route("/catalog/products/<int:product_id>/images/<int:image_id>/cover", methods=["POST"])
@permissions.require("catalog.edit")
def set_cover(product_id: int, image_id: int) -> werkzeug.Response:
    _check_product(product_id)
    if not forms.EmptyForm().validate_on_submit():
        flask.flash(_("Biểu mẫu không hợp lệ, hãy thử lại."), "error")
        return _product_page(product_id)
    images_service.set_cover(extensions.session(), flask_login.current_user, product_id, image_id)
    flask.flash(_("Đã đặt làm ảnh bìa."), "success")
    return _product_page(product_id)


@bp.route("/producers/<int:producer_id>/logo", methods=["POST"])
@permissions.require("catalog.edit")
def upload_logo(producer_id: int) -> werkzeug.Response:
    _check_producer(producer_id)
    form = LogoForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _producer_page(producer_id)
    try:
        images_service.set_producer_logo(
            extensions.session(), flask_login.current_user, producer_id, form.logo.data, _root()
        )
    except errors.ValidationError as exc:
        _flash_refusal(exc, form.logo.data.filename)
    else:
        flask.flash(_("Đã cập nhật logo."), "success")
    return _producer_page(producer_id)


@bp.route("/producers/<int:producer_id>/logo/delete", methods=["POST"])
@permissions.require("catalog.edit")
def delete_logo(producer_id: int) -> werkzeug.Response:
    _check_producer(producer_id)
    if not forms.EmptyForm().validate_on_submit():
        flask.flash(_("Biểu mẫu không hợp lệ, hãy thử lại."), "error")
        return _producer_page(producer_id)
    images_service.delete_producer_logo(
        extensions.session(), flask_login.current_user, producer_id, _root()
    )
    flask.flash(_("Đã xoá logo."), "success")
    return _producer_page(producer_id)
