"""Product images and producer logos API."""

from __future__ import annotations

import flask_smorest

blp = flask_smorest.Blueprint(
    "images_api", __name__, url_prefix="/api/v1", description="Ảnh sản phẩm và logo"
)
