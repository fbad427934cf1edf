"""Admin of the cross-cutting app: people and units are managed here; notifications, outbox
and job runs are read-only records."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from aftersales.clients import sign_in_limited
from aftersales.models import (
    JobRun,
    Membership,
    Notification,
    OutboxMessage,
    Unit,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
    ]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Aftersales"), {"fields": ("phone", "language")}),
    )


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # The materialised path of descendants depends on the parent: set it only on creation.
        return ["path", "parent"] if obj else ["path"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services: visible, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["channel", "to", "subject", "created_at", "sent_at", "attempts"]
    list_filter = ["channel", "sent_at"]
    search_fields = ["to", "subject"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "started_at", "finished_at", "items", "errors"]
    list_filter = ["name", "status"]


_admin_login = admin.site.login


def _admin_login_limited(request, extra_context=None):
    """The admin's sign-in counts against the address's sign-in budget, as the staff
    sign-in and the API token do (django-axes' lockout applies to it as well)."""
    if request.method == "POST" and sign_in_limited(request):
        return HttpResponse(
            _("Too many sign-in attempts. Wait a minute and try again."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    return _admin_login(request, extra_context)


admin.site.login = _admin_login_limited
