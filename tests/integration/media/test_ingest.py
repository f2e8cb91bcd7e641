"""Probe then ingest with the bundled ffmpeg: outputs probed, failures leave nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest
from av.video.reformatter import ColorRange
from PIL import Image, ImageCms

from media import errors, ffmpeg, ingest, probe
from tests.support import media as generate


def accept(
    upload: Path, out_dir: Path, kind_hint: str | None = None, **options: int
) -> ingest.Ingested:
    """What an upload goes through: probe, then ingest."""
    return ingest.ingest(upload, out_dir, probe.probe(upload, kind_hint), **options)


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
        return [float(t * stream.time_base) for t in pts]


def first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="rgb24")


def red_corner(picture: np.ndarray) -> str:
    """Which corner holds the red marker: the one whose centre patch is clearly red."""
    height, width = picture.shape[:2]
    h, w = max(1, height // 10), max(1, width // 10)
    patches = {
        "top-left": picture[h : 2 * h, w : 2 * w],
        "top-right": picture[h : 2 * h, -2 * w : -w],
        "bottom-left": picture[-2 * h : -h, w : 2 * w],
        "bottom-right": picture[-2 * h : -h, -2 * w : -w],
    }
    red = [
        name
        for name, patch in patches.items()
        if patch[..., 0].mean() > 180 and patch[..., 1:3].mean() < 90
    ]
    assert len(red) == 1, red
    return red[0]


def audio_stream(path: Path) -> tuple[int, int, float]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        duration = float(stream.duration * stream.time_base)
        return stream.codec_context.sample_rate, stream.codec_context.channels, duration


def stored(out_dir: Path) -> list[str]:
    return sorted(os.listdir(out_dir)) if out_dir.exists() else []


# --- video ------------------------------------------------------------------------------


def test_rotated_phone_clip_becomes_an_upright_master(tmp_path: Path) -> None:
    clip = generate.make_video(
        tmp_path / "phone.mov", seconds=1.0, size=(320, 240), fps=30, rotation=90, marker=True
    )
    out = tmp_path / "media"

    result = accept(clip, out, "video")

    info = result.info
    assert (info.kind, info.container, info.video_codec, info.audio_codec) == (
        "video",
        "mp4",
        "h264",
        "aac",
    )
    assert (info.width, info.height, info.rotation) == (240, 320, 0)
    assert (info.sample_rate, info.channels) == (48000, 2)
    assert info.duration == pytest.approx(1.0, abs=0.05)
    # Turned a quarter clockwise, the stored top-left corner is shown top-right.
    assert red_corner(first_frame(result.master)) == "top-right"
    with av.open(str(result.master)) as container:
        frame = next(container.decode(video=0))
        # Limited ("TV") range, as platforms expect: not the full range JPEG posters use.
        # x264 leaves the default (limited) range unsignalled.
        assert frame.format.name == "yuv420p"
        assert frame.color_range in (ColorRange.MPEG, ColorRange.UNSPECIFIED)
    data = result.master.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart


def test_master_has_a_constant_frame_rate(tmp_path: Path) -> None:
    source = generate.make_video(tmp_path / "source.mp4", seconds=2.0, size=(160, 120), fps=30)
    jittery = tmp_path / "vfr.mp4"
    # Every other frame 10 ms late: a variable frame rate, as phones record.
    generate.ffmpeg_run(
        "-i", str(source), "-vf", "settb=1/1000,setpts='(N + 0.3 * mod(N, 2)) / (30 * TB)'",
        "-fps_mode", "passthrough", "-enc_time_base:v", "1:1000",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(jittery),
    )  # fmt: skip
    source_steps = np.diff(frame_times(jittery))
    assert source_steps.max() - source_steps.min() > 0.005  # the source really is irregular

    result = accept(jittery, tmp_path / "media", "video")

    steps = np.diff(frame_times(result.master))
    assert steps == pytest.approx(np.full(len(steps), 1 / 30), abs=1e-4)
    assert result.info.fps == 30


def test_phone_clip_with_dropped_frames_becomes_constant_at_its_nominal_rate(
    tmp_path: Path,
) -> None:
    source = generate.make_video(tmp_path / "source.mp4", seconds=2.0, size=(160, 120), fps=30)
    phone = tmp_path / "phone.mov"
    # A 30 fps recording that dropped frames 5–18 of every second under load.
    generate.ffmpeg_run(
        "-i", str(source), "-vf", "select='not(between(mod(n,30),5,18))'", "-fps_mode", "vfr",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(phone),
    )  # fmt: skip
    with av.open(str(phone)) as container:
        stream = container.streams.video[0]
        assert (stream.base_rate, stream.average_rate) == (30, 16)  # nominal 30, average 16
    assert len(frame_times(phone)) == 32

    result = accept(phone, tmp_path / "media", "video")

    assert result.info.fps == 30  # the master, probed
    times = frame_times(result.master)
    assert np.diff(times) == pytest.approx(np.full(len(times) - 1, 1 / 30), abs=1e-4)
    assert len(times) == 60  # the gaps filled: two seconds at 30 fps
    assert result.info.duration == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize(("fps", "fps_cap", "expected"), [(50, 25, 25), (24, 60, 24)])
def test_frame_rate_is_capped(tmp_path: Path, fps: int, fps_cap: int, expected: int) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120), fps=fps)

    result = accept(clip, tmp_path / "media", "video", fps_cap=fps_cap)

    assert result.info.fps == expected
    assert len(frame_times(result.master)) == pytest.approx(expected, abs=1)


def test_frame_rate_rounding() -> None:
    assert [ingest.frame_rate(fps, 60) for fps in (29.97, 23.976, 59.94, 120.0, None)] == [
        30,
        24,
        60,
        60,
        30,
    ]


def test_clip_without_sound_gets_a_silent_stereo_track(tmp_path: Path) -> None:
    clip = generate.make_video(
        tmp_path / "silent.webm", seconds=1.5, size=(160, 120), audio=False, codec="libvpx-vp9"
    )
    assert not probe.probe(clip).has_audio

    result = accept(clip, tmp_path / "media", "video")

    assert result.info.has_audio
    sample_rate, channels, duration = audio_stream(result.master)
    assert (sample_rate, channels) == (48000, 2)
    assert duration == pytest.approx(result.info.duration, abs=0.05)
    proxy_rate, proxy_channels, _ = audio_stream(result.proxy)
    assert (proxy_rate, proxy_channels) == (48000, 2)


def test_proxy_is_small_and_poster_is_the_first_frame(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=2.0, size=(640, 480), marker=True)

    result = accept(clip, tmp_path / "media", "video", proxy_height=240)

    assert result.proxy is not None and result.poster is not None
    proxy = probe.probe(result.proxy, "video")
    assert (proxy.width, proxy.height, proxy.video_codec, proxy.audio_codec) == (
        320,
        240,
        "h264",
        "aac",
    )
    assert proxy.duration == pytest.approx(result.info.duration, abs=0.05)
    assert result.proxy.stat().st_size < result.master.stat().st_size / 2
    poster = probe.probe(result.poster, "image")
    assert (poster.container, poster.width, poster.height) == ("jpeg", 640, 480)
    with Image.open(result.poster) as image:
        poster_pixels = np.asarray(image.convert("RGB"), dtype=float)
    master_pixels = first_frame(result.master).astype(float)
    assert np.abs(poster_pixels - master_pixels).mean() < 8  # the same picture, same colours
    assert red_corner(poster_pixels) == "top-left"


def test_master_drops_source_metadata(tmp_path: Path) -> None:
    source = generate.make_video(tmp_path / "source.mp4", size=(160, 120))
    tagged = tmp_path / "tagged.mp4"
    generate.ffmpeg_run(
        "-i", str(source), "-c", "copy", "-metadata", "title=Nhà tôi",
        "-metadata", "location=+10.7769+106.7009/", str(tagged),
    )  # fmt: skip
    with av.open(str(tagged)) as container:
        assert "location" in container.metadata

    result = accept(tagged, tmp_path / "media", "video")

    with av.open(str(result.master)) as container:
        assert "location" not in container.metadata
        assert "title" not in container.metadata


def test_names_are_generated_by_the_server(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "Video của tôi; (1).mp4", size=(160, 120))
    out = tmp_path / "media"

    first = accept(clip, out, "video")
    second = accept(clip, out, "video")

    names = stored(out)
    assert len(names) == 6
    assert all(name.split(".")[0] in (first.master.stem, second.master.stem) for name in names)
    assert first.master.stem != second.master.stem
    assert {first.master.parent, first.proxy.parent, first.poster.parent} == {out}  # type: ignore[union-attr]


# --- photos and music -------------------------------------------------------------------


def test_exif_rotated_photo_is_stored_upright_without_exif(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.jpg", size=(80, 60), exif_orientation=6)

    result = accept(photo, tmp_path / "media", "image")

    assert result.master.suffix == ".jpg"
    assert (result.info.width, result.info.height, result.info.rotation) == (60, 80, 0)
    with Image.open(result.master) as image:
        assert image.getexif().get(0x0112) is None
        pixels = np.asarray(image.convert("RGB"))
    assert red_corner(pixels) == "top-right"
    assert result.poster is None
    assert result.proxy is not None and result.proxy.exists()


def test_photo_with_a_colour_profile_is_stored_in_srgb_without_it(tmp_path: Path) -> None:
    plain = generate.make_image(tmp_path / "plain.png", size=(80, 60))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = tmp_path / "p.jpg"
    with Image.open(plain) as image:
        image.save(photo, quality=95, icc_profile=srgb)

    result = accept(photo, tmp_path / "media", "image")

    with Image.open(result.master) as image:
        assert "icc_profile" not in image.info
        assert not image.getexif()
        grey = image.convert("RGB").getpixel((60, 45))
    assert all(abs(channel - 128) <= 6 for channel in grey)


def test_transparent_logo_stays_rgba_png(tmp_path: Path) -> None:
    logo = generate.make_image(tmp_path / "logo.webp", size=(64, 48), alpha=True)

    result = accept(logo, tmp_path / "media", "image")

    assert result.master.suffix == ".png"
    with Image.open(result.master) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((32, 40))[3] == 0  # the transparent half
        assert image.getpixel((32, 10))[3] == 255


def test_large_photo_side_is_capped(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.png", size=(400, 300))

    result = accept(photo, tmp_path / "media", "image", max_side=200, proxy_height=60)

    assert (result.info.width, result.info.height, result.info.container) == (200, 150, "png")
    assert result.proxy is not None
    proxy = probe.probe(result.proxy, "image")
    assert (proxy.width, proxy.height) == (80, 60)


def test_music_becomes_aac_48k_stereo(tmp_path: Path) -> None:
    song = generate.make_audio(tmp_path / "song.mp3", seconds=1.5, sample_rate=44100, channels=1)

    result = accept(song, tmp_path / "media", "audio")

    info = result.info
    assert (info.kind, info.container, info.audio_codec) == ("audio", "m4a", "aac")
    assert (info.sample_rate, info.channels) == (48000, 2)
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert result.master.suffix == ".m4a"
    assert (result.proxy, result.poster) == (None, None)


# --- nothing left behind ----------------------------------------------------------------


def _renamed_image(tmp_path: Path) -> Path:
    return generate.make_image(tmp_path / "p.png").rename(tmp_path / "clip.mp4")


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_text("not a video\n")
    return path


def _truncated(tmp_path: Path) -> Path:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=2, size=(160, 120))
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    return clip


def _too_long(tmp_path: Path) -> Path:
    return generate.make_video(tmp_path / "clip.mp4", seconds=3, size=(160, 120))


def _hls(tmp_path: Path) -> Path:
    generate.make_video(tmp_path / "other.mp4", size=(160, 120))
    path = tmp_path / "clip.mp4"
    path.write_text("#EXTM3U\n#EXTINF:1.0,\nother.mp4\n#EXT-X-ENDLIST\n")
    return path


def _concat(tmp_path: Path) -> Path:
    generate.make_video(tmp_path / "other.mp4", size=(160, 120))
    path = tmp_path / "clip.mp4"
    path.write_text("ffconcat version 1.0\nfile 'other.mp4'\n")
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make_upload", "code"),
    [
        (_renamed_image, "container_not_allowed"),
        (_text, "unknown_format"),
        (_truncated, "truncated"),
        (_too_long, "too_long"),
        (_hls, "playlist"),
        (_concat, "playlist"),
        (_empty, "empty"),
    ],
    ids=["renamed-image", "text", "truncated", "too-long", "hls", "concat", "empty"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    tmp_path: Path, make_upload: Callable[[Path], Path], code: str
) -> None:
    upload = make_upload(tmp_path)
    out = tmp_path / "media"

    with pytest.raises(errors.RefusedMedia) as caught:
        ingest.ingest(upload, out, probe.probe(upload, "video", probe.Limits(max_duration=2.5)))

    assert caught.value.code == code
    assert stored(out) == []


def test_failed_ffmpeg_leaves_nothing(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120))
    info = probe.probe(clip, "video")
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(4000))  # replaced after the probe
    out = tmp_path / "media"

    with pytest.raises(errors.MediaError) as caught:
        ingest.ingest(clip, out, info)

    assert caught.value.code == "ffmpeg_failed"
    assert stored(out) == []


def test_failure_while_publishing_removes_what_was_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120))
    info = probe.probe(clip, "video")
    out = tmp_path / "media"
    real_replace = os.replace
    calls = []

    def replace_then_fail(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_then_fail)

    with pytest.raises(OSError, match="disk full"):
        ingest.ingest(clip, out, info)

    assert len(calls) == 2
    assert stored(out) == []


# --- the ffmpeg helper ------------------------------------------------------------------


def test_ffmpeg_is_the_bundled_one() -> None:
    assert "imageio_ffmpeg" in ffmpeg.executable()
    assert ffmpeg.base_args() == ["-hide_banner", "-nostdin", "-loglevel", "error"]


def test_ffmpeg_failure_carries_its_log() -> None:
    with pytest.raises(errors.MediaError) as caught:
        ffmpeg.run(["-i", "file:/nonexistent/clip.mp4", "-f", "null", "-"], timeout=30)

    assert caught.value.code == "ffmpeg_failed"
    assert "No such file" in caught.value.message


def test_ffmpeg_timeout_stops_the_command() -> None:
    endless = ["-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"]

    with pytest.raises(errors.MediaError) as caught:
        ffmpeg.run(endless, timeout=0.5)

    assert caught.value.code == "ffmpeg_timeout"


def test_missing_bundled_ffmpeg_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_binary() -> str:
        raise RuntimeError("No ffmpeg exe could be found")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", no_binary)

    with pytest.raises(errors.MediaError) as caught:
        ffmpeg.executable()

    assert caught.value.code == "ffmpeg_missing"


def test_uploads_are_read_as_local_files_with_a_forced_demuxer(tmp_path: Path) -> None:
    args = ffmpeg.input_args(tmp_path / "concat:a.mp4|b.mp4", "mov")

    assert args == [
        "-protocol_whitelist", "file", "-f", "mov", "-format_whitelist", "mov",
        "-i", f"file:{tmp_path}/concat:a.mp4|b.mp4",
    ]  # fmt: skip
