#!/usr/bin/env bash
# Starts the web server, a Celery worker, a worker for comment captures and Celery beat (the daily OCOP certificate check,
# the hourly push of queued listings) side by side; Ctrl+C stops them all.
# On an empty instance (`make run DEMO=0` on a new database) it prints the setup page's URL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WORKERS=${WORKER_CONCURRENCY:-2}
INSTANCE=${INSTANCE_PATH:-instance}
mkdir -p "$INSTANCE"

SANDBOX_PORT_BASE=${SANDBOX_PORT_BASE:-5701}
# The demo reads TikTok LIVE comments from the sandbox; a real install turns the unofficial
# TikTok route on itself (TIKTOK_WEBCAST_ENABLED=1, docs/live-comments.md).
if [ "${DEMO:-1}" != "0" ] && [ "${SANDBOX:-1}" != "0" ]; then
  export TIKTOK_WEBCAST_ENABLED=${TIKTOK_WEBCAST_ENABLED:-1}
fi

$BIN/celery -A wsgi.celery_app worker --pool=threads --concurrency "$WORKERS" \
  --queues default --loglevel INFO &
worker=$!
pids="$worker"
# Comment captures follow a live for hours, mostly waiting on the platform: their own worker
# (queue "live", threads) so they never hold up renders and imports.
$BIN/celery -A wsgi.celery_app worker --pool=threads --concurrency "${LIVE_WORKER_CONCURRENCY:-4}" \
  --queues live --hostname "live@%h" --loglevel INFO &
pids="$pids $!"
# One beat per install: it only sends the periodic chores (app/tasks.py beat_schedule) to the
# queue; the worker runs them. Its schedule file remembers the last runs across restarts.
$BIN/celery -A wsgi.celery_app beat --schedule "$INSTANCE/celerybeat-schedule" \
  --loglevel INFO &
pids="$pids $!"
# Sandbox marketplaces (Shopee, TikTok Shop, Lazada), live chats (Facebook, YouTube, TikTok
# LIVE), the bank (SePay, Casso, payOS webhooks; SePay calls the demo club's connection on
# this app), buyer messaging (Zalo OA/ZNS, Messenger on port base + 7; its callbacks go to
# the demo club's message connections) and the carriers GHN, GHTK, Viettel Post and Vietnam
# Post (port base + 8…11; their status webhooks go to the demo club's carrier accounts, each
# booked parcel moving a step every 30 s) for the demo; SANDBOX=0 skips.
if [ "${SANDBOX:-1}" != "0" ]; then
  $BIN/python -m sandbox --host 127.0.0.1 --port-base "$SANDBOX_PORT_BASE" \
    --app-url "http://$HOST:$PORT" &
  pids="$pids $!"
  # The messaging sandbox forgets its tokens when it stops: the demo club's Zalo OA consents
  # again once it answers (nothing without the demo's sandbox OA).
  if [ "${DEMO:-1}" != "0" ]; then
    $BIN/flask --app wsgi demo connect-zalo --wait 30 &
  fi
fi
trap 'kill $pids 2>/dev/null; wait $pids 2>/dev/null' EXIT INT TERM

echo "OCOP Live: http://$HOST:$PORT  (worker pid $worker)"
# An empty instance (DEMO=0 on a new database) starts at the setup page: first admin and club.
if [ "$($BIN/flask --app wsgi users list --json 2>/dev/null | tr -d '[:space:]')" = "[]" ]; then
  echo "Chưa có tài khoản nào. Mở http://$HOST:$PORT/setup để tạo quản trị viên và câu lạc bộ"
  echo "(no user yet: open the setup page to create the first admin and club)."
fi
$BIN/flask --app wsgi run --host "$HOST" --port "$PORT" --with-threads
