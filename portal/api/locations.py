"""Sites (locations): every role reads the sites of its scope; admins create and change them."""

from __future__ import annotations

import django_filters
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from portal import services
from portal.api.filters import StrictBooleanFilter, StrictFilterSet
from portal.api.serializers import StrictModelSerializer
from portal.api.views import CreateMixin, ListMixin, PortalViewSet, RetrieveMixin, UpdateMixin
from portal.models import Location
from portal.roles import ADMINS, Role


class UpperCaseSlugField(serializers.SlugField):
    """Site codes are stored in capitals (`Location.save`): compare them that way too."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class LocationSerializer(StrictModelSerializer):
    """A site, as every role sees it."""

    class Meta:
        model = Location
        fields = ["id", "code", "name", "kind", "country", "active"]
        read_only_fields = fields


class LocationAdminSerializer(StrictModelSerializer):
    """A site as admins see and change it (with the prefix of its case numbers)."""

    # Declared (not generated) so that the unique check sees the code in capitals.
    code = UpperCaseSlugField(
        max_length=32, validators=[UniqueValidator(queryset=Location.objects.all())]
    )

    class Meta:
        model = Location
        ref_name = "Location"  # the schema shows this field set (others are a subset)
        fields = ["id", "code", "case_prefix", "name", "kind", "country", "active"]


class LocationFilter(StrictFilterSet):
    active = StrictBooleanFilter()
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)

    class Meta:
        model = Location
        fields = ["active", "kind"]


class LocationViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """Sites. Case workers and trainers see the sites they are assigned to (per
    `Location.scope`), analysts and admins all of them; only admins create or change one."""

    queryset = Location.objects.all()
    role_serializers = {
        Role.ADMIN: LocationAdminSerializer,
        Role.CASE_WORKER: LocationSerializer,
        Role.TRAINER: LocationSerializer,
        Role.ANALYST: LocationSerializer,
    }
    write_roles = ADMINS
    filterset_class = LocationFilter
    search_fields = ("code", "name")
    ordering_fields = ("name", "code", "id")
    ordering = ["name", "id"]

    version_field = "version"

    def perform_create(self, serializer):
        return services.save_location(by=self.request.user, values=serializer.validated_data)

    def perform_update(self, serializer, instance):
        return services.save_location(
            by=self.request.user,
            values=serializer.validated_data,
            location=instance,
            expected_version=instance.version,
        )
