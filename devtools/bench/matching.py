"""`bench` step: candidate lookup for one intake (issue 21), as the registration screen, the
import and the API call it (`people.duplicates.find_candidates` over every site).

The intakes are people of the database written another way (honorific added, words in
another order, one syllable spelt differently, birth year one off, the phone in its national
form), so that each lookup finds its person among the people sharing its syllables."""

from __future__ import annotations

from collections.abc import Callable

from people.duplicates import find_candidates
from people.matching.table import SYLLABLES
from people.models import Person

INTAKES = 20


def _respell(name: str) -> str:
    words = name.split()
    for index, word in enumerate(words):
        variants = [v for v in SYLLABLES.get(word.lower(), ()) if v != word.lower()]
        if variants:
            words[index] = variants[0].capitalize()
            break
    return "U " + " ".join(reversed(words))


def intakes() -> list[dict]:
    """INTAKES descriptions spread over the ids of the people (the same at every run)."""
    people = Person.objects.current()
    count = people.count()
    if not count:
        return []
    step = max(count // INTAKES, 1)
    ids = list(people.order_by("pk").values_list("pk", flat=True)[::step][:INTAKES])
    found = []
    for person in people.filter(pk__in=ids).select_related("location").order_by("pk"):
        phone = person.phone
        if phone.startswith("+66"):
            phone = "0" + phone[3:]
        found.append(
            {
                "full_name": _respell(person.full_name),
                "birth_year": (person.birth_year or 1990) + 1,
                "sex": person.sex,
                "phone": phone,
                "phone_region": "TH",
                "_expected": person.pk,
            }
        )
    return found


def lookup_action(described: list[dict]) -> tuple[Callable[[], object], Callable[[], float]]:
    """An action doing one lookup per call (the intakes in turn) and the share of lookups so
    far that found their person."""
    state = {"next": 0, "done": 0, "found": 0}

    def action():
        intake = described[state["next"] % len(described)]
        state["next"] += 1
        wanted = {key: value for key, value in intake.items() if not key.startswith("_")}
        candidates = find_candidates(Person.objects.all(), **wanted)
        state["done"] += 1
        state["found"] += any(c.person.pk == intake["_expected"] for c in candidates)
        return candidates

    return action, lambda: state["found"] / max(state["done"], 1)
