"""Marketplace channel pages: shops (accounts) and their connection, picking products to
publish, each listing's state and error, and the seller's actions on a listing.

Every page is within the club scope: a club's staff reach only their club's shops and
listings (another club's answer 404); an admin reaches every club's.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import sqlalchemy.orm as so
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.catalog import service as catalog_service
from app.channels import accounts, actions, categories, listings, messages, packs, publishing
from app.channels import forms as channel_forms
from app.core import errors, labels, pagination, permissions, tenancy
from app.http import addresses, forms, helpers
from app.jobs import tasks
from app.models import catalog, channels
from integrations import base

bp = flask.Blueprint("channels", __name__, url_prefix="/channels", template_folder="templates")
PER_PAGE = 20
State = channels.ListingState


@bp.context_processor
def _channel_helpers() -> dict[str, Any]:
    return {
        "listing_state_labels": labels.LISTING_STATE_LABELS,
        "account_status_labels": labels.CHANNEL_ACCOUNT_STATUS_LABELS,
        "State": State,
        "AccountStatus": channels.AccountStatus,
        "PACK": base.Kind.PACK,
        # Errors are stored as codes and params: worded here, in the reader's language.
        "listing_error": messages.listing_error,
        "account_error": messages.account_error,
    }


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.session(), flask_login.current_user)


def _account_page(account_id: int) -> werkzeug.Response:
    return flask.redirect(flask.url_for("channels.account", account_id=account_id))


def _listing_page(listing_id: int) -> werkzeug.Response:
    """Back to the listing's account page (the form's ``next`` keeps its filter and page)."""
    target = flask.request.form.get("next")
    if target:
        return flask.redirect(helpers.safe_next(target, "channels.index"))
    listing = listings.get_listing(extensions.session(), listing_id, scope=_scope())
    return _account_page(listing.account_id)


# --- accounts ---------------------------------------------------------------------------------


@bp.route("/")
@permissions.require("channels.view")
def index() -> str:
    return flask.render_template(
        "channels/index.html",
        rows=actions.account_views(extensions.session(), _scope()),
        show_club=permissions.can(flask_login.current_user, "clubs.manage"),
    )


def _account_form_page(
    form: channel_forms.AccountForm,
    adapter_cls: type[base.ChannelAdapter],
    view: actions.AccountView | None,
    status: int,
) -> tuple[str, int]:
    session = extensions.session()
    scope = _scope()
    form.fill_choices(
        actions.owner_choices(session, scope),
        actions.club_choices(session, scope) if scope.every_club else None,
    )
    if form.picks_club and form.club_id.data in (None, "", "None") and scope.home_club_id:
        form.club_id.data = str(scope.home_club_id)  # an admin's working club first
    body = flask.render_template(
        "channels/account_form.html",
        form=form,
        adapter_cls=adapter_cls,
        view=view,
        secrets_set=view.secrets_set if view else frozenset(),
    )
    return body, status


def _save_account(
    form: channel_forms.AccountForm, marketplace: str, account_id: int | None
) -> werkzeug.Response | None:
    try:
        account = accounts.save_account(
            extensions.session(),
            flask_login.current_user,
            form.service_data(marketplace),
            account_id,
        )
    except errors.ValidationError as exc:
        helpers.flash_fields(errors.ValidationError(fields=form.field_names(exc.fields)), form)
        return None
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
        return None
    flask.flash(_("Đã lưu gian hàng %(name)s.", name=account.name), "success")
    return _account_page(account.id)


@bp.route("/new", methods=["GET", "POST"])
@permissions.require("channels.manage")
def account_new() -> str | tuple[str, int] | werkzeug.Response:
    marketplace = flask.request.values.get("marketplace", "")
    choices = actions.marketplaces()
    adapter_cls = next((c for c in choices if c.name == marketplace), None)
    if adapter_cls is None:
        return flask.render_template("channels/pick_marketplace.html", marketplaces=choices)
    form = channel_forms.account_form_class(adapter_cls)()
    if flask.request.method == "POST":
        if form.validate_on_submit():
            done = _save_account(form, adapter_cls.name, None)
            if done is not None:
                return done
        return _account_form_page(form, adapter_cls, None, 422)
    return _account_form_page(form, adapter_cls, None, 200)


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@permissions.require("channels.manage")
def account_edit(account_id: int) -> tuple[str, int] | werkzeug.Response:
    view = actions.get_account_view(extensions.session(), account_id, _scope())
    adapter_cls = actions.adapter_class(view.account.marketplace)
    form_class = channel_forms.account_form_class(adapter_cls)
    if flask.request.method == "GET":
        form = form_class(
            data=channel_forms.account_form_data(
                adapter_cls.config_schema,
                view.account.config or {},
                name=view.account.name,
                owner=view.owner_key,
                club_id=str(view.account.club_id),
                default_category_id=view.default_category_id,
            )
        )
        return _account_form_page(form, adapter_cls, view, 200)
    form = form_class()
    if form.validate_on_submit():
        done = _save_account(form, adapter_cls.name, account_id)
        if done is not None:
            return done
    return _account_form_page(form, adapter_cls, view, 422)


@bp.route("/<int:account_id>/connect", methods=["POST"])
@permissions.require("channels.manage")
def connect(account_id: int) -> werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    try:
        url = accounts.start_connect(
            extensions.session(),
            account_id,
            # The address the marketplace sends the seller back to: the public one
            # (PUBLIC_BASE_URL), never whatever Host header this request came with.
            redirect_uri=addresses.public_url("channels.callback"),
            scope=_scope(),
        )
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
        return _account_page(account_id)
    return flask.redirect(url)


@bp.route("/callback")
@permissions.require("channels.manage")
def callback() -> werkzeug.Response:
    """Where the marketplace sends the seller back after approving (or refusing) access."""
    try:
        account = accounts.finish_connect(extensions.session(), flask.request.args, scope=_scope())
    except errors.ValidationError as exc:
        flask.flash(exc.message, "error")
        return flask.redirect(flask.url_for("channels.index"))
    flask.flash(_("Đã kết nối gian hàng %(name)s.", name=account.name), "success")
    return _account_page(account.id)


# --- one account and its listings ------------------------------------------------------------


def _account_detail(
    account_id: int,
    live_errors: dict[int, list[str]] | None = None,
    typed: dict[int, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = extensions.session()
    view = actions.get_account_view(session, account_id, _scope())
    state = flask.request.args.get("state") or None
    if state not in (None, *State):
        state = None
    page = pagination.paginate(
        session,
        listings.listings_query(account_id, state).options(
            so.selectinload(channels.Listing.product)
        ),
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    body = flask.render_template(
        "channels/account.html",
        view=view,
        account=view.account,
        page=page,
        state=state,
        action_form=forms.EmptyForm(),
        live_errors=live_errors or {},
        typed=typed or {},
        here=flask.url_for(
            "channels.account",
            account_id=account_id,
            state=state,
            page=page.page if page.page > 1 else None,
        ),
    )
    return body, status


@bp.route("/<int:account_id>")
@permissions.require("channels.view")
def account(account_id: int) -> tuple[str, int]:
    return _account_detail(account_id)


# --- pick products and publish ----------------------------------------------------------------


def _publish_page(account_id: int, product_errors: list[str], status: int) -> tuple[str, int]:
    session = extensions.session()
    scope = _scope()
    view = actions.get_account_view(session, account_id, scope)
    filters = catalog_service.ProductFilters.from_args({"q": flask.request.args.get("q")})
    page = pagination.paginate(
        session,
        catalog_service.product_query(scope, filters, catalog_service.today_local())
        .where(listings.sellable(view.account))
        .options(so.selectinload(catalog.Product.producer)),
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    body = flask.render_template(
        "channels/publish.html",
        view=view,
        account=view.account,
        page=page,
        q=filters.q or "",
        states=actions.listing_states(session, account_id, [p.id for p in page.items]),
        form=forms.EmptyForm(),
        product_errors=product_errors,
    )
    return body, status


@bp.route("/<int:account_id>/publish", methods=["GET"])
@permissions.require("channels.publish")
def publish_pick(account_id: int) -> tuple[str, int]:
    return _publish_page(account_id, [], 200)


@bp.route("/<int:account_id>/publish", methods=["POST"])
@permissions.require("channels.publish")
def publish(account_id: int) -> tuple[str, int] | werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    product_ids = flask.request.form.getlist("product_ids", type=int)
    try:
        done = actions.publish(
            extensions.session(),
            flask_login.current_user,
            account_id,
            product_ids,
            dispatch=tasks.dispatch,
        )
    except errors.ValidationError as exc:
        return _publish_page(account_id, exc.fields.get("product_ids", [exc.message]), 422)
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
        return _account_page(account_id)
    if done.job is not None:
        flask.flash(
            _("Đã xếp hàng đăng %(n)d sản phẩm.", n=len(done.job.params["listing_ids"])),
            "success",
        )
        return flask.redirect(flask.url_for("jobs.detail", job_id=done.job.id))
    if done.pack:
        flask.flash(
            _("Đã thêm %(n)d sản phẩm: tải gói đăng bán của từng sản phẩm.", n=len(done.listings)),
            "success",
        )
    else:
        flask.flash(_("Các sản phẩm đã chọn đều đang được bán hoặc đang đăng."), "info")
    return _account_page(account_id)


# --- a listing's actions ----------------------------------------------------------------------


def _listing_action(listing_id: int, action: Any, done_message: str) -> werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    try:
        action()
    except (errors.Conflict, errors.ValidationError) as exc:
        flask.flash(exc.message, "error")
    else:
        flask.flash(done_message, "success")
    return _listing_page(listing_id)


@bp.route("/listings/<int:listing_id>/retry", methods=["POST"])
@permissions.require("channels.publish")
def listing_retry(listing_id: int) -> werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    try:
        done = actions.retry(
            extensions.session(), flask_login.current_user, listing_id, dispatch=tasks.dispatch
        )
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
        return _listing_page(listing_id)
    flask.flash(_("Đã xếp hàng đăng lại."), "success")
    if done.job is not None:
        return flask.redirect(flask.url_for("jobs.detail", job_id=done.job.id))
    return _listing_page(listing_id)


@bp.route("/listings/<int:listing_id>/pause", methods=["POST"])
@permissions.require("channels.publish")
def listing_pause(listing_id: int) -> werkzeug.Response:
    return _listing_action(
        listing_id,
        lambda: publishing.pause(extensions.session(), listing_id, scope=_scope()),
        _("Đã tạm dừng bán trên sàn."),
    )


@bp.route("/listings/<int:listing_id>/resume", methods=["POST"])
@permissions.require("channels.publish")
def listing_resume(listing_id: int) -> werkzeug.Response:
    return _listing_action(
        listing_id,
        lambda: actions.resume(
            extensions.session(), flask_login.current_user, listing_id, dispatch=tasks.dispatch
        ),
        _("Đã mở bán lại; giá và tồn kho sẽ được đồng bộ."),
    )


@bp.route("/listings/<int:listing_id>/delist", methods=["POST"])
@permissions.require("channels.publish")
def listing_delist(listing_id: int) -> werkzeug.Response:
    return _listing_action(
        listing_id,
        lambda: publishing.delist(extensions.session(), listing_id, scope=_scope()),
        _("Đã gỡ sản phẩm khỏi sàn."),
    )


@bp.route("/listings/<int:listing_id>/certificate-override", methods=["POST"])
@permissions.require("channels.publish")
def listing_override(listing_id: int) -> werkzeug.Response:
    on = flask.request.form.get("on") == "1"
    message = (
        _("Đã cho phép bán dù chứng nhận OCOP hết hạn. Bấm “Mở lại” nếu tin đang tạm dừng.")
        if on
        else _("Tin đăng sẽ tạm dừng khi chứng nhận OCOP hết hạn.")
    )
    return _listing_action(
        listing_id,
        lambda: listings.set_certificate_override(
            extensions.session(), listing_id, on, scope=_scope()
        ),
        message,
    )


# --- listing packs (channels without an API) -----------------------------------------------


@bp.route("/listings/<int:listing_id>/pack", methods=["POST"])
@permissions.require("channels.publish")
def listing_pack(listing_id: int) -> flask.Response | werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    session = extensions.session()
    scope = _scope()
    try:
        pack = packs.build(session, listing_id, scope=scope)
    except (errors.Conflict, errors.ValidationError) as exc:
        flask.flash(exc.message, "error")
        return _listing_page(listing_id)
    return helpers.send_temporary_file(pack.path, pack.filename, "application/zip")


@bp.route("/listings/<int:listing_id>/live", methods=["POST"])
@permissions.require("channels.publish")
def listing_live(listing_id: int) -> tuple[str, int] | werkzeug.Response:
    form = channel_forms.LiveReferenceForm()
    if not form.validate_on_submit():
        flask.abort(400)
    session = extensions.session()
    scope = _scope()
    try:
        listing = packs.record_live(session, listing_id, form.reference.data or "", scope=scope)
    except errors.ValidationError as exc:
        account_id = listings.get_listing(session, listing_id, scope=scope).account_id
        problems = exc.fields.get("reference") or [exc.message]
        return _account_detail(
            account_id,
            live_errors={listing_id: [exc.message, *problems]},
            typed={listing_id: form.reference.data or ""},
            status=422,
        )
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
        return _listing_page(listing_id)
    flask.flash(_("Đã ghi nhận sản phẩm đang bán trên sàn."), "success")
    return _account_page(listing.account_id)


# --- category mapping -------------------------------------------------------------------------


@bp.route("/<int:account_id>/categories", methods=["GET", "POST"])
@permissions.require("channels.manage")
def category_map(account_id: int) -> tuple[str, int] | werkzeug.Response:
    """Which marketplace category each OCOP category used by products is listed under."""
    session = extensions.session()
    scope = _scope()
    account = accounts.get_account(session, account_id, scope=scope)
    form = forms.EmptyForm()
    problems: dict[str, list[str]] = {}
    if flask.request.method == "POST" and form.validate_on_submit():
        data = {k: v for k, v in flask.request.form.items() if k.startswith("category.")}
        try:
            categories.save_mappings(session, account_id, data, scope=scope)
        except errors.ValidationError as exc:
            problems = exc.fields
        else:
            flask.flash(_("Đã lưu ánh xạ danh mục."), "success")
            return flask.redirect(flask.url_for("channels.category_map", account_id=account_id))
    try:
        remote = categories.remote_categories(session, account_id, scope=scope)
        remote_error = None
    except errors.ServiceUnavailable as exc:
        remote, remote_error = [], exc.message
    status = 422 if problems else 200
    return (
        flask.render_template(
            "channels/categories.html",
            account=account,
            form=form,
            ocop_categories=categories.used_categories(session, account),
            mapped={k: v.external_id for k, v in categories.mappings(session, account_id).items()},
            typed=flask.request.form if problems else {},
            problems=problems,
            remote=remote,
            remote_error=remote_error,
        ),
        status,
    )
