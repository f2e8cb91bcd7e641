"""Video projects: recipes validated against the stored assets, a product's gallery,
templates applied to other products, and the one-click product video.

A video (and a template) belongs to a club: its recipe may use only that club's assets, its
product must be one of the club's producers', and a club applies only its own templates.

OCOP stars are drawn only from a valid certificate: a video of a product may carry a stars
badge only while the product's current certificate has not expired, and with its stars; the
one-click video and templates leave the stars out otherwise (the price stays)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from typing_extensions import Unpack

from app.catalog import service as catalog_service
from app.core import errors, formatting, i18n, permissions, tenancy, uow, validators
from app.models import accounts, catalog
from app.models import studio as media_models
from app.studio import assets as assets_service
from app.studio import messages
from media import compile as compile_mod
from media import errors as media_errors
from media import product_video
from media import recipe as recipe_mod
from vietnam import text


def _require(user: accounts.User) -> None:
    if not permissions.can(user, "studio.use"):
        raise errors.Forbidden()


def _referenced_ids(data: Any) -> set[int]:
    """Numeric asset ids a recipe dict refers to (others are reported by ``parse``)."""
    refs: list[Any] = []
    if isinstance(data, Mapping):
        for clip in data.get("clips") or []:
            if isinstance(clip, Mapping):
                refs.append(clip.get("asset"))
        for name in ("logo", "music"):
            item = data.get(name)
            if isinstance(item, Mapping):
                refs.append(item.get("asset"))
    # Only ids a row can have (1 … 2**31 - 1): a larger one is reported as an unknown asset
    # by ``parse`` instead of reaching the database.
    ids = (validators.parse_id(ref) for ref in refs if isinstance(ref, int | str))
    return {found for found in ids if found is not None}


def asset_infos(
    session: so.Session, data: Any, media_root: str | Path, *, club_id: int | None
) -> dict[str, compile_mod.AssetInfo]:
    """The club's ready assets a recipe refers to, by id string, as compile needs them (an
    asset of another club is left out, so the recipe reports it as unknown at its path)."""
    ids = _referenced_ids(data)
    if not ids or club_id is None:
        return {}
    rows = session.scalars(
        sa.select(media_models.MediaAsset).where(
            media_models.MediaAsset.id.in_(ids),
            media_models.MediaAsset.club_id == club_id,
            media_models.MediaAsset.status == media_models.AssetStatus.READY,
        )
    )
    root = Path(media_root)
    return {
        str(row.id): compile_mod.AssetInfo(
            path=root / (row.master_path or ""),
            kind=row.kind.value,
            width=row.width,
            height=row.height,
            duration=row.duration,
            has_audio=bool((row.info or {}).get("has_audio")),
        )
        for row in rows
        if row.master_path
    }


def validate(
    session: so.Session,
    data: Any,
    media_root: str | Path,
    *,
    club_id: int | None,
    enforce_limits: bool = False,
    product: catalog.Product | None = None,
) -> recipe_mod.Recipe:
    """Parse a recipe against the club's stored assets; ValidationError with the recipe's
    field paths (another club's asset reads as unknown: ``clips[0].asset``). With the video's
    ``product``, a stars badge needs its valid certificate (``check_badge``)."""
    infos = asset_infos(session, data, media_root, club_id=club_id)
    try:
        parsed = recipe_mod.parse(data, infos, enforce_limits=enforce_limits)
    except media_errors.RecipeInvalid as exc:
        raise _invalid(exc) from exc
    check_badge(product, parsed)
    return parsed


def _invalid(exc: media_errors.RecipeInvalid) -> errors.ValidationError:
    """The library's recipe problems as a 422 in the user's language."""
    problems = messages.fields(exc.fields)
    return errors.ValidationError(messages.summary(problems), fields=problems)


def certificate_warning(
    product: catalog.Product | None, today: dt.date | None = None
) -> str | None:
    """What the studio pages say about a product whose OCOP certificate has expired."""
    if product is None or not catalog_service.certificate_expired(product, today):
        return None
    return _(
        "Chứng nhận OCOP của “%(name)s” đã hết hạn ngày %(date)s: video không được gắn huy "
        "hiệu sao OCOP và không nên giới thiệu là sản phẩm OCOP cho đến khi gia hạn.",
        name=product.name,
        date=formatting.local_date(product.ocop_expires_on),
    )


def claims_ocop(label: str | None) -> bool:
    """True when a badge label names OCOP (any case or accents)."""
    return "ocop" in text.fold(label or "")


def badge_problem(
    product: catalog.Product,
    stars: int | None,
    today: dt.date | None = None,
    *,
    label: str | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """Why a video of ``product`` may not show ``stars`` OCOP stars (or a label saying OCOP),
    as a code and its parameters (None when it may): the badge comes from a valid certificate
    only."""
    if stars is None and not claims_ocop(label):
        return None
    valid = catalog_service.valid_stars(product, today)
    if valid is None and catalog_service.certificate_expired(product, today):
        return "certificate_expired", {
            "name": product.name,
            "date": formatting.local_date(product.ocop_expires_on),
        }
    if valid is None:
        return "no_certificate", {"name": product.name}
    if stars is not None and valid != stars:
        return "stars_mismatch", {"name": product.name, "stars": stars, "valid": valid}
    return None


def badge_message(code: str, params: Mapping[str, Any]) -> str:
    """A ``badge_problem`` in the user's language."""
    if code == "certificate_expired":
        return _(
            "Chứng nhận OCOP của “%(name)s” đã hết hạn ngày %(date)s: không gắn huy hiệu sao "
            "hay nhãn OCOP được. Bỏ huy hiệu sao và chữ OCOP (giá vẫn hiện) hoặc gia hạn "
            "chứng nhận trước.",
            **params,
        )
    if code == "no_certificate":
        return _(
            "“%(name)s” chưa có chứng nhận OCOP: không gắn huy hiệu sao hay nhãn OCOP được.",
            **params,
        )
    return _(
        "“%(name)s” được chứng nhận OCOP %(valid)d sao, huy hiệu không được ghi %(stars)d sao.",
        **params,
    )


def check_badge(product: catalog.Product | None, parsed: recipe_mod.Recipe) -> None:
    """Refuse (422 at ``badge.stars``) a stars badge on a video of a product without a valid
    certificate with those stars. A video of no product (a template) is filled from the
    product it is applied to."""
    if product is None or parsed.badge is None:
        return
    stars, label = parsed.badge.stars, parsed.badge.label
    problem = badge_problem(product, stars, label=label)
    if problem is not None:
        message = badge_message(*problem)
        field = "badge.stars" if stars is not None else "badge.label"
        raise errors.ValidationError(message, fields={field: [message]})


def without_ocop_claim(data: dict[str, Any]) -> dict[str, Any]:
    """A recipe dict whose badge no longer says OCOP (stars and an OCOP label dropped; the
    price stays, and a badge left empty goes): for a product without a valid certificate."""
    badge = data.get("badge")
    if not isinstance(badge, dict):
        return data
    badge = {k: v for k, v in badge.items() if k != "stars"}
    if claims_ocop(badge.get("label") if isinstance(badge.get("label"), str) else None):
        badge.pop("label")
    out = dict(data)
    if badge.get("price_dong") is None:
        out.pop("badge")
    else:
        out["badge"] = badge
    return out


def get(session: so.Session, scope: tenancy.Scope, video_id: int) -> media_models.Video:
    """A video or template of a club in scope (404 otherwise)."""
    return scope.find(session, media_models.Video, video_id, _("Không tìm thấy video."))


def get_product(session: so.Session, scope: tenancy.Scope, product_id: int) -> catalog.Product:
    """A product whose producer the scope reaches (a gallery filter; 404 otherwise)."""
    product = session.get(catalog.Product, product_id)
    if product is None or not scope.sees_producer(session, product.producer_id):
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
    return product


def _writer_scope(session: so.Session, user: accounts.User) -> tenancy.Scope:
    _require(user)
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    return scope


class NewVideo(TypedDict):
    """A new video's fields, the keywords of ``create``."""

    title: str
    recipe: Any
    product_id: int | None
    media_root: str | Path
    is_template: NotRequired[bool]


def create(
    session: so.Session, user: accounts.User, **video: Unpack[NewVideo]
) -> media_models.Video:
    """Store a new video (or template) of the user's home club whose recipe is valid as a
    draft."""
    club_id = _writer_scope(session, user).home_club()
    return _create(session, user, club_id, **video)


@uow.transactional
def _create(
    session: so.Session, user: accounts.User, club_id: int, **video: Unpack[NewVideo]
) -> media_models.Video:
    product_id = video["product_id"]
    product = None
    if product_id is not None:
        product = assets_service.product_field(session, club_id, product_id)
    recipe, media_root = video["recipe"], video["media_root"]
    parsed = validate(session, recipe, media_root, club_id=club_id, product=product)
    row = media_models.Video(
        club_id=club_id,
        title=video["title"].strip()[:200],
        product_id=product_id,
        recipe=recipe_mod.to_dict(parsed),
        is_template=video.get("is_template", False),
        created_by_id=user.id,
    )
    session.add(row)
    return row


@uow.transactional
def update(
    session: so.Session,
    user: accounts.User,
    video_id: int,
    *,
    media_root: str | Path,
    title: str | None = None,
    recipe: Any = None,
) -> media_models.Video:
    """Change a video's title and/or recipe; each recipe change bumps ``version``."""
    video = get(session, _writer_scope(session, user), video_id)
    if title is not None:
        video.title = title.strip()[:200]
    if recipe is not None:
        parsed = validate(session, recipe, media_root, club_id=video.club_id, product=video.product)
        video.recipe = recipe_mod.to_dict(parsed)
        video.version += 1
    return video


def gallery(session: so.Session, scope: tenancy.Scope, product_id: int) -> list[media_models.Video]:
    """A product's videos (not templates) in the clubs of the scope, newest first."""
    return list(
        session.scalars(
            sa.select(media_models.Video)
            .where(
                scope.club_filter(media_models.Video.club_id),
                media_models.Video.product_id == product_id,
                media_models.Video.is_template.is_(False),
            )
            .order_by(media_models.Video.id.desc())
        )
    )


def templates(
    session: so.Session, scope: tenancy.Scope, club_id: int | None = None
) -> list[media_models.Video]:
    """Templates of the clubs in scope, by title (``club_id``: only that club's, the ones it
    may apply)."""
    stmt = sa.select(media_models.Video).where(
        media_models.Video.is_template.is_(True),
        scope.club_filter(media_models.Video.club_id),
    )
    if club_id is not None:
        stmt = stmt.where(media_models.Video.club_id == club_id)
    return list(session.scalars(stmt.order_by(media_models.Video.title, media_models.Video.id)))


@uow.transactional
def save_as_template(
    session: so.Session, user: accounts.User, video_id: int, *, title: str | None = None
) -> media_models.Video:
    """A copy of the video's recipe kept as a reusable template (no product) of the video's
    club: the recipe's assets are that club's."""
    video = get(session, _writer_scope(session, user), video_id)
    template = media_models.Video(
        club_id=video.club_id,
        title=(title or video.title).strip()[:200],
        product_id=None,
        recipe=dict(video.recipe),
        is_template=True,
        created_by_id=user.id,
    )
    session.add(template)
    return template


def where_to_buy(product: catalog.Product) -> list[str]:
    """Shop names the product is sold at, from its links (one per channel)."""
    names: list[str] = []
    for link in product.links:
        name = link.channel.strip().replace("_", " ").title()
        if name and name not in names:
            names.append(name)
    return names


def product_values(session: so.Session, product: catalog.Product, club_id: int) -> dict[str, Any]:
    """What a template needs to know of a product (name, price, stars, shops, and the club's
    photo assets of it)."""
    photos = session.scalars(
        sa.select(media_models.MediaAsset.id)
        .where(
            media_models.MediaAsset.club_id == club_id,
            media_models.MediaAsset.product_id == product.id,
            media_models.MediaAsset.kind == media_models.AssetKind.IMAGE,
            media_models.MediaAsset.role == "photo",
            media_models.MediaAsset.status == media_models.AssetStatus.READY,
        )
        .order_by(media_models.MediaAsset.id)
    ).all()
    values: dict[str, Any] = {
        "name": product.name,
        "where_to_buy": where_to_buy(product),
    }
    if product.min_price is not None:
        values["price_dong"] = int(product.min_price)
    stars = catalog_service.valid_stars(product)
    if stars is not None:  # an expired certificate gives no stars (the badge keeps the price)
        values["stars"] = stars
    if photos:
        values["assets"] = {"photo": [str(asset_id) for asset_id in photos]}
    return values


def apply_template(
    session: so.Session,
    user: accounts.User,
    template_id: int,
    product_id: int,
    *,
    media_root: str | Path,
) -> media_models.Video:
    """A new video for ``product_id`` from a template of the user's home club, filled with the
    product's values (a club applies only its own templates: another's is a 404)."""
    scope = _writer_scope(session, user)
    template = get(session, scope, template_id)
    club_id = scope.home_club()
    if template.club_id != club_id:
        raise errors.NotFound(_("Không tìm thấy video."))
    if not template.is_template:
        raise errors.ValidationError(fields={"template_id": [_("Video này không phải mẫu.")]})
    product = assets_service.product_field(session, club_id, product_id)
    data = recipe_mod.apply_template(template.recipe, product_values(session, product, club_id))
    if catalog_service.valid_stars(product) is None:
        data = without_ocop_claim(data)
    return _create(
        session, user, club_id, title=f"{template.title} – {product.name}", recipe=data,
        product_id=product.id, media_root=media_root,
    )  # fmt: skip


@uow.transactional
def quick_video(
    session: so.Session,
    user: accounts.User,
    product_id: int,
    *,
    media_root: str | Path,
    profile: str = "tiktok",
) -> media_models.Video:
    """One click: a 15 s vertical video of the home club from the product's photos and story,
    to edit (the photos become the club's assets)."""
    club_id = _writer_scope(session, user).home_club()
    product = assets_service.club_product(session, club_id, product_id)  # its id is the URL's
    if not product.images:
        raise errors.ValidationError(
            fields={"product_id": [_("Sản phẩm chưa có ảnh nào để làm video.")]}
        )
    try:
        photos = [
            assets_service.import_product_image(session, user, image, media_root, club_id)
            for image in product.images[: product_video.MAX_PHOTOS]
        ]
        session.flush()
        data = product_video.recipe_for_product(
            photos=[str(photo.id) for photo in photos],
            story=product.description or "",
            name=product.name,
            stars=catalog_service.valid_stars(product),  # none from an expired certificate
            price_dong=int(product.min_price) if product.min_price is not None else None,
            where_to_buy=where_to_buy(product),
            profile=profile,
        )
    except media_errors.RefusedMedia as exc:
        raise errors.ValidationError(
            fields={"product_id": [assets_service.refusal_message(exc.code)]}
        ) from exc
    except media_errors.RecipeInvalid as exc:
        raise _invalid(exc) from exc
    except media_errors.MediaError as exc:
        raise errors.ValidationError(
            fields={"product_id": [i18n.message_text(messages.media_reason(exc))]}
        ) from exc
    return _create(
        session, user, club_id, title=_("Video %(name)s", name=product.name)[:200], recipe=data,
        product_id=product.id, media_root=media_root,
    )  # fmt: skip


# --- for the studio pages -------------------------------------------------------------------


def videos_query(scope: tenancy.Scope, product_id: int | None = None) -> sa.Select[Any]:
    """Videos (not templates) of the clubs in scope, last changed first, optionally one
    product's."""
    stmt = sa.select(media_models.Video).where(
        media_models.Video.is_template.is_(False),
        scope.club_filter(media_models.Video.club_id),
    )
    if product_id is not None:
        stmt = stmt.where(media_models.Video.product_id == product_id)
    return stmt.order_by(media_models.Video.updated_at.desc(), media_models.Video.id.desc())


def product_choices(session: so.Session, club_id: int | None) -> list[tuple[int, str]]:
    """(id, name) of the products of the club's producers, by name: what a video or an upload
    of the club may be attached to (None: no club yet, nothing)."""
    if club_id is None:
        return []
    return _product_rows(
        session, catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id))
    )


def filter_choices(session: so.Session, scope: tenancy.Scope) -> list[tuple[int, str]]:
    """(id, name) of the products the scope reaches, by name (the gallery's filter)."""
    return _product_rows(session, scope.producer_filter(catalog.Product.producer_id))


def _product_rows(session: so.Session, where: sa.ColumnElement[bool]) -> list[tuple[int, str]]:
    rows = session.execute(
        sa.select(catalog.Product.id, catalog.Product.name)
        .where(where)
        .order_by(catalog.Product.name, catalog.Product.id)
    )
    return [(int(row.id), str(row.name)) for row in rows]


def stored_recipe(
    session: so.Session, video: media_models.Video, media_root: str | Path
) -> recipe_mod.Recipe | None:
    """The video's stored recipe parsed (once) against the club's assets, as a draft; None
    when it no longer parses (e.g. an asset it uses was removed)."""
    try:
        return validate(session, video.recipe, media_root, club_id=video.club_id)
    except errors.ValidationError:
        return None


def limit_problems(parsed: recipe_mod.Recipe | None) -> list[str]:
    """The platform-limit messages (duration, size) a parsed recipe breaks now."""
    if parsed is None:
        return []
    return [messages.say(problem) for problem in recipe_mod.limit_problems(parsed)]
