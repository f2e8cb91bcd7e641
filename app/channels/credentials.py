"""Channel secrets encrypted at rest with Fernet; the keys come from CREDENTIALS_KEY.

Several comma-separated keys allow rotation: the first encrypts, any decrypts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography import fernet


class CredentialsError(Exception):
    """Stored secrets cannot be read with the configured keys."""


class Vault:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise CredentialsError("no CREDENTIALS_KEY configured")
        self._fernet = fernet.MultiFernet([fernet.Fernet(k.encode()) for k in keys])

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()

    def open(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode())))
        except fernet.InvalidToken as exc:
            raise CredentialsError(
                "stored channel secrets cannot be decrypted: was CREDENTIALS_KEY changed "
                "without keeping the old key after it?"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt with the newest key."""
        return self._fernet.rotate(token.encode()).decode()
