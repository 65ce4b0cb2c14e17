#!/usr/bin/env bash
# Concurrency check (issue 8, docs/performance.md): gunicorn with 2 workers on 127.0.0.1 and
# 20 locust users for 60 s, headless, on the people list (and its search) and the trainer's
# roster (page and save). Exits non-zero if any request failed.
#
# Uses the database of DATABASE_URL, seeded beforehand (`manage.py seed_demo --people 100000`
# or `make bench`), and locust from .venv (`make bench` installs it: `uv sync --group bench`).
# The portal runs as in production (DEBUG=False, static files collected with their manifest)
# with a throw-away SECRET_KEY; files go to var/loadtest/ (VAR_DIR), the report to
# var/loadtest/report*.csv and var/loadtest/summary.txt.
#
# Environment: LOADTEST_PORT (8771), LOADTEST_USERS (20), LOADTEST_SPAWN_RATE (20),
# LOADTEST_TIME (60s), LOADTEST_WORKERS (2), LOADTEST_WAIT (seconds between a user's pages,
# "0.5,1.5": a busy load, about one request per user and second).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
LOCUST="$ROOT/.venv/bin/locust"
PORT="${LOADTEST_PORT:-8771}"
USERS="${LOADTEST_USERS:-20}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-20}"
RUN_TIME="${LOADTEST_TIME:-60s}"
WORKERS="${LOADTEST_WORKERS:-2}"
OUT="$ROOT/var/loadtest"
HOST="http://127.0.0.1:$PORT"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "loadtest: set DATABASE_URL to the seeded database (e.g. postgres://postgres@127.0.0.1:5432/portal_bench)" >&2
  exit 2
fi
if [ ! -x "$LOCUST" ]; then
  echo "loadtest: locust is not in .venv; run 'make bench' first (it installs the bench group)" >&2
  exit 2
fi
mkdir -p "$OUT"

# A throw-away secret key, the same for the sessions made below and for the server.
export SECRET_KEY="loadtest-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"

# Signed-in sessions: one per locust user and role (the demo case worker and the demo trainer).
DEBUG=True "$PY" manage.py bench_session --count "$USERS" \
  caseworker@demo.example trainer@demo.example >"$OUT/sessions.json"

# Production settings, on loopback only (scripts/production_server.sh).
scripts/production_server.sh "$PORT" "$OUT" "$WORKERS" &
GUNICORN_PID=$!
stop() { kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; }
trap stop EXIT

# collectstatic runs first (compressing the files the first time): up to a minute.
for _ in $(seq 1 300); do
  if curl -fs -o /dev/null "$HOST/healthz"; then break; fi
  sleep 0.2
done
curl -fsS -o /dev/null "$HOST/healthz"

status=0
LOADTEST_SESSIONS="$OUT/sessions.json" "$LOCUST" -f scripts/locustfile.py --headless \
  --host "$HOST" --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$RUN_TIME" \
  --stop-timeout 10 --csv "$OUT/report" --only-summary 2>&1 | tee "$OUT/summary.txt" || status=$?

# Locust exits with 1 when a request failed; the CSV has the figures either way.
echo
echo "loadtest: $USERS users, $RUN_TIME, waits ${LOADTEST_WAIT:-0.5,1.5} s, gunicorn $WORKERS workers on $HOST"
"$PY" - "$OUT/report_stats.csv" <<'PY'
import csv
import sys

with open(sys.argv[1], newline="") as file:
    rows = list(csv.DictReader(file))
print(f"{'request':<32} {'count':>7} {'failures':>8} {'median':>7} {'p95':>7} {'p99':>7} {'req/s':>6}")
for row in rows:
    print(
        f"{row['Name']:<32} {row['Request Count']:>7} {row['Failure Count']:>8} "
        f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {float(row['Requests/s']):>6.1f}"
    )
PY
if [ -s "$OUT/gunicorn.log" ] && grep -q -i "error\|exception\|warning" "$OUT/gunicorn.log"; then
  echo "loadtest: errors in $OUT/gunicorn.log" >&2
  status=1
fi
exit "$status"
