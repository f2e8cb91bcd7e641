"""Typed errors of the media library; the app maps each to a 4xx or a failed job.

Nothing here is shown to a person as is: ``code`` (with ``params``, JSON-safe numbers and
short strings) is what the app words in the reader's language; ``message`` is English, for
logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Problem(str):
    """One problem with one recipe field: it *is* its English sentence (logs, the library's own
    callers and tests read it as text) and carries a stable ``code`` with JSON-safe ``params``
    that the app words in the reader's language.

    Codes: ``required``, ``object``, ``list``, ``number``, ``integer``, ``text``, ``not_empty``,
    ``boolean``, ``colour``, ``asset_id``, ``role``, ``min`` / ``max`` (``value``),
    ``max_chars`` (``max``, ``length``), ``one_of`` (``values``), ``asset_kind`` (``expected``,
    ``got``), ``unknown_asset`` (``asset``), ``clip_kind``, ``after_in``, ``after_start``,
    ``crop_x``, ``expression``, ``version`` (``version``), ``output_name``, ``clips_required``,
    ``clips_max`` / ``captions_max`` (``max``), ``past_clip_end`` / ``past_music_end`` /
    ``past_video_end`` (``seconds``), ``badge_content``, ``no_sound``, ``photos_required``,
    platform limits ``too_short`` (``platform``, ``min``, ``seconds``), ``too_long``
    (``platform``, ``min``, ``max``, ``seconds``), ``too_big`` (``platform``, ``max_mb``,
    ``size_mb``, ``estimated``).
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, message: str, params: Mapping[str, Any] | None = None) -> Problem:
        self = super().__new__(cls, message)
        self.code = code
        self.params = dict(params or {})
        return self

    def __getnewargs__(self) -> tuple[str, str, dict[str, Any]]:  # type: ignore[override]
        return (self.code, str(self), self.params)


def number(value: float) -> float | int:
    """A parameter as JSON-safe number: whole values as int (``4.0`` → ``4``), else 2 places."""
    return int(value) if float(value).is_integer() else round(float(value), 2)


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
