"""Marketplace channels: accounts and their credentials, listings, publishing and sync.

The adapters themselves live in ``integrations``; these services own the
database side (bindings, leases, transactions) and turn adapter errors into
listing states and plain words.
"""
