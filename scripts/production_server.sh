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

# The encryption key the data was written with: the development key unless one is set.
KEYS="${FIELD_ENCRYPTION_KEYS:-$(DEBUG=True "$PY" manage.py shell --no-imports -c \
  'from django.conf import settings; print(",".join(settings.FIELD_ENCRYPTION_KEYS))')}"

export SECRET_KEY="${SECRET_KEY:-throwaway-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
export DEBUG=False
export ALLOWED_HOSTS=127.0.0.1
export FIELD_ENCRYPTION_KEYS="$KEYS"
# Plain HTTP on loopback: no redirect to HTTPS (the other production settings stay).
export SECURE_SSL_REDIRECT=False
export VAR_DIR="$OUT/var"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
mkdir -p "$VAR_DIR"
"$PY" manage.py collectstatic --noinput --verbosity 0

: >"$OUT/gunicorn.log"
exec "$PWD/.venv/bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --capture-output --error-logfile "$OUT/gunicorn.log"
