"""Reads for people and cases. Every queryset starts from `visible_to`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, reduce
from operator import and_

from django.conf import settings
from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils import timezone

from people import burmese, duplicates, keys, matching, retention, workflow
from people.choices import AccessReview, ClosingReason, Status
from people.models import (
    CONFIDENTIAL_FEEDBACK,
    OPEN_FLAGS,
    Exit,
    Feedback,
    Flag,
    FollowUp,
    Person,
    RestrictedAccess,
    StatusChange,
    TransferRequest,
)
from people.services import normalise_phone
from portal.models import Location, User
from portal.ranking import ranked
from portal.roles import Role
from portal.scoping import active_site_ids, full_access_q, get_object_for_user, visible_to
from portal.selectors import staff_for

CASE_NUMBER = re.compile(r"^[A-Za-z]{2,4}-\d{2}(-\d{0,5})?$")
REFERENCE_LENGTH = Person._meta.get_field("reference").max_length


def current_people_for(user: User) -> QuerySet[Person]:
    """People the user may see, merged-away records excluded: where every list and choice
    of people starts (screens, exports, API)."""
    return visible_to(user, Person.objects.current())


def _latest_exit() -> QuerySet[Exit]:
    return Exit.objects.filter(person=OuterRef("pk")).order_by("-exit_date", "-id")


@cache
def _listed() -> QuerySet[Person]:
    """What every list of people shows and sorts on (the site, the case worker, the latest
    exit date) before the user's scope, built once per process and never evaluated itself:
    every use is a clone. Building it took a good part of a millisecond of each request."""
    return (
        Person.objects.current()
        .select_related("location", "case_worker")
        .annotate(exit_date=Subquery(_latest_exit().values("exit_date")[:1]))
    )


@cache
def _listed_with_latest_exit() -> QuerySet[Person]:
    """`_listed` with the latest exit's type and affiliation (built once, as `_listed`)."""
    latest_exit = _latest_exit()
    return _listed().annotate(
        exit_type=Subquery(latest_exit.values("exit_type")[:1]),
        affiliation=Subquery(latest_exit.values("affiliation")[:1]),
    )


# The latest exit's type, affiliation and date as one JSON object, the date as ISO text
# (None without an exit), on the people list's people (`people_list_for`).
LATEST_EXIT_ROW = "latest_exit_row"


@cache
def _listed_for_rows() -> QuerySet[Person]:
    """`_listed` with the latest exit's three values the list shows in one subquery
    (`LATEST_EXIT_ROW`), built once as `_listed`: each row of a page is read with one
    subquery instead of three, and the page's query compiled with one (`list_rows`)."""
    latest = JSONObject(exit_type="exit_type", affiliation="affiliation", exit_date="exit_date")
    return _listed().annotate(
        **{LATEST_EXIT_ROW: Subquery(_latest_exit().values(latest=latest)[:1])}
    )


def _listed_people(user: User) -> QuerySet[Person]:
    """`current_people_for` with what every list of people shows and sorts on: the site, the
    case worker and the latest exit date."""
    return visible_to(user, _listed().all())


def people_for(user: User) -> QuerySet[Person]:
    """People the user may see (merged-away records excluded), with their latest exit and
    open flags, for the screens."""
    return visible_to(user, _listed_with_latest_exit().all()).prefetch_related(
        Prefetch(
            "flags",
            queryset=Flag.objects.filter(OPEN_FLAGS),
            to_attr="open_flags",
        )
    )


def with_exit_verification(people: QuerySet[Person]) -> QuerySet[Person]:
    """How the latest exit is known (`exit_verification`), for exports: the screens do not
    show it in lists, so `people_for` does not pay for the subquery."""
    return people.annotate(exit_verification=Subquery(_latest_exit().values("verification")[:1]))


def _read_sites_first(user: User) -> None:
    """Reads the user's sites now (one small query), so that the scope of the lists built
    next names them (`portal.scoping._active_sites`): a search over many people then reads one
    site's people in date order instead of everyone's. Admins see every site: nothing to read."""
    if user.is_authenticated and user.role != Role.ADMIN:
        active_site_ids(user)


def people_list_for(user: User) -> QuerySet[Person]:
    """The people of `people_for` for the people list, whose page reads its rows as values
    (`list_rows.read_list_rows`: the encrypted and JSON fields are neither read nor
    decrypted, no model object is made)."""
    _read_sites_first(user)
    return visible_to(user, _listed_for_rows().all())


def people_with_exits_for(user: User) -> QuerySet[Person]:
    """The people of `people_for` with all their exits, as the API shows each person."""
    # With `to_attr`, Django hands each person a plain list; without it, it builds a
    # filtered queryset per person (a third of the API list's time, for 50 people).
    return _listed_people(user).prefetch_related(Prefetch("exits", to_attr="prefetched_exits"))


def people_list_with_exits_for(user: User) -> QuerySet[Person]:
    """`people_with_exits_for` for the API's lists and searches (`_read_sites_first`)."""
    _read_sites_first(user)
    return people_with_exits_for(user)


def _has_syllable(syllable: str) -> Q:
    """The Latin or Burmese matching key holds this canonical syllable (a whole word)."""
    found = Q(pk__in=[])
    for field in ("match_key", "match_my_key"):
        found |= (
            _same_key(field, syllable)
            | Q(**{f"{field}__startswith": f"{syllable} "})
            | Q(**{f"{field}__endswith": f" {syllable}"})
            | Q(**{f"{field}__contains": f" {syllable} "})
        )
    return found


def _same_key(field: str, key: str) -> Q:
    """`field = key`, written so that only the key's btree index can answer it: `=` is also
    an operator of the trigram GiST index on the keys, and PostgreSQL, misjudging that
    index's cost, took it and rechecked every row holding the syllables (12,509 rows for
    "kyaw" at 100,000 people). `BETWEEN key AND key` means the same (deterministic
    collations) and a trigram index cannot answer it."""
    return Q(**{f"{field}__range": (key, key)})


def _phone_hashes(query: str) -> set[str]:
    """The hashes a typed phone may be stored under: read as a number of each country of
    the portal's sites (no query: the few known regions), or as typed with its code."""
    regions = {*matching.COUNTRY_REGIONS.values(), settings.PHONE_DEFAULT_REGION}
    return {keys.phone_search_hash(query, region) for region in sorted(regions)}


@dataclass(frozen=True)
class _Search:
    """What a search matches (`found`): its closest matches in order (`closest`: the same
    name or phone, then every syllable typed; empty for a case number, which has no order of
    closeness), and the others (`rest`: a part of a name; for a case number, all of it)."""

    found: Q
    closest: tuple[Q, ...]
    rest: Q


def _search(query: str) -> _Search:
    """The search for `query` (stripped, not empty)."""
    if CASE_NUMBER.match(query):
        by_case_number = Q(case_number__istartswith=query)
        return _Search(by_case_number, (), by_case_number)
    latin_key, burmese_key = burmese.search_keys(query)
    partial = Q(preferred_name__icontains=query)
    if latin_key:
        partial |= Q(name_key__contains=latin_key)
    if burmese_key:
        partial |= Q(name_my_key__contains=burmese_key)
    exact = Q(pk__in=[])
    found = matching.syllables(query)
    every_syllable = Q(pk__in=[])
    if found:
        key = matching.key_of(found)
        exact |= _same_key("match_key", key) | _same_key("match_my_key", key)
        every_syllable = reduce(and_, (_has_syllable(s.canonical) for s in found))
    digits = normalise_phone(query)
    if len(digits.lstrip("+")) >= 6:
        exact |= Q(phone_hash__in=_phone_hashes(query))
    return _Search(exact | every_syllable | partial, (exact, every_syllable), partial)


def search_people(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Case number, any name (Latin or Burmese, typed in Unicode or Zawgyi; spelling
    variants, honorifics and word order folded by `people.matching`) or phone in any
    format. The closest first (the same name or phone, then every syllable typed, then a
    part of a name), unless the list is sorted otherwise; a page of the closest is read
    without sorting every match (`portal.ranking`)."""
    query = (query or "").strip()
    if not query:
        return queryset
    search = _search(query)
    if not search.closest:
        return queryset.filter(search.found)
    return ranked(queryset, *search.closest, rest=search.rest)


def search_people_and_references(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """`search_people`, and the person whose reference (the organisation's own identifier)
    is exactly `query`, listed first."""
    query = (query or "").strip()
    if not query or len(query) > REFERENCE_LENGTH:
        return search_people(queryset, query)
    search = _search(query)
    reference = Q(reference=query)
    # One condition on the scoped queryset, not two scoped querysets joined with `|`: the
    # scope (sites, restricted records) is then written, built and compiled once, not twice.
    return ranked(queryset, reference, *search.closest, rest=search.rest)


def person_for(user: User, pk: int) -> Person:
    """One person within the user's scope (404 otherwise), for the person page."""
    people = Person.objects.select_related(
        "location", "case_worker", "merged_into", "created_by", "retention_hold__held_by"
    )
    return get_object_for_user(user, people, pk=pk)


def person_page_data(person: Person, user: User) -> dict:
    """Everything the person page lists, in one query per section. Confidential feedback
    (about a staff member, or safeguarding) is listed for admins only; others get how many
    such items exist (one more query), never what they say."""
    status_changes = list(person.status_changes.select_related("changed_by"))
    # The status at registration: the first change's "from" (none yet: the status now).
    first_status = status_changes[0].from_status if status_changes else person.status
    feedback = visible_to(user, Feedback.objects.filter(person=person))
    hidden = 0
    if user.role != Role.ADMIN:
        hidden = Feedback.objects.filter(CONFIDENTIAL_FEEDBACK, person=person).count()
    return {
        "status_changes": status_changes,
        "first_status_label": Status(first_status).label,
        "exits": list(person.exits.all()),
        "notes": list(person.notes.select_related("author")),
        "follow_ups": list(person.follow_ups.select_related("assignee", "done_by")),
        "transfers": list(
            person.transfers.select_related("from_location", "to_location", "transferred_by")
        ),
        "flags": list(person.flags.select_related("raised_by", "resolved_by")),
        "referrals": list(person.referrals.select_related("partner", "consent_override_by")),
        "feedback": list(feedback.select_related("about_staff")),
        "confidential_feedback": hidden,
    }


def case_workers_for(user: User) -> QuerySet[User]:
    """Who may be given a case (case workers and admins of the user's sites), by name."""
    return staff_for(user, roles=(Role.CASE_WORKER, Role.ADMIN)).order_by("full_name", "email")


def staff_about_for(user: User) -> QuerySet[User]:
    """Whom feedback may be about: the staff of the user's sites (any role), by name."""
    return staff_for(user, roles=(Role.ADMIN, Role.CASE_WORKER, Role.TRAINER)).order_by(
        "full_name", "email"
    )


def receiving_group_suggestions(user: User) -> list[str]:
    exits = visible_to(user, Exit.objects.exclude(receiving_group=""))
    return list(
        exits.order_by("receiving_group").values_list("receiving_group", flat=True).distinct()[:50]
    )


def case_worker_home(user: User, days_ahead: int = 7) -> dict:
    """The case worker's home page: recent cases at their sites and follow-ups due soon."""
    horizon = timezone.localdate() + timedelta(days=days_ahead)
    follow_ups = visible_to(
        user, FollowUp.objects.filter(done_at__isnull=True, due_on__lte=horizon)
    ).select_related("person", "assignee")
    return {
        # Lists, read once: the home page audits the people they show, then renders them.
        "recent_people": list(people_for(user)[:10]),
        "due_follow_ups": list(follow_ups.order_by("due_on")[:20]),
        "today": timezone.localdate(),
    }


def closings_in_month(user: User, month_start=None) -> list[tuple[str, int]]:
    """The admins' figure: cases closed (or resettled) in a month, by closing reason, exact,
    as (label, people), every reason listed; the current month by default. A case closed
    twice in the month is counted once per reason."""
    start = month_start or timezone.localdate().replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    counts = dict(
        visible_to(
            user,
            StatusChange.objects.filter(
                to_status__in=workflow.CLOSED_STATES, changed_on__gte=start, changed_on__lt=end
            ),
        )
        .order_by()
        .values("closing_reason")
        .annotate(people=Count("person", distinct=True))
        .values_list("closing_reason", "people")
    )
    return [(str(reason.label), counts.get(reason.value, 0)) for reason in ClosingReason]


def person_ids_with_case_number(case_number: str) -> QuerySet:
    """Ids of the people with this case number (any site), for the audit log's filter; the
    audit log itself is scoped by `visible_to`."""
    return Person.objects.filter(case_number__iexact=case_number).values("pk")


RETENTION_LIST_LIMIT = 500


@dataclass
class RetentionOverview:
    """The admins' retention list: closed cases anonymised within NOTICE_DAYS (due now
    first; at most RETENTION_LIST_LIMIT shown, all counted) and the cases kept by a hold."""

    days: int | None
    notice_days: int
    due: list[Person]
    due_count: int
    held: list[Person]


def retention_overview(user: User, now) -> RetentionOverview:
    cutoff = retention.cutoff(now, ahead=timedelta(days=retention.NOTICE_DAYS))
    held = visible_to(
        user, Person.objects.filter(retention_hold__isnull=False, anonymised_at__isnull=True)
    ).select_related("location", "retention_hold__held_by")
    if cutoff is None:
        due_people, due_count = [], 0
    else:
        due = visible_to(user, Person.objects.closed_before(cutoff)).select_related("location")
        due_people = list(due.order_by(retention.CLOSED_SINCE_FIELD, "pk")[:RETENTION_LIST_LIMIT])
        due_count = len(due_people) if len(due_people) < RETENTION_LIST_LIMIT else due.count()
    return RetentionOverview(
        days=settings.RETENTION_CLOSED_CASE_DAYS or None,
        notice_days=retention.NOTICE_DAYS,
        due=due_people,
        due_count=due_count,
        held=list(held.order_by("retention_hold__held_at")),
    )


# --- Restricted records (issue 20) ------------------------------------------------------------


def _site_people_for(user: User) -> QuerySet[Person]:
    """Current people of the user's sites, restricted ones included: only ever shown as a
    case number (or opened with a reason)."""
    return visible_to(user, Person.objects.current(), include_restricted=True)


def restricted_records_for(user: User, query: str = "") -> QuerySet[Person]:
    """Restricted records of the user's sites that they do not see in full, case number
    only; narrowed by a case-number search (a name never matches them)."""
    query = (query or "").strip()
    # A name search never shows them: decided before the scoped queryset is built (a list
    # request paid for building it only to throw it away).
    if user.role == Role.ADMIN or (query and not CASE_NUMBER.match(query)):
        return Person.objects.none()
    records = (
        _site_people_for(user)
        .exclude(full_access_q(user, Person))
        .only("pk", "case_number")
        .order_by("case_number")
    )
    if query:
        records = records.filter(case_number__istartswith=query)
    return records


def restricted_records_listed(user: User, query: str = "", limit: int = 100) -> list[Person]:
    """The first `limit` of `restricted_records_for`, read now; none, without a statement
    compiled, when there are none to show (an admin, a name search): the people list asked
    Django to read an empty queryset on every name search, about 2,200 Python calls to build
    a statement it then did not send."""
    records = restricted_records_for(user, query)
    if records.query.is_empty():
        return []
    return list(records[:limit])


def restricted_person_for(user: User, pk: int) -> Person:
    """A restricted record of the user's sites that they may open with a reason (404
    otherwise, also when they already see it in full: then there is nothing to open)."""
    try:
        return restricted_records_for(user).only("pk", "case_number", "location_id").get(pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class ShownCandidate:
    """A possible duplicate as a user may see it: in full at their own sites, the case number
    only for a restricted record they do not see (`restricted`: no score, no reasons)."""

    person: Person
    score: float
    reasons: tuple[str, ...]
    restricted: bool


@dataclass(frozen=True)
class CandidatesForUser:
    """The possible duplicates of a described person, for one user: those at their sites,
    and how many at other sites (never who: the admins' review queue shows those pairs)."""

    shown: list[ShownCandidate]
    elsewhere: int = 0

    def __bool__(self) -> bool:
        return bool(self.shown) or self.elsewhere > 0

    @property
    def people(self) -> list[Person]:
        return [candidate.person for candidate in self.shown]

    def __contains__(self, person: Person) -> bool:
        return person in self.people


SHOWN_DUPLICATES = 5


def duplicate_candidates_for(
    user: User, *, location: Location | None = None, limit: int = SHOWN_DUPLICATES, **described
) -> CandidatesForUser:
    """The one lookup of possible duplicates behind the registration screen, the import and
    the API: `duplicates.find_candidates` over every site, phones without a country code read
    with the country of `location`, split by what the user may see. Twice `limit` are looked
    up so that better-ranked people at other sites do not crowd out the user's own. One query
    for the lookup, two more only when something was found."""
    region = matching.region_for_country(location.country) if location else ""
    found = duplicates.find_candidates(
        Person.objects.filter(anonymised_at__isnull=True),
        phone_region=region,
        limit=limit * 2,
        **described,
    )
    if not found:
        return CandidatesForUser([])
    pks = [candidate.person.pk for candidate in found]
    own = set(_site_people_for(user).filter(pk__in=pks).values_list("pk", flat=True))
    masked = set()
    if own:
        masked = set(restricted_records_for(user).filter(pk__in=own).values_list("pk", flat=True))
    shown = [
        ShownCandidate(
            person=candidate.person,
            score=0.0 if candidate.person.pk in masked else candidate.score,
            reasons=() if candidate.person.pk in masked else candidate.reasons,
            restricted=candidate.person.pk in masked,
        )
        for candidate in found
        if candidate.person.pk in own
    ]
    return CandidatesForUser(shown[:limit], len(found) - len(shown))


def access_reviews_for(user: User, pending_only: bool = False) -> QuerySet[RestrictedAccess]:
    """Openings of restricted records, newest first, for the admins' review screen."""
    openings = visible_to(user, RestrictedAccess.objects.all()).select_related(
        "person", "user", "reviewed_by"
    )
    if pending_only:
        openings = openings.filter(review=AccessReview.PENDING)
    return openings


def access_review_for(user: User, pk: int) -> RestrictedAccess:
    return get_object_for_user(user, RestrictedAccess.objects.select_related("person"), pk=pk)


def opened_until(user: User, person: Person):
    """When the user's latest opening of this restricted record ends (None if none is open)."""
    return (
        RestrictedAccess.objects.filter(user=user, person=person, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def pending_access_reviews_count(user: User) -> int:
    """For the admins' home page panel."""
    return access_reviews_for(user, pending_only=True).count()


# --- Transfer requests (issue 22) -------------------------------------------------------------

# How long a decided request stays on both sites' home pages (the notification).
TRANSFER_NEWS_DAYS = 14


def transfer_requests_for(user: User) -> QuerySet[TransferRequest]:
    """Transfer requests the user may see: those from or to their sites (all for admins),
    restricted people's only for who sees the person in full."""
    return visible_to(
        user,
        TransferRequest.objects.select_related(
            "person", "from_location", "to_location", "requested_by", "decided_by",
            "new_case_worker",
        ),
    )  # fmt: skip


def transfer_request_for(user: User, pk: int) -> TransferRequest:
    """One transfer request within the user's scope (404 otherwise)."""
    return get_object_for_user(user, transfer_requests_for(user), pk=pk)


@dataclass(frozen=True)
class TransferOverview:
    """What the transfers page and the home panel show: open requests to the user's sites
    (every open one for admins, who act for any site), open requests from them, and the
    requests answered in the last `TRANSFER_NEWS_DAYS` days (both sides are told)."""

    incoming: list[TransferRequest]
    outgoing: list[TransferRequest]
    decided: list[TransferRequest]

    @property
    def people(self) -> list[Person]:
        return [r.person for r in (*self.incoming, *self.outgoing, *self.decided)]


def transfer_overview(user: User, limit: int = 50) -> TransferOverview:
    """One query: the open requests and those answered lately, sorted into the three lists
    here (the user's sites are known for the request already, `active_site_ids`)."""
    since = timezone.now() - timedelta(days=TRANSFER_NEWS_DAYS)
    rows = transfer_requests_for(user).filter(
        Q(status=TransferRequest.Status.REQUESTED) | Q(decided_at__gte=since)
    )
    if user.role == Role.ADMIN:
        sites = None
    else:
        sites = active_site_ids(user)
        rows = rows.filter(Q(to_location__in=sites) | Q(from_location__in=sites))
    incoming, outgoing, decided = [], [], []
    for row in rows.order_by("requested_at", "id"):
        # A link to the person page only where it would open (the person is at one of the
        # user's sites): the receiving site sees the request, not the record, until it accepts.
        row.opens_person = sites is None or row.person.location_id in sites
        if not row.is_open:
            decided.append(row)
        elif sites is None or row.to_location_id in sites:
            incoming.append(row)
        else:
            outgoing.append(row)
    decided.sort(key=lambda row: (row.decided_at, row.pk), reverse=True)
    return TransferOverview(
        incoming=incoming[:limit], outgoing=outgoing[:limit], decided=decided[:limit]
    )


def open_transfer_request(person: Person) -> TransferRequest | None:
    """The person's open transfer request, for the person page (None: none)."""
    return (
        person.transfer_requests.filter(status=TransferRequest.Status.REQUESTED)
        .select_related("to_location", "from_location", "requested_by")
        .first()
    )
