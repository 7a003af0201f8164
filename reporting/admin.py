from django.contrib import admin

from reporting.models import WeeklyDigest


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    """The Monday digests, read-only: who was sent which week, and why one was not."""

    list_display = ["week", "team", "manager", "state", "attempts", "claimed_at", "sent_at"]
    list_filter = ["state", "week", "team"]
    list_select_related = ["team", "manager"]
    search_fields = ["team__name", "manager__username", "manager__email"]
    readonly_fields = [
        "week",
        "team",
        "manager",
        "state",
        "attempts",
        "claimed_at",
        "sent_at",
        "last_error",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
