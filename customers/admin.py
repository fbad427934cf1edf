"""Admin of the customer archive: parties and product models are edited here too; customer
archives, products, contacts and logs are read-only (they change through services, which
log consent and recompute validity)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin
from customers.models import (
    ArchiveAccess,
    Contact,
    Customer,
    ImportJob,
    OwnedProduct,
    Party,
    ProductModel,
)


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_person", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "producer"]
    list_filter = ["category"]
    search_fields = ["code", "name"]
    list_select_related = ["producer"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "segment", "city", "unit", "created_at", "anonymised_at"]
    list_filter = ["segment", "region"]
    search_fields = ["search_name", "phones__number", "email"]
    list_select_related = ["unit"]


@admin.register(OwnedProduct)
class OwnedProductAdmin(ReadOnlyAdmin):
    list_display = ["serial", "model", "customer", "sale_date", "validity_end"]
    search_fields = ["serial", "invoice_number"]
    list_select_related = ["model", "customer"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["at", "customer", "channel", "disposition", "received_by"]
    list_filter = ["channel", "disposition"]
    list_select_related = ["customer", "received_by"]


@admin.register(ArchiveAccess)
class ArchiveAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "customer"]
    list_filter = ["action"]
    list_select_related = ["user", "customer"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "kind",
        "status",
        "valid_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
