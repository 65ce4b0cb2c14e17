# Two commands for a fresh clone: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv
MANAGE := $(BIN)/python manage.py

# Local development and tests run with DEBUG on unless the environment says otherwise;
# production sets DEBUG=False, SECRET_KEY, ALLOWED_HOSTS and FIELD_ENCRYPTION_KEYS.
export DEBUG ?= True

.PHONY: install run test scale-test e2e fuzz bench bench-phone load lint format migrate seed messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml uv.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

run: seed
	$(MANAGE) rebuild_match_keys
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/python scripts/foreground.py $(BIN)/honcho start -f Procfile.dev

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The path past one machine (README "Scaling out"): a streaming replica, PgBouncer in
# transaction mode, two web nodes and three workers; each test starts its own servers.
scale-test: install
	$(BIN)/pytest -m scale tests/scale $(PYTEST_ARGS)

# Browser journeys in Debian's Chromium (apt-get install chromium fonts-sil-padauk).
e2e: install
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Schemathesis against the running app on 127.0.0.1 with an admin and a trainer token.
fuzz: install
	bash scripts/fuzz.sh

# Speed and memory figures (see docs/performance.md); uses PostgreSQL when DATABASE_URL is set.
bench: install
	$(UV) sync --frozen --quiet --group bench
	$(MANAGE) migrate --noinput
	$(MANAGE) bench $(BENCH_ARGS)

# Weak signal on a phone (docs/performance.md): the portal as in production, Debian's Chromium
# at 390x844 on 400 kbit/s down, 200 kbit/s up, 400 ms round trip; its own database under
# var/bench-phone/ (PostgreSQL when DATABASE_URL is set), figures in var/bench-phone.json.
bench-phone: install
	$(BIN)/python scripts/bench_phone.py

# 80 users for 2 minutes on one web node, then on two web nodes with three Celery workers
# (docs/performance.md "80 concurrent users"); needs DATABASE_URL (PostgreSQL, seeded to
# 100,000 people when it has fewer) and REDIS_URL. LOADTEST_USERS/LOADTEST_TIME shorten it.
load: install
	$(UV) sync --frozen --quiet --group bench
	bash scripts/loadtest.sh

# Style, architecture (import-linter's contracts in pyproject.toml), security scan, and
# migrations that match the models.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -r -ll $$(ls -d config portal people programs reports devtools 2>/dev/null)
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(MANAGE) makemessages --locale my --ignore .venv --ignore var --ignore static
	$(MANAGE) compilemessages --locale my --ignore .venv

clean:
	rm -rf $(VENV) var
