"""The club overview's aggregates in DuckDB SQL, over the same pandas frames (the reference).

Same definitions as :mod:`analytics` (domain.md): phones normalised with the same rules, buyers
keyed phone → (platform, user id) → order (as integers; order ids are ints in the bench) and
shared by all lines of an order, viewer sessions clipped to the stream with half-open overlaps,
ratios NULL on a zero denominator, money ratios rounded half up in integers.

Work is shared across the breakdowns: the lines are keyed once, then one statement computes
every breakdown and the total with GROUPING SETS (one set per breakdown column, and ()) over
the lines, the audience and the viewing figures, merged per group.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# The groupings are the app's (which column each breakdown groups by, which carry audience
# figures); what is computed per group is written again below, in SQL.
from analytics.metrics import ATTRIBUTABLE, BREAKDOWNS, METRICS

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
WITH keyed AS MATERIALIZED (
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
),
-- the order's buyer: its lines' smallest key (an aggregate and a join: faster than a window)
b AS (SELECT order_id, min(line_key) AS buyer FROM keyed GROUP BY order_id)
SELECT keyed.* EXCLUDE (line_key), b.buyer FROM keyed JOIN b USING (order_id);

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

# Each breakdown is one grouping set of a single column; () is the total.
SALES = """
SELECT {label} AS b, {columns},
    sum(amount)::BIGINT AS gmv,
    coalesce(sum(amount) FILTER (WHERE valid), 0)::BIGINT AS net_gmv,
    count(DISTINCT order_id) FILTER (WHERE valid) AS orders,
    coalesce(sum(quantity) FILTER (WHERE valid), 0)::BIGINT AS units,
    count(DISTINCT buyer) FILTER (WHERE valid) AS buyers
FROM l GROUP BY GROUPING SETS ({sets})
"""

AUDIENCE = """
SELECT {label} AS b, {columns},
    sum(views)::BIGINT AS views, sum(unique_viewers)::BIGINT AS unique_viewers,
    sum(product_clicks)::BIGINT AS product_clicks,
    sum(product_visitors)::BIGINT AS product_visitors
FROM a JOIN s USING (session_id) GROUP BY GROUPING SETS ({sets})
"""

VIEWING = """
SELECT {label} AS b, {columns},
    max(peak) AS peak, sum(watch_ns) AS watch_ns, sum(n_views)::BIGINT AS n_views,
    sum(stream_ns)::BIGINT AS stream_ns
FROM v GROUP BY GROUPING SETS ({sets})
"""

# No rows: the audience and viewing columns, for a statement whose groups have none.
NO_AUDIENCE = """
SELECT NULL::VARCHAR AS b, NULL::BIGINT AS views, NULL::BIGINT AS unique_viewers,
    NULL::BIGINT AS product_clicks, NULL::BIGINT AS product_visitors, NULL::BIGINT AS peak,
    NULL::HUGEINT AS watch_ns, NULL::BIGINT AS n_views, NULL::BIGINT AS stream_ns
WHERE false
"""

# The grouping-set results stacked and merged per (breakdown, group): a group may have sales
# and no audience or the reverse. Audience and viewing figures only where attributable.
MERGED = """
CREATE OR REPLACE TEMP TABLE m AS
WITH u AS ({stacked}),
g AS (
    SELECT b, {columns},
        coalesce(sum(gmv), 0)::BIGINT AS gmv, coalesce(sum(net_gmv), 0)::BIGINT AS net_gmv,
        coalesce(sum(orders), 0)::BIGINT AS orders, coalesce(sum(units), 0)::BIGINT AS units,
        coalesce(sum(buyers), 0)::BIGINT AS buyers,
        sum(views)::BIGINT AS views, sum(unique_viewers)::BIGINT AS unique_viewers,
        sum(product_clicks)::BIGINT AS product_clicks,
        sum(product_visitors)::BIGINT AS product_visitors,
        max(peak) AS peak, sum(watch_ns) AS watch_ns, sum(n_views)::BIGINT AS n_views,
        sum(stream_ns)::BIGINT AS stream_ns
    FROM u GROUP BY b, {columns}
),
f AS (
    SELECT * REPLACE (
        {attributable_sums}
    ) FROM g
)
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
FROM f
"""

TOTAL = "total"
ATTRIBUTABLE_SUMS = ("views", "unique_viewers", "product_clicks", "product_visitors", "watch_ns",
                     "n_views", "stream_ns")  # fmt: skip


def _grouping(columns: list[str], total: bool) -> dict[str, str]:
    """The SQL pieces naming grouping sets: one set per column, and () if ``total``."""
    quoted = [f'"{c}"' for c in columns]
    label = " ".join(
        f"WHEN GROUPING({q}) = 0 THEN '{c}'" for c, q in zip(columns, quoted, strict=True)
    )
    return {
        "label": f"CASE {label} ELSE '{TOTAL}' END" if columns else f"'{TOTAL}'",
        "columns": ", ".join(quoted),
        "sets": ", ".join([*(f"({q})" for q in quoted), *(["()"] if total else [])]),
    }


def merged_statement(keys: list[str], total: bool) -> str:
    """The statement that builds ``m``: one row per (breakdown column or total, group), for the
    breakdowns grouping by ``keys`` (and the total if ``total``), in one pass over each input."""
    lines = _grouping(keys, total)
    # audience and viewing group by the attributable columns, NULL in the others' places
    session = {
        **_grouping([k for k in keys if k in ATTRIBUTABLE], total),
        "columns": ", ".join(f'"{k}"' if k in ATTRIBUTABLE else f'NULL AS "{k}"' for k in keys),
    }
    stacked = [SALES.format(**lines), NO_AUDIENCE]
    if session["sets"]:
        stacked += [AUDIENCE.format(**session), VIEWING.format(**session)]
    owners = ", ".join(f"'{k}'" for k in [*ATTRIBUTABLE, TOTAL])
    sums = ",\n        ".join(
        f"CASE WHEN b IN ({owners}) THEN coalesce({name}, 0) END AS {name}"
        for name in ATTRIBUTABLE_SUMS
    )
    return MERGED.format(
        stacked=" UNION ALL BY NAME ".join(f"({part})" for part in stacked),
        columns=lines["columns"],
        attributable_sums=sums,
    )


def club_overview(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pd.DataFrame],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    shared: bool = True,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Totals (one row) and every breakdown, computed by DuckDB over the registered frames.

    ``shared``: one statement computes every breakdown and the total with GROUPING SETS, in
    one pass over the lines, one over the audience and one over the viewing figures; else one
    statement per breakdown (the total with the first), each its own pass over the lines."""
    for name, frame in frames.items():
        con.register(name, frame)
    for statement in PREPARE.split(";\n"):
        if statement.strip():
            con.execute(statement.replace("$lo", f"'{lo}'").replace("$hi", f"'{hi}'"))
    keys = list(BREAKDOWNS.values())
    passes = [(keys, True)] if shared else [([k], i == 0) for i, k in enumerate(keys)]
    metrics = ", ".join(METRICS)
    tables: dict[str, pd.DataFrame] = {}
    totals = pd.DataFrame()
    for grouped, total in passes:
        con.execute(merged_statement(grouped, total))
        for name, key in BREAKDOWNS.items():
            if key in grouped:
                query = f'SELECT "{key}" AS g, {metrics} FROM m WHERE b = ?'
                tables[name] = con.execute(query, [key]).df()
        if total:
            totals = con.execute(f"SELECT {metrics} FROM m WHERE b = ?", [TOTAL]).df()
    return totals, tables
