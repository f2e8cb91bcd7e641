"""The app's render of the standard recipe beside a hand-written ffmpeg command and moviepy.

    .venv/bin/python -m bench.video.run --repeat 3
    .venv/bin/python -m bench.video.run --tiny --repeat 1   # the 3 s 270×480 job of make test

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
from media import compile, profiles, render
from media import recipe as recipe_mod


def recipe(job: references.Job = references.STANDARD) -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "clips": [
            {"asset": name, "in": t0, "out": t1, "crop": {"mode": "center"}}
            for name, (t0, t1) in zip(("clip1", "clip2"), job.clips, strict=True)
        ],
        "captions": [
            {"text": text, "start": start, "end": end} for start, end, text in job.captions
        ],
        "logo": {"asset": "logo", "position": "tr"},
        "music": {"asset": "music", "volume": 0.5, "duck": True},
        "outro": {"title": "Mua tại Shopee · TikTok Shop", "duration": job.outro},
    }


def app_render(
    src: dict[str, Path], out: Path, workdir: Path, job: references.Job = references.STANDARD
) -> None:
    size, seconds = (job.source_width, job.source_height), job.source_seconds
    assets = {
        "clip1": compile.AssetInfo(src["clip1"], "video", *size, seconds, True),
        "clip2": compile.AssetInfo(src["clip2"], "video", *size, seconds, True),
        "logo": compile.AssetInfo(src["logo"], "image", 240, 240),
        "music": compile.AssetInfo(
            src["music"], "audio", duration=job.music_seconds, has_audio=True
        ),
    }
    # The TikTok profile at the job's frame (the standard job's is TikTok's own 1080×1920).
    profile = profiles.get("tiktok").resized(job.width, job.height)
    command = compile.compile(
        recipe_mod.parse(recipe(job), assets), assets, out, workdir, profile=profile
    )
    render.render(
        command, out, on_progress=lambda f: None, should_cancel=lambda: False, timeout=600
    )


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def run(
    job: references.Job = references.STANDARD,
    repeat: int = 3,
    *,
    moviepy: bool = True,
    workdir: Path | None = None,
) -> list[dict[str, Any]]:
    """One row per renderer: runs, median wall time, output length, realtime factor, ÷ hand.

    ``workdir`` (a new temporary folder when None) receives the sources and the renders.
    """
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-video-"))
    src = references.make_sources(work / "src", job)
    times: dict[str, list[float]] = {"app": [], "hand": [], "moviepy": []}
    outputs = {"app": work / "app.mp4", "hand": work / "hand.mp4", "moviepy": work / "mp.mp4"}
    for _ in range(repeat):  # alternate so both see the same machine state
        started = time.perf_counter()
        app_render(src, outputs["app"], work / "app-work", job)
        times["app"].append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(references.handwritten_ffmpeg(src, outputs["hand"], job), check=True)
        times["hand"].append(time.perf_counter() - started)
    if moviepy:
        started = time.perf_counter()
        references.moviepy_render(src, outputs["moviepy"], job)
        times["moviepy"].append(time.perf_counter() - started)
    hand = statistics.median(times["hand"])
    rows = []
    for name in ("app", "hand", "moviepy"):
        if not times[name]:
            continue
        wall = statistics.median(times[name])
        length = duration_of(outputs[name])
        rows.append(
            {
                "renderer": name,
                "runs": len(times[name]),
                "wall_s": wall,
                "output_s": length,
                "realtime": length / wall,
                "vs_hand": wall / hand,
                "output": outputs[name],
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument(
        "--tiny", action="store_true", help="the 3 s 270×480 job make test runs (seconds)"
    )
    args = parser.parse_args()
    job = references.TINY if args.tiny else references.STANDARD
    rows = run(job, args.repeat, moviepy=not args.skip_moviepy)
    print("| renderer | runs | wall median (s) | output (s) | realtime factor | ÷ hand-written |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['renderer']} | {r['runs']} | {r['wall_s']:.1f} | {r['output_s']:.1f} "
            f"| {r['realtime']:.2f}× | {r['vs_hand']:.2f} |"
        )


if __name__ == "__main__":
    main()
