"""Database models, one module per area. Importing this package registers them all."""

from app.models import accounts, catalog, jobs, orgs  # noqa: F401
