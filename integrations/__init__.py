"""Marketplace adapters (Shopee, TikTok Shop, Lazada, Postmart, Voso) and their registry.

A plain library: no Flask and no imports from `app`.
"""
