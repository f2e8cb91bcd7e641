"""What every `flask …` command shares: how a refused input ends the command."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import NoReturn

import click

from app.core import errors

EXIT_INVALID = 2  # bad input: a message naming the field, nothing written


def fail(error: errors.AppError) -> NoReturn:
    """Print the error and each field's messages to stderr; exit with ``EXIT_INVALID``."""
    click.echo(f"Lỗi: {error.message}", err=True)
    for field, messages in error.fields.items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(EXIT_INVALID)


@contextlib.contextmanager
def refusals(kind: type[errors.AppError] = errors.AppError) -> Iterator[None]:
    """Inside: a refused input (``kind``, an AppError by default) ends the command by ``fail``."""
    try:
        yield
    except kind as exc:
        fail(exc)
