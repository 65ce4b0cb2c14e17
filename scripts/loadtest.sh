#!/usr/bin/env bash
# Load test (issue 23, `make load`, docs/performance.md "80 concurrent users"): 80 locust users
# for 2 minutes on the people list, its search, the person page and the trainer's roster
# (page and save), headless, in two set-ups on the same PostgreSQL and Redis:
#
#   single  one web node (gunicorn, LOADTEST_WORKERS sync workers) with one Celery worker and
#           beat, as the Procfile runs the portal on one machine;
#   nodes   two web nodes (two gunicorn servers on two ports, the users dealt to them in turn)
#           with three Celery workers and one beat, as README "Scaling out" runs it.
#
# Each run prints its requests, failures, median and p95 per request type and overall, and a
# verdict, and writes var/loadtest/summary-<set-up>.txt/.json (both runs: summary.txt/.json).
# Exits non-zero if any request failed or a server logged an error or a warning during the
# run.
#
# Needs DATABASE_URL (PostgreSQL) and REDIS_URL (broker and cache of every process). A database
# with fewer than LOADTEST_PEOPLE people is first seeded up to that many (`seed_demo`). locust
# comes from .venv's bench group (`make load` installs it).
#
# The portal runs as in production (DEBUG=False, static files collected with their manifest)
# on 127.0.0.1 only, with a throw-away SECRET_KEY; files go to var/loadtest/.
#
# Environment: LOADTEST_USERS (80), LOADTEST_TIME (2m), LOADTEST_SPAWN_RATE (20),
# LOADTEST_SETUPS ("single nodes"), LOADTEST_PORT (8800: single on it, nodes on the next two),
# LOADTEST_WORKERS (gunicorn sync workers per web node, 2), LOADTEST_PEOPLE (100000),
# LOADTEST_WAIT (seconds between a user's pages, "0.5,1.5": a busy load, about one request
# per user and second).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT="$PWD"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
USERS="${LOADTEST_USERS:-80}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-20}"
RUN_TIME="${LOADTEST_TIME:-2m}"
SETUPS="${LOADTEST_SETUPS:-single nodes}"
PORT="${LOADTEST_PORT:-8800}"
WORKERS="${LOADTEST_WORKERS:-2}"
PEOPLE="${LOADTEST_PEOPLE:-100000}"
WAIT="${LOADTEST_WAIT:-0.5,1.5}"
OUT="$ROOT/var/loadtest"

if [ -z "${DATABASE_URL:-}" ] || [[ "$DATABASE_URL" != postgres* ]]; then
  echo "loadtest: set DATABASE_URL to a PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/portal_load)" >&2
  exit 2
fi
if [ -z "${REDIS_URL:-}" ]; then
  echo "loadtest: set REDIS_URL to the Redis every process shares (e.g. redis://127.0.0.1:6379/12)" >&2
  exit 2
fi
if [ ! -x "$BIN/locust" ]; then
  echo "loadtest: locust is not in .venv; run 'make load' (it installs the bench group)" >&2
  exit 2
fi
mkdir -p "$OUT"
rm -f "$OUT"/summary*.txt "$OUT"/summary*.json

dev() { DEBUG=True "$PY" manage.py "$@"; }

dev migrate --noinput --verbosity 0
present="$(dev shell --no-imports -c 'from people.models import Person; print(Person.objects.count())')"
if [ "$present" -lt "$PEOPLE" ]; then
  echo "loadtest: the database holds $present people; seeding up to $PEOPLE (seed_demo)…"
  dev seed_demo --people "$PEOPLE"
else
  echo "loadtest: the database holds $present people"
fi

# A throw-away secret key, the same for the sessions made below and for the servers.
export SECRET_KEY="loadtest-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
# Production settings, on loopback only (scripts/production_env.sh).
# shellcheck source=scripts/production_env.sh
source scripts/production_env.sh

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT

start() { # NAME COMMAND...: in the background, its output in $OUT/NAME.log
  local name="$1"
  shift
  "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
}

web() { # NAME PORT; its access log: method, status and milliseconds (no path: no person's id)
  : >"$OUT/$1.access.log"
  start "$1" "$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$2" \
    --workers "$WORKERS" --capture-output \
    --access-logfile "$OUT/$1.access.log" --access-logformat '%(m)s %(s)s %(M)s'
}

celery_worker() { # NAME
  start "$1" "$BIN/celery" -A config worker --loglevel=INFO --pool=solo \
    --hostname "$1@%h" --without-gossip --without-mingle
}

beat() {
  start beat "$BIN/celery" -A config beat --loglevel=INFO \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler \
    --pidfile "$VAR_DIR/beat.pid"
}

wait_until() { # WHAT COMMAND...: up to 60 s
  local what="$1"
  shift
  for _ in $(seq 1 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "loadtest: $what did not come up" >&2
  return 1
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
log_size() { stat -c %s "$1"; }

# One run: the servers of the set-up are up; locust against HOSTS, then the summary.
run() { # SETUP DESCRIPTION LOGS HOSTS...
  local setup="$1" description="$2" logs="$3"
  shift 3
  local hosts=("$@") host
  for host in "${hosts[@]}"; do
    wait_until "$host/healthz" curl -fs -o /dev/null "$host/healthz"
  done
  # Signed-in sessions: one per locust user and role (the demo case worker and trainer).
  DEBUG=True "$PY" manage.py bench_session --count "$USERS" \
    caseworker@demo.example trainer@demo.example >"$OUT/sessions.json" 2>/dev/null

  # Only what the servers log during the run is judged (start-up lines are not).
  local log starts=() access_starts=()
  for log in $logs; do starts+=("$(log_size "$OUT/$log.log")"); done
  for log in $logs; do
    if [ -f "$OUT/$log.access.log" ]; then access_starts+=("$(log_size "$OUT/$log.access.log")"); fi
  done
  local before status=0
  before="$(load_average)"
  echo "loadtest: $setup: $description; load average $before"
  LOADTEST_SESSIONS="$OUT/sessions.json" LOADTEST_HOSTS="$(IFS=,; echo "${hosts[*]}")" \
    LOADTEST_WAIT="$WAIT" "$BIN/locust" -f scripts/locustfile.py --headless \
    --host "${hosts[0]}" --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$RUN_TIME" \
    --stop-timeout 10 --csv "$OUT/report-$setup" --only-summary \
    >"$OUT/locust-$setup.log" 2>&1 || true

  local index=0 args=()
  for log in $logs; do
    tail -c +"$((starts[index] + 1))" "$OUT/$log.log" >"$OUT/$setup-$log.during.log"
    args+=(--log "$OUT/$setup-$log.during.log")
    index=$((index + 1))
  done
  index=0
  for log in $logs; do
    if [ -f "$OUT/$log.access.log" ]; then
      tail -c +"$((access_starts[index] + 1))" "$OUT/$log.access.log" >"$OUT/$log.access-$setup.log"
      args+=(--access-log "$OUT/$log.access-$setup.log")
      index=$((index + 1))
    fi
  done
  # Jobs the workers ran during the run (beat's schedule: the sweeper every minute).
  local jobs
  jobs="$(cat "$OUT"/"$setup"-worker*.during.log | grep -c "succeeded in" || true)"
  "$PY" -m devtools.bench.load_summary --setup "$setup" --description "$description" \
    --csv "$OUT/report-$setup" "${args[@]}" --load-before "$before" \
    --load-after "$(load_average)" --out "$OUT/summary-$setup" \
    --note "Celery: $jobs jobs run by the workers during the run" || status=$?
  return "$status"
}

overall=0
for setup in $SETUPS; do
  case "$setup" in
    single)
      web web "$PORT"
      celery_worker worker1
      beat
      wait_until "worker1" grep -q " ready." "$OUT/worker1.log"
      run single "$USERS users, $RUN_TIME, waits $WAIT s; 1 web node (gunicorn, $WORKERS workers), 1 Celery worker, beat" \
        "web worker1 beat" "http://127.0.0.1:$PORT" || overall=1
      ;;
    nodes)
      web web1 "$((PORT + 1))"
      web web2 "$((PORT + 2))"
      for number in 1 2 3; do celery_worker "worker$number"; done
      beat
      for number in 1 2 3; do
        wait_until "worker$number" grep -q " ready." "$OUT/worker$number.log"
      done
      run nodes "$USERS users, $RUN_TIME, waits $WAIT s; 2 web nodes (gunicorn, $WORKERS workers each), 3 Celery workers, beat" \
        "web1 web2 worker1 worker2 worker3 beat" \
        "http://127.0.0.1:$((PORT + 1))" "http://127.0.0.1:$((PORT + 2))" || overall=1
      ;;
    *)
      echo "loadtest: unknown set-up '$setup' (single, nodes)" >&2
      exit 2
      ;;
  esac
  stop_all
  echo
done

# The runs in one file each, in the order they ran.
summaries=()
for setup in $SETUPS; do summaries+=("$OUT/summary-$setup"); done
for summary in "${summaries[@]}"; do cat "$summary.txt"; echo; done >"$OUT/summary.txt"
"$PY" -c 'import json, sys; print(json.dumps({"runs": [json.load(open(f"{p}.json")) for p in sys.argv[1:]]}, indent=2))' \
  "${summaries[@]}" >"$OUT/summary.json"
exit "$overall"
