"""WSGI entry point: `flask --app wsgi run`, `gunicorn wsgi:app`,
`celery -A wsgi.celery_app worker`. The only module-level create_app call."""

import gc
import sys

from app import config, factory

try:
    app = factory.create_app()
except config.ConfigError as exc:
    sys.exit(f"Lỗi cấu hình (configuration error): {exc}")

celery_app = app.extensions["celery"]

# What start-up made (modules, the mappers, translations: some 300,000 objects) lives as long
# as the process: kept out of the collector's full passes, which otherwise walk it all now and
# then in the middle of a request (a 120 ms pause in a 20 ms dashboard, bench/national), and
# shared with forked workers instead of copied when the collector touches it.
gc.freeze()
