"""URL converters.

``int`` in a route is a database id: 1 … 2**31 - 1 (PostgreSQL ``integer``). A larger or
zero value is a 404 at routing time, instead of an overflow deep in the database driver
(a 500). The OpenAPI document shows the same bounds."""

from __future__ import annotations

from typing import Any

import werkzeug.routing

MAX_ID = 2**31 - 1


class IdConverter(werkzeug.routing.IntegerConverter):
    def __init__(self, url_map: werkzeug.routing.Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_param_schema(converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}
