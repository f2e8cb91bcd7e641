"""Follow a live's comments until it ends: the loop a capture worker runs.

``follow`` calls ``source.fetch`` again and again, hands each batch to ``store`` (which must
save the events and the batch's cursor together, in one transaction), waits what the
platform asks, and deals with what a live chat does: a throttle (wait the time it names), a
dropped connection or a 5xx (back off, 1 s doubling to 30 s), an expired token (``reconnect``
gives a source with a fresh one, or the error goes up), the end of the live (return). Each
throttle or failure it waits out is handed to ``trouble`` so the caller can show it while the
loop keeps trying (the next stored batch means it is over).
Nothing here touches a database or a clock of its own: ``sleep`` and ``stop`` are passed in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from integrations import errors
from integrations.comments.base import Batch, CommentSource, LiveEnded, LiveVideo

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
RECONNECTS_IN_A_ROW = 3


RESOLVE_ATTEMPTS = 6


def resolve(source: CommentSource, ref: str | None, *, sleep: Callable[[float], None]) -> LiveVideo:
    """``source.resolve_live(ref)``, waiting out throttles and retrying transient failures
    (backing off as ``follow`` does) a few times before giving up with the last error."""
    backoff = BACKOFF_FIRST
    for attempt in range(1, RESOLVE_ATTEMPTS + 1):
        try:
            return source.resolve_live(ref)
        except errors.RateLimited as exc:
            if attempt == RESOLVE_ATTEMPTS:
                raise
            sleep(exc.retry_after)
        except errors.TransientError as exc:
            if attempt == RESOLVE_ATTEMPTS:
                raise
            sleep(exc.retry_after if exc.retry_after is not None else backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclasses.dataclass
class Outcome:
    """Why ``follow`` returned, with the last cursor stored and what happened on the way."""

    reason: str  # "ended" | "stopped"
    cursor: str | None
    batches: int = 0
    events: int = 0
    throttled: int = 0
    transient: int = 0
    reconnected: int = 0


def follow(
    source: CommentSource,
    live_id: str,
    cursor: str | None,
    *,
    store: Callable[[Batch], object],
    sleep: Callable[[float], None],
    stop: Callable[[], bool] = lambda: False,
    reconnect: Callable[[], CommentSource] | None = None,
    trouble: Callable[[errors.ChannelError], object] = lambda exc: None,
) -> Outcome:
    outcome = Outcome("stopped", cursor)
    backoff = BACKOFF_FIRST
    in_a_row = 0  # reconnects without a batch in between: a token that never works
    while not stop():
        try:
            batch = source.fetch(live_id, outcome.cursor)
        except errors.RateLimited as exc:
            outcome.throttled += 1
            trouble(exc)
            sleep(exc.retry_after)
            continue
        except errors.TransientError as exc:
            outcome.transient += 1
            trouble(exc)
            sleep(exc.retry_after if exc.retry_after is not None else backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            continue
        except errors.AuthExpired:
            if reconnect is None or in_a_row >= RECONNECTS_IN_A_ROW:
                raise
            source = reconnect()
            outcome.reconnected += 1
            in_a_row += 1
            continue
        except LiveEnded:
            outcome.reason = "ended"
            return outcome
        backoff, in_a_row = BACKOFF_FIRST, 0
        store(batch)
        outcome.cursor = batch.cursor
        outcome.batches += 1
        outcome.events += len(batch.events)
        if batch.ended:
            outcome.reason = "ended"
            return outcome
        sleep(batch.wait)
    return outcome
