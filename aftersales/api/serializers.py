"""Serializers of the people endpoints (read-only output, token input)."""

from rest_framework import serializers

from aftersales.models import Membership, Unit, User


class UnitSerializer(serializers.ModelSerializer):
    """A unit of the organisation tree."""

    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent", "path", "depth", "is_active"]


class MembershipSerializer(serializers.ModelSerializer):
    """A user's unit, flattened."""

    id = serializers.IntegerField(source="unit.id")
    code = serializers.CharField(source="unit.code")
    name = serializers.CharField(source="unit.name")
    kind = serializers.CharField(source="unit.kind")

    class Meta:
        model = Membership
        fields = ["id", "code", "name", "kind", "is_supervisor"]


class UserSerializer(serializers.ModelSerializer):
    """A person: `name`, `roles` (role keys) and `units`."""

    name = serializers.CharField(read_only=True)
    roles = serializers.ListField(
        source="role_names", child=serializers.CharField(), read_only=True
    )
    units = MembershipSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "roles", "units"]


class TokenInputSerializer(serializers.Serializer):
    """Credentials for a token."""

    username = serializers.CharField()
    password = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    """An API token."""

    token = serializers.CharField()


class TokenInfoSerializer(serializers.Serializer):
    """One of my API tokens, without its key."""

    created = serializers.DateTimeField()
    expires = serializers.DateTimeField()
    ending = serializers.CharField(help_text="The key's last four characters.")
