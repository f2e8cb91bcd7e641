"""The ffmpeg binary bundled in the imageio-ffmpeg wheel, and short commands run with it.

Never a system ffmpeg: a fresh machine gets the same build (libass, HarfBuzz) from the
registry package. Every ffmpeg the media library runs starts here: short commands with
``run``, long renders (progress on stdout, cancel, timeout: ``media.render``) with ``start``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import IO

from media import errors

_STDERR_TAIL_CHARS = 2000
_PR_SET_PDEATHSIG = 1


def executable() -> str:
    """Path of the bundled ffmpeg binary; MediaError if the wheel or its binary is missing."""
    try:
        import imageio_ffmpeg  # imported on first use, so a missing wheel is a clear error
    except ImportError as exc:
        raise errors.MediaError(
            "The bundled ffmpeg is not installed (pip package imageio-ffmpeg).",
            code="ffmpeg_missing",
        ) from exc
    try:
        path: str = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise errors.MediaError(
            f"The imageio-ffmpeg package has no ffmpeg binary for this machine: {exc}",
            code="ffmpeg_missing",
        ) from exc
    if not os.access(path, os.X_OK):
        raise errors.MediaError(
            f"The bundled ffmpeg at {path} is not executable.", code="ffmpeg_missing"
        )
    return path


def base_args() -> list[str]:
    """Arguments every command starts with: quiet, and never reading the terminal."""
    return ["-hide_banner", "-nostdin", "-loglevel", "error"]


def input_args(path: str | os.PathLike[str], demuxer: str | None) -> list[str]:
    """``-i`` arguments that read this local file only, with ``demuxer`` forced if given.

    Inputs that came from an upload always name the demuxer ``probe`` chose, so a renamed
    playlist or list file is never opened by a demuxer that would follow it elsewhere.
    """
    args = ["-protocol_whitelist", "file"]
    if demuxer:
        args += ["-f", demuxer, "-format_whitelist", demuxer]
    # The file: prefix stops a name such as "concat:a|b" being read as a protocol.
    return [*args, "-i", file_url(path)]


def file_url(path: str | os.PathLike[str]) -> str:
    """``path`` as a file: URL, so no part of a file name is ever read as a protocol."""
    return "file:" + os.path.abspath(os.fspath(path))


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ffmpeg children: on Linux the kernel kills the child when the
    worker that started it dies (PR_SET_PDEATHSIG), so a killed worker leaves no ffmpeg running
    on, still writing its output. ``None`` where that is not available.

    prctl is looked up here, in the parent: the function the child runs only calls it."""
    if sys.platform != "linux":
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def setup() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


def command(args: Sequence[str]) -> list[str]:
    """The command line ``ffmpeg <base_args> <args>`` with the bundled binary."""
    return [executable(), *base_args(), *args]


def start(
    line: Sequence[str], *, stdout: int | IO[bytes] | None, stderr: int | IO[bytes] | None
) -> subprocess.Popen[bytes]:
    """Start ``line`` (made by ``command``) without waiting: stdin closed, and the child dies
    with the worker that started it. For long renders that read progress and may be stopped
    (``media.render``); ValueError for a line that does not run the bundled ffmpeg."""
    if not line or line[0] != executable():
        raise ValueError("not a command of the bundled ffmpeg")
    return subprocess.Popen(
        list(line),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=die_with_parent(),
    )


def run(args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ``ffmpeg <base_args> <args>``; MediaError with the end of its log if it fails.

    For short helper commands (ingest, thumbnails). The child is killed on timeout.
    """
    try:
        completed = subprocess.run(
            command(args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            preexec_fn=die_with_parent(),
        )
    except subprocess.TimeoutExpired as exc:
        raise errors.MediaError(
            f"ffmpeg took longer than {timeout:g} s and was stopped.{_tail(exc.stderr)}",
            code="ffmpeg_timeout",
        ) from exc
    if completed.returncode != 0:
        raise errors.MediaError(
            f"ffmpeg failed with exit status {completed.returncode}.{_tail(completed.stderr)}",
            code="ffmpeg_failed",
        )
    return completed


def _tail(stderr: bytes | str | None) -> str:
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = text.strip()
    if len(text) > _STDERR_TAIL_CHARS:
        text = "…" + text[-_STDERR_TAIL_CHARS:]
    return f"\n{text}" if text else ""
