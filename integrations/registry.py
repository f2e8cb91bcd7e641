"""Which adapter serves which marketplace name; modules are imported only on first use."""

from __future__ import annotations

from typing import Any

from integrations import base, plugins

_REGISTRY = plugins.Registry[base.ChannelAdapter](
    "marketplace",
    base.ChannelAdapter,
    {
        "shopee": "integrations.shopee:ShopeeAdapter",
        "tiktok": "integrations.tiktok:TikTokAdapter",
        "lazada": "integrations.lazada:LazadaAdapter",
        "postmart": "integrations.postmart:PostmartAdapter",
        "voso": "integrations.voso:VosoAdapter",
    },
)
names = _REGISTRY.names
get = _REGISTRY.get


def create(name: str, config: dict[str, str], **kwargs: Any) -> base.ChannelAdapter:
    return get(name)(config, **kwargs)
