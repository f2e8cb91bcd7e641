"""Desk: the Facebook sandbox at 50 comments/s for 5 min, a capture, 20 desks reading the feed.

    .venv/bin/python -m bench.desk.run [--rate 50] [--duration 300] [--clients 20]
        [--database postgresql|sqlite] [--out figures.json]

Starts a throwaway PostgreSQL 15 (or a SQLite file) and Redis, migrates, loads the demo data,
turns the demo's desk session into a Facebook one and connects the club's Page to the sandbox
through the consent flow, as staff do. Then, the way production runs them: gunicorn with the
settings of docs/deploy.md (gthread workers), a Celery worker for the ``live`` queue (the
capture job, ``app/live/capture.py``), and the Facebook sandbox in its own process playing a
steady chat in real time (``sandbox.livechat.steady_chat``: each comment carries its id, and
its publish time is the live's start plus its place in the script). ``--clients`` desks sign
in as the coordinator, open the desk page and read the feed as ``desk.js`` does (the same
URL, a long poll asked again at once); some of them confirm a share of the order comments
(``--confirm-share``) as a person clicking does, beside the feed.

Reports comment-to-desk latency (publish → the first desk to receive it, and over every
desk's first sighting, with each desk's own p95), confirm latency (POST → answer), comments
published, stored, never stored and never seen, and the floor: the Facebook source itself
reading the same sandbox at its own pace with nothing behind it (publish → read).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions, factory
from app.live import capture, comment_accounts
from app.models import accounts, comments, live
from bench.load.run import _flask
from integrations.comments import follow
from integrations.comments.base import Batch
from integrations.comments.facebook import FacebookLiveSource
from sandbox import core, livechat
from tests.support import net, postgres
from tests.support import redis as redis_support

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "bench-password"
STAFF = "dieuphoi"  # the demo club's coordinator
DESK_TITLE = "Live thử bàn chốt đơn"  # the demo's desk session (app/setup/demo.py)
CODES = ("NM01", "MO02", "TR03")  # its run-of-show codes
REDIRECT = "http://127.0.0.1:1/live/comment-accounts/facebook/callback"
LONG_POLL = 20  # desk.js's WAIT
FIGURES_SECONDS = 2.0  # desk.js's FIGURES
DRAIN_SECONDS = 15.0  # after the last comment: time for the capture and the desks to catch up
TAG = re.compile(r"#(b\d{6})")
ROW_START = '<li class="desk-row'
CONFIRM = re.compile(
    r'action="([^"]+/confirm)"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*value="([^"]+)"'
)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# --- the sandbox, in a process of its own -------------------------------------------------------


def serve_sandbox(rate: float, duration: float) -> None:
    """``--serve-sandbox``: the Facebook sandbox on a free port, its live held back until a
    line on stdin says go; prints its address, then the live's start (epoch seconds)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    chat = livechat.LiveChat(
        livechat.steady_chat(rate, duration, codes=CODES),
        realtime=True,
        started=time.time() + 3600,
    )
    server = core.Server(livechat.FacebookLive(chat)).start()
    print(server.url, flush=True)
    sys.stdin.readline()
    chat.started = float(int(time.time()) + 1)
    print(chat.started, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


# --- measuring ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_s": percentile(values, 0.50),
        "p95_s": percentile(values, 0.95),
        "max_s": max(values) if values else None,
    }


@dataclasses.dataclass
class Desk:
    """One desk in a browser: its own signed-in session, the comments it received and when."""

    index: int
    base: str
    session_id: int
    confirm_every: int
    clients: int
    long_poll: float = LONG_POLL
    since: str = ""  # the last read's start: rows changed after it come back with the next
    seen: dict[str, float] = dataclasses.field(default_factory=dict)
    confirms: list[float] = dataclasses.field(default_factory=list)
    confirm_errors: int = 0
    feed_errors: int = 0
    reads: int = 0

    def run(self, until: Callable[[], bool], opened: threading.Barrier) -> None:
        """Sign in, open the desk, wait for the others (``opened``), then read until told."""
        http = requests.Session()
        try:
            last, feed = self._open(http)
        except Exception:
            opened.abort()  # the run stops at once instead of waiting for this desk
            raise
        opened.wait()
        self._read(http, last, feed, until)

    def _open(self, http: requests.Session) -> tuple[int, str]:
        login = http.get(f"{self.base}/auth/login", timeout=60)
        token = CSRF.search(login.text)
        answer = http.post(
            f"{self.base}/auth/login",
            data={
                "username": STAFF,
                "password": PASSWORD,
                "csrf_token": token.group(1) if token else "",
            },
            timeout=60,
        )
        page = http.get(f"{self.base}/live/sessions/{self.session_id}/desk", timeout=60)
        if answer.status_code >= 400 or page.status_code != 200:
            raise RuntimeError(f"desk {self.index} could not open the desk: {page.status_code}")
        last = int(_found(r'data-last="(\d+)"', page.text))
        feed = _found(r'data-feed-url="([^"]+)"', page.text)
        self.since = _found(r'data-since="([^"]+)"', page.text)
        self._saw(page.text, time.time(), None)
        return last, feed

    def _read(
        self, http: requests.Session, last: int, feed: str, until: Callable[[], bool]
    ) -> None:
        figures_at, stale = 0.0, False
        with concurrent.futures.ThreadPoolExecutor(1) as clicks:
            while not until():
                # As desk.js: the figures at most every FIGURES_SECONDS; news that came
                # without them brings them back at once when due.
                since_figures = time.monotonic() - figures_at
                due = since_figures >= FIGURES_SECONDS
                wait = (
                    self.long_poll
                    if not stale
                    else 0.0
                    if due
                    else max(0.1, FIGURES_SECONDS - since_figures)
                )
                params: dict[str, Any] = {"after": last, "wait": wait, "since": self.since}
                if due:
                    figures_at = time.monotonic()
                else:
                    params["figures"] = 0
                try:
                    reply = http.get(
                        f"{self.base}{feed}",
                        params=params,
                        headers={"Accept": "application/json"},
                        timeout=self.long_poll + 30,
                    )
                    moment = time.time()
                    reply.raise_for_status()
                    data = reply.json()
                except (requests.RequestException, ValueError):
                    self.feed_errors += 1
                    time.sleep(2.0)  # desk.js's RETRY
                    continue
                self.reads += 1
                last = max(last, int(data["last"]))
                self.since = str(data.get("since") or self.since)
                news = ROW_START in str(data["rows"]) or ROW_START in str(data.get("changed", ""))
                stale = "figures" not in data and (stale or news)
                self._saw(
                    str(data["rows"]),
                    moment,
                    lambda action, csrf: clicks.submit(self._confirm, http, action, csrf),
                )

    def _saw(self, rows: str, moment: float, click: Callable[[str, str], object] | None) -> None:
        """Note the comments first seen in ``rows`` (HTML); click Chốt đơn on this desk's share."""
        for row in rows.split(ROW_START)[1:]:
            tag = TAG.search(row)
            if tag is None or tag.group(1) in self.seen:
                continue
            self.seen[tag.group(1)] = moment
            if click is not None and self._mine(tag.group(1)) and (form := CONFIRM.search(row)):
                click(form.group(1), form.group(2))

    def _mine(self, tag: str) -> bool:
        number = int(tag[1:])
        return (
            number % self.confirm_every == 0
            and number // self.confirm_every % self.clients == self.index
        )

    def _confirm(self, http: requests.Session, action: str, csrf: str) -> None:
        begun = time.monotonic()
        try:
            answer = http.post(
                f"{self.base}{action}",
                data={"csrf_token": csrf},
                headers={"Accept": "application/json"},
                timeout=60,
            )
        except requests.RequestException:
            self.confirm_errors += 1
            return
        if answer.status_code != 200 or "row" not in answer.json():
            self.confirm_errors += 1
            return
        self.confirms.append(time.monotonic() - begun)


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"the desk page has no {pattern}")
    return match.group(1)


def page_source(url: str) -> FacebookLiveSource:
    """The sandbox's Page connected through the consent flow (the floor's own token)."""
    config = {
        "app_id": livechat.DEMO_APP_ID,
        "app_secret": livechat.DEMO_APP_SECRET,
        "api_base_url": url,
        "authorize_url_base": url,
    }
    source = FacebookLiveSource(config)
    answer = requests.get(
        source.authorize_url(REDIRECT, "bench"), allow_redirects=False, timeout=10
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    page = source.connect(code, REDIRECT)[0]
    return FacebookLiveSource(
        {**config, "page_id": page.page_id, "page_access_token": page.access_token}
    )


def floor(url: str, seen: dict[str, float], stop: Callable[[], bool]) -> None:
    """The raw delivery: the Facebook source reading the sandbox at its own pace, nothing
    stored, each comment timed as the read that brought it returns."""
    source = page_source(url)

    def store(batch: Batch) -> None:
        moment = time.time()
        for event in batch.events:
            tag = TAG.search(event.text)
            if tag is not None:
                seen.setdefault(tag.group(1), moment)

    live = source.resolve_live(None)
    follow.follow(source, live.live_id, None, store=store, sleep=time.sleep, stop=stop)


# --- the app ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _database(env: dict[str, str]) -> Iterator[so.Session]:
    """A session on the app's database, in this process; closed, its connections too."""
    app = factory.create_app(env=env)
    with app.app_context():
        db = extensions.session()
        try:
            yield db
        finally:
            db.close()
            extensions.db.engine.dispose()


def _staff(db: so.Session) -> accounts.User:
    return db.scalars(sa.select(accounts.User).where(accounts.User.username == STAFF)).one()


def prepare(env: dict[str, str], sandbox_url: str) -> tuple[int, int]:
    """The demo's desk session on Facebook with stock for the whole run, the club's Page
    connected to the sandbox; returns the session's id and the account's."""
    with _database(env) as db:
        staff = _staff(db)
        row = db.scalars(
            sa.select(live.LiveSession).where(live.LiveSession.title.startswith(DESK_TITLE))
        ).one()
        row.platform, row.live_url = "facebook", None
        for slot in row.slots:
            if slot.sold_variant is not None:
                slot.sold_variant.stock = 10**7
        db.commit()
        session_id = row.id
        settings = {
            "app_id": livechat.DEMO_APP_ID,
            "app_secret": livechat.DEMO_APP_SECRET,
            "api_base_url": sandbox_url,
            "authorize_url_base": sandbox_url,
        }
        _, consent = comment_accounts.begin_facebook(
            db, staff, settings=settings, redirect_uri=REDIRECT
        )
        back = parse_qs(
            urlsplit(
                requests.get(consent, allow_redirects=False, timeout=10).headers["Location"]
            ).query
        )
        account = comment_accounts.finish_facebook(
            db, staff, {"state": back["state"][0], "code": back["code"][0]}, redirect_uri=REDIRECT
        )
        account_id = account.id
    return session_id, account_id


def start_capture(env: dict[str, str], session_id: int, account_id: int) -> int:
    with _database(env) as db:
        staff = _staff(db)
        row = capture.start(db, staff, session_id, account_id=account_id)
        capture_id = row.id
    return capture_id


def stored_tags(env: dict[str, str], capture_id: int) -> tuple[str, set[str]]:
    """The capture's status and the comments it stored (their tags)."""
    with _database(env) as db:
        row = db.get(comments.CommentCapture, capture_id)
        status = str(row.status) if row else "missing"
        texts = db.scalars(
            sa.select(comments.LiveComment.text).where(
                comments.LiveComment.capture_id == capture_id
            )
        ).all()
    return status, {m.group(1) for t in texts if (m := TAG.search(t))}


@dataclasses.dataclass
class Processes:
    running: list[subprocess.Popen[Any]] = dataclasses.field(default_factory=list)

    def start(self, args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[Any]:
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, **kwargs)
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in self.running:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        for process in reversed(self.running):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@dataclasses.dataclass
class Services:
    env: dict[str, str]
    base: str


def gunicorn(
    processes: Processes, env: dict[str, str], workers: int, threads: int, wsgi: str
) -> str:
    """gunicorn serving ``wsgi`` (``module:callable``) with gthread workers on a free local
    port, answering; its base address."""
    port = net.free_port()
    processes.start(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            wsgi,
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    net.wait_for_http(f"{base}/healthz", attempts=300)
    return base


@contextlib.contextmanager
def _services(
    work: Path, database: str, processes: Processes, workers: int, threads: int
) -> Iterator[Services]:
    """PostgreSQL (or SQLite) and Redis up, migrated, the demo loaded, gunicorn and the live
    worker running; everything stopped on the way out."""
    pg = postgres.start(work / "pg") if database == "postgresql" else None
    redis = redis_support.start(work / "redis")
    try:
        url = pg.create_database("ocop_desk") if pg else f"sqlite:///{work / 'desk.sqlite'}"
        env = {
            **os.environ,
            "APP_ENV": "production",
            "PUBLIC_BASE_URL": "https://ocop.example.vn",
            "SECRET_KEY": "bench-desk-secret-key-0123456789abcdef",
            "DATABASE_URL": url,
            "BROKER_URL": redis.url(0),
            "RESULT_BACKEND": redis.url(1),
            "INSTANCE_PATH": str(work / "instance"),
            "MEDIA_ROOT": str(work / "media"),
            "SESSION_COOKIE_SECURE": "0",
            "ALLOW_PRIVATE_URLS": "1",  # the Page's Graph address is the local sandbox
            "CREDENTIALS_KEY": "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE=",
        }
        _flask(env, "db", "upgrade")
        _flask({**env, "APP_ENV": "development"}, "demo", "load", "--password", PASSWORD)
        base = gunicorn(processes, env, workers, threads, "wsgi:app")
        processes.start(
            [
                str(BIN / "celery"),
                "-A",
                "wsgi.celery_app",
                "worker",
                "--pool=threads",
                "--concurrency",
                "2",
                "--queues",
                "live",
                "--hostname",
                "live@bench",
                "--loglevel",
                "WARNING",
            ],
            env,
        )
        yield Services(env, base)
    finally:
        processes.stop()
        redis.stop()
        if pg is not None:
            pg.stop()


def run(
    rate: float,
    duration: float,
    clients: int,
    *,
    database: str = "postgresql",
    confirm_share: float = 0.05,
    workers: int = 4,
    threads: int = 8,
    long_poll: float = LONG_POLL,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """The figures of one run (see the module's docstring). ``long_poll`` shorter than
    desk.js's only makes a tiny run end sooner."""
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-desk-"))
    for name in ("pg", "redis"):
        (work / name).mkdir(exist_ok=True)
    processes = Processes()
    script = livechat.steady_chat(rate, duration, codes=CODES)
    try:
        sandbox = processes.start(
            [
                sys.executable,
                "-m",
                "bench.desk.run",
                "--serve-sandbox",
                "--rate",
                str(rate),
                "--duration",
                str(duration),
            ],
            dict(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert sandbox.stdin is not None and sandbox.stdout is not None
        sandbox_url = sandbox.stdout.readline().strip()
        with _services(work, database, processes, workers, threads) as app:
            report = _measure(app, sandbox, sandbox_url, script, clients, confirm_share, long_poll)
        asked = {"rate": rate, "duration_s": duration, "clients": clients, "database": database}
        return {**asked, "gunicorn_workers": workers, "gunicorn_threads": threads, **report}
    finally:
        processes.stop()
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def _measure(
    app: Services,
    sandbox: subprocess.Popen[str],
    sandbox_url: str,
    script: list[livechat.Scripted],
    clients: int,
    confirm_share: float,
    long_poll: float,
) -> dict[str, Any]:
    """Open the desks, let the live go, start the capture and the floor, wait for the last
    comment (and a little more), then count."""
    assert sandbox.stdin is not None and sandbox.stdout is not None
    session_id, account_id = prepare(app.env, sandbox_url)
    every = max(1, round(1 / confirm_share)) if confirm_share > 0 else 10**9
    desks = [Desk(i, app.base, session_id, every, clients, long_poll) for i in range(clients)]
    end = threading.Event()
    opened = threading.Barrier(clients + 1, timeout=300)
    running = [
        threading.Thread(target=d.run, args=(end.is_set, opened), daemon=True) for d in desks
    ]
    for thread in running:
        thread.start()
    opened.wait()  # every desk signed in and open
    time.sleep(1.0)  # and reading
    sandbox.stdin.write("go\n")
    sandbox.stdin.flush()
    started = float(sandbox.stdout.readline())
    capture_id = start_capture(app.env, session_id, account_id)
    floor_seen: dict[str, float] = {}
    running.append(
        threading.Thread(target=floor, args=(sandbox_url, floor_seen, end.is_set), daemon=True)
    )
    running[-1].start()
    published = {e.comment_id: started + e.at for e in script}
    deadline = started + script[-1].at + DRAIN_SECONDS
    while time.time() < deadline:
        if len(floor_seen) >= len(published) and all(len(d.seen) >= len(published) for d in desks):
            break
        time.sleep(0.5)
    end.set()
    for thread in running:
        thread.join(timeout=long_poll + 35)
    status, stored = stored_tags(app.env, capture_id)
    report = _report(published, stored, desks, floor_seen)
    report["capture_status"] = status
    return report


def _report(
    published: dict[str, float], stored: set[str], desks: list[Desk], floor_seen: dict[str, float]
) -> dict[str, Any]:
    first: dict[str, float] = {}
    every: list[float] = []
    per_desk = []
    for desk in desks:
        mine = [desk.seen[c] - published[c] for c in desk.seen if c in published]
        every.extend(mine)
        per_desk.append(summary(mine))
        for comment, moment in desk.seen.items():
            first[comment] = min(moment, first.get(comment, moment))
    seen_any = set(first)
    p95s = [d["p95_s"] for d in per_desk if d["p95_s"] is not None]
    confirms = [s for d in desks for s in d.confirms]
    return {
        "published": len(published),
        "stored": len(stored & set(published)),
        "lost_never_stored": len(set(published) - stored),
        "lost_never_seen": len(set(published) - seen_any),
        "never_seen_sample": sorted(set(published) - seen_any)[:10],
        "missed_by_some_desk": sum(1 for d in desks for c in published if c not in d.seen),
        "desk_first": summary([first[c] - published[c] for c in seen_any if c in published]),
        "desk_every": summary(every),
        "desk_p95_s_range": [min(p95s), max(p95s)] if p95s else None,
        "per_desk": per_desk,
        "floor": summary([floor_seen[c] - published[c] for c in floor_seen if c in published]),
        "floor_lost": len(set(published) - set(floor_seen)),
        "confirm": {**summary(confirms), "errors": sum(d.confirm_errors for d in desks)},
        "feed_reads": sum(d.reads for d in desks),
        "feed_errors": sum(d.feed_errors for d in desks),
    }


def table(report: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.0f}"

    lines = [f"{'measure':<34} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for name, key in (
        ("floor: sandbox -> Facebook source", "floor"),
        ("desk: publish -> first desk", "desk_first"),
        ("desk: publish -> every desk", "desk_every"),
        ("confirm: POST -> answer", "confirm"),
    ):
        f = report[key]
        lines.append(
            f"{name:<34} {f['n']:>7} {ms(f['p50_s']):>8} {ms(f['p95_s']):>8} {ms(f['max_s']):>8}"
        )
    low_high = report["desk_p95_s_range"] or [None, None]
    lines.append(f"each desk's p95: {ms(low_high[0])}–{ms(low_high[1])} ms")
    lines.append(
        f"published {report['published']}, stored {report['stored']}, never stored "
        f"{report['lost_never_stored']}, never seen {report['lost_never_seen']}, missed by some "
        f"desk {report['missed_by_some_desk']}; confirm errors {report['confirm']['errors']}, "
        f"feed reads {report['feed_reads']} ({report['feed_errors']} failed)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="comments a second")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of comments")
    parser.add_argument("--clients", type=int, default=20, help="desks open")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--confirm-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sandbox:
        serve_sandbox(args.rate, args.duration)
        return
    report = run(
        args.rate,
        args.duration,
        args.clients,
        database=args.database,
        confirm_share=args.confirm_share,
        workers=args.workers,
        threads=args.threads,
    )
    print(table(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
