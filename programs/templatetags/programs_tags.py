"""Template tags that programs offers to other apps' pages.

The person page (people app) shows a person's programme history through
`{% person_programmes person %}` and the upcoming sessions they may join through
`{% person_enrolment person %}`, so that people never imports programs.
"""

from django import template

from programs.naming import in_active_language
from programs.offline import page_config
from programs.selectors import person_programs, sessions_to_enrol

register = template.Library()


@register.inclusion_tag("programs/_person_section.html", takes_context=True)
def person_programmes(context: template.Context, person) -> dict:
    """Training, outcomes, assistance and stays of `person` that the viewer may see."""
    return {"person": person, "person_programs": person_programs(context["request"].user, person)}


@register.simple_tag
def offline_config() -> dict:
    """The offline data's settings for programs/_offline.html (key cookies, expiry)."""
    return page_config()


@register.simple_tag
def localized(name: str, name_my: str) -> str:
    """A name read as values (`assistance_type__name`, `..._name_my`) in the page's language."""
    return in_active_language(name, name_my or "")


# The person page offers the next sessions, not every planned one.
SESSIONS_OFFERED = 10


@register.inclusion_tag("programs/_person_enrol.html", takes_context=True)
def person_enrolment(context: template.Context, person) -> dict:
    """Upcoming sessions at the person's site, places taken / capacity, one button each."""
    user = context["request"].user
    return {
        "person": person,
        "sessions": list(sessions_to_enrol(user, person)[:SESSIONS_OFFERED]),
        "csrf_token": context.get("csrf_token"),
    }
