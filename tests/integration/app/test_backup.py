"""`flask backup create|restore|show` on the embedded default: a consistent SQLite snapshot
(taken while a writer holds an open transaction), media and keys restored byte for byte, a
damaged or hostile archive refused before anything is replaced, PostgreSQL pointed at
pg_dump."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.models import orgs
from app.setup import backup
from tests import conftest


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[flask.Flask]:
    application = conftest.make_app(f"sqlite:///{tmp_path / 'app.db'}", tmp_path)
    with application.app_context():
        extensions.db.create_all()
        extensions.db.session.add(orgs.Club(name="CLB Streamer Móng Cái", province="Quảng Ninh"))
        extensions.db.session.commit()
    instance = Path(application.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "credentials_key").write_text("original-key")
    media = Path(application.config["MEDIA_ROOT"])
    (media / "studio" / "renders").mkdir(parents=True)
    (media / "studio" / "renders" / "video.mp4").write_bytes(b"\x00mp4-bytes" * 100)
    (media / "studio" / "renders" / ".tmp-half.mp4.part").write_bytes(b"half")
    yield application
    conftest.dispose(application)


def _clubs(application: flask.Flask) -> list[str]:
    with application.app_context():
        query = sa.select(orgs.Club.name).order_by(orgs.Club.id)
        names = list(extensions.db.session.scalars(query))
        extensions.db.session.remove()
        return names


def _create(application: flask.Flask, target: Path) -> dict[str, object]:
    result = application.test_cli_runner().invoke(args=["backup", "create", str(target), "--json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.output)
    return summary


def test_backup_then_restore_round_trip(sqlite_app: flask.Flask, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    summary = _create(sqlite_app, backups)
    archive = Path(str(summary["path"]))
    assert archive.parent == backups and archive.suffix == ".tar"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the keys
    assert summary["media_files"] == 1  # the half-written .part file is left out
    assert summary["keys"] == ["credentials_key"]
    tables = summary["tables"]
    assert isinstance(tables, dict) and tables["clubs"] == 1
    assert [p.name for p in backups.iterdir()] == [archive.name]  # no temp files left

    # Things change after the backup…
    with sqlite_app.app_context():
        extensions.db.session.add(orgs.Club(name="CLB thêm sau", province="Quảng Ninh"))
        extensions.db.session.commit()
        extensions.db.session.remove()
    media = Path(sqlite_app.config["MEDIA_ROOT"])
    (media / "studio" / "renders" / "video.mp4").unlink()
    (media / "new.jpg").write_bytes(b"new")
    instance = Path(sqlite_app.instance_path)
    (instance / "credentials_key").write_text("rotated")

    runner = sqlite_app.test_cli_runner()
    refused = runner.invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 2
    assert "--yes" in refused.output
    assert _clubs(sqlite_app) == ["CLB Streamer Móng Cái", "CLB thêm sau"]

    result = runner.invoke(args=["backup", "restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert _clubs(sqlite_app) == ["CLB Streamer Móng Cái"]
    assert (media / "studio" / "renders" / "video.mp4").read_bytes() == b"\x00mp4-bytes" * 100
    assert not (media / "new.jpg").exists()
    assert (instance / "credentials_key").read_text() == "original-key"

    shown = runner.invoke(args=["backup", "show", str(archive)])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["format"] == backup.FORMAT


def test_snapshot_is_consistent_while_a_writer_is_mid_transaction(
    sqlite_app: flask.Flask, tmp_path: Path
) -> None:
    db_file = tmp_path / "app.db"
    engine = sa.create_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as writer:
            writer.execute(sa.text("BEGIN"))
            writer.execute(
                sa.text(
                    "INSERT INTO clubs (name, province, created_at) "
                    "VALUES ('x', 'QN', '2026-01-01')"
                )
            )
            summary = backup.create(
                f"sqlite:///{db_file}",
                Path(sqlite_app.config["MEDIA_ROOT"]),
                Path(sqlite_app.instance_path),
                tmp_path / "snap.tar",
            )
            writer.execute(sa.text("ROLLBACK"))
    finally:
        engine.dispose()
    assert summary.tables["clubs"] == 1  # the uncommitted row is not in the snapshot


def _rewrite(archive: Path, target: Path, change: str) -> None:
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member)
            body = data.read() if data else b""
            if change == "corrupt" and member.name == "db/app.db":
                body = body[:-100] + b"\xff" * 100
            info = tarfile.TarInfo(member.name)
            info.size = len(body)
            out.addfile(info, io.BytesIO(body))
        if change == "traversal":
            info = tarfile.TarInfo("media/../../escape.txt")
            info.size = 3
            out.addfile(info, io.BytesIO(b"bad"))


@pytest.mark.parametrize("change", ["corrupt", "traversal"])
def test_damaged_or_hostile_archive_changes_nothing(
    sqlite_app: flask.Flask, tmp_path: Path, change: str
) -> None:
    archive = Path(str(_create(sqlite_app, tmp_path / "good.tar")["path"]))
    bad = tmp_path / f"{change}.tar"
    _rewrite(archive, bad, change)
    with sqlite_app.app_context():
        extensions.db.session.add(orgs.Club(name="CLB hiện tại", province="Quảng Ninh"))
        extensions.db.session.commit()
        extensions.db.session.remove()
    result = sqlite_app.test_cli_runner().invoke(args=["backup", "restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert "Lỗi" in result.output
    assert _clubs(sqlite_app) == ["CLB Streamer Móng Cái", "CLB hiện tại"]
    assert (Path(sqlite_app.config["MEDIA_ROOT"]) / "studio" / "renders" / "video.mp4").exists()
    assert not (tmp_path.parent / "escape.txt").exists()
    assert not any(p.name.endswith(".restore") for p in tmp_path.iterdir())


def test_postgresql_is_pointed_at_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.create("postgresql+psycopg://u@localhost/db", tmp_path, tmp_path, tmp_path)


def test_not_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "x.tar"
    with tarfile.open(path, "w") as out:
        info = tarfile.TarInfo("manifest.json")
        body = b'{"format": "something-else"}'
        info.size = len(body)
        out.addfile(info, io.BytesIO(body))
    with pytest.raises(backup.BackupError, match="không phải tệp sao lưu"):
        backup.read_manifest(path)
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(backup.BackupError):
        backup.read_manifest(tmp_path / "plain.txt")
    assert os.path.exists(path)
