"""The upload page of the people import; the work is done by `people.importing`."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from people import importing
from people.import_rows import COLUMNS
from portal.access import require_roles
from portal.roles import STAFF_WITH_PERSON_DATA

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy("UTF-8 CSV, or the first sheet of an XLSX workbook; at most 20 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run (validate only)"), required=False)

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is 20 MB.")
                % {"size": filesizeformat(upload.size)}
            )
        return upload


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importing.import_people(
            upload.read(),
            filename=upload.name,
            user=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
    context = {"form": form, "report": report, "columns": ",".join(COLUMNS)}
    return render(request, "people/import.html", context)
