"""People endpoints: token, me, staff directory, unit tree."""

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from aftersales import selectors, services
from aftersales.api import IsStaffMember
from aftersales.api.authentication import token_expires_at
from aftersales.api.serializers import (
    TokenInfoSerializer,
    TokenInputSerializer,
    TokenSerializer,
    UnitSerializer,
    UserSerializer,
)
from aftersales.clients import sign_in_limited
from aftersales.filters import UnitFilterSet, UserFilterSet
from aftersales.models import Unit, User


class TokenView(APIView):
    """Exchange a username and password for an API token (throttled per client)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"

    @extend_schema(request=TokenInputSerializer, responses={200: TokenSerializer})
    def post(self, request):
        if sign_in_limited(request._request):
            raise Throttled(
                detail=_("Too many sign-in attempts. Wait a minute and try again.")
            )
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # (the Django request: django-axes marks it when the account or address is
        # locked out, and its middleware answers 429)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("Unable to log in with the given username and password.")
                    ]
                }
            )
        token, _created = Token.objects.get_or_create(user=user)
        if token_expires_at(token.created) <= timezone.now():
            token.delete()  # an expired token is replaced, never handed out again
            token = Token.objects.create(user=user)
        return Response({"token": token.key})


class MyTokensView(APIView):
    """My API tokens: `GET` lists them (when made, until when they work, the key's last
    four characters, never the key); `DELETE` revokes them all (204). A password change
    revokes them too."""

    @extend_schema(responses={200: TokenInfoSerializer(many=True)})
    def get(self, request):
        return Response(
            TokenInfoSerializer(services.token_list(user=request.user), many=True).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user: id, username, name, roles and units."""

    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(selectors.me_get(user=request.user)).data)


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff directory (staff only). Filters: username, role, unit; `q` searches names."""

    serializer_class = UserSerializer
    permission_classes = [IsStaffMember]
    filterset_class = UserFilterSet
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return User.objects.none()
        return selectors.user_list(viewer=self.request.user)


class UnitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The organisation tree (staff only), in tree order."""

    serializer_class = UnitSerializer
    permission_classes = [IsStaffMember]
    filterset_class = UnitFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["path", "code", "name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Unit.objects.none()
        return selectors.unit_list(viewer=self.request.user)
