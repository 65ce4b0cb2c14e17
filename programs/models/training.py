"""Training: courses, sessions, enrolment, attendance and its history, livelihood outcomes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import PersonPart
from portal.concurrency import version_field
from portal.fields import EncryptedTextField
from portal.roles import Role
from portal.scopes import Scope
from portal.timezones import site_today, site_zone
from programs.naming import in_active_language

if TYPE_CHECKING:
    from portal import models as portal_models

User = settings.AUTH_USER_MODEL

# Reference data without personal details: every role that works with programmes reads it.
REFERENCE_DATA = Scope(open_to_roles=frozenset({Role.CASE_WORKER, Role.TRAINER, Role.ANALYST}))


class Course(models.Model):
    """A kind of training, e.g. tailoring, motorbike repair or computer basics."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_my = models.CharField(
        _("name in Burmese"),
        max_length=120,
        blank=True,
        help_text=_("Shown on Burmese pages; the English name is shown when empty."),
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = version_field()

    scope = REFERENCE_DATA

    class Meta:
        ordering = ["name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the page's language (Burmese when given, else English)."""
        return in_active_language(self.name, self.name_my)


class TrainingSessionQuerySet(models.QuerySet):
    def with_places_taken(self) -> TrainingSessionQuerySet:
        """Each session with `taken`, the places held in it (screens and API alike)."""
        # A correlated subquery, computed only for the rows a list returns (after its sort
        # and cut to 200), where a JOIN with GROUP BY counted the enrolments of every matching
        # session first (1,300 upcoming sessions at 100k people). Without a GROUP BY on the
        # outer query, the rows can also be locked for an update.
        taken = (
            Enrolment.objects.filter(session=OuterRef("pk"))
            .holding_places()
            .order_by()
            .values("session")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))


class TrainingSession(models.Model):
    """One meeting of a course at a site, run by a trainer."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    location = models.ForeignKey(
        "portal.Location",
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("site"),
    )
    trainer = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("trainer"),
        limit_choices_to={"role": Role.TRAINER},
    )
    capacity = models.PositiveSmallIntegerField(_("places"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = version_field()

    scope = Scope(site="location_id", trainer="trainer", site_roles=frozenset({Role.CASE_WORKER}))

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["trainer", "date"]),
            models.Index(fields=["location", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="session_ends_after_it_starts"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_has_places"),
        ]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.course} {self.date:%Y-%m-%d} {self.start_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The session must end after it starts.")})

    @property
    def correction_deadline(self) -> date:
        """The last local day on which the trainer may still mark or correct attendance."""
        return self.date + timedelta(days=1)

    @property
    def correction_closes_at(self) -> datetime:
        """The end of `correction_deadline` at the session's site (Mae Sot's midnight is
        Yangon's 00:30... of the wrong day for a trainer at Mae Sot)."""
        return datetime.combine(
            self.correction_deadline, time(23, 59, 59), tzinfo=site_zone(self.location)
        )

    @property
    def site_today(self) -> date:
        """Today at the session's site."""
        return site_today(self.location)

    def attendance_open_for(self, user: portal_models.User) -> bool:
        """Admins may always mark or correct; the trainer from the session's day until the end
        of the next day, in the site's time zone."""
        if self.status == self.Status.CANCELLED:
            return False
        if user.role == Role.ADMIN:
            return True
        if user.role == Role.TRAINER and self.trainer_id == user.pk:
            return self.date <= site_today(self.location) <= self.correction_deadline
        return False

    def places_taken(self) -> int:
        """The places held in this session now (one query)."""
        return self.enrolments.holding_places().count()


class EnrolmentQuerySet(models.QuerySet):
    def holding_places(self) -> EnrolmentQuerySet:
        """Enrolments that hold one of their session's places (enrolled or completed)."""
        return self.filter(status__in=Enrolment.TAKES_A_PLACE)

    def with_attendance_status(self) -> EnrolmentQuerySet:
        """Each enrolment with `attendance_status`: what is recorded for the person at the
        session ("present", "absent", "excused"), or None before anything is marked."""
        recorded = Attendance.objects.filter(session=OuterRef("session"), person=OuterRef("person"))
        return self.annotate(attendance_status=Subquery(recorded.values("status")[:1]))


class Enrolment(models.Model):
    """A person's place in a training session."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        DROPPED_OUT = "dropped_out", _("Dropped out")

    # Statuses that take one of the session's places.
    TAKES_A_PLACE = (Status.ENROLLED, Status.COMPLETED)

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ENROLLED
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    enrolled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    version = version_field()

    # A site keeps what it ran for someone transferred away as read-only history; the
    # person's new site sees it too (`portal.scopes.Scope.person_site`).
    scope = Scope(
        site="session__location_id", trainer="session__trainer", person_site="person__location_id"
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["session", "person__case_number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_enrolment_per_session")
        ]
        indexes = [
            # A report's completions (`reports.compute_programs.training`): the period's few
            # completed enrolments among millions, with their people, from the index alone
            # (at a million people a scan of 11M enrolments, 0.37 s, now milliseconds).
            models.Index(
                fields=["completed_on", "person"],
                condition=Q(status="completed"),
                name="enrolment_completions",
            ),
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"enrolment {self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_site_id(self) -> int:
        return self.session.location_id


class Attendance(models.Model):
    """Whether a person was at a session; one row per person and session."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=Status.choices)
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    # A site keeps what it ran for someone transferred away as read-only history; the
    # person's new site sees it too (`portal.scopes.Scope.person_site`).
    scope = Scope(
        site="session__location_id", trainer="session__trainer", person_site="person__location_id"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_attendance_per_session")
        ]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"attendance {self.pk}"


class AttendanceChange(models.Model):
    """Every marking and correction of attendance: who, when, old → new. Never edited."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance_changes"
    )
    # A named relation so that merging two records of one person moves the history too.
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="attendance_changes"
    )
    old_status = models.CharField(
        _("before"), max_length=8, choices=Attendance.Status.choices, blank=True
    )
    new_status = models.CharField(_("after"), max_length=8, choices=Attendance.Status.choices)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)

    # A site keeps what it ran for someone transferred away as read-only history; the
    # person's new site sees it too (`portal.scopes.Scope.person_site`).
    scope = Scope(
        site="session__location_id", trainer="session__trainer", person_site="person__location_id"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["session", "-changed_at"])]
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")

    def __str__(self) -> str:
        return f"attendance change {self.pk}"


class LivelihoodOutcome(PersonPart):
    """What happened after training: the organisation reports how many earn a living."""

    class Outcome(models.TextChoices):
        SMALL_BUSINESS = "small_business", _("Started a small business")
        EMPLOYED = "employed", _("Employed")
        STILL_LOOKING = "still_looking", _("Still looking for work")
        OTHER = "other", _("Other")

    class IncomeBand(models.TextChoices):
        # Bands rather than amounts: people earn in baht, rupees or kyat, and a band is what the
        # reports need ("earns a living" = enough for basic needs or more).
        NONE = "none", _("No income yet")
        BELOW_NEEDS = "below_needs", _("Some income, not enough for basic needs")
        BASIC_NEEDS = "basic_needs", _("Enough for basic needs")
        ABOVE_NEEDS = "above_needs", _("More than basic needs")

    EARNS_A_LIVING = (IncomeBand.BASIC_NEEDS, IncomeBand.ABOVE_NEEDS)

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="livelihood_outcomes"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("after the training"),
    )
    recorded_on = models.DateField(_("follow-up date"), default=timezone.localdate)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    business_kind = EncryptedTextField(
        _("kind of business"),
        max_length=120,
        blank=True,
        help_text=_("For a small business, e.g. tailoring shop, motorbike repair, food stall."),
    )
    income_band = models.CharField(_("income"), max_length=12, choices=IncomeBand.choices)
    notes = EncryptedTextField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_on", "-id"]
        indexes = [models.Index(fields=["outcome", "recorded_on"])]
        verbose_name = _("livelihood follow-up")
        verbose_name_plural = _("livelihood follow-ups")

    def __str__(self) -> str:
        return f"outcome {self.pk}"

    def clean(self) -> None:
        if self.outcome == self.Outcome.SMALL_BUSINESS and not self.business_kind.strip():
            raise ValidationError({"business_kind": _("Say what kind of business it is.")})
        if self.enrolment_id and self.enrolment.person_id != self.person_id:
            raise ValidationError({"enrolment": _("This training belongs to someone else.")})
