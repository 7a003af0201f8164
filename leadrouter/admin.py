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
