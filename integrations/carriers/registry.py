"""Which adapter serves which carrier; modules are imported only on first use."""

from __future__ import annotations

from integrations import plugins
from integrations.carriers import base

CARRIERS = plugins.Registry[base.Carrier](
    "carrier",
    base.Carrier,
    {
        "ghn": "integrations.carriers.ghn:GHNCarrier",
        "ghtk": "integrations.carriers.ghtk:GHTKCarrier",
        "viettelpost": "integrations.carriers.viettelpost:ViettelPostCarrier",
        "vnpost": "integrations.carriers.vnpost:VNPostCarrier",
    },
)
names, get, create = CARRIERS.names, CARRIERS.get, CARRIERS.create
