"""The SSRF guard in the app: a shop's API address must be public (outside development), both
when it is saved and each time an adapter is built (a stored address that turned private makes
the listing fail in plain words, and no request is sent)."""

from __future__ import annotations

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.channels import accounts, listings, publishing
from app.core import errors
from app.models import accounts as account_models
from app.models import channels
from tests import conftest
from tests.support import catalog as builders

Role = account_models.Role


def _data(club_id: int, base_url: str) -> dict[str, str]:
    return {
        "marketplace": "shopee",
        "name": "Shop Trà Cổ",
        "owner": f"club:{club_id}",
        "config.partner_id": "2001234",
        "config.partner_key": "khoa-bi-mat",
        "config.api_base_url": base_url,
        "default_category_id": "100644",
    }


def test_private_shop_addresses_are_refused(app: flask.Flask, people: conftest.People) -> None:
    app.config["ALLOW_PRIVATE_URLS"] = False
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    with app.app_context():
        session = extensions.db.session
        coordinator = conftest.user_named(people.username(Role.COORDINATOR))
        club_id = coordinator.club_id
        assert club_id is not None
        with pytest.raises(errors.ValidationError) as refused:
            accounts.save_account(
                session, coordinator, _data(club_id, "http://169.254.169.254/api/v2")
            )
        (message,) = refused.value.fields["config.api_base_url"]
        assert "không được phép" in message and "169.254.169.254" in message
        assert session.scalar(sa.select(sa.func.count(channels.ChannelAccount.id))) == 0

        account = accounts.save_account(
            session, coordinator, _data(club_id, "https://203.113.131.1/api/v2")
        )
        account.status = channels.AccountStatus.CONNECTED
        # The stored address points inside the network now (edited, or its DNS changed).
        account.config = {**account.config, "api_base_url": "http://10.0.0.5/api/v2"}
        session.commit()
        (listing,) = listings.bind(session, coordinator, account.id, [product_id])
        summary = publishing.run(session, [listing.id], publishing.Options(backoff_base=0.001))
        assert summary.failed == 1
        session.refresh(listing)
        assert listing.state == channels.ListingState.FAILED
        assert listing.last_error is not None and "10.0.0.5" in listing.last_error
        assert listing.create_attempted is False  # nothing was sent


def test_development_allows_the_local_sandboxes(app: flask.Flask, people: conftest.People) -> None:
    app.config["ALLOW_PRIVATE_URLS"] = True
    with app.app_context():
        coordinator = conftest.user_named(people.username(Role.COORDINATOR))
        assert coordinator.club_id is not None
        account = accounts.save_account(
            extensions.db.session,
            coordinator,
            _data(coordinator.club_id, "http://127.0.0.1:5701/api/v2"),
        )
        assert account.config["api_base_url"] == "http://127.0.0.1:5701/api/v2"
