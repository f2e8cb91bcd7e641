"""WSGI entry point: `flask --app wsgi run`, `gunicorn wsgi:app`,
`celery -A wsgi.celery_app worker`. The only module-level create_app call."""

import sys

from app import config, factory

try:
    app = factory.create_app()
except config.ConfigError as exc:
    sys.exit(f"Lỗi cấu hình (configuration error): {exc}")

celery_app = app.extensions["celery"]
