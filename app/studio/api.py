"""Video studio API: upload media, build videos from recipes, render and download them.

Everything is within the caller's club scope (app.tenancy): another club's ids are a 404."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest

from app import extensions
from app.core import permissions
from app.http import helpers, openapi
from app.jobs import registry, tasks
from app.studio import assets, renders, videos
from app.studio import schemas as studio_schemas

blp = flask_smorest.Blueprint(
    "studio_api",
    __name__,
    url_prefix="/api/v1/studio",
    description="Xưởng video ngắn: tải media, dựng video, xuất theo nền tảng",
)

MP4_DESCRIPTION = "Video MP4 (H.264, AAC 48 kHz, faststart)"


def _media_root() -> str:
    return str(flask.current_app.config["MEDIA_ROOT"])


# --- assets -------------------------------------------------------------------------------


@blp.route("/assets", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.AssetUploadSchema, location="files")
@blp.arguments(studio_schemas.AssetFormSchema, location="form")
@blp.response(202, studio_schemas.AssetUploadedSchema)
def upload_asset(files: dict[str, Any], form: dict[str, Any]) -> object:
    """Upload a clip, photo, logo or music file into the caller's club. It is probed first: a
    file that is not acceptable media is refused (422, reason in `error.fields.file`) and
    nothing is kept. Accepted files are normalised by the `studio.ingest` job; poll the
    asset's `status`. `product_id` must be a product of the club's producers."""
    asset = assets.upload(
        extensions.session(),
        flask_login.current_user,
        files["file"],
        role=form["role"],
        product_id=form.get("product_id"),
        media_root=_media_root(),
        limits=assets.limits(flask.current_app.config),
        kinds=registry.current(),
        dispatch=tasks.dispatch,
    )
    return {"asset": asset, "job": asset.job}


@blp.route("/assets/<int:asset_id>", methods=["GET"])
@permissions.require("studio.use")
@blp.response(200, studio_schemas.AssetSchema)
def get_asset(asset_id: int) -> object:
    """An asset: status, probe info and (videos) analysis."""
    return assets.get(extensions.session(), helpers.current_scope(), asset_id)


# --- videos -------------------------------------------------------------------------------


@blp.route("/videos", methods=["GET"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.VideoListArgsSchema, location="query")
@blp.response(200, studio_schemas.VideoSchema(many=True))
def list_videos(args: dict[str, Any]) -> object:
    """A product's gallery (`product_id`), or the templates (`templates=true`), of the
    caller's club (an admin: every club)."""
    if args["templates"]:
        return videos.templates(extensions.session(), helpers.current_scope())
    if args.get("product_id") is None:
        return []
    return videos.gallery(extensions.session(), helpers.current_scope(), args["product_id"])


@blp.route("/videos", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.VideoCreateSchema)
@blp.response(201, studio_schemas.VideoSchema)
def create_video(body: dict[str, Any]) -> object:
    """Create a video (or template) of the caller's club from a recipe; bad fields answer 422
    with their paths (`clips[0].in`, `captions[1].text`…; an asset of another club is
    unknown)."""
    return videos.create(
        extensions.session(), flask_login.current_user, media_root=_media_root(), **body
    )


@blp.route("/videos/<int:video_id>", methods=["GET"])
@permissions.require("studio.use")
@blp.response(200, studio_schemas.VideoSchema)
def get_video(video_id: int) -> object:
    """A video with its recipe and renders."""
    return videos.get(extensions.session(), helpers.current_scope(), video_id)


@blp.route("/videos/<int:video_id>", methods=["PUT"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.VideoUpdateSchema)
@blp.response(200, studio_schemas.VideoSchema)
def update_video(body: dict[str, Any], video_id: int) -> object:
    """Change the title and/or the recipe (each recipe change bumps `version`)."""
    return videos.update(
        extensions.session(),
        flask_login.current_user,
        video_id,
        media_root=_media_root(),
        **body,
    )


@blp.route("/videos/<int:video_id>/template", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.TemplateSaveSchema)
@blp.response(201, studio_schemas.VideoSchema)
def save_template(body: dict[str, Any], video_id: int) -> object:
    """Save the video's recipe as a reusable template."""
    return videos.save_as_template(
        extensions.session(), flask_login.current_user, video_id, title=body.get("title")
    )


@blp.route("/templates/<int:template_id>/apply", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.TemplateApplySchema)
@blp.response(201, studio_schemas.VideoSchema)
def apply_template(body: dict[str, Any], template_id: int) -> object:
    """A new video for another product from a template of the caller's club (name, price,
    stars, shops, photos)."""
    return videos.apply_template(
        extensions.session(),
        flask_login.current_user,
        template_id,
        body["product_id"],
        media_root=_media_root(),
    )


@blp.route("/products/<int:product_id>/quick-video", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.QuickVideoSchema)
@blp.response(201, studio_schemas.VideoSchema)
def quick_video(body: dict[str, Any], product_id: int) -> object:
    """One click: a 15 s vertical video from the product's photos and story, to edit."""
    return videos.quick_video(
        extensions.session(),
        flask_login.current_user,
        product_id,
        media_root=_media_root(),
        profile=body["profile"],
    )


# --- renders ------------------------------------------------------------------------------


@blp.route("/videos/<int:video_id>/renders", methods=["POST"])
@permissions.require("studio.use")
@blp.arguments(studio_schemas.RenderCreateSchema)
@blp.response(202, studio_schemas.RenderStartedSchema)
def start_render(body: dict[str, Any], video_id: int) -> object:
    """Render the video for a platform; its limits (duration, size) are checked first (422).
    Poll `GET /renders/{id}`; cancel with `POST /api/v1/jobs/{job_id}/cancel`."""
    render = renders.start_render(
        extensions.session(),
        flask_login.current_user,
        video_id,
        body["profile"],
        media_root=_media_root(),
        kinds=registry.current(),
        dispatch=tasks.dispatch,
    )
    return {"render": render, "job": render.job}


@blp.route("/renders/<int:render_id>", methods=["GET"])
@permissions.require("studio.use")
@blp.response(200, studio_schemas.RenderSchema)
def get_render(render_id: int) -> object:
    """A render's status and progress."""
    return renders.get(extensions.session(), helpers.current_scope(), render_id)


@blp.route("/renders/<int:render_id>/download", methods=["GET"])
@permissions.require("studio.use")
@openapi.file_response(blp, MP4_DESCRIPTION, ["video/mp4"])
def download_render(render_id: int) -> flask.Response:
    """Download the finished MP4."""
    render = renders.get(extensions.session(), helpers.current_scope(), render_id)
    path = renders.output_file(render, _media_root())
    return flask.send_file(
        path, mimetype="video/mp4", as_attachment=True, download_name=f"video-{render.id}.mp4"
    )
