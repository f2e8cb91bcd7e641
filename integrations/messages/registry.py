"""Which message channel serves which name; modules are imported only on first use."""

from __future__ import annotations

from integrations import plugins
from integrations.messages import base

CHANNELS = plugins.Registry[base.MessageChannel](
    "message channel",
    base.MessageChannel,
    {
        "zalo_zns": "integrations.messages.zalo_zns:ZaloZnsChannel",
        "zalo_oa": "integrations.messages.zalo_oa:ZaloOaChannel",
        "messenger": "integrations.messages.messenger:MessengerChannel",
    },
)
names, get, create = CHANNELS.names, CHANNELS.get, CHANNELS.create
