"""The shape of a report: named sections, each computed for a period.

A leaf module, so that `reports.compute` (people's sections) and `reports.compute_programs`
(programme sections) share the type without importing each other.
"""

from collections.abc import Callable

from reports.periods import Period

Sections = dict[str, Callable[[Period], dict]]
