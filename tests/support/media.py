"""Small generated media for tests, made with the bundled ffmpeg (photos with Pillow).

Keep them short and small: the suite runs on two cores.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import av
from PIL import Image, ImageDraw

from media import ffmpeg

# Sound codec to pair with a video or audio file, by extension.
_AUDIO_CODECS = {
    ".mp4": "aac",
    ".mov": "aac",
    ".m4v": "aac",
    ".m4a": "aac",
    ".mkv": "libopus",
    ".webm": "libopus",
    ".mp3": "libmp3lame",
    ".wav": "pcm_s16le",
    ".ogg": "libopus",
}
# Options that keep slow encoders fast on tiny pictures.
_FAST = {
    "libx264": ["-preset", "ultrafast"],
    "libx265": ["-preset", "ultrafast", "-x265-params", "log-level=none"],
    "libvpx-vp9": ["-deadline", "realtime", "-cpu-used", "8"],
    "libsvtav1": ["-preset", "12", "-svtav1-params", "log-level=0"],
}


def ffmpeg_run(*args: str) -> None:
    """Run the bundled ffmpeg quietly; CalledProcessError (with its log) if it fails."""
    subprocess.run(
        [ffmpeg.executable(), *ffmpeg.base_args(), "-y", *args],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def make_video(
    path: str | os.PathLike[str],
    seconds: float = 1.0,
    size: tuple[int, int] = (320, 240),
    fps: float = 30,
    rotation: int = 0,
    audio: bool = True,
    codec: str = "libx264",
    *,
    faststart: bool = False,
    pix_fmt: str = "yuv420p",
    marker: bool = False,
) -> Path:
    """A moving test pattern (with a 440 Hz tone unless ``audio`` is False).

    ``marker`` fills the top-left quarter-by-quarter of the stored picture with red, to
    tell where a rotation put it.

    ``rotation`` is the clockwise turn a player applies, as a phone records it: the stored
    picture is ``size`` and a probe reports the picture as displayed. The container
    follows the file extension.
    """
    path = Path(path)
    width, height = size
    target = path.with_name(f"unrotated-{path.name}") if rotation else path
    pattern = f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"
    if marker:
        pattern += ",drawbox=x=0:y=0:w=iw/4:h=ih/4:color=red:t=fill"
    args = ["-f", "lavfi", "-i", pattern]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    args += ["-map", "0:v"] + (["-map", "1:a"] if audio else [])
    args += ["-c:v", codec, *_FAST.get(codec, []), "-pix_fmt", pix_fmt]
    if audio:
        args += ["-c:a", _AUDIO_CODECS[path.suffix.lower()]]
    if faststart:
        args += ["-movflags", "+faststart"]
    ffmpeg_run(*args, str(target))
    if rotation:
        # -display_rotation turns counter-clockwise; phones' rotation is clockwise.
        ffmpeg_run(
            "-display_rotation:v:0", str(-rotation), "-i", str(target),
            "-c", "copy", *(["-movflags", "+faststart"] if faststart else []), str(path),
        )  # fmt: skip
        target.unlink()
    return path


def make_audio(
    path: str | os.PathLike[str],
    seconds: float = 1.0,
    sample_rate: int = 44100,
    channels: int = 1,
    codec: str | None = None,
) -> Path:
    """A 440 Hz tone; the container follows the extension (``codec`` overrides its codec)."""
    path = Path(path)
    ffmpeg_run(
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={sample_rate}:duration={seconds}",
        "-ac", str(channels), "-c:a", codec or _AUDIO_CODECS[path.suffix.lower()], str(path),
    )  # fmt: skip
    return path


def make_image(
    path: str | os.PathLike[str],
    size: tuple[int, int] = (64, 48),
    *,
    exif_orientation: int | None = None,
    alpha: bool = False,
) -> Path:
    """A grey picture with a red block in its top-left corner (to check orientation).

    The format follows the extension (.jpg, .png, .webp, .gif...). ``exif_orientation``
    (1-8) is written as EXIF, so the picture displays turned; ``alpha`` makes it RGBA
    with a transparent bottom half.
    """
    path = Path(path)
    width, height = size
    mode = "RGBA" if alpha else "RGB"
    picture = Image.new(mode, size, (128, 128, 128, 255) if alpha else (128, 128, 128))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, width // 4, height // 4), fill=(255, 0, 0, 255) if alpha else (255, 0, 0))
    if alpha:
        draw.rectangle((0, height // 2, width, height), fill=(0, 0, 0, 0))
    options: dict[str, object] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        options["exif"] = exif
    picture.save(path, **options)
    return path


def check_render(path: Path, size: tuple[int, int]) -> float:
    """Check a rendered file is H.264 at ``size`` (width, height) with 48 kHz AAC sound;
    its duration in seconds."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == size
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48000
        assert container.duration is not None
        return float(container.duration / av.time_base)
