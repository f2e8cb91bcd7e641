"""Video studio on both databases: uploads probed and refused with nothing kept, the
ingest job, recipes validated with field paths, renders (done and cancelled), and the
one-click product video."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app import extensions
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from app.models import studio as media_models
from tests.support import catalog as builders
from tests.support import media as media_support
from tests.support import mp4

Role = accounts.Role
TINY = (180, 320)  # 9:16, small enough for fast renders


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _post_file(client: Any, headers: dict[str, str], path: Path, role: str, name: str) -> Any:
    with path.open("rb") as handle:
        return client.post(
            "/api/v1/studio/assets",
            data={"file": (io.BytesIO(handle.read()), name), "role": role},
            headers=headers,
            content_type="multipart/form-data",
        )


def _run(app: Any, job_id: int) -> jobs_service.JobStatus | None:
    with app.app_context():
        return jobs_service.run(extensions.db.session, registry.current(), job_id)


def _ready_asset(app: Any, client: Any, headers: dict[str, str], path: Path, role: str) -> int:
    response = _post_file(client, headers, path, role, path.name)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert _run(app, body["job"]["id"]) == jobs_service.JobStatus.SUCCEEDED
    return int(body["asset"]["id"])


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    photo = media_support.make_image(tmp_path / "photo.png", (64, 48))
    renamed = tmp_path / "renamed.mp4"
    renamed.write_bytes(photo.read_bytes())
    text = tmp_path / "notes.mp4"
    text.write_text("Đây không phải là video.\n" * 20, encoding="utf-8")
    whole = media_support.make_video(tmp_path / "whole.mp4", seconds=1.0, size=(160, 120))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    playlist = tmp_path / "list.mp4"
    playlist.write_text("#EXTM3U\n#EXTINF:10,\nhttp://example.com/clip.ts\n", encoding="utf-8")
    return {"renamed": renamed, "text": text, "truncated": truncated, "playlist": playlist}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("renamed", "không được hỗ trợ"),
        ("text", "Không nhận ra định dạng"),
        ("truncated", "bị hỏng"),
        ("playlist", "playlist"),
        ("too_long", "tối đa 1 giây"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason_and_nothing_kept(
    app, people, bearer, client, dispatch, tmp_path, bad, reason
) -> None:
    app.config["MEDIA_MAX_DURATION_S"] = 1
    if bad == "too_long":
        path = media_support.make_video(tmp_path / "long.mp4", seconds=2.5, size=(160, 120))
    else:
        path = _bad_files(tmp_path)[bad]
    response = _post_file(client, bearer[Role.SELLER], path, "footage", path.name)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert reason in error["fields"]["file"][0]
    assert _files_under(Path(app.config["MEDIA_ROOT"]) / "studio") == []
    with app.app_context():
        assert (
            extensions.db.session.scalar(sa.select(sa.func.count(media_models.MediaAsset.id))) == 0
        )
        assert extensions.db.session.scalar(sa.select(sa.func.count(jobs.Job.id))) == 0
    assert dispatch.sent == []


def test_producers_cannot_use_the_studio(app, people, bearer, client, dispatch, tmp_path) -> None:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.0, size=(160, 120))
    assert _post_file(client, bearer[Role.PRODUCER], clip, "footage", "clip.mp4").status_code == 403


def test_good_clip_is_ingested_with_proxy_and_analysis(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.5, size=(320, 240))
    response = _post_file(client, bearer[Role.SELLER], clip, "footage", "Clip của tôi.mp4")
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["asset"]["status"] == "processing"
    assert body["asset"]["kind"] == "video"
    assert dispatch.sent == [(body["job"]["id"], "default")]
    assert _run(app, body["job"]["id"]) == jobs_service.JobStatus.SUCCEEDED

    asset = client.get(
        f"/api/v1/studio/assets/{body['asset']['id']}", headers=bearer[Role.SELLER]
    ).get_json()
    assert asset["status"] == "ready"
    assert asset["has_proxy"] is True
    assert asset["analysis"]["version"] == 1
    assert asset["analysis"]["duration"] == pytest.approx(1.5, abs=0.1)
    assert asset["duration"] == pytest.approx(1.5, abs=0.1)
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        row = extensions.db.session.get(media_models.MediaAsset, asset["id"])
        assert row.upload_path is None
        assert (root / row.master_path).is_file() and (root / row.proxy_path).is_file()
    assert _files_under(root / "studio" / "uploads") == []
    assert _files_under(root / "studio" / "tmp") == []


def _recipe(clip_id: int, **extra: Any) -> dict[str, Any]:
    recipe: dict[str, Any] = {
        "version": 1,
        "profile": "shorts",
        "clips": [{"kind": "video", "asset": str(clip_id), "in": 0.0, "out": 1.5}],
        "captions": [{"text": "Nước mắm Trà Cổ", "start": 0.2, "end": 1.2}],
    }
    recipe.update(extra)
    return recipe


def test_recipe_with_a_bad_field_answers_422_with_its_path(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.5, size=(320, 240))
    clip_id = _ready_asset(app, client, bearer[Role.SELLER], clip, "footage")
    bad = _recipe(clip_id)
    bad["clips"][0]["out"] = 9.0  # past the end of a 1.5 s clip
    bad["captions"][0]["style"] = {"color": "red"}
    response = client.post(
        "/api/v1/studio/videos",
        json={"title": "Thử", "recipe": bad},
        headers=bearer[Role.SELLER],
    )
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert any(key.startswith("clips[0]") for key in fields), fields
    assert any(key.startswith("captions[0].style") for key in fields), fields
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(media_models.Video.id))) == 0


def _video(app: Any, client: Any, headers: dict[str, str], tmp_path: Path) -> int:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.5, size=(320, 240))
    clip_id = _ready_asset(app, client, headers, clip, "footage")
    response = client.post(
        "/api/v1/studio/videos", json={"title": "Video thử", "recipe": _recipe(clip_id)},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@pytest.fixture
def tiny_video(app, bearer, client, dispatch, tmp_path) -> tuple[dict[str, str], int]:
    """A seller's video of a 1.5 s clip, rendered at the tiny test size: (headers, video id)."""
    app.config["STUDIO_RENDER_SIZE"] = TINY
    headers = bearer[Role.SELLER]
    return headers, _video(app, client, headers, tmp_path)


def _render(client: Any, headers: dict[str, str], video_id: int, profile: str) -> Any:
    """Ask for a render of the video on a profile."""
    return client.post(
        f"/api/v1/studio/videos/{video_id}/renders", json={"profile": profile}, headers=headers
    )


def test_render_job_publishes_an_h264_aac_mp4(app, client, dispatch, tmp_path, tiny_video) -> None:
    headers, video_id = tiny_video
    response = _render(client, headers, video_id, "shorts")
    assert response.status_code == 202, response.get_json()
    render_id, job_id = response.get_json()["render"]["id"], response.get_json()["job"]["id"]
    assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED

    render = client.get(f"/api/v1/studio/renders/{render_id}", headers=headers).get_json()
    assert render["status"] == "done"
    assert render["progress"] == 100
    download = client.get(f"/api/v1/studio/renders/{render_id}/download", headers=headers)
    assert download.status_code == 200
    assert download.mimetype == "video/mp4"
    out = tmp_path / "out.mp4"
    out.write_bytes(download.data)
    download.close()
    found = mp4.streams(out)
    assert (found.video_codec, found.size) == ("h264", TINY)
    assert (found.audio_codec, found.sample_rate) == ("aac", 48000)
    assert found.seconds == pytest.approx(1.5, abs=0.15)
    root = Path(app.config["MEDIA_ROOT"])
    assert (root / "studio" / "renders" / f"{render_id}.jpg").is_file()
    assert _files_under(root / "studio" / "work") == []


def test_profile_limits_are_checked_before_a_render(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    headers = bearer[Role.SELLER]
    video_id = _video(app, client, headers, tmp_path)
    response = _render(client, headers, video_id, "shopee")  # Shopee Video needs at least 10 s
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(media_models.Render.id))) == 0


def test_cancelled_render_ends_cancelled_with_no_output(app, client, dispatch, tiny_video) -> None:
    headers, video_id = tiny_video
    body = _render(client, headers, video_id, "shorts").get_json()
    with app.app_context():
        # Asked to stop after the worker took it: the flag is set, the job not yet ended.
        job = extensions.db.session.get(jobs.Job, body["job"]["id"])
        job.cancel_requested = True
        extensions.db.session.commit()
    assert _run(app, body["job"]["id"]) == jobs_service.JobStatus.CANCELLED
    render = client.get(f"/api/v1/studio/renders/{body['render']['id']}", headers=headers)
    assert render.get_json()["status"] == "cancelled"
    root = Path(app.config["MEDIA_ROOT"])
    assert _files_under(root / "studio" / "renders") == []
    assert _files_under(root / "studio" / "work") == []
    missing = client.get(f"/api/v1/studio/renders/{body['render']['id']}/download", headers=headers)
    assert missing.status_code == 404


def test_quick_product_video_is_a_valid_recipe_from_the_photos(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    headers = bearer[Role.SELLER]
    product_id = builders.make_product(
        app,
        people.username(Role.SELLER),
        builders.product_data(
            people.producer_id,
            description="Ủ chượp 12 tháng trong thùng gỗ. Vị đậm, hậu ngọt. Không chất bảo quản.",
        ),
    )
    for number in range(2):
        photo = media_support.make_image(tmp_path / f"p{number}.jpg", (400, 300))
        added = client.post(
            f"/api/v1/products/{product_id}/images",
            data={"image": (io.BytesIO(photo.read_bytes()), photo.name)},
            headers=headers,
            content_type="multipart/form-data",
        )
        assert added.status_code in (200, 201), added.get_json()
    response = client.post(
        f"/api/v1/studio/products/{product_id}/quick-video", json={}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    video = response.get_json()
    recipe = video["recipe"]
    assert video["product_id"] == product_id
    assert [clip["kind"] for clip in recipe["clips"]] == ["photo", "photo"]
    assert sum(clip["duration"] for clip in recipe["clips"]) + recipe["outro"]["duration"] == (
        pytest.approx(15.0)
    )
    assert recipe["badge"]["price_dong"] == 95_000
    assert recipe["captions"]
    gallery = client.get(f"/api/v1/studio/videos?product_id={product_id}", headers=headers)
    assert [item["id"] for item in gallery.get_json()] == [video["id"]]
    # The recipe is valid for a render on the profile (422 otherwise) and the assets exist.
    again = client.post(
        f"/api/v1/studio/products/{product_id}/quick-video", json={}, headers=headers
    )
    assert again.get_json()["recipe"]["clips"][0]["asset"] == recipe["clips"][0]["asset"]

    app.config["STUDIO_RENDER_SIZE"] = TINY
    started = _render(client, headers, video["id"], "tiktok")
    assert started.status_code == 202, started.get_json()
    assert _run(app, started.get_json()["job"]["id"]) == jobs_service.JobStatus.SUCCEEDED
    render = client.get(
        f"/api/v1/studio/renders/{started.get_json()['render']['id']}", headers=headers
    ).get_json()
    assert render["status"] == "done"
    assert render["duration"] == pytest.approx(15.0, abs=0.2)


def test_openapi_documents_the_studio(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/studio/assets",
        "/api/v1/studio/videos/{video_id}/renders",
        "/api/v1/studio/renders/{render_id}/download",
        "/api/v1/studio/products/{product_id}/quick-video",
    ):
        assert path in spec["paths"], path
        for operation in spec["paths"][path].values():
            if isinstance(operation, dict) and "responses" in operation:
                assert "default" in operation["responses"]
    # The recipe is documented field by field from media.recipe's schema, not as an opaque object.
    recipe = spec["components"]["schemas"]["Recipe"]
    assert recipe["required"] == ["version", "clips"]
    assert recipe["properties"]["clips"]["maxItems"] == 50
    video_clip, photo_clip = recipe["properties"]["clips"]["items"]["oneOf"]
    assert (
        video_clip["properties"]["speed"]["minimum"],
        video_clip["properties"]["speed"]["maximum"],
    ) == (0.5, 2.0)
    assert video_clip["properties"]["crop"]["properties"]["mode"]["enum"] == [
        "center",
        "smart",
        "manual",
        "fit_blur",
    ]
    assert photo_clip["properties"]["kind"]["enum"] == ["photo"]
    assert recipe["properties"]["badge"]["properties"]["stars"] == {
        "type": "integer",
        "minimum": 3,
        "maximum": 5,
        "nullable": True,
        "description": "OCOP stars (a valid certificate's).",
    }
    ref = {"$ref": "#/components/schemas/Recipe"}
    for name in ("Video", "VideoCreate", "VideoUpdate"):
        assert spec["components"]["schemas"][name]["properties"]["recipe"]["allOf"] == [ref], name


def test_failed_ingest_marks_the_asset_failed_and_removes_its_files(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.0, size=(160, 120))
    body = _post_file(client, bearer[Role.SELLER], clip, "footage", "clip.mp4").get_json()
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        row = extensions.db.session.get(media_models.MediaAsset, body["asset"]["id"])
        stored = root / row.upload_path
    stored.write_bytes(stored.read_bytes()[:2000])  # damaged on disk after the probe
    assert _run(app, body["job"]["id"]) == jobs_service.JobStatus.FAILED
    asset = client.get(
        f"/api/v1/studio/assets/{body['asset']['id']}", headers=bearer[Role.SELLER]
    ).get_json()
    assert asset["status"] == "failed"
    assert asset["error"].startswith("Không xử lý được tệp")
    assert _files_under(root / "studio") == []


def test_template_applied_to_another_product_takes_its_values(
    app, people, bearer, client, dispatch, tmp_path
) -> None:
    headers = bearer[Role.SELLER]
    clip = media_support.make_video(tmp_path / "clip.mp4", seconds=1.5, size=(320, 240))
    clip_id = _ready_asset(app, client, headers, clip, "footage")
    recipe = _recipe(clip_id, badge={"stars": 3, "price_dong": 10_000, "label": "OCOP"})
    recipe["captions"][0]["text"] = "{name} chỉ {price}"
    video = client.post(
        "/api/v1/studio/videos", json={"title": "Mẫu", "recipe": recipe}, headers=headers
    ).get_json()
    template = client.post(
        f"/api/v1/studio/videos/{video['id']}/template", json={"title": "Mẫu giá"}, headers=headers
    )
    assert template.status_code == 201, template.get_json()
    assert template.get_json()["is_template"] is True
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    applied = client.post(
        f"/api/v1/studio/templates/{template.get_json()['id']}/apply",
        json={"product_id": product_id},
        headers=headers,
    )
    assert applied.status_code == 201, applied.get_json()
    made = applied.get_json()
    assert made["product_id"] == product_id and made["is_template"] is False
    assert made["recipe"]["captions"][0]["text"].startswith("Nước mắm cá cơm Trà Cổ chỉ 95")
    assert made["recipe"]["badge"]["price_dong"] == 95_000
    listed = client.get("/api/v1/studio/videos?templates=true", headers=headers).get_json()
    assert [item["title"] for item in listed] == ["Mẫu giá"]
