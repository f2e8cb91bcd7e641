"""The administrative map (2025) as the forms' commune pickers read it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.core import errors
from vietnam import admin_units


def communes_json(province_code: int | None) -> dict[str, Any]:
    """The communes of a province, for a picker's ``?province=<code>`` request (NotFound when
    there is no such province)."""
    if province_code is None or admin_units.province(province_code) is None:
        raise errors.NotFound(_("Không có tỉnh/thành phố này."))
    return {
        "province": province_code,
        "communes": [{"code": u.code, "name": u.name} for u in admin_units.communes(province_code)],
    }
