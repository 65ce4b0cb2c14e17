import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "x" * 60 + "-a-long-random-production-secret",
    "ALLOWED_HOSTS": "portal.example.org",
    "FIELD_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE=",
}


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "DEVTOOLS",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "TIME_ZONE",
            "STATISTICS_TIME_ZONE",
            "EMAIL_URL",
            "FIELD_ENCRYPTION_KEYS",
        }
    }
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(ROOT / "var" / "test-settings"),
        }
    )
    base.update(env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, *args] if args else [sys.executable, "-c", code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


READ_BACK = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.TIME_ZONE, "
    "s.EMAIL_BACKEND, s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'], s.DEBUG, "
    "s.STATISTICS_TIME_ZONE)"
)


def test_settings_are_read_from_the_environment():
    result = run_python(
        READ_BACK,
        {
            "DEBUG": "True",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal_db",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "TIME_ZONE": "Asia/Kolkata",
            "STATISTICS_TIME_ZONE": "Asia/Bangkok",
            "EMAIL_URL": "smtp://mail.example.org:587",
        },
    )
    assert result.returncode == 0, result.stderr
    engine, name, time_zone, email_backend, broker, cache_backend, debug, statistics_zone = (
        result.stdout.split()
    )
    assert statistics_zone == "Asia/Bangkok"
    assert engine == "django.db.backends.postgresql"
    assert name == "portal_db"
    assert time_zone == "Asia/Kolkata"
    assert email_backend == "django.core.mail.backends.smtp.EmailBackend"
    assert broker == "redis://127.0.0.1:6379/3"
    # Redis, falling back to the database cache when it is unreachable (portal.cache).
    assert cache_backend == "portal.cache.ResilientRedisCache"
    assert debug == "True"


SCALING_READ_BACK = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'databases': s.DATABASES, 'routers': s.DATABASE_ROUTERS, "
    "'max_lag': s.REPLICA_MAX_LAG_SECONDS}, default=str))"
)


def test_replica_and_pgbouncer_settings_are_read_from_the_environment():
    result = run_python(
        SCALING_READ_BACK,
        {
            "DEBUG": "True",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:6432/portal_db",
            "REPLICA_DATABASE_URL": "postgres://postgres@10.0.0.2:5432/portal_db",
            "REPLICA_MAX_LAG_SECONDS": "7.5",
            "REPLICA_CONNECT_TIMEOUT": "2",
            "PGBOUNCER_TRANSACTION_MODE": "True",
        },
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    primary, replica = read["databases"]["default"], read["databases"]["replica"]
    assert (primary["PORT"], replica["HOST"]) == (6432, "10.0.0.2")
    for database in (primary, replica):
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["OPTIONS"]["prepare_threshold"] is None
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"]["MIRROR"] == "default"
    assert read["routers"] == ["portal.replica.ReplicaRouter"]
    assert read["max_lag"] == 7.5


def test_without_a_replica_or_pgbouncer_there_is_no_router_and_cursors_stay_on():
    result = run_python(
        SCALING_READ_BACK,
        {"DEBUG": "True", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal_db"},
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert list(read["databases"]) == ["default"]
    assert read["routers"] == []
    assert not read["databases"]["default"].get("DISABLE_SERVER_SIDE_CURSORS")
    assert "prepare_threshold" not in read["databases"]["default"].get("OPTIONS", {})


def test_defaults_need_no_server():
    result = run_python(READ_BACK, {"DEBUG": "True"})
    assert result.returncode == 0, result.stderr
    engine, name, time_zone, email_backend, broker, cache_backend, _, _ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("portal.sqlite3")
    assert time_zone == "Asia/Yangon"
    assert email_backend == "django.core.mail.backends.console.EmailBackend"
    assert broker == "filesystem://"
    assert cache_backend == "django.core.cache.backends.filebased.FileBasedCache"


DEVTOOLS_INSTALLED = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print('devtools' in s.INSTALLED_APPS)"
)


@pytest.mark.parametrize(
    ("env", "installed"),
    [
        ({"DEBUG": "True"}, "True"),
        (PRODUCTION_ENV, "False"),
        ({"DEBUG": "True", "DEVTOOLS": "False"}, "False"),
    ],
    ids=["development", "production", "turned-off"],
)
def test_devtools_is_installed_in_development_and_left_out_in_production(env, installed):
    result = run_python(DEVTOOLS_INSTALLED, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [installed]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"])
def test_production_start_refuses_without_required_values(missing):
    env = dict(PRODUCTION_ENV)
    env.pop(missing)
    result = run_python(READ_BACK, env)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert missing in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_python(
        "", PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    names = set(re.findall(r'env\.\w+\("([A-Z_]+)"', settings_source)) | set(
        re.findall(r'Env\(\)\.\w+\("([A-Z_]+)"', settings_source)
    )
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "EMAIL_URL",
        "TIME_ZONE",
    } <= names
    for name in names:
        assert f"{name}=" in example, f"{name} missing from .env.example"
        assert name in readme, f"{name} missing from README"


def test_caseload_no_contact_days_is_read_from_the_environment():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        "from django.conf import settings as s; print(s.CASELOAD_NO_CONTACT_DAYS)"
    )
    assert run_python(code, {"DEBUG": "True"}).stdout.split()[-1] == "30"
    result = run_python(code, {"DEBUG": "True", "CASELOAD_NO_CONTACT_DAYS": "21"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "21"
