"""The app's render of the standard recipe beside a hand-written ffmpeg command and moviepy.

    .venv/bin/python -m bench.video.run --repeat 3

The standard job (see ``references``): 2 clips trimmed and centre-cropped to 9:16, two
captions, a logo, music ducked under the clips' sound, a 4 s outro; 30 s of 1080×1920 output.
The app compiles its JSON recipe to one ffmpeg command (``media.compile``) and runs it with
progress (``media.render``); the hand-written command does the same operations; moviepy
composites frame by frame. Prints wall times (median), realtime factors and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import av

from bench.video import references
from media import compile, render
from media import recipe as recipe_mod


def recipe() -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "clips": [
            {"asset": name, "in": t0, "out": t1, "crop": {"mode": "center"}}
            for name, (t0, t1) in zip(("clip1", "clip2"), references.CLIPS, strict=True)
        ],
        "captions": [
            {"text": text, "start": start, "end": end} for start, end, text in references.CAPTIONS
        ],
        "logo": {"asset": "logo", "position": "tr"},
        "music": {"asset": "music", "volume": 0.5, "duck": True},
        "outro": {"title": "Mua tại Shopee · TikTok Shop", "duration": references.OUTRO},
    }


def app_render(src: dict[str, Path], out: Path, workdir: Path) -> None:
    assets = {
        "clip1": compile.AssetInfo(src["clip1"], "video", 1920, 1080, 20.0, True),
        "clip2": compile.AssetInfo(src["clip2"], "video", 1920, 1080, 20.0, True),
        "logo": compile.AssetInfo(src["logo"], "image", 240, 240),
        "music": compile.AssetInfo(src["music"], "audio", duration=40.0, has_audio=True),
    }
    command = compile.compile(recipe_mod.parse(recipe(), assets), assets, out, workdir)
    render.render(
        command, out, on_progress=lambda f: None, should_cancel=lambda: False, timeout=600
    )


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-moviepy", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-video-"))
    src = references.make_sources(work / "src")
    times: dict[str, list[float]] = {"app": [], "hand": [], "moviepy": []}
    outputs = {"app": work / "app.mp4", "hand": work / "hand.mp4", "moviepy": work / "mp.mp4"}
    for _ in range(args.repeat):  # alternate so both see the same machine state
        started = time.perf_counter()
        app_render(src, outputs["app"], work / "app-work")
        times["app"].append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(references.handwritten_ffmpeg(src, outputs["hand"]), check=True)
        times["hand"].append(time.perf_counter() - started)
    if not args.skip_moviepy:
        started = time.perf_counter()
        references.moviepy_render(src, outputs["moviepy"])
        times["moviepy"].append(time.perf_counter() - started)
    hand = statistics.median(times["hand"])
    print("| renderer | runs | wall median (s) | output (s) | realtime factor | ÷ hand-written |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("app", "hand", "moviepy"):
        if not times[name]:
            continue
        wall = statistics.median(times[name])
        length = duration_of(outputs[name])
        print(
            f"| {name} | {len(times[name])} | {wall:.1f} | {length:.1f} "
            f"| {length / wall:.2f}× | {wall / hand:.2f} |"
        )


if __name__ == "__main__":
    main()
