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


def _address(request: HttpRequest, keep: dict[str, object] | None, key: str = "") -> str:
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in (keep or {}).items() if value})
    if key:
        query["f"] = key
    return f"{request.path}?{query.urlencode()}" if query else request.path


def search_address(
    request: HttpRequest,
    namespace: str,
    fields: tuple[str, ...] = ("q",),
    keep: dict[str, object] | None = None,
) -> str:
    """Where to go once a search form was posted: this page with the search kept under `?f=`,
    and only the parameters given in `keep`, already parsed by the view (values that name
    nobody, such as a site's id)."""
    data = QueryDict(mutable=True)
    for name in fields:
        data[name] = request.POST.get(name, "").strip()
    return _address(request, keep, remember(request, namespace, data))


def address_without(request: HttpRequest, keep: dict[str, object] | None = None) -> str:
    """This page without its search: a search typed into the URL (an old bookmark, a hand-made
    link) is not run, and the address it is sent to no longer carries it."""
    return _address(request, keep)
