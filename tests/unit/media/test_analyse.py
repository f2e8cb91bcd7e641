"""analyse: scene cuts, thumbnails, blur and the smart 9:16 crop, on small generated videos."""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from media import analyse, compile, errors, ffmpeg

W, H, FPS = 320, 180, 20


# --- generated media ------------------------------------------------------------------------


def write_video(path: Path, frames: Sequence[np.ndarray], fps: float = FPS) -> Path:
    """BGR frames to an H.264 MP4 (near-lossless, so the pictures are what the test drew)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "16"}
        for frame in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        out.mux(stream.encode())
    return path


def texture(width: int, height: int, seed: int, *, grain: float, lo: int, hi: int) -> np.ndarray:
    """Grey noise blurred to ``grain`` px, stretched to ``lo..hi``."""
    noise = np.random.default_rng(seed).random((height, width)).astype(np.float32)
    soft = cv2.GaussianBlur(noise, (0, 0), grain)
    return cv2.normalize(soft, None, lo, hi, cv2.NORM_MINMAX).astype(np.uint8)


def sharp_scene(width: int = W, height: int = H, seed: int = 1) -> np.ndarray:
    """A detailed colour picture with mean luma near 128."""
    planes = [texture(width, height, seed + i, grain=0.8, lo=50, hi=210) for i in range(3)]
    return cv2.merge(planes)


def blurred(frame: np.ndarray, sigma: float = 5.0) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def decoded(path: Path, fmt: str = "bgr24") -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format=fmt) for frame in container.decode(video=0)]


def run_ffmpeg(*args: str) -> bytes:
    completed = subprocess.run(
        [ffmpeg.executable(), *ffmpeg.base_args(), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-2000:]
    return completed.stdout


@pytest.fixture
def moving_square(tmp_path: Path) -> tuple[Path, list[int]]:
    """3 s: a bright 30-px square crossing a dark background left to right; its centres."""
    background = cv2.merge([texture(W, H, s, grain=4, lo=20, hi=70) for s in (5, 6, 7)])
    frames, centres = [], []
    count = 3 * FPS
    for i in range(count):
        frame = background.copy()
        cx = round(30 + (W - 60) * i / (count - 1))
        cv2.rectangle(frame, (cx - 15, 75), (cx + 15, 105), (240, 240, 240), -1)
        frames.append(frame)
        centres.append(cx)
    return write_video(tmp_path / "square.mp4", frames), centres


# --- scene cuts -----------------------------------------------------------------------------


def test_cuts_are_found_at_known_positions(tmp_path: Path) -> None:
    tex = texture(W, H, 1, grain=3, lo=50, hi=200)
    green = cv2.merge([tex // 2, tex, tex // 3])
    blue = np.full((H, W, 3), (200, 80, 40), np.uint8)
    magenta = cv2.merge([tex, tex // 3, tex])
    # Scenes change at 1.0 s (frame 20) and 2.5 s (frame 50).
    clip = write_video(tmp_path / "cuts.mp4", [green] * 20 + [blue] * 30 + [magenta] * 20)

    result = analyse.analyse(clip)

    assert result.cuts == [pytest.approx(1.0, abs=1 / FPS), pytest.approx(2.5, abs=1 / FPS)]
    assert result.duration == pytest.approx(3.5, abs=1 / FPS)
    assert result.scenes == [
        (0.0, result.cuts[0]),
        (result.cuts[0], result.cuts[1]),
        (result.cuts[1], result.duration),
    ]


def test_no_cut_in_a_slowly_panning_scene(tmp_path: Path) -> None:
    wide = cv2.merge([texture(W + 200, H, s, grain=4, lo=40, hi=220) for s in (2, 3, 4)])
    # 2 px a frame: consecutive frames score about 11 (threshold 27), all of it one shot.
    frames = [np.ascontiguousarray(wide[:, 2 * i : 2 * i + W]) for i in range(60)]
    clip = write_video(tmp_path / "pan.mp4", frames)

    result = analyse.analyse(clip)

    assert analyse.detect_cuts(frames, FPS) == []
    assert result.cuts == []
    assert result.scenes == [(0.0, result.duration)]


def test_detect_cuts_needs_a_long_enough_scene_and_a_big_enough_change() -> None:
    grey = np.full((90, 160, 3), 100, np.uint8)
    lighter = np.full((90, 160, 3), 110, np.uint8)  # HSV score about 3: not a cut
    red = np.zeros((90, 160, 3), np.uint8)
    red[:] = (0, 0, 220)
    blue = np.zeros((90, 160, 3), np.uint8)
    blue[:] = (220, 0, 0)

    assert analyse.detect_cuts([grey] * 20 + [lighter] * 20, 10) == []
    assert analyse.detect_cuts([grey] * 20 + [red] * 20, 10) == [2.0]
    # The second change comes 5 frames after the first (< 15): one cut, not two.
    assert analyse.detect_cuts([grey] * 20 + [red] * 5 + [blue] * 20, 10) == [2.0]
    # A change in the first 15 frames does not start a scene.
    assert analyse.detect_cuts([grey] * 5 + [red] * 30, 10) == []
    assert analyse.detect_cuts([grey] * 5 + [red] * 30, 10, min_scene_len=3) == [0.5]


def test_scenes_split_the_clip_at_the_cuts() -> None:
    assert analyse.scenes(4.0, [2.5, 1.0]) == [(0.0, 1.0), (1.0, 2.5), (2.5, 4.0)]
    assert analyse.scenes(4.0, []) == [(0.0, 4.0)]
    assert analyse.scenes(4.0, [0.0, 4.0, 9.0]) == [(0.0, 4.0)]
    assert analyse.scenes(0.0, [1.0]) == []


# --- sharpness, thumbnails, blur ------------------------------------------------------------


def test_sharpness_drops_with_blur_and_does_not_depend_on_size() -> None:
    frame = cv2.cvtColor(sharp_scene(), cv2.COLOR_BGR2GRAY)
    soft = blurred(frame, 3.0)
    bigger = cv2.resize(frame, (2 * W, 2 * H), interpolation=cv2.INTER_CUBIC)

    assert analyse.sharpness(frame) > 10 * analyse.BLUR_THRESHOLD
    assert analyse.sharpness(soft) < analyse.BLUR_THRESHOLD
    # Measured at the reference size, the same picture scores about the same.
    assert analyse.sharpness(bigger) == pytest.approx(analyse.sharpness(frame), rel=0.35)
    assert analyse.brightness(np.full((10, 10), 100, np.uint8)) == 100.0


def test_thumbnail_avoids_a_blurred_segment(tmp_path: Path) -> None:
    scene = sharp_scene(W + 100, H)
    frames = []
    for i in range(4 * 10):  # 4 s at 10 fps, panning 2 px a frame
        frame = np.ascontiguousarray(scene[:, 2 * i : 2 * i + W])
        # The middle, 1.2 s to 2.8 s, is heavily blurred.
        frames.append(blurred(frame) if 12 <= i < 28 else frame)
    clip = write_video(tmp_path / "blur-middle.mp4", frames, fps=10)

    result = analyse.analyse(clip)

    assert result.thumbnails
    for candidate in result.thumbnails:
        assert 0.5 <= candidate.time < 1.2 or 2.8 <= candidate.time <= 3.5, candidate
        assert candidate.sharpness >= analyse.BLUR_THRESHOLD
        assert 60 <= candidate.brightness <= 200
    scores = [c.score for c in result.thumbnails]
    assert scores == sorted(scores, reverse=True)
    [(start, end)] = result.blur_segments
    assert start == pytest.approx(1.2, abs=0.21)
    assert end == pytest.approx(2.8, abs=0.21)
    assert result.blurry is False


def test_a_clip_blurred_throughout_is_flagged(tmp_path: Path) -> None:
    scene = sharp_scene(W + 100, H)
    frames = [blurred(np.ascontiguousarray(scene[:, 2 * i : 2 * i + W])) for i in range(30)]
    clip = write_video(tmp_path / "all-blurred.mp4", frames, fps=10)

    result = analyse.analyse(clip)

    assert result.blurry is True
    assert sum(b - a for a, b in result.blur_segments) == pytest.approx(result.duration, abs=0.01)
    # A suggestion is still made, from the best of what there is.
    assert len(result.thumbnails) >= 1


def sample(time: float, sharp: float = 300.0, luma: float = 120.0) -> analyse.Sample:
    return analyse.Sample(time, sharp, luma, np.zeros(analyse.MAP_WIDTH, np.float32))


def test_thumbnail_rules_on_samples() -> None:
    samples = [
        sample(0.2, sharp=900),  # too near the start
        sample(1.0, sharp=800),  # too near the cut at 1.2
        sample(2.0, sharp=700, luma=230),  # too bright
        sample(2.5, sharp=500),
        sample(3.0, sharp=450),  # within 1 s of a better one
        sample(4.0, sharp=400),
        sample(5.8, sharp=950),  # too near the end
    ]

    found = analyse.thumbnail_candidates(samples, [1.2], 6.0, n=3)

    assert [c.time for c in found] == [2.5, 4.0]
    assert analyse.thumbnail_candidates(samples, [1.2], 6.0, n=1)[0].time == 2.5


def test_blur_segments_on_samples() -> None:
    sharpness = [300, 300, 5, 5, 5, 300, 5, 300, 5, 5]
    samples = [sample(i * 0.2, sharp=s) for i, s in enumerate(sharpness)]

    segments = analyse.blur_segments(samples, duration=2.0)

    # The lone blurred sample at 1.2 s (0.2 s) is too short to report.
    assert segments == [(pytest.approx(0.4), pytest.approx(1.0)), (pytest.approx(1.6), 2.0)]
    assert analyse.is_blurry(segments, 2.0) is False
    assert analyse.is_blurry([(0.0, 1.5)], 2.0) is True


# --- smart crop -----------------------------------------------------------------------------


def test_saliency_finds_a_lone_bright_object() -> None:
    frame = texture(W, H, 9, grain=4, lo=20, hi=60)
    cv2.rectangle(frame, (230, 60), (260, 90), 240, -1)

    saliency = analyse.saliency_map(frame)

    row, column = np.unravel_index(np.argmax(saliency), saliency.shape)
    scale = W / saliency.shape[1]
    assert abs(column * scale - 245) < 20
    assert abs(row * scale - 75) < 20


def test_smart_crop_follows_a_moving_object(moving_square: tuple[Path, list[int]]) -> None:
    clip, centres = moving_square

    result = analyse.analyse(clip)

    width = result.crop_width
    assert width == 100  # 180 * 9 / 16, rounded down to even
    keys = result.crop_keys
    assert 2 <= len(keys) <= analyse.MAX_CROP_KEYS
    assert all(0 <= k.x <= W - width for k in keys)
    assert [k.time for k in keys] == sorted(k.time for k in keys)
    # Left to right, never going back by more than the simplification tolerance.
    assert keys[-1].x - keys[0].x > 120
    assert all(b.x >= a.x - 4 for a, b in itertools.pairwise(keys))
    for key in keys:
        centre = centres[min(len(centres) - 1, round(key.time * FPS))]
        # The window covers the square wherever the frame's edge allows.
        assert key.x <= centre - 15 + 8 and centre + 15 - 8 <= key.x + width, (key, centre)


def test_the_crop_expression_works_in_a_real_ffmpeg_crop(
    moving_square: tuple[Path, list[int]], tmp_path: Path
) -> None:
    clip, _ = moving_square
    result = analyse.analyse(clip)
    expr = analyse.crop_x_expression(result.crop_keys)
    out = tmp_path / "cropped.mp4"

    run_ffmpeg(
        "-i", str(clip), "-vf", f"crop={result.crop_width}:{H}:x='{expr}':y=0",
        "-c:v", "libx264", "-preset", "ultrafast", "-y", str(out),
    )  # fmt: skip

    frames = decoded(out, "gray")
    assert len(frames) == 3 * FPS
    assert {f.shape for f in frames} == {(H, 100)}
    # The bright square (30×30) stays in the picture all along.
    assert min(int((f > 200).sum()) for f in frames) > 0.7 * 30 * 30


def test_the_relative_expression_crops_a_larger_master_through_the_compiler_escaping(
    moving_square: tuple[Path, list[int]], tmp_path: Path
) -> None:
    clip, _ = moving_square
    result = analyse.analyse(clip)
    # What the compiler writes for a smart crop (media.compile._crop_filters).
    x = compile.filter_value(f"clip(({result.crop_x_expr}),0,iw-ow)")
    graph = f"[0:v]scale=640:360,crop=w=200:h=360:x={x}:y=0[v]"
    out = tmp_path / "master-cropped.mp4"

    run_ffmpeg(
        "-i", str(clip), "-filter_complex", graph, "-map", "[v]",
        "-c:v", "libx264", "-preset", "ultrafast", "-y", str(out),
    )  # fmt: skip

    frames = decoded(out, "gray")
    assert {f.shape for f in frames} == {(360, 200)}
    assert min(int((f > 200).sum()) for f in frames) > 0.7 * 60 * 60


def ffmpeg_x_positions(expr: str, seconds: float, rate: int = 10, width: int = 256) -> list[int]:
    """The x the crop filter took per frame: the source's grey level is its column number."""
    raw = run_ffmpeg(
        "-f", "lavfi", "-i", f"color=c=black:s={width}x4:r={rate}:d={seconds},format=gray",
        "-vf", f"geq=lum='X',crop=w=2:h=4:x='{expr}':y=0",
        "-f", "rawvideo", "-pix_fmt", "gray", "-",
    )  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 4, 2)
    return [int(f[0, 0]) for f in frames]


def expected_x(keys: Sequence[analyse.CropKey], t: float) -> float:
    """Piecewise linear between keys; the later of two keys at one time wins from it on."""
    if t < keys[0].time:
        return keys[0].x
    for a, b in itertools.pairwise(keys):
        if a.time <= t < b.time:
            return a.x + (b.x - a.x) * (t - a.time) / (b.time - a.time)
    return keys[-1].x


def test_crop_expression_values_match_the_keys_frame_by_frame() -> None:
    keys = [
        analyse.CropKey(0.3, 10.0),
        analyse.CropKey(1.0, 80.0),
        analyse.CropKey(1.5, 80.0),
        analyse.CropKey(1.5, 200.0),  # a cut: a step
        analyse.CropKey(2.5, 150.0),
    ]
    expr = analyse.crop_x_expression(keys)

    found = ffmpeg_x_positions(expr, 3.0)

    assert len(found) == 30
    for n, x in enumerate(found):
        assert abs(x - expected_x(keys, n / 10)) <= 1, (n / 10, x)


def test_crop_expression_with_many_keys_stays_within_ffmpeg_limits() -> None:
    # Past ~100 summed terms ffmpeg refuses an expression; grouping keeps it shallow.
    keys = [analyse.CropKey(i * 0.02, 20.0 + (i % 2) * 30) for i in range(150)]
    expr = analyse.crop_x_expression(keys)
    assert len(expr) < 8000  # the recipe's limit for smart_x_expr

    found = ffmpeg_x_positions(expr, 3.0, rate=50)

    for n, x in enumerate(found):
        assert abs(x - expected_x(keys, n / 50)) <= 1, (n / 50, x)


def test_crop_expression_relative_to_the_frame_width() -> None:
    keys = [analyse.CropKey(0.0, 10.0), analyse.CropKey(2.0, 60.0)]
    expr = analyse.crop_x_expression(keys, frame_width=128)

    found = ffmpeg_x_positions(expr, 2.0, width=256)  # a master twice the analysed width

    for n, x in enumerate(found):
        assert abs(x - 2 * expected_x(keys, n / 10)) <= 1, (n / 10, x)


def test_crop_keys_jump_at_a_cut_and_hold_still_without_interest() -> None:
    def profile(peak: int) -> np.ndarray:
        values = np.zeros(analyse.MAP_WIDTH, np.float32)
        values[peak - 2 : peak + 3] = 1.0
        return values

    samples = [analyse.Sample(i * 0.2, 300, 120, profile(8 if i < 10 else 56)) for i in range(20)]

    keys = analyse.crop_keyframes(samples, 320, 180, cuts=[2.0])

    # Still near the left edge, then still near the right: only the step at the cut is left.
    assert [k.time for k in keys] == [2.0, 2.0]
    assert keys[0].x <= 40 and keys[1].x >= 185  # each window keeps its object inside
    assert analyse.crop_x_expression(keys).count("gte(t,2)") == 1

    flat = [analyse.Sample(i * 0.2, 300, 120, np.ones(64, np.float32)) for i in range(10)]
    assert analyse.crop_keyframes(flat, 320, 180) == [analyse.CropKey(0.0, 110.0)]


def test_a_portrait_source_needs_no_crop_window_movement() -> None:
    samples = [sample(i * 0.2) for i in range(5)]
    assert analyse.crop_keyframes(samples, 180, 320) == [analyse.CropKey(0.0, 0.0)]


# --- the whole analysis ---------------------------------------------------------------------


def test_analysis_is_plain_data(moving_square: tuple[Path, list[int]]) -> None:
    clip, _ = moving_square

    result = analyse.analyse(clip, sample_fps=4.0)
    data = json.loads(json.dumps(result.as_dict()))

    assert data["width"] == W and data["height"] == H
    assert data["fps"] == FPS
    assert data["duration"] == pytest.approx(3.0, abs=0.01)
    assert data["cuts"] == [] and data["scenes"] == [[0.0, data["duration"]]]
    assert data["crop"]["width"] == 100
    assert data["crop"]["x_expr"].startswith(f"iw/{W}*(")
    assert len(data["crop"]["keys"]) == len(result.crop_keys)
    assert set(data["thumbnails"][0]) == {"time", "sharpness", "brightness", "score"}


def test_a_file_that_is_not_a_video_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)

    with pytest.raises(errors.MediaError) as caught:
        analyse.analyse(text)

    assert caught.value.code == "analysis_failed"
