from collections.abc import Mapping
from functools import partial

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from portal.pagination import BoundedPaginator


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M` (at most 200). A malformed value is refused with 400 rather than
    silently replaced; a page past the end answers 404.

    As on the screens, matches are counted only a few pages past the page asked for
    (`portal.pagination`): `count_exact` is false when there are more than `count`; follow
    `next` until it is null to read them all."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def page_parameters(self, request) -> Mapping:
        """Where `page` and `page_size` are read: the query string."""
        return request.query_params

    def _positive_int(self, request, name: str, maximum: int | None = None) -> int | None:
        raw = self.page_parameters(request).get(name)
        if isinstance(raw, bool):
            raw = ""  # JSON true is not a page number
        if raw is None:
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value < 1 or (maximum is not None and value > maximum):
            message = (
                _("Enter a whole number from 1 to %(max)s.") % {"max": maximum}
                if maximum
                else _("Enter a whole number, 1 or more.")
            )
            raise ValidationError({name: [message]})
        return value

    def get_page_size(self, request):
        size = self._positive_int(request, self.page_size_query_param, self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request, paginator):
        return self._positive_int(request, self.page_query_param) or 1

    def paginate_queryset(self, queryset, request, view=None):
        number = self._positive_int(request, self.page_query_param) or 1
        read = view.page_reader() if hasattr(view, "page_reader") else None
        self.django_paginator_class = partial(BoundedPaginator, number=number, read=read)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_exact": not self.page.paginator.more,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "count_exact", "results"]
        response["properties"]["count"]["description"] = (
            "Matches counted; when count_exact is false there are more."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_exact": {"type": "boolean", "example": True},
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class BodyPagination(Pagination):
    """The same pages, asked for in a JSON body (`"page"`, `"page_size"`) for searches whose
    terms must stay out of URLs: the answer gives `next_page` and `previous_page` (page
    numbers to send again with the same body, or null) instead of links."""

    def page_parameters(self, request) -> Mapping:
        return request.data if isinstance(request.data, Mapping) else {}

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "count": page.paginator.count,
                "count_exact": not page.paginator.more,
                "next_page": page.next_page_number() if page.has_next() else None,
                "previous_page": page.previous_page_number() if page.has_previous() else None,
                "results": data,
            }
        )
