"""Livestream sales metrics as pandas functions over DataFrames.

A plain library: no Flask, no SQLAlchemy and no imports from `app`; the Vietnam rules (phones,
accent folding) come from :mod:`vietnam`. The app loads its rows into the frames described in
:mod:`analytics.frames` and calls:

- :func:`analytics.metrics.summary` — every metric of domain.md as a dict (session or period);
- :func:`analytics.metrics.breakdown` — the same metrics per product, streamer, platform,
  producer, OCOP group, star rating or session;
- :func:`analytics.timeseries.session_timeseries` — one stream in 5/15-minute buckets with the
  run-of-show slots marked;
- :func:`analytics.overview.club_overview` — totals and every breakdown for a period;
- :func:`analytics.viewers.clipped` — viewer sessions clipped to their stream;
- :func:`analytics.phones.normalise_phones` — buyers' phone numbers over a column (the rule is
  :func:`vietnam.phones.mobile`);
- :mod:`analytics.comments` — the comment-order ("chốt đơn") parser and comment-log reader.

Money is int đồng; a ratio with a zero denominator is None (shown "—").
"""
