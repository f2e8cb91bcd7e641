"""Small network helpers for tests that start servers."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, attempts: int = 100, delay: float = 0.1) -> None:
    """Wait until url answers (any HTTP status); raise if it never does."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(delay)
    raise RuntimeError(f"nothing answered at {url}")
