"""The service worker of offline attendance (issue 10), served by `programs.offline`."""

import io
import json

import pytest
from django.urls import reverse

from portal.access import PUBLIC
from programs import offline
from programs.models import Enrolment
from tests.programs.factories import PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db

WORKER_URL = "/programs/sw.js"


def config_of(body: str) -> dict:
    first_line = body.split("\n", 1)[0]
    assert first_line.startswith("self.OFFLINE_SW = ") and first_line.endswith(";")
    return json.loads(first_line.removeprefix("self.OFFLINE_SW = ").removesuffix(";"))


def test_the_worker_is_served_from_the_programs_root_so_its_scope_covers_the_rosters(client):
    assert reverse("programs:offline_sw") == WORKER_URL
    response = client.get(WORKER_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    # No Service-Worker-Allowed needed: the roster and "My sessions" are under /programs/.
    config = config_of(response.content.decode())
    assert config["scope"] == "/programs/"
    assert config["mySessions"].startswith(config["scope"])
    assert config["roster"].startswith(config["scope"]) and "{id}" in config["roster"]


def test_the_worker_is_the_static_file_with_its_addresses(client):
    body = client.get(WORKER_URL).content.decode()
    config = config_of(body)
    source = open(offline.finders.find(offline.WORKER_SOURCE), encoding="utf-8").read()
    assert body.endswith(source)
    assert config["store"].startswith("/static/") and config["store"].endswith(".js")
    assert client.get(config["store"]).status_code == 200
    assert config["mine"] == "/api/v1/sessions/mine/"
    assert config["attendance"] == "/api/v1/sessions/{id}/attendance/"


@pytest.fixture
def production_static_files(settings, tmp_path):
    """The manifest storage of production, with a manifest as collectstatic writes it."""
    manifest = {"version": "1.1", "hash": "0", "paths": {offline.QUEUE_SCRIPT: "programs/q.1.js"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }


def test_the_worker_is_served_with_the_manifest_storage_of_production(
    client, production_static_files
):
    response = client.get(WORKER_URL)
    assert response.status_code == 200
    config = config_of(response.content.decode())
    assert config["store"] == "/static/programs/q.1.js"
    assert config["staticUrl"] == "/static/"


def test_the_worker_holds_nothing_about_the_user_or_people(client, signed_in, trainer, mae_sot):
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    person = PersonFactory(location=mae_sot, preferred_name="Ko Offline", case_number="MS-25-09999")
    Enrolment.objects.create(session=session, person=person, enrolled_by=trainer)
    anonymous = client.get(WORKER_URL).content
    signed_in(trainer)
    response = client.get(WORKER_URL)
    assert response.status_code == 200
    # Signed-in answers are never stored by the browser's HTTP cache (SecurityHeadersMiddleware).
    assert response["Cache-Control"] in ("no-cache", "no-store")
    body = response.content.decode()
    assert response.content == anonymous
    for personal in (person.preferred_name, person.case_number, trainer.email, session.course.name):
        assert personal not in body


def test_the_worker_is_public_and_read_only(client):
    assert offline.service_worker.access_rule == PUBLIC
    assert client.post(WORKER_URL).status_code == 405
    assert client.head(WORKER_URL).status_code == 200


def test_missing_worker_source_answers_404(client, monkeypatch):
    monkeypatch.setattr(offline.finders, "find", lambda path: None)
    monkeypatch.setattr(offline.staticfiles_storage, "exists", lambda path: False)
    assert client.get(WORKER_URL).status_code == 404


def test_the_worker_is_read_from_the_collected_static_files_without_the_source_tree(
    client, monkeypatch
):
    monkeypatch.setattr(offline.finders, "find", lambda path: None)
    monkeypatch.setattr(offline.staticfiles_storage, "exists", lambda path: True)
    monkeypatch.setattr(
        offline.staticfiles_storage, "open", lambda path: io.BytesIO(b"// collected worker\n")
    )
    body = client.get(WORKER_URL).content.decode()
    assert body.startswith("self.OFFLINE_SW = ") and body.endswith("// collected worker\n")
