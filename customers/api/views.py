"""Archive API (staff only; archives outside the caller's scope answer 404)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from customers import selectors, services
from customers.api.serializers import (
    ContactSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    OwnedProductSerializer,
    PartySerializer,
    ProductModelSerializer,
    TimelineEntrySerializer,
)
from customers.filters import (
    ContactFilterSet,
    CustomerFilterSet,
    OwnedProductFilterSet,
    PartyFilterSet,
    ProductModelFilterSet,
)
from customers.models import (
    ArchiveAccess,
    Contact,
    Customer,
    OwnedProduct,
    Party,
    ProductModel,
)


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer archives. `?q=` finds by name, phone (any format), e-mail, serial or invoice
    number. POST opens an archive, PATCH changes it (consent changes are logged); every
    retrieve is recorded in the archive's access log."""

    serializer_class = CustomerSerializer
    permission_classes = [IsStaffMember]
    filterset_class = CustomerFilterSet
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        return selectors.customer_list(
            user=self.request.user, q=self.request.query_params.get("q", "")
        )

    def filter_queryset(self, queryset):
        # `q` is handled by the selector (phone normalisation), not by SearchFilter.
        for backend in self.filter_backends:
            if backend.__name__ != "SearchFilter":
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def list(self, request, *args, **kwargs):
        """The archives of a page, and the access log's record of who saw how many."""
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", response.data)
        services.archive_access_log_list(
            user=request.user,
            query=request.query_params.get("q", ""),
            count=len(rows),
            where="api",
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        customer = self.get_object()
        services.archive_access_log(customer=customer, user=request.user)
        return Response(CustomerSerializer(customer).data)

    @extend_schema(request=CustomerInputSerializer, responses={201: CustomerSerializer})
    def create(self, request):
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_create(actor=request.user, **data.validated_data)
        return Response(
            CustomerSerializer(
                selectors.customer_get(user=request.user, pk=customer.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CustomerInputSerializer, responses={200: CustomerSerializer})
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        data = CustomerInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.customer_update(
            customer=customer, actor=request.user, **data.validated_data
        )
        return Response(
            CustomerSerializer(
                selectors.customer_get(user=request.user, pk=customer.pk)
            ).data
        )

    @extend_schema(responses={200: TimelineEntrySerializer(many=True)})
    # (the whole timeline as a list, as the contract has it: no pagination)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def timeline(self, request, pk=None):
        """Every contact, consent change, product, case, visit, follow-up and campaign."""
        customer = self.get_object()
        entries = selectors.customer_timeline(customer=customer)
        services.archive_access_log(
            customer=customer, user=request.user, action=ArchiveAccess.Action.TIMELINE
        )
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], filterset_class=None)
    def export(self, request, pk=None):
        """All personal data of the customer (PIPL); the export is logged."""
        return Response(
            services.customer_export_data(
                customer=self.get_object(), actor=request.user
            )
        )

    @extend_schema(request=None, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def anonymise(self, request, pk=None):
        """Anonymise on the customer's request (managers): personal data goes, cases and
        statistics stay."""
        customer = services.customer_anonymise(
            customer=self.get_object(), actor=request.user
        )
        return Response(CustomerSerializer(customer).data)


class OwnedProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Owned products (installed base) with computed `validity_start`/`validity_end`."""

    serializer_class = OwnedProductSerializer
    permission_classes = [IsStaffMember]
    filterset_class = OwnedProductFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OwnedProduct.objects.none()
        return selectors.product_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = selectors.customer_get(
            user=self.request.user, pk=data.pop("customer").pk
        )
        serializer.instance = services.product_register(
            actor=self.request.user, customer=customer, **data
        )

    def partial_update(self, request, pk=None):
        product = self.get_object()
        data = OwnedProductSerializer(product, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("customer", None)
        services.product_update(actor=request.user, product=product, **fields)
        return Response(OwnedProductSerializer(product).data)


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The contact log: every inbound and outbound contact with its disposition."""

    serializer_class = ContactSerializer
    permission_classes = [IsStaffMember]
    filterset_class = ContactFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return selectors.contact_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer", None)
        if customer is not None:
            customer = selectors.customer_get(user=self.request.user, pk=customer.pk)
        serializer.instance = services.contact_log(
            actor=self.request.user, customer=customer, **data
        )


class PartyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Parties: producers, suppliers, sellers, carriers, installers, service providers."""

    serializer_class = PartySerializer
    permission_classes = [IsStaffMember]
    filterset_class = PartyFilterSet
    search_fields = ["name"]
    queryset = Party.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.party_save(
            actor=self.request.user, **serializer.validated_data
        )


class ProductModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Product models (category, producer, main components, maintenance interval)."""

    serializer_class = ProductModelSerializer
    permission_classes = [IsStaffMember]
    filterset_class = ProductModelFilterSet
    search_fields = ["code", "name"]
    queryset = ProductModel.objects.select_related("producer")

    def perform_create(self, serializer):
        serializer.instance = services.product_model_save(
            actor=self.request.user, **serializer.validated_data
        )
