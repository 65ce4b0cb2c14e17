"""Request, follow and download person-level exports (admins only)."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal import auditing, exports, filter_state
from portal.access import require_roles
from portal.models import ExportJob
from portal.roles import ADMINS
from portal.scoping import get_object_for_user

EXPORT_TITLES = {"people": "People", "audit": "Audit log"}


def _own_job(request: HttpRequest, pk) -> ExportJob:
    # Only the admin who asked may follow and download an export.
    return get_object_for_user(
        request.user, ExportJob.objects.filter(requested_by=request.user), pk=pk
    )


@require_roles(ADMINS)
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in settings.EXPORTERS:
        raise Http404
    if kind == "people":
        # The people list keeps its filters in the session (they may hold names).
        params = dict(filter_state.recall(request, "people_filters").items())
    else:
        params = {key: value for key, value in request.GET.items() if key != "page" and value}
    if request.method == "POST":
        file_format = request.POST.get("file_format", "csv")
        if file_format not in ExportJob.Format.values:
            file_format = "csv"
        job = exports.request_export(
            user=request.user, kind=kind, params=params, file_format=file_format
        )
        return redirect("portal:export_detail", pk=job.pk)
    return render(
        request,
        "portal/export_new.html",
        {"kind": kind, "params": params, "formats": ExportJob.Format.choices},
    )


@require_roles(ADMINS)
@require_GET
def export_detail(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    password = ""
    if job.status == ExportJob.Status.DONE and job.password and job.password_shown_at is None:
        # Shown once: erased from the database as it is shown.
        password = job.password
        ExportJob.objects.filter(pk=job.pk).update(password="", password_shown_at=timezone.now())
    return render(request, "portal/export_detail.html", {"job": job, "password": password})


@require_roles(ADMINS)
@require_GET
def export_progress(request: HttpRequest, pk) -> HttpResponse:
    return render(request, "portal/_export_progress.html", {"job": _own_job(request, pk)})


@require_roles(ADMINS)
@require_GET
def export_download(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    path = exports.file_path(job)
    if job.status != ExportJob.Status.DONE or not path.exists():
        raise Http404
    auditing.record(
        auditing.Action.EXPORT, actor=request.user, obj=job, object_type=f"export.{job.kind}",
        changes={"downloaded": [None, job.file_name]},
    )  # fmt: skip
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name)


@require_roles(ADMINS)
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(requested_by=request.user)[:50]
    return render(request, "portal/export_list.html", {"jobs": jobs})
