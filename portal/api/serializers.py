"""Base serializers: a field a role may not write is refused with 400, never ignored."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.filters import MAX_ID


class StrictSerializerMixin:
    """Refuses request keys the serializer does not accept for this request.

    - unknown keys (including fields of another role's field set): "Unknown field.";
    - read-only fields: "This field cannot be written.";
    - `Meta.create_only_fields` sent with an update: "This field can only be set on creation."
    """

    unknown_message = _("Unknown field.")
    read_only_message = _("This field cannot be written.")
    create_only_message = _("This field can only be set on creation.")

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self._refused_keys(data)
            for key, value in data.items():
                if key not in errors and key in self.fields:
                    message = json_type_error(self.fields[key], value)
                    if message:
                        errors[key] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _refused_keys(self, data: Mapping) -> dict[str, list[str]]:
        create_only = set(getattr(getattr(self, "Meta", None), "create_only_fields", ()))
        # A nested serializer is "updating" when its root is.
        updating = self.root.instance is not None
        errors = {}
        for key in data:
            field = self.fields.get(key)
            if field is None:
                errors[key] = [self.unknown_message]
            elif field.read_only:
                errors[key] = [self.read_only_message]
            elif updating and key in create_only:
                errors[key] = [self.create_only_message]
        return errors


def json_type_error(field: serializers.Field, value) -> str | None:
    """A message when a JSON value has the wrong type for the field (DRF itself would turn
    `"5"` into 5, `1` into true or `5` into "5"; the schema promises exact types)."""
    if value is None:
        return None  # the field decides whether null is allowed
    if isinstance(field, serializers.BooleanField):
        ok, expected = isinstance(value, bool), _("true or false")
    elif isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), _("a whole number")
    elif isinstance(field, serializers.DecimalField | serializers.FloatField):
        if getattr(field, "coerce_to_string", False):
            ok, expected = isinstance(value, str), _("a number in a string")
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            expected = _("a number")
    elif isinstance(field, serializers.ListField | serializers.ListSerializer):
        ok, expected = isinstance(value, list), _("a list")
    elif isinstance(field, serializers.Serializer | serializers.DictField):
        ok, expected = isinstance(value, Mapping), _("an object")
    elif isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.DateField
        | serializers.DateTimeField
        | serializers.TimeField,
    ):
        ok, expected = isinstance(value, str), _("a string")
    else:
        return None
    return None if ok else str(_("Expected %(type)s.") % {"type": expected})


class PlainFieldsSerializerMixin:
    """For a request body's serializer made of plain fields (no nested serializer) that no
    code changes once declared: each serializer's fields are shallow copies of the declared
    ones instead of DRF's deep copies.

    DRF deep-copies every declared field for each serializer, which runs each field's
    `__init__` again (choices, validators, messages): about 800 Python calls for the people
    search's body on every search, for the same fields. A shallow copy has its own binding
    (name, parent, source: set by `bind` on the copy) and shares what validation only reads
    (choices, validators, error messages); tests/api/test_serializers_plain_fields.py checks
    that copies share no binding and validate as DRF's own."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        nested = [
            name
            for name, field in getattr(cls, "_declared_fields", {}).items()
            if isinstance(field, serializers.BaseSerializer)
        ]
        if nested:
            raise TypeError(f"{cls.__name__}: nested serializers need DRF's deep copy: {nested}")

    def get_fields(self) -> dict:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """Base of every API model serializer.

    Subclasses list their fields explicitly (`Meta.fields`, never `__all__`) and may declare
    `Meta.create_only_fields` (e.g. the person a note belongs to). Querysets of related fields
    that depend on the user are narrowed in `__init__` through `self.user`.
    """

    @property
    def user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_fields(self):
        fields = self._model_fields()
        create_only = set(getattr(self.Meta, "create_only_fields", ()))
        if self.root.instance is not None:
            # On update, a create-only field is neither required nor accepted (refused above).
            for name in create_only & set(fields):
                fields[name].required = False
        return fields

    def _model_fields(self) -> dict:
        """ModelSerializer's fields, built from the model once per class and language, then
        copied for each serializer as DRF copies declared fields. Building them reads the
        model's metadata field by field: a tenth of the people API list's time, for the same
        answer every time. The language is in the key because DRF keeps a field's label only
        where the translated verbose name differs from the field's name."""
        key = (type(self), get_language())
        built = _MODEL_FIELDS.get(key)
        if built is None:
            built = _MODEL_FIELDS[key] = super().get_fields()
        return copy.deepcopy(built)


# (serializer class, language) -> its fields as ModelSerializer builds them, never bound.
_MODEL_FIELDS: dict[tuple[type, str | None], dict] = {}


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """The id of a related record, looked up in `get_queryset()` (narrowed to the caller's
    scope by subclasses): ids out of scope are "does not exist", like ids never issued."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (see `portal.api.exceptions`)."""

    status = serializers.IntegerField(help_text=_("The HTTP status code."))
    code = serializers.CharField(help_text=_("A machine-readable error code."))
    detail = serializers.CharField(help_text=_("A message for people."))
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_("Messages per field (`non_field_errors` for the whole object)."),
    )
