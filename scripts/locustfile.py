"""Load test of the people list, the person page and the trainer's roster (run by
scripts/loadtest.sh, `make load`).

Case workers open the people list, search it with two filters (the filters are POSTed and
the list follows the redirect, as in the browser) and open a person from their list (the
link of a row: the person's id, as the list's own links have it); the demo trainer opens the
roster of the benchmark session (40 people) and saves it. Every user has a signed-in session
of its own, made by `manage.py bench_session` and passed in LOADTEST_SESSIONS (a JSON file).

LOADTEST_HOSTS (comma separated) spreads the users over several web nodes: each user keeps
one node, and the users of each kind are dealt to the nodes in turn, so that every node gets
its share of case workers and trainers. Without it every user talks to locust's --host.

Any response other than the expected status counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

with open(os.environ["LOADTEST_SESSIONS"], encoding="utf-8") as file:
    SETUP = json.load(file)

COOKIE = SETUP["cookie"]
CASE_WORKER_SESSIONS = itertools.cycle(SETUP["sessions"]["caseworker@demo.example"])
TRAINER_SESSIONS = itertools.cycle(SETUP["sessions"]["trainer@demo.example"])
ROSTER = f"/programs/sessions/{SETUP['roster_session']}/roster/"
PEOPLE = SETUP["roster_people"]
SEARCH = {"q": "kyaw", "status": "active", "exit_type": "defected"}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A row's link on the people list (restricted records link to their own opening page).
PERSON_LINK = re.compile(r'<a href="(/people/\d+/)">')
HOSTS = [host for host in os.environ.get("LOADTEST_HOSTS", "").split(",") if host]
# One turn of the nodes per kind of user (keyed by class name).
NODES: dict[str, itertools.cycle] = {}


# Seconds each user waits between two pages ("0.5,1.5" unless LOADTEST_WAIT says otherwise).
WAIT = [float(part) for part in os.environ.get("LOADTEST_WAIT", "0.5,1.5").split(",")]


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(WAIT[0], WAIT[-1])
    sessions = None

    def on_start(self) -> None:
        # The portal's cookies are Secure outside DEBUG; the load test speaks plain HTTP on
        # 127.0.0.1, so they are sent by hand.
        self.cookies = {COOKIE: next(self.sessions)}
        if HOSTS:
            nodes = NODES.setdefault(type(self).__name__, itertools.cycle(HOSTS))
            self.host = self.client.base_url = next(nodes)

    def page(self, path: str, name: str):
        with self.client.get(
            path, cookies=self.cookies, name=name, allow_redirects=False, catch_response=True
        ) as r:
            # Not followed: a redirect (to the sign-in page, say) is a failure.
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            self._keep_csrf(r)
            return r

    def send(self, path: str, data: dict, name: str, token: str | None):
        data = {**data, "csrfmiddlewaretoken": token or ""}
        headers = {"Referer": f"{self.host}{path}"}
        with self.client.post(
            path,
            data=data,
            cookies=self.cookies,
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"status {r.status_code}")
            return r

    def _keep_csrf(self, response) -> str | None:
        if "csrftoken" in response.cookies:
            self.cookies["csrftoken"] = response.cookies["csrftoken"]
        match = CSRF_INPUT.search(response.text)
        return match[1] if match else None


class CaseWorker(PortalUser):
    weight = 3
    sessions = CASE_WORKER_SESSIONS

    @task(1)
    def people_list(self) -> None:
        self.page("/people/", "people list")

    @task(2)
    def person_page(self) -> None:
        listing = self.page("/people/", "people list")
        if listing.status_code != 200:
            return
        links = PERSON_LINK.findall(listing.text)
        if not links:
            # A list without a person to open is a failure of this task, not a skipped one.
            self.environment.events.request.fire(
                request_type="GET",
                name="person page",
                response_time=0,
                response_length=0,
                exception=LookupError("no person on the list"),
                context={},
            )
            return
        self.page(random.choice(links), "person page")  # noqa: S311 - not a secret

    @task(1)
    def people_search(self) -> None:
        token = self._keep_csrf(self.page("/people/", "people list"))
        redirect = self.send("/people/", SEARCH, "people list: search (POST)", token)
        location = redirect.headers.get("Location")
        if location:
            self.page(location, "people list: search results")


class Trainer(PortalUser):
    weight = 1
    sessions = TRAINER_SESSIONS
    mark = "present"

    @task(1)
    def roster_page(self) -> None:
        self.page(ROSTER, "roster")

    @task(1)
    def roster_save(self) -> None:
        token = self._keep_csrf(self.page(ROSTER, "roster"))
        self.mark = "absent" if self.mark == "present" else "present"
        marks = {f"attendance-{pk}": self.mark for pk in PEOPLE}
        self.send(ROSTER, marks, "roster save (40 people)", token)
