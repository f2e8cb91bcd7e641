"""Every route that serves files by path refuses to leave its folder: '..', encoded '..',
absolute paths, backslashes, NUL bytes and hidden files are all a 404/400, never the file.

The routes are found from the URL map (any rule with a ``path:`` converter), so a file route
added later is covered without editing this test."""

from __future__ import annotations

from pathlib import Path

import flask

SECRET = "bí-mật-không-được-lộ"
ATTACKS = (
    "../secret.txt",
    "products/../../secret.txt",
    "products/%2e%2e/%2e%2e/secret.txt",
    "products/..%2f..%2fsecret.txt",
    "%2e%2e%2f%2e%2e%2fsecret.txt",
    "products/....//....//secret.txt",
    "photos\\..\\..\\secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "products/%00../../secret.txt",
    "products/.secret.jpg",
    "../instance/secret_key",
)


def _file_rules(app: flask.Flask) -> list[str]:
    return sorted(
        str(rule).split("<path:")[0]
        for rule in app.url_map.iter_rules()
        if "<path:" in str(rule) and "GET" in (rule.methods or set())
    )


def test_no_file_route_leaves_its_folder(
    app: flask.Flask, client: flask.testing.FlaskClient, tmp_path: Path
) -> None:
    media = Path(app.config["MEDIA_ROOT"])
    (media / "products").mkdir(parents=True, exist_ok=True)
    (media / "products" / ".secret.jpg").write_text(SECRET)
    (media.parent / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "secret_key").write_text(SECRET)

    prefixes = _file_rules(app)
    assert "/media/" in prefixes and "/static/" in prefixes
    for prefix in prefixes:
        for attack in ATTACKS:
            reply = client.get(prefix + attack)
            body = reply.get_data(as_text=True)
            assert SECRET not in body, f"{prefix}{attack} leaked a file"
            assert "root:" not in body, f"{prefix}{attack} served /etc/passwd"
            assert reply.status_code in (400, 404, 308), (prefix, attack, reply.status_code)
            if reply.status_code == 308:  # werkzeug merging slashes: follow it once
                again = client.get(reply.headers["Location"])
                assert SECRET not in again.get_data(as_text=True)
                assert again.status_code in (400, 404)


def test_media_route_still_serves_a_real_photo(
    app: flask.Flask, client: flask.testing.FlaskClient
) -> None:
    media = Path(app.config["MEDIA_ROOT"])
    (media / "products").mkdir(parents=True, exist_ok=True)
    (media / "products" / "a.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    with client.get("/media/products/a.jpg") as reply:
        assert reply.status_code == 200
        assert reply.data.startswith(b"\xff\xd8")
