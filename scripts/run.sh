#!/usr/bin/env bash
# Starts the web server and one Celery worker side by side; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WORKERS=${WORKER_CONCURRENCY:-2}

$BIN/celery -A wsgi.celery_app worker --pool=threads --concurrency "$WORKERS" \
  --queues default --loglevel INFO &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM

echo "OCOP Live: http://$HOST:$PORT  (worker pid $worker)"
$BIN/flask --app wsgi run --host "$HOST" --port "$PORT" --with-threads
