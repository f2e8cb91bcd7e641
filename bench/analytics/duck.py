"""The club overview's aggregates in DuckDB SQL, over the same pandas frames (the reference).

Same definitions as :mod:`analytics` (domain.md): phones normalised with the same rules, buyers
keyed phone → (platform, user id) → order (as integers; order ids are ints in the bench) and
shared by all lines of an order, viewer sessions
clipped to the stream with half-open overlaps, ratios NULL on a zero denominator, money ratios
rounded half up in integers.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# The groupings are the app's (which column each breakdown groups by, which carry audience
# figures); what is computed per group is written again below, in SQL.
from analytics.metrics import ATTRIBUTABLE, BREAKDOWNS

PREPARE = r"""
CREATE OR REPLACE TEMP TABLE phone_map AS
WITH raw AS (SELECT DISTINCT buyer_phone AS raw FROM lines WHERE buyer_phone IS NOT NULL),
s AS (SELECT raw, regexp_replace(raw, '[\s.\-()]', '', 'g') AS p FROM raw),
i AS (SELECT raw, p, regexp_extract(p, '^(?:\+|00)?84(0?\d{9})$', 1) AS intl FROM s),
n AS (
    SELECT raw, CASE WHEN intl = '' THEN p WHEN intl[1] = '0' THEN intl ELSE '0' || intl END AS p
    FROM i
)
SELECT raw, p AS phone FROM n
WHERE regexp_full_match(p, '0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}');

CREATE OR REPLACE TEMP TABLE user_map AS
SELECT platform, buyer_platform_id, row_number() OVER () AS k
FROM (SELECT DISTINCT platform, buyer_platform_id FROM lines WHERE buyer_platform_id IS NOT NULL);

CREATE OR REPLACE TEMP TABLE l AS
WITH keyed AS (
    SELECT order_id, session_id, lines.platform, product_id, producer_id, streamer_id,
        ocop_group, ocop_stars, quantity, amount,
        status NOT IN ('cancelled', 'returned') AS valid,
        -- integer buyer keys, in priority order: phone < platform user < the order itself
        CASE WHEN m.phone IS NOT NULL THEN m.phone::BIGINT
             WHEN u.k IS NOT NULL THEN 10000000000 + u.k
             ELSE 20000000000 + order_id END AS line_key
    FROM lines
    LEFT JOIN phone_map m ON lines.buyer_phone = m.raw
    LEFT JOIN user_map u
        ON lines.platform = u.platform AND lines.buyer_platform_id = u.buyer_platform_id
    WHERE placed_at >= $lo AND placed_at < $hi
)
SELECT * EXCLUDE (line_key), min(line_key) OVER (PARTITION BY order_id) AS buyer FROM keyed;

CREATE OR REPLACE TEMP TABLE s AS
SELECT * FROM sessions WHERE start >= $lo AND start < $hi;

CREATE OR REPLACE TEMP TABLE a AS
SELECT audience.* FROM audience SEMI JOIN s USING (session_id);

CREATE OR REPLACE TEMP TABLE v AS
WITH c AS (
    SELECT vs.session_id, greatest(vs.joined_at, s.start) AS j,
           least(coalesce(vs.left_at, s."end"), s."end") AS lv
    FROM viewer_sessions vs JOIN s USING (session_id)
    WHERE vs.joined_at IS NOT NULL
),
k AS (SELECT * FROM c WHERE lv > j),
ev AS (SELECT session_id, j AS t, 1 AS d FROM k UNION ALL SELECT session_id, lv, -1 FROM k),
run AS (
    SELECT session_id,
           sum(d) OVER (PARTITION BY session_id ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS c
    FROM ev
),
peaks AS (SELECT session_id, max(c) AS peak FROM run GROUP BY session_id),
watch AS (
    SELECT session_id, sum(epoch_ns(lv) - epoch_ns(j))::HUGEINT AS watch_ns, count(*) AS views
    FROM k GROUP BY session_id
)
SELECT s.session_id, s.streamer_id, s.platform,
       coalesce(peaks.peak, 0) AS peak, coalesce(watch.watch_ns, 0) AS watch_ns,
       coalesce(watch.views, 0) AS n_views,
       greatest(epoch_ns(s."end") - epoch_ns(s.start), 0) AS stream_ns
FROM s LEFT JOIN peaks USING (session_id) LEFT JOIN watch USING (session_id);
"""

SALES = """
SELECT {key} AS g,
    sum(amount)::BIGINT AS gmv,
    coalesce(sum(amount) FILTER (WHERE valid), 0)::BIGINT AS net_gmv,
    count(DISTINCT order_id) FILTER (WHERE valid) AS orders,
    coalesce(sum(quantity) FILTER (WHERE valid), 0)::BIGINT AS units,
    count(DISTINCT buyer) FILTER (WHERE valid) AS buyers
FROM l GROUP BY ALL
"""

AUDIENCE = """
SELECT {key} AS g, sum(views)::BIGINT AS views, sum(unique_viewers)::BIGINT AS unique_viewers,
    sum(product_clicks)::BIGINT AS product_clicks,
    sum(product_visitors)::BIGINT AS product_visitors
FROM a JOIN s USING (session_id) GROUP BY ALL
"""

VIEWING = """
SELECT {key} AS g, max(peak) AS peak, sum(watch_ns) AS watch_ns, sum(n_views) AS n_views,
    sum(stream_ns) AS stream_ns
FROM v GROUP BY ALL
"""

RATIOS = """
SELECT *,
    CASE WHEN orders = 0 THEN NULL ELSE (2 * net_gmv + orders) // (2 * orders) END AS aov,
    CASE WHEN views = 0 THEN NULL
         ELSE (2 * net_gmv::HUGEINT * 1000 + views) // (2 * views) END AS gpm,
    CASE WHEN unique_viewers = 0 THEN NULL
         ELSE (2 * net_gmv + unique_viewers) // (2 * unique_viewers) END AS revenue_per_viewer,
    CASE WHEN unique_viewers = 0 THEN NULL ELSE product_visitors / unique_viewers END
        AS product_ctr,
    CASE WHEN product_visitors = 0 THEN NULL ELSE buyers / product_visitors END AS cvr,
    CASE WHEN product_clicks = 0 THEN NULL ELSE orders / product_clicks END AS ctor,
    CASE WHEN unique_viewers = 0 THEN NULL ELSE buyers / unique_viewers END AS viewer_conversion,
    peak AS peak_concurrent_viewers,
    CASE WHEN peak IS NULL THEN NULL ELSE watch_ns / 6e10 END AS total_watch_minutes,
    CASE WHEN n_views = 0 THEN NULL ELSE watch_ns / 1e9 / n_views END AS average_watch_seconds,
    CASE WHEN stream_ns = 0 THEN NULL ELSE watch_ns / stream_ns END
        AS average_concurrent_viewers
FROM ({inner})
"""


def _table(con: duckdb.DuckDBPyConnection, key: str, attributable: bool) -> pd.DataFrame:
    if not attributable:
        inner = SALES.format(key=key)
        query = f"""
            SELECT *, NULL::BIGINT AS views, NULL::BIGINT AS unique_viewers,
                NULL::BIGINT AS product_clicks, NULL::BIGINT AS product_visitors,
                NULL::BIGINT AS peak, NULL::HUGEINT AS watch_ns, NULL::BIGINT AS n_views,
                NULL::BIGINT AS stream_ns
            FROM ({inner})"""
    else:
        query = f"""
            SELECT g, coalesce(gmv, 0) AS gmv, coalesce(net_gmv, 0) AS net_gmv,
                coalesce(orders, 0) AS orders, coalesce(units, 0) AS units,
                coalesce(buyers, 0) AS buyers,
                coalesce(views, 0) AS views, coalesce(unique_viewers, 0) AS unique_viewers,
                coalesce(product_clicks, 0) AS product_clicks,
                coalesce(product_visitors, 0) AS product_visitors,
                peak, coalesce(watch_ns, 0) AS watch_ns, coalesce(n_views, 0) AS n_views,
                coalesce(stream_ns, 0) AS stream_ns
            FROM ({SALES.format(key=key)}) sales
            FULL JOIN ({AUDIENCE.format(key=key)}) aud USING (g)
            FULL JOIN ({VIEWING.format(key=key)}) vw USING (g)"""
    return con.execute(RATIOS.format(inner=query)).df()


def club_overview(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pd.DataFrame],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Totals (one row) and every breakdown, computed by DuckDB over the registered frames."""
    for name, frame in frames.items():
        con.register(name, frame)
    for statement in PREPARE.split(";\n"):
        if statement.strip():
            con.execute(statement.replace("$lo", f"'{lo}'").replace("$hi", f"'{hi}'"))
    tables = {name: _table(con, key, key in ATTRIBUTABLE) for name, key in BREAKDOWNS.items()}
    totals = _table(con, "'all'", True)
    return totals, tables
