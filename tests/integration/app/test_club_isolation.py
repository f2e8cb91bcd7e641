"""Two clubs with full data: every URL rule and API path × every role × own/other club.

The rule checked: for a user of one club, another club's id is indistinguishable from an id
that does not exist (same status code, nothing of the other club in the body), and no list,
search, export or job result shows the other club's rows. The Youth Union account of Quảng
Ninh reaches both Quảng Ninh clubs (read-only) and is checked against a club in Hà Nội; it
never sees a buyer's phone. An admin reaches every club by design and is not in the walk.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import flask
import openpyxl
import pytest
import sqlalchemy as sa
import werkzeug.routing

from app import extensions
from app.core import permissions, tenancy
from app.models import accounts, catalog, channels, jobs, live, orders, payments, shipping
from app.models import studio as media
from tests import conftest
from tests.support import clubs as clubs_support
from tests.support import tenants

Role = accounts.Role
MISSING = 987654
SKIP_METHODS = {"HEAD", "OPTIONS"}
# Not club data: public pages and files, the caller's own account and tokens, reference data.
NOT_CLUB_SCOPED = {
    "static",
    "api_docs_assets",
    "main.set_language",
    "live.feed",  # a secret calendar link: the token is the credential
    "catalog_api.list_communes",
    "producers.communes",
}
NOT_CLUB_SCOPED_PREFIXES = ("public.", "account.", "tokens.", "auth.", "setup.", "api-docs.")
# URL argument → key of the seeded ids, where the rule's argument name alone is ambiguous.
ARGUMENT_OVERRIDES = {("orders.payment_delete", "account_id"): "payment_account_id"}
# Values for string arguments.
STRING_VALUES = {"which": "proxy"}
# Texts only the seeded club's rows carry.
SECRETS = (
    "Sản phẩm {m}",
    "Phiên live {m}",
    "Shop {m}",
    "Khách {m}",
    "Streamer {m}",
    "Video {m}",
    "anh-{m}",
    "Mẫu {m}",
    "Xuất danh mục {m}",
    "comments-{m}",
    "EXT-{m}",
    "Kết nối {m}",
    "Giao dịch {m}",
    "TRK-{m}",
    # Shipping: carrier accounts and COD statements (app/shipping/carrier_*, cod_*).
    "Vận chuyển {m}",
    "cod-{m}.csv",
)


class World:
    """Seeded ids of the three clubs and who to sign in as."""

    def __init__(self, one: dict[str, Any], two: dict[str, Any], three: dict[str, Any]) -> None:
        self.one, self.two, self.three = one, two, three

    def other_for(self, role: Role) -> dict[str, Any]:
        """The club a role must not reach: Hà Nội for the Quảng Ninh Youth Union, else club 2."""
        return self.three if role == Role.UNION else self.two

    def secrets_of(self, club: dict[str, Any]) -> list[str]:
        return [s.format(m=club["marker"]) for s in SECRETS] + [club["phone"]]


def _payment_account(app: flask.Flask, club_id: int) -> int:
    with app.app_context():
        found = extensions.db.session.scalar(
            sa.select(orders.PaymentAccount.id).where(orders.PaymentAccount.club_id == club_id)
        )
        assert found is not None
        return int(found)


def _shipment(app: flask.Flask, club: dict[str, Any]) -> int:
    """A booked parcel of the club's seeded order (tracking code ``TRK-<marker>``)."""
    with app.app_context():
        db = extensions.db.session
        row = shipping.Shipment(
            club_id=club["club_id"],
            order_id=club["order_id"],
            carrier="ghn",
            reference=f"DH-{club['marker']}-1",
            tracking_code=f"TRK-{club['marker']}",
            status=shipping.ShipStatus.CREATED,
        )
        db.add(row)
        db.commit()
        return row.id


def _seed_shipping(app: flask.Flask, club: dict[str, Any]) -> None:
    """A carrier account and a COD statement of the club (shipping routes' ids)."""
    marker = club["marker"]
    with app.app_context():
        db = extensions.db.session
        account = shipping.CarrierAccount(
            club_id=club["club_id"],
            carrier="ghn",
            label=f"Vận chuyển {marker}",
            config={"shop_id": "1"},
            webhook_key=f"key-{marker.lower()}",
        )
        statement = shipping.CodStatement(
            club_id=club["club_id"],
            carrier="ghn",
            filename=f"cod-{marker}.csv",
            sha256=marker.lower().ljust(64, "0"),
            lines=[
                shipping.CodLine(
                    line_no=2,
                    tracking_code=f"GA{marker}",
                    cod_amount=1_000,
                    state=shipping.CodLineState.UNKNOWN,
                )
            ],
        )
        db.add_all([account, statement])
        db.commit()
        club["carrier_account_id"] = account.id
        club["statement_id"] = statement.id


def seed_own_club(app: flask.Flask, people: conftest.People, media_root: Path) -> dict[str, Any]:
    """Club 1 (the ``people`` fixture's), seeded with the marker MONGCAI."""
    return tenants.seed_club(
        app,
        club_id=people.club_id,
        producer_id=people.producer_id,
        seller=people.username(Role.SELLER),
        marker="MONGCAI",
        phone="0912000001",
        media_root=media_root,
    )


@pytest.fixture
def world(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    password_hash: str,
    tmp_path: Path,
) -> World:
    media_root = Path(app.config["MEDIA_ROOT"])
    one = seed_own_club(app, people, media_root)
    two = tenants.seed_club(
        app,
        club_id=other_club.club_id,
        producer_id=other_club.producer_id,
        seller=other_club.seller,
        marker="HALONG",
        phone="0912000002",
        media_root=media_root,
    )
    third = tenants.third_club(app, password_hash)
    three = tenants.seed_club(
        app,
        club_id=third["club_id"],
        producer_id=third["producer_id"],
        seller=third["seller"],
        marker="HANOI",
        phone="0912000003",
        media_root=media_root,
    )
    for club in (one, two, three):
        club["payment_account_id"] = _payment_account(app, club["club_id"])
        club["shipment_id"] = _shipment(app, club)
        _seed_shipping(app, club)
    return World(one, two, three)


def _url(rule: werkzeug.routing.Rule, ids: dict[str, Any] | None) -> str | None:
    """The rule's URL with ``ids`` (None: an id that does not exist) filled in."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, werkzeug.routing.IntegerConverter):
            key = ARGUMENT_OVERRIDES.get((rule.endpoint, name), name)
            if ids is None:
                values[name] = MISSING
            elif key in ids:
                values[name] = ids[key]
            else:
                return None  # an id the seed has no row for (the matrix test covers it)
        else:
            values[name] = STRING_VALUES.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def _club_rules(app: flask.Flask) -> list[tuple[werkzeug.routing.Rule, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint in NOT_CLUB_SCOPED
            or rule.endpoint.startswith(NOT_CLUB_SCOPED_PREFIXES)
            or not any(
                isinstance(rule._converters[a], werkzeug.routing.IntegerConverter)
                for a in rule.arguments
            )
        ):
            continue
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            cases.append((rule, method))
    return cases


def _text(response: Any) -> str:
    """Everything a response says, JSON decoded (no \\u escapes) and XLSX cells included."""
    data = response.get_data()
    kind = response.content_type or ""
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if "json" in kind:
        try:
            return json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            pass
    return data.decode("utf-8", "replace")


def _open(client: Any, method: str, url: str, token: dict[str, str]) -> tuple[int, str]:
    """(status, everything the body says) of one request."""
    body = None if method in ("GET", "DELETE") else {}
    response = client.open(url, method=method, headers=token, json=body)
    text = _text(response)
    response.close()
    return response.status_code, text


def _snapshot(app: flask.Flask, club_id: int) -> dict[str, Any]:
    """The club's rows as they stand (to see that nothing another club did changed them)."""
    with app.app_context():
        db = extensions.db.session

        def rows(stmt: Any) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in db.execute(stmt).all()]

        return {
            "sessions": rows(
                sa.select(
                    live.LiveSession.id,
                    live.LiveSession.title,
                    live.LiveSession.status,
                    live.LiveSession.starts_at,
                    live.LiveSession.sequence,
                ).where(live.LiveSession.club_id == club_id)
            ),
            "slots": rows(
                sa.select(live.LiveSlot.id, live.LiveSlot.code, live.LiveSlot.position)
                .join(live.LiveSession)
                .where(live.LiveSession.club_id == club_id)
            ),
            "streamers": rows(
                sa.select(
                    live.Streamer.id, live.Streamer.display_name, live.Streamer.is_active
                ).where(live.Streamer.club_id == club_id)
            ),
            "orders": rows(
                sa.select(orders.Order.id, orders.Order.status, orders.Order.updated_at).where(
                    orders.Order.club_id == club_id
                )
            ),
            "batches": rows(
                sa.select(orders.CommentBatch.id, orders.CommentBatch.status)
                .join(live.LiveSession)
                .where(live.LiveSession.club_id == club_id)
            ),
            "shops": rows(
                sa.select(
                    channels.ChannelAccount.id,
                    channels.ChannelAccount.status,
                    channels.ChannelAccount.name,
                ).where(channels.ChannelAccount.club_id == club_id)
            ),
            "listings": rows(
                sa.select(channels.Listing.id, channels.Listing.state, channels.Listing.attempts)
                .join(channels.ChannelAccount)
                .where(channels.ChannelAccount.club_id == club_id)
            ),
            "videos": rows(
                sa.select(media.Video.id, media.Video.version, media.Video.title).where(
                    media.Video.club_id == club_id
                )
            ),
            "assets": rows(
                sa.select(media.MediaAsset.id, media.MediaAsset.status).where(
                    media.MediaAsset.club_id == club_id
                )
            ),
            "renders": rows(
                sa.select(sa.func.count(media.Render.id))
                .join(media.Video)
                .where(media.Video.club_id == club_id)
            ),
            "jobs": rows(
                sa.select(jobs.Job.id, jobs.Job.status, jobs.Job.cancel_requested).where(
                    jobs.Job.club_id == club_id
                )
            ),
            "payment_connections": rows(
                sa.select(
                    payments.PaymentConnection.id,
                    payments.PaymentConnection.active,
                    payments.PaymentConnection.last_problem,
                ).where(payments.PaymentConnection.club_id == club_id)
            ),
            "bank_transactions": rows(
                sa.select(
                    payments.BankTransaction.id,
                    payments.BankTransaction.state,
                    payments.BankTransaction.order_id,
                ).where(payments.BankTransaction.club_id == club_id)
            ),
            "products": rows(
                sa.select(
                    catalog.Product.id, catalog.Product.version, catalog.Product.is_active
                ).where(catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id)))
            ),
        }


def test_another_clubs_ids_are_indistinguishable_from_missing_ones(
    app: flask.Flask, people: conftest.People, world: World
) -> None:
    client = app.test_client()
    tokens = {
        role: {"Authorization": f"Bearer {conftest.issue_token(app, people.username(role))}"}
        for role in (Role.COORDINATOR, Role.SELLER, Role.PRODUCER, Role.UNION)
    }
    before = {club: _snapshot(app, getattr(world, club)["club_id"]) for club in ("two", "three")}
    checked = 0
    leaks: list[tuple[str, str, str, int, int]] = []
    told: list[tuple[str, str, str, str]] = []
    for rule, method in _club_rules(app):
        for role, token in tokens.items():
            other = world.other_for(role)
            url = _url(rule, other)
            if url is None:
                continue
            missing, _missing_body = _open(client, method, _url(rule, None) or "", token)
            status, body = _open(client, method, url, token)
            checked += 1
            if status != missing or status < 400:
                leaks.append((role.value, method, url, status, missing))
            for secret in world.secrets_of(other):
                if secret in body:
                    told.append((role.value, method, url, secret))
    assert leaks == []
    assert told == []
    assert checked > 300  # the walk really covered the app
    after = {club: _snapshot(app, getattr(world, club)["club_id"]) for club in ("two", "three")}
    assert after == before


# GETs of one's own club that answer 404 for a reason other than the club, by role.
OWN_404_ALLOWED = {
    # A job is its owner's (the seeded one is the seller's), whatever the club.
    (Role.COORDINATOR, "jobs.detail"),
    (Role.COORDINATOR, "jobs_api.get_job"),
    # The fee comparison page shows shipping quote jobs only (the seeded job is another kind).
    (Role.COORDINATOR, "shipping.quotes"),
    (Role.SELLER, "shipping.quotes"),
}


def test_own_club_ids_are_reachable(
    app: flask.Flask, people: conftest.People, world: World
) -> None:
    """The ids the walk uses are real: one's own club's ones answer (so the walk can fail)."""
    client = app.test_client()
    unreachable = []
    reached = 0
    for role in (Role.COORDINATOR, Role.SELLER):
        token = {"Authorization": f"Bearer {conftest.issue_token(app, people.username(role))}"}
        for rule, method in _club_rules(app):
            if method != "GET":
                continue
            permission = permissions.view_permission(app, rule.endpoint)
            if permission != permissions.PUBLIC and not permissions.allows(role, str(permission)):
                continue
            url = _url(rule, world.one)
            if url is None:
                continue
            status, body = _open(client, "GET", url, token)
            if status == 404 and (role, rule.endpoint) not in OWN_404_ALLOWED:
                unreachable.append((role.value, url, body[:80]))
            elif status < 400:
                reached += 1
    assert [(role, url) for role, url, _body in unreachable] == []
    assert reached > 40


# Parameterless pages, lists, searches and exports, with the query strings that change what
# they show. Each is fetched by every role of club 1 (and the Youth Union).
LIST_QUERIES = (
    "",
    "?q=HALONG",
    "?q=HANOI",
    "?format=csv",
    "?format=xlsx",
    "?all=1",
    "?templates=true",
    "?status=all",
)
# The same lists asked about the other club's rows by id (filters and pickers).
ID_QUERIES = (
    "?product_id={product_id}",
    "?product={product_id}",
    "?session_id={session_id}",
    "?session={session_id}",
    "?club={club_id}",
    "?club_id={club_id}",
    "?producer_id={producer_id}",
    "?producer={producer_id}",
    "?streamer_id={streamer_id}",
    "?account_id={account_id}",
)


def _list_urls(app: flask.Flask, other: dict[str, Any]) -> list[str]:
    queries = LIST_QUERIES + tuple(query.format(**other) for query in ID_QUERIES)
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or set()):
            continue
        if rule.endpoint in NOT_CLUB_SCOPED or rule.endpoint.startswith(("static", "api-docs")):
            continue
        if rule.endpoint in ("main.healthz", "auth.login", "setup.index"):
            continue
        urls.extend(str(rule.rule) + query for query in queries)
    return urls


def test_lists_searches_and_exports_show_only_the_clubs_in_scope(
    app: flask.Flask, people: conftest.People, world: World
) -> None:
    client = app.test_client()
    told = []
    fetched = 0
    for role in (Role.COORDINATOR, Role.SELLER, Role.PRODUCER, Role.UNION):
        token = {"Authorization": f"Bearer {conftest.issue_token(app, people.username(role))}"}
        forbidden = world.secrets_of(world.other_for(role))
        if role == Role.UNION:  # never a buyer's phone, of any club
            forbidden += [world.one["phone"], world.two["phone"]]
        for url in _list_urls(app, world.other_for(role)):
            response = client.get(url, headers=token)
            body = _text(response)
            response.close()
            if response.status_code >= 400:
                continue
            fetched += 1
            told.extend((role.value, url, s) for s in forbidden if s in body)
    assert told == []
    assert fetched > 100


def test_club_one_sees_its_own_rows_in_lists(
    app: flask.Flask, people: conftest.People, world: World
) -> None:
    """The list check above can fail: club 1's own rows do show up in its lists."""
    client = app.test_client()
    token = {
        "Authorization": f"Bearer {conftest.issue_token(app, people.username(Role.COORDINATOR))}"
    }
    expectations = {
        "/api/v1/live/sessions": "Phiên live MONGCAI",
        "/api/v1/orders": "576000000000000001",
        "/api/v1/channels/accounts": "Shop MONGCAI",
        "/api/v1/studio/videos?templates=true": "Mẫu MONGCAI",
        f"/api/v1/studio/videos?product_id={world.one['product_id']}": "Video MONGCAI",
        "/api/v1/products": "Sản phẩm MONGCAI",
        "/orders/": "Khách MONGCAI",
        "/live/streamers": "Streamer MONGCAI",
        "/payments/review": "Giao dịch MONGCAI",
        "/payments/transactions": "Giao dịch MONGCAI",
        "/api/v1/payments/transactions": "Giao dịch MONGCAI",
        "/payments/connections": "Kết nối MONGCAI",
        "/api/v1/payments/connections": "Kết nối MONGCAI",
        "/shipping/parcels": "TRK-MONGCAI",
    }
    missing = []
    for url, text in expectations.items():
        response = client.get(url, headers=token)
        if text not in _text(response):
            missing.append((url, response.status_code))
    assert missing == []


def test_posting_another_clubs_order_id_makes_a_new_order_in_ones_own_club(
    app: flask.Flask, people: conftest.People, world: World
) -> None:
    client = app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(app, people.username(Role.SELLER))}"}
    with app.app_context():
        db = extensions.db.session
        theirs = db.get(orders.Order, world.two["order_id"])
        assert theirs is not None
        theirs.external_id = "576000000000000099"
        db.commit()
    before = _snapshot(app, world.two["club_id"])
    response = client.post(
        "/api/v1/orders",
        json={
            "platform": "tiktok",
            "external_id": "576000000000000099",
            "buyer_phone": "0987000111",
            "lines": [{"sku": "SKU-MONGCAI", "quantity": 1}],
        },
        headers=token,
    )
    assert response.status_code == 201, response.json
    assert response.json["id"] != world.two["order_id"]
    with app.app_context():
        db = extensions.db.session
        rows = db.execute(
            sa.select(orders.Order.club_id, orders.Order.buyer_phone)
            .where(
                orders.Order.platform == "tiktok",
                orders.Order.external_id == "576000000000000099",
            )
            .order_by(orders.Order.club_id)
        ).all()
        theirs = db.get(orders.Order, world.two["order_id"])
        assert theirs is not None
        assert theirs.buyer_phone == "0912000002"
        assert [line.amount for line in theirs.lines] == [180_000]
    assert sorted(tuple(r) for r in rows) == sorted(
        [(people.club_id, "0987000111"), (world.two["club_id"], "0912000002")]
    )
    assert _snapshot(app, world.two["club_id"]) == before
