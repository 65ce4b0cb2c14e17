"""A canary name is pushed through the main flows; it must never reach a log line or a URL."""

import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import Person

CANARY = "Zzyzxcanary Qwertyname"
CANARY_MY = "ကျော်ဇော်ဇော်"


def test_canary_never_appears_in_logs_or_urls(
    client,
    signed_in,
    admin_user,
    case_worker_mae_sot,
    mae_sot,
    caplog,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    settings.VAR_DIR = tmp_path  # the import's file waits there for its task
    visited = []

    def go(response):
        visited.append(response.get("Location", ""))
        return response

    signed_in(case_worker_mae_sot)
    data = {"full_name": CANARY, "name_my": CANARY_MY, "sex": "male", "birth_year": "1999", "status": "intake",
            "dependants": "0", "location": mae_sot.pk, "phone": "0899999999"}  # fmt: skip
    go(client.post(reverse("people:create"), data))
    person = Person.objects.get(full_name=CANARY)
    go(client.post(reverse("people:create"), {**data, "birth_year": "1800"}))  # a form error
    go(client.post(reverse("people:list"), {"q": CANARY}))  # a search
    go(client.get(reverse("people:detail", args=[person.pk])))
    go(client.post(reverse("people:note_add", args=[person.pk]), {"text": f"Met {CANARY}"}))
    go(client.get(reverse("people:detail", args=[999999])))  # a 404
    upload = ("case_number,full_name,preferred_name,name_my,sex,birth_year,exit_type,affiliation,exit_date,"
              f"recruit_status,rank,origin_region,location,notes\n,{CANARY},,,male,1700,,,,,,,MAE-SOT,\n")  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):  # the import task runs
        job_page = go(
            client.post(
                reverse("people:import"),
                {"file": SimpleUploadedFile(f"{CANARY}.csv", upload.encode())},
            )
        )["Location"]
    assert "Nothing was imported." in go(client.get(job_page)).content.decode()  # line 2: 1700
    signed_in(admin_user)
    go(client.post(reverse("people:list"), {"q": CANARY}))
    go(client.get(reverse("portal:audit_list")))

    logged = "\n".join(record.getMessage() + str(record.args or "") for record in caplog.records)
    assert CANARY not in logged and CANARY_MY not in logged and "0899999999" not in logged
    assert not any(CANARY.split()[0] in url for url in visited)
    assert str(person) == person.case_number  # model strings used in logs and admin history
