"""What a player reads of a rendered MP4: its codecs, frame size, sample rate and length."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av


@dataclasses.dataclass(frozen=True)
class Streams:
    video_codec: str
    size: tuple[int, int]
    audio_codec: str
    sample_rate: int
    seconds: float


def streams(path: Path) -> Streams:
    """The first video and audio streams of the file at ``path``."""
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context
        assert container.duration is not None, path
        return Streams(
            video_codec=video.name,
            size=(video.width, video.height),
            audio_codec=audio.name,
            sample_rate=audio.sample_rate,
            seconds=float(container.duration / av.time_base),
        )
