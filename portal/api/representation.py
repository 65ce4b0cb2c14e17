"""Lists turned into JSON data by one shared serializer instead of a new one per request.

DRF builds a serializer's fields for every instance: it deep-copies each declared field, which
runs the field's `__init__` again with deep copies of its arguments (validators, choices,
the nested serializers' own fields). For a page of people that is about a millisecond of
each request, and a page's representation changed nothing in those fields. Reading needs
no copy: a field's `to_representation` does not change the field. So a list's rows are
represented by one serializer per class and language, built once, its fields bound once, and
read by DRF's own loop over the fields (`Serializer.to_representation`, with the readable
fields listed once): the same data, key by key (`tests/api/test_representation.py`).

Only serializers whose reading cannot depend on the request are shared (`_reads_alone`): DRF's
plain fields, primary keys of related records and nested serializers made of those. A field
that may read the serializer's context (a method field, a file URL, a hyperlink, a field
class of the project that overrides how it reads or writes its value) keeps the serializer
to its request: such a list is represented the usual way, a new serializer per request. The
shared serializer's context refuses to be read (`ContextNeeded`): a field that reads it anyway
sends its class back to the usual way for good.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.db.models.manager import BaseManager
from django.utils.translation import get_language
from rest_framework import fields, relations, serializers
from rest_framework.relations import PKOnlyObject

# Where DRF defines the reading of fields that depend on nothing but the value: a method of a
# field class defined elsewhere (the project's) is not assumed to be so.
_DRF_MODULES = frozenset({fields.__name__, relations.__name__, serializers.__name__})

_READING_METHODS = ("get_attribute", "to_representation")

# DRF's plain fields that read the serializer's context (the request) or call the serializer.
# (Hyperlinks are related fields, refused as any related field other than a primary key.)
_CONTEXT_FIELDS = (fields.SerializerMethodField, fields.FileField)

# (serializer class, language) -> the reader of its shared serializer, or None when the
# serializer cannot be shared.
_SHARED: dict[tuple[type, str | None], _RowReader | None] = {}


class ContextNeeded(Exception):
    """A field of a shared serializer read the serializer's context while reading a row."""


class _NoContext(Mapping):
    """The shared serializer's context: reading it is refused, so that a field that turns out
    to need the request is found, and its list represented the usual way."""

    def __getitem__(self, key):
        raise ContextNeeded(key)

    def __iter__(self):
        raise ContextNeeded("keys")

    def __len__(self):
        raise ContextNeeded("size")


class ValuesRow(dict):
    """One record's values (a row of `values()`, keyed by column: `location_id` for the
    related `location`), read by a serializer as it reads the model object: DRF's fields read
    a mapping by key and a related record's id by `serializable_value`. A shared serializer
    reads such a row by key directly (`_RowReader`), without DRF's way to an attribute (a
    mapping test, a callable test, a lookup per field)."""

    __slots__ = ()

    @property
    def pk(self):
        return self["id"]

    def serializable_value(self, field_name: str) -> object:
        return self[f"{field_name}_id"]

    def __repr__(self) -> str:
        # The id only: a name never reaches a log line or a traceback's locals.
        return f"<ValuesRow {self.get('id')}>"


class _RowReader:
    """DRF's `Serializer.to_representation` for a shared serializer, its readable fields listed
    once rather than filtered again for each row (`_readable_fields`), its nested serializers
    read the same way (`ListSerializer.to_representation` for a list of them)."""

    __slots__ = ("fields", "keyed_fields")

    def __init__(self, serializer: serializers.Serializer):
        self.fields = tuple(
            (field.field_name, field, _nested_reader(field))
            for field in serializer._readable_fields
        )
        # For a `ValuesRow`: each field's value by its key, as DRF's `get_attribute` would
        # find it (its source; a related record's id column; the nested rows' list).
        self.keyed_fields = tuple(
            (
                name,
                f"{field.source}_id" if isinstance(field, relations.RelatedField) else field.source,
                field,
                nested,
                isinstance(field, relations.RelatedField),
            )
            for name, field, nested in self.fields
        )

    def __call__(self, instance) -> dict:
        if type(instance) is ValuesRow:
            return self._read_values(instance)
        row = {}
        for name, field, nested in self.fields:
            try:
                attribute = field.get_attribute(instance)
            except fields.SkipField:
                continue
            # As DRF: None stays None (a related record's primary key included).
            if (attribute.pk if isinstance(attribute, PKOnlyObject) else attribute) is None:
                row[name] = None
            elif nested is None:
                row[name] = field.to_representation(attribute)
            else:
                row[name] = nested(attribute)
        return row

    def _read_values(self, values: ValuesRow) -> dict:
        """`__call__` for a row of values: DRF's `get_attribute` of a mapping, whose values
        are plain data (never a callable to call), is the value at the field's key."""
        row = {}
        for name, key, field, nested, related in self.keyed_fields:
            value = values[key]
            if value is None:
                row[name] = None
            elif nested is not None:
                row[name] = nested(value)
            else:
                row[name] = field.to_representation(PKOnlyObject(pk=value) if related else value)
        return row


def _nested_reader(field: fields.Field) -> Callable | None:
    if isinstance(field, serializers.ListSerializer):
        child = _RowReader(field.child)

        def read_list(data) -> list:
            items = data.all() if isinstance(data, BaseManager) else data
            return [child(item) for item in items]

        return read_list
    if isinstance(field, serializers.Serializer):
        return _RowReader(field)
    return None


def represent_many(
    serializer_class: type[serializers.Serializer], objects: Iterable, context: dict
) -> list:
    """The data of `objects` as `serializer_class(objects, many=True, context=context).data`
    would give it, from the class's shared serializer when its reading needs no context."""
    key = (serializer_class, get_language())
    if key not in _SHARED:
        _SHARED[key] = _shared_reader(serializer_class)
    reader = _SHARED[key]
    if reader is not None:
        try:
            return [reader(obj) for obj in objects]
        except ContextNeeded:
            _SHARED[key] = None
    return serializer_class(objects, many=True, context=context).data


def _shared_reader(serializer_class: type[serializers.Serializer]) -> _RowReader | None:
    """The reader of a serializer of the class for every request, its fields built and bound
    now (later readers only read them), or None when its fields may depend on the request."""
    serializer = serializer_class(context=_NoContext())
    try:
        return _RowReader(serializer) if _reads_alone(serializer) else None
    except ContextNeeded:
        return None


def _reads_alone(field: fields.Field) -> bool:
    """Whether the field's data depends on the value alone (for a serializer: on the values of
    its readable fields alone), never on the context or on state set while reading."""
    if isinstance(field, _CONTEXT_FIELDS):
        return False
    if not _drf_reading(type(field)):
        return False
    if isinstance(field, serializers.ListSerializer):
        return _reads_alone(field.child)
    if isinstance(field, serializers.Serializer):
        return all(_reads_alone(child) for child in field.fields.values() if not child.write_only)
    if isinstance(field, relations.ManyRelatedField):
        return _reads_alone(field.child_relation)
    if isinstance(field, relations.RelatedField):
        # The related record's primary key, read from the row itself (no query, no context).
        return (
            isinstance(field, relations.PrimaryKeyRelatedField)
            and field.pk_field is None
            and field.use_pk_only_optimization()
        )
    if isinstance(field, fields.ListField | fields.DictField | fields.HStoreField):
        return _reads_alone(field.child)
    return True


def _drf_reading(field_class: type) -> bool:
    """Whether the class reads its value as DRF wrote it (`get_attribute` and
    `to_representation`), not as a class of the project overriding them might."""
    return all(_defined_in_drf(field_class, name) for name in _READING_METHODS)


def _defined_in_drf(cls: type, name: str) -> bool:
    owner = next(klass for klass in cls.__mro__ if name in vars(klass))
    return owner.__module__ in _DRF_MODULES
