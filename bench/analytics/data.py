"""Seeded synthetic club data for bench/analytics, shaped like what the app loads.

Lines follow the :mod:`analytics.frames` contract: int ids, plain string platform / status /
OCOP group, buyer phones in the forms people type (+84, 84, spaced, dotted; some landlines and
some missing), platform user ids for most buyers, times tz-aware UTC.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

PLATFORMS = np.array(["tiktok", "shopee", "facebook"])
GROUPS = np.array(
    [
        "Thực phẩm",
        "Đồ uống",
        "Dược liệu và sản phẩm từ dược liệu",
        "Hàng thủ công mỹ nghệ",
        "Sinh vật cảnh",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
    ]
)
MOBILE_PREFIXES = np.array(["032", "035", "039", "056", "070", "077", "081", "086", "090", "091",
                            "096", "098"])  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Club:
    lines: pd.DataFrame
    audience: pd.DataFrame
    viewer_sessions: pd.DataFrame
    sessions: pd.DataFrame
    buyers: int
    """How many buyers the orders were drawn from."""


def _phone_forms(rng: np.random.Generator, n_buyers: int) -> np.ndarray:
    """Each buyer's phone as typed on each order: (n_buyers, 5) strings; None = no phone."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n_buyers)]
    rest = rng.integers(0, 10_000_000, n_buyers)
    local = np.char.add(prefix, np.char.zfill(rest.astype(str), 7))  # 0xxxxxxxxx
    head, middle, tail = local.astype("U4"), _cut(local, 4, 7), _cut(local, 7, 10)
    dot, space = np.array("."), np.array(" ")
    forms = np.empty((n_buyers, 5), dtype=object)
    forms[:, 0] = local
    forms[:, 1] = _join("+84 ", _cut(local, 1, 4), space, middle, space, tail)
    forms[:, 2] = np.char.add("84", _cut(local, 1, 10))
    forms[:, 3] = _join(head, dot, middle, dot, tail)
    forms[:, 4] = _join(head, space, middle, space, tail)
    no_phone = rng.random(n_buyers) < 0.2
    forms[no_phone] = None
    landline = (~no_phone) & (rng.random(n_buyers) < 0.02)
    forms[landline] = "0243" + str(rng.integers(100000, 999999))
    return forms


def _cut(text: np.ndarray, start: int, stop: int) -> np.ndarray:
    """``text[start:stop]`` of each string of a numpy string array."""
    return np.strings.slice(text, start, stop)


def _join(*parts: np.ndarray | str) -> np.ndarray:
    joined = np.asarray(parts[0])
    for part in parts[1:]:
        joined = np.char.add(joined, part)
    return joined


def generate(
    n_lines: int = 1_000_000,
    n_sessions: int = 2000,
    viewers_per_session: int = 300,
    seed: int = 20261128,
    n_buyers: int | None = None,
) -> Club:
    """The bench's club for 2026: ``n_lines`` order lines over ``n_sessions`` livestreams.

    ``n_buyers``: how many buyers place the orders; by default 250,000 (a quarter of the lines
    for the tiny clubs of the tests), whatever the number of lines."""
    rng = np.random.default_rng(seed)
    year = pd.Timestamp("2026-01-01", tz="UTC").value
    day = 86_400 * 10**9
    minute = 60 * 10**9
    # sessions: one evening stream (18:00–22:00 Vietnam) per slot, 60–180 minutes
    start = (
        year
        + rng.integers(0, 365, n_sessions) * day
        + (11 * 60 + rng.integers(0, 240, n_sessions)) * minute
    )
    length = rng.integers(60, 181, n_sessions) * minute
    session_streamer = rng.integers(1, 101, n_sessions)
    session_platform = PLATFORMS[rng.integers(0, 3, n_sessions)]
    sessions = pd.DataFrame(
        {
            "session_id": np.arange(1, n_sessions + 1),
            "start": pd.to_datetime(start, utc=True),
            "end": pd.to_datetime(start + length, utc=True),
            "streamer_id": session_streamer,
            "platform": pd.array(session_platform, dtype="str"),
        }
    )
    # products → producer, OCOP group and stars
    n_products = 5000
    product_producer = rng.integers(1, 801, n_products)
    product_group = GROUPS[rng.integers(0, 6, n_products)]
    product_stars = rng.choice([3, 4, 5], n_products, p=[0.6, 0.3, 0.1])
    product_price = rng.integers(3, 200, n_products) * 5_000
    # orders of 1–3 lines
    sizes = rng.choice([1, 2, 3], n_lines, p=[0.6, 0.3, 0.1])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_lines) + 1]
    sizes[-1] -= int(sizes.sum()) - n_lines
    n_orders = len(sizes)
    order_session = rng.integers(0, n_sessions, n_orders)
    order_placed = start[order_session] + (
        rng.random(n_orders) * (length[order_session] + 30 * minute)
    ).astype(np.int64)
    order_status = rng.choice(
        ["placed", "paid", "shipped", "completed", "cancelled", "returned"],
        n_orders,
        p=[0.05, 0.1, 0.15, 0.55, 0.1, 0.05],
    )
    if n_buyers is None:
        n_buyers = min(250_000, max(1, n_lines // 4))
    # repeat buyers: a heavy-tailed draw, the most loyal buyer placing a few dozen orders
    buyer = (rng.pareto(1.5, n_orders) * 20_000).astype(np.int64) % n_buyers
    phones = _phone_forms(rng, n_buyers)[buyer, rng.integers(0, 5, n_orders)]
    has_id = rng.random(n_orders) < 0.9
    no_id = np.array(None, dtype=object)
    platform_id = np.where(has_id, np.char.add("u", buyer.astype(str)).astype(object), no_id)

    order_of_line = np.repeat(np.arange(n_orders), sizes)
    session_of_line = order_session[order_of_line]
    product = rng.integers(0, n_products, n_lines)
    quantity = rng.choice([1, 1, 1, 2, 2, 3, 5], n_lines)
    status = order_status[order_of_line]
    # some single lines of otherwise good orders come back
    line_return = (rng.random(n_lines) < 0.02) & (status == "completed")
    status = np.where(line_return, "returned", status)
    lines = pd.DataFrame(
        {
            "order_id": order_of_line + 1_000_000,
            "line_id": np.arange(1, n_lines + 1),
            "session_id": session_of_line + 1,
            "platform": pd.array(session_platform[session_of_line], dtype="str"),
            "product_id": product + 1,
            "producer_id": product_producer[product],
            "streamer_id": session_streamer[session_of_line],
            "ocop_group": pd.array(product_group[product], dtype="str"),
            "ocop_stars": product_stars[product],
            "status": pd.array(status, dtype="str"),
            "quantity": quantity,
            "unit_price": product_price[product],
            "amount": quantity * product_price[product],
            "buyer_phone": pd.array(phones[order_of_line], dtype="str"),
            "buyer_platform_id": pd.array(platform_id[order_of_line], dtype="str"),
            "placed_at": pd.to_datetime(order_placed[order_of_line], utc=True),
        }
    )
    # audience per session; about 1 % of streams have no audience figures yet (all zero)
    unique = rng.poisson(viewers_per_session * 4, n_sessions)
    visitors = (unique * rng.uniform(0.1, 0.3, n_sessions)).astype(np.int64)
    audience = pd.DataFrame(
        {
            "session_id": sessions["session_id"],
            "views": (unique * rng.uniform(1.5, 3.0, n_sessions)).astype(np.int64),
            "unique_viewers": unique,
            "product_clicks": (visitors * rng.uniform(1.0, 1.6, n_sessions)).astype(np.int64),
            "product_visitors": visitors,
        }
    )
    blank = rng.random(n_sessions) < 0.01
    audience.loc[blank, ["views", "unique_viewers", "product_clicks", "product_visitors"]] = 0
    # viewer sessions: join from 10 minutes before the start to the end, stay ~15 minutes
    per = rng.poisson(viewers_per_session, n_sessions)
    v_session = np.repeat(np.arange(n_sessions), per)
    n_v = len(v_session)
    joined = (
        start[v_session]
        - 10 * minute
        + (rng.random(n_v) * (length[v_session] + 10 * minute)).astype(np.int64)
    )
    joined = (joined // minute) * minute  # whole minutes: touching sessions happen
    stay = np.maximum(rng.exponential(15, n_v).astype(np.int64), 1) * minute
    left = pd.to_datetime(joined + stay, utc=True).to_series(index=np.arange(n_v))
    left[rng.random(n_v) < 0.1] = pd.NaT
    viewer_sessions = pd.DataFrame(
        {
            "session_id": v_session + 1,
            "viewer": rng.integers(1, 400_000, n_v),
            "joined_at": pd.to_datetime(joined, utc=True),
            "left_at": left.to_numpy(),
        }
    )
    viewer_sessions["left_at"] = pd.to_datetime(viewer_sessions["left_at"], utc=True)
    return Club(
        lines=lines,
        audience=audience,
        viewer_sessions=viewer_sessions,
        sessions=sessions,
        buyers=n_buyers,
    )
