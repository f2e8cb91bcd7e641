"""Database models, one module per area. Importing this package registers them all."""

from app.models import accounts, catalog, channels, jobs, media, orgs  # noqa: F401
