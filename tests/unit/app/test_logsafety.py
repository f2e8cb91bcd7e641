"""Secret values are masked in log text, however they are written."""

from __future__ import annotations

import logging

import pytest

from app.core import logsafety


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /api/v2/product/add_item?partner_id=1&access_token=abc123XYZ&sign=f00d", "abc123XYZ"),
        ("GET /api/v2/item?partner_id=1&access_token=abc&sign=f00dbeef99", "f00dbeef99"),
        ('{"app_secret": "s3cr3t-value", "name": "Shop"}', "s3cr3t-value"),
        ("{'refresh_token': 'rt-998877', 'expires_in': 3600}", "rt-998877"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("postgresql://ocop:Pa55word@db.internal:5432/ocop", "Pa55word"),
        ("redis://:hunter22@cache:6379/0", "hunter22"),
        ("password=mật-khẩu-123 user=lan", "mật-khẩu-123"),
    ],
)
def test_secret_values_are_masked(text: str, secret: str) -> None:
    clean = logsafety.redact(text)
    assert secret not in clean
    assert logsafety.MASK in clean


def test_ordinary_text_is_left_alone() -> None:
    text = "job 12 (publish) failed: marketplace server error HTTP 503 for SKU NM-01"
    assert logsafety.redact(text) == text


def test_installed_factory_scrubs_messages_args_and_tracebacks() -> None:
    logsafety.install()
    logsafety.install()  # idempotent: one wrap only
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("tests.logsafety")
    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("calling %s", "https://m.test/a?access_token=tok-ABCDEF&x=1")
        try:
            raise RuntimeError("refused: client_secret=cs-SECRET-42")
        except RuntimeError:
            logger.exception("push failed")
    finally:
        logger.removeHandler(handler)
    formatter = logging.Formatter("%(message)s")
    text = "\n".join(formatter.format(r) for r in records)
    assert "tok-ABCDEF" not in text
    assert "cs-SECRET-42" not in text
    assert "RuntimeError" in text  # the traceback is still there, only the value is masked
    assert text.count(logsafety.MASK) >= 2
