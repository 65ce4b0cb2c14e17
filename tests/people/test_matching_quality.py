"""Quality of the matching, measured on a deterministic labelled corpus (issue 21):
recall (the true person among the candidates) >= 0.95 and at most one wrong candidate per
intake on average. Run with `-s` for the figures per variation."""

from collections import Counter, defaultdict

import pytest

from people.duplicates import find_candidates
from people.keys import apply_derived_fields
from people.models import Person
from tests.people.matching_corpus import VARIATIONS, corpus

pytestmark = pytest.mark.django_db


def _register(records, location, prefix):
    people = []
    for number, record in enumerate(records):
        person = Person(
            case_number=f"{prefix}-26-{number:05d}",
            full_name=record.full_name,
            name_my=record.name_my,
            birth_year=record.birth_year,
            sex=record.sex,
            phone=record.phone,
            location=location,
        )
        apply_derived_fields(person)
        people.append(person)
    return Person.objects.bulk_create(people)


def test_recall_and_wrong_candidates_on_the_labelled_corpus(mae_sot):
    registered, distractors, intakes = corpus()
    people = _register(registered, mae_sot, "QA")
    _register(distractors, mae_sot, "QB")
    found_true, wrong, tried = Counter(), Counter(), Counter()
    negatives_wrong = 0
    for intake in intakes:
        record = intake.record
        candidates = find_candidates(
            Person.objects.all(),
            full_name=record.full_name,
            name_my=record.name_my,
            birth_year=record.birth_year,
            sex=record.sex,
            phone=record.phone,
            phone_region="TH",
        )
        found = {candidate.person.pk for candidate in candidates}
        if intake.true_index is None:
            negatives_wrong += len(found)
            continue
        true_pk = people[intake.true_index].pk
        hit = true_pk in found
        for variation in (*intake.variations, "all"):
            tried[variation] += 1
            found_true[variation] += hit
            wrong[variation] += len(found - {true_pk})
    positives = tried["all"]
    negatives = len(intakes) - positives
    recall = found_true["all"] / positives
    wrong_per_intake = (wrong["all"] + negatives_wrong) / len(intakes)

    print(f"\nMatching quality: {positives} true pairs, {negatives} hard negatives")
    by_variation = defaultdict(str)
    for variation in (*VARIATIONS, "all"):
        if tried[variation]:
            by_variation[variation] = (
                f"recall {found_true[variation] / tried[variation]:.3f}, "
                f"wrong {wrong[variation] / tried[variation]:.2f} per intake"
            )
            print(f"  {variation:16} {tried[variation]:4} intakes: {by_variation[variation]}")
    print(f"  hard negatives   {negatives:4} intakes: wrong {negatives_wrong / negatives:.2f} each")
    print(f"  recall {recall:.3f}; wrong candidates {wrong_per_intake:.2f} per intake")

    assert positives >= 300 and negatives >= 300
    assert all(
        1 <= len(intake.variations) <= 3 for intake in intakes if intake.true_index is not None
    )
    assert all(tried[variation] >= 20 for variation in VARIATIONS), tried
    assert recall >= 0.95
    assert wrong_per_intake <= 1.0
