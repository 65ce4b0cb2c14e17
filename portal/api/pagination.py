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

    def _positive_int(self, request, name: str, maximum: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
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

    def paginate_queryset(self, queryset, request, view=None):
        number = self._positive_int(request, self.page_query_param) or 1
        self.django_paginator_class = partial(BoundedPaginator, number=number)
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
