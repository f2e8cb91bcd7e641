"""Sandbox marketplace servers: real HTTP on 127.0.0.1 speaking each API dialect.

Used by the tests, the benchmarks and `make run` (as demo channels). They
enforce signatures, timestamp skew, token expiry, single-use refresh tokens,
rate limits, daily create quotas and validation, and can inject faults.
Not part of the app: nothing in app/, integrations/ or media/ imports this.
"""
