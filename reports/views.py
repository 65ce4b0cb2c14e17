"""The statistics dashboard (admins and analysts), report downloads and rebuilds (admins)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import auditing
from portal.access import require_roles
from portal.roles import ADMINS, STATISTICS_READERS, Role
from reports import disclosure, exporting, headline, selectors, services
from reports.forms import PeriodForm
from reports.models import Report
from reports.periods import PeriodError, parse
from reports.templatetags.report_tags import label

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def period_label(kind: str, period: str) -> str:
    if kind == Report.Kind.SINCE_1027:
        return _("Since 27 October 2023")
    return _("In %(period)s") % {"period": period}


@require_roles(STATISTICS_READERS)
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        return redirect("reports:dashboard", kind=period.kind, period=period.key)
    reports = selectors.reports_for(request.user)[:36]
    return render(request, "reports/index.html", {"form": form, "reports": reports})


@require_roles(STATISTICS_READERS)
@require_GET
def dashboard(request: HttpRequest, kind: str, period: str) -> HttpResponse:
    try:
        parsed = parse(kind, period if kind != "since_1027" else "")
    except (PeriodError, ValueError) as error:  # e.g. year 0000
        raise Http404 from error
    report = Report.objects.filter(kind=kind, period=parsed.key).first()
    if report is None:
        return render(
            request,
            "reports/missing.html",
            {"kind": kind, "period": parsed.key, "can_build": request.user.role == Role.ADMIN},
            status=404,
        )
    report = selectors.report_for(request.user, kind, parsed.key)
    data, suppressed = selectors.shown_data(request.user, report)
    previous = parsed.previous()
    previous_report = (
        Report.objects.filter(kind=kind, period=previous.key).first() if previous else None
    )
    previous_data = (
        selectors.shown_data(request.user, previous_report)[0] if previous_report else None
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "report": report,
            "data": data,
            "suppressed": suppressed,
            "protection_note": disclosure.method_note() if suppressed else "",
            "headline": headline.sentence(data, period_label(kind, parsed.key)),
            "previous": previous_report,
            "previous_data": previous_data,
            "is_admin": request.user.role == Role.ADMIN,
            "chart_data": chart_data(data),
        },
    )


def chart_data(data: dict) -> dict:
    """The series the dashboard's charts draw, from the data the reader may see
    (`selectors.shown_data`: for analysts, as published by `reports.disclosure`)."""

    def number(value):
        return value if isinstance(value, int | float) else None  # a withheld figure

    months = [m for m in data["by_month"] if m != "total"]
    training = data.get("training", {}).get("by_month", {})
    assistance = data.get("assistance", {}).get("by_type", {})
    return {
        "months": months,
        "exits_by_month": {
            t: [number(data["by_month"][m][t]) for m in months]
            for t in ("defected", "surrendered", "pow")
        },
        "recruits": {k: number(v) for k, v in data["recruits"]["by_recruit_status"].items()},
        "by_site": {
            site: number(row["total"]) for site, row in data["by_site"].items() if site != "total"
        },
        "attendance": {
            "months": list(training),
            "attendees_per_session": [
                row.get("attendees_per_session") for row in training.values()
            ],
        },
        "assistance": {name: number(row["distributions"]) for name, row in assistance.items()},
        # Series names in the page's language (the script has no strings of its own).
        "labels": {
            "defected": _("Defected"),
            "surrendered": _("Surrendered"),
            "pow": _("Prisoners of war"),
            "exits": _("Exits"),
            "attendees_per_session": _("Attendees per session"),
            "distributions": _("Distributions"),
            **{key: str(label(key)) for key in data["recruits"]["by_recruit_status"]},
        },
    }


@require_roles(STATISTICS_READERS)
@require_GET
def download(request: HttpRequest, kind: str, period: str, file_format: str) -> HttpResponse:
    if file_format not in CONTENT_TYPES:
        raise Http404
    report = selectors.report_for(request.user, kind, period)
    publication = request.GET.get("publication") == "1"
    data, suppressed = selectors.shown_data(request.user, report, publication=publication)
    note = disclosure.method_note() if suppressed else None
    if file_format == "csv":
        content = exporting.to_csv(data, note)
    elif file_format == "xlsx":
        content = exporting.to_xlsx(data, note)
    else:
        label = period_label(kind, report.period)
        content = exporting.to_pdf(
            data,
            _("Statistics: %(label)s") % {"label": label},
            headline.sentence(data, label),
            note,
        )
    auditing.record(
        auditing.Action.EXPORT,
        actor=request.user,
        obj=report,
        changes={"format": [None, file_format], "exact": [None, not suppressed]},
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    suffix = "" if suppressed else "-exact"
    response["Content-Disposition"] = (
        f'attachment; filename="report-{kind}-{report.period}{suffix}.{file_format}"'
    )
    return response


@require_roles(ADMINS)
@require_POST
def rebuild(request: HttpRequest, kind: str, period: str) -> HttpResponse:
    try:
        build = services.request_build(
            kind, period if kind != "since_1027" else "", by=request.user
        )
    except PeriodError as error:
        messages.error(request, str(error))
        return redirect("reports:index")
    return redirect("reports:build", pk=build.pk)


@require_roles(ADMINS)
@require_GET
def build_status(request: HttpRequest, pk: int) -> HttpResponse:
    build = selectors.build_for(request.user, pk)
    template = (
        "reports/_build_status.html" if request.headers.get("HX-Request") else "reports/build.html"
    )
    return render(request, template, {"build": build})
