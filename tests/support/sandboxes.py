"""Sandbox marketplace servers for app-level tests, and the adapter config to reach them."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from PIL import Image

from app.setup import demo
from sandbox import core, servers


def adapter_config(name: str, url: str, **extra: str) -> dict[str, str]:
    """Adapter config (secrets included) for the sandbox ``name`` served at ``url``."""
    config = demo.sandbox_channel_config(name, url)
    config["requests_per_second"] = "1000"
    config.update(extra)
    return config


@dataclasses.dataclass
class Running:
    name: str
    server: core.Server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def state(self) -> core.State:
        return self.server.dialect.state

    def admin(self, action: str, body: dict[str, Any] | None = None) -> Any:
        if body is None and action in ("calls", "products"):
            response = requests.get(f"{self.url}/_sandbox/{action}", timeout=10)
        else:
            response = requests.post(f"{self.url}/_sandbox/{action}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json()


@contextmanager
def running(name: str, **options: Any) -> Iterator[Running]:
    server = core.Server(servers.dialect(name, **options)).start()
    try:
        yield Running(name, server)
    finally:
        server.stop()


def approve(authorize_url: str) -> dict[str, str]:
    """Do what the seller does on the consent page; return the callback's query params."""
    page = requests.get(authorize_url, timeout=10, allow_redirects=True)
    page.raise_for_status()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text))
    fields = {k: _unescape(v) for k, v in fields.items()}
    answer = requests.post(page.url, data=fields, timeout=10, allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["Location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def _unescape(value: str) -> str:
    return html.unescape(value)


def jpeg(color: tuple[int, int, int] = (200, 120, 40), size: int = 800) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    buffer.name = "anh.jpg"
    return buffer
