"""Run a compiled ffmpeg command: progress, cancel, timeout, atomic publish, thumbnail.

The processes are started by ``media.ffmpeg`` (the binary's one home); this module reads
their progress, stops them and publishes what they wrote.

ffmpeg writes to a temp file beside the output. Only when it exited cleanly, the thumbnail
was cut and the file probed does the video move into place with ``os.replace`` (then the
thumbnail); on failure, cancel or timeout both temp files are deleted, so a killed render
leaves no half file behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import queue
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import av

from media import compile as compile_mod
from media import errors, ffmpeg

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 3.0
STDERR_TAIL_CHARS = 2000


@dataclasses.dataclass(frozen=True)
class RenderResult:
    path: Path
    duration: float
    size_bytes: int
    thumbnail: Path


def parse_progress_line(line: str) -> float | None:
    """Seconds of output written, from one ``-progress`` line; None for other keys/N/A.

    ``out_time_ms`` is in microseconds too (an old ffmpeg misnomer kept for compatibility).
    """
    key, _, value = line.strip().partition("=")
    value = value.strip()
    try:
        if key in ("out_time_us", "out_time_ms"):
            return int(value) / 1_000_000
        if key == "out_time":
            hours, minutes, seconds = value.split(":")
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return None


def _pump(stream: IO[bytes], lines: queue.Queue[str | None]) -> None:
    try:
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace"))
    finally:
        lines.put(None)


def _take(
    lines: queue.Queue[str | None], eof: bool, process: subprocess.Popen[bytes]
) -> list[str | None]:
    """Progress lines ready now, waiting up to one poll interval for the first."""
    if eof:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL_SECONDS)
        return []
    try:
        taken = [lines.get(timeout=POLL_SECONDS)]
    except queue.Empty:
        return []
    while taken[-1] is not None:
        try:
            taken.append(lines.get_nowait())
        except queue.Empty:
            break
    return taken


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(stderr: IO[bytes]) -> str:
    stderr.seek(0, os.SEEK_END)
    size = stderr.tell()
    stderr.seek(max(0, size - STDERR_TAIL_CHARS))
    return stderr.read().decode("utf-8", "replace").strip()


def _unlink(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _thumbnail(video: Path, target: Path, at: float, timeout: float) -> None:
    args = [
        "-y",
        "-protocol_whitelist",
        "file",
        "-ss",
        f"{max(0.0, at):.3f}",
        "-f",
        "mov",
        "-i",
        str(video),
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-update",
        "1",
        "-f",
        "image2",
        str(target),
    ]
    try:
        ffmpeg.run(args, timeout=max(timeout, 1.0))
    except errors.MediaError as exc:
        if exc.code == "ffmpeg_timeout":
            raise errors.RenderTimeout("The thumbnail took too long.", code="timeout") from exc
        raise errors.RenderFailed(f"Thumbnail failed: {exc.message}", code="thumbnail") from exc
    if not target.exists() or target.stat().st_size == 0:
        raise errors.RenderFailed("Thumbnail failed: no image written.", code="thumbnail")


def _probe_duration(path: Path) -> float:
    with av.open(str(path), format="mov") as container:
        if container.duration is None:
            raise errors.RenderFailed("The rendered file has no duration.", code="output")
        return container.duration / av.time_base


def sweep_partials(out_path: Path, thumbnail: Path | None = None) -> list[Path]:
    """Delete what an earlier render of ``out_path`` left when its process was killed before
    it could clean up (``.<stem>.<random>.part`` and its thumbnail's temp file). Returns them."""
    thumbnail = thumbnail or out_path.with_suffix(".jpg")
    found = [
        *out_path.parent.glob(f".{glob.escape(out_path.stem)}.*.part"),
        *thumbnail.parent.glob(f".{glob.escape(thumbnail.stem)}.*.jpg"),
    ]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def render(
    command: compile_mod.Command,
    out_path: Path | str,
    *,
    on_progress: Callable[[float], None],
    should_cancel: Callable[[], bool],
    timeout: float,
    thumbnail_path: Path | str | None = None,
    thumbnail_at: float | None = None,
) -> RenderResult:
    """Run ``command``, report progress 0..1, and publish ``out_path`` plus a JPEG thumbnail.

    ``on_progress`` and ``should_cancel`` are called from this thread (about every 0.2 s).
    Raises RenderCancelled, RenderTimeout (``timeout`` seconds in all) or RenderFailed with
    the tail of ffmpeg's log; in each case nothing is left at ``out_path`` or beside it.
    The thumbnail is a frame at ``thumbnail_at`` seconds (default: a third into the clips)
    written to ``thumbnail_path`` (default: ``out_path`` with ``.jpg``).
    """
    out_path = Path(out_path)
    temp = command.temp_path
    if temp.parent.resolve() != out_path.parent.resolve():
        raise ValueError("out_path must be in the folder the command renders into")
    thumbnail = Path(thumbnail_path) if thumbnail_path else out_path.with_suffix(".jpg")
    thumbnail_temp = thumbnail.parent / f".{thumbnail.stem}.{secrets.token_hex(6)}.jpg"
    deadline = time.monotonic() + timeout
    expected = max(command.duration, 0.001)

    sweep_partials(out_path, thumbnail)
    with tempfile.TemporaryFile() as stderr:
        process = ffmpeg.start(command.args, stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
        reader.start()
        reported = 0.0
        published = False
        try:
            eof = False
            while not eof or process.poll() is None:
                for line in _take(lines, eof, process):
                    if line is None:
                        eof = True
                        break
                    written = parse_progress_line(line)
                    # Below 1.0 until published: 1.0 means the file is in place.
                    if written is not None and (fraction := min(0.99, written / expected)) > (
                        reported + 0.001
                    ):
                        reported = fraction
                        on_progress(fraction)
                if should_cancel():
                    _stop(process)
                    raise errors.RenderCancelled("The render was cancelled.", code="cancelled")
                if time.monotonic() > deadline:
                    _stop(process)
                    raise errors.RenderTimeout(
                        f"The render took longer than {timeout:g} s and was stopped.",
                        code="timeout",
                        params={"seconds": round(timeout)},
                    )
            if process.wait() != 0:
                raise errors.RenderFailed(
                    f"ffmpeg failed ({process.returncode}): {_tail(stderr)}", code="ffmpeg"
                )
            if not temp.exists() or temp.stat().st_size == 0:
                raise errors.RenderFailed("ffmpeg wrote no output.", code="output")
            size = temp.stat().st_size
            max_bytes = command.profile.max_bytes
            if max_bytes is not None and size > max_bytes:
                raise errors.RenderFailed(
                    f"The video is {size / 1e6:.1f} MB; {command.profile.label} accepts "
                    f"{max_bytes / 1e6:g} MB.",
                    code="too_large",
                    params={
                        "size_mb": round(size / 1e6, 1),
                        "max_mb": round(max_bytes / 1e6, 1),
                        "platform": command.profile.label,
                    },
                )
            seconds = _probe_duration(temp)
            at = command.thumbnail_at if thumbnail_at is None else thumbnail_at
            at = min(max(0.0, at), max(0.0, seconds - 0.1))
            _thumbnail(temp, thumbnail_temp, at, deadline - time.monotonic())
            os.replace(temp, out_path)
            published = True
            os.replace(thumbnail_temp, thumbnail)
        except BaseException:
            _stop(process)
            _unlink(temp, thumbnail_temp, *([out_path] if published else []))
            raise
        finally:
            reader.join(timeout=STOP_GRACE_SECONDS)
            process.stdout.close()
    on_progress(1.0)
    return RenderResult(path=out_path, duration=seconds, size_bytes=size, thumbnail=thumbnail)
