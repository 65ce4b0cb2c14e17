"""The one disclosure layer: every figure that reaches analysts or leaves the portal for
publication passes through `protect` (docs/statistics.md).

The method is the **cell-key method** (UK ONS, Australian Bureau of Statistics). Every person
has a permanent random record key (`people.models.Person.record_key`, never exported). When a
report is computed (`reports.compute`), each count is stored with its *cell key*: the sum, modulo
`KEY_RANGE`, of the record keys of the people (or of the records' people) in the cell. Those
keys live in the report's data under one reserved top-level key, `CELL_KEYS`, mirroring the
shape of the figures, and are removed before anyone, admins included, sees the data.

A perturbation table maps (true count, cell key) to the published count. The key decides which
column of the table is used, so the same group of people always gets the same published value,
in every table, format, period and rebuild; a different group of the same size gets its own.

The table (parameters in settings, `STATISTICS_*`):

- 0 stays 0;
- 1 to SMALL−1 (1–4 by default) are published as 0, always;
- SMALL is published as 0 when its noise is negative, otherwise as SMALL + noise;
- larger counts are published as count + noise, never below SMALL;
- the noise is an integer from −MAX_NOISE to +MAX_NOISE (±2), drawn by the cell key with
  the probabilities `STATISTICS_NOISE_PROBABILITIES` (for 0, ±1, ±2, …).

So a published 0 stands for 0 to SMALL people and no value 1 to SMALL−1 is ever published. Why
small counts never become SMALL (and a count of SMALL may become 0): a published value must never
put a true count of 1–4 at the edge of what it can stand for, or a single total minus its other
parts could pin it down (a published SMALL for a true 1 tells "at least 1"; one difference whose
noise happened to be extreme would then tell "at most 1"). With the rule above, every true
count 1–4 lies strictly inside the range of true values its published 0 stands for (0 to SMALL).

The key tree (`CELL_KEYS`) holds, at the place of each figure:

- an integer: the figure is a count; it is perturbed with that key;
- `EXACT`: the figure is not about people (training sessions held, homes, places) and is
  published as it is;
- `[RATIO, numerator, denominator, digits]`: a rate, share or average, recomputed from
  published figures: each operand is the path of a published figure, or a `[count, key]`
  perturbed like any count; withheld when the published base is 0;
- `[AMOUNT, count, key]`: a sum of money behind `count` records with that cell key: scaled to
  the published count (amount ÷ count × published count), rounded to
  `STATISTICS_AMOUNT_ROUNDING`; withheld when the published count is 0.

A number with no entry in the key tree is withheld (`None`): a section added later without keys
is protected by default, never published exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from people.models import RECORD_KEY_RANGE

CELL_KEYS = "cell_keys"
KEY_RANGE = RECORD_KEY_RANGE
EXACT = "exact"
RATIO = "ratio"
AMOUNT = "amount"


@dataclass(frozen=True)
class Table:
    """The perturbation table's parameters."""

    small: int  # counts 1..small-1 are never published as such
    max_noise: int
    probabilities: tuple[float, ...]  # for noise 0, ±1, ±2, … (each sign)
    amount_rounding: int

    @property
    def noises(self) -> list[int]:
        return list(range(-self.max_noise, self.max_noise + 1))

    @property
    def weights(self) -> list[float]:
        return [self.probabilities[abs(noise)] for noise in self.noises]


def table() -> Table:
    return _table(
        settings.STATISTICS_SMALL_COUNT,
        settings.STATISTICS_MAX_NOISE,
        tuple(settings.STATISTICS_NOISE_PROBABILITIES),
        settings.STATISTICS_AMOUNT_ROUNDING,
    )


@lru_cache(maxsize=8)
def _table(small: int, max_noise: int, probabilities: tuple, amount_rounding: int) -> Table:
    if small < 1 or max_noise < 1 or amount_rounding < 1:
        raise ValueError("STATISTICS_SMALL_COUNT, _MAX_NOISE, _AMOUNT_ROUNDING must be ≥ 1")
    if len(probabilities) != max_noise + 1 or not all(p > 0 for p in probabilities):
        # Every noise must be possible: a published value then always stands for a whole range.
        raise ValueError("STATISTICS_NOISE_PROBABILITIES needs one positive weight per noise size")
    return Table(small, max_noise, tuple(float(p) for p in probabilities), amount_rounding)


def check_table(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: a wrong STATISTICS_* setting stops the start, not a page."""
    try:
        table()
    except (ValueError, TypeError, IndexError) as error:
        return [checks.Error(str(error), id="reports.E001")]
    return []


def noise(cell_key: int, spec: Table) -> int:
    """The noise chosen by a cell key: its position in [0, 1) against the cumulative weights."""
    weights = spec.weights
    bounds = list(accumulate(weights))
    position = (cell_key % KEY_RANGE) / KEY_RANGE * bounds[-1]
    return spec.noises[min(bisect_right(bounds, position), len(weights) - 1)]


def perturb(count: int, cell_key: int, spec: Table | None = None) -> int:
    """The published value of a count of people with its cell key (same in → same out)."""
    spec = spec or table()
    if count <= 0:
        return 0
    if count < spec.small:
        return 0
    shift = noise(cell_key, spec)
    if count == spec.small and shift < 0:
        return 0
    return max(spec.small, count + shift)


def possible_counts(published: int, spec: Table | None = None) -> range:
    """Every true count that can be published as `published` (what a reader can infer)."""
    spec = spec or table()
    if published == 0:
        return range(0, spec.small + 1)
    low = max(spec.small, published - spec.max_noise)
    return range(low, published + spec.max_noise + 1)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def without_keys(data: dict) -> dict:
    """A report's data as admins see it: everything but the cell keys."""
    return {name: value for name, value in data.items() if name != CELL_KEYS}


def protect(data: dict) -> dict:
    """A copy of a report's data fit for analysts and publication (no keys, every number
    perturbed, derived from perturbed figures, or withheld)."""
    spec = table()
    keys = data.get(CELL_KEYS) or {}
    figures = without_keys(data)
    published = _walk(figures, keys, spec)
    _derive(published, figures, keys, spec)
    return published


def _walk(value, key, spec: Table):
    if isinstance(value, dict):
        inner = key if isinstance(key, dict) else {}
        return {name: _walk(item, inner.get(name), spec) for name, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, None, spec) for item in value]
    if not is_number(value):
        return value  # labels, dates, None
    if key == EXACT:
        return value
    if isinstance(key, int) and not isinstance(key, bool) and isinstance(value, int):
        return perturb(value, key, spec)
    return None  # derived (filled in by `_derive`) or without a key: withheld


def _derive(published: dict, exact: dict, keys: dict, spec: Table) -> None:
    for path, rule in _rules(keys, ()):
        if _get(exact, path) is None:
            continue  # nothing to publish (e.g. no attendance to compute a rate from)
        if rule[0] == RATIO:
            numerator, denominator = (_operand(published, rule[i], spec) for i in (1, 2))
            value = (
                round(numerator / denominator, rule[3])
                if is_number(numerator) and is_number(denominator) and denominator > 0
                else None
            )
        else:  # AMOUNT
            amount, count, cell_key = _get(exact, path), rule[1], rule[2]
            shown = perturb(count, cell_key, spec)
            value = (
                round(amount / count * shown / spec.amount_rounding) * spec.amount_rounding
                if shown and count and is_number(amount)
                else None
            )
        _set(published, path, value)


def _operand(published: dict, operand: list, spec: Table):
    """A ratio's operand: the path of a published figure, or a [count, key] not published on
    its own (e.g. attendance marks), perturbed here."""
    if len(operand) == 2 and all(isinstance(part, int) for part in operand):
        return perturb(operand[0], operand[1], spec)
    return _get(published, operand)


def _rules(keys, path: tuple) -> Iterator[tuple[tuple, list]]:
    if isinstance(keys, dict):
        for name, inner in keys.items():
            yield from _rules(inner, (*path, name))
    elif isinstance(keys, list) and keys and keys[0] in (RATIO, AMOUNT):
        yield path, keys


def _get(data, path):
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    return data


def _set(data: dict, path: tuple, value) -> None:
    for name in path[:-1]:
        data = data.get(name)
        if not isinstance(data, dict):
            return
    if path and path[-1] in data:
        data[path[-1]] = value


def method_note() -> str:
    """The method and its parameters, printed with every publication (never the keys)."""
    spec = table()
    return _(
        "Protected with the cell-key method (UK ONS, Australian Bureau of Statistics): every "
        "count is perturbed by a small amount decided by a secret key of the people it counts, "
        "the same people always giving the same figure. Counts from 1 to %(below)s are "
        "published as 0 and no figure from 1 to %(below)s is published; a published 0 stands "
        "for 0 to %(small)s people; other counts differ from the true count by at most "
        "%(noise)s. Totals are protected as counts of their own and may differ slightly from "
        "the sum of their parts. Rates, shares and averages are computed from the published "
        "counts; amounts of money are scaled to the published count and rounded to "
        "%(rounding)s, and withheld when it is 0."
    ) % {
        "below": spec.small - 1,
        "small": spec.small,
        "noise": spec.max_noise,
        "rounding": spec.amount_rounding,
    }
