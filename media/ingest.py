"""Ingest a probed upload: a normalised master, a small proxy and a poster.

Masters are what renders read, so they are made predictable once: videos upright (the
display rotation applied), at a constant frame rate, yuv420p H.264 with an AAC 48 kHz
stereo track (silence when the clip had none), faststart; photos upright without EXIF,
RGB or RGBA; music AAC 48 kHz stereo. Every file is written under a temporary name in
``out_dir`` and renamed into place only when all of them are good, so a failure leaves
nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from media import errors, ffmpeg, probe

# Masters and proxies are our own files: only their shape is checked, not upload limits.
_OUTPUT_LIMITS = probe.Limits(
    max_bytes=2**62,
    max_duration=1e9,
    min_duration=0.0,
    max_width=1 << 16,
    max_height=1 << 16,
    min_width=1,
    min_height=1,
)
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_PROXY_MAX_FPS = 30
_DEFAULT_FPS = 30


@dataclasses.dataclass(frozen=True)
class Ingested:
    """Files made from one upload, all in the same folder; ``info`` describes the master.

    Videos have all three; photos a master and a small proxy; music only a master.
    """

    master: Path
    proxy: Path | None
    poster: Path | None
    info: probe.MediaInfo


def ingest(
    src: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    info: probe.MediaInfo,
    *,
    fps_cap: int = 60,
    proxy_height: int = 360,
    max_side: int = 3840,
    timeout: float | None = None,
) -> Ingested:
    """Normalise ``src`` (already accepted by ``probe.probe`` as ``info``) into ``out_dir``.

    Names are server-generated. ``max_side`` caps the master's longer side; ``timeout``
    (seconds) defaults to a budget from the duration. MediaError if ffmpeg fails.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    batch = _Batch(out, secrets.token_hex(12))
    try:
        if info.kind == "video":
            result = _ingest_video(Path(src), batch, info, fps_cap, proxy_height, max_side, timeout)
        elif info.kind == "image":
            result = _ingest_image(Path(src), batch, info, proxy_height, max_side)
        elif info.kind == "audio":
            result = _ingest_audio(Path(src), batch, info, timeout)
        else:
            raise ValueError(f"unknown media kind {info.kind!r}")
        batch.publish()
    except BaseException:
        batch.discard()
        raise
    return result


class _Batch:
    """Temporary files in the target folder, renamed into place together or removed."""

    def __init__(self, folder: Path, token: str) -> None:
        self.folder = folder
        self.token = token
        self._pending: list[tuple[Path, Path]] = []  # (temporary, final)
        self._published: list[Path] = []

    def add(self, suffix: str) -> tuple[Path, Path]:
        final = self.folder / f"{self.token}{suffix}"
        temporary = self.folder / f".{self.token}{suffix}.part"
        self._pending.append((temporary, final))
        return temporary, final

    def publish(self) -> None:
        for temporary, final in self._pending:
            os.replace(temporary, final)
            self._published.append(final)
        self._pending = []

    def discard(self) -> None:
        for path in [temporary for temporary, _ in self._pending] + self._published:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


# --- video ------------------------------------------------------------------------------


def _ingest_video(
    src: Path,
    batch: _Batch,
    info: probe.MediaInfo,
    fps_cap: int,
    proxy_height: int,
    max_side: int,
    timeout: float | None,
) -> Ingested:
    if not info.width or not info.height or not info.duration:
        raise ValueError("a video's MediaInfo needs width, height and duration")
    fps = frame_rate(info.fps, fps_cap)
    proxy_fps = min(fps, _PROXY_MAX_FPS)
    width, height = _fit(info.width, info.height, max_side)
    proxy_w, proxy_h = _fit(width, height, max_side, max_height=proxy_height)
    duration = info.duration
    master_tmp, master = batch.add(".mp4")
    proxy_tmp, proxy = batch.add(".proxy.mp4")
    poster_tmp, poster = batch.add(".jpg")
    # ffmpeg turns the picture upright itself (autorotate) before the graph sees it.
    graph = [
        f"[0:V:0]fps={fps},scale={width}:{height}:out_range=tv,setsar=1,format=yuv420p,"
        "split=3[vm][v1][v2]",
        f"[v1]fps={proxy_fps},scale={proxy_w}:{proxy_h},setsar=1[vp]",
        # JPEG is full range: without its own scale the split would make every output so.
        "[v2]scale=out_range=pc[vt]",
        _audio_graph(info, duration) + ",asplit=2[am][ap]",
    ]
    args = [
        "-y",
        *ffmpeg.input_args(src, probe.demuxer(info.container)),
        "-filter_complex",
        ";".join(graph),
        # master
        "-map", "[vm]", "-map", "[am]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-color_range", "tv", "-g", str(2 * fps),
        *_aac(192), *_clean_mp4(),
        ffmpeg.file_url(master_tmp),
        # proxy
        "-map", "[vp]", "-map", "[ap]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "30",
        "-maxrate", "400k", "-bufsize", "800k", "-pix_fmt", "yuv420p", "-color_range", "tv",
        "-g", str(proxy_fps),
        *_aac(64), *_clean_mp4(),
        ffmpeg.file_url(proxy_tmp),
        # poster: the first frame
        "-map", "[vt]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-map_metadata", "-1",
        "-f", "mjpeg",
        ffmpeg.file_url(poster_tmp),
    ]  # fmt: skip
    ffmpeg.run(args, timeout=timeout or _time_budget(duration))
    master_info = probe.probe(master_tmp, "video", _OUTPUT_LIMITS)
    probe.probe(poster_tmp, "image", _OUTPUT_LIMITS)
    return Ingested(master=master, proxy=proxy, poster=poster, info=master_info)


def frame_rate(source_fps: float | None, fps_cap: int) -> int:
    """The constant frame rate a master gets: the source's, rounded, at most ``fps_cap``."""
    if not source_fps or not math.isfinite(source_fps):
        source_fps = _DEFAULT_FPS
    return max(1, min(fps_cap, round(source_fps)))


def _audio_graph(info: probe.MediaInfo, duration: float) -> str:
    """48 kHz stereo lasting exactly as long as the picture; silence if there is no sound."""
    end = f"{duration:.3f}"
    if not info.has_audio:
        return f"anullsrc=r=48000:cl=stereo,atrim=end={end}"
    # async/first_pts fill a late start with silence; apad+atrim fit the end to the picture.
    return (
        "[0:a:0]aresample=48000:async=1:first_pts=0,"
        f"aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,"
        f"apad,atrim=end={end}"
    )


def _aac(kbps: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{kbps}k", "-ar", "48000", "-ac", "2"]


def _clean_mp4() -> list[str]:
    """No source metadata (rotation tags, GPS, chapters); index first for streaming."""
    return ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"]


def _fit(
    width: int, height: int, max_side: int, *, max_height: int | None = None
) -> tuple[int, int]:
    """Scale down (never up) to fit ``max_side`` and ``max_height``; even, for yuv420p."""
    scale = min(1.0, max_side / max(width, height))
    if max_height is not None:
        scale = min(scale, max_height / height)
    return _even(width * scale), _even(height * scale)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _time_budget(duration: float) -> float:
    # Generous: a 4K HEVC clip encodes at a few frames per second on two cores.
    return 120.0 + 30.0 * duration


# --- photos -----------------------------------------------------------------------------


def _ingest_image(
    src: Path, batch: _Batch, info: probe.MediaInfo, proxy_height: int, max_side: int
) -> Ingested:
    try:
        with warnings.catch_warnings():
            # The probe has already enforced the pixel limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(src, formats=[_PILLOW_FORMATS[info.container]]) as opened:
                picture = _normalised_picture(opened, max_side)
    except (OSError, SyntaxError, ValueError) as exc:
        raise errors.MediaError(
            f"The picture could not be read: {exc}", code="ingest_failed"
        ) from exc
    keep_jpeg = info.container == "jpeg" and picture.mode == "RGB"
    suffix, save = (".jpg", _save_jpeg) if keep_jpeg else (".png", _save_png)
    master_tmp, master = batch.add(suffix)
    save(picture, master_tmp)
    proxy_w, proxy_h = _fit(picture.width, picture.height, max_side, max_height=proxy_height)
    proxy_tmp, proxy = batch.add(".proxy" + suffix)
    save(picture.resize((proxy_w, proxy_h), Image.Resampling.LANCZOS), proxy_tmp)
    master_info = probe.probe(master_tmp, "image", _OUTPUT_LIMITS)
    return Ingested(master=master, proxy=proxy, poster=None, info=master_info)


def _normalised_picture(image: Image.Image, max_side: int) -> Image.Image:
    """First frame, upright, longer side at most ``max_side``, sRGB, RGB or RGBA.

    The result carries no EXIF (and so no GPS position) and no colour profile.
    """
    icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
    if image.format == "JPEG":
        image.draft(image.mode, (max_side, max_side))  # decode big photos at a reduced scale
    picture = ImageOps.exif_transpose(image)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    picture = picture.convert(mode)
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if not icc:
        return picture
    try:
        # Renders ignore colour profiles, so a wide-gamut (Display P3) photo is converted now.
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(picture, source, target, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture  # an unusable profile: keep the pixels as they are
    return converted if converted is not None else picture


def _save_jpeg(picture: Image.Image, path: Path) -> None:
    with path.open("wb") as file:
        picture.save(file, format="JPEG", quality=90, optimize=True)


def _save_png(picture: Image.Image, path: Path) -> None:
    with path.open("wb") as file:
        picture.save(file, format="PNG")


# --- music ------------------------------------------------------------------------------


def _ingest_audio(
    src: Path, batch: _Batch, info: probe.MediaInfo, timeout: float | None
) -> Ingested:
    master_tmp, master = batch.add(".m4a")
    args = [
        "-y",
        *ffmpeg.input_args(src, probe.demuxer(info.container)),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        *_aac(192),
        "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "ipod",
        ffmpeg.file_url(master_tmp),
    ]  # fmt: skip
    ffmpeg.run(args, timeout=timeout or _time_budget(info.duration or 600.0))
    master_info = probe.probe(master_tmp, "audio", _OUTPUT_LIMITS)
    return Ingested(master=master, proxy=None, poster=None, info=master_info)
