"""Pagination that counts only as far as it needs to.

An exact COUNT of a broad search over a large table reads every match (at 100,000 people,
"kyaw" matches ~12,000 and the count alone took 22–40 ms, more than the rest of the page).
Nobody pages through hundreds of pages of results: they narrow the search. So the list counts
the matches up to a few pages past the one asked for and, beyond that, says "more than N".
The cost of the count then grows with the page number, as the page's own OFFSET does, not
with the size of the table. See docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from portal.ranking import FirstRows, first_rows

LOOKAHEAD_PAGES = 4
# A ranked list (`portal.ranking`) is read into a list of ids up to the bound: past this many
# rows (a page number in the hundreds) the ids are not brought into the process, the page is
# read the plain way (sorted and counted by the database).
RANKED_READ_LIMIT = 5_000
# No list comes near a billion rows; a larger bound (from an absurd page number) would
# overflow the database's integers in LIMIT instead of answering "no such page".
MAX_BOUND = 10**9


def page_number(raw: object) -> int:
    """The page asked for, as `Paginator.get_page` will read it (1 when unreadable)."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


class BoundedPaginator(Paginator):
    """A `Paginator` whose `count` stops at `LOOKAHEAD_PAGES` pages past the requested page.

    `more` tells whether matches exist beyond `count`; then `count` is a lower bound and the
    last page known is full. Results up to that bound are exact, so a short list is counted as
    before.
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        number: object = 1,
        read: Callable[[QuerySet], Iterable] | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.read = read
        self.bound = min((page_number(number) + LOOKAHEAD_PAGES) * self.per_page, MAX_BOUND)
        self.more = False
        self._first_rows: FirstRows | None = None

    @cached_property
    def count(self) -> int:
        # One row past the bound says whether there are more. A ranked list (a search, the
        # closest matches first) is read up to there in order, its page taken from those ids.
        if isinstance(self.object_list, QuerySet) and self.bound < RANKED_READ_LIMIT:
            self._first_rows = first_rows(self.object_list, self.bound + 1)
        if self._first_rows is not None:
            found = len(self._first_rows.ids)
        else:
            # The ordering is irrelevant for counting.
            found = self.object_list.order_by().values("pk")[: self.bound + 1].count()
        self.more = found > self.bound
        return min(found, self.bound)

    def page(self, number):
        """As `Paginator.page`; a ranked list's page is the rows of its ids read by `count`."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._first_rows is not None:
            rows = self._first_rows.rows(bottom, top, self.read or list)
        else:
            rows = self.object_list[bottom:top]
            if self.read is not None:
                rows = self.read(rows)
        return self._get_page(rows, number, self)


def bounded_page(
    object_list: QuerySet,
    per_page: int,
    number: object,
    *,
    read: Callable[[QuerySet], Iterable] | None = None,
):
    """The page `number` (as `Paginator.get_page`: the last page when past the end). `read`
    turns the page's queryset into its rows (by default the page is the sliced queryset, its
    model objects; rows of another kind need a `pk`, which orders a ranked list's page)."""
    return BoundedPaginator(object_list, per_page, number=number, read=read).get_page(number)
