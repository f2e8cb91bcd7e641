#!/usr/bin/env bash
# Installs the system packages the test suite drives for real, when missing:
# PostgreSQL 15 server binaries, Redis, Debian's Chromium (for Playwright) and wrk (the load
# bench's client, run at a tiny size by tests/integration/bench).
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v runuser >/dev/null || need+=(util-linux)
command -v redis-server >/dev/null || need+=(redis-server)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-test-deps: missing ${need[*]} and cannot apt-get here; those tests will skip (CI fails)." >&2
  exit 0
fi
echo "install-test-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
