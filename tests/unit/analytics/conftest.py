"""A small club by hand: two streams with sales, one empty stream (figures in the tests)."""

from __future__ import annotations

import pandas as pd
import pytest


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


LINE_ROWS = [
    # order, session, platform, product, producer, streamer, group, stars, status, qty, amount,
    # phone, platform user id, placed_at
    ("O1", "S1", "tiktok", 10, 1, 7, "Thực phẩm", 4, "completed", 2, 200_000,
     "+84 912 345 678", "tt-a", "2026-03-01 13:05"),
    ("O1", "S1", "tiktok", 11, 2, 7, "Đồ uống", 3, "completed", 1, 50_000,
     None, "tt-a", "2026-03-01 13:05"),
    ("O2", "S1", "tiktok", 10, 1, 7, "Thực phẩm", 4, "cancelled", 1, 100_000,
     "0987654321", None, "2026-03-01 13:10"),
    ("O3", "S1", "tiktok", 11, 2, 7, "Đồ uống", 3, "paid", 3, 150_000,
     "0912.345.678", None, "2026-03-01 13:20"),
    ("O4", "S1", "tiktok", 10, 1, 7, "Thực phẩm", 4, "returned", 1, 100_000,
     None, "tt-b", "2026-03-01 13:40"),
    ("O5", "S2", "shopee", 10, 1, 8, "Thực phẩm", 4, "shipped", 1, 100_000,
     None, "sp-x", "2026-03-02 13:02"),
    ("O6", "S2", "shopee", 12, 3, 8, "Dược liệu", 5, "placed", 2, 300_000,
     None, None, "2026-03-02 13:15"),
    ("O6", "S2", "shopee", 10, 1, 8, "Thực phẩm", 4, "placed", 1, 100_000,
     None, None, "2026-03-02 13:15"),
    ("O7", "S2", "shopee", 11, 2, 8, "Đồ uống", 3, "completed", 1, 50_000,
     None, "tt-a", "2026-03-02 13:20"),
]  # fmt: skip


@pytest.fixture
def lines() -> pd.DataFrame:
    columns = [
        "order_id", "session_id", "platform", "product_id", "producer_id", "streamer_id",
        "ocop_group", "ocop_stars", "status", "quantity", "amount", "buyer_phone",
        "buyer_platform_id", "placed_at",
    ]  # fmt: skip
    frame = pd.DataFrame(LINE_ROWS, columns=columns)
    frame.insert(1, "line_id", range(1, len(frame) + 1))
    frame["placed_at"] = pd.to_datetime(frame["placed_at"], utc=True)
    return frame


@pytest.fixture
def sessions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "session_id": ["S1", "S2", "S3"],
            "start": [utc("2026-03-01 13:00"), utc("2026-03-02 13:00"), utc("2026-03-03 13:00")],
            "end": [utc("2026-03-01 14:00"), utc("2026-03-02 13:30"), utc("2026-03-03 14:00")],
            "streamer_id": [7, 8, 9],
            "platform": ["tiktok", "shopee", "facebook"],
        }
    )


@pytest.fixture
def audience() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "session_id": ["S1", "S2", "S3"],
            "views": [1000, 500, 0],
            "unique_viewers": [400, 100, 0],
            "product_clicks": [120, 30, 0],
            "product_visitors": [80, 20, 0],
        }
    )


@pytest.fixture
def viewer_sessions() -> pd.DataFrame:
    rows = [
        ("S1", "v1", "2026-03-01 12:50", "2026-03-01 13:20"),  # joined before the start
        ("S1", "v2", "2026-03-01 13:20", "2026-03-01 13:50"),  # joins as v1 leaves (20:20 VN)
        ("S1", "v3", "2026-03-01 13:10", "2026-03-01 14:30"),  # crosses the end
        ("S1", "v4", "2026-03-01 13:50", None),  # joins as v2 leaves, never left
        ("S1", "v5", "2026-03-01 14:10", "2026-03-01 14:20"),  # after the stream
        ("S2", "w1", "2026-03-02 13:00", "2026-03-02 13:30"),
        ("S2", "w2", "2026-03-02 13:05", "2026-03-02 13:15"),
        ("S2", "w3", "2026-03-02 13:10", "2026-03-02 13:20"),
        ("S9", "z1", "2026-03-02 13:10", "2026-03-02 13:20"),  # unknown stream
    ]
    frame = pd.DataFrame(rows, columns=["session_id", "viewer", "joined_at", "left_at"])
    frame["joined_at"] = pd.to_datetime(frame["joined_at"], utc=True)
    frame["left_at"] = pd.to_datetime(frame["left_at"], utc=True)
    return frame


@pytest.fixture
def slots() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "session_id": ["S1", "S1", "S2"],
            "product_id": [10, 11, 12],
            "code": ["NM1", "CHE2", "SAM3"],
            "start": [utc("2026-03-01 13:00"), utc("2026-03-01 13:20"), utc("2026-03-02 13:00")],
            "end": [utc("2026-03-01 13:20"), utc("2026-03-01 13:45"), utc("2026-03-02 13:30")],
        }
    )
