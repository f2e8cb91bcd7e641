"""Database models, one module per area. Importing this package registers them all."""

from app.models import accounts, catalog, channels, jobs, live, orders, orgs, studio  # noqa: F401
