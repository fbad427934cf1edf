"""Admin of the standards app: read-mostly. Lifecycle fields are read-only (they move only
through services); legal rule sets are read-only seeded data."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin
from standards.models import (
    Acknowledgement,
    BusinessCalendar,
    CalendarOverride,
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)


@admin.register(StandardDocument)
class StandardDocumentAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "owner_unit", "owner"]
    list_filter = ["kind"]
    search_fields = ["code", "title"]
    list_select_related = ["owner_unit", "owner"]
    autocomplete_fields = ["related"]


@admin.register(StandardVersion)
class StandardVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "document",
        "version",
        "status",
        "effective_from",
        "next_review_due",
    ]
    list_filter = ["status", "document__kind"]
    list_select_related = ["document"]
    search_fields = ["document__code", "title"]


@admin.register(LegalRuleSet)
class LegalRuleSetAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "version", "effective_from", "is_active"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "unit",
        "day_start",
        "day_end",
        "follows_statutory_holidays",
    ]
    list_select_related = ["unit"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "is_working", "unit"]
    list_filter = ["is_working"]
    date_hierarchy = "day"
    list_select_related = ["unit"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "document", "status", "raised_by", "raised_at"]
    list_filter = ["status"]
    list_select_related = ["document", "raised_by"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["version", "user", "acknowledged_at"]
    list_select_related = ["version__document", "user"]
