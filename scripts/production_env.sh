# Sourced by scripts/production_server.sh and scripts/loadtest.sh, from the project's folder,
# with PY (the virtualenv's python) and OUT (the caller's output folder) set: the environment
# of the portal as in production on loopback only (DEBUG=False, static files collected by the
# production storage: whitenoise's CompressedManifestStaticFilesStorage, hashed names, gzip
# and brotli copies). SECRET_KEY is kept when set (the load test signs sessions with it
# beforehand), else a throw-away one; files go to OUT/var (VAR_DIR).

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
# Each process logs warnings and errors only.
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
mkdir -p "$VAR_DIR"
"$PY" manage.py collectstatic --noinput --verbosity 0
