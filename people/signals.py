from django.dispatch import Signal

# Sent inside the merge transaction, before the records of `merge` move to `keep`, so that
# other apps can resolve rows that would break their constraints (e.g. the same session
# twice). Arguments: keep, merge (Person), by (User). Receivers return a dict of what they
# changed, for the audit row.
before_merge = Signal()
