"""The sandbox dialects by name, and a helper to serve them all."""

from __future__ import annotations

import importlib
from typing import Any

from sandbox import bank, core, livechat, messaging, tiktok_live

DIALECTS = {
    "shopee": "sandbox.shopee:ShopeeSandbox",
    "tiktok": "sandbox.tiktok:TikTokSandbox",
    "lazada": "sandbox.lazada:LazadaSandbox",
}


LIVE_CHATS: dict[str, type[livechat.ChatSandbox]] = {
    "facebook": livechat.FacebookLive,
    "youtube": livechat.YouTubeLive,
    "tiktok": tiktok_live.TikTokLive,  # its push server takes a port of its own when first used
}


# The bank and its webhook services (SePay, Casso, payOS; sandbox/bank.py) come after the live
# chats. The demo's club is connected to the sandbox SePay under this webhook token
# (app/setup/demo.py), so the bank knows where to call from the start.
DEMO_WEBHOOK_TOKEN = "sandbox-sepay-demo"


def bank_sandbox(app_url: str | None = None) -> bank.BankSandbox:
    """The demo's bank in real time; with ``app_url`` (the app's address) SePay's webhooks go
    to the demo club's connection there from the start."""
    served = bank.demo()
    if app_url:
        url = f"{app_url.rstrip('/')}/webhooks/payments/{DEMO_WEBHOOK_TOKEN}"
        served.bank.connect("sepay", url)
    return served


# The buyer-messaging sandbox (Zalo OAuth/OA/ZNS and Messenger; sandbox/messaging.py) comes
# after the bank. The demo's club keeps its Zalo and Messenger connections under these webhook
# keys (app/setup/demo.py), so the sandbox knows where its callbacks and buyers' texts go.
DEMO_ZALO_WEBHOOK_KEY = "sandbox-zalo-demo"
DEMO_MESSENGER_WEBHOOK_KEY = "sandbox-messenger-demo"


def messaging_sandbox(app_url: str | None = None) -> messaging.MessagingSandbox:
    """The demo's Zalo and Messenger; with ``app_url`` (the app's address) their webhooks
    (ZNS delivery callbacks, buyers' texts) go to the demo club's connections there. Serve it
    with ``messaging.Server`` (Zalo's headers have underscores)."""
    if not app_url:
        return messaging.MessagingSandbox()
    hooks = f"{app_url.rstrip('/')}/hooks/messages"
    return messaging.MessagingSandbox(
        webhook_url=f"{hooks}/{DEMO_ZALO_WEBHOOK_KEY}",
        messenger_webhook_url=f"{hooks}/{DEMO_MESSENGER_WEBHOOK_KEY}",
    )


def live_chat(name: str, comments: int = 600, seconds: float = 3600.0) -> livechat.ChatSandbox:
    """A live chat sandbox in real time: ``comments`` over ``seconds`` from now (the demo)."""
    script = livechat.scripted_chat(comments, seconds=seconds)
    return LIVE_CHATS[name](livechat.LiveChat(script, realtime=True))


def dialect(name: str, **options: Any) -> core.Dialect:
    module_name, _, class_name = DIALECTS[name].partition(":")
    cls: Any = getattr(importlib.import_module(module_name), class_name)
    return cls(**options)


def demo_credentials(name: str) -> dict[str, str]:
    """The fixed app credentials a dialect accepts out of the box."""
    module = importlib.import_module(DIALECTS[name].partition(":")[0])
    return {
        key.removeprefix("DEMO_").lower(): str(value)
        for key, value in vars(module).items()
        if key.startswith("DEMO_")
    }
