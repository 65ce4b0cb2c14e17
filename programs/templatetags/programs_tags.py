"""Template tags that programs offers to other apps' pages.

The person page (people app) shows a person's programme history through
`{% person_programmes person %}` and the upcoming sessions they may join through
`{% person_enrolment person %}`, so that people never imports programs.
"""

from django import template

from programs.selectors import person_programs, sessions_to_enrol

register = template.Library()


@register.inclusion_tag("programs/_person_section.html", takes_context=True)
def person_programmes(context: template.Context, person) -> dict:
    """Training, outcomes, assistance and stays of `person` that the viewer may see."""
    return {"person": person, "person_programs": person_programs(context["request"].user, person)}


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
