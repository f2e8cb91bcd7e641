"""Typed errors of the media library; the app maps each to a 4xx or a failed job.

Nothing here is shown to a person as is: ``code`` (with ``params``, JSON-safe numbers and
short strings) is what the app words in the reader's language; ``message`` is English, for
logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MediaError(Exception):
    """Base of everything ``media`` raises on purpose."""

    def __init__(
        self, message: str, *, code: str = "", params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params: dict[str, Any] = dict(params or {})


class RefusedMedia(MediaError):
    """An upload that is not acceptable media; ``code`` names the rule it broke.

    Codes: ``empty``, ``too_large``, ``unknown_format``, ``container_not_allowed``,
    ``codec_not_allowed``, ``no_stream``, ``truncated``, ``undecodable``, ``too_long``,
    ``too_short``, ``too_small``, ``too_big_frame``, ``playlist``, ``svg`` (a vector image:
    only PNG, JPEG and WebP pictures are accepted).

    Params: ``too_large`` (``size_mb``, ``max_mb``), ``too_long`` / ``too_short``
    (``seconds``, ``max_seconds`` / ``min_seconds``), ``too_small`` / ``too_big_frame``
    (``width``, ``height``, ``min_width``/``min_height`` or ``max_width``/``max_height``),
    ``codec_not_allowed`` (``codec``, ``accepted``), ``container_not_allowed`` (``accepted``
    when the format is known but not allowed here).
    """


class RecipeInvalid(MediaError):
    """A recipe that breaks the schema or a platform limit; ``fields`` maps a path to messages.

    Paths look like ``clips[0].in``, ``captions[2].text``, ``profile``.
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]]) -> None:
        super().__init__(message, code="recipe_invalid")
        self.fields = fields


class RenderFailed(MediaError):
    """ffmpeg exited with an error; ``message`` carries the tail of its log."""


class RenderCancelled(MediaError):
    """The caller asked the render to stop; nothing was published."""


class RenderTimeout(RenderFailed):
    """The render ran longer than its time limit; nothing was published."""
