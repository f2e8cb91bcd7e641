"""Which comment source serves which platform; modules are imported only on first use."""

from __future__ import annotations

from integrations import plugins
from integrations.comments import base

SOURCES = plugins.Registry[base.CommentSource](
    "comment source",
    base.CommentSource,
    {
        "facebook": "integrations.comments.facebook:FacebookLiveSource",
        "youtube": "integrations.comments.youtube:YouTubeLiveSource",
        "tiktok": "integrations.comments.tiktok:TikTokLiveSource",
    },
)
names, get, create = SOURCES.names, SOURCES.get, SOURCES.create
