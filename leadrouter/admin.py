from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from leadrouter import heartbeat
from leadrouter.models import SweepHeartbeat


@admin.register(SweepHeartbeat)
class SweepHeartbeatAdmin(admin.ModelAdmin):
    """The sweeps' heartbeats, read-only: each sweep records its own (`record_sweep`)."""

    list_display_links = None
    ordering = ["name"]

    def get_list_display(self, request):
        # Judged once per page (two statements), in the same words as GET /health/.
        now = timezone.now()
        states = heartbeat.sweep_states(now)

        @admin.display(description="Status")
        def status(beat: SweepHeartbeat) -> str:
            state = states.get(beat.name)
            if state is None:
                return "no longer a scheduled sweep"
            return "on time" if state.on_time else "late"

        @admin.display(description="Why late")
        def why_late(beat: SweepHeartbeat) -> str:
            state = states.get(beat.name)
            return state.reason if state and not state.on_time else ""

        # The sweep and its status first: on a phone the later columns scroll sideways.
        return [
            "sweep",
            status,
            "last_run",
            "duration",
            "rows_acted",
            "runs",
            why_late,
            "last_error",
        ]

    @admin.display(description="Sweep", ordering="name")
    def sweep(self, beat: SweepHeartbeat) -> str:
        return beat.name

    @admin.display(description="Last run ended", ordering="last_finished_at")
    def last_run(self, beat: SweepHeartbeat) -> str:
        # Written in the server's zone and rewritten in the viewer's by the page's script.
        at = timezone.localtime(beat.last_finished_at)
        return format_html(
            '<time class="local-time" datetime="{}">{}</time>',
            beat.last_finished_at.isoformat(),
            at.strftime("%Y-%m-%d %H:%M:%S %Z"),
        )

    @admin.display(description="Duration", ordering="duration_ms")
    def duration(self, beat: SweepHeartbeat) -> str:
        return f"{beat.duration_ms:,} ms"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The admin as the back office of LeadRouter -------------------------------------------

admin.site.site_header = "LeadRouter"
admin.site.site_title = "LeadRouter admin"
admin.site.index_title = "Configuration"


def _superusers_only(model_admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The same admin, shown to superusers only: a manager sees no task-queue internals."""

    class SuperusersOnly(model_admin_class):  # type: ignore[valid-type,misc]  # a dynamic subclass
        def has_module_permission(self, request) -> bool:
            return request.user.is_superuser

        def has_view_permission(self, request, obj=None) -> bool:
            return request.user.is_superuser

        def has_add_permission(self, request, *args) -> bool:
            return request.user.is_superuser and super().has_add_permission(request, *args)

        def has_change_permission(self, request, obj=None) -> bool:
            return request.user.is_superuser

        def has_delete_permission(self, request, obj=None) -> bool:
            return request.user.is_superuser

    SuperusersOnly.__name__ = model_admin_class.__name__
    return SuperusersOnly


# django_q registers its schedules, tasks and queue in the admin (it comes before this app in
# INSTALLED_APPS, so its registrations exist here).
for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label == "django_q":
        admin.site.unregister(_model)
        admin.site.register(_model, _superusers_only(type(_model_admin)))
