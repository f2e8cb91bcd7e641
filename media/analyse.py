"""Analyse a clip (normally its small proxy) with OpenCV: cuts, thumbnails, blur, smart crop.

Everything is returned as data (``Analysis.as_dict()`` is JSON-able); nothing is written.

- Scene cuts: PySceneDetect's ``ContentDetector`` reimplemented (the ``scenedetect`` package
  needs the GUI OpenCV build, which clashes with ``opencv-python-headless``). Each frame is
  converted to HSV; its score is the mean absolute difference of the H, S and V planes
  against the previous frame, averaged with equal weights (edges weighted 0, as upstream's
  defaults). A frame scoring at least ``threshold`` (27) starts a new scene when the
  previous cut is at least ``min_scene_len`` (15) frames back; closer cuts are merged as
  upstream's default flash filter (``FlashFilter.Mode.MERGE``) does.
- Sharpness is the variance of the Laplacian of the luma, measured with the frame scaled
  to a 320-px long side (``REFERENCE_SIDE``) so one threshold holds at any resolution.
  Brightness is the mean luma (0–255).
- Smart 9:16 crop: per sampled frame, a column profile of interest made of a
  spectral-residual saliency map (Hou & Zhang 2007, numpy FFT; OpenCV 5 has no saliency
  module) and frame differencing; the crop window goes where the profile holds most
  interest, smoothed over time without lag, kept inside the frame, decimated to keyframes,
  and written as an ffmpeg ``crop`` x expression.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import av
import cv2
import numpy as np

from media import errors

VERSION = 1

# PySceneDetect ContentDetector defaults.
CUT_THRESHOLD = 27.0
MIN_SCENE_LEN = 15
# Frames wider than twice this are shrunk by an integer factor before scoring
# (PySceneDetect's auto downscale: factor = width // 256).
DETECT_MIN_WIDTH = 256

# Sharpness is measured at this long side. Measured there: sharp footage and textures give
# 40 to several thousand, a Gaussian blur of sigma 1.5 px gives ~20-110 and sigma 3 px
# (about 18 px on a 1080p frame) gives under 20. A featureless frame (plain wall, black)
# also scores low; it has nothing to judge and makes a poor thumbnail anyway.
REFERENCE_SIDE = 320
BLUR_THRESHOLD = 25.0
# The clip is flagged blurry when blurred segments cover more than this share of it.
BLURRY_SHARE = 0.5
# Blurred stretches shorter than this are ignored (a single soft sample is often a pan).
MIN_BLUR_SEGMENT = 0.3

THUMBNAIL_LUMA = (60.0, 200.0)
THUMBNAIL_END_MARGIN = 0.5
THUMBNAIL_CUT_MARGIN = 0.3
# Candidates closer than this to a better one are skipped: three views, not one moment.
# The gap grows with long clips (duration / 3n) from this minimum.
THUMBNAIL_MIN_GAP = 1.0

# Width of the saliency / motion map; the spectral residual is a coarse-scale method.
MAP_WIDTH = 64
# Seconds of the exponential smoothing applied forwards then backwards (no lag).
CROP_SMOOTHING = 0.6
# A sample whose best crop window holds barely more interest than the median window gives
# no direction; the crop glides through it instead.
MIN_CROP_CONTRAST = 0.1
# The ffmpeg expression parser nests at most ~100 levels; keys are summed in groups.
MAX_CROP_KEYS = 64
_EXPR_GROUP = 24


# --- data -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Sample:
    """What one sampled frame contributes: its time, sharpness, brightness and interest.

    ``interest`` is a column profile (left to right across the whole frame width, values
    0-1) of saliency and motion, from which the crop window is placed.
    """

    time: float
    sharpness: float
    brightness: float
    interest: np.ndarray


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A suggested thumbnail time; ``score`` orders candidates (higher is better)."""

    time: float
    sharpness: float
    brightness: float
    score: float


@dataclasses.dataclass(frozen=True)
class CropKey:
    """At ``time`` (seconds), the crop window's left edge is ``x`` pixels of the analysed frame."""

    time: float
    x: float


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything ``analyse`` found; sizes are those of the analysed file (the proxy)."""

    duration: float
    fps: float
    width: int
    height: int
    cuts: list[float]
    scenes: list[tuple[float, float]]
    thumbnails: list[Candidate]
    blur_segments: list[tuple[float, float]]
    blurry: bool
    crop_keys: list[CropKey]
    crop_width: int

    @property
    def crop_x_expr(self) -> str:
        """The smart-crop x expression, scaled by ``iw`` so it fits the master as well."""
        return crop_x_expression(self.crop_keys, frame_width=self.width)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form: seconds rounded to milliseconds, pixels to tenths."""
        return {
            "version": VERSION,
            "duration": _r3(self.duration),
            "fps": _r3(self.fps),
            "width": self.width,
            "height": self.height,
            "cuts": [_r3(t) for t in self.cuts],
            "scenes": [[_r3(a), _r3(b)] for a, b in self.scenes],
            "thumbnails": [
                {
                    "time": _r3(c.time),
                    "sharpness": round(c.sharpness, 1),
                    "brightness": round(c.brightness, 1),
                    "score": round(c.score, 1),
                }
                for c in self.thumbnails
            ],
            "blur_segments": [[_r3(a), _r3(b)] for a, b in self.blur_segments],
            "blurry": self.blurry,
            "crop": {
                "aspect": "9:16",
                "width": self.crop_width,
                "keys": [{"time": _r3(k.time), "x": round(k.x, 1)} for k in self.crop_keys],
                "x_expr": self.crop_x_expr,
            },
        }


# --- scene cuts -------------------------------------------------------------------------


class _ContentDetector:
    """PySceneDetect's content detector fed one BGR frame at a time."""

    def __init__(self, threshold: float, min_scene_len: int) -> None:
        self.threshold = threshold
        self.min_scene_len = min_scene_len
        self._previous: np.ndarray | None = None
        self._factor: int | None = None
        self._index = -1
        self._last_above = 0
        self._merge_enabled = False
        self._merging = False
        self._merge_start = 0

    def push(self, frame: np.ndarray) -> int | None:
        """Score the next frame; the index of the frame that starts a new scene, if any."""
        self._index += 1
        hsv = cv2.cvtColor(self._shrink(frame), cv2.COLOR_BGR2HSV)
        previous, self._previous = self._previous, hsv
        if previous is None or previous.shape != hsv.shape:
            return None
        # Mean absolute difference per plane (H, S, V), then their plain average.
        score = sum(cv2.mean(cv2.absdiff(hsv, previous))[:3]) / 3.0
        return self._filter(self._index, score >= self.threshold)

    def _shrink(self, frame: np.ndarray) -> np.ndarray:
        if self._factor is None:
            self._factor = max(1, frame.shape[1] // DETECT_MIN_WIDTH)
        if self._factor == 1:
            return frame
        height, width = frame.shape[:2]
        size = (max(1, round(width / self._factor)), max(1, round(height / self._factor)))
        return cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)

    def _filter(self, index: int, above: bool) -> int | None:
        # The minimum scene length as upstream's merge filter applies it: a cut needs
        # min_scene_len frames since the last frame above the threshold; after the first
        # cut, a burst of cuts closer than that collapses into one at its last frame.
        long_enough = index - self._last_above >= self.min_scene_len
        if above:
            self._last_above = index
        if self._merging:
            if (
                long_enough
                and not above
                and self._last_above - self._merge_start >= self.min_scene_len
            ):
                self._merging = False
                return self._last_above
            return None
        if not above:
            return None
        if long_enough:
            self._merge_enabled = True
            return index
        if self._merge_enabled:
            self._merging = True
            self._merge_start = index
        return None


def detect_cuts(
    frames: Iterable[np.ndarray],
    fps: float,
    threshold: float = CUT_THRESHOLD,
    min_scene_len: int = MIN_SCENE_LEN,
) -> list[float]:
    """Times (seconds, ``index / fps``) of the frames that start a new scene.

    ``frames`` are consecutive BGR frames (uint8, H×W×3) of one clip.
    """
    if fps <= 0:
        raise ValueError("fps must be positive")
    detector = _ContentDetector(threshold, min_scene_len)
    cuts = []
    for frame in frames:
        index = detector.push(frame)
        if index is not None:
            cuts.append(index / fps)
    return cuts


def scenes(duration: float, cuts: Sequence[float]) -> list[tuple[float, float]]:
    """The clip split at ``cuts``: ``[(start, end), ...]`` covering 0 to ``duration``."""
    if duration <= 0:
        return []
    bounds = [0.0, *sorted(t for t in cuts if 0 < t < duration), duration]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


# --- per-frame measures ------------------------------------------------------------------


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of ``gray``, measured at a 320-px long side."""
    return float(cv2.Laplacian(_at_reference_size(gray), cv2.CV_64F).var())


def brightness(gray: np.ndarray) -> float:
    """Mean luma (0-255)."""
    return float(np.mean(gray))


def saliency_map(gray: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency of ``gray`` at ``MAP_WIDTH`` px wide, scaled to 0-1.

    The log amplitude spectrum minus its local (3×3) average is what is unexpected in the
    picture; transformed back with the original phase, it lights up salient regions.
    """
    small = _map_image(gray)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-9).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3), borderType=cv2.BORDER_REPLICATE)
    back = np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))
    saliency = (np.abs(back) ** 2).astype(np.float32)
    # The transform treats the picture as periodic: its borders light up for no reason.
    saliency[:2, :] = saliency[-2:, :] = 0
    saliency[:, :2] = saliency[:, -2:] = 0
    blurred = cv2.GaussianBlur(saliency, (0, 0), max(1.0, small.shape[1] / 24))
    return _unit(blurred)


def sample_frames(frames: Iterable[tuple[float, np.ndarray]]) -> list[Sample]:
    """Samples of ``(time, frame)`` pairs in time order; frames are BGR or grey uint8."""
    sampler = _Sampler()
    return [sampler.sample(time, frame) for time, frame in frames]


class _Sampler:
    """Builds samples in order, remembering the previous one for motion."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None

    def sample(self, time: float, frame: np.ndarray) -> Sample:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        # Blurred a little, so compression noise does not count as motion.
        small = cv2.GaussianBlur(_map_image(gray), (0, 0), 1.0)
        interest = saliency_map(gray)
        previous, self._previous = self._previous, small
        if previous is not None and previous.shape == small.shape:
            moved = cv2.absdiff(small, previous)
            moved = np.clip(moved - 0.04, 0, None)
            if float(moved.max()) > 0.05:
                interest = 0.5 * interest + 0.5 * _unit(moved)
        return Sample(
            time=float(time),
            sharpness=sharpness(gray),
            brightness=brightness(gray),
            interest=interest.mean(axis=0).astype(np.float32),
        )


# --- thumbnails and blur -----------------------------------------------------------------


def thumbnail_candidates(
    samples: Sequence[Sample], cuts: Sequence[float], duration: float, n: int = 3
) -> list[Candidate]:
    """Up to ``n`` thumbnail times, best first.

    Preferred: sharp (not blurred), mean luma 60-200, at least 0.5 s from either end and
    0.3 s from a cut, and apart from any better candidate (1 s, or ``duration / 3n`` in a
    long clip). If no sample qualifies, the blur rule is dropped, then the placement rules,
    so a clip always gets a suggestion.
    ``score`` is the sharpness weighted gently towards mid-grey exposure.
    """
    low, high = THUMBNAIL_LUMA

    def well_placed(s: Sample) -> bool:
        return (
            THUMBNAIL_END_MARGIN <= s.time <= duration - THUMBNAIL_END_MARGIN
            and all(abs(s.time - cut) >= THUMBNAIL_CUT_MARGIN for cut in cuts)
            and low <= s.brightness <= high
        )

    pools = (
        [s for s in samples if well_placed(s) and s.sharpness >= BLUR_THRESHOLD],
        [s for s in samples if well_placed(s)],
        list(samples),
    )
    pool = next((p for p in pools if p), [])
    gap = max(THUMBNAIL_MIN_GAP, duration / (3 * max(n, 1)))
    ranked = sorted(pool, key=lambda s: (-_thumbnail_score(s), s.time))
    chosen: list[Sample] = []
    for s in ranked:
        if len(chosen) == n:
            break
        if all(abs(s.time - c.time) >= gap for c in chosen):
            chosen.append(s)
    return [Candidate(s.time, s.sharpness, s.brightness, _thumbnail_score(s)) for s in chosen]


def _thumbnail_score(s: Sample) -> float:
    return s.sharpness * (1.0 - abs(s.brightness - 130.0) / 260.0)


def blur_segments(
    samples: Sequence[Sample],
    threshold: float = BLUR_THRESHOLD,
    *,
    duration: float | None = None,
    min_duration: float = MIN_BLUR_SEGMENT,
) -> list[tuple[float, float]]:
    """Stretches ``(start, end)`` where consecutive samples' sharpness is under ``threshold``.

    A sample stands for the time until the next one (the last one until ``duration``, or
    one sampling interval). Stretches shorter than ``min_duration`` are dropped.
    """
    if not samples:
        return []
    times = [s.time for s in samples]
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    end_of_clip = duration if duration is not None else times[-1] + step
    segments: list[tuple[float, float]] = []
    start: float | None = None
    for s in samples:
        if s.sharpness < threshold:
            if start is None:
                start = s.time
            continue
        if start is not None:
            segments.append((start, s.time))
            start = None
    if start is not None:
        segments.append((start, max(start, end_of_clip)))
    return [(a, b) for a, b in segments if b - a >= min_duration]


def is_blurry(segments: Sequence[tuple[float, float]], duration: float) -> bool:
    """True when blurred segments cover most (over half) of the clip."""
    if duration <= 0:
        return False
    return sum(b - a for a, b in segments) > BLURRY_SHARE * duration


# --- smart crop ---------------------------------------------------------------------------


def crop_width(src_w: int, src_h: int, out_aspect: float = 9 / 16) -> int:
    """Width of the crop window (full height, even), the rule ``media.compile`` uses."""
    return max(2, int(min(src_w, src_h * out_aspect) / 2) * 2)


def crop_keyframes(
    samples: Sequence[Sample],
    src_w: int,
    src_h: int,
    out_aspect: float = 9 / 16,
    *,
    cuts: Sequence[float] = (),
    smoothing: float = CROP_SMOOTHING,
    tolerance: float | None = None,
    max_keys: int = MAX_CROP_KEYS,
) -> list[CropKey]:
    """Keyframes for the left edge of a full-height ``out_aspect`` window, in source pixels.

    Per sample the window goes where the interest profile holds most; samples without a
    clear preference follow their neighbours. The path is smoothed (``smoothing`` seconds,
    forwards and backwards, separately in each scene so it jumps at ``cuts``), clamped to
    ``0 .. src_w - width``, and reduced to the keys a piecewise-linear path needs to stay
    within ``tolerance`` px (default 1 % of the width, at least 2 px) of it.
    """
    width = crop_width(src_w, src_h, out_aspect)
    travel = src_w - width
    if not samples:
        return []
    if travel <= 0:
        return [CropKey(samples[0].time, 0.0)]
    times = np.array([s.time for s in samples], dtype=np.float64)
    wanted = np.array([_best_left(s.interest, width / src_w) for s in samples])
    bounds = [-math.inf, *sorted(cuts), math.inf]
    pieces: list[list[CropKey]] = []
    for lo, hi in itertools.pairwise(bounds):
        inside = (times >= lo) & (times < hi)
        if not inside.any():
            continue
        idx = np.flatnonzero(inside)
        lefts = wanted[idx] * src_w  # fractions of the width to pixels (NaN: no preference)
        known = ~np.isnan(lefts)
        if known.any():
            lefts = np.interp(times[idx], times[idx][known], lefts[known])
        else:  # nothing stands out in this scene: keep the middle
            lefts = np.full(len(idx), travel / 2)
        smooth = np.clip(_smooth(times[idx], lefts, smoothing), 0, travel)
        piece = [CropKey(float(t), float(x)) for t, x in zip(times[idx], smooth, strict=True)]
        if pieces:
            # A step at the cut: the old window up to it, the new one from it.
            pieces[-1].append(CropKey(lo, pieces[-1][-1].x))
            piece.insert(0, CropKey(lo, piece[0].x))
        pieces.append(piece)
    tol = tolerance if tolerance is not None else max(2.0, 0.01 * src_w)
    while True:
        keys = _drop_redundant([k for piece in pieces for k in _simplify(piece, tol)])
        if len(keys) <= max_keys:
            break
        tol *= 1.5
    return [CropKey(round(k.time, 3), round(k.x, 1)) for k in keys]


def crop_x_expression(keys: Sequence[CropKey], *, frame_width: int | None = None) -> str:
    """An ffmpeg ``crop`` x expression in ``t`` (seconds) following ``keys`` piecewise linearly.

    Before the first key it holds the first x, after the last key the last one; keys in
    different scenes (less than a millisecond apart) make a step. Written as a sum of
    clipped ramps, ``x0 + Σ dx·clip((t-tᵢ)/Δtᵢ,0,1)``, grouped in parentheses because
    ffmpeg's expression parser refuses nesting deeper than about 100 levels. With
    ``frame_width`` (the analysed frame's width) the pixels are scaled by ``iw/frame_width``,
    so the same expression crops a larger master of the same picture.
    """
    if not keys:
        return "(iw-ow)/2"
    terms: list[str] = []
    for a, b in itertools.pairwise(keys):
        dx = round(b.x - a.x, 1)
        if dx == 0:
            continue
        span = round(b.time, 3) - round(a.time, 3)
        sign = "-" if dx < 0 else "+"
        if span < 0.0005:
            terms.append(f"{sign}{_num(abs(dx))}*gte(t,{_num(b.time, 3)})")
        else:
            ramp = f"clip((t-{_num(a.time, 3)})/{_num(span, 3)},0,1)"
            terms.append(f"{sign}{_num(abs(dx))}*{ramp}")
    body = _num(round(keys[0].x, 1))
    for start in range(0, len(terms), _EXPR_GROUP):
        group = "".join(terms[start : start + _EXPR_GROUP]).lstrip("+")
        body += f"+({group})"
    if frame_width:
        return f"iw/{int(frame_width)}*({body})"
    return body


def _best_left(profile: np.ndarray, window_share: float) -> float:
    """Left edge (fraction of the width) of the window holding most interest, or NaN."""
    columns = len(profile)
    span = max(1, round(columns * window_share))
    if span >= columns:
        return 0.0
    sums = np.convolve(profile, np.ones(span, dtype=np.float32), mode="valid")
    best = float(sums.max())
    if best <= 0 or (best - float(np.median(sums))) / best < MIN_CROP_CONTRAST:
        return math.nan
    # Among equally good windows, the one nearest the middle of the frame.
    ties = np.flatnonzero(sums >= best * 0.999)
    middle = (len(sums) - 1) / 2
    left = int(ties[np.argmin(np.abs(ties - middle))])
    # The window is placed on the map's grid; its centre maps back to the frame.
    centre = (left + span / 2) / columns
    return centre - window_share / 2


def _smooth(times: np.ndarray, values: np.ndarray, tau: float) -> np.ndarray:
    """Exponential smoothing with time constant ``tau``, run forwards then backwards.

    Both ends are padded with the path mirrored through its end point (as scipy's
    ``filtfilt`` pads), so a steady pan is kept to the last frame instead of lagging.
    """
    n = len(values)
    if tau <= 0 or n < 3:
        return values.astype(np.float64)
    step = max(float(np.median(np.diff(times))), 1e-3)
    pad = min(n - 1, math.ceil(3 * tau / step))
    head_t = 2 * times[0] - times[pad:0:-1]
    head_v = 2 * values[0] - values[pad:0:-1]
    tail_t = 2 * times[-1] - times[-2 : -pad - 2 : -1]
    tail_v = 2 * values[-1] - values[-2 : -pad - 2 : -1]
    t = np.concatenate([head_t, times, tail_t])
    v = np.concatenate([head_v, values, tail_v]).astype(np.float64)

    def one_way(t: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.empty(len(v), dtype=np.float64)
        out[0] = v[0]
        for i in range(1, len(v)):
            alpha = 1.0 - math.exp(-abs(t[i] - t[i - 1]) / tau)
            out[i] = out[i - 1] + alpha * (v[i] - out[i - 1])
        return out

    forward = one_way(t, v)
    both = one_way(t[::-1], forward[::-1])[::-1]
    return both[pad : pad + n]


def _drop_redundant(keys: list[CropKey]) -> list[CropKey]:
    """``keys`` without those lying on the line between their neighbours (pieces' joins)."""
    kept: list[CropKey] = []
    for i, key in enumerate(keys):
        if kept and i + 1 < len(keys):
            a, b = kept[-1], keys[i + 1]
            if b.time > a.time:
                share = (key.time - a.time) / (b.time - a.time)
                if abs(key.x - (a.x + share * (b.x - a.x))) < 0.05:
                    continue
        kept.append(key)
    # Before its first key and after its last the path holds still anyway.
    while len(kept) > 1 and abs(kept[-1].x - kept[-2].x) < 0.05:
        kept.pop()
    while len(kept) > 1 and abs(kept[0].x - kept[1].x) < 0.05:
        kept.pop(0)
    return kept


def _simplify(keys: list[CropKey], tolerance: float) -> list[CropKey]:
    """Fewest keys whose linear interpolation stays within ``tolerance`` px (Douglas-Peucker)."""
    if len(keys) <= 2:
        return list(keys)
    times = np.array([k.time for k in keys])
    xs = np.array([k.x for k in keys])
    keep = np.zeros(len(keys), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(keys) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        inner = slice(first + 1, last)
        span = times[last] - times[first]
        share = (times[inner] - times[first]) / span if span > 0 else 0.0
        error = np.abs(xs[inner] - (xs[first] + share * (xs[last] - xs[first])))
        worst = int(np.argmax(error))
        if error[worst] > tolerance:
            at = first + 1 + worst
            keep[at] = True
            stack += [(first, at), (at, last)]
    return [k for k, kept in zip(keys, keep, strict=True) if kept]


# --- the whole clip ------------------------------------------------------------------------


def analyse(
    path: str | os.PathLike[str], *, sample_fps: float = 5.0, max_side: int = 320
) -> Analysis:
    """Analyse a video file (normally the proxy ``media.ingest`` made).

    Every frame is decoded (scaled to ``max_side``) for cut detection; ``sample_fps``
    frames a second feed sharpness, brightness and the smart crop. Times are seconds from
    the first frame. MediaError (code ``analysis_failed``) if the file cannot be read.
    """
    if sample_fps <= 0:
        raise ValueError("sample_fps must be positive")
    with _open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise errors.MediaError("The video has no picture size.", code="analysis_failed")
        scale = min(1.0, max_side / max(width, height))
        size = (max(2, round(width * scale)), max(2, round(height * scale)))
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0

        detector = _ContentDetector(CUT_THRESHOLD, MIN_SCENE_LEN)
        sampler = _Sampler()
        samples: list[Sample] = []
        frame_times: list[float] = []
        cut_frames: list[int] = []
        next_sample = 0.0
        for time, bgr in _frames(container, stream, size, fps):
            frame_times.append(time)
            cut = detector.push(bgr)
            if cut is not None:
                cut_frames.append(cut)
            if time >= next_sample - 1e-6:
                samples.append(sampler.sample(time, bgr))
                while next_sample <= time + 1e-6:
                    next_sample += 1.0 / sample_fps
    if not frame_times:
        raise errors.MediaError("No frame of the video could be decoded.", code="analysis_failed")
    if fps <= 0:
        fps = len(frame_times) / max(frame_times[-1], 1e-3) if len(frame_times) > 1 else 1.0
    duration = frame_times[-1] + 1.0 / fps
    cuts = [frame_times[i] for i in cut_frames]
    blurred = blur_segments(samples, duration=duration)
    return Analysis(
        duration=duration,
        fps=fps,
        width=width,
        height=height,
        cuts=cuts,
        scenes=scenes(duration, cuts),
        thumbnails=thumbnail_candidates(samples, cuts, duration),
        blur_segments=blurred,
        blurry=is_blurry(blurred, duration),
        crop_keys=crop_keyframes(samples, width, height, cuts=cuts),
        crop_width=crop_width(width, height),
    )


def _open_video(path: str | os.PathLike[str]) -> av.container.InputContainer:
    try:
        # Local file only: a name such as "concat:..." must not become a protocol.
        container = av.open(os.fspath(path), options={"protocol_whitelist": "file"})
    except (av.FFmpegError, OSError) as exc:
        raise errors.MediaError(
            f"The video could not be opened for analysis ({exc}).", code="analysis_failed"
        ) from exc
    if not container.streams.video:
        container.close()
        raise errors.MediaError("The file has no video to analyse.", code="analysis_failed")
    return container


def _frames(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    size: tuple[int, int],
    fps: float,
) -> Iterator[tuple[float, np.ndarray]]:
    """(seconds from the first frame, BGR picture at ``size``) for every decoded frame."""
    start: float | None = None
    index = 0
    try:
        for frame in container.decode(stream):
            stamp = frame.time if frame.time is not None else index / (fps or 30.0)
            if start is None:
                start = stamp
            bgr = frame.to_ndarray(
                format="bgr24", width=size[0], height=size[1], interpolation="AREA"
            )
            yield max(0.0, stamp - start), bgr
            index += 1
    except av.FFmpegError as exc:
        raise errors.MediaError(
            f"The video could not be decoded for analysis ({exc}).", code="analysis_failed"
        ) from exc


# --- helpers -------------------------------------------------------------------------------


def _at_reference_size(gray: np.ndarray) -> np.ndarray:
    height, width = gray.shape[:2]
    scale = REFERENCE_SIDE / max(height, width)
    if abs(scale - 1.0) < 1e-3:
        return gray
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(gray, size, interpolation=interpolation)


def _map_image(gray: np.ndarray) -> np.ndarray:
    """``gray`` at ``MAP_WIDTH`` px wide as float32 0-1."""
    height, width = gray.shape[:2]
    size = (MAP_WIDTH, max(8, round(height * MAP_WIDTH / width)))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    if small.dtype == np.uint8:
        return small.astype(np.float32) / 255.0
    return small.astype(np.float32)


def _unit(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _num(value: float, places: int = 1) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _r3(value: float) -> float:
    return round(value, 3)
