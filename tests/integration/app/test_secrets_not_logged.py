"""Shop secrets and tokens never reach the logs or the listing's error text.

A shop is connected to the Shopee sandbox (tokens in the query string, signed requests),
products are pushed with injected faults and then against a dead address, with every
logger at DEBUG (urllib3 prints each URL at that level). Every secret value the shop holds
is then looked for in all captured log text and every stored error.
"""

from __future__ import annotations

import logging
import socket

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.channels import adapters, publishing
from app.models import accounts as account_models
from app.models import channels
from tests import conftest
from tests.integration.app import test_channels_sandbox as flow
from tests.support import sandboxes

Role = account_models.Role


def _secrets(app: flask.Flask, account_id: int) -> set[str]:
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        assert account is not None
        cls = adapters.registry.get(account.marketplace)
        config = adapters.adapter_config(account)
        values = {config[name] for name in cls.secret_fields() if config.get(name)}
        values |= {str(v) for v in adapters.vault().open(account.tokens_enc).values()}
    return {v for v in values if len(v) >= 6 and not v.isdigit()}


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


def test_publishing_with_faults_logs_no_secret(
    app: flask.Flask, people: conftest.People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with sandboxes.running("shopee") as sandbox:
        account_id = flow._connect(app, sandbox, people.username(Role.COORDINATOR))
        secrets = _secrets(app, account_id)
        assert any("token" in s or len(s) > 10 for s in secrets), secrets
        product_ids = flow._products(app, people, 4, "L")
        listing_ids = flow._bind(app, people.username(Role.SELLER), account_id, product_ids)
        sandbox.admin("faults", {"error_rate": 0.3, "seed": 7})
        with app.app_context():
            publishing.run(extensions.db.session, listing_ids[:2], flow._opts())
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        assert account is not None
        account.config = {**(account.config or {}), "api_base_url": _dead_url()}
        extensions.db.session.commit()
        adapters._cache.clear()
        publishing.run(extensions.db.session, listing_ids[2:], flow._opts(outage_threshold=10_000))
        errors = list(
            extensions.db.session.scalars(
                sa.select(channels.Listing.last_error).where(channels.Listing.id.in_(listing_ids))
            )
        )
    logged = caplog.text + "\n".join(
        logging.Formatter().format(record) for record in caplog.records
    )
    # the pushes really ran and talked HTTP: urllib3's debug lines and a connection failure
    assert "urllib3" in logged or "connectionpool" in "".join(r.name for r in caplog.records)
    stored = "\n".join(e or "" for e in errors)
    assert "kết nối được tới máy chủ của sàn" in stored, stored  # worded from its code
    assert "connection failed" in logged or "could not connect" in logged  # English: logs only
    for secret in secrets:
        assert secret not in logged, f"a secret of the shop appears in the logs: {secret[:3]}…"
        assert secret not in stored
