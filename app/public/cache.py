"""The public pages' rendered bytes, kept in each app process (a bounded LRU).

What a buyer opens when a host shows a product on stream is asked for by everyone at once:
rendering it once per change instead of once per request is what keeps it near the
``/healthz`` ceiling (bench/load). The key says everything the bytes depend on (the product's
digest, the day, the language, the base address, signed in or not), so an entry can never be
served for something it was not rendered for: a change makes a new key and the old entry just
ages out. No shared store is needed for that (nor Redis in the embedded set-up), and a new
release starts with an empty cache, so changed templates are never served from an old one.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import threading
from collections.abc import Callable, Hashable


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """A rendered body and its strong ETag (a digest of the bytes)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Entry:
        return cls(body, hashlib.sha256(body).hexdigest()[:32])


class RenderCache:
    """At most ``size`` entries, the least recently used dropped first; safe across threads
    (gunicorn's gthread workers). Two requests missing the same key at once both render; the
    bytes are the same."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: collections.OrderedDict[Hashable, Entry] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, render: Callable[[], bytes]) -> Entry:
        """The entry for ``key``, rendering (outside the lock) and keeping it on a miss; what
        ``render`` raises is raised and nothing is kept (a 404 is never cached)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            self.misses += 1
        entry = Entry.of(render())
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def held(self) -> list[Hashable]:
        """The keys held, least recently used first."""
        with self._lock:
            return list(self._entries)
