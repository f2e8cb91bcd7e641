"""Vietnam's clock: UTC+7 all year (Asia/Ho_Chi_Minh; no daylight saving since 1975), for the
libraries that read or write the local times banks and Zalo use."""

from __future__ import annotations

import datetime as dt

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
