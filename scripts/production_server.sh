#!/usr/bin/env bash
# The portal as in production, on loopback only, for the measuring scripts (scripts/loadtest.sh,
# scripts/bench_phone.py): DEBUG=False, static files collected by the production storage
# (whitenoise's CompressedManifestStaticFilesStorage: hashed names, gzip and brotli copies),
# gunicorn in the foreground (exec: the caller stops it by this process's id).
#
# Usage: scripts/production_server.sh PORT OUT_DIR [WORKERS]
# Uses the database of DATABASE_URL (the default SQLite file otherwise), and SECRET_KEY when
# set (the load test signs sessions with it beforehand), else a throw-away one. Files go to
# OUT_DIR/var (VAR_DIR), gunicorn's log to OUT_DIR/gunicorn.log.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="$1"
OUT="$2"
WORKERS="${3:-2}"
PY="$PWD/.venv/bin/python"

# shellcheck source=scripts/production_env.sh
source scripts/production_env.sh

: >"$OUT/gunicorn.log"
exec "$PWD/.venv/bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --capture-output --error-logfile "$OUT/gunicorn.log"
