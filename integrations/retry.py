"""When to try a failed call again: full-jitter exponential backoff, honouring Retry-After."""

from __future__ import annotations

import random

from integrations import errors

BASE_SECONDS = 1.0
CAP_SECONDS = 300.0


def backoff(
    attempt: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(0, ceiling)


def delay_for(
    error: errors.ChannelError,
    attempt: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    rng: random.Random | None = None,
) -> float | None:
    """How long to wait before retrying after ``error``; None when it must not be retried."""
    if not error.retryable:
        return None
    hinted = getattr(error, "retry_after", None)
    jitter = backoff(attempt, base=base, cap=cap, rng=rng)
    if hinted:
        # The marketplace said when; add a little jitter so workers do not stampede.
        return float(hinted) + jitter * 0.1
    return jitter
