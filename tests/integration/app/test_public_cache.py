"""The public product page and its QR codes served from the render cache: strong ETags and
304s, a new page and a new ETag after any change to what the page shows (whoever made it),
cache headers a CDN can honour with PUBLIC_BASE_URL and private ones without, and 404s that
are never kept."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import flask
import jinja2
import jinja2.nodes
import pytest
import sqlalchemy as sa
import werkzeug.datastructures
import werkzeug.test
from PIL import Image

from app import config, extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.models import accounts, catalog
from app.orders import stock
from app.producers import service as producers_service
from app.public import cache, pages
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role
SELLER = "seller1"


def _product(app: flask.Flask, people: conftest.People) -> int:
    data = builders.product_data(people.producer_id, skus=("NM-500", "NM-250"))
    certificate = builders.certificate_data(
        decision_date=catalog_service.today_local() - dt.timedelta(days=400)
    )
    return builders.make_product(app, SELLER, data, certificate)


def _render_cache(app: flask.Flask) -> cache.RenderCache:
    store: cache.RenderCache = app.extensions[pages.CACHE_KEY]
    return store


def _edit(app: flask.Flask, product_id: int, **changes: object) -> None:
    """Change the product through its service, as the edit form does."""
    with app.app_context():
        session = extensions.db.session
        product = session.get(catalog.Product, product_id)
        assert product is not None
        data = {
            "producer_id": product.producer_id,
            "name": product.name,
            "unit": product.unit,
            "brand": product.brand,
            "version": product.version,
            "variants": [
                {"sku": v.sku, "name": v.name, "price": v.price, "stock": v.stock}
                for v in product.variants
            ],
        }
        data.update(changes)
        catalog_service.save_product(session, conftest.user_named(SELLER), data, product_id)


def _photo(app: flask.Flask, product_id: int) -> int:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 60)).save(out, "JPEG")
    values = werkzeug.datastructures.MultiDict(
        [("image", werkzeug.datastructures.FileStorage(io.BytesIO(out.getvalue()), "a.jpg"))]
    )
    boundary, body = werkzeug.test.encode_multipart(values)
    response = app.test_client().post(
        f"/api/v1/products/{product_id}/images",
        headers={"Authorization": f"Bearer {conftest.issue_token(app, SELLER)}"},
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.get_json()["id"])


def _etag(response: werkzeug.test.TestResponse) -> str:
    tag, weak = response.get_etag()
    assert tag and not weak  # strong: byte for byte
    return str(tag)


# --- ETag, 304, HEAD, hits -------------------------------------------------------------------


def test_page_has_a_strong_etag_and_answers_304_without_a_body(app, client, people) -> None:
    product_id = _product(app, people)
    first = client.get(f"/p/{product_id}")
    assert first.status_code == 200 and first.mimetype == "text/html"
    tag = _etag(first)
    body = first.get_data()

    again = client.get(f"/p/{product_id}", headers={"If-None-Match": f'"{tag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    assert _etag(again) == tag

    other = client.get(f"/p/{product_id}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == body

    head = client.head(f"/p/{product_id}")
    assert head.status_code == 200 and head.get_data() == b"" and _etag(head) == tag
    assert int(head.headers["Content-Length"]) == len(body)


def test_page_is_rendered_once_per_change(app, client, people) -> None:
    product_id = _product(app, people)
    store = _render_cache(app)
    bodies = {client.get(f"/p/{product_id}").get_data() for _ in range(5)}
    # tracking arguments (a Facebook click) change nothing in the page: the same entry
    bodies.add(client.get(f"/p/{product_id}?fbclid=IwAR0abc&utm_source=tiktok").get_data())
    assert len(bodies) == 1
    page_keys = [key for key in store.held() if key[0] == "page"]
    assert len(page_keys) == 1
    assert store.misses >= 1 and store.hits >= 5
    assert f"next=/p/{product_id}" in bodies.pop().decode()  # the language switch comes back


def test_qr_codes_are_cached_by_scale_and_revalidated(app, client, people) -> None:
    product_id = _product(app, people)
    store = _render_cache(app)
    first = client.get(f"/p/{product_id}/qr.png?scale=12")
    before = store.hits
    second = client.get(f"/p/{product_id}/qr.png?scale=12")
    assert second.get_data() == first.get_data() and store.hits == before + 1
    assert _etag(second) == _etag(first)
    larger = client.get(f"/p/{product_id}/qr.png?scale=13")
    assert (
        Image.open(io.BytesIO(larger.get_data())).width
        > Image.open(io.BytesIO(first.get_data())).width
    )
    # out-of-range scales share the clamped entry
    assert client.get(f"/p/{product_id}/qr.png?scale=999").get_data() == (
        client.get(f"/p/{product_id}/qr.png?scale=40").get_data()
    )
    svg = client.get(f"/p/{product_id}/qr.svg")
    again = client.get(f"/p/{product_id}/qr.svg", headers={"If-None-Match": f'"{_etag(svg)}"'})
    assert again.status_code == 304 and again.get_data() == b""


# --- invalidation ------------------------------------------------------------------------------


def test_an_edit_through_the_service_shows_at_once_with_a_new_etag(app, client, people) -> None:
    product_id = _product(app, people)
    old = client.get(f"/p/{product_id}")
    old_tag = _etag(old)
    assert "Nước mắm cá cơm Trà Cổ" in old.get_data(as_text=True)

    _edit(app, product_id, name="Nước mắm nhĩ Trà Cổ thượng hạng")

    new = client.get(f"/p/{product_id}", headers={"If-None-Match": f'"{old_tag}"'})
    assert new.status_code == 200  # the old copy is no longer current
    page = new.get_data(as_text=True)
    assert '<h1 data-testid="public-product-name">Nước mắm nhĩ Trà Cổ thượng hạng</h1>' in page
    assert _etag(new) != old_tag


def test_a_price_change_and_running_out_of_stock_show_at_once(app, client, people) -> None:
    product_id = _product(app, people)
    tags = [_etag(client.get(f"/p/{product_id}"))]

    _edit(
        app,
        product_id,
        variants=[
            {"sku": "NM-500", "name": "Loại 1", "price": 99_000, "stock": 10},
            {"sku": "NM-250", "name": "Loại 2", "price": 55_000, "stock": 1},
        ],
    )
    response = client.get(f"/p/{product_id}")
    page = response.get_data(as_text=True)
    assert "99.000 ₫" in page and "95.000 ₫" not in page
    assert "Hết hàng" not in page
    tags.append(_etag(response))

    with app.app_context():
        session = extensions.db.session
        by_sku = {
            v.sku: v.id
            for v in session.scalars(
                sa.select(catalog.Variant).where(catalog.Variant.product_id == product_id)
            )
        }
        # An order taking some of NM-500 leaves it in stock: the page does not change.
        stock.take(session, [(by_sku["NM-500"], 3)])
        session.commit()
    unchanged = client.get(f"/p/{product_id}")
    assert _etag(unchanged) == tags[-1]

    with app.app_context():
        session = extensions.db.session
        stock.take(session, [(by_sku["NM-250"], 1)])  # the last jar: sold out
        session.commit()
    response = client.get(f"/p/{product_id}")
    assert "Hết hàng" in response.get_data(as_text=True)
    tags.append(_etag(response))
    assert len(set(tags)) == 3


def test_photos_certificates_links_and_the_producer_invalidate(app, client, people) -> None:
    product_id = _product(app, people)
    seen = [_etag(client.get(f"/p/{product_id}"))]

    def page() -> str:
        response = client.get(f"/p/{product_id}")
        seen.append(_etag(response))
        return response.get_data(as_text=True)

    first = _photo(app, product_id)
    assert f"/media/products/{product_id}/" in page()
    second = _photo(app, product_id)
    with app.app_context():
        session = extensions.db.session
        product = session.get(catalog.Product, product_id)
        assert product is not None
        paths = {image.id: image.path for image in product.images}
        images_service.set_cover(session, conftest.user_named(SELLER), product_id, second)
    cover = '<meta property="og:image" content="http://localhost/media/{}">'
    text = page()
    assert cover.format(paths[second]) in text and cover.format(paths[first]) not in text
    with app.app_context():
        images_service.delete_product_image(
            extensions.db.session,
            conftest.user_named(SELLER),
            product_id,
            second,
            app.config["MEDIA_ROOT"],
        )
    assert paths[second] not in page()

    with app.app_context():
        session = extensions.db.session
        product = session.get(catalog.Product, product_id)
        assert product is not None
        certificate_id = product.certificates[0].id
        catalog_service.save_certificate(
            session,
            conftest.user_named(SELLER),
            product_id,
            builders.certificate_data(
                decision_date=catalog_service.today_local() - dt.timedelta(days=400),
                authority="UBND tỉnh Quảng Ninh (cấp lại)",
            ),
            certificate_id,
        )
    assert "UBND tỉnh Quảng Ninh (cấp lại)" in page()

    with app.app_context():
        catalog_service.save_links(
            extensions.db.session,
            conftest.user_named(SELLER),
            product_id,
            [{"channel": "shopee", "url": "https://shopee.vn/nuoc-mam-i.9.9"}],
        )
    assert 'href="https://shopee.vn/nuoc-mam-i.9.9"' in page()

    with app.app_context():
        producers_service.update(
            extensions.db.session,
            conftest.user_named("admin1"),
            people.producer_id,
            {"story": "Ba thế hệ làm nước mắm ở Trà Cổ."},
        )
    assert "Ba thế hệ làm nước mắm ở Trà Cổ." in page()
    # every change, a new ETag (deleting the second photo is back to the one-photo page)
    assert all(before != after for before, after in itertools.pairwise(seen))
    assert seen[3] == seen[1]


def test_the_day_is_part_of_the_key(app, client, people, monkeypatch) -> None:
    """A certificate's status is a matter of calendar days: the cached page of yesterday is
    not today's."""
    product_id = _product(app, people)
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert product is not None and product.ocop_expires_on is not None
        expires_on = product.ocop_expires_on
    valid = client.get(f"/p/{product_id}").get_data(as_text=True)
    assert 'data-status="active"' in valid
    monkeypatch.setattr(
        catalog_service, "today_local", lambda now=None: expires_on + dt.timedelta(days=1)
    )
    expired = client.get(f"/p/{product_id}").get_data(as_text=True)
    assert 'data-status="expired"' in expired and 'data-testid="ocop-stars"' not in expired


# --- 404s --------------------------------------------------------------------------------------


def test_an_inactive_product_is_404_at_once_and_never_kept(app, client, people) -> None:
    product_id = _product(app, people)
    for url in (f"/p/{product_id}", f"/p/{product_id}/qr.png", f"/p/{product_id}/qr.svg"):
        assert client.get(url).status_code == 200
    store = _render_cache(app)
    kept = len(store)
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert product is not None
        product.is_active = False
        extensions.db.session.commit()
    for url in (f"/p/{product_id}", f"/p/{product_id}/qr.png", f"/p/{product_id}/qr.svg"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_etag() == (None, None) and not response.cache_control.public
    missing = client.get("/p/987654")
    assert missing.status_code == 404 and not missing.cache_control.public
    assert len(store) == kept  # nothing new kept for a 404


# --- headers ------------------------------------------------------------------------------------


@pytest.fixture
def public_app(app, app_factory, db_url, tmp_path) -> Iterator[flask.Flask]:
    """The same database served with PUBLIC_BASE_URL set (as in production)."""
    env = {"APP_ENV": "testing", "PUBLIC_BASE_URL": "https://ocop.example.vn"}
    base = config.from_env(env, tmp_path)["PUBLIC_BASE_URL"]
    yield app_factory(db_url, PUBLIC_BASE_URL=base)


def test_with_public_base_url_a_cdn_may_keep_the_page(public_app, app, people) -> None:
    product_id = _product(app, people)
    client = public_app.test_client()
    response = client.get(f"/p/{product_id}")
    cache_control = response.cache_control
    assert cache_control.public and not cache_control.private and not cache_control.no_store
    assert cache_control.max_age == pages.PAGE_MAX_AGE == 60
    assert cache_control.s_maxage == 60
    assert cache_control.stale_while_revalidate == pages.PAGE_STALE_WHILE_REVALIDATE
    assert "Host" not in response.vary and "Cookie" in response.vary
    assert "Set-Cookie" not in response.headers  # nothing personal to keep out of a CDN
    # A forged Host reaches the same entry: the addresses come from PUBLIC_BASE_URL.
    forged = client.get(f"/p/{product_id}", headers={"Host": "evil.example"})
    assert _etag(forged) == _etag(response) and b"evil.example" not in forged.get_data()
    # A 304 keeps the headers a CDN revalidates with.
    revalidated = client.get(f"/p/{product_id}", headers={"If-None-Match": f'"{_etag(response)}"'})
    assert revalidated.status_code == 304 and revalidated.cache_control.public
    assert revalidated.cache_control.s_maxage == 60


def test_other_languages_and_signed_in_visitors_stay_private(public_app, app, people) -> None:
    product_id = _product(app, people)
    client = public_app.test_client()
    vietnamese = client.get(f"/p/{product_id}")
    client.get("/lang/en")
    english = client.get(f"/p/{product_id}")
    assert english.cache_control.private and not english.cache_control.public
    assert english.cache_control.no_cache and "Cookie" in english.vary
    assert _etag(english) != _etag(vietnamese)
    assert '<html lang="en">' in english.get_data(as_text=True)

    signed_in = public_app.test_client()
    conftest.Auth(signed_in).login(SELLER)
    page = signed_in.get(f"/p/{product_id}")
    assert page.status_code == 200 and page.cache_control.no_store
    assert not page.cache_control.public
    assert "Trang quản lý" in page.get_data(as_text=True)
    assert _etag(page) != _etag(vietnamese)
    # … and the anonymous copy never shows the signed-in link
    assert "Trang quản lý" not in client.get(f"/p/{product_id}").get_data(as_text=True)


def test_without_public_base_url_each_host_gets_its_own_private_page(app, client, people) -> None:
    product_id = _product(app, people)
    response = client.get(f"/p/{product_id}")
    assert response.cache_control.private and response.cache_control.no_cache
    assert not response.cache_control.public and "Host" in response.vary
    assert f"http://localhost/p/{product_id}" in response.get_data(as_text=True)
    other = client.get(f"/p/{product_id}", headers={"Host": "evil.example"})
    assert f"http://evil.example/p/{product_id}" in other.get_data(as_text=True)
    assert "localhost" not in other.get_data(as_text=True)
    assert _etag(other) != _etag(response)
    # and the first host's page is still its own
    assert f"http://localhost/p/{product_id}" in client.get(f"/p/{product_id}").get_data(
        as_text=True
    )


# --- the digest covers what the page shows -------------------------------------------------------

# What each name in the page's template and view stands for, and the relationships between them.
ROOTS = {
    "product": "products",
    "item": "products",
    "producer": "producers",
    "certificate": "certificates",
    "variant": "variants",
    "image": "product_images",
    "cover": "product_images",
    "link": "product_links",
}
RELATIONS = {
    ("products", "producer"): "producers",
    ("products", "category"): "ocop_categories",
    ("products", "cover"): "product_images",
    ("products", "current_certificate"): "certificates",
    ("products", "variants"): None,  # collections: their rows are read through loop names
    ("products", "images"): None,
    ("products", "certificates"): None,
    ("products", "links"): None,
}


def _resolve(chain: list[str]) -> tuple[str, str] | None:
    table = ROOTS.get(chain[0])
    for attribute in chain[1:]:
        if table is None:
            return None
        if (table, attribute) in RELATIONS:
            table = RELATIONS[(table, attribute)]
            continue
        return table, attribute
    return None


def _jinja_chains(source: str) -> list[list[str]]:
    chains = []
    for node in jinja2.Environment().parse(source).find_all(jinja2.nodes.Getattr):
        chain = [node.attr]
        inner = node.node
        while isinstance(inner, jinja2.nodes.Getattr):
            chain.insert(0, inner.attr)
            inner = inner.node
        if isinstance(inner, jinja2.nodes.Name):
            chains.append([inner.name, *chain])
    return chains


def _python_chains(source: str) -> list[list[str]]:
    chains = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            chain = [node.attr]
            inner = node.value
            while isinstance(inner, ast.Attribute):
                chain.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name):
                chains.append([inner.id, *chain])
    return chains


def test_the_digest_covers_every_column_the_page_reads() -> None:
    """A column the page (template or view) reads but the digest leaves out would let a
    change to it be served stale: add it to ``PUBLIC_PAGE_COLUMNS``."""
    covered = {("products", "id"), ("products", "is_active")}
    for columns in catalog_service.PUBLIC_PAGE_COLUMNS.values():
        for column in columns:
            for element in sa.sql.visitors.iterate(sa.cast(column, sa.String)):
                if isinstance(element, sa.Column) and isinstance(element.table, sa.Table):
                    covered.add((element.table.name, element.name))
    template = Path(pages.__file__).parent / "templates" / "public" / "product.html"
    view = inspect.getsource(pages._render_product) + inspect.getsource(pages._summary)
    read = {
        found
        for chain in _jinja_chains(template.read_text(encoding="utf-8")) + _python_chains(view)
        if (found := _resolve(chain)) is not None
    }
    assert ("variants", "stock") in read and ("producers", "story") in read  # it does look
    assert read <= covered, sorted(read - covered)
