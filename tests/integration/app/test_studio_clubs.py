"""The video studio and background jobs under the club scope, on both databases.

Club 2's seller uploads a photo and makes a video, a template and (straight in the database) a
finished render; club 1's seller reaches none of them by id (404 on every page, API path and
file route), never sees them in a list or a picker, cannot use club 2's template or asset in a
recipe, and never sees club 2's jobs. An admin sees every club; a user moved to another club
loses the old club's jobs.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import flask
import flask.testing
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import i18n
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from app.models import studio as media_models
from tests import conftest
from tests.integration.app import test_jobs
from tests.support import catalog as builders
from tests.support import clubs as clubs_support
from tests.support import media as media_support

Role = accounts.Role


@dataclasses.dataclass(frozen=True)
class Studio:
    """One club's studio rows (ids), the seller who made them and that seller's token."""

    seller: str
    headers: dict[str, str]
    product_id: int
    asset_id: int
    video_id: int
    template_id: int
    render_id: int
    job_id: int


def _run(app: flask.Flask, job_id: int) -> jobs_service.JobStatus | None:
    with app.app_context():
        return jobs_service.run(extensions.db.session, registry.current(), job_id)


def _photo_recipe(asset_id: int) -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "clips": [{"kind": "photo", "asset": str(asset_id), "duration": 2}],
        "captions": [],
    }


def _studio(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    tmp_path: Path,
    *,
    seller: str,
    producer_id: int,
    name: str,
) -> Studio:
    """Through the API as ``seller``: a product, a ready photo, a video and a template; then a
    finished render written straight to the database (with its files)."""
    headers = {"Authorization": f"Bearer {conftest.issue_token(app, seller)}"}
    product_id = builders.make_product(
        app, seller, builders.product_data(producer_id, name=f"Sản phẩm {name}", skus=(name,))
    )
    photo = media_support.make_image(tmp_path / f"{name}.jpg", (96, 160))
    uploaded = client.post(
        "/api/v1/studio/assets",
        data={"file": (io.BytesIO(photo.read_bytes()), f"anh-{name}.jpg"), "role": "photo"},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 202, uploaded.get_json()
    asset_id, job_id = uploaded.get_json()["asset"]["id"], uploaded.get_json()["job"]["id"]
    assert _run(app, job_id) == jobs_service.JobStatus.SUCCEEDED
    video = client.post(
        "/api/v1/studio/videos",
        json={
            "title": f"Video {name}",
            "product_id": product_id,
            "recipe": _photo_recipe(asset_id),
        },
        headers=headers,
    )
    assert video.status_code == 201, video.get_json()
    video_id = video.get_json()["id"]
    template = client.post(
        f"/api/v1/studio/videos/{video_id}/template", json={"title": f"Mẫu {name}"}, headers=headers
    )
    assert template.status_code == 201, template.get_json()
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        render = media_models.Render(
            video_id=video_id,
            profile="tiktok",
            status=media_models.RenderStatus.DONE,
            recipe=_photo_recipe(asset_id),
            output_path=f"studio/renders/{name}.mp4",
            thumbnail_path=f"studio/renders/{name}.jpg",
            duration=2.0,
            size_bytes=12,
        )
        extensions.db.session.add(render)
        extensions.db.session.commit()
        render_id = render.id
    for relative in (f"studio/renders/{name}.mp4", f"studio/renders/{name}.jpg"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(f"{name} file".encode())
    return Studio(
        seller=seller,
        headers=headers,
        product_id=product_id,
        asset_id=asset_id,
        video_id=video_id,
        template_id=template.get_json()["id"],
        render_id=render_id,
        job_id=job_id,
    )


@pytest.fixture
def two(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    client: flask.testing.FlaskClient,
    dispatch: test_jobs.FakeDispatch,
    tmp_path: Path,
) -> tuple[Studio, Studio]:
    """Club 1's studio (seller1, "MONGCAI") and club 2's (seller2, "HALONG")."""
    mine = _studio(
        app, client, tmp_path, seller=people.username(Role.SELLER),
        producer_id=people.producer_id, name="MONGCAI",
    )  # fmt: skip
    theirs = _studio(
        app, client, tmp_path, seller=other_club.seller,
        producer_id=other_club.producer_id, name="HALONG",
    )  # fmt: skip
    return mine, theirs


def _club_of(app: flask.Flask, model: Any, row_id: int) -> int | None:
    with app.app_context():
        return extensions.db.session.get(model, row_id).club_id


def _options(html: str, name: str) -> set[str]:
    """The option values of the page's select named ``name`` (it must be there)."""
    found = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None, f"no select {name}"
    return set(re.findall(r'<option[^>]*value="([^"]*)"', found.group(1)))


def _login(client: flask.testing.FlaskClient, username: str) -> None:
    reply = client.post("/auth/login", data={"username": username, "password": conftest.PASSWORD})
    assert reply.status_code == 302


# --- creation lands in the creator's club ----------------------------------------------------


def test_rows_and_their_jobs_belong_to_the_creators_club(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    for studio, club_id in ((mine, people.club_id), (theirs, other_club.club_id)):
        assert _club_of(app, media_models.MediaAsset, studio.asset_id) == club_id
        assert _club_of(app, media_models.Video, studio.video_id) == club_id
        assert _club_of(app, media_models.Video, studio.template_id) == club_id
        assert _club_of(app, jobs.Job, studio.job_id) == club_id


# --- by id: 404 ------------------------------------------------------------------------------


def test_other_clubs_studio_ids_answer_404_in_the_api(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    calls = [
        ("get", f"/api/v1/studio/assets/{theirs.asset_id}", None),
        ("get", f"/api/v1/studio/videos/{theirs.video_id}", None),
        ("put", f"/api/v1/studio/videos/{theirs.video_id}", {"title": "Ghi đè"}),
        ("post", f"/api/v1/studio/videos/{theirs.video_id}/template", {"title": "Sao chép"}),
        ("post", f"/api/v1/studio/videos/{theirs.video_id}/renders", {"profile": "tiktok"}),
        ("get", f"/api/v1/studio/renders/{theirs.render_id}", None),
        ("get", f"/api/v1/studio/renders/{theirs.render_id}/download", None),
        ("get", f"/api/v1/studio/videos/{theirs.template_id}", None),
        ("post", f"/api/v1/studio/products/{theirs.product_id}/quick-video", {}),
    ]
    for method, url, body in calls:
        # The owner reaches it (so the 404 is the scope, not a broken route)...
        if method == "get":
            with client.get(url, headers=theirs.headers) as owned:
                assert owned.status_code == 200, url
        # ...club 1's seller does not.
        reply = getattr(client, method)(url, headers=mine.headers, json=body)
        assert reply.status_code == 404, (url, reply.get_json())
        assert reply.get_json()["error"]["code"] == "not_found"
    applied = client.post(
        f"/api/v1/studio/templates/{theirs.template_id}/apply",
        json={"product_id": mine.product_id},
        headers=mine.headers,
    )
    assert applied.status_code == 404
    with app.app_context():
        title = extensions.db.session.get(media_models.Video, theirs.video_id).title
        assert title == "Video HALONG"  # the PUT changed nothing
        assert extensions.db.session.scalar(
            sa.select(sa.func.count(media_models.Render.id)).where(
                media_models.Render.video_id == theirs.video_id
            )
        ) == 1  # fmt: skip


def test_other_clubs_studio_ids_answer_404_on_pages_and_file_routes(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    gets = [
        f"/studio/assets/{theirs.asset_id}",
        f"/studio/assets/{theirs.asset_id}/files/proxy",
        f"/studio/videos/{theirs.video_id}",
        f"/studio/videos/{theirs.video_id}/edit",
        f"/studio/videos/{theirs.template_id}",
        f"/studio/renders/{theirs.render_id}/download",
        f"/studio/renders/{theirs.render_id}/video",
        f"/studio/renders/{theirs.render_id}/thumbnail",
        f"/studio/?product={theirs.product_id}",
        f"/studio/videos/new?product={theirs.product_id}",
    ]
    _login(client, theirs.seller)
    for url in gets:
        reply = client.get(url)
        assert reply.status_code == 200, url  # the owner's own
        reply.close()
    client.post("/auth/logout")
    _login(client, mine.seller)
    for url in [*gets, f"/studio/videos/new?asset={theirs.asset_id}"]:
        reply = client.get(url)
        assert reply.status_code == 404, url
        assert b"HALONG" not in reply.data, url
        reply.close()
    posts = [
        (f"/studio/videos/{theirs.video_id}/edit", {"title": "Ghi đè"}),
        (f"/studio/videos/{theirs.video_id}/render", {"profile": "tiktok"}),
        (f"/studio/videos/{theirs.video_id}/template", {"title": "Sao chép"}),
        (
            "/studio/templates/apply",
            {"template_id": theirs.template_id, "product_id": mine.product_id},
        ),
        (f"/studio/products/{theirs.product_id}/quick-video", {"profile": "tiktok"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    with app.app_context():
        videos = extensions.db.session.scalars(sa.select(media_models.Video.title)).all()
        assert sorted(videos) == sorted(
            ["Video MONGCAI", "Mẫu MONGCAI", "Video HALONG", "Mẫu HALONG"]
        )


# --- lists and pickers -----------------------------------------------------------------------


def test_lists_and_pickers_hold_only_the_own_clubs_rows(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    templates = client.get("/api/v1/studio/videos?templates=true", headers=mine.headers)
    assert [t["id"] for t in templates.get_json()] == [mine.template_id]
    gallery = client.get(
        f"/api/v1/studio/videos?product_id={theirs.product_id}", headers=mine.headers
    )
    assert gallery.get_json() == []
    assert client.get(
        f"/api/v1/studio/videos?product_id={theirs.product_id}", headers=theirs.headers
    ).get_json()[0]["id"] == theirs.video_id  # fmt: skip

    _login(client, people.username(Role.SELLER))
    pages = {
        "gallery": client.get("/studio/").get_data(as_text=True),
        "product tools": client.get(f"/studio/?product={mine.product_id}").get_data(as_text=True),
        "assets": client.get("/studio/assets").get_data(as_text=True),
        "upload": client.get("/studio/assets/new").get_data(as_text=True),
        "editor": client.get("/studio/videos/new").get_data(as_text=True),
        "edit": client.get(f"/studio/videos/{mine.video_id}/edit").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert "HALONG" not in html, name
    # Every picker offers the own club's rows only (and is not simply empty).
    assert _options(pages["gallery"], "product") == {"", str(mine.product_id)}
    assert _options(pages["upload"], "product_id") == {"", str(mine.product_id)}
    for name in ("editor", "edit"):
        assert _options(pages[name], "product_id") == {"", str(mine.product_id)}, name
        assert _options(pages[name], "clips-0-asset") == {"", str(mine.asset_id)}, name
        assert _options(pages[name], "clips-__i__-asset") == {"", str(mine.asset_id)}, name
        assert _options(pages[name], "logo_asset") == {"", str(mine.asset_id)}, name
    assert _options(pages["product tools"], "template_id") == {str(mine.template_id)}
    assert f'data-video-id="{mine.video_id}"' in pages["gallery"]
    assert "data-video-id" not in pages["gallery"].replace(f'data-video-id="{mine.video_id}"', "")
    assert f'data-asset-id="{mine.asset_id}"' in pages["assets"]
    assert pages["assets"].count("data-asset-id=") == 1


# --- recipes: another club's asset is unknown -------------------------------------------------


def test_a_recipe_with_another_clubs_asset_is_refused_at_save_and_at_render(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    dispatch: test_jobs.FakeDispatch,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    created = client.post(
        "/api/v1/studio/videos",
        json={"title": "Mượn ảnh", "recipe": _photo_recipe(theirs.asset_id)},
        headers=mine.headers,
    )
    assert created.status_code == 422, created.get_json()
    assert "clips[0].asset" in created.get_json()["error"]["fields"]
    updated = client.put(
        f"/api/v1/studio/videos/{mine.video_id}",
        json={"recipe": _photo_recipe(theirs.asset_id)},
        headers=mine.headers,
    )
    assert updated.status_code == 422
    assert "clips[0].asset" in updated.get_json()["error"]["fields"]
    # Another club's product cannot be attached either.
    wrong_product = client.post(
        "/api/v1/studio/videos",
        json={
            "title": "X",
            "product_id": theirs.product_id,
            "recipe": _photo_recipe(mine.asset_id),
        },
        headers=mine.headers,
    )
    assert wrong_product.status_code == 422
    assert "product_id" in wrong_product.get_json()["error"]["fields"]

    # A recipe that got another club's asset anyway (written straight to the database) is
    # refused when a render is asked for, and no render is made...
    with app.app_context():
        video = extensions.db.session.get(media_models.Video, mine.video_id)
        video.recipe = _photo_recipe(theirs.asset_id)
        extensions.db.session.commit()
    sent = len(dispatch.sent)
    refused = client.post(
        f"/api/v1/studio/videos/{mine.video_id}/renders",
        json={"profile": "tiktok"},
        headers=mine.headers,
    )
    assert refused.status_code == 422
    assert "clips[0].asset" in refused.get_json()["error"]["fields"]
    assert len(dispatch.sent) == sent
    # ...and a render job of club 1 that meets one fails without rendering.
    with app.app_context():
        session = extensions.db.session
        seller = conftest.user_named(people.username(Role.SELLER))
        render = media_models.Render(
            video_id=mine.video_id, profile="tiktok", recipe=_photo_recipe(theirs.asset_id)
        )
        session.add(render)
        session.commit()
        job = jobs_service.enqueue(
            session, registry.current(), kind="studio.render", params={"render_id": render.id},
            owner=seller, dispatch=test_jobs.FakeDispatch(), club_id=people.club_id,
        )  # fmt: skip
        render_id, job_id = render.id, job.id
    assert _run(app, job_id) == jobs_service.JobStatus.FAILED
    with app.app_context():
        failed = extensions.db.session.get(media_models.Render, render_id)
        assert failed.status == media_models.RenderStatus.FAILED
        assert failed.output_path is None
        assert "clips[0].asset" in failed.error
        stored = failed.error
    assert not (Path(app.config["MEDIA_ROOT"]) / "studio" / "renders" / f"{render_id}.mp4").exists()
    # The reason is kept as msgid + params: each reader gets it in their language.
    worded = {}
    for language in ("vi", "en"):
        with app.test_request_context():
            flask.session["lang"] = language
            worded[language] = i18n.stored_text(stored)
    assert worded["vi"].startswith("Công thức video có lỗi ở clips[0].asset: Không có tệp")
    assert worded["en"].startswith("The video recipe has a problem at clips[0].asset")
    assert "There is no file" in worded["en"]


def test_a_job_for_another_clubs_row_does_not_touch_it(
    app: flask.Flask,
    people: conftest.People,
    two: tuple[Studio, Studio],
) -> None:
    """The job row is the source of the club: a render job of club 1 naming club 2's render
    fails and leaves that render as it was."""
    _mine, theirs = two
    with app.app_context():
        seller = conftest.user_named(people.username(Role.SELLER))
        job = jobs_service.enqueue(
            extensions.db.session, registry.current(), kind="studio.render",
            params={"render_id": theirs.render_id}, owner=seller,
            dispatch=test_jobs.FakeDispatch(), club_id=people.club_id,
        )  # fmt: skip
        job_id = job.id
    assert _run(app, job_id) == jobs_service.JobStatus.FAILED
    with app.app_context():
        render = extensions.db.session.get(media_models.Render, theirs.render_id)
        assert render.status == media_models.RenderStatus.DONE
        assert render.output_path == "studio/renders/HALONG.mp4"


# --- jobs -------------------------------------------------------------------------------------


def test_other_clubs_jobs_are_invisible_and_admin_sees_every_job(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    listed = client.get("/api/v1/jobs?per_page=100", headers=mine.headers).get_json()
    assert [j["id"] for j in listed["items"]] == [mine.job_id]
    assert client.get(f"/api/v1/jobs/{theirs.job_id}", headers=mine.headers).status_code == 404
    cancel = client.post(f"/api/v1/jobs/{theirs.job_id}/cancel", headers=mine.headers)
    assert cancel.status_code == 404
    assert client.get(f"/api/v1/jobs/{theirs.job_id}", headers=theirs.headers).status_code == 200

    admin = client.get("/api/v1/jobs?per_page=100", headers=bearer[Role.ADMIN]).get_json()
    assert {mine.job_id, theirs.job_id} <= {j["id"] for j in admin["items"]}
    assert client.get(f"/api/v1/jobs/{theirs.job_id}", headers=bearer[Role.ADMIN]).status_code == (
        200
    )

    _login(client, people.username(Role.SELLER))
    page = client.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{mine.job_id}" in page and f"/jobs/{theirs.job_id}" not in page
    assert client.get(f"/jobs/{theirs.job_id}").status_code == 404
    assert client.post(f"/jobs/{theirs.job_id}/cancel").status_code == 404
    client.post("/auth/logout")
    _login(client, people.username(Role.ADMIN))
    assert f"/jobs/{theirs.job_id}" in client.get("/jobs/").get_data(as_text=True)
    assert client.get(f"/jobs/{theirs.job_id}").status_code == 200
    assert client.get(f"/studio/videos/{theirs.video_id}").status_code == 200  # every club


def test_a_user_moved_to_another_club_no_longer_sees_the_old_clubs_job(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    client: flask.testing.FlaskClient,
    two: tuple[Studio, Studio],
) -> None:
    mine, theirs = two
    assert client.get(f"/api/v1/jobs/{theirs.job_id}", headers=theirs.headers).status_code == 200
    with app.app_context():
        conftest.user_named(other_club.seller).club_id = people.club_id
        extensions.db.session.commit()
    assert client.get(f"/api/v1/jobs/{theirs.job_id}", headers=theirs.headers).status_code == 404
    listed = client.get("/api/v1/jobs", headers=theirs.headers).get_json()
    assert theirs.job_id not in [j["id"] for j in listed["items"]]
    _login(client, other_club.seller)
    assert f"/jobs/{theirs.job_id}" not in client.get("/jobs/").get_data(as_text=True)
    assert client.get(f"/jobs/{theirs.job_id}").status_code == 404
    # Nor the old club's studio rows; the new club's are reachable.
    assert client.get(
        f"/api/v1/studio/videos/{theirs.video_id}", headers=theirs.headers
    ).status_code == 404  # fmt: skip
    assert client.get(
        f"/api/v1/studio/videos/{mine.video_id}", headers=theirs.headers
    ).status_code == 200  # fmt: skip


@pytest.mark.usefixtures("dispatch")
def test_generic_jobs_take_the_home_club_and_the_system_check_none(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
) -> None:
    check = client.post(
        "/api/v1/jobs", headers=bearer[Role.COORDINATOR], json={"kind": "system.check"}
    )
    assert check.status_code == 202, check.get_json()
    club_work = client.post(
        "/api/v1/jobs", headers=bearer[Role.SELLER], json={"kind": "channels.certificates"}
    )
    assert club_work.status_code == 202, club_work.get_json()
    seller2 = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.seller)}"}
    theirs = client.post("/api/v1/jobs", headers=seller2, json={"kind": "channels.certificates"})
    assert theirs.status_code == 202
    assert _club_of(app, jobs.Job, check.get_json()["id"]) is None
    assert _club_of(app, jobs.Job, club_work.get_json()["id"]) == people.club_id
    assert _club_of(app, jobs.Job, theirs.get_json()["id"]) == other_club.club_id
    _login(client, people.username(Role.COORDINATOR))
    assert client.post("/jobs/system-check").status_code == 302
    with app.app_context():
        newest = extensions.db.session.scalars(
            sa.select(jobs.Job).order_by(jobs.Job.id.desc()).limit(1)
        ).one()
        assert newest.kind == "system.check" and newest.club_id is None


@pytest.mark.usefixtures("other_club", "dispatch")
def test_an_admin_without_a_working_club_is_told_to_pick_one(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    tmp_path: Path,
) -> None:
    with app.app_context():
        conftest.user_named(people.username(Role.ADMIN)).club_id = None
        extensions.db.session.commit()
    admin = bearer[Role.ADMIN]
    photo = media_support.make_image(tmp_path / "p.jpg", (64, 48))
    upload = client.post(
        "/api/v1/studio/assets",
        data={"file": (io.BytesIO(photo.read_bytes()), "p.jpg"), "role": "photo"},
        headers=admin,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422
    assert upload.get_json()["error"]["code"] == "no_club"
    assert "câu lạc bộ làm việc" in upload.get_json()["error"]["message"]
    video = client.post(
        "/api/v1/studio/videos", json={"title": "X", "recipe": {"version": 1}}, headers=admin
    )
    assert video.status_code == 422 and video.get_json()["error"]["code"] == "no_club"
    job = client.post("/api/v1/jobs", headers=admin, json={"kind": "channels.certificates"})
    assert job.status_code == 422 and job.get_json()["error"]["code"] == "no_club"
    check = client.post("/api/v1/jobs", headers=admin, json={"kind": "system.check"})
    assert check.status_code == 202  # install-wide work needs no club
    with app.app_context():
        assert (
            extensions.db.session.scalar(sa.select(sa.func.count(media_models.MediaAsset.id))) == 0
        )
        assert extensions.db.session.scalar(sa.select(sa.func.count(media_models.Video.id))) == 0

    _login(client, people.username(Role.ADMIN))
    editor = client.get("/studio/videos/new")
    assert editor.status_code == 422
    assert "câu lạc bộ làm việc" in editor.get_data(as_text=True)
    gallery = client.get("/studio/").get_data(as_text=True)
    assert 'data-testid="no-club"' in gallery
    page_upload = client.post(
        "/studio/assets/new",
        data={"file": (io.BytesIO(photo.read_bytes()), "p.jpg"), "role": "photo", "product_id": ""},
        content_type="multipart/form-data",
    )
    assert page_upload.status_code == 422
    assert "câu lạc bộ làm việc" in page_upload.get_data(as_text=True)


def test_youth_union_and_producers_have_no_studio(
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
) -> None:
    for role in (Role.UNION, Role.PRODUCER):
        assert client.get(
            "/api/v1/studio/videos?templates=true", headers=bearer[role]
        ).status_code == (403)
        assert client.post(
            "/api/v1/studio/videos", json={"title": "X", "recipe": {}}, headers=bearer[role]
        ).status_code == 403  # fmt: skip
