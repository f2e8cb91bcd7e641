"""The live desk on the production setup of docs/deploy.md: gunicorn (gthread workers),
PostgreSQL, a Redis broker, a default worker and two workers on the ``live`` queue. A session
set on air starts a capture per connected account; the YouTube sandbox's comments reach the
desk's API through gunicorn, each once; an account whose key is refused fails on its own with
a code while the other goes on; a comment confirmed twice makes one order."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.live import comment_accounts
from app.models import comments as models
from app.models import live
from sandbox import core, livechat
from tests import conftest
from tests.integration.app import test_orders_import as order_tests
from tests.support import net, workers

pytestmark = pytest.mark.worker
TESTING_KEY = base64.urlsafe_b64encode(b"testing-credentials-key-32-byte!").decode()


@pytest.fixture
def chat() -> Iterator[tuple[livechat.LiveChat, core.Server]]:
    # Real time: the workers read it as they would a live on YouTube.
    talk = livechat.LiveChat(
        livechat.scripted_chat(40, seconds=8, codes=("NM1",), seed=11), realtime=True
    )
    with core.Server(livechat.YouTubeLive(talk)) as server:
        yield talk, server


def _production_env(db_url: str, tmp_path: Path, broker: str) -> dict[str, str]:
    return {
        **conftest.app_env(db_url, tmp_path),
        "APP_ENV": "production",
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        "SECRET_KEY": "tests-production-secret-0123456789abcdef",
        "BROKER_URL": broker,
        "RESULT_BACKEND": broker,
        "SESSION_COOKIE_SECURE": "0",
        "ALLOW_PRIVATE_URLS": "1",  # the sandbox listens on 127.0.0.1
        "CREDENTIALS_KEY": TESTING_KEY,  # what the test app sealed the accounts' keys with
    }


def _wait(what: str, check: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_gunicorn_postgresql_redis_and_live_workers_run_the_desk(
    app: flask.Flask,
    people: conftest.People,
    db_url: str,
    redis_server: object,
    tmp_path: Path,
    chat: tuple[livechat.LiveChat, core.Server],
) -> None:
    talk, server = chat
    shop = order_tests.make_shop(app, people)
    order_tests.add_slot(app, shop)  # NM1: the code the sandbox's viewers type
    with app.app_context():
        user = conftest.user_named(people.username("coordinator"))
        good, refused = (
            comment_accounts.add_account(
                extensions.session(),
                user,
                platform="youtube",
                name=name,
                settings={"api_key": key, "api_base_url": server.url},
            ).id
            for name, key in (("Kênh CLB", livechat.DEMO_API_KEY), ("Kênh cũ", "revoked-key"))
        )
        row = extensions.session().get(live.LiveSession, shop.session_id)
        assert row is not None
        row.platform, row.live_url = "youtube", f"https://youtu.be/{livechat.DEMO_VIDEO_ID}"
        extensions.session().commit()
    tokens = {
        role: {"Authorization": f"Bearer {conftest.issue_token(app, people.username(role))}"}
        for role in ("coordinator", "seller")
    }
    broker = redis_server.url(5)  # type: ignore[attr-defined]
    env = _production_env(db_url, tmp_path, broker)
    port = net.free_port()
    base = f"http://127.0.0.1:{port}/api/v1/live"
    web = workers.gunicorn(env, port)
    processes = [
        workers.start(env, tmp_path / "default.log", "default", concurrency=1),
        *(
            workers.start(env, tmp_path / f"live{n}.log", f"live{n}", concurrency=2, queues="live")
            for n in (1, 2)
        ),
    ]
    try:
        net.wait_for_http(f"http://127.0.0.1:{port}/healthz", attempts=300)
        talk.started = float(int(time.time()))  # the live starts as the session goes on air
        on_air = requests.post(
            f"{base}/sessions/{shop.session_id}/status",
            json={"status": "live"},
            headers=tokens["coordinator"],
            timeout=10,
        )
        assert on_air.status_code == 200, on_air.text

        def captures() -> dict[int, dict[str, Any]]:
            answer = requests.get(
                f"{base}/sessions/{shop.session_id}/captures",
                headers=tokens["seller"],
                timeout=10,
            )
            return {c["account_id"]: c for c in answer.json()}

        failed = _wait("the refused key fails", lambda: captures()[refused]["status"] == "failed")
        assert failed and captures()[refused]["problem"]["code"] == "auth_expired"

        seen: list[dict[str, Any]] = []

        def read_desk() -> bool:
            after = seen[-1]["id"] if seen else 0
            page = requests.get(
                f"{base}/sessions/{shop.session_id}/desk?after={after}",
                headers=tokens["seller"],
                timeout=10,
            )
            assert page.status_code == 200, page.text
            items = page.json()["items"]
            seen.extend(items)
            return captures()[good]["status"] == "ended" and not items

        _wait("the capture reads the live to its end", read_desk, timeout=120)
        want = {f"LCC.{cid}" for cid in talk.comments()}  # the whole chat, now it is over
        assert len(seen) == len(want), "every comment once"
        with app.app_context():
            stored = set(
                extensions.session().scalars(
                    sa.select(models.LiveComment.comment_id).where(
                        models.LiveComment.session_id == shop.session_id
                    )
                )
            )
        assert stored == want, "0 lost"
        assert captures()[good]["comments"] == len(want)

        order_comment = next(item for item in seen if item["proposals"] and not item["deleted"])
        confirm = f"{base}/comments/{order_comment['id']}/confirm"
        first = requests.post(confirm, headers=tokens["seller"], timeout=10)
        second = requests.post(confirm, headers=tokens["coordinator"], timeout=10)
        assert first.status_code == 200, first.text
        assert second.status_code == 409
        figures = requests.get(
            f"{base}/sessions/{shop.session_id}/desk/figures", headers=tokens["seller"], timeout=10
        ).json()
        assert figures["orders"] == 1
    finally:
        workers.stop_gunicorn(web)
        for process in processes:
            workers.stop(process)
