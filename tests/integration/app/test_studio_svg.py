"""An SVG uploaded to the studio is refused as a vector image (not as a playlist, as its
namespace URL once made it look), with nothing kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import extensions
from app.models import accounts
from app.models import studio as media_models
from tests.integration.app import test_studio

SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    '<rect width="64" height="64" fill="red"/></svg>\n'
)


@pytest.mark.parametrize("role", ["photo", "logo", "footage"])
def test_svg_upload_says_vector_images_are_not_supported(
    app, people, bearer, client, dispatch, role: str
) -> None:
    response = client.post(
        "/api/v1/studio/assets",
        data={"file": (io.BytesIO(SVG.encode()), "logo.svg"), "role": role},
        headers=bearer[accounts.Role.SELLER],
        content_type="multipart/form-data",
    )

    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["fields"]["file"][0]
    assert "SVG" in message and "PNG, JPEG hoặc WebP" in message
    assert "playlist" not in message
    assert test_studio._files_under(Path(app.config["MEDIA_ROOT"]) / "studio") == []
    with app.app_context():
        count = sa.select(sa.func.count(media_models.MediaAsset.id))
        assert extensions.db.session.scalar(count) == 0
    assert dispatch.sent == []
