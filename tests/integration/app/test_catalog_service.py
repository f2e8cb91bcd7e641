"""Catalog services on both databases: validation, isolation, certificates, search, filters."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.core import errors, pagination, tenancy
from app.models import accounts, catalog
from app.producers import service as producers_service
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role
TODAY = dt.date(2026, 11, 28)


def _scope(user: accounts.User) -> tenancy.Scope:
    return tenancy.scope_for(extensions.db.session, user)


def _search(user: accounts.User, **filters) -> list[str]:
    stmt = catalog_service.product_query(
        _scope(user), catalog_service.ProductFilters(**filters), TODAY
    )
    return [p.name for p in extensions.db.session.scalars(stmt)]


def test_product_with_variants_derives_price_range_stock_and_search_text(
    app, people, categories
) -> None:
    data = builders.product_data(
        people.producer_id, skus=("nm-500", "NM-250"), category_id=categories.get("1.4")
    )
    product_id = builders.make_product(app, people.username(Role.SELLER), data)
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert [v.sku for v in product.variants] == ["NM-500", "NM-250"]  # upper-cased
        assert (product.min_price, product.max_price, product.total_stock) == (55_000, 95_000, 20)
        assert product.search_text.startswith("nuoc mam ca com tra co")


def test_every_bad_field_is_reported_and_nothing_saved(app, people, categories) -> None:
    data = builders.product_data(people.producer_id, name="", skus=("OK-1", "OK-1", "x y"))
    data["variants"][0]["price"] = "abc"
    data["variants"][1]["barcode"] = "8934563138166"  # wrong check digit
    data["category_id"] = 99999
    with app.app_context(), pytest.raises(errors.ValidationError) as raised:
        catalog_service.save_product(
            extensions.db.session, conftest.user_named(people.username(Role.SELLER)), data
        )
    assert set(raised.value.fields) == {
        "name",
        "category_id",
        "variants.0.price",
        "variants.1.sku",
        "variants.1.barcode",
        "variants.2.sku",
    }
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(catalog.Product.id))) == 0


def test_sku_is_unique_across_products(app, people, categories) -> None:
    builders.make_product(
        app,
        people.username(Role.SELLER),
        builders.product_data(people.producer_id, skus=("NM-500",)),
    )
    with app.app_context(), pytest.raises(errors.ValidationError) as raised:
        catalog_service.save_product(
            extensions.db.session,
            conftest.user_named(people.username(Role.SELLER)),
            builders.product_data(people.other_producer_id, name="Chè", skus=("nm-500",)),
        )
    assert "variants.0.sku" in raised.value.fields


def test_money_is_integer_dong(app, people, categories) -> None:
    data = builders.product_data(people.producer_id)
    data["variants"][0]["price"] = "1.300.000 ₫"
    product_id = builders.make_product(app, people.username(Role.SELLER), data)
    with app.app_context():
        assert extensions.db.session.get(catalog.Product, product_id).min_price == 1_300_000
    bad = builders.product_data(people.producer_id, skus=("NM-2",))
    bad["variants"][0]["price"] = 99.5
    with app.app_context(), pytest.raises(errors.ValidationError) as raised:
        catalog_service.save_product(
            extensions.db.session, conftest.user_named(people.username(Role.SELLER)), bad
        )
    assert "variants.0.price" in raised.value.fields


def test_producer_edits_only_its_own_products(app, people, categories) -> None:
    producer_user = people.username(Role.PRODUCER)
    own = builders.make_product(app, producer_user, builders.product_data(people.producer_id))
    theirs = builders.make_product(
        app,
        people.username(Role.SELLER),
        builders.product_data(
            people.other_producer_id, name="Chè đinh Tân Cương", skus=("CHE-100",)
        ),
    )
    with app.app_context():
        user = conftest.user_named(producer_user)
        with pytest.raises(errors.ValidationError) as raised:  # cannot create for another
            catalog_service.save_product(
                extensions.db.session,
                user,
                builders.product_data(people.other_producer_id, skus=("X-1",)),
            )
        assert "producer_id" in raised.value.fields
        with pytest.raises(errors.NotFound):  # cannot even see theirs
            catalog_service.get_product(extensions.db.session, user, theirs)
        assert catalog_service.get_product(extensions.db.session, user, own).id == own
        assert _search(user) == ["Nước mắm cá cơm Trà Cổ"]
        with pytest.raises(errors.NotFound):
            producers_service.get(extensions.db.session, user, people.other_producer_id)
        seller = conftest.user_named(people.username(Role.SELLER))
        assert len(_search(seller)) == 2


def test_stale_version_is_a_conflict(app, people, categories) -> None:
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    with app.app_context():
        user = conftest.user_named(people.username(Role.SELLER))
        data = builders.product_data(people.producer_id, name="Tên mới", version=1)
        catalog_service.save_product(extensions.db.session, user, data, product_id)
        with pytest.raises(errors.Conflict):
            catalog_service.save_product(extensions.db.session, user, data, product_id)


def test_certificate_rules_and_current_summary(app, people, categories) -> None:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    with app.app_context():
        user = conftest.user_named(seller)
        session = extensions.db.session
        with pytest.raises(errors.ValidationError) as raised:
            catalog_service.save_certificate(
                session, user, product_id, builders.certificate_data(score=85, stars=5)
            )
        assert "stars" in raised.value.fields
        with pytest.raises(errors.ValidationError) as raised:
            catalog_service.save_certificate(
                session, user, product_id, builders.certificate_data(score=40)
            )
        assert "score" in raised.value.fields
        with pytest.raises(errors.ValidationError) as raised:
            catalog_service.save_certificate(
                session,
                user,
                product_id,
                builders.certificate_data(
                    score=None, stars=3, level="district", decision_date="2025-08-01"
                ),
            )
        assert "level" in raised.value.fields
        first = catalog_service.save_certificate(
            session,
            user,
            product_id,
            builders.certificate_data(
                score=None, stars=3, level="district", decision_date="2024-02-29"
            ),
        )
        assert first.expires_on == dt.date(2027, 2, 28)
        catalog_service.save_certificate(
            session,
            user,
            product_id,
            builders.certificate_data(
                score=92.5, level="central", decision_date="2025-09-10", authority="Bộ NN&MT"
            ),
        )
        product = session.get(catalog.Product, product_id)
        assert (product.ocop_stars, product.ocop_expires_on) == (5, dt.date(2028, 9, 10))
        assert [c.stars for c in product.certificates] == [5, 3]


def test_search_ignores_case_and_diacritics(app, people, categories) -> None:
    seller = people.username(Role.SELLER)
    builders.make_product(app, seller, builders.product_data(people.producer_id))
    builders.make_product(
        app,
        seller,
        builders.product_data(
            people.other_producer_id, name="Chè đinh Tân Cương", skus=("CHE-100",), brand=None
        ),
    )
    with app.app_context():
        user = conftest.user_named(seller)
        assert _search(user, q="nuoc mam") == ["Nước mắm cá cơm Trà Cổ"]
        assert _search(user, q="NƯỚC MẮM") == ["Nước mắm cá cơm Trà Cổ"]
        assert _search(user, q="che dinh") == ["Chè đinh Tân Cương"]
        assert _search(user, q="tan cuong") == ["Chè đinh Tân Cương"]  # producer name
        assert _search(user, q="che-100") == ["Chè đinh Tân Cương"]  # SKU
        assert _search(user, q="mam che") == []  # every word must match
        assert _search(user, q="100%_") == []  # LIKE wildcards are literal


def test_filters_and_sorts(app, people, categories) -> None:
    seller = people.username(Role.SELLER)
    tea = builders.product_data(
        people.other_producer_id, name="Chè đinh Tân Cương", skus=("CHE-100",)
    )
    tea["variants"][0].update(price=250_000, stock=0)
    builders.make_product(
        app,
        seller,
        tea,
        builders.certificate_data(
            score=None, stars=3, level="district", decision_date="2023-06-12"
        ),
    )  # expired 2026-06-12
    builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id),
        builders.certificate_data(decision_date="2024-08-15"),
    )  # active
    builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id, name="Mắm tôm", skus=("MT-1",)),
        builders.certificate_data(decision_date="2024-01-10"),
    )  # expires 2027-01-10: expiring on 2026-11-28
    builders.make_product(
        app, seller, builders.product_data(people.producer_id, name="Ruốc", skus=("R-1",))
    )  # no certificate
    with app.app_context():
        user = conftest.user_named(seller)
        assert _search(user, certificate_status="expired") == ["Chè đinh Tân Cương"]
        assert _search(user, certificate_status="expiring") == ["Mắm tôm"]
        assert _search(user, certificate_status="active") == ["Nước mắm cá cơm Trà Cổ"]
        assert _search(user, certificate_status="none") == ["Ruốc"]
        assert _search(user, stars=4) == ["Mắm tôm", "Nước mắm cá cơm Trà Cổ"]
        assert _search(user, in_stock=False) == ["Chè đinh Tân Cương"]
        assert _search(user, province_code=19) == ["Chè đinh Tân Cương"]
        assert _search(user, producer_id=people.producer_id) == [
            "Mắm tôm",
            "Nước mắm cá cơm Trà Cổ",
            "Ruốc",
        ]
        assert _search(user, sort="price_desc")[0] == "Chè đinh Tân Cương"
        assert _search(user)[0] == "Chè đinh Tân Cương"  # name order ignores diacritics
        page = pagination.paginate(
            extensions.db.session,
            catalog_service.product_query(_scope(user), catalog_service.ProductFilters(), TODAY),
            2,
            3,
        )
        assert page.total == 4 and len(page.items) == 1


def test_category_filter_includes_the_subtree(app, people, categories) -> None:
    leaf = next(code for code in categories if code.count(".") == 2)
    group = leaf.split(".")[0]
    builders.make_product(
        app,
        people.username(Role.SELLER),
        builders.product_data(people.producer_id, category_id=categories[leaf]),
    )
    with app.app_context():
        user = conftest.user_named(people.username(Role.SELLER))
        assert _search(user, category_id=categories[group]) == ["Nước mắm cá cơm Trà Cổ"]
        other = next(code for code in categories if "." not in code and code != group)
        assert _search(user, category_id=categories[other]) == []


def test_expiring_list_shows_only_current_certificates_within_90_days(
    app, people, categories
) -> None:
    seller = people.username(Role.SELLER)
    builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id, name="Mắm tôm", skus=("MT-1",)),
        builders.certificate_data(decision_date="2024-01-10"),
    )
    builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id),
        builders.certificate_data(decision_date="2024-08-15"),
    )
    with app.app_context():
        user = conftest.user_named(seller)
        rows = extensions.db.session.scalars(
            catalog_service.expiring_query(_scope(user), TODAY)
        ).all()
        assert [(c.product.name, c.expires_on) for c in rows] == [("Mắm tôm", dt.date(2027, 1, 10))]
        producer = conftest.user_named(people.username(Role.PRODUCER))
        assert (
            len(
                extensions.db.session.scalars(
                    catalog_service.expiring_query(_scope(producer), TODAY)
                ).all()
            )
            == 1
        )


def test_producer_validation_uses_the_2025_map(app, people) -> None:
    with app.app_context():
        user = conftest.user_named(people.username(Role.COORDINATOR))
        with pytest.raises(errors.ValidationError) as raised:
            producers_service.create(
                extensions.db.session,
                user,
                {
                    "name": "HTX Mới",
                    "type": "hop_tac_xa",
                    "phone": "0123",
                    "tax_code": "12",
                    "province_code": 22,
                    "commune_code": 5503,  # a Thái Nguyên commune
                },
            )
        assert set(raised.value.fields) == {"phone", "tax_code", "commune_code"}
        producer = producers_service.create(
            extensions.db.session,
            user,
            {
                "name": " HTX Mật ong Mèo Vạc ",
                "type": "hop_tac_xa",
                "phone": "+84 912 345 678",
                "tax_code": "5700100256",
                "province_code": 8,
                "commune_code": 769,
                "district": "Huyện Mèo Vạc (cũ)",
            },
        )
        assert (producer.name, producer.phone) == ("HTX Mật ong Mèo Vạc", "0912345678")
        assert (producer.province, producer.commune) == ("Tuyên Quang", "Xã Mèo Vạc")
        producer_user = conftest.user_named(people.username(Role.PRODUCER))
        with pytest.raises(errors.NotFound):  # another organisation is invisible to it
            producers_service.update(
                extensions.db.session, producer_user, producer.id, {"story": "x"}
            )
        own = producers_service.update(
            extensions.db.session,
            producer_user,
            people.producer_id,
            {"story": "Làng chài Trà Cổ", "type": "hop_tac_xa"},
        )
        assert own.story == "Làng chài Trà Cổ"


def test_producer_search_ignores_diacritics(app, people) -> None:
    with app.app_context():
        user = conftest.user_named(people.username(Role.SELLER))
        found = extensions.db.session.scalars(
            producers_service.query(_scope(user), q="che TAN cuong")
        )
        assert [p.name for p in found] == ["HTX Chè Tân Cương"]
        assert (
            extensions.db.session.scalars(producers_service.query(_scope(user), q="mam che")).all()
            == []
        )
