"""Two web nodes and three Celery workers on one PostgreSQL and one Redis (README "Scaling
out"): imports, exports, report builds and roster saves sent at once over HTTP, to both
nodes; then every job ran exactly once and nothing was lost.

The processes are real: two gunicorn servers on their own ports, three `celery worker`
processes, a private redis-server (tests/private_redis.py) as broker and cache, and a fresh
database on the machine's PostgreSQL. Screens are driven with an admin's session cookie
(imports, exports and builds have no API), roster saves with trainers' API tokens.
"""

import json
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import combinations

import pytest
import requests

from tests.private_redis import REDIS_SERVER, PrivateRedis
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

DATABASE = "portal_scale_nodes"
BIN = os.path.dirname(PYTHON)
IMPORTS, ROWS, EXPORTS = 4, 25, 3
JOB_TASKS = re.compile(
    r"Task (people\.tasks\.run_import|portal\.tasks\.build_export|reports\.tasks\.run_build)"
    r"\[[0-9a-f-]+\] succeeded"
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SYLLABLES = ["Aung", "Kyaw", "Thein", "Zaw", "Hla", "Myint", "Naing", "Soe", "Htun", "Lwin"]
HEADER = (
    "case_number,full_name,preferred_name,name_my,sex,birth_year,exit_type,affiliation,"
    "exit_date,recruit_status,rank,origin_region,location,notes\n"
)


def psql(port: int, database: str, statement: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed programs and arguments
        [postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        + ["-d", database, "-tAX", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def probe(env, phase: str) -> dict:
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [PYTHON, "tests/scale/nodes_probe.py", phase],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def import_file(number: int) -> bytes:
    """ROWS new people with names no other file of the run uses: different syllables, as the
    matching ignores word order (issue 21)."""
    names = list(combinations(SYLLABLES, 3))[number * ROWS : (number + 1) * ROWS]
    lines = [
        f",{first} {middle} {last},{first},,male,{1980 + index % 20},,,,,,Yangon,MAE-SOT,\n"
        for index, (first, middle, last) in enumerate(names)
    ]
    return (HEADER + "".join(lines)).encode()


class Processes:
    def __init__(self, directory) -> None:
        self.directory = directory
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - fixed programs and arguments
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        process.log = log
        self.running.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text()

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log.close()


def wait_for(condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster():
    require(REDIS_SERVER is not None, "needs redis-server")
    database_url = os.environ.get("DATABASE_URL", "")
    require(database_url.startswith("postgres"), "needs DATABASE_URL pointing at PostgreSQL")
    host_port = int(database_url.split("@", 1)[1].split("/", 1)[0].split(":")[1] or 5432)
    psql(host_port, "postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(host_port, "postgres", f"CREATE DATABASE {DATABASE}")
    redis = PrivateRedis()
    directory = scratch_dir("nodes")
    processes = Processes(directory)
    env = portal_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{host_port}/{DATABASE}",
        REDIS_URL=redis.url,
        VAR_DIR=str(directory / "var"),
    )
    try:
        manage(env, "migrate", "--noinput")
        seed = probe(env, "seed")
        for number in range(3):
            processes.start(
                f"worker{number}",
                [f"{BIN}/celery", "-A", "config", "worker", "--loglevel=INFO", "--pool=solo"]
                + [f"--hostname=worker{number}@scale", "--without-gossip", "--without-mingle"],
                env,
            )
        ports = [free_port(), None]
        ports[1] = free_port({ports[0]})
        for number, port in enumerate(ports):
            processes.start(
                f"web{number}",
                [f"{BIN}/gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "1", "--threads", "4", "--timeout", "120"],
                env,
            )
        for port in ports:
            wait_for_port(port, timeout=120)
        for number in range(3):
            wait_for(lambda n=number: " ready." in processes.log(f"worker{n}"), "worker ready")
        yield {"env": env, "seed": seed, "ports": ports, "processes": processes, "db": host_port}
    finally:
        processes.stop()
        redis.stop()
        shutil.rmtree(directory, ignore_errors=True)
        psql(host_port, "postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def admin_session(seed: dict, base: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("sessionid", seed["admin_cookie"])
    return session


def post_form(seed: dict, base: str, form_path: str, post_path: str, **kwargs) -> int:
    """GET the screen (its CSRF token), then POST it as the browser would."""
    session = admin_session(seed, base)
    page = session.get(base + form_path, timeout=60)
    assert page.status_code == 200, (form_path, page.status_code)
    token = CSRF.search(page.text)[1]
    data = {"csrfmiddlewaretoken": token, **kwargs.pop("data", {})}
    answer = session.post(
        base + post_path,
        data=data,
        headers={"Referer": base + form_path},
        allow_redirects=False,
        timeout=60,
        **kwargs,
    )
    return answer.status_code


def save_roster(seed: dict, base: str, number: int, key: str) -> int:
    roster = seed["sessions"][number]
    answer = requests.post(
        f"{base}/api/v1/sessions/{roster['id']}/attendance/",
        json={"marks": {str(person): "present" for person in roster["people"]}},
        headers={"Authorization": f"Token {seed['tokens'][number]}", "Idempotency-Key": key},
        timeout=60,
    )
    return answer.status_code


@pytest.fixture(scope="module")
def outcome(cluster):
    seed, ports = cluster["seed"], cluster["ports"]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    year, month = date.today().year, date.today().strftime("%Y-%m")
    calls = []
    for number in range(IMPORTS):
        calls.append(
            lambda n=number: post_form(
                seed,
                bases[n % 2],
                "/people/import/",
                "/people/import/",
                files={"file": (f"people-{n}.csv", import_file(n), "text/csv")},
            )
        )
    for number in range(EXPORTS):
        calls.append(
            lambda n=number: post_form(
                seed,
                bases[n % 2],
                "/exports/new/people/",
                "/exports/new/people/",
                data={"file_format": "csv"},
            )
        )
    for number, path in enumerate((f"annual/{year}", f"annual/{year}", f"monthly/{month}")):
        calls.append(
            lambda n=number, p=path: post_form(
                seed, bases[n % 2], "/reports/", f"/reports/{p}/rebuild/"
            )
        )
    for number in range(len(seed["sessions"])):
        calls.append(lambda n=number: save_roster(seed, bases[n % 2], n, f"roster-save-{n}"))
    # The answer to the first save was "lost": the phone sends it again, to the other node.
    calls.append(lambda: save_roster(seed, bases[1], 0, "roster-save-0"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda call: call(), calls))

    def all_finished() -> bool:
        pending = psql(
            cluster["db"],
            DATABASE,
            "SELECT (SELECT count(*) FROM people_importjob WHERE status IN ('queued', 'running'))"
            " + (SELECT count(*) FROM portal_exportjob WHERE status IN ('queued', 'running'))"
            " + (SELECT count(*) FROM reports_reportbuild WHERE status IN ('queued', 'running'))",
        )
        return pending == "0"

    wait_for(all_finished, "every job finished", timeout=180)
    processes = cluster["processes"]
    return {
        "statuses": statuses,
        "check": probe(cluster["env"], "check"),
        "succeeded": {
            f"worker{n}": len(JOB_TASKS.findall(processes.log(f"worker{n}"))) for n in range(3)
        },
        "seed": seed,
    }


def test_every_request_was_accepted_on_both_nodes(outcome):
    # Imports, exports and builds redirect to their job's page; roster saves answer 200,
    # the repeated one with the first answer.
    assert outcome["statuses"] == [302] * (IMPORTS + EXPORTS + 3) + [200] * 5


def test_every_import_ran_once_and_no_person_was_lost(outcome):
    check = outcome["check"]
    assert [(job["status"], job["attempts"], job["rows_done"]) for job in check["imports"]] == [
        ("done", 1, ROWS)
    ] * IMPORTS
    assert check["people"] == outcome["seed"]["people"] + IMPORTS * ROWS
    # One audit row per import, with its row count.
    assert check["audit"]["imported_rows"] == [ROWS] * IMPORTS


def test_every_export_ran_once_and_left_its_file(outcome):
    check = outcome["check"]
    assert [(job["status"], job["attempts"]) for job in check["exports"]] == [("done", 1)] * EXPORTS
    assert all(job["rows_done"] >= outcome["seed"]["people"] for job in check["exports"])
    assert check["export_files"] == sorted(f"{pk}.zip" for pk in check["export_ids"])


def test_every_report_build_ran_once_and_versions_are_not_duplicated(outcome):
    check = outcome["check"]
    assert sorted((b["status"], b["attempts"], b["kind"]) for b in check["builds"]) == [
        ("done", 1, "annual"),
        ("done", 1, "annual"),
        ("done", 1, "monthly"),
    ]
    assert check["audit"]["build_requested"] == 3
    versions = sorted(tuple(version) for version in check["versions"])
    # Numbered 1, 2, ... per report: two builds at once never make the same number twice.
    for kind in ("annual", "monthly"):
        numbers = [number for k, _, number in versions if k == kind]
        assert numbers == list(range(1, len(numbers) + 1)), versions
        assert numbers


def test_every_roster_save_was_applied_once(outcome):
    check, sessions = outcome["check"], outcome["seed"]["sessions"]
    expected = sorted(
        [roster["id"], person, "present"] for roster in sessions for person in roster["people"]
    )
    assert sorted(check["attendance"]) == expected
    # The repeated save (same Idempotency-Key, other node) was answered, not applied again.
    assert check["idempotent_requests"] == len(sessions)
    assert check["audit"]["attendance"] == len(expected)


def test_the_jobs_were_shared_by_the_workers_and_each_message_ran_once(outcome):
    succeeded = outcome["succeeded"]
    assert sum(succeeded.values()) == IMPORTS + EXPORTS + 3, succeeded
    assert sum(1 for count in succeeded.values() if count) >= 2, succeeded
