"""Secrets never reach the logs.

Marketplace calls carry tokens and signatures in query strings and headers; a failing
request's exception text (and urllib3's debug lines) would repeat them. ``install()``
wraps the log-record factory so every record — from the app, requests/urllib3, Celery
or gunicorn, whatever handler prints it later — has its message and traceback passed
through ``redact()`` first. The wrap happens once per process, from ``create_app``
(never at import time).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

MASK = "***"

_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|app_secret|client_secret|partner_key|api_key|apikey"
    r"|secret|password|passwd|pwd|sign|signature|token|code_verifier|secrets_enc"
)
# name=value (query strings, form bodies), name: value and "name": "value" (JSON, reprs)
_PAIR = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:{_SECRET_NAMES})\b["']?)
    (?P<sep>\s*[=:]\s*)
    (?P<quote>["']?)
    (?P<value>[^\s&"',;}}\])]+)
    """
)
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@")
_installed = False


def redact(text: str) -> str:
    """``text`` with secret-looking values replaced by ``***``."""
    if not text:
        return text
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _PAIR.sub(lambda m: f"{m['key']}{m['sep']}{m['quote']}{MASK}", text)


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the record as it is, logging reports it
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(formatted)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Redact every log record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
