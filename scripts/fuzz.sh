#!/usr/bin/env bash
# `make fuzz`: schemathesis against the running app, once with an admin token and once with a
# trainer token; all checks, a bounded number of examples. Any failure (including a 5xx) fails,
# as does a run that did not reach the people search (POST /api/v1/people/search/, terms in a
# JSON body) or a server log that holds a query string.
#
# The app runs on 127.0.0.1 with a throw-away SQLite database under var/fuzz/ (never the
# DATABASE_URL of the environment). schemathesis comes from .venv (dev dependency, pinned in
# uv.lock); when an older .venv lacks it, it is installed into var/fuzz-venv/ rather than into
# .venv, which `uv sync` keeps exactly in step with uv.lock. Its state (.schemathesis/, reports)
# stays under var/fuzz/.
#
# Environment: FUZZ_PORT (8765), FUZZ_MAX_EXAMPLES (25), FUZZ_SEED (random), PYTHON (python3).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FUZZ_PORT:-8765}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-25}"
PYTHON="${PYTHON:-python3}"
ROOT="$PWD"
FUZZ_DIR="$ROOT/var/fuzz"
TOOL_VENV="$ROOT/var/fuzz-venv"
SCHEMATHESIS_PIN="schemathesis==4.*"
APP_PYTHON="$ROOT/.venv/bin/python"
BASE_URL="http://127.0.0.1:$PORT"

if [ ! -x "$APP_PYTHON" ]; then
  echo "fuzz: .venv is missing; run 'make install' first" >&2
  exit 2
fi

SCHEMATHESIS="$ROOT/.venv/bin/schemathesis"
if ! "$SCHEMATHESIS" --version >/dev/null 2>&1; then
  SCHEMATHESIS="$TOOL_VENV/bin/schemathesis"
  if ! "$SCHEMATHESIS" --version >/dev/null 2>&1; then
    echo "fuzz: installing $SCHEMATHESIS_PIN into $TOOL_VENV"
    "$PYTHON" -m venv "$TOOL_VENV"
    "$TOOL_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SCHEMATHESIS_PIN"
  fi
fi
"$SCHEMATHESIS" --version

# One run at a time per checkout: the directory and the database are rebuilt on each run.
mkdir -p "$ROOT/var"
exec 9>"$ROOT/var/fuzz.lock"
if command -v flock >/dev/null && ! flock -n 9; then
  echo "fuzz: another run is using $FUZZ_DIR" >&2
  exit 2
fi

rm -rf "$FUZZ_DIR"
mkdir -p "$FUZZ_DIR/var"
chmod 700 "$FUZZ_DIR"

# The app's environment: development settings, a fresh SQLite file and file broker/cache,
# and a throttle high enough for the examples (the default would answer 429 after a while).
export DEBUG=True
export VAR_DIR="$FUZZ_DIR/var"
export DATABASE_URL="sqlite:///$FUZZ_DIR/var/fuzz.sqlite3"
export API_THROTTLE_RATE="1000000/hour"
unset REDIS_URL

"$APP_PYTHON" manage.py migrate --noinput --verbosity 0

# An admin and a trainer at MAE-SOT (second factor set up, pledge accepted, as the API
# requires), a token each, and a few records so that reads find something.
FUZZ_DIR="$FUZZ_DIR" "$APP_PYTHON" manage.py shell --no-imports <<'PY'
import os
from datetime import date

import pyotp
from allauth.mfa.totp.internal.auth import TOTP
from knox.models import AuthToken

from people import services
from people.models import Partner
from portal import services as portal_services
from portal.models import Location, Pledge, PledgeAcceptance, User
from portal.roles import MFA_REQUIRED_ROLES, Role

site = Location.objects.get(code="MAE-SOT")
pledge = Pledge.current()


def user_with_token(email, role):
    user = User.objects.create_user(email, full_name=email.split("@")[0])
    portal_services.set_role(user, role)
    portal_services.set_sites(user, [site])
    if role in MFA_REQUIRED_ROLES:
        TOTP.activate(user, pyotp.random_base32())
    if pledge:
        PledgeAcceptance.objects.create(user=user, pledge=pledge)
    _, token = AuthToken.objects.create(user)
    path = os.path.join(os.environ["FUZZ_DIR"], f"{role}.token")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        handle.write(token)
    return user


admin = user_with_token("fuzz-admin@example.org", Role.ADMIN)
user_with_token("fuzz-trainer@example.org", Role.TRAINER)
Partner.objects.create(name="Fuzz partner", services=["legal"])
person = services.create_person(
    by=admin,
    person_data={"full_name": "Fuzz Person", "location": site, "birth_year": 1990},
    exit_data={"exit_type": "defected", "affiliation": "soldier", "exit_date": date(2024, 5, 1)},
).obj
services.add_note(by=admin, person=person, text="First note")
services.add_follow_up(
    by=admin, person=person, due_on=date(2030, 1, 1), assignee=admin, description="Call"
)
PY

cat >"$FUZZ_DIR/schemathesis.toml" <<'TOML'
# The token comes from the environment, not the command line (which `ps` shows).
headers = { Authorization = "Token ${FUZZ_TOKEN}" }

# A missing If-Match is answered 428 Precondition Required (RFC 6585).
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]

# Writes: schema-valid bodies may still name records that do not exist (ids) or break rules
# OpenAPI cannot express (dates in the future, a transfer to the current site), which the API
# refuses with 400 and field errors; a random If-Match is stale (412).
[[operations]]
include-method = ["POST", "PUT", "PATCH"]

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "429", "5xx"]
TOML

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT INT TERM

"$APP_PYTHON" manage.py runserver "127.0.0.1:$PORT" --noreload >"$FUZZ_DIR/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 60); do
  if "$APP_PYTHON" -c "import urllib.request; urllib.request.urlopen('$BASE_URL/healthz', timeout=2)" 2>/dev/null; then
    ready=1
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "fuzz: the app did not start; see $FUZZ_DIR/server.log" >&2
  tail -n 30 "$FUZZ_DIR/server.log" >&2 || true
  exit 1
fi

seed_args=()
if [ -n "${FUZZ_SEED:-}" ]; then
  seed_args=(--seed "$FUZZ_SEED")
fi

status=0
for role in admin trainer; do
  echo
  echo "=== schemathesis as $role ==="
  # From var/fuzz/, so that schemathesis keeps its cache there, not in the repository.
  if ! (cd "$FUZZ_DIR" && FUZZ_TOKEN="$(cat "$FUZZ_DIR/$role.token")" \
    "$SCHEMATHESIS" --config-file "$FUZZ_DIR/schemathesis.toml" run \
    "$BASE_URL/api/schema/?format=json" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --generation-database none \
    --report junit --report-dir "$FUZZ_DIR/report-$role" \
    "${seed_args[@]}"); then
    status=1
  fi
done

if grep -E '" 5[0-9]{2} ' "$FUZZ_DIR/server.log" >/dev/null; then
  echo "fuzz: the server answered 5xx (see $FUZZ_DIR/server.log)" >&2
  status=1
fi

# The people search (terms in a JSON body, never in the URL) was fuzzed as well.
if ! grep -E '"POST /api/v1/people/search/ HTTP/1\.[01]" [0-9]{3} ' "$FUZZ_DIR/server.log" >/dev/null; then
  echo "fuzz: POST /api/v1/people/search/ was not exercised (see $FUZZ_DIR/server.log)" >&2
  status=1
fi

# Thousands of requests with query strings, and not one logged: request lines are logged
# with their path only (README "Logs without personal data").
if grep -E '"[A-Z]+ [^ "]*\?' "$FUZZ_DIR/server.log" >/dev/null; then
  echo "fuzz: a query string was logged (see $FUZZ_DIR/server.log)" >&2
  status=1
fi

if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED" >&2
else
  echo "fuzz: passed (admin and trainer)"
fi
exit "$status"
