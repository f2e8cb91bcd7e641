"""Video studio pages: a gallery of videos, uploads and their analysis, the recipe editor,
renders with their progress and downloads. The pages call the same services as the JSON
API (app/api/studio.py); what they show and offer is the user's club scope (app.tenancy)."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.catalog import service as catalog_service
from app.core import errors, pagination, permissions, tenancy, validators
from app.http import forms
from app.jobs import registry, tasks
from app.models import catalog
from app.models import studio as media_models
from app.studio import assets as assets_service
from app.studio import forms as studio_forms
from app.studio import renders as renders_service
from app.studio import videos as videos_service
from media import profiles

bp = flask.Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")
PER_PAGE = 12
ASSETS_PER_PAGE = 20
NEW_CLIP_ROWS = 2
NEW_CAPTION_ROWS = 2


@bp.context_processor
def _studio_helpers() -> dict[str, Any]:
    return {
        "profile_labels": {name: p.label for name, p in profiles.PROFILES.items()},
        "asset_status_labels": {
            media_models.AssetStatus.PROCESSING: _("Đang xử lý"),
            media_models.AssetStatus.READY: _("Sẵn sàng"),
            media_models.AssetStatus.FAILED: _("Lỗi"),
        },
        "render_status_labels": {
            media_models.RenderStatus.QUEUED: _("Đang chờ"),
            media_models.RenderStatus.RENDERING: _("Đang xuất"),
            media_models.RenderStatus.DONE: _("Xong"),
            media_models.RenderStatus.FAILED: _("Lỗi"),
            media_models.RenderStatus.CANCELLED: _("Đã huỷ"),
        },
        "role_labels": {choice.value: choice.label for choice in studio_forms.ROLE_CHOICES},
    }


def _recipe_json(video: media_models.Video | None) -> str:
    """The recipe as people read it (Vietnamese letters kept, not \\u escapes)."""
    if video is None:
        return ""
    return json.dumps(video.recipe, ensure_ascii=False, indent=2, sort_keys=True)


def _media_root() -> str:
    return str(flask.current_app.config["MEDIA_ROOT"])


def _page_arg() -> int:
    return flask.request.args.get("page", 1, type=int) or 1


def _id_arg(name: str, message: str) -> int | None:
    """An id from the query string (None when absent). The id names the object, so one no row
    can have (not a number, or past 2**31 - 1) is not found: 404 with ``message``."""
    raw = flask.request.args.get(name, "").strip()
    if not raw:
        return None
    value = validators.parse_id(raw)
    if value is None:
        raise errors.NotFound(message)
    return value


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.session(), flask_login.current_user)


def _no_club_message(scope: tenancy.Scope) -> str | None:
    """Why nothing can be created here yet (an admin without a working club), or None."""
    try:
        scope.home_club()
    except tenancy.NoClub as exc:
        return exc.message
    return None


def _flash_errors(exc: errors.ValidationError) -> None:
    messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
    for message in messages:
        flask.flash(message, "error")


# --- gallery ----------------------------------------------------------------------------------


def _check_action_form() -> None:
    """A studio action posts the CSRF-only form: without a valid one it is a 400."""
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)


@bp.route("/")
@permissions.require("studio.use")
def index() -> str:
    session = extensions.session()
    scope = _scope()
    product_id = _id_arg("product", _("Không tìm thấy sản phẩm."))
    product = None
    if product_id is not None:
        product = videos_service.get_product(session, scope, product_id)
    page = pagination.paginate(
        session,
        videos_service.videos_query(scope, product_id),
        page=_page_arg(),
        per_page=PER_PAGE,
    )
    home = scope.home_club_id
    return flask.render_template(
        "studio/index.html",
        page=page,
        product=product,
        products=videos_service.filter_choices(session, scope),
        # A club applies only its own templates (an admin: those of the working club).
        templates=videos_service.templates(session, scope, home) if home is not None else [],
        no_club=_no_club_message(scope),
        certificate_warning=videos_service.certificate_warning(product),
        action_form=forms.EmptyForm(),
        profile_choices=studio_forms.profile_choices(),
    )


@bp.route("/products/<int:product_id>/quick-video", methods=["POST"])
@permissions.require("studio.use")
def quick_video(product_id: int) -> werkzeug.Response:
    _check_action_form()
    profile = flask.request.form.get("profile", "tiktok")
    try:
        video = videos_service.quick_video(
            extensions.session(),
            flask_login.current_user,
            product_id,
            media_root=_media_root(),
            profile=profile if profile in profiles.PROFILES else "tiktok",
        )
    except errors.ValidationError as exc:
        _flash_errors(exc)
        return flask.redirect(flask.url_for("studio.index", product=product_id))
    flask.flash(_("Đã tạo video nhanh từ ảnh sản phẩm; hãy xem lại rồi xuất video."), "success")
    return flask.redirect(flask.url_for("studio.video_edit", video_id=video.id))


@bp.route("/templates/apply", methods=["POST"])
@permissions.require("studio.use")
def apply_template() -> werkzeug.Response:
    _check_action_form()
    template_id = flask.request.form.get("template_id", type=int)
    product_id = flask.request.form.get("product_id", type=int)
    if template_id is None or product_id is None:
        flask.flash(_("Hãy chọn mẫu và sản phẩm."), "error")
        return flask.redirect(flask.url_for("studio.index", product=product_id))
    try:
        video = videos_service.apply_template(
            extensions.session(),
            flask_login.current_user,
            template_id,
            product_id,
            media_root=_media_root(),
        )
    except errors.ValidationError as exc:
        _flash_errors(exc)
        return flask.redirect(flask.url_for("studio.index", product=product_id))
    flask.flash(_("Đã tạo video từ mẫu."), "success")
    return flask.redirect(flask.url_for("studio.video_edit", video_id=video.id))


# --- assets -----------------------------------------------------------------------------------


@bp.route("/assets")
@permissions.require("studio.use")
def assets() -> str:
    page = pagination.paginate(
        extensions.session(),
        assets_service.assets_query(_scope()),
        page=_page_arg(),
        per_page=ASSETS_PER_PAGE,
    )
    return flask.render_template("studio/assets.html", page=page)


def _upload_page(form: studio_forms.UploadForm, status: int) -> tuple[str, int]:
    scope = _scope()
    form.fill_choices(videos_service.product_choices(extensions.session(), scope.home_club_id))
    limits = assets_service.limits(flask.current_app.config)
    body = flask.render_template(
        "studio/upload.html",
        form=form,
        no_club=_no_club_message(scope),
        max_mb=limits.max_bytes // (1024 * 1024),
        max_seconds=int(limits.max_duration),
    )
    return body, status


@bp.route("/assets/new", methods=["GET", "POST"])
@permissions.require("studio.use")
def asset_new() -> tuple[str, int] | werkzeug.Response:
    form = studio_forms.UploadForm()
    if flask.request.method == "GET":
        form.product_id.data = flask.request.args.get("product", "")
        return _upload_page(form, 200)
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    try:
        asset = assets_service.upload(
            extensions.session(),
            flask_login.current_user,
            form.file.data,
            role=form.role.data,
            product_id=form.product(),
            media_root=_media_root(),
            limits=assets_service.limits(flask.current_app.config),
            kinds=registry.current(),
            dispatch=tasks.dispatch,
        )
    except errors.ValidationError as exc:
        names = {"file": "file", "role": "role", "product_id": "product_id"}
        for name, messages in exc.fields.items():
            field = getattr(form, names.get(name, ""), None) or form.file
            field.errors = [*list(field.errors), *messages]
        if not exc.fields:  # e.g. no club to upload into
            form.file.errors = [*list(form.file.errors), exc.message]
        return _upload_page(form, 422)
    flask.flash(_("Đã nhận tệp; đang chuẩn hoá và phân tích."), "success")
    return flask.redirect(flask.url_for("studio.asset", asset_id=asset.id))


@bp.route("/assets/<int:asset_id>")
@permissions.require("studio.use")
def asset(asset_id: int) -> str:
    item = assets_service.get(extensions.session(), _scope(), asset_id)
    return flask.render_template("studio/asset.html", asset=item)


@bp.route("/assets/<int:asset_id>/files/<which>")
@permissions.require("studio.use")
def asset_file(asset_id: int, which: str) -> flask.Response:
    """The asset's proxy (for the preview player) or poster; nothing else, by name only."""
    item = assets_service.get(extensions.session(), _scope(), asset_id)
    path = assets_service.asset_file(item, which, _media_root())
    mimetype = "video/mp4" if which == "proxy" else "image/jpeg"
    return flask.send_file(path, mimetype=mimetype, conditional=True, max_age=0)


# --- videos -----------------------------------------------------------------------------------


def _editor_page(
    form: studio_forms.VideoForm,
    video: media_models.Video | None,
    status: int,
    field_errors: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
) -> tuple[str, int]:
    session = extensions.session()
    # The pickers offer the video's club's assets and products (a new video: the home club's).
    club_id = video.club_id if video is not None else _scope().home_club()
    ready = assets_service.ready_assets(session, club_id)
    form.fill_choices(videos_service.product_choices(session, club_id), ready)
    limits = (
        videos_service.limit_problems(videos_service.stored_recipe(session, video, _media_root()))
        if video
        else []
    )
    body = flask.render_template(
        "studio/editor.html",
        form=form,
        video=video,
        certificate_warning=videos_service.certificate_warning(_form_product(form, club_id)),
        field_errors=field_errors or {},
        general_errors=general or [],
        limit_problems=limits,
        blank_clip=studio_forms.blank_clip_row(ready),
        blank_caption=studio_forms.blank_caption_row(),
        recipe_json=_recipe_json(video),
    )
    return body, status


def _form_product(form: studio_forms.VideoForm, club_id: int) -> catalog.Product | None:
    """The product the editor has chosen, when it is one of the club's (else None)."""
    product_id = form.product()
    if product_id is None:
        return None
    try:
        return assets_service.club_product(extensions.session(), club_id, product_id)
    except errors.NotFound:
        return None


def _pad_rows(form: studio_forms.VideoForm) -> None:
    for _index in range(max(1, NEW_CLIP_ROWS - len(form.clips))):
        form.clips.append_entry()
    for _index in range(max(1, NEW_CAPTION_ROWS - len(form.captions))):
        form.captions.append_entry()


def _save(form: studio_forms.VideoForm, video: media_models.Video | None) -> Any:
    """Save the editor: the video's page on success, else the editor with every error."""
    session = extensions.session()
    club_id = video.club_id if video is not None else _scope().home_club_id
    analyses = {str(a.id): a.analysis for a in assets_service.ready_assets(session, club_id)}
    built = studio_forms.recipe_from_form(form, analyses)
    try:
        if video is None:
            saved = videos_service.create(
                session,
                flask_login.current_user,
                title=form.title.data or "",
                recipe=built.recipe,
                product_id=form.product(),
                media_root=_media_root(),
            )
        else:
            saved = videos_service.update(
                session,
                flask_login.current_user,
                video.id,
                media_root=_media_root(),
                title=form.title.data or "",
                recipe=built.recipe,
            )
    except errors.ValidationError as exc:
        by_input, general = studio_forms.place_errors(exc.fields, built)
        if not exc.fields:
            general.append(exc.message)
        return _editor_page(form, video, 422, by_input, general)
    flask.flash(_("Đã lưu video %(title)s.", title=saved.title), "success")
    return flask.redirect(flask.url_for("studio.video", video_id=saved.id))


@bp.route("/videos/new", methods=["GET", "POST"])
@permissions.require("studio.use")
def video_new() -> Any:
    if flask.request.method == "POST":
        form = studio_forms.VideoForm()
        if not form.validate_on_submit():
            return _editor_page(form, None, 422)
        return _save(form, None)
    session = extensions.session()
    club_id = _scope().home_club()  # NoClub: the page says how to get a working club
    product_id = _id_arg("product", _("Không tìm thấy sản phẩm."))
    stars = price = None
    if product_id is not None:
        product = assets_service.club_product(session, club_id, product_id)
        stars = catalog_service.valid_stars(product)  # no stars from an expired certificate
        price = int(product.min_price) if product.min_price is not None else None
    data = studio_forms.form_data(
        "", product_id, {"profile": "tiktok"}, stars=stars, price_dong=price
    )
    data["show_stars"] = stars is not None
    data["show_price"] = price is not None
    asset_id = _id_arg("asset", _("Không tìm thấy tệp media."))
    if asset_id is not None:  # "make a video with this clip" from the asset page
        clip = assets_service.get_in_club(session, club_id, asset_id)
        data["clips"] = [
            {"kind": "video", "asset": str(clip.id), "in_": "0", "out": f"{clip.duration or 0:g}"}
        ]
    form = studio_forms.VideoForm(data=data)
    _pad_rows(form)
    return _editor_page(form, None, 200)


@bp.route("/videos/<int:video_id>/edit", methods=["GET", "POST"])
@permissions.require("studio.use")
def video_edit(video_id: int) -> Any:
    video = videos_service.get(extensions.session(), _scope(), video_id)
    if flask.request.method == "POST":
        form = studio_forms.VideoForm()
        if not form.validate_on_submit():
            return _editor_page(form, video, 422)
        return _save(form, video)
    product = video.product
    form = studio_forms.VideoForm(
        data=studio_forms.form_data(
            video.title,
            video.product_id,
            video.recipe,
            stars=catalog_service.valid_stars(product) if product else None,
            price_dong=int(product.min_price) if product and product.min_price else None,
        )
    )
    _pad_rows(form)
    return _editor_page(form, video, 200)


def _video_page(
    video: media_models.Video, status: int = 200, render_errors: list[str] | None = None
) -> tuple[str, int]:
    session = extensions.session()
    first_clip = next(
        (c for c in video.recipe.get("clips", []) if c.get("kind", "video") == "video"), None
    )
    preview_asset = None
    asset_id = validators.parse_id(first_clip.get("asset")) if first_clip is not None else None
    if asset_id is not None:
        found = session.get(media_models.MediaAsset, asset_id)
        preview_asset = found if found is not None and found.club_id == video.club_id else None
    body = flask.render_template(
        "studio/video.html",
        video=video,
        latest_done=next(
            (r for r in video.renders if r.status == media_models.RenderStatus.DONE), None
        ),
        preview_asset=preview_asset,
        certificate_warning=videos_service.certificate_warning(video.product),
        limit_problems=videos_service.limit_problems(
            videos_service.stored_recipe(session, video, _media_root())
        ),
        render_errors=render_errors or [],
        recipe_json=_recipe_json(video),
        action_form=forms.EmptyForm(),
        profile_choices=studio_forms.profile_choices(),
    )
    return body, status


@bp.route("/videos/<int:video_id>")
@permissions.require("studio.use")
def video(video_id: int) -> tuple[str, int]:
    return _video_page(videos_service.get(extensions.session(), _scope(), video_id))


@bp.route("/videos/<int:video_id>/render", methods=["POST"])
@permissions.require("studio.use")
def render(video_id: int) -> Any:
    _check_action_form()
    profile = flask.request.form.get("profile", "")
    try:
        started = renders_service.start_render(
            extensions.session(),
            flask_login.current_user,
            video_id,
            profile,
            media_root=_media_root(),
            kinds=registry.current(),
            dispatch=tasks.dispatch,
        )
    except errors.ValidationError as exc:
        messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
        video = videos_service.get(extensions.session(), _scope(), video_id)
        return _video_page(video, 422, messages)
    flask.flash(_("Đang xuất video; theo dõi tiến độ ở đây."), "success")
    return flask.redirect(flask.url_for("jobs.detail", job_id=started.job_id))


@bp.route("/videos/<int:video_id>/template", methods=["POST"])
@permissions.require("studio.use")
def save_template(video_id: int) -> werkzeug.Response:
    _check_action_form()
    template = videos_service.save_as_template(
        extensions.session(),
        flask_login.current_user,
        video_id,
        title=(flask.request.form.get("title") or "").strip() or None,
    )
    flask.flash(_("Đã lưu mẫu %(title)s.", title=template.title), "success")
    return flask.redirect(flask.url_for("studio.video", video_id=video_id))


# --- renders ----------------------------------------------------------------------------------


@bp.route("/renders/<int:render_id>/download")
@permissions.require("studio.use")
def render_download(render_id: int) -> flask.Response:
    item = renders_service.get(extensions.session(), _scope(), render_id)
    path = renders_service.output_file(item, _media_root())
    return flask.send_file(
        path,
        mimetype="video/mp4",
        as_attachment=True,
        download_name=f"video-{item.video_id}-{item.profile}-{item.id}.mp4",
        max_age=0,
    )


@bp.route("/renders/<int:render_id>/video")
@permissions.require("studio.use")
def render_video(render_id: int) -> flask.Response:
    """The finished MP4 inline, for the page's player."""
    item = renders_service.get(extensions.session(), _scope(), render_id)
    path = renders_service.output_file(item, _media_root())
    return flask.send_file(path, mimetype="video/mp4", conditional=True, max_age=0)


@bp.route("/renders/<int:render_id>/thumbnail")
@permissions.require("studio.use")
def render_thumbnail(render_id: int) -> flask.Response:
    item = renders_service.get(extensions.session(), _scope(), render_id)
    path = renders_service.thumbnail_file(item, _media_root())
    return flask.send_file(path, mimetype="image/jpeg", max_age=0)
