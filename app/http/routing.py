"""URL converters.

``int`` in a route is a database id: ASCII digits, 1 … 2**31 - 1 (PostgreSQL ``integer``,
``validators.MAX_ID``). Zero, a larger value (2**63, 2**64, a 5,000-digit number), a sign or
other digits ('١٢') is a 404 at routing time, instead of an overflow deep in the database
driver (a 500). The OpenAPI document shows the same bounds."""

from __future__ import annotations

from typing import Any

import werkzeug.routing

from app.core import validators

MAX_ID = validators.MAX_ID


class IdConverter(werkzeug.routing.IntegerConverter):
    regex = r"[0-9]+"  # werkzeug's \d+ also matches non-ASCII digits

    def __init__(self, url_map: werkzeug.routing.Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        # Refuse by length first: int() of a number past 4,300 digits raises ValueError (a 500).
        if self.max is not None and len(value) > len(str(self.max)):
            raise werkzeug.routing.ValidationError()
        return super().to_python(value)


def id_param_schema(converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}
