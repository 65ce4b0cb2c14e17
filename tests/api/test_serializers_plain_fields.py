"""Request serializers whose fields are shallow copies of the declared ones
(`portal.api.serializers.PlainFieldsSerializerMixin`): each serializer's own binding, the same
validation as DRF's deep copies."""

import pytest
from rest_framework import serializers

from people.api.serializers import PersonSearchSerializer
from portal.api.serializers import PlainFieldsSerializerMixin


class DeepCopied(PersonSearchSerializer):
    """The search body as DRF builds it: every declared field deep-copied."""

    def get_fields(self):
        return serializers.Serializer.get_fields(self)


BODIES = [
    {},
    {"q": "  kyaw  ", "status": "active", "exit_type": "defected", "page": 2, "page_size": 50},
    {"q": 5, "status": "nope", "location": "3", "page": 0, "page_size": 10_000},
    {"exit_month": "2025-13", "ordering": "name,-nothing", "affiliation": "soldier"},
    {"q": "a\x00b", "recruit_status": None, "unknown": 1, "location": True},
    {"q": "x" * 500, "exit_month": "2025-01", "ordering": "-registered,name"},
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_validates_as_with_drfs_deep_copies(body):
    shared, deep = PersonSearchSerializer(data=body), DeepCopied(data=body)
    assert shared.is_valid() == deep.is_valid()
    assert shared.errors == deep.errors
    if shared.is_valid():
        assert shared.validated_data == deep.validated_data


def test_each_serializer_binds_its_own_fields_and_the_declared_ones_stay_unbound():
    first, second = PersonSearchSerializer(data={}), PersonSearchSerializer(data={})
    for name, declared in PersonSearchSerializer._declared_fields.items():
        assert first.fields[name] is not second.fields[name] is not declared
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert first.fields[name].field_name == name
        assert declared.parent is None and declared.field_name is None
    # What validation only reads is shared, not built again (DRF's deep copy runs each
    # field's __init__ again).
    status = PersonSearchSerializer._declared_fields["status"]
    assert first.fields["status"].choices is second.fields["status"].choices is status.choices
    page = PersonSearchSerializer._declared_fields["page"]
    assert first.fields["page"].validators is page.validators


def test_a_nested_serializer_is_refused_when_the_class_is_made():
    class Child(serializers.Serializer):
        name = serializers.CharField()

    with pytest.raises(TypeError, match="nested"):

        class Parent(PlainFieldsSerializerMixin, serializers.Serializer):
            child = Child()
