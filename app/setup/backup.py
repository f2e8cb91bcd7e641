"""Backup and restore for the embedded default: the SQLite database (online backup, safe while
the app runs), the media folder and the instance keys, in one ``.tar`` file.

Layout of a backup::

    manifest.json        format, created_at (UTC), alembic revision, table row counts, files
    db/app.db            a consistent copy made with SQLite's online backup API
    media/...            every file under MEDIA_ROOT (temporary render/upload files excluded)
    keys/secret_key      the instance keys: without credentials_key, saved marketplace
    keys/credentials_key tokens cannot be decrypted after a restore

The archive holds the keys, so it is written with mode 0600 and must be stored like a secret.
A backup is published atomically (temp file + rename). A restore checks the whole archive
(manifest, checksums, SQLite integrity) before it replaces anything, then swaps the database
file and the media folder in with renames; the app must be stopped while it runs.

PostgreSQL deployments use pg_dump/pg_restore instead (docs/deploy.md); ``create`` refuses
them with that advice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

FORMAT = "ocop-live-backup/1"
KEY_FILES = ("secret_key", "credentials_key")
SKIP_SUFFIXES = (".part", ".tmp")  # renders and uploads still being written


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why in plain words."""


@dataclasses.dataclass(frozen=True)
class Summary:
    path: Path
    revision: str | None
    tables: dict[str, int]
    media_files: int
    media_bytes: int
    keys: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "revision": self.revision,
            "tables": self.tables,
            "media_files": self.media_files,
            "media_bytes": self.media_bytes,
            "keys": self.keys,
        }


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///…`` URL; BackupError for anything else."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise BackupError(
            "Sao lưu tích hợp chỉ dành cho SQLite. Với PostgreSQL hãy dùng pg_dump / pg_restore "
            "(xem docs/deploy.md). (Built-in backup is for SQLite; use pg_dump for PostgreSQL.)"
        )
    path = database_url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: int(connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
        for name in names
    }


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _media_files(media_root: Path) -> Iterator[Path]:
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        name = path.name
        if name.endswith(SKIP_SUFFIXES) or name.startswith(".tmp"):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def create(
    database_url: str,
    media_root: Path,
    instance_path: Path,
    destination: Path,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Summary:
    """Write a backup to ``destination`` (a file, or a folder to put a dated file in)."""
    db_file = sqlite_path(database_url)
    if not db_file.is_file():
        raise BackupError(f"Không thấy tệp cơ sở dữ liệu: {db_file}")
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    if destination.is_dir():
        destination = destination / f"ocop-live-{stamp}.tar"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work:
        copy = Path(work) / "app.db"
        source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # consistent snapshot even while the app writes
            tables = _table_counts(target)
            revision = _revision(target)
        finally:
            target.close()
            source.close()
        files: dict[str, str] = {"db/app.db": _sha256(copy)}
        media = list(_media_files(media_root))
        media_bytes = 0
        for path in media:
            files["media/" + path.relative_to(media_root).as_posix()] = _sha256(path)
            media_bytes += path.stat().st_size
        keys = [name for name in KEY_FILES if (instance_path / name).is_file()]
        for name in keys:
            files[f"keys/{name}"] = _sha256(instance_path / name)
        manifest = {
            "format": FORMAT,
            "created_at": now().isoformat(),
            "revision": revision,
            "tables": tables,
            "files": files,
        }
        partial = Path(work) / "backup.tar"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            info.mtime = int(now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(copy, "db/app.db")
            for path in media:
                archive.add(path, "media/" + path.relative_to(media_root).as_posix())
            for name in keys:
                archive.add(instance_path / name, f"keys/{name}")
        os.replace(partial, destination)
    return Summary(destination, revision, tables, len(media), media_bytes, keys)


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        name = member.name
        parts = Path(name).parts
        if (
            name.startswith("/")
            or ".." in parts
            or not (member.isfile() or member.isdir())
            or parts[0] not in {"manifest.json", "db", "media", "keys"}
        ):
            raise BackupError(f"Tệp sao lưu có mục không hợp lệ: {name!r}")
    return members


def read_manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, mode="r:*") as archive:
            _safe_members(archive)
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest = json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {archive_path}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} không phải tệp sao lưu của ứng dụng này.")
    return manifest


def restore(
    archive_path: Path, database_url: str, media_root: Path, instance_path: Path
) -> Summary:
    """Replace the database, media and keys with the backup's. Everything is checked first;
    nothing is touched when the archive is damaged."""
    db_file = sqlite_path(database_url)
    manifest = read_manifest(archive_path)
    files: dict[str, str] = manifest.get("files") or {}
    if "db/app.db" not in files:
        raise BackupError("Tệp sao lưu không có cơ sở dữ liệu.")
    db_file.parent.mkdir(parents=True, exist_ok=True)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=media_root.parent)))
        with tarfile.open(archive_path, mode="r:*") as archive:
            _safe_members(archive)
            archive.extractall(work, filter="data")
        for name, digest in files.items():
            path = work / name
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"Tệp sao lưu bị hỏng: {name} không khớp mã kiểm tra.")
        connection = sqlite3.connect(work / "db" / "app.db")
        try:
            check = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = _table_counts(connection)
        finally:
            connection.close()
        if check != "ok":
            raise BackupError(f"Cơ sở dữ liệu trong bản sao lưu bị hỏng: {check}")
        # Stage next to the targets so the swaps below are renames on one file system.
        staged_db = db_file.with_name(db_file.name + ".restore")
        shutil.copyfile(work / "db" / "app.db", staged_db)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        os.replace(staged_db, db_file)
        new_media = work / "media"
        new_media.mkdir(exist_ok=True)
        old_media = media_root.with_name(media_root.name + ".old")
        if old_media.exists():
            shutil.rmtree(old_media)
        if media_root.exists():
            os.replace(media_root, old_media)
        shutil.move(str(new_media), str(media_root))
        if old_media.exists():
            shutil.rmtree(old_media)
        keys = []
        for name in KEY_FILES:
            source = work / "keys" / name
            if source.is_file():
                instance_path.mkdir(parents=True, exist_ok=True)
                staged = instance_path / f".{name}.restore"
                shutil.copyfile(source, staged)
                os.chmod(staged, 0o600)
                os.replace(staged, instance_path / name)
                keys.append(name)
    media_count = sum(1 for name in files if name.startswith("media/"))
    return Summary(archive_path, manifest.get("revision"), tables, media_count, 0, keys)
