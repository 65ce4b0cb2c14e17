"""The upload page of the people import and the page that follows its job; the work is done
in the background (`people.import_jobs`, `people.importing`)."""

import io
import re
from uuid import UUID

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from people import import_jobs
from people.import_duplicates import DECISIONS
from people.import_rows import COLUMNS, OPTIONAL_COLUMNS
from people.importing import MAX_DUPLICATE_LINES
from portal.access import require_roles
from portal.roles import STAFF_WITH_PERSON_DATA

EXTENSIONS = (".csv", ".xlsx")
DECISION_FIELD = re.compile(r"^decision_(\d{1,7})$")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run (validate only)"), required=False)
    # Sent by the report's form of decisions about likely duplicates (`decision_<line>`
    # fields, "skip" or "new"), with the SHA-256 of the file they were made on.
    decided_for = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        validators=[RegexValidator(r"^[0-9a-f]{64}$")],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The limit is the import's own (IMPORT_MAX_FILE_BYTES), shared with the command.
        self.fields["file"].help_text = _(
            "UTF-8 CSV, or the first sheet of an XLSX workbook; at most %(limit)s."
        ) % {"limit": filesizeformat(settings.IMPORT_MAX_FILE_BYTES)}

    def decisions(self) -> dict[int, str]:
        """line → "skip" or "new", from the `decision_<line>` fields (others are ignored)."""
        chosen = {}
        for name, value in self.data.items():
            match = DECISION_FIELD.match(name)
            if match and value in DECISIONS and len(chosen) < MAX_DUPLICATE_LINES:
                chosen[int(match[1])] = value
        return chosen

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        if upload.size > settings.IMPORT_MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IMPORT_MAX_FILE_BYTES),
                }
            )
        return upload


class InMemoryUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory, whatever its size: Django would write one over
    2.5 MB to a temporary file in plain text, and the file holds personal data that may
    reach the disk only encrypted. Bytes beyond the limit are counted, not kept, so that
    the form refuses the file with its size."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.content = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.IMPORT_MAX_FILE_BYTES + 1 - self.content.tell()
        if room > 0:
            self.content.write(raw_data[:room])

    def file_complete(self, file_size: int) -> UploadedFile:
        self.content.seek(0)
        return InMemoryUploadedFile(
            file=self.content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
@csrf_exempt  # only until the upload handler is set: `_upload` checks the CSRF token
def people_import(request: HttpRequest) -> HttpResponse:
    # Set before anything reads the request body (the CSRF check would).
    request.upload_handlers = [InMemoryUploadHandler(request)]
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_jobs.request_import(
            user=request.user,
            data=upload.read(),
            file_name=upload.name,
            dry_run=form.cleaned_data["dry_run"],
            decisions=form.decisions() if form.cleaned_data["decided_for"] else None,
            decided_for=form.cleaned_data["decided_for"],
        )
        return redirect("people:import_job", job_pk=job.pk)
    # Column names are typed in English whatever the page's language: marked as such.
    column = {
        name: format_html('<code lang="en" translate="no">{}</code>', name)
        for name in COLUMNS + OPTIONAL_COLUMNS
    }
    context = {"form": form, "columns": ",".join(COLUMNS), "column": column}
    return render(request, "people/import.html", context)


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def import_job(request: HttpRequest, job_pk: UUID) -> HttpResponse:
    """The job's progress while it runs (polled, see below), then its report."""
    job = import_jobs.get_job_for_user(request.user, job_pk)
    return render(request, "people/import_job.html", {"job": job})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def import_job_progress(request: HttpRequest, job_pk: UUID) -> HttpResponse:
    """The progress part of the job page, for htmx to poll every 2 seconds while the job is
    queued or running; once finished, the report replaces it and the polling stops."""
    job = import_jobs.get_job_for_user(request.user, job_pk)
    return render(request, "people/_import_progress.html", {"job": job})
