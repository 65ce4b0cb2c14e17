from django.dispatch import Signal

# Sent inside the merge transaction, before the records of `merge` move to `keep`, so that
# other apps can resolve rows that would break their constraints (e.g. the same session
# twice). Arguments: keep, merge (Person), by (User). Receivers return a dict of what they
# changed, for the audit row.
before_merge = Signal()

# Sent by the services (and the import) when people were registered or their identifying
# details changed, with `person_ids`; `people.tasks` queues their duplicate review after the
# commit (a signal, so that the services do not import the tasks).
people_changed = Signal()
