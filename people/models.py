import json
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from people import choices, keys, retention
from people.import_report import ImportReport
from portal.concurrency import version_field
from portal.fields import EncryptedTextField
from portal.models.jobs import BackgroundJob, JobStatus
from portal.roles import Role
from portal.scopes import Scope

User = settings.AUTH_USER_MODEL


class CaseNumberSequence(models.Model):
    """The last case number issued per site prefix and year (claimed with a row lock)."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_sequence")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Partner(models.Model):
    """A partner organisation people are referred to (and that helps with assistance)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = version_field()

    scope = Scope(open_to_roles=frozenset({Role.CASE_WORKER}))

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name


def current_people_q(through: str = "") -> Q:
    """The people not merged into another record (the current ones), reached from a related
    model through `through` (e.g. "person__"): the one place this rule is written."""
    return Q(**{f"{through}merged_into__isnull": True})


class PersonQuerySet(models.QuerySet):
    def current(self) -> "PersonQuerySet":
        """People not merged into another record: a merged-away record is counted, listed and
        offered once, as the person it was merged into."""
        return self.filter(current_people_q())

    def closed_before(self, cutoff) -> "PersonQuerySet":
        """Closed cases closed before `cutoff` (`people.retention`), not anonymised yet and not
        kept by a retention hold: the retention rule, for the task and the admins' list."""
        return self.current().filter(
            status=choices.Status.CLOSED,
            anonymised_at__isnull=True,
            retention_hold__isnull=True,
            **{f"{retention.CLOSED_SINCE_FIELD}__lt": cutoff},
        )


class PersonPartQuerySet(models.QuerySet):
    def of_current_people(self) -> "PersonPartQuerySet":
        """Records of current people only (not of records merged into another)."""
        return self.filter(current_people_q("person__"))


RECORD_KEY_RANGE = 2**31 - 1


def new_record_key() -> int:
    """A permanent random key for the cell-key method of published statistics (reports):
    a cell's key is derived from the keys of the people in it. Server-side, never shown."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class Person(models.Model):
    case_number = models.CharField(_("case number"), max_length=20, unique=True, editable=False)
    # The organisation's own identifier ("PG-2025-0417"), e.g. from the spreadsheet it used
    # before the portal; the portal keeps assigning its case numbers. Unique among current
    # people (a record merged away may keep the one of the record it was merged into).
    reference = models.CharField(
        _("reference"),
        max_length=40,
        blank=True,
        default="",
        db_default="",  # the bulk loaders (devtools) write rows with raw SQL
        help_text=_("Your organisation's own identifier for this person, if it has one."),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    preferred_name = models.CharField(_("preferred name"), max_length=80, blank=True)
    name_my = models.CharField(_("name in Burmese"), max_length=150, blank=True)
    # Normalised copies for search and duplicate detection (lower-case Latin, Unicode Burmese
    # without spaces), kept in step by `people.services`.
    name_key = models.CharField(max_length=150, blank=True, db_index=True, editable=False)
    name_my_key = models.CharField(max_length=150, blank=True, db_index=True, editable=False)
    # Matching keys (`people.matching`): the canonical syllables of the Latin name and of the
    # Burmese name, sorted, space-separated ("aung htet min"); trigram-indexed on PostgreSQL.
    match_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    match_my_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=8, choices=choices.Sex.choices, default="unknown")
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_year_estimated = models.BooleanField(_("birth year is estimated"), default=False)
    origin_region = models.CharField(
        _("origin state/region"), max_length=16, choices=choices.Region.choices, blank=True
    )
    location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="people", verbose_name=_("site")
    )
    # Changed only through the workflow (`people.services.change_status`), which records a
    # `StatusChange` row; `closing_reason` is the latest closing's while resettled or closed.
    status = models.CharField(
        _("status"), max_length=12, choices=choices.Status.choices, default="intake", db_index=True
    )
    closing_reason = models.CharField(
        _("closing reason"),
        max_length=20,
        choices=choices.ClosingReason.choices,
        blank=True,
        editable=False,
        db_default="",  # bulk writers that name their columns may leave it out
    )
    case_worker = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("case worker"),
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    dependants = models.PositiveSmallIntegerField(_("number of dependants"), default=0)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    consent_date = models.DateField(_("consent given on"), null=True, blank=True)
    consent_storing = models.BooleanField(_("consents to storing data"), default=False)
    consent_sharing = models.BooleanField(_("consents to sharing with partners"), default=False)
    consent_photos = models.BooleanField(_("consents to photos"), default=False)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)
    consent_notes = EncryptedTextField(_("consent details"), blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Incremented on every save through the services: a stale form is refused, not applied.
    version = version_field()
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    record_key = models.PositiveIntegerField(default=new_record_key, editable=False)
    # Restricted (issue 20): only the case worker and admins see the record; other case
    # workers of the site see its case number and may open it with a reason for a while.
    # Changed through `people.services.set_restriction` only.
    # Database defaults too: the bulk loaders (devtools) write rows with raw SQL.
    restricted = models.BooleanField(
        _("restricted"), default=False, db_default=False, editable=False
    )
    restriction_reason = models.CharField(
        _("why restricted"),
        max_length=16,
        choices=choices.RestrictionReason.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    restricted_at = models.DateTimeField(null=True, blank=True, editable=False)
    restricted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = PersonQuerySet.as_manager()

    scope = Scope(site="location_id", restricted_person="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A site's people of one status in the list's order: a search filtered by status
            # reads its first rows here instead of passing over the other statuses (the
            # newest people are mostly at intake; docs/performance.md, session 6).
            models.Index(
                fields=["location", "status", "-created_at", "-id"], name="person_site_status_order"
            ),
            models.Index(fields=["location", "-created_at"]),
            # The list's order: its first page is read in index order and stops after 50
            # matches instead of sorting every match (docs/performance.md).
            models.Index(fields=["-created_at", "-id"], name="person_list_order"),
            # A site's restricted records (listed by case number above the people list):
            # found here instead of by walking every person of the site in case-number order
            # to find the few (118 ms at 600,000 people of a site and none restricted;
            # docs/performance.md, session 8). PostgreSQL proves `restricted` from the
            # list's "not seen in full" condition.
            models.Index(
                fields=["location", "case_number"],
                condition=Q(restricted=True, merged_into__isnull=True),
                name="person_restricted_by_site",
            ),
            # Phones shared by current people (possible duplicates, `duplicates._next_groups`):
            # read from the index alone instead of visiting each of the phones' rows for its
            # merge and id (584 -> 69 ms over 200,000 phones at a million people;
            # docs/performance.md, session 8).
            models.Index(
                fields=["phone_hash", "id"],
                condition=Q(merged_into__isnull=True, phone_hash__gt=""),
                name="person_current_phones",
            ),
            # Each person's record key beside their id: a report's counts of records about
            # people sum their people's keys (`reports.disclosure`), joining millions of marks
            # and distributions to their people. From this index alone the join reads 1M
            # narrow entries instead of the people's wide rows (at a million people the annual
            # report 6.3 -> 5.4 s, the safe homes 0.6 -> 0.15 s; docs/performance.md, session 9).
            models.Index(fields=["id", "record_key"], name="person_record_keys"),
            # The keys that more than one person drew (about 230 at a million people): a
            # report's count of distinct people sums their distinct keys, and reads them from
            # here in key order (0.13 s) instead of hashing every person's key (0.5 s);
            # `reports.compute_programs.assistance`.
            models.Index(fields=["record_key"], name="person_shared_keys"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference="") & Q(merged_into__isnull=True),
                name="unique_current_reference",
                violation_error_message=_("Another person already has this reference."),
            ),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    # Fields computed from others (`refresh_derived_fields`); `rotate_keys` recomputes them
    # after a SECRET_KEY change, reading `DERIVED_FROM` besides the encrypted fields.
    DERIVED_FIELDS = ("phone_hash", "name_key", "name_my_key", "match_key", "match_my_key")
    DERIVED_FROM = ("full_name", "name_my", "location")

    def __str__(self) -> str:
        # Case number only: a person's name never appears in logs or admin history lines.
        return self.case_number

    def refresh_derived_fields(self) -> None:
        keys.apply_derived_fields(self)

    def clean(self) -> None:
        # The constraint's own error would name no field (it is conditional): said here on
        # the field, the constraint is then not checked a second time (`full_clean`).
        if self.reference and not self.merged_into_id:
            taken = Person.objects.current().filter(reference=self.reference).exclude(pk=self.pk)
            if taken.exists():
                raise ValidationError({"reference": reference_taken_message()})

    @property
    def audit_person_id(self) -> int:
        return self.pk

    @property
    def audit_site_id(self) -> int:
        return self.location_id

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    @property
    def exit_list(self) -> list["Exit"]:
        """The exits, newest first: as prefetched (`Prefetch("exits",
        to_attr="prefetched_exits")`), else read now."""
        prefetched = getattr(self, "prefetched_exits", None)
        return prefetched if prefetched is not None else list(self.exits.all())

    @property
    def retention_due_on(self):
        """The day retention anonymises this closed case (None: not closed, or never)."""
        if self.status != choices.Status.CLOSED or self.anonymised_at is not None:
            return None
        return retention.due_on(self)

    @property
    def consent_allows_sharing(self) -> bool:
        return self.consent_sharing and self.consent_withdrawn_on is None


def reference_taken_message() -> str:
    return _("Another person already has this reference.")


class PersonPart(models.Model):
    """Common base of records that belong to one person (scoped by the person's site)."""

    scope = Scope(site="person__location_id", restricted_person="person")

    objects = PersonPartQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_site_id(self) -> int:
        return self.person.location_id


class Exit(PersonPart):
    """How a person left the armed forces, police or militia."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="exits")
    exit_type = models.CharField(_("exit type"), max_length=12, choices=choices.ExitType.choices)
    affiliation = models.CharField(
        _("affiliation"), max_length=8, choices=choices.Affiliation.choices
    )
    exit_date = models.DateField(_("exit date"))
    place_township = EncryptedTextField(_("township"), max_length=100, blank=True)
    place_region = models.CharField(
        _("state/region"), max_length=16, choices=choices.Region.choices, blank=True
    )
    receiving_group = models.CharField(_("receiving group"), max_length=150, blank=True)
    recruit_status = models.CharField(
        _("recruit status"),
        max_length=12,
        choices=choices.RecruitStatus.choices,
        default=choices.RecruitStatus.UNKNOWN,
    )
    forcibly_conscripted = models.CharField(
        _("forcibly conscripted"),
        max_length=8,
        choices=choices.YesNoUnknown.choices,
        default=choices.YesNoUnknown.UNKNOWN,
    )
    years_of_service = models.DecimalField(
        _("years of service"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    rank = EncryptedTextField(_("rank"), max_length=60, blank=True)
    unit = EncryptedTextField(_("unit"), blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    custody_status = models.CharField(
        _("custody status"), max_length=12, choices=choices.CustodyStatus.choices, blank=True
    )
    verification = models.CharField(
        _("how the exit is known"),
        max_length=20,
        choices=choices.ExitVerification.choices,
        default=choices.ExitVerification.DOCUMENTED,
    )
    version = version_field()

    class Meta:
        ordering = ["-exit_date", "-id"]
        indexes = [
            models.Index(fields=["exit_date", "exit_type", "affiliation"]),
            # A person's latest exit, read by lists and exports as subqueries (`ORDER BY
            # exit_date DESC, id DESC LIMIT 1`): walked in order, no sort per person; on
            # PostgreSQL the columns they read are in the index (index-only scans).
            models.Index(
                fields=["person", "-exit_date", "-id"],
                include=["exit_type", "affiliation", "verification"],
                name="exit_latest_per_person",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(custody_status="") | Q(exit_type="pow"),
                name="custody_status_only_for_pow",
            )
        ]
        verbose_name = _("exit")
        verbose_name_plural = _("exits")

    def __str__(self) -> str:
        return f"{self.exit_type} {self.exit_date:%Y-%m-%d}"


class CaseNote(PersonPart):
    EDIT_WINDOW_HOURS = 24

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    text = EncryptedTextField(_("note"))
    version = version_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case note")

    def __str__(self) -> str:
        return f"note {self.pk}"

    def editable_by(self, user) -> bool:
        age = timezone.now() - self.created_at
        return user.pk == self.author_id and age.total_seconds() < self.EDIT_WINDOW_HOURS * 3600


class FollowUp(PersonPart):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("due on"), db_index=True)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("assignee")
    )
    description = EncryptedTextField(_("what to do"), max_length=300)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = version_field()

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        verbose_name = _("follow-up")

    def __str__(self) -> str:
        return f"follow-up {self.pk}"


class Transfer(PersonPart):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers")
    from_location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    transferred_on = models.DateField(_("date"))
    transferred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-transferred_on", "-id"]
        verbose_name = _("transfer")

    def __str__(self) -> str:
        return f"transfer {self.pk}"


class TransferRequest(PersonPart):
    """A request to move a person to another site (issue 22): the sending site asks, the
    receiving site accepts (choosing the new case worker) or declines, the sender may
    withdraw while it is open. The person stays at `from_location` until it is accepted;
    the accepted request leaves a `Transfer` row, the history both sites keep. Changed
    through `people.transfers` only."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfer_requests")
    from_location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_location = models.ForeignKey(
        "portal.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    reason = EncryptedTextField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    new_case_worker = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new case worker"),
    )
    decline_reason = EncryptedTextField(_("why declined"), max_length=300, blank=True)
    # The history row written on acceptance.
    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="request"
    )
    version = version_field()

    # Both sites see the request: the sending one (`site`) and the receiving one, named in
    # `person_site` because that is the lookup `visible_to` adds to the site condition. The
    # write rules (who may accept, decline, withdraw) are `people.transfers`', not
    # `writable_by`'s. Restricted people follow the usual rule (`restricted_person`).
    scope = Scope(site="from_location_id", person_site="to_location_id", restricted_person="person")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one open request per person: a second one waits for the first.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="requested"),
                name="one_open_transfer_request_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(from_location=models.F("to_location")),
                name="transfer_request_between_two_sites",
            ),
        ]
        verbose_name = _("transfer request")

    def __str__(self) -> str:
        return f"transfer request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED


# A flag not resolved yet: what lists, badges and the `open_flags` index mean by "open".
OPEN_FLAGS = Q(resolved_at__isnull=True)


class Flag(PersonPart):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reason"), max_length=20, choices=choices.FlagReason.choices)
    note = EncryptedTextField(_("note"), max_length=300, blank=True)
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = EncryptedTextField(_("resolution"), max_length=300, blank=True)
    version = version_field()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["person"], condition=OPEN_FLAGS, name="open_flags")]
        verbose_name = _("flag")

    def __str__(self) -> str:
        return f"flag {self.pk}"

    @property
    def is_urgent(self) -> bool:
        return choices.is_urgent_flag(self.reason)


class Referral(PersonPart):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    service = models.CharField(_("service"), max_length=16, choices=choices.ReferralService.choices)
    referred_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=choices.ReferralStatus.choices,
        default=choices.ReferralStatus.REQUESTED,
    )
    outcome_note = EncryptedTextField(_("outcome"), max_length=300, blank=True)
    consent_override_reason = EncryptedTextField(max_length=300, blank=True)
    consent_override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = version_field()

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("referral")

    def __str__(self) -> str:
        return f"referral {self.pk}"


# Feedback about a staff member, and every safeguarding concern, is confidential: admins
# only see it; other roles see that it exists, never what it says (issue 19).
CONFIDENTIAL_FEEDBACK = Q(about_staff__isnull=False) | Q(
    category=choices.FeedbackCategory.SAFEGUARDING
)


class Feedback(PersonPart):
    """Feedback or a complaint from the person (accountability to the people served)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="feedback")
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=12, choices=choices.FeedbackChannel.choices)
    category = models.CharField(
        _("category"), max_length=14, choices=choices.FeedbackCategory.choices
    )
    text = EncryptedTextField(_("what was said"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=choices.FeedbackStatus.choices,
        default=choices.FeedbackStatus.OPEN,
    )
    response = EncryptedTextField(_("response"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = version_field()
    # PROTECT, not SET_NULL: removing the user must not make a complaint about them readable
    # by everyone (users are deactivated, not deleted).
    about_staff = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about a staff member"),
    )

    scope = Scope(site="person__location_id", admins_only=CONFIDENTIAL_FEEDBACK)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"feedback {self.pk}"


class StatusChange(PersonPart):
    """One step of a case's status workflow (`people.workflow`): from which status to which,
    on which date, by whom, and why (a closing reason, a reopening reason). Never changed or
    deleted; the person page shows them as a timeline."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=choices.Status.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=choices.Status.choices)
    closing_reason = models.CharField(
        _("closing reason"), max_length=20, choices=choices.ClosingReason.choices, blank=True
    )
    # The text of "other" or the reason for reopening: it may describe the person.
    note = EncryptedTextField(_("reason"), blank=True)
    changed_on = models.DateField(_("date"))
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["changed_on", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["person", "changed_on"]),
            # The admins' figures: closings of a month by reason.
            models.Index(fields=["to_status", "changed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_reason="") | Q(to_status__in=["resettled", "closed"]),
                name="closing_reason_only_when_closing",
            )
        ]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"status change {self.pk}"


class RetentionHold(models.Model):
    """A closed case kept past the retention period (`RETENTION_CLOSED_CASE_DAYS`): while it
    exists the case is not anonymised. One per person; lifting it deletes it (the audit log
    keeps who placed and lifted it, and why)."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="retention_hold", verbose_name=_("person")
    )
    # Why a case is kept may describe the person (a court case, a family at risk).
    reason = EncryptedTextField(_("reason for keeping the case"), max_length=300)
    held_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept by")
    )
    held_at = models.DateTimeField(_("kept since"), default=timezone.now)

    scope = Scope(site="person__location_id")

    class Meta:
        verbose_name = _("retention hold")
        verbose_name_plural = _("retention holds")

    def __str__(self) -> str:
        return f"hold: {self.person_id}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class DistinctPeople(models.Model):
    """Two records an admin confirmed are different people: never suggested again."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_distinct_pair"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class DuplicateSuspicion(models.Model):
    """A pair of records that may be the same person, queued for the admins' review as
    records arrive or change (`people.review_queue`), across sites too. Resolved when an
    admin merges them or marks them as different people (`DistinctPeople`)."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0.0)
    # As `people.duplicates.Candidate.reasons` gave them when the pair was (last) found.
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=12,
        choices=choices.SuspicionStatus.choices,
        default=choices.SuspicionStatus.OPEN,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_suspected_pair"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="ordered_suspected_pair"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="suspicion_queue_order")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class RestrictedAccess(models.Model):
    """A case worker opened a restricted record with a reason (break-the-glass): they see it
    until `expires_at`; an admin reviews the opening afterwards. Never deleted."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("person")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    reason = EncryptedTextField(_("reason"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    expires_at = models.DateTimeField(_("access ends at"))
    review = models.CharField(
        _("review"),
        max_length=12,
        choices=choices.AccessReview.choices,
        default=choices.AccessReview.PENDING,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(_("review note"), blank=True)

    # No scope: admins only (the review screen); the rule that reads it is
    # `portal.scoping.full_access_q`.

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["user", "person", "expires_at"])]
        verbose_name = _("opening of a restricted record")
        verbose_name_plural = _("openings of restricted records")

    def __str__(self) -> str:
        return f"restricted access {self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_site_id(self) -> int:
        return self.person.location_id


class ImportJob(BackgroundJob):
    """An uploaded people import, run by a background task (`people.import_jobs`).

    The file waits encrypted on disk until the job is done or has failed for good (a retry
    starts again from the file); the report may quote cells of the file, so it is stored
    encrypted too. Only the user who uploaded the file sees the job.
    """

    Status = JobStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(default=False)
    # A file name may be a person's name: encrypted, and never put in a URL.
    file_name = EncryptedTextField()
    rows_total = models.PositiveIntegerField(default=0)  # 0 while unknown
    rows_done = models.PositiveIntegerField(default=0)
    saving = models.BooleanField(default=False)
    report_data = EncryptedTextField(blank=True)  # `ImportReport.to_dict()` as JSON
    report_erased = models.BooleanField(default=False)  # report and file name, after a month
    # The importer's choices for the lines with likely duplicates ({"line": "skip" | "new"}),
    # made on the report of the file whose SHA-256 is `decided_for` (`people.importing`).
    decisions = models.JSONField(default=dict, blank=True)
    decided_for = models.CharField(max_length=64, blank=True, default="")
    # The upload request, for the audit row the task writes (id, address and path).
    request_id = models.CharField(max_length=64, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    request_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE or self.saving:
            return 100
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @cached_property
    def report(self):
        """The `ImportReport` of a finished job, else None."""
        if not self.report_data:
            return None
        return ImportReport.from_dict(json.loads(self.report_data))
