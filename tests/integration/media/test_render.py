"""Real renders with the bundled ffmpeg on tiny generated media, checked with PyAV.

Most renders use the TikTok profile at 270×480 (same encoder settings, a sixteenth of the
pixels) so the suite stays fast; cancel and timeout use the full 1080×1920 so the render
is surely still running when it is stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from media import compile, errors, product_video, profiles, recipe, render
from media import ffmpeg as ffmpeg_mod

SMALL = profiles.get("tiktok").resized(270, 480)
SPEECH_HZ = 440
MUSIC_HZ = 3000


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
    )


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, compile.AssetInfo]:
    """Clips with a tone, a black clip, a half white/half black clip, music, photos, a logo."""
    folder = tmp_path_factory.mktemp("sources")
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    audio = ["-c:a", "aac", "-ar", "48000", "-ac", "2"]
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=3"),
        *("-f", "lavfi", "-i", f"sine=frequency={SPEECH_HZ}:sample_rate=48000:duration=3"),
        *encode,
        *audio,
        "-shortest",
        str(folder / "clip.mp4"),
    )
    ffmpeg(
        *("-f", "lavfi", "-i", "color=c=black:size=320x180:rate=30:duration=3"),
        *encode,
        str(folder / "black.mp4"),
    )
    ffmpeg(
        *("-f", "lavfi", "-i", "color=c=white:size=320x180:rate=30:duration=2"),
        "-vf",
        "drawbox=x=160:y=0:w=160:h=180:color=black:t=fill",
        *encode,
        str(folder / "halves.mp4"),
    )
    ffmpeg(
        *("-f", "lavfi", "-i", f"sine=frequency={MUSIC_HZ}:sample_rate=48000:duration=2"),
        *audio,
        str(folder / "music.m4a"),
    )
    for number, colour in enumerate([(200, 60, 40), (40, 160, 90), (60, 80, 200)], start=1):
        photo = Image.new("RGB", (400, 300), colour)
        photo.paste((250, 250, 250), (150, 100, 250, 200))
        photo.save(folder / f"photo{number}.jpg", quality=90)
    Image.new("RGBA", (60, 30), (220, 30, 40, 255)).save(folder / "logo.png")
    return {
        "clip": compile.AssetInfo(folder / "clip.mp4", "video", 320, 180, 3.0, True),
        "black": compile.AssetInfo(folder / "black.mp4", "video", 320, 180, 3.0, False),
        "halves": compile.AssetInfo(folder / "halves.mp4", "video", 320, 180, 2.0, False),
        "music": compile.AssetInfo(folder / "music.m4a", "audio", duration=2.0, has_audio=True),
        "logo": compile.AssetInfo(folder / "logo.png", "image", 60, 30),
        **{
            f"photo{n}": compile.AssetInfo(folder / f"photo{n}.jpg", "image", 400, 300)
            for n in (1, 2, 3)
        },
    }


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "renders"
    folder.mkdir()
    return folder


def run(
    data: dict[str, Any],
    assets: dict[str, compile.AssetInfo],
    out: Path,
    *,
    profile: profiles.Profile = SMALL,
    workdir: Path | None = None,
    progress: list[float] | None = None,
) -> render.RenderResult:
    command = compile.compile(
        recipe.parse(data, assets),
        assets,
        out,
        workdir or out.parent.parent / "work",
        profile=profile,
    )
    return render.render(
        command,
        out,
        on_progress=(progress if progress is not None else []).append,
        should_cancel=lambda: False,
        timeout=120,
    )


def top_level_boxes(path: Path) -> list[str]:
    boxes = []
    with path.open("rb") as stream:
        while header := stream.read(8):
            size = int.from_bytes(header[:4], "big")
            boxes.append(header[4:8].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(stream.read(8), "big") - 8
            stream.seek(size - 8, 1)
    return boxes


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """RGB pixels of the first frame at or after ``seconds``."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {seconds} s")


def tone_level(path: Path, hertz: float, start: float, end: float) -> float:
    """Peak spectrum magnitude near ``hertz`` in the first channel between start and end."""
    chunks = []
    rate = 48000
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            rate = frame.sample_rate
            chunks.append(frame.to_ndarray()[0])
    samples = np.concatenate(chunks)
    window = samples[int(start * rate) : int(end * rate)]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    frequencies = np.fft.rfftfreq(len(window), 1 / rate)
    return float(spectrum[np.abs(frequencies - hertz) < 40].max())


def full_recipe() -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "clips": [
            {"asset": "clip", "in": 0.5, "out": 2.5, "crop": {"mode": "center"}},
            {"asset": "clip", "in": 0, "out": 2, "speed": 2, "crop": {"mode": "fit_blur"}},
            {"kind": "photo", "asset": "photo1", "duration": 1.5, "motion": "zoom_in"},
        ],
        "captions": [{"text": "Nước mắm Trà Cổ – Ặ", "start": 0.5, "end": 2.5}],
        "logo": {"asset": "logo", "position": "tr"},
        "badge": {"stars": 4, "price_dong": 95000},
        "music": {"asset": "music", "volume": 0.5, "duck": True},
        "outro": {"title": "Mua tại Shopee", "subtitle": "Chợ quê", "duration": 1.5},
    }


def test_full_recipe_renders_a_platform_ready_mp4(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    progress: list[float] = []
    out = out_dir / "video.mp4"

    result = run(full_recipe(), sources, out, progress=progress)

    assert result.path == out and result.size_bytes == out.stat().st_size
    assert result.duration == pytest.approx(6.0, abs=0.2)
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert container.duration / av.time_base == pytest.approx(6.0, abs=0.2)
        assert (video.codec_context.name, video.width, video.height) == ("h264", 270, 480)
        assert video.codec_context.profile == "High"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert video.average_rate == 30
        assert video.frames == pytest.approx(180, abs=3)
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
        assert audio.codec_context.profile == "LC"
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart
    with Image.open(result.thumbnail) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (270, 480)
    assert sorted(path.name for path in out_dir.iterdir()) == ["video.jpg", "video.mp4"]
    # progress: increasing, below 1 while ffmpeg runs, exactly 1 once published
    assert progress and progress == sorted(progress)
    assert progress[-1] == 1.0 and all(value < 1 for value in progress[:-1])


def test_caption_text_is_drawn(
    sources: dict[str, compile.AssetInfo], tmp_path: Path, out_dir: Path
) -> None:
    data = {
        "version": 1,
        "profile": "shorts",
        "clips": [{"asset": "black", "in": 0, "out": 2}],
        "captions": [{"text": "Ặ Nước mắm ngon", "start": 0, "end": 2}],
    }
    # Filter-graph syntax in the work folder's name must not break the subtitles filter.
    with_text = run(data, sources, out_dir / "a.mp4", workdir=tmp_path / "we:ird,dir'[x];y")
    without = run({**data, "captions": []}, sources, out_dir / "b.mp4")

    def bright_in_caption_band(path: Path) -> int:
        pixels = frame_at(path, 1.0)
        band = pixels[300:400]  # the bottom preset sits above the lower fifth at 480 px
        return int((band.min(axis=2) > 200).sum())

    assert bright_in_caption_band(with_text.path) > 100
    assert bright_in_caption_band(without.path) == 0


def test_smart_and_manual_crops_follow_their_x(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    data = {
        "version": 1,
        "profile": "shorts",
        "clips": [
            {"asset": "halves", "in": 0, "out": 1, "crop": {"mode": "manual", "x": 0}},
            {
                "asset": "halves",
                "in": 1,
                "out": 2,
                # keyframes in the source's own time: left half until 1.5 s, then the right
                "crop": {"mode": "smart", "smart_x_expr": "if(lt(t,1.5),0,iw)"},
            },
            {"asset": "halves", "in": 0, "out": 1, "crop": {"mode": "center"}},
        ],
    }

    result = run(data, sources, out_dir / "crops.mp4")

    assert frame_at(result.path, 0.5).mean() > 240  # left edge: white half
    assert frame_at(result.path, 1.2).mean() > 240  # source 1.2 s: still the left half
    assert frame_at(result.path, 1.8).mean() < 15  # source 1.8 s: right half, x clamped
    middle = frame_at(result.path, 2.5).mean()
    assert 60 < middle < 200  # centre straddles both halves


def test_music_ducks_under_the_clips_sound(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    def recipe_with(duck: bool) -> dict[str, Any]:
        return {
            "version": 1,
            "profile": "shorts",
            "clips": [{"asset": "clip", "in": 0, "out": 2}],
            "music": {"asset": "music", "volume": 0.5, "duck": duck},
            "outro": {"title": "Hết", "duration": 2},
        }

    ducked = run(recipe_with(True), sources, out_dir / "ducked.mp4").path
    plain = run(recipe_with(False), sources, out_dir / "plain.mp4").path

    under_speech = tone_level(ducked, MUSIC_HZ, 0.8, 1.8) / tone_level(plain, MUSIC_HZ, 0.8, 1.8)
    after_speech = tone_level(ducked, MUSIC_HZ, 2.6, 2.9) / tone_level(plain, MUSIC_HZ, 2.6, 2.9)
    assert under_speech < 0.5
    assert after_speech > 0.7
    # the speech itself is not ducked
    speech = tone_level(ducked, SPEECH_HZ, 0.8, 1.8) / tone_level(plain, SPEECH_HZ, 0.8, 1.8)
    assert speech == pytest.approx(1.0, rel=0.1)


@pytest.fixture
def slow_command(sources: dict[str, compile.AssetInfo], out_dir: Path) -> compile.Command:
    """Twelve seconds of blurred-background 1080×1920: several seconds of work on 2 cores."""
    data = {
        "version": 1,
        "profile": "tiktok",
        "clips": [{"asset": "clip", "in": 0, "out": 3, "crop": {"mode": "fit_blur"}}] * 4,
    }
    return compile.compile(
        recipe.parse(data, sources),
        sources,
        out_dir / "slow.mp4",
        out_dir.parent / "work",
        profile=profiles.get("tiktok"),
    )


def test_cancel_mid_render_leaves_nothing(slow_command: compile.Command, out_dir: Path) -> None:
    progress: list[float] = []

    with pytest.raises(errors.RenderCancelled):
        render.render(
            slow_command,
            out_dir / "slow.mp4",
            on_progress=progress.append,
            should_cancel=lambda: bool(progress),  # as soon as ffmpeg reports any progress
            timeout=120,
        )

    assert progress and progress[-1] < 1
    assert list(out_dir.iterdir()) == []


def test_timeout_stops_the_render_and_leaves_nothing(
    slow_command: compile.Command, out_dir: Path
) -> None:
    with pytest.raises(errors.RenderTimeout) as caught:
        render.render(
            slow_command,
            out_dir / "slow.mp4",
            on_progress=lambda fraction: None,
            should_cancel=lambda: False,
            timeout=0.5,
        )

    assert caught.value.code == "timeout"
    assert list(out_dir.iterdir()) == []


def test_ffmpeg_failure_reports_its_log_and_leaves_nothing(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    broken = dict(sources)
    broken["clip"] = compile.AssetInfo(out_dir.parent / "gone.mp4", "video", 320, 180, 3.0, True)
    data = {"version": 1, "profile": "shorts", "clips": [{"asset": "clip", "in": 0, "out": 1}]}

    with pytest.raises(errors.RenderFailed) as caught:
        run(data, broken, out_dir / "broken.mp4")

    assert "gone.mp4" in caught.value.message
    assert list(out_dir.iterdir()) == []


def test_product_video_renders_15_seconds(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    data = product_video.recipe_for_product(
        ["photo1", "photo2", "photo3"],
        "Nước mắm ủ chượp 18 tháng trong thùng gỗ. Vị đậm, hậu ngọt. Không chất bảo quản.",
        "Nước mắm Trà Cổ",
        stars=4,
        price_dong=95000,
        where_to_buy=["Shopee", "TikTok Shop"],
    )

    result = run(data, sources, out_dir / "product.mp4")

    assert result.duration == pytest.approx(15.0, abs=0.2)
    with av.open(str(result.path)) as container:
        assert container.streams.video[0].frames == pytest.approx(450, abs=3)
        assert container.streams.audio[0].rate == 48000
    early = frame_at(result.path, 1.0)
    badge = early[20:120, 5:135].astype(int)
    gold = (abs(badge[..., 0] - 255) < 40) & (abs(badge[..., 1] - 196) < 40) & (badge[..., 2] < 90)
    assert gold.sum() > 20  # OCOP stars on the pan/zoom photos
    outro = frame_at(result.path, 14.0)
    assert np.abs(outro[5:40, 5:40].astype(int) - (0x1F, 0x4D, 0x3A)).max() < 12


def test_a_killed_renders_leftovers_are_swept_by_the_next_render(
    sources: dict[str, compile.AssetInfo], out_dir: Path
) -> None:
    """A worker killed mid-render cannot clean up; the next render of the same output does."""
    leftovers = [out_dir / ".7.3f9a1c2b4d5e.part", out_dir / ".7.0a1b2c3d4e5f.jpg"]
    unrelated = [out_dir / ".70.aaaaaaaaaaaa.part", out_dir / "8.mp4"]
    for path in leftovers + unrelated:
        path.write_bytes(b"half a file")
    data = {"version": 1, "profile": "shorts", "clips": [{"asset": "clip", "in": 0, "out": 1}]}

    result = run(data, sources, out_dir / "7.mp4")

    assert result.path.exists() and result.thumbnail.exists()
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in unrelated)


def test_ffmpeg_dies_with_the_worker_that_started_it(tmp_path: Path) -> None:
    """SIGKILL a process that started a long ffmpeg: the kernel ends ffmpeg too, so it does not
    go on writing a file nobody will publish or clean up."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "from media import ffmpeg\n"
        "child = subprocess.Popen([ffmpeg.executable(), '-nostdin', '-f', 'lavfi', '-i',\n"
        "    'testsrc2=size=320x240:rate=30', '-f', 'null', '-'],\n"
        "    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,\n"
        "    preexec_fn=ffmpeg.die_with_parent())\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    root = Path(__file__).resolve().parents[3]
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert parent.stdout is not None
    ffmpeg_pid = int(parent.stdout.readline())
    assert _alive(ffmpeg_pid)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    for _ in range(100):  # wait for the kernel to deliver the death signal and reap
        if not _alive(ffmpeg_pid):
            break
        time.sleep(0.05)
    assert not _alive(ffmpeg_pid)


def _alive(pid: int) -> bool:
    """Running (a zombie or an unknown pid counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_ffmpeg_start_runs_only_the_bundled_binary() -> None:
    with pytest.raises(ValueError):
        ffmpeg_mod.start(["/bin/echo", "-version"], stdout=subprocess.DEVNULL, stderr=None)
    process = ffmpeg_mod.start(
        ffmpeg_mod.command(["-version"]), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and out.startswith(b"ffmpeg version")
