"""`flask backup …`: back up and restore the embedded default (SQLite + media + keys).

flask backup create [DEST]         # DEST: a folder (default instance/backups) or a .tar file
flask backup restore FILE --yes    # stop the web app and workers first
flask backup show FILE             # what a backup holds (manifest)
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import flask
import flask.cli

from app import extensions
from app.setup import backup

backup_cli = flask.cli.AppGroup("backup", help="Sao lưu và khôi phục (SQLite, media, khóa).")


def _paths() -> tuple[str, Path, Path]:
    app = flask.current_app
    return (
        str(app.config["SQLALCHEMY_DATABASE_URI"]),
        Path(app.config["MEDIA_ROOT"]),
        Path(app.instance_path),
    )


def _fail(error: backup.BackupError) -> None:
    click.echo(f"Lỗi: {error}", err=True)
    raise SystemExit(1)


@backup_cli.command("create")
@click.argument("destination", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def create(destination: Path | None, as_json: bool) -> None:
    """Write a backup file (safe while the app is running)."""
    database_url, media_root, instance = _paths()
    target = destination or instance / "backups"
    if destination is None:
        target.mkdir(parents=True, exist_ok=True)
    try:
        summary = backup.create(database_url, media_root, instance, target)
    except backup.BackupError as error:
        _fail(error)
        return
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    rows = sum(summary.tables.values())
    click.echo(
        f"Đã sao lưu vào {summary.path}: {len(summary.tables)} bảng, {rows} dòng, "
        f"{summary.media_files} tệp media. Tệp chứa khóa bí mật: hãy cất giữ cẩn thận."
    )


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Xác nhận ghi đè dữ liệu hiện tại.")
def restore(archive: Path, yes: bool) -> None:
    """Replace the database, media and keys with a backup's (stop the app first)."""
    if not yes:
        click.echo(
            "Khôi phục sẽ ghi đè cơ sở dữ liệu, media và khóa hiện tại. Dừng ứng dụng và worker, "
            "rồi chạy lại với --yes.",
            err=True,
        )
        raise SystemExit(2)
    database_url, media_root, instance = _paths()
    extensions.db.session.remove()  # the scoped session itself: end it before the swap
    extensions.db.engine.dispose()
    try:
        summary = backup.restore(archive, database_url, media_root, instance)
    except backup.BackupError as error:
        _fail(error)
        return
    click.echo(
        f"Đã khôi phục từ {archive} (phiên bản lược đồ {summary.revision}): "
        f"{sum(summary.tables.values())} dòng, {summary.media_files} tệp media. "
        "Chạy `flask db upgrade` nếu bản sao lưu cũ hơn mã nguồn."
    )


@backup_cli.command("show")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def show(archive: Path) -> None:
    """Print a backup's manifest."""
    try:
        manifest = backup.read_manifest(archive)
    except backup.BackupError as error:
        _fail(error)
        return
    manifest.pop("files", None)
    click.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
