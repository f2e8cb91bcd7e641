"""Concurrency in tests: the same work started in several threads at once."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(target: Callable[[], object], count: int) -> None:
    """Run ``target`` in ``count`` threads and wait until every one has ended."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
