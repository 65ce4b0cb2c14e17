"""The statistics screens: the dashboard of a report's released version (admins and
analysts), its versions, the review and approval of a new version (admins), downloads,
rebuilds and build progress (admins)."""

from contextlib import nullcontext
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import auditing, replica
from portal.access import require_roles
from portal.roles import ADMINS, STATISTICS_READERS, Role
from reports import changes, disclosure, exporting, headline, selectors, services
from reports.formatting import MONTH_KEY, period_name, period_phrase
from reports.forms import PeriodForm
from reports.models import Report, ReportVersion
from reports.periods import Period, PeriodError, parse
from reports.templatetags.report_tags import label

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _period(kind: str, period: str) -> Period:
    try:
        return parse(kind, period if kind != Report.Kind.SINCE_1027 else "")
    except (PeriodError, ValueError) as error:  # e.g. year 0000
        raise Http404 from error


def _not_released(request: HttpRequest, parsed: Period, *, download: bool = False):
    """404 with a page that says why: no version of this period has been released."""
    is_admin = request.user.role == Role.ADMIN
    report = Report.objects.filter(kind=parsed.kind, period=parsed.key).first()
    pending = (
        selectors.pending_versions(request.user).filter(report=report).first()
        if is_admin and report
        else None
    )
    return render(
        request,
        "reports/not_released.html",
        {
            "kind": parsed.kind,
            "period": parsed.key,
            "period_name": period_name(parsed.kind, parsed.key),
            "built": report is not None,
            "pending": pending,
            "download": download,
            "can_build": is_admin,
            "failed": selectors.failed_builds(request.user)
            .filter(kind=parsed.kind, period=parsed.key)
            .first(),
        },
        status=404,
    )


@require_roles(STATISTICS_READERS)
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        return redirect("reports:dashboard", kind=period.kind, period=period.key)
    context = {
        "form": form,
        "reports": selectors.reports_for(request.user)[:36],
        "pending": selectors.pending_versions(request.user)[:20],
        "failed": selectors.failed_builds(request.user)[:10],
        "is_admin": request.user.role == Role.ADMIN,
    }
    return render(request, "reports/index.html", context)


@require_roles(STATISTICS_READERS)
@require_GET
def dashboard(request: HttpRequest, kind: str, period: str) -> HttpResponse:
    """The released version of a period: what analysts and publication get."""
    parsed = _period(kind, period)
    # Analysts only read released reports: from the replica when there is one. Admins read
    # the primary, so the version they have just approved is the one they see.
    reading = (
        replica.reading_from_replica("dashboard")
        if request.user.role == Role.ANALYST
        else nullcontext()
    )
    with reading:
        # The release shown and the one before it (what its change note compares with).
        latest = list(selectors.releases(request.user, kind, parsed.key)[:2])
        if not latest:
            return _not_released(request, parsed)
        return _report_page(request, parsed, latest[0], latest[1] if len(latest) > 1 else None)


@require_roles(STATISTICS_READERS)
@require_GET
def version(request: HttpRequest, kind: str, period: str, number: int) -> HttpResponse:
    """One version: for admins the review of a new version (exact figures, what changed,
    approve); analysts reach released versions only, as released."""
    parsed = _period(kind, period)
    shown = selectors.version_for(request.user, kind, parsed.key, number)
    earlier_release = selectors.previous_release(request.user, shown)
    return _report_page(request, parsed, shown, earlier_release, review=True)


def _report_page(
    request: HttpRequest,
    parsed: Period,
    version: ReportVersion,
    earlier_release: ReportVersion | None,
    review: bool = False,
) -> HttpResponse:
    user = request.user
    is_admin = user.role == Role.ADMIN
    data, suppressed = selectors.shown_data(user, version)
    if not suppressed:
        # Exact figures can single out a small group: every view of them is audited.
        auditing.record(
            auditing.Action.VIEW,
            actor=user,
            obj=version.report,
            changes={"version": [None, version.number], "exact": [None, True]},
        )
    previous_period = parsed.previous()
    previous = (
        selectors.released_version(user, parsed.kind, previous_period.key)
        if previous_period
        else None
    )
    previous_data = selectors.shown_data(user, previous)[0] if previous else None
    change_lines = changes.describe(
        selectors.shown_data(user, earlier_release)[0] if earlier_release else None,
        data,
        _("the period since 27 October 2023")
        if parsed.kind == Report.Kind.SINCE_1027
        else period_name(parsed.kind, parsed.key),
    )
    # Admins: is there a newer version (awaiting approval, or making this one outdated)?
    newest = (
        version.report.versions.defer("data").order_by("-number").first() if is_admin else version
    )
    safe_homes = data.get("safe_homes") or {}
    return render(
        request,
        "reports/dashboard.html",
        {
            "report": version.report,
            "version": version,
            "review": review,
            "earlier_release": earlier_release,
            "change_lines": change_lines,
            "can_approve": is_admin
            and version.status == ReportVersion.Status.PENDING
            and version.number == newest.number,
            "newer_exists": version.number != newest.number,
            "pending": newest
            if is_admin and newest.status == ReportVersion.Status.PENDING and newest != version
            else None,
            "protection_note": disclosure.method_note() if suppressed else "",
            "assistance_sentence": headline.assistance_sentence(data.get("assistance") or {}),
            "safe_homes_sentence": headline.safe_homes_sentence(
                safe_homes, _localised_date(safe_homes.get("date"))
            ),
            "data": data,
            "suppressed": suppressed,
            "headline": headline.sentence(data, period_phrase(parsed.kind, parsed.key)),
            "period_name": period_name(parsed.kind, parsed.key),
            "previous": previous,
            "previous_data": previous_data,
            "is_admin": is_admin,
            "chart_data": chart_data(data),
        },
    )


def _localised_date(value: str | None) -> str:
    try:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return value or ""


def _month_axis_label(key: str) -> str:
    match = MONTH_KEY.fullmatch(key)
    if not match:
        return key
    return date_format(date(int(match[1]), int(match[2]), 1), "N Y")


def _has_figures(values) -> bool:
    return any(isinstance(v, int | float) and not isinstance(v, bool) and v for v in values)


def chart_data(data: dict) -> dict:
    """The series the dashboard's charts draw (from the figures the user may see), and which
    charts have something to draw (`drawn`): a chart without data is not drawn at all."""

    def number(value):
        return value if isinstance(value, int | float) else None  # a withheld figure

    months = [m for m in data["by_month"] if m != "total"]
    training = data.get("training", {}).get("by_month", {})
    assistance = data.get("assistance", {}).get("by_type", {})
    series = {
        "months": [_month_axis_label(m) for m in months],
        "exits_by_month": {
            t: [number(data["by_month"][m][t]) for m in months]
            for t in ("defected", "surrendered", "pow")
        },
        "recruits": {k: number(v) for k, v in data["recruits"]["by_recruit_status"].items()},
        "by_site": {
            site: number(row["total"]) for site, row in data["by_site"].items() if site != "total"
        },
        "attendance": {
            "months": [_month_axis_label(m) for m in training],
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
    series["drawn"] = {
        "exits_by_month": _has_figures(
            value for values in series["exits_by_month"].values() for value in values
        ),
        "recruits": _has_figures(series["recruits"].values()),
        "by_site": _has_figures(series["by_site"].values()),
        "attendance": _has_figures(series["attendance"]["attendees_per_session"]),
        "assistance": _has_figures(series["assistance"].values()),
    }
    return series


@require_roles(STATISTICS_READERS)
@require_GET
def versions(request: HttpRequest, kind: str, period: str) -> HttpResponse:
    """Every version of a period (analysts: the released ones), with who approved when."""
    parsed = _period(kind, period)
    report = selectors.report_for(request.user, kind, parsed.key)
    rows = selectors.versions_for(request.user).filter(report=report).order_by("-number")
    return render(
        request,
        "reports/versions.html",
        {
            "report": report,
            "versions": rows,
            "period_name": period_name(parsed.kind, parsed.key),
            "is_admin": request.user.role == Role.ADMIN,
        },
    )


@require_roles(ADMINS)
@require_POST
def approve(request: HttpRequest, kind: str, period: str, number: int) -> HttpResponse:
    parsed = _period(kind, period)
    pending = selectors.version_for(request.user, kind, parsed.key, number)
    try:
        services.approve(pending.pk, by=request.user)
    except services.ApprovalRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("reports:version", kind=kind, period=parsed.key, number=number)
    messages.success(
        request,
        _("Version %(number)s is released: analysts and publication downloads get it now.")
        % {"number": number},
    )
    return redirect("reports:dashboard", kind=kind, period=parsed.key)


@require_roles(STATISTICS_READERS)
@require_GET
def download(
    request: HttpRequest, kind: str, period: str, file_format: str, number: int | None = None
) -> HttpResponse:
    """A download of the released version (or of one version). For publication (and for
    analysts, always) only a released version; otherwise a 404 page that says so."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    parsed = _period(kind, period)
    if number is None:
        chosen = selectors.released_version(request.user, kind, parsed.key)
    else:
        chosen = selectors.version_for(request.user, kind, parsed.key, number)
    publication = request.GET.get("publication") == "1"
    if chosen is None or (publication and not chosen.is_released):
        return _not_released(request, parsed, download=True)
    data, suppressed = selectors.shown_data(request.user, chosen, publication=publication)
    note = disclosure.method_note() if suppressed else None
    if file_format == "csv":
        content = exporting.to_csv(data, note)
    elif file_format == "xlsx":
        content = exporting.to_xlsx(data, note)
    else:
        content = exporting.to_pdf(
            data,
            title=_("Statistics: %(period)s") % {"period": period_name(parsed.kind, parsed.key)},
            headline=headline.sentence(data, period_phrase(parsed.kind, parsed.key)),
            note=note,
            version_line=exporting.version_line(chosen, exact=not suppressed),
        )
    auditing.record(
        auditing.Action.EXPORT,
        actor=request.user,
        obj=chosen,
        changes={
            "format": [None, file_format],
            "exact": [None, not suppressed],
            "version": [None, chosen.number],
        },
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    suffix = "" if suppressed else "-exact"
    response["Content-Disposition"] = (
        f'attachment; filename="report-{kind}-{parsed.key}-v{chosen.number}{suffix}.{file_format}"'
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
