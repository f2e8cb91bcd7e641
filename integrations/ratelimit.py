"""A thread-safe token bucket so one process stays under a channel's request rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` requests per second on average, bursts of up to ``burst``.

    The default burst of 1 spaces calls evenly, which is what servers counting
    calls in a sliding one-second window need to never see more than ``rate``.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        margin: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        # Pace a little under the limit: requests reach the server with some jitter, and a
        # server counting a sliding one-second window refuses the one that arrives early.
        self.rate = float(rate) * margin
        self.capacity = float(burst if burst is not None else 1)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take one token; return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            wait = max(0.0, -self._tokens / self.rate)
            return max(wait, self._paused_until - now)

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """The marketplace said slow down: hold every caller for ``seconds``."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._tokens = min(self._tokens, 0.0)
