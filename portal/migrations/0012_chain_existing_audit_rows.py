"""Chain the audit rows written before the hash chain existed, in id order, and record the
chain's head. On PostgreSQL the append-only trigger is switched off for this one update and
on again in the same transaction."""

from django.db import migrations

from portal import audit_chain

BATCH = 2000
TRIGGER = "portal_auditevent_append_only"


def _trigger(schema_editor, state: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Foreign-key checks still deferred in this transaction would forbid ALTER TABLE.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE portal_auditevent {state} TRIGGER {TRIGGER}")


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("portal", "AuditEvent")
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    seq, previous = 0, audit_chain.GENESIS
    _trigger(schema_editor, "DISABLE")
    batch = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=BATCH):
        seq += 1
        # Hash the values as stored (the content read back, not as first written).
        event.chain_seq, event.chain_previous = seq, previous
        event.chain_hash = audit_chain.digest(audit_chain.content_of(event), seq, previous)
        previous = event.chain_hash
        batch.append(event)
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["chain_seq", "chain_previous", "chain_hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["chain_seq", "chain_previous", "chain_hash"])
    _trigger(schema_editor, "ENABLE")
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": previous})


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("portal", "AuditEvent")
    _trigger(schema_editor, "DISABLE")
    AuditEvent.objects.update(chain_seq=None, chain_previous="", chain_hash="")
    _trigger(schema_editor, "ENABLE")
    apps.get_model("portal", "AuditChainHead").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0011_audit_hash_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
