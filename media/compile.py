"""Compile a recipe to ONE ffmpeg command with a single ``-filter_complex``.

Per clip: input seek (``-ss``/``-t``) then exact ``trim``/``atrim``, crop to 9:16 (centre,
smart x-expression, manual, or blurred-background fit), speed (``setpts``/``atempo``),
``fps``, scale; stills pan/zoom with ``zoompan``; intro/outro cards are looped PNGs. All
segments are concatenated, then the logo and badge are overlaid, captions burnt in with
``subtitles`` (libass, Be Vietnam Pro via ``fontsdir``), and the music looped, trimmed and
ducked under the clips' sound (``sidechaincompress`` + ``amix``).

Nothing is run here: ``render.render`` runs the command, whose binary and leading options
come from ``media.ffmpeg``. Inputs from uploads are opened with ``-protocol_whitelist file``
and a forced demuxer; the output goes to a temp name beside ``out_path`` for an atomic
publish.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from pathlib import Path

from media import captions, errors, ffmpeg, overlays, profiles
from media import recipe as recipe_mod

# Loudness of the clips' sound (linear RMS, about -34 dBFS: above room noise, below speech)
# above which the music is pushed down; speech around -20 dBFS ducks it by about 10 dB.
DUCK_THRESHOLD = 0.02
DUCK_RATIO = 10
# Extra seconds read past a clip's out point so the exact ``trim`` never runs short.
SEEK_SLACK = 0.5
PAN_ZOOM = 1.15
# Limited range everywhere: full-range JPEG photos would otherwise flag the whole video "pc".
_YUV420_TV = "format=pix_fmts=yuv420p:color_ranges=tv"
_DEMUXERS = {
    ".mp4": "mov",
    ".m4v": "mov",
    ".mov": "mov",
    ".m4a": "mov",
    ".webm": "matroska",
    ".mkv": "matroska",
    ".mp3": "mp3",
    ".wav": "wav",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "ogg",
    ".aac": "aac",
    ".flac": "flac",
}
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}


@dataclasses.dataclass(frozen=True)
class AssetInfo:
    """What compile needs to know of a stored asset (from the probe at upload)."""

    path: Path | str
    kind: str  # "video", "image" or "audio"
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    has_audio: bool = False


@dataclasses.dataclass(frozen=True)
class Command:
    """One ffmpeg invocation and what ``render`` needs to run and publish it."""

    args: list[str]
    duration: float
    out_path: Path
    temp_path: Path
    workdir: Path
    files: tuple[Path, ...]
    profile: profiles.Profile
    thumbnail_at: float


def filter_value(value: str) -> str:
    """Escape ``value`` for use as one option value inside a ``-filter_complex`` graph.

    Two levels (ffmpeg-filters "Notes on filtergraph escaping"): the option parser's
    specials ``\\ ' :``, then the graph parser's ``\\ ' [ ] , ;``.
    """
    for special in "\\':":
        value = value.replace(special, "\\" + special)
    return "".join("\\" + char if char in "\\'[],;" else char for char in value)


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _demuxer_args(path: Path, kind: str) -> list[str]:
    suffix = path.suffix.lower()
    if kind == "image" or suffix in _IMAGE_SUFFIXES:
        # image2 without a pattern: a '%' in a stored name is not a sequence placeholder.
        return ["-f", "image2", "-pattern_type", "none"]
    demuxer = _DEMUXERS.get(suffix)
    return ["-f", demuxer] if demuxer else []


class _Graph:
    """Inputs and filter chains of the command being built."""

    def __init__(self) -> None:
        self.inputs: list[list[str]] = []
        self.chains: list[str] = []
        self._labels = 0

    def add_input(self, path: Path, kind: str, *, before: list[str] | None = None) -> int:
        args = ["-protocol_whitelist", "file", *(before or []), *_demuxer_args(path, kind)]
        self.inputs.append([*args, "-i", str(path)])
        return len(self.inputs) - 1

    def label(self, prefix: str) -> str:
        self._labels += 1
        return f"{prefix}{self._labels}"

    def chain(self, sources: list[str], filters: list[str], outputs: list[str]) -> None:
        head = "".join(f"[{source}]" for source in sources)
        tail = "".join(f"[{output}]" for output in outputs)
        self.chains.append(f"{head}{','.join(filters)}{tail}")


def _asset(
    assets: Mapping[str, AssetInfo],
    asset_id: str,
    path: str,
    kinds: set[str],
    problems: dict[str, list[str]],
) -> AssetInfo | None:
    info = assets.get(asset_id)
    if info is None:
        problems.setdefault(f"{path}.asset", []).append(
            errors.Problem("unknown_asset", f"unknown asset {asset_id}", {"asset": asset_id})
        )
        return None
    kind = str(getattr(info.kind, "value", info.kind))
    if kind not in kinds:
        problems.setdefault(f"{path}.asset", []).append(
            errors.Problem(
                "asset_kind",
                f"must be {' or '.join(sorted(kinds))}, not {kind}",
                {"expected": sorted(kinds), "got": kind},
            )
        )
        return None
    return info


def _crop_filters(crop: recipe_mod.Crop, width: int, height: int) -> list[str]:
    crop_w = f"trunc(min(iw,ih*{width}/{height})/2)*2"
    crop_h = f"trunc(min(ih,iw*{height}/{width})/2)*2"
    parts = [f"w={filter_value(crop_w)}", f"h={filter_value(crop_h)}"]
    if crop.mode == "manual" and crop.x is not None:
        parts.append(f"x={filter_value(f'clip({_num(crop.x)}*iw-ow/2,0,iw-ow)')}")
    elif crop.mode == "smart" and crop.smart_x_expr:
        parts.append(f"x={filter_value(f'clip(({crop.smart_x_expr}),0,iw-ow)')}")
    return ["crop=" + ":".join(parts)]


def _video_clip(
    graph: _Graph, clip: recipe_mod.VideoClip, info: AssetInfo, profile: profiles.Profile
) -> tuple[str, str]:
    width, height, fps = profile.width, profile.height, profile.fps
    source_len = clip.out - clip.in_
    out_len = clip.duration
    before = ["-ss", _num(clip.in_)] if clip.in_ > 0 else []
    before += ["-t", _num(source_len + SEEK_SLACK)]
    index = graph.add_input(Path(info.path), "video", before=before)
    video = graph.label("v")

    head = [f"trim=duration={_num(source_len)}"]
    if clip.crop.mode == "smart" and clip.crop.smart_x_expr:
        # The x-expression follows keyframes in the source clip's own time.
        head.append(f"setpts=PTS-STARTPTS+{_num(clip.in_)}/TB")
    else:
        head.append("setpts=PTS-STARTPTS")
    speed = "setpts=PTS-STARTPTS"
    if clip.speed != 1:
        speed = f"setpts=(PTS-STARTPTS)/{_num(clip.speed)}"
    tail = [_YUV420_TV, "setsar=1", f"trim=duration={_num(out_len)}"]
    if clip.crop.mode == "fit_blur":
        small_w, small_h = _even(width / 4), _even(height / 4)
        radius = max(1, min(12, small_w // 8))
        back, front, blurred, fitted = (graph.label(p) for p in ("fb", "ff", "fbb", "fff"))
        graph.chain([f"{index}:v"], [*head, speed, f"fps={fps}", "split=2"], [back, front])
        graph.chain(
            [back],
            [
                f"scale={small_w}:{small_h}:force_original_aspect_ratio=increase",
                f"crop={small_w}:{small_h}",
                f"boxblur={radius}:2",
                f"scale={width}:{height}",
                "setsar=1",
            ],
            [blurred],
        )
        graph.chain(
            [front],
            [
                f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2",
                "setsar=1",
            ],
            [fitted],
        )
        graph.chain([blurred, fitted], ["overlay=x=(W-w)/2:y=(H-h)/2:shortest=1", *tail], [video])
    else:
        crop = _crop_filters(clip.crop, width, height)
        graph.chain(
            [f"{index}:v"],
            [*head, *crop, speed, f"fps={fps}", f"scale={width}:{height}", *tail],
            [video],
        )

    audio = graph.label("a")
    if info.has_audio and not clip.mute:
        filters = [f"atrim=duration={_num(source_len)}", "asetpts=PTS-STARTPTS"]
        if clip.speed != 1:
            filters.append(f"atempo={_num(clip.speed)}")
        filters += [_audio_format(profile), "apad", f"atrim=duration={_num(out_len)}"]
        graph.chain([f"{index}:a"], filters, [audio])
    else:
        _silence(graph, out_len, profile, audio)
    return video, audio


def _audio_format(profile: profiles.Profile) -> str:
    layout = "stereo" if profile.audio_channels == 2 else "mono"
    return f"aformat=sample_fmts=fltp:sample_rates={profile.audio_rate}:channel_layouts={layout}"


def _silence(graph: _Graph, seconds: float, profile: profiles.Profile, label: str) -> None:
    layout = "stereo" if profile.audio_channels == 2 else "mono"
    graph.chain(
        [],
        [
            f"anullsrc=r={profile.audio_rate}:cl={layout}",
            f"atrim=duration={_num(seconds)}",
            _audio_format(profile),
        ],
        [label],
    )


def _photo_clip(
    graph: _Graph, clip: recipe_mod.PhotoClip, info: AssetInfo, profile: profiles.Profile
) -> tuple[str, str]:
    width, height, fps = profile.width, profile.height, profile.fps
    frames = max(1, round(clip.duration * fps))
    last = max(1, frames - 1)
    index = graph.add_input(Path(info.path), "image")
    centre_x, centre_y = "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"
    zoom, x = "1", centre_x
    if clip.motion == "zoom_in":
        zoom = f"1+{PAN_ZOOM - 1:g}*on/{last}"
    elif clip.motion == "zoom_out":
        zoom = f"{PAN_ZOOM:g}-{PAN_ZOOM - 1:g}*on/{last}"
    elif clip.motion == "pan_right":
        zoom, x = f"{PAN_ZOOM:g}", f"(iw-iw/zoom)*on/{last}"
    elif clip.motion == "pan_left":
        zoom, x = f"{PAN_ZOOM:g}", f"(iw-iw/zoom)*(1-on/{last})"
    # zoompan crops whole pixels: working at twice the output size keeps the motion smooth.
    big_w, big_h = width * 2, height * 2
    video = graph.label("v")
    graph.chain(
        [f"{index}:v"],
        [
            f"scale={big_w}:{big_h}:force_original_aspect_ratio=increase",
            f"crop={big_w}:{big_h}",
            "setsar=1",
            f"zoompan=z={filter_value(zoom)}:x={filter_value(x)}:y={filter_value(centre_y)}"
            f":d={frames}:s={width}x{height}:fps={fps}",
            _YUV420_TV,
            "setsar=1",
            f"trim=duration={_num(clip.duration)}",
        ],
        [video],
    )
    audio = graph.label("a")
    _silence(graph, clip.duration, profile, audio)
    return video, audio


def _card(
    graph: _Graph, card: recipe_mod.Card, image: Path, profile: profiles.Profile
) -> tuple[str, str]:
    index = graph.add_input(image, "image")
    video = graph.label("v")
    graph.chain(
        [f"{index}:v"],
        [
            "loop=loop=-1:size=1",
            f"setpts=N/{profile.fps}/TB",
            f"trim=duration={_num(card.duration)}",
            _YUV420_TV,
            "setsar=1",
        ],
        [video],
    )
    audio = graph.label("a")
    _silence(graph, card.duration, profile, audio)
    return video, audio


def _timeline(
    graph: _Graph,
    recipe: recipe_mod.Recipe,
    clip_assets: list[AssetInfo | None],
    profile: profiles.Profile,
    workdir: Path,
    files: list[Path],
) -> tuple[str, str]:
    """Intro, clips and outro concatenated; returns the video and sound labels."""
    width, height = profile.width, profile.height
    segments: list[tuple[str, str]] = []
    if recipe.intro:
        image = overlays.card_image(recipe.intro, workdir / "intro.png", width=width, height=height)
        files.append(image)
        segments.append(_card(graph, recipe.intro, image, profile))
    for clip, info in zip(recipe.clips, clip_assets, strict=True):
        assert info is not None
        if isinstance(clip, recipe_mod.PhotoClip):
            segments.append(_photo_clip(graph, clip, info, profile))
        else:
            segments.append(_video_clip(graph, clip, info, profile))
    if recipe.outro:
        image = overlays.card_image(recipe.outro, workdir / "outro.png", width=width, height=height)
        files.append(image)
        segments.append(_card(graph, recipe.outro, image, profile))

    video, speech = graph.label("vcat"), graph.label("acat")
    graph.chain(
        [label for pair in segments for label in pair],
        [f"concat=n={len(segments)}:v=1:a=1"],
        [video, speech],
    )
    return video, speech


def _decorate(
    graph: _Graph,
    video: str,
    recipe: recipe_mod.Recipe,
    logo_info: AssetInfo | None,
    profile: profiles.Profile,
    workdir: Path,
    files: list[Path],
) -> None:
    """Logo, stars/price badge (while the clips play) and captions over the timeline: [vout]."""
    width, height = profile.width, profile.height
    body_start, body_end = recipe_mod.body_span(recipe)
    margin_x = round(width * 0.045)
    top = round(height * 0.06)
    bottom = round(height * 0.12)
    logo_bottom = top
    if recipe.logo and logo_info is not None:
        logo_w = _even(width * recipe.logo.scale)
        aspect = logo_info.height / logo_info.width if logo_info.width and logo_info.height else 1.0
        logo_h = round(logo_w * aspect)
        index = graph.add_input(Path(logo_info.path), "image")
        logo = graph.label("logo")
        graph.chain([f"{index}:v"], [f"scale={logo_w}:-2", "format=rgba"], [logo])
        x = margin_x if recipe.logo.position in ("tl", "bl") else f"W-w-{margin_x}"
        y = top if recipe.logo.position in ("tl", "tr") else f"H-h-{bottom}"
        if recipe.logo.position == "tl":
            logo_bottom = top + logo_h + round(height * 0.015)
        placed = graph.label("vlogo")
        graph.chain([video, logo], [f"overlay=x={x}:y={y}:eof_action=repeat"], [placed])
        video = placed
    if recipe.badge:
        badge_path = overlays.badge_image(recipe.badge, workdir / "badge.png", frame_width=width)
        files.append(badge_path)
        index = graph.add_input(badge_path, "image")
        badge = graph.label("badge")
        graph.chain([f"{index}:v"], ["format=rgba"], [badge])
        placed = graph.label("vbadge")
        enable = filter_value(f"between(t,{_num(body_start)},{_num(body_end)})")
        graph.chain(
            [video, badge],
            [f"overlay=x={margin_x}:y={logo_bottom}:eof_action=repeat:enable={enable}"],
            [placed],
        )
        video = placed
    if recipe.captions:
        ass = captions.write_ass(
            recipe.captions, workdir / "captions.ass", width=width, height=height
        )
        files.append(ass)
        subtitled = graph.label("vsub")
        graph.chain(
            [video],
            [
                f"subtitles=filename={filter_value(str(ass))}"
                f":fontsdir={filter_value(str(captions.FONTS_DIR))}"
            ],
            [subtitled],
        )
        video = subtitled
    graph.chain([video], [_YUV420_TV], ["vout"])


def _soundtrack(
    graph: _Graph,
    speech: str,
    recipe: recipe_mod.Recipe,
    music_info: AssetInfo | None,
    profile: profiles.Profile,
) -> str:
    """The clips' sound with the music looped, trimmed and ducked under it; returns its label."""
    total = recipe_mod.duration(recipe)
    audio_out = "aout"
    if recipe.music and music_info is not None:
        before = ["-stream_loop", "-1"]
        if recipe.music.start > 0:
            before += ["-ss", _num(recipe.music.start)]
        index = graph.add_input(Path(music_info.path), music_info.kind, before=before)
        music = graph.label("mus")
        fade = min(1.0, total / 4)
        graph.chain(
            [f"{index}:a"],
            [
                f"atrim=duration={_num(total)}",
                "asetpts=PTS-STARTPTS",
                _audio_format(profile),
                f"volume={_num(recipe.music.volume)}",
                f"afade=t=out:st={_num(total - fade)}:d={_num(fade)}",
            ],
            [music],
        )
        if recipe.music.duck:
            voice, key, ducked = graph.label("sp"), graph.label("key"), graph.label("duck")
            graph.chain([speech], ["asplit=2"], [voice, key])
            graph.chain(
                [music, key],
                [
                    f"sidechaincompress=threshold={DUCK_THRESHOLD}:ratio={DUCK_RATIO}"
                    ":attack=20:release=300"
                ],
                [ducked],
            )
            music, speech = ducked, voice
        graph.chain(
            [speech, music],
            [
                "amix=inputs=2:duration=first:dropout_transition=0:normalize=0",
                _audio_format(profile),
            ],
            [audio_out],
        )
    else:
        graph.chain([speech], ["anull"], [audio_out])
    return audio_out


def compile(
    recipe: recipe_mod.Recipe,
    assets: Mapping[str, AssetInfo],
    out_path: Path | str,
    workdir: Path | str,
    *,
    profile: profiles.Profile | None = None,
) -> Command:
    """Build the ffmpeg command rendering ``recipe`` to ``out_path`` (via a temp file).

    ``workdir`` receives the ASS captions and the drawn overlays; ``profile`` overrides the
    recipe's (e.g. a smaller frame for previews and tests). Raises RecipeInvalid when an
    asset is missing or of the wrong kind. ``recipe`` is parsed already (``recipe.parse``
    with the same ``assets``): compile never reads the recipe's JSON.
    """
    out_path = Path(out_path)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    profile = profile or profiles.get(recipe.profile)
    total = recipe_mod.duration(recipe)
    body_start, body_end = recipe_mod.body_span(recipe)

    problems: dict[str, list[str]] = {}
    clip_assets: list[AssetInfo | None] = []
    for number, clip in enumerate(recipe.clips):
        kinds = {"image"} if isinstance(clip, recipe_mod.PhotoClip) else {"video"}
        clip_assets.append(_asset(assets, clip.asset, f"clips[{number}]", kinds, problems))
    logo_info = (
        _asset(assets, recipe.logo.asset, "logo", {"image"}, problems) if recipe.logo else None
    )
    music_info = (
        _asset(assets, recipe.music.asset, "music", {"audio", "video"}, problems)
        if recipe.music
        else None
    )
    if music_info is not None and not music_info.has_audio:
        problems.setdefault("music.asset", []).append(errors.Problem("no_sound", "has no sound"))
    if problems:
        raise errors.RecipeInvalid("The recipe refers to unusable assets.", fields=problems)

    graph = _Graph()
    files: list[Path] = []
    video, speech = _timeline(graph, recipe, clip_assets, profile, workdir, files)
    _decorate(graph, video, recipe, logo_info, profile, workdir, files)
    audio_out = _soundtrack(graph, speech, recipe, music_info, profile)

    temp_path = out_path.parent / f".{out_path.stem}.{secrets.token_hex(6)}.part"
    args = ffmpeg.command(["-nostats", "-progress", "pipe:1", "-y"])
    for input_args in graph.inputs:
        args += input_args
    args += [
        "-filter_complex",
        ";".join(graph.chains),
        "-map",
        "[vout]",
        "-map",
        f"[{audio_out}]",
        *profile.encoder_args(),
        "-t",
        _num(total),
        "-map_metadata",
        "-1",
        "-f",
        "mp4",
        str(temp_path),
    ]
    thumbnail_at = body_start + (body_end - body_start) / 3
    return Command(
        args=args,
        duration=total,
        out_path=out_path,
        temp_path=temp_path,
        workdir=workdir,
        files=tuple(files),
        profile=profile,
        thumbnail_at=thumbnail_at,
    )
