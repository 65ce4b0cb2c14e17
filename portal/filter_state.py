"""Keep list filters out of URLs: a search may hold a person's name, and URLs end up in
server logs, browser history and Referer headers. The filter form is POSTed, its values
are kept in the session under a random key, and the URL carries only that key."""

import secrets

from django.http import HttpRequest, QueryDict

MAX_SAVED = 20


def remember(request: HttpRequest, namespace: str, data: QueryDict) -> str:
    params = {
        key: value
        for key, value in data.items()
        if key not in {"csrfmiddlewaretoken", "page"} and value
    }
    key = secrets.token_urlsafe(8)
    saved = request.session.get(namespace, {})
    saved[key] = params
    # Keep the newest few: sessions stay small.
    request.session[namespace] = dict(list(saved.items())[-MAX_SAVED:])
    return key


def recall(request: HttpRequest, namespace: str) -> QueryDict:
    """The filters named by `?f=` (empty when unknown), as a QueryDict for a FilterSet."""
    params = request.session.get(namespace, {}).get(request.GET.get("f", ""), {})
    query = QueryDict(mutable=True)
    query.update(params)
    return query
