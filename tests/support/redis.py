"""A throwaway Redis server for tests (Debian's redis-server, no persistence)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.support import net


def missing_binary() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server not found (apt-get install redis-server)"
    return None


@dataclasses.dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(workdir: Path) -> Server:
    port = net.free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                if client.ping():
                    return Server(port, process)
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    process.kill()
    raise RuntimeError("redis-server did not start")
