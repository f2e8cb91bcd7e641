"""The public pages' render cache: bounded, least recently used out first, nothing kept when
rendering fails, and an ETag that is a digest of the bytes."""

from __future__ import annotations

import hashlib

import pytest

from app.public import cache


def test_least_recently_used_entry_goes_first() -> None:
    store = cache.RenderCache(2)
    renders: list[str] = []

    def render(name: str) -> bytes:
        renders.append(name)
        return name.encode()

    store.get("a", lambda: render("a"))
    store.get("b", lambda: render("b"))
    assert store.get("a", lambda: render("a")).body == b"a"  # a hit: "a" is now the newest
    store.get("c", lambda: render("c"))
    assert store.held() == ["a", "c"] and len(store) == 2
    store.get("b", lambda: render("b"))  # dropped, so rendered again
    assert renders == ["a", "b", "c", "b"]
    assert (store.hits, store.misses) == (1, 4)


def test_a_failed_render_keeps_nothing() -> None:
    store = cache.RenderCache(4)

    def fail() -> bytes:
        raise LookupError("no such product")

    with pytest.raises(LookupError):
        store.get("missing", fail)
    assert store.held() == []
    assert store.get("missing", lambda: b"now it exists").body == b"now it exists"


def test_the_etag_is_a_digest_of_the_bytes() -> None:
    entry = cache.Entry.of(b"<html>")
    assert entry.etag == hashlib.sha256(b"<html>").hexdigest()[:32]
    assert cache.Entry.of(b"<html> ").etag != entry.etag
