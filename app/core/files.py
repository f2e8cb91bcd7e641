"""What a service takes for an uploaded file, whichever door it came through."""

from __future__ import annotations

from typing import IO, Protocol


class Upload(Protocol):
    """An uploaded file: its content and the name the sender gave it (a form's or the API's
    ``werkzeug.datastructures.FileStorage`` is one; a test may pass any object like it)."""

    @property
    def stream(self) -> IO[bytes]: ...

    @property
    def filename(self) -> str | None: ...
