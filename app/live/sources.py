"""The live feature's one door to the install's settings: which comment sources it reads.

TikTok LIVE is read through TikTok's unofficial webcast route and a signing server
(docs/live-comments.md): against TikTok's terms and liable to break, so only where the install
turned it on (``TIKTOK_WEBCAST_ENABLED``); the other sources are always there.
"""

from __future__ import annotations

import flask

# Sources an install turns on by a setting (off by default), with the setting's name.
OPT_IN = {"tiktok": "TIKTOK_WEBCAST_ENABLED"}


def enabled(platform: str) -> bool:
    """Whether this install reads ``platform``'s comments."""
    setting = OPT_IN.get(platform)
    return setting is None or bool(flask.current_app.config.get(setting))
