"""Probe an upload before it is accepted: what it really is, and whether it is allowed.

The format is read from the file's first bytes, never from its name, and that demuxer is
forced when opening it, so a renamed PNG cannot pass as a video and a text playlist is
never handed to a demuxer that would follow it. Video and audio are opened with PyAV
(file protocol only, one demuxer, allow-listed decoders); photos with Pillow, which reads
the size from the header before decoding anything.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import statistics
import warnings
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal, NoReturn

import av
import av.stream
from PIL import Image

from media import errors

Kind = Literal["video", "image", "audio"]
KINDS: tuple[Kind, ...] = ("video", "image", "audio")

_HEAD_BYTES = 4096
# Packets read while waiting for the first decoded frame (frame threading delays output).
_FIRST_FRAME_PACKETS = 300


@dataclasses.dataclass(frozen=True)
class Limits:
    """What an upload may be. Widths and heights are as displayed (after rotation)."""

    max_bytes: int = 1024 * 1024 * 1024
    max_duration: float = 600.0
    min_duration: float = 0.5
    max_width: int = 8192
    max_height: int = 8192
    min_width: int = 32
    min_height: int = 32
    video_containers: frozenset[str] = frozenset({"mp4", "mov", "m4v", "webm", "mkv"})
    video_codecs: frozenset[str] = frozenset({"h264", "hevc", "vp9", "av1"})
    image_formats: frozenset[str] = frozenset({"jpeg", "png", "webp"})
    audio_containers: frozenset[str] = frozenset({"mp3", "m4a", "wav", "ogg"})
    # Also the codecs a video's sound track may use.
    audio_codecs: frozenset[str] = frozenset(
        {
            "aac",
            "mp3",
            "opus",
            "vorbis",
            "pcm_s16le",
            "pcm_s24le",
            "pcm_s32le",
            "pcm_f32le",
            "pcm_u8",
        }
    )


@dataclasses.dataclass(frozen=True)
class MediaInfo:
    """What a probe found. ``width``/``height`` are as displayed, after ``rotation``.

    ``rotation`` is how far a player turns the stored picture clockwise (0, 90, 180, 270),
    the value phones used to write as the ``rotate`` tag. ``duration`` is None for photos.
    ``fps`` is the nominal frame rate (:func:`nominal_frame_rate`), not the average of a
    variable-frame-rate clip.
    """

    kind: Kind
    container: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    video_codec: str | None = None
    fps: float | None = None
    duration: float | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    has_audio: bool = False


@dataclasses.dataclass(frozen=True)
class _Format:
    name: str  # as MediaInfo.container reports it
    family: Literal["av", "video", "image", "audio"]  # "av": the streams decide
    label: str  # for messages


# Demuxers forced for the formats that are opened with PyAV or ffmpeg.
_DEMUXERS = {
    "mp4": "mov",
    "mov": "mov",
    "m4v": "mov",
    "m4a": "mov",
    "3gp": "mov",
    "webm": "matroska",
    "mkv": "matroska",
    "ogg": "ogg",
    "mp3": "mp3",
    "wav": "wav",
}
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
# Decoder names (what codec_whitelist matches) for codec names that differ.
_DECODERS = {
    "vp9": ("vp9", "libvpx-vp9"),
    "av1": ("libdav1d", "libaom-av1", "av1"),
    "aac": ("aac", "aac_fixed"),
    "mp3": ("mp3float", "mp3"),
    "opus": ("opus", "libopus"),
    "vorbis": ("vorbis", "libvorbis"),
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
# Top-level atoms a QuickTime file without an ftyp box may start with.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
# EXIF orientation -> clockwise turn a viewer applies (mirrored variants share the turn).
_EXIF_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 270, 6: 90, 7: 90, 8: 270}
_PLAYLIST_LINE_STARTS = (
    "#extm3u",
    "#ext-x-",
    "#extinf",
    "ffconcat",
    "file ",
    "file\t",
    "[playlist]",
    "<mpd",
    "<smil",
    "<asx",
    "<playlist",
    "<manifest",
    "v=0",
)


def demuxer(container: str) -> str:
    """The libavformat demuxer to force when opening a probed file of this container."""
    try:
        return _DEMUXERS[container]
    except KeyError:
        raise ValueError(f"no demuxer for container {container!r}") from None


def probe(
    path: str | os.PathLike[str], kind_hint: str | None = None, limits: Limits | None = None
) -> MediaInfo:
    """Read what ``path`` really is; RefusedMedia if it breaks a rule of ``limits``.

    ``kind_hint`` is what the upload was meant to be ("video", "image", "audio"); a file of
    another kind is refused. None accepts any allowed kind.
    """
    if kind_hint is not None and kind_hint not in KINDS:
        raise ValueError(f"kind_hint must be one of {KINDS} or None, not {kind_hint!r}")
    limits = limits or Limits()
    path = os.path.abspath(os.fspath(path))
    size = os.path.getsize(path)
    if size == 0:
        _refuse("empty", "The file is empty.")
    if size > limits.max_bytes:
        _refuse(
            "too_large",
            f"The file is {_megabytes(size)}; the limit is {_megabytes(limits.max_bytes)}.",
            size_mb=round(size / (1024 * 1024), 1),
            max_mb=round(limits.max_bytes / (1024 * 1024), 1),
        )
    with open(path, "rb") as file:
        head = file.read(_HEAD_BYTES)
    fmt = _sniff(head)
    if fmt is None:
        _refuse_unrecognised(head)
    if fmt.family == "image":
        return _probe_image(path, fmt, size, kind_hint, limits)
    if fmt.name not in _DEMUXERS:
        _refuse_by_kind(fmt.family, fmt, kind_hint)
        _refuse_container(fmt, fmt.family, limits)
    return _probe_av(path, fmt, size, kind_hint, limits)


# --- recognising the format -------------------------------------------------------------


def _sniff(head: bytes) -> _Format | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_format(head[8:12])
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return _Format("mov", "av", "QuickTime")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return (
            _Format("webm", "av", "WebM")
            if b"webm" in head[:64]
            else _Format("mkv", "av", "Matroska")
        )
    if head.startswith(b"OggS"):
        return _Format("ogg", "av", "Ogg")
    if head.startswith(b"\xff\xd8\xff"):
        return _Format("jpeg", "image", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _Format("png", "image", "PNG")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _Format("webp", "image", "WebP")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return _Format("wav", "audio", "WAV")
    if head.startswith(b"ID3") or _is_mpeg_audio(head, layer=0b01):
        return _Format("mp3", "audio", "MP3")
    return _known_refused_format(head)


def _iso_format(brand: bytes) -> _Format:
    if brand in _HEIF_BRANDS:
        return _Format("heif", "image", "HEIC/HEIF")
    if brand == b"qt  ":
        return _Format("mov", "av", "QuickTime")
    if brand == b"M4V ":
        return _Format("m4v", "av", "M4V")
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return _Format("m4a", "av", "M4A")
    if brand.startswith((b"3gp", b"3g2", b"3ge", b"3gg", b"3gs")):
        return _Format("3gp", "av", "3GP")
    return _Format("mp4", "av", "MP4")


def _is_mpeg_audio(head: bytes, *, layer: int) -> bool:
    """An MPEG audio frame header; layer bits 0b01 = layer III (MP3), 0b00 = ADTS AAC."""
    return (
        len(head) >= 2
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and (head[1] >> 1) & 0b11 == layer
    )


def _known_refused_format(head: bytes) -> _Format | None:
    """Formats recognised only to refuse them by name."""
    table: list[tuple[bool, _Format]] = [
        (head.startswith((b"GIF87a", b"GIF89a")), _Format("gif", "image", "GIF")),
        (head.startswith(b"BM"), _Format("bmp", "image", "BMP")),
        (head.startswith((b"II*\x00", b"MM\x00*")), _Format("tiff", "image", "TIFF")),
        (head.startswith(b"RIFF") and head[8:12] == b"AVI ", _Format("avi", "video", "AVI")),
        (head.startswith(b"FLV"), _Format("flv", "video", "FLV")),
        (head.startswith(b"\x30\x26\xb2\x75"), _Format("asf", "video", "Windows Media")),
        (head.startswith(b"\x00\x00\x01\xba"), _Format("mpeg", "video", "MPEG program")),
        (
            len(head) > 188 and head[0] == 0x47 and head[188] == 0x47,
            _Format("mpegts", "video", "MPEG transport stream"),
        ),
        (head.startswith(b"fLaC"), _Format("flac", "audio", "FLAC")),
        (head.startswith(b"FORM") and head[8:11] == b"AIF", _Format("aiff", "audio", "AIFF")),
        (head.startswith(b"#!AMR"), _Format("amr", "audio", "AMR")),
        (head.startswith(b"caff"), _Format("caf", "audio", "Core Audio")),
        (_is_mpeg_audio(head, layer=0b00), _Format("aac", "audio", "raw AAC (ADTS)")),
    ]
    return next((fmt for matched, fmt in table if matched), None)


def _refuse_unrecognised(head: bytes) -> NoReturn:
    text = _as_text(head)
    if text is None:
        _refuse(
            "unknown_format",
            "This file is not a photo, video or audio format we recognise.",
        )
    if _is_svg(text):
        # Checked before the playlist rule: an SVG names its XML namespace by URL.
        _refuse(
            "svg",
            "This is an SVG (vector) image, which is not supported. "
            "Upload a PNG, JPEG or WebP picture instead.",
        )
    lines = [line.strip().lower() for line in text.splitlines() if line.strip()]
    if "://" in text or any(line.startswith(_PLAYLIST_LINE_STARTS) for line in lines):
        _refuse(
            "playlist",
            "This is a playlist or a list of other files, not a media file. "
            "Upload the video, photo or audio file itself.",
        )
    _refuse("unknown_format", "This is a text file, not a photo, video or audio file.")


# An SVG's root element, after an optional XML declaration, comments and a doctype.
_SVG_ROOT = re.compile(
    r"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+svg\b|<svg[\s>/:])",
    re.IGNORECASE | re.DOTALL,
)


def _is_svg(text: str) -> bool:
    return _SVG_ROOT.match(text) is not None


def _as_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    head = head.removeprefix(b"\xef\xbb\xbf")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The read may have cut a multi-byte character at the end.
        if exc.start < len(head) - 4:
            return None
        return head[: exc.start].decode("utf-8")


# --- photos -----------------------------------------------------------------------------


def _probe_image(
    path: str, fmt: _Format, size: int, kind_hint: str | None, limits: Limits
) -> MediaInfo:
    _refuse_by_kind("image", fmt, kind_hint)
    if fmt.name not in limits.image_formats:
        _refuse_container(fmt, "image", limits)
    with warnings.catch_warnings():
        # Our own size limit decides; Pillow's bomb warning would only repeat it.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[_PILLOW_FORMATS[fmt.name]]) as image:
                coded_width, coded_height = image.size
                _check_frame_size(coded_width, coded_height, limits, coded=True)
                image.load()  # before reading EXIF: for PNG that would decode, hiding errors
                rotation = _exif_rotation(image)
                width, height = image.size
        except Image.DecompressionBombError:
            _refuse("too_big_frame", "The picture has far too many pixels.")
        except (OSError, SyntaxError, ValueError) as exc:
            if "truncated" in str(exc).lower():
                _refuse("truncated", f"The {fmt.label} picture is incomplete; upload it again.")
            _refuse("undecodable", f"The {fmt.label} picture could not be read ({exc}).")
    if rotation in (90, 270):
        width, height = height, width
    _check_frame_size(width, height, limits)
    return MediaInfo(
        kind="image",
        container=fmt.name,
        size_bytes=size,
        width=width,
        height=height,
        rotation=rotation,
    )


def _exif_rotation(image: Image.Image) -> int:
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 0  # unreadable EXIF: show the picture as stored
    return _EXIF_ROTATION.get(orientation, 0) if isinstance(orientation, int) else 0


# --- video and audio --------------------------------------------------------------------


def _probe_av(
    path: str, fmt: _Format, size: int, kind_hint: str | None, limits: Limits
) -> MediaInfo:
    demux = _DEMUXERS[fmt.name]
    try:
        container = av.open(
            path,
            format=demux,
            options=_open_options(demux, limits),
            metadata_errors="replace",  # tags in a legacy encoding must not stop the probe
        )
    except av.FFmpegError as exc:
        if demux == "mov":
            _refuse(
                "truncated",
                f"The {fmt.label} file is incomplete or damaged (its index is missing); "
                "upload the whole file again.",
            )
        _refuse("undecodable", f"The {fmt.label} file could not be read ({exc}).")
    with container:
        video = _main_video_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            _refuse("no_stream", "The file has neither picture nor sound.")
        kind: Kind = "video" if video is not None else "audio"
        _refuse_by_kind(kind, fmt, kind_hint)
        name = _container_name(fmt, kind)
        allowed = limits.video_containers if kind == "video" else limits.audio_containers
        if name not in allowed:
            _refuse_container(dataclasses.replace(fmt, name=name), kind, limits)
        video_codec, audio_codec = _check_codecs(video, audio, limits)
        if video is not None:
            # Before decoding anything: a huge coded size is refused without allocating it.
            _check_frame_size(
                video.codec_context.width, video.codec_context.height, limits, coded=True
            )
        main = video if video is not None else audio
        assert main is not None
        # An MP3's header length is a guess from its bitrate; its packets tell the truth.
        duration = _header_duration(container, main) if demux != "mp3" else None
        scan = _scan(container, fmt, size, video, audio, measure=demux != "mov")
        if scan.end is not None:
            if duration is None:
                duration = scan.end
            elif duration - scan.end > max(0.25, 0.02 * duration):
                _refuse(
                    "truncated",
                    f"The file stops at {scan.end:.1f} s but says it lasts {duration:.1f} s; "
                    "it is incomplete. Upload the whole file again.",
                )
        if duration is None or duration <= 0:
            _refuse("undecodable", "The length of the file could not be read.")
        _check_duration(duration, limits)
        width = height = None
        rotation = 0
        if video is not None:
            rotation = scan.rotation
            width, height = video.codec_context.width, video.codec_context.height
            if rotation in (90, 270):
                width, height = height, width
            _check_frame_size(width, height, limits)
        return MediaInfo(
            kind=kind,
            container=name,
            size_bytes=size,
            width=width,
            height=height,
            rotation=rotation,
            video_codec=video_codec,
            fps=_frame_rate(video, scan.video_times) if video is not None else None,
            duration=round(duration, 3),
            audio_codec=audio_codec,
            sample_rate=audio.codec_context.sample_rate if audio is not None else None,
            channels=audio.codec_context.channels if audio is not None else None,
            has_audio=audio is not None,
        )


def _check_codecs(
    video: av.VideoStream | None, audio: av.AudioStream | None, limits: Limits
) -> tuple[str | None, str | None]:
    video_codec = _codec_name(video) if video is not None else None
    audio_codec = _codec_name(audio) if audio is not None else None
    checks = (
        ("video", video is not None, video_codec, limits.video_codecs),
        ("sound", audio is not None, audio_codec, limits.audio_codecs),
    )
    for what, present, codec, accepted in checks:
        if present and codec not in accepted:
            _refuse(
                "codec_not_allowed",
                f"The {what} is encoded as {codec}; accepted: {_listing(accepted)}.",
                codec=str(codec),
                accepted=_listing(accepted),
            )
    return video_codec, audio_codec


def _open_options(demux: str, limits: Limits) -> dict[str, str]:
    decoders: set[str] = set()
    for codec in limits.video_codecs | limits.audio_codecs:
        decoders.update(_DECODERS.get(codec, (codec,)))
    options = {
        # Nothing but this local file: no network, no nested demuxer following a list.
        "protocol_whitelist": "file",
        "format_whitelist": demux,
        # Stream analysis decodes a few frames; only with decoders we accept.
        "codec_whitelist": ",".join(sorted(decoders)),
    }
    if demux == "mov":
        options.update(enable_drefs="0", use_absolute_path="0")
    return options


def _main_video_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    """The first real video stream; cover art (an attached picture) does not count."""
    for stream in container.streams.video:
        if av.stream.Disposition.attached_pic not in stream.disposition:
            return stream
    return None


def _container_name(fmt: _Format, kind: Kind) -> str:
    if _DEMUXERS.get(fmt.name) == "mov":
        if kind == "audio":
            return "m4a"
        if fmt.name == "m4a":
            return "mp4"
    return fmt.name


def _codec_name(stream: av.stream.Stream) -> str:
    # The codec, not the decoder PyAV picked (AV1 decodes with "libdav1d").
    return stream.codec_context.codec.canonical_name


def _header_duration(
    container: av.container.InputContainer, stream: av.stream.Stream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def _frame_rate(stream: av.VideoStream, frame_times: Sequence[float]) -> float | None:
    """The nominal frame rate of a video stream (see :func:`nominal_frame_rate`)."""
    context = stream.codec_context
    times = frame_times
    if not times and stream.time_base is not None and stream.base_rate != stream.average_rate:
        # MP4/MOV: the index has every frame's (decoding) time without reading the packets.
        times = [float(entry.timestamp * stream.time_base) for entry in stream.index_entries]
    rate = nominal_frame_rate(
        declared=(stream.base_rate, context.framerate if context is not None else None),
        average=stream.average_rate,
        frame_times=times,
    )
    if rate is None and stream.guessed_rate:
        rate = _plausible_rate(stream.guessed_rate)
    return None if rate is None else round(rate, 3)


def nominal_frame_rate(
    declared: Sequence[float | Fraction | None],
    average: float | Fraction | None,
    frame_times: Sequence[float],
) -> float | None:
    """The rate a clip was recorded at, never its average when the two differ.

    A phone that drops frames under load writes a variable frame rate: a 30 fps recording
    whose average is 16 fps. Its nominal rate is the stream's ``r_frame_rate`` (PyAV's
    ``base_rate``) or the codec's declared rate (``declared``, in that order), trusted when the
    clip's typical step between frames (the median of ``frame_times``' gaps) is one frame at
    that rate. Timestamps jittered off any grid make ``r_frame_rate`` meaningless (a 30 fps
    clip with every other frame 10 ms late reads as 45 fps); then the average is the best
    guess. With fewer than two frame times the first plausible declared rate is taken.
    """
    candidates = [rate for rate in map(_plausible_rate, declared) if rate is not None]
    mean = _plausible_rate(average)
    step = _typical_step(frame_times)
    for rate in candidates:
        if step is None or abs(step * rate - 1) <= _NOMINAL_STEP_TOLERANCE:
            return rate
        if mean is not None and abs(mean - rate) <= _SAME_RATE_TOLERANCE * rate:
            return rate  # constant frame rate: nothing to choose between
    return mean if mean is not None else (candidates[0] if candidates else None)


# How far the typical step between frames may be from one frame at a declared rate.
_NOMINAL_STEP_TOLERANCE = 0.1
_SAME_RATE_TOLERANCE = 0.001
_MAX_FRAME_RATE = 1000


def _plausible_rate(rate: float | Fraction | None) -> float | None:
    if rate is None or not 0 < rate <= _MAX_FRAME_RATE:
        return None
    return float(rate)


def _typical_step(frame_times: Sequence[float]) -> float | None:
    """The median gap between consecutive distinct frame times (seconds), None if none."""
    times = sorted(set(frame_times))
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    return statistics.median(gaps) if gaps else None


@dataclasses.dataclass
class _Scan:
    rotation: int = 0
    end: float | None = None  # last packet's end time, when measured
    video_times: list[float] = dataclasses.field(default_factory=list)  # when measured


def _scan(
    container: av.container.InputContainer,
    fmt: _Format,
    size: int,
    video: av.VideoStream | None,
    audio: av.AudioStream | None,
    *,
    measure: bool,
) -> _Scan:
    """Decode the first frame of each stream; with ``measure``, read every packet's time.

    MP4/MOV files carry an index, so instead of reading every packet their index is
    checked against the file's size: a cut-off upload points past its end.
    """
    streams = [stream for stream in (video, audio) if stream is not None]
    if not measure:
        for stream in streams:
            _check_index(stream, size, fmt)
    result = _Scan()
    pending = {stream.index for stream in streams}
    starts = {stream.index: _start_seconds(stream) for stream in streams}
    packets = 0
    try:
        for packet in container.demux(streams):
            packets += 1
            if measure and packet.pts is not None and packet.time_base is not None:
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end -= starts[packet.stream.index]
                result.end = end if result.end is None else max(result.end, end)
                if video is not None and packet.stream.index == video.index:
                    result.video_times.append(float(packet.pts * packet.time_base))
            if packet.stream.index in pending and _decode_first(packet, result, video):
                pending.discard(packet.stream.index)
            if pending and packets > _FIRST_FRAME_PACKETS * len(streams):
                break  # refused below, after flushing the decoders
            if not pending and not measure:
                break
    except av.FFmpegError as exc:
        if pending:
            _refuse("undecodable", f"The first frame could not be decoded ({exc}).")
        _refuse("truncated", f"The file is damaged or incomplete after its start ({exc}).")
    for index in list(pending):
        # Decoders that hold frames back give them up when flushed.
        target = next(s for s in streams if s.index == index)
        try:
            frames = target.decode(None)
        except av.FFmpegError:
            frames = []
        if frames:
            _note_frame(frames[0], result, video)
            pending.discard(index)
    if pending:
        what = "picture" if video is not None and video.index in pending else "sound"
        _refuse("undecodable", f"The first frame of the {what} could not be decoded.")
    return result


def _decode_first(
    packet: av.Packet[av.stream.Stream], result: _Scan, video: av.VideoStream | None
) -> bool:
    try:
        frames = packet.decode()
    except av.FFmpegError:
        return False  # a stream may start with packets that need earlier ones; keep going
    if not frames:
        return False
    _note_frame(frames[0], result, video)
    return True


def _note_frame(frame: object, result: _Scan, video: av.VideoStream | None) -> None:
    if video is not None and isinstance(frame, av.VideoFrame):
        # PyAV reports the display matrix counter-clockwise; players turn the other way.
        result.rotation = round(-frame.rotation / 90) * 90 % 360


def _check_index(stream: av.stream.Stream, size: int, fmt: _Format) -> None:
    entries = stream.index_entries
    if len(entries) == 0:
        _refuse("truncated", f"The {fmt.label} file has an empty track; it is incomplete.")
    end = max(entry.pos + entry.size for entry in entries)
    if end > size:
        _refuse(
            "truncated",
            f"The {fmt.label} file is cut off before its end; upload the whole file again.",
        )


def _start_seconds(stream: av.stream.Stream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


# --- limits -----------------------------------------------------------------------------


def _check_frame_size(width: int, height: int, limits: Limits, *, coded: bool = False) -> None:
    if coded:
        # Stored size, before rotation: only the orientation-free bound applies yet.
        if max(width, height) <= max(limits.max_width, limits.max_height):
            return
    elif width <= limits.max_width and height <= limits.max_height:
        if width < limits.min_width or height < limits.min_height:
            _refuse_frame(width, height, "min", limits.min_width, limits.min_height)
        return
    _refuse_frame(width, height, "max", limits.max_width, limits.max_height)


def _check_duration(duration: float, limits: Limits) -> None:
    if duration > limits.max_duration:
        _refuse_duration(duration, "max", limits.max_duration)
    if duration < limits.min_duration:
        _refuse_duration(duration, "min", limits.min_duration)


def _refuse_frame(
    width: int, height: int, side: str, bound_width: int, bound_height: int
) -> NoReturn:
    """Refuse a picture below its ``min`` size or above its ``max``."""
    _refuse(
        "too_small" if side == "min" else "too_big_frame",
        f"The picture is {width}×{height} pixels; {_limit(side, f'{bound_width}×{bound_height}')}.",
        width=width,
        height=height,
        **{f"{side}_width": bound_width, f"{side}_height": bound_height},
    )


def _refuse_duration(duration: float, side: str, bound: float) -> NoReturn:
    """Refuse a file shorter than its ``min`` duration or longer than its ``max``."""
    _refuse(
        "too_short" if side == "min" else "too_long",
        f"The file lasts {_seconds(duration)}; {_limit(side, _seconds(bound))}.",
        seconds=round(duration, 1),
        **{f"{side}_seconds": round(bound, 1)},
    )


def _limit(side: str, bound: str) -> str:
    """How a refusal names the bound the file passed: at least (``min``) or at most (``max``)."""
    return f"at least {bound} is needed" if side == "min" else f"at most {bound} is accepted"


def _refuse_by_kind(kind: str, fmt: _Format, kind_hint: str | None) -> None:
    if kind_hint is None or kind_hint == kind:
        return
    if kind_hint == "video" and kind == "audio":
        _refuse("no_stream", f"This {fmt.label} file has sound but no picture; upload a video.")
    wanted = {"video": "a video", "image": "a photo", "audio": "an audio file"}[kind_hint]
    actual = {"video": "a video", "image": "an image", "audio": "an audio file"}[kind]
    _refuse("container_not_allowed", f"This is {actual} ({fmt.label}), not {wanted}.")


def _refuse_container(fmt: _Format, kind: str, limits: Limits) -> None:
    allowed = {
        "video": limits.video_containers,
        "image": limits.image_formats,
        "audio": limits.audio_containers,
    }[kind]
    _refuse(
        "container_not_allowed",
        f"{fmt.label} files are not accepted here; use {_listing(allowed)}.",
        accepted=_listing(allowed),
    )


def _refuse(code: str, message: str, **params: Any) -> NoReturn:
    raise errors.RefusedMedia(message, code=code, params=params)


def _listing(names: frozenset[str]) -> str:
    return ", ".join(sorted(name.upper() for name in names))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _seconds(value: float) -> str:
    return f"{value:.1f} s"
