"""Database models, one module per area. Importing this package registers them all."""

from app.models import (  # noqa: F401
    accounts,
    catalog,
    channels,
    comments,
    jobs,
    live,
    messages,
    orders,
    orgs,
    payments,
    rollups,
    shipping,
    studio,
)
