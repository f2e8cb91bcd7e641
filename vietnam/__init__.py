"""Vietnam rules shared by the app and the analytics: one place for each.

A plain library: no Flask, no SQLAlchemy, no pandas and no imports from ``app`` or
``analytics`` (both import it). What it raises carries a code and parameters; the app words
them in the reader's language.

- :mod:`vietnam.phones` — Vietnamese phone numbers: one normal form, mobile and landline rules;
- :mod:`vietnam.text` — NFC and accent folding (``'Nước Mắm'`` → ``'nuoc mam'``);
- :mod:`vietnam.ocop` — OCOP certificate rules (score bands, stars, levels, expiry, status);
- :mod:`vietnam.ocop_categories` — the OCOP product classification of Decision 148/QĐ-TTg;
- :mod:`vietnam.admin_units` — the 2025 administrative map (provinces, communes and wards);
- :mod:`vietnam.addresses` — the old three-level map, its conversion to 2025, buyers' addresses;
- :mod:`vietnam.vietqr` — NAPAS VietQR transfer payloads and their QR images;
- :mod:`vietnam.zone` — Vietnam's clock (UTC+7, no daylight saving).
"""
