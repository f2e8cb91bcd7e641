"""Request and response shapes of the video studio API. Ids read from a request are
``schemas.Id()`` (1 … 2**31 - 1): a larger one is a 422 field error, never a database error."""

from __future__ import annotations

import flask_smorest.fields
import marshmallow as ma
import marshmallow.validate as mv

from app.core import i18n
from app.http import openapi, schemas
from app.jobs import schemas as job_schemas
from app.models import studio as media_models
from app.studio import assets as assets_service
from media import profiles

RECIPE = "Recipe"  # components/schemas/Recipe: media.recipe.json_schema(), see feature.py

PROFILES = tuple(profiles.PROFILES)


class AssetUploadSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True,
        metadata={
            "description": "Video MP4/MOV/WebM/MKV, ảnh JPG/PNG/WebP, nhạc MP3/M4A/WAV/OGG; "
            "được kiểm tra trước khi nhận (giới hạn MEDIA_MAX_UPLOAD_MB, MEDIA_MAX_DURATION_S)."
        },
    )


class AssetFormSchema(ma.Schema):
    role = ma.fields.String(
        required=True,
        validate=mv.OneOf(tuple(assets_service.ROLES)),
        metadata={"description": "footage (video), photo, logo (ảnh), music (âm thanh)"},
    )
    product_id = schemas.Id(load_default=None, allow_none=True)


class AssetSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(
        required=True, validate=mv.OneOf([k.value for k in media_models.AssetKind])
    )
    club_id = ma.fields.Integer(required=True, metadata={"description": "CLB sở hữu tệp"})
    role = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=mv.OneOf([s.value for s in media_models.AssetStatus])
    )
    product_id = ma.fields.Integer(allow_none=True)
    original_name = ma.fields.String(required=True)
    size_bytes = ma.fields.Integer(required=True)
    duration = ma.fields.Float(allow_none=True)
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    info = ma.fields.Dict(required=True, metadata={"description": "Kết quả kiểm tra tệp"})
    analysis = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "Cắt cảnh, gợi ý ảnh bìa, cảnh báo mờ, khung 9:16 (video)"},
    )
    has_proxy = ma.fields.Function(lambda asset: asset.proxy_path is not None)
    error = ma.fields.Function(lambda row: i18n.stored_text(row.error) or None, allow_none=True)
    job_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class AssetUploadedSchema(ma.Schema):
    asset = ma.fields.Nested(AssetSchema, required=True)
    job = ma.fields.Nested(job_schemas.JobSchema, required=True)


class RenderSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    video_id = ma.fields.Integer(required=True)
    profile = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=mv.OneOf([s.value for s in media_models.RenderStatus])
    )
    progress = ma.fields.Function(lambda render: render.job.progress if render.job else 0)
    duration = ma.fields.Float(allow_none=True)
    size_bytes = ma.fields.Integer(allow_none=True)
    error = ma.fields.Function(lambda row: i18n.stored_text(row.error) or None, allow_none=True)
    job_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    finished_at = ma.fields.DateTime(allow_none=True)


class RenderStartedSchema(ma.Schema):
    render = ma.fields.Nested(RenderSchema, required=True)
    job = ma.fields.Nested(job_schemas.JobSchema, required=True)


class VideoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    club_id = ma.fields.Integer(dump_only=True, metadata={"description": "CLB sở hữu video"})
    title = ma.fields.String(required=True)
    product_id = ma.fields.Integer(allow_none=True)
    recipe = ma.fields.Dict(required=True, metadata=openapi.ref(RECIPE, "Công thức dựng (v1)"))
    is_template = ma.fields.Boolean(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    renders = ma.fields.List(ma.fields.Nested(RenderSchema), dump_only=True)


class VideoCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=mv.Length(min=1, max=200))
    product_id = schemas.Id(load_default=None, allow_none=True)
    recipe = ma.fields.Dict(required=True, metadata=openapi.ref(RECIPE))
    is_template = ma.fields.Boolean(load_default=False)


class VideoUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=mv.Length(min=1, max=200))
    recipe = ma.fields.Dict(metadata=openapi.ref(RECIPE))


class VideoListArgsSchema(ma.Schema):
    product_id = schemas.Id(metadata={"description": "Thư viện video của một sản phẩm"})
    templates = ma.fields.Boolean(load_default=False)


class TemplateSaveSchema(ma.Schema):
    title = ma.fields.String(validate=mv.Length(min=1, max=200))


class TemplateApplySchema(ma.Schema):
    product_id = schemas.Id(required=True)


class RenderCreateSchema(ma.Schema):
    profile = ma.fields.String(required=True, validate=mv.OneOf(PROFILES))


class QuickVideoSchema(ma.Schema):
    profile = ma.fields.String(load_default="tiktok", validate=mv.OneOf(PROFILES))
