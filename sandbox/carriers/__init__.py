"""Sandbox carriers (GHN, GHTK, Viettel Post, Vietnam Post) for tests and the demo: each
speaks its carrier's API over HTTP on 127.0.0.1 and pushes its status webhooks
(``sandbox.carriers.common``)."""
