"""/healthz reports the database and the broker, and says so when one is down."""

from __future__ import annotations

from tests.support import net


def test_healthz_ok_on_the_embedded_default(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_503_when_the_broker_is_unreachable(db_url: str, app_factory) -> None:
    app = app_factory(
        db_url, BROKER_URL=f"redis://127.0.0.1:{net.free_port()}/0", HEALTH_TIMEOUT_SECONDS=1
    )
    body = app.test_client().get("/healthz")
    assert body.status_code == 503
    assert body.get_json()["broker"]["ok"] is False
    assert body.get_json()["broker"]["error"]
    assert body.get_json()["database"]["ok"] is True


def test_healthz_503_when_the_database_is_unreachable(app_factory) -> None:
    url = f"postgresql+psycopg://nobody:s3cret@127.0.0.1:{net.free_port()}/none?connect_timeout=2"
    app = app_factory(url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert body["database"]["error"]
    assert "s3cret" not in response.get_data(as_text=True)
