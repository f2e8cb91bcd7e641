"""Which adapter serves which marketplace name; modules are imported only on first use."""

from __future__ import annotations

import importlib
from typing import Any

from integrations import base

_MODULES: dict[str, str] = {
    "shopee": "integrations.shopee:ShopeeAdapter",
    "tiktok": "integrations.tiktok:TikTokAdapter",
    "lazada": "integrations.lazada:LazadaAdapter",
    "postmart": "integrations.postmart:PostmartAdapter",
    "voso": "integrations.voso:VosoAdapter",
}


def names() -> list[str]:
    return list(_MODULES)


def get(name: str) -> type[base.ChannelAdapter]:
    try:
        target = _MODULES[name]
    except KeyError:
        raise KeyError(f"unknown marketplace {name!r}; known: {', '.join(_MODULES)}") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, base.ChannelAdapter)):
        raise TypeError(f"{target} is not a ChannelAdapter")  # pragma: no cover
    return cls


def create(name: str, config: dict[str, str], **kwargs: Any) -> base.ChannelAdapter:
    return get(name)(config, **kwargs)
