"""The portal behind PgBouncer in transaction mode (README "Scaling out").

Starts a private pgbouncer (pool_mode = transaction, a pool of 2 server connections) in
front of the machine's PostgreSQL, migrates a fresh database through it with
PGBOUNCER_TRANSACTION_MODE=True, and runs `pgbouncer_probe.py` through it: requests, ORM
writes, a streamed iterator, a Celery-eager export and threads sharing the small pool.
PgBouncer's own statistics then show the traffic went through it.
"""

import json
import os
import shutil
import subprocess

import pytest

from tests.scale.services import (
    PYTHON,
    ROOT,
    free_port,
    manage,
    portal_env,
    postgres_bin,
    require,
    scratch_dir,
    wait_for_port,
)

pytestmark = pytest.mark.scale

DATABASE = "portal_scale_pgbouncer"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def psql(port: int, database: str, statement: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed programs and arguments
        [postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        + ["-d", database, "-tAX", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def pgbouncer():
    require(os.path.exists(PGBOUNCER), "needs pgbouncer (apt-get install pgbouncer)")
    database_url = os.environ.get("DATABASE_URL", "")
    require(database_url.startswith("postgres"), "needs DATABASE_URL pointing at PostgreSQL")
    host_port = int(database_url.split("@", 1)[1].split("/", 1)[0].split(":")[1] or 5432)
    psql(host_port, "postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(host_port, "postgres", f"CREATE DATABASE {DATABASE}")
    directory = scratch_dir("pgbouncer")
    port = free_port()
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{DATABASE} = host=127.0.0.1 port={host_port} dbname={DATABASE}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'userlist.txt'}\n"
        "admin_users = postgres\npool_mode = transaction\n"
        "default_pool_size = 2\nmax_client_conn = 100\n"
        f"logfile = {directory / 'pgbouncer.log'}\n"
    )
    if os.geteuid() == 0:
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(directory / name, "postgres", "postgres")
    process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
        [PGBOUNCER, str(directory / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **({"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}),
    )
    try:
        wait_for_port(port, process=process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
        # WITH (FORCE): the pool's server connections may still be closing.
        psql(host_port, "postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


@pytest.fixture(scope="module")
def through_pgbouncer(pgbouncer):
    env = portal_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{pgbouncer}/{DATABASE}",
        PGBOUNCER_TRANSACTION_MODE="True",
        CELERY_TASK_ALWAYS_EAGER="True",
        VAR_DIR=str(scratch_dir("pgbouncer-var")),
    )
    manage(env, "migrate", "--noinput")
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [PYTHON, "tests/scale/pgbouncer_probe.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    shutil.rmtree(env["VAR_DIR"], ignore_errors=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_settings_turn_off_prepared_statements_and_server_side_cursors(through_pgbouncer):
    assert through_pgbouncer["prepare_threshold"] is None
    assert through_pgbouncer["server_side_cursors_disabled"] is True


def test_pages_writes_and_a_streamed_read_work_through_pgbouncer(through_pgbouncer):
    assert through_pgbouncer["pages"] == {"people list": 200, "person": 200, "exports": 200}
    assert through_pgbouncer["version_after_save"] == 2
    assert through_pgbouncer["streamed"] == 20


def test_a_celery_eager_export_job_runs_through_pgbouncer(through_pgbouncer):
    assert through_pgbouncer["export_status"] == "done"
    assert through_pgbouncer["export_rows"] == 20
    assert through_pgbouncer["exports"] == 1


def test_threads_sharing_a_small_pool_repeat_queries_without_errors(through_pgbouncer):
    assert through_pgbouncer["thread_errors"] == []


def test_the_traffic_went_through_pgbouncer_in_transaction_mode(pgbouncer, through_pgbouncer):
    pools = psql(pgbouncer, "pgbouncer", "SHOW POOLS")
    assert any(
        line.startswith(f"{DATABASE}|postgres|") and line.endswith("|transaction")
        for line in pools.splitlines()
    ), pools
    stats = {
        line.split("|")[0]: line.split("|")
        for line in psql(pgbouncer, "pgbouncer", "SHOW STATS").splitlines()
    }
    # total_xact_count: migrations, requests and the job: thousands of transactions.
    assert int(stats[DATABASE][1]) > 500
