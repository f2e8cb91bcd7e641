"""Video studio pages through the test client, on both databases: the gallery, uploads
refused with the probe's reason (nothing kept) or accepted, the asset page and its files,
editor errors shown next to the right inputs, rendering as a job, downloads, permissions."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import config, extensions
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from app.models import studio as media_models
from media import recipe as recipe_mod
from tests import conftest
from tests.support import catalog as builders
from tests.support import media as media_support

Role = accounts.Role
TINY = (180, 320)


@pytest.fixture
def seller(auth: conftest.Auth, people: conftest.People) -> conftest.Auth:
    assert auth.login(people.username(Role.SELLER)).status_code == 302
    return auth


def _count(app: flask.Flask, model: Any) -> int:
    with app.app_context():
        return int(extensions.db.session.scalar(sa.select(sa.func.count(model.id))) or 0)


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _run(app: flask.Flask, job_id: int) -> jobs_service.JobStatus | None:
    with app.app_context():
        return jobs_service.run(extensions.db.session, registry.current(), job_id)


def _upload(client: Any, path: Path, role: str = "footage", name: str | None = None) -> Any:
    return client.post(
        "/studio/assets/new",
        data={
            "file": (io.BytesIO(path.read_bytes()), name or path.name),
            "role": role,
            "product_id": "",
        },
        content_type="multipart/form-data",
    )


def _ready_clip(app: flask.Flask, client: Any, tmp_path: Path, seconds: float = 1.5) -> int:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=seconds, size=(320, 240))
    response = _upload(client, clip)
    assert response.status_code == 302, response.get_data(as_text=True)
    asset_id = int(response.location.rsplit("/", 1)[-1])
    with app.app_context():
        job_id = extensions.db.session.get(media_models.MediaAsset, asset_id).job_id
    assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED
    return asset_id


def _editor_data(clip_id: int, **overrides: str) -> dict[str, str]:
    data = {
        "title": "Nước mắm Trà Cổ 9:16",
        "product_id": "",
        "profile": "shorts",
        "clips-0-kind": "video",
        "clips-0-asset": "",  # an empty first row is skipped
        "clips-1-kind": "video",
        "clips-1-asset": str(clip_id),
        "clips-1-in_": "0",
        "clips-1-out": "1,5",
        "clips-1-speed": "1",
        "clips-1-crop_mode": "center",
        "clips-1-motion": "zoom_in",
        "captions-0-text": "Đặc sản Quảng Ninh",
        "captions-0-start": "0.2",
        "captions-0-end": "1.2",
        "captions-0-preset": "bottom",
        "logo_position": "tr",
        "badge_label": "OCOP",
        "music_volume": "0.5",
        "music_start": "0",
    }
    data.update(overrides)
    return data


def _field_errors(html: str, name: str) -> list[str]:
    pattern = rf'<p class="field-error" data-field="{re.escape(name)}">([^<]*)</p>'
    return re.findall(pattern, html)


# --- gallery --------------------------------------------------------------------------------


def test_gallery_empty_state_then_pages_and_product_filter(
    app: flask.Flask, people: conftest.People, seller: conftest.Auth, client: Any
) -> None:
    page = client.get("/studio/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="no-videos"' in html and "/studio/assets/new" in html
    assert 'data-testid="nav-studio"' in html

    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    with app.app_context():
        for number in range(14):
            extensions.db.session.add(
                media_models.Video(
                    club_id=people.club_id,
                    title=f"Video số {number:02d}",
                    product_id=product_id if number < 3 else None,
                    recipe={"version": 1, "profile": "tiktok", "clips": []},
                )
            )
        extensions.db.session.add(
            media_models.Video(club_id=people.club_id, title="Mẫu ẩn", recipe={}, is_template=True)
        )
        extensions.db.session.commit()

    first = client.get("/studio/").get_data(as_text=True)
    second = client.get("/studio/?page=2").get_data(as_text=True)
    assert first.count('data-testid="video"') == 12
    assert second.count('data-testid="video"') == 2
    assert "Mẫu ẩn" not in first + second
    assert "Trang 1 / 2" in first

    mine = client.get(f"/studio/?product={product_id}").get_data(as_text=True)
    assert mine.count('data-testid="video"') == 3
    assert 'data-testid="quick-video"' in mine
    assert client.get("/studio/?product=987654").status_code == 404
    detail = client.get(f"/catalog/products/{product_id}").get_data(as_text=True)
    assert f"/studio/?product={product_id}" in detail


# --- uploads and the asset page ----------------------------------------------------------------


def test_refused_upload_shows_the_reason_and_keeps_nothing(
    app: flask.Flask, seller: conftest.Auth, client: Any, dispatch: Any, tmp_path: Path
) -> None:
    photo = media_support.make_image(tmp_path / "photo.png", (64, 48))
    response = _upload(client, photo, name="renamed.mp4")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    reasons = _field_errors(html, "file")
    assert reasons and "không được hỗ trợ" in reasons[0]
    assert _files_under(Path(app.config["MEDIA_ROOT"]) / "studio") == []
    assert _count(app, media_models.MediaAsset) == 0
    assert _count(app, jobs.Job) == 0
    assert dispatch.sent == []


def test_accepted_upload_leads_to_the_asset_page_with_preview_and_analysis(
    app: flask.Flask, seller: conftest.Auth, client: Any, dispatch: Any, tmp_path: Path
) -> None:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.5, size=(320, 240))
    response = _upload(client, clip, name="Clip của tôi.mp4")
    assert response.status_code == 302
    assert re.search(r"/studio/assets/\d+$", response.location)
    processing = client.get(response.location).get_data(as_text=True)
    assert 'data-status="processing"' in processing
    assert "/api/v1/studio/assets/" in processing  # the page polls the API

    asset_id = int(response.location.rsplit("/", 1)[-1])
    with app.app_context():
        job_id = extensions.db.session.get(media_models.MediaAsset, asset_id).job_id
    assert dispatch.sent == [(job_id, "default")]
    assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED

    ready = client.get(response.location).get_data(as_text=True)
    assert 'data-status="ready"' in ready
    assert "Clip của tôi.mp4" in ready
    assert "320×240" in ready and "h264" in ready
    assert 'data-testid="proxy-preview"' in ready
    assert 'data-testid="scene-cuts"' in ready and 'data-testid="thumbnails"' in ready
    assert 'data-testid="smart-crop"' in ready

    proxy = client.get(f"/studio/assets/{asset_id}/files/proxy")
    assert proxy.status_code == 200 and proxy.mimetype == "video/mp4"
    assert proxy.data[4:8] == b"ftyp"
    proxy.close()
    poster = client.get(f"/studio/assets/{asset_id}/files/poster")
    assert poster.status_code == 200 and poster.data[:2] == b"\xff\xd8"
    poster.close()
    assert client.get(f"/studio/assets/{asset_id}/files/master").status_code == 404
    assert client.get(f"/studio/assets/{asset_id}/files/..").status_code == 404
    assert client.get(f"/studio/assets/{asset_id}/files/%2e%2e%2fapp.db").status_code == 404

    listing = client.get("/studio/assets").get_data(as_text=True)
    assert f'data-asset-id="{asset_id}"' in listing


def test_a_stored_path_leading_outside_the_studio_folder_is_refused(
    app: flask.Flask, seller: conftest.Auth, client: Any, dispatch: Any, tmp_path: Path
) -> None:
    asset_id = _ready_clip(app, client, tmp_path)
    secret = Path(app.config["MEDIA_ROOT"]) / "secret.jpg"
    secret.write_bytes(b"\xff\xd8 not for you")
    with app.app_context():
        asset = extensions.db.session.get(media_models.MediaAsset, asset_id)
        asset.poster_path = "studio/../secret.jpg"
        extensions.db.session.commit()
    assert client.get(f"/studio/assets/{asset_id}/files/poster").status_code == 404


# --- editor -----------------------------------------------------------------------------------


def test_editor_shows_each_recipe_error_next_to_its_input(
    app: flask.Flask, seller: conftest.Auth, client: Any, dispatch: Any, tmp_path: Path
) -> None:
    clip_id = _ready_clip(app, client, tmp_path)
    form = client.get("/studio/videos/new").get_data(as_text=True)
    assert 'id="clip-template"' in form and "clips-__i__-asset" in form
    assert f'<option value="{clip_id}">' in form

    bad = _editor_data(
        clip_id,
        **{"clips-1-out": "9", "captions-0-color": "đỏ", "clips-1-speed": "nhanh"},
    )
    response = client.post("/studio/videos/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # The first clip of the recipe is the form's second row (the first was empty).
    # media/'s English wording, said in Vietnamese by app/services/studio/messages.py
    assert any("Vượt quá cuối đoạn video" in e for e in _field_errors(html, "clips-1-out"))
    assert _field_errors(html, "clips-1-speed") == ["Phải là một số."]
    assert any("#FFCC00" in e for e in _field_errors(html, "captions-0-color"))
    assert 'value="Đặc sản Quảng Ninh"' in html  # what was typed is kept
    assert _count(app, media_models.Video) == 0

    no_clip = client.post("/studio/videos/new", data=_editor_data(clip_id, **{"clips-1-asset": ""}))
    assert no_clip.status_code == 422
    assert _field_errors(no_clip.get_data(as_text=True), "clips")


def test_editor_saves_then_render_button_starts_the_job_and_download_works(
    app: flask.Flask, seller: conftest.Auth, client: Any, dispatch: Any, tmp_path: Path
) -> None:
    app.config["STUDIO_RENDER_SIZE"] = TINY
    clip_id = _ready_clip(app, client, tmp_path)
    saved = client.post("/studio/videos/new", data=_editor_data(clip_id))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    video_url = saved.location
    video_id = int(video_url.rsplit("/", 1)[-1])
    with app.app_context():
        video = extensions.db.session.get(media_models.Video, video_id)
        assert video.recipe["clips"][0]["out"] == 1.5
        assert video.recipe["captions"][0]["text"] == "Đặc sản Quảng Ninh"

    edit = client.get(f"/studio/videos/{video_id}/edit").get_data(as_text=True)
    assert 'name="clips-0-asset"' in edit and 'value="Đặc sản Quảng Ninh"' in edit
    assert 'data-testid="recipe-json"' in edit

    # Shopee Video needs at least 10 s: the page says so and no render is made.
    refused = client.post(f"/studio/videos/{video_id}/render", data={"profile": "shopee"})
    assert refused.status_code == 422
    assert "Shopee Video cần video dài ít nhất 10 giây" in refused.get_data(as_text=True)
    assert _count(app, media_models.Render) == 0

    started = client.post(f"/studio/videos/{video_id}/render", data={"profile": "shorts"})
    assert started.status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)$", started.location).group(1))
    assert (job_id, "default") in dispatch.sent
    with app.app_context():
        render = extensions.db.session.scalar(sa.select(media_models.Render))
        assert render.job_id == job_id and render.profile == "shorts"
        render_id = render.id
    assert client.get(started.location).status_code == 200
    running = client.get(video_url).get_data(as_text=True)
    assert 'data-testid="cancel-render"' in running
    assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED

    page = client.get(video_url).get_data(as_text=True)
    assert f'data-render-id="{render_id}" data-status="done"' in page
    assert f"/studio/renders/{render_id}/download" in page
    assert 'data-testid="render-preview"' in page

    download = client.get(f"/studio/renders/{render_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "video/mp4"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert f"video-{video_id}-shorts-{render_id}.mp4" in download.headers["Content-Disposition"]
    assert download.data[4:8] == b"ftyp"
    download.close()
    thumb = client.get(f"/studio/renders/{render_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()
    assert client.get("/studio/renders/987654/download").status_code == 404
    gallery = client.get("/studio/").get_data(as_text=True)
    assert f"/studio/renders/{render_id}/thumbnail" in gallery

    # A draft may break its platform's limits; the editor says which before a render.
    moved = client.post(
        f"/studio/videos/{video_id}/edit", data=_editor_data(clip_id, profile="shopee")
    )
    assert moved.status_code == 302
    editor = client.get(f"/studio/videos/{video_id}/edit").get_data(as_text=True)
    assert 'data-testid="limit-problems"' in editor
    assert "Shopee Video cần video dài ít nhất 10 giây" in editor


def test_each_request_and_job_parses_the_recipe_once(
    app: flask.Flask,
    seller: conftest.Auth,
    client: Any,
    dispatch: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Save, editor (its limits), video page, render start and the render job each parse the
    recipe once and pass the object on (compile takes it; nothing parses it again)."""
    app.config["STUDIO_RENDER_SIZE"] = TINY
    clip_id = _ready_clip(app, client, tmp_path)
    parses: list[Any] = []
    real_parse = recipe_mod.parse

    def counted_parse(*args: Any, **kwargs: Any) -> recipe_mod.Recipe:
        parses.append(args[0])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(recipe_mod, "parse", counted_parse)

    def parse_count(step: Any) -> int:
        parses.clear()
        step()
        return len(parses)

    responses: dict[str, Any] = {}

    def save() -> None:
        responses["saved"] = client.post("/studio/videos/new", data=_editor_data(clip_id))

    assert parse_count(save) == 1
    assert responses["saved"].status_code == 302
    video_url = responses["saved"].location
    video_id = int(video_url.rsplit("/", 1)[-1])

    def editor() -> None:
        assert client.get(f"/studio/videos/{video_id}/edit").status_code == 200

    def video_page() -> None:
        assert client.get(video_url).status_code == 200

    def start() -> None:
        responses["started"] = client.post(
            f"/studio/videos/{video_id}/render", data={"profile": "shorts"}
        )

    assert parse_count(editor) == 1
    assert parse_count(video_page) == 1
    assert parse_count(start) == 1
    assert responses["started"].status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)$", responses["started"].location).group(1))

    def job() -> None:
        assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED

    assert parse_count(job) == 1


def test_quick_video_of_a_product_without_photos_says_why(
    app: flask.Flask, people: conftest.People, seller: conftest.Auth, client: Any
) -> None:
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    response = client.post(f"/studio/products/{product_id}/quick-video", data={"profile": "tiktok"})
    assert response.status_code == 302
    assert response.location.endswith(f"/studio/?product={product_id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Sản phẩm chưa có ảnh nào để làm video." in page
    assert _count(app, media_models.Video) == 0


def test_save_as_template_and_apply_it_to_a_product(
    app: flask.Flask,
    people: conftest.People,
    seller: conftest.Auth,
    client: Any,
    dispatch: Any,
    tmp_path: Path,
) -> None:
    clip_id = _ready_clip(app, client, tmp_path)
    video_id = int(
        client.post("/studio/videos/new", data=_editor_data(clip_id)).location.rsplit("/", 1)[-1]
    )
    kept = client.post(f"/studio/videos/{video_id}/template", data={"title": "Mẫu dọc"})
    assert kept.status_code == 302
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    tools = client.get(f"/studio/?product={product_id}").get_data(as_text=True)
    assert "Mẫu dọc" in tools
    with app.app_context():
        template_id = extensions.db.session.scalar(
            sa.select(media_models.Video.id).where(media_models.Video.is_template.is_(True))
        )
    applied = client.post(
        "/studio/templates/apply", data={"template_id": template_id, "product_id": product_id}
    )
    assert applied.status_code == 302 and applied.location.endswith("/edit")
    mine = client.get(f"/studio/?product={product_id}").get_data(as_text=True)
    assert mine.count('data-testid="video"') == 1


# --- permissions and settings ----------------------------------------------------------------


def test_producers_get_403_and_no_nav_link(
    app: flask.Flask, people: conftest.People, auth: conftest.Auth, client: Any
) -> None:
    assert auth.login(people.username(Role.PRODUCER)).status_code == 302
    for url in ("/studio/", "/studio/assets", "/studio/assets/new", "/studio/videos/new"):
        assert client.get(url).status_code == 403, url
    assert client.post("/studio/assets/new", data={}).status_code == 403
    assert 'data-testid="nav-studio"' not in client.get("/dashboard").get_data(as_text=True)


def test_studio_render_size_is_read_from_the_environment() -> None:
    assert config._frame_size({"STUDIO_RENDER_SIZE": "270x480"}, "STUDIO_RENDER_SIZE") == (
        270,
        480,
    )
    assert config._frame_size({}, "STUDIO_RENDER_SIZE") is None
    for bad in ("270", "270x481", "abcxdef", "8x8"):
        with pytest.raises(config.ConfigError, match="STUDIO_RENDER_SIZE"):
            config._frame_size({"STUDIO_RENDER_SIZE": bad}, "STUDIO_RENDER_SIZE")
