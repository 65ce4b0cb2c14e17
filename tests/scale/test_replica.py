"""The read replica, on a real PostgreSQL streaming replica (README "Scaling out").

The test starts a private primary (`initdb`, wal_level=replica) and a streaming replica of
it (`pg_basebackup -R -X stream`, `pg_ctl`), migrates a portal database on the primary, and
runs `replica_probe.py` in a portal process with REPLICA_DATABASE_URL set. A private
primary, because the machine's shared server allows no replication connections (no
`replication` line in its pg_hba.conf) and must not be reconfigured or restarted.
"""

import json
import subprocess

import pytest

from tests.scale.services import PYTHON, ROOT, PostgresServer, manage, portal_env, postgres_bin
from tests.scale.services import require as require_tool

pytestmark = pytest.mark.scale

DATABASE = "portal_scale_replica"


@pytest.fixture(scope="module")
def servers():
    for program in ("initdb", "pg_ctl", "pg_basebackup"):
        require_tool(postgres_bin(program) is not None, f"needs PostgreSQL's {program}")
    primary = PostgresServer.primary()
    replica = None
    try:
        primary.sql(f"CREATE DATABASE {DATABASE}")
        replica = primary.replica()
        env = portal_env(
            DATABASE_URL=primary.url(DATABASE),
            REPLICA_DATABASE_URL=replica.url(DATABASE),
            CELERY_TASK_ALWAYS_EAGER="True",
            VAR_DIR=str(primary.data_dir.parent / "var"),
        )
        manage(env, "migrate", "--noinput")
        yield primary, replica, env
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


def probe(env, phase: str) -> dict:
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [PYTHON, "tests/scale/replica_probe.py", phase],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def people_tables(tables: list[str]) -> set[str]:
    return {table for table in tables if table.startswith("people_")}


@pytest.fixture(scope="module")
def routed(servers):
    return probe(servers[2], "routed")


def test_the_replica_connection_is_the_standby_on_its_own_port(servers, routed):
    _, replica, _ = servers
    assert routed["replica_port"] == replica.port
    assert routed["in_recovery"] is True


def test_a_report_build_reads_its_figures_from_the_replica(routed):
    build = routed["build"]
    # Its sections are computed on threads of their own, each with its connections: all of
    # them read the replica.
    assert build["threads"] >= 1, build
    assert people_tables(build["replica"]), build
    assert not people_tables(build["default"]), build
    # The version is written on the primary: its report row is locked and read there.
    assert "reports_report" in build["default"]


def test_an_export_reads_its_rows_from_the_replica_and_completes(routed):
    export = routed["export"]
    assert "people_person" in export["replica"], export
    assert not people_tables(export["default"]), export
    assert routed["export_status"] == "done"
    assert routed["export_rows"] == 12


def test_the_analysts_dashboard_reads_the_replica_and_the_admins_the_primary(routed):
    analyst, admin = routed["dashboard"]["analyst"], routed["dashboard"]["admin"]
    assert analyst["status"] == admin["status"] == 200
    assert "reports_reportversion" in analyst["reads"]["replica"]
    assert "reports_reportversion" not in analyst["reads"]["default"]
    assert "reports_reportversion" in admin["reads"]["default"]
    assert not admin["reads"]["replica"]


@pytest.fixture(scope="module")
def lagging(servers, routed):
    return probe(servers[2], "lagging")


@pytest.fixture(scope="module")
def missing(servers, routed, lagging):
    """Last, whatever the order of the tests: the replica is stopped."""
    _, replica, env = servers
    replica.stop()
    return probe(env, "missing")


def test_a_replica_behind_the_limit_is_passed_over_for_the_primary(lagging):
    assert people_tables(lagging["over_limit"]["default"])
    assert not people_tables(lagging["over_limit"]["replica"])
    # The same lag under a generous limit: the replica is still used.
    assert people_tables(lagging["under_limit"]["replica"])
    assert not people_tables(lagging["under_limit"]["default"])
    assert any("behind" in line and "report build" in line for line in lagging["log"])


def test_a_missing_replica_is_passed_over_for_the_primary(missing):
    assert people_tables(missing["build"]["default"])
    assert not missing["build"]["replica"]
    assert missing["log"] == ["replica unreachable: report build reads from the primary"]
