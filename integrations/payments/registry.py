"""Which payment source serves which service, and which merchant API creates payment links;
modules are imported only on first use."""

from __future__ import annotations

from integrations import plugins
from integrations.payments import base

SOURCES = plugins.Registry[base.PaymentSource](
    "payment source",
    base.PaymentSource,
    {
        "sepay": "integrations.payments.sepay:SePaySource",
        "casso": "integrations.payments.casso:CassoSource",
        "payos": "integrations.payments.payos:PayOSSource",
    },
)
LINKS = plugins.Registry[base.PaymentLinks](
    "payment link service",
    base.PaymentLinks,
    {"payos": "integrations.payments.payos:PayOSLinks"},
)
names, get, create = SOURCES.names, SOURCES.get, SOURCES.create
