"""`flask catalog …`: import, export and the template, for coordinators' scripts."""

from __future__ import annotations

import flask.cli

catalog_cli = flask.cli.AppGroup("catalog", help="Danh mục sản phẩm: nhập, xuất, mẫu.")
