"""Admin of the portal: the e-mails read from the service mailbox (read-only)."""

from django.contrib import admin

from portal.models import InboundEmail


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "ticket"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
