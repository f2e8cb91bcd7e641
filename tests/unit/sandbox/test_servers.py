"""The demo data's sandbox credentials are the ones the sandboxes accept."""

from __future__ import annotations

import importlib

import pytest

from app.messages import rules
from app.setup import demo
from sandbox import servers


@pytest.mark.parametrize("name", list(servers.DIALECTS))
def test_demo_channel_credentials_match_the_sandbox_constants(name: str) -> None:
    module = importlib.import_module(servers.DIALECTS[name].partition(":")[0])
    creds = demo.SANDBOX_CHANNELS[name]
    if name == "shopee":
        assert creds == {
            "partner_id": module.DEMO_PARTNER_ID,
            "partner_key": module.DEMO_PARTNER_KEY,
        }
    else:
        assert creds["app_key"] == module.DEMO_APP_KEY
        assert creds["app_secret"] == module.DEMO_APP_SECRET
    assert set(demo.sandbox_channel_config(name, "http://127.0.0.1:1")) >= set(creds)


def test_every_sandbox_dialect_builds() -> None:
    for name in servers.DIALECTS:
        dialect = servers.dialect(name)
        assert dialect.name == name


@pytest.mark.parametrize("name", list(servers.LIVE_CHATS))
def test_the_demo_live_chats_play_in_real_time_from_the_start(name: str) -> None:
    chat_app = servers.live_chat(name, comments=40, seconds=600)
    chat = chat_app.chat
    assert chat_app.name == name and chat.realtime
    assert len([e for e in chat.script if e.kind == "comment"]) == 40
    assert not chat.is_over()  # the script runs ten minutes from now
    assert chat.happened() == [e for e in chat.script if e.at <= chat.now() - chat.started]


def test_the_demo_live_matches_the_live_chat_sandbox() -> None:
    import inspect

    from sandbox import livechat

    assert demo.DEMO_LIVE_VIDEO == livechat.DEMO_VIDEO_ID
    codes = inspect.signature(livechat.scripted_chat).parameters["codes"].default
    assert tuple(codes) == demo.DEMO_LIVE_CODES
    assert livechat.DEMO_API_KEY == "sandbox-youtube-key"


def test_the_demo_payments_match_the_sandbox_bank() -> None:
    from sandbox import bank

    assert demo.SANDBOX_BANK_ACCOUNT == {
        "bank_bin": bank.DEMO_BIN,
        "account_number": bank.DEMO_ACCOUNT,
    }
    assert demo.SANDBOX_SEPAY["webhook_secret"] == bank.DEMO_SEPAY_SECRET
    assert demo.SANDBOX_WEBHOOK_TOKEN == servers.DEMO_WEBHOOK_TOKEN
    served = servers.bank_sandbox("http://127.0.0.1:5000/")
    try:
        assert served.bank.realtime
        assert served.bank.hooks["sepay"].url == (
            "http://127.0.0.1:5000/webhooks/payments/sandbox-sepay-demo"
        )
        assert "payos" not in served.bank.hooks
    finally:
        served.bank.close()


def test_the_demo_messages_match_the_messaging_sandbox() -> None:
    from sandbox import messaging

    assert demo.SANDBOX_ZALO == {
        "app_id": messaging.DEMO_APP_ID,
        "app_secret": messaging.DEMO_APP_SECRET,
        "oa_secret": messaging.DEMO_OA_SECRET,
    }
    assert demo.SANDBOX_MESSENGER == {
        "page_id": messaging.DEMO_PAGE_ID,
        "page_access_token": messaging.DEMO_PAGE_TOKEN,
        "app_secret": messaging.DEMO_FB_APP_SECRET,
    }
    approved = {t.template_id: t for t in messaging.DEMO_TEMPLATES if t.approved}
    registered = {
        template_id: (name, {p["name"]: p["type"] for p in rules.parse_params(params)}, price)
        for template_id, name, params, price in demo.SANDBOX_TEMPLATES
    }
    assert registered == {k: (t.name, t.params, t.price) for k, t in approved.items()}
    assert set(demo.SANDBOX_ZNS_RULES.values()) <= set(approved)
    assert demo.SANDBOX_ZALO_WEBHOOK_KEY == servers.DEMO_ZALO_WEBHOOK_KEY
    assert demo.SANDBOX_MESSENGER_WEBHOOK_KEY == servers.DEMO_MESSENGER_WEBHOOK_KEY
    box = servers.messaging_sandbox("http://127.0.0.1:5000/").box
    assert box.webhook_url == "http://127.0.0.1:5000/hooks/messages/sandbox-zalo-demo"
    assert box.messenger_webhook_url == (
        "http://127.0.0.1:5000/hooks/messages/sandbox-messenger-demo"
    )
    box.reset()  # the admin's reset keeps where the webhooks go
    assert box.messenger_webhook_url.endswith("/sandbox-messenger-demo")
    assert servers.messaging_sandbox().box.webhook_url == ""


def test_the_messaging_sandbox_port_follows_the_bank() -> None:
    """``python -m sandbox`` serves the messaging sandbox on the port base + 7 (after the
    marketplaces, the live chats and the bank), where the app's config looks for it."""
    from app import config

    offset = len(servers.DIALECTS) + len(servers.LIVE_CHATS) + 1
    assert offset == 7
    env = {"SANDBOX_PORT_BASE": "6100"}
    assert config._sandbox_messaging_url(env) == "http://127.0.0.1:6107"
    assert tuple(servers.DIALECTS) == config.SANDBOX_DIALECTS
    assert tuple(servers.LIVE_CHATS) == config.SANDBOX_LIVE_CHATS
