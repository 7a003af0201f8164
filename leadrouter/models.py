from django.db import models


class ConfigVersion(models.Model):
    """The current version of one configuration kept in memory by every process
    (`leadrouter.config_version`): a new random token whenever someone changes it."""

    name = models.CharField(max_length=50, primary_key=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} configuration {self.token}"


class SweepHeartbeat(models.Model):
    """The last run of one scheduled sweep (`leadrouter.heartbeat.record_sweep`), named like its
    django-q schedule: what `GET /health/` and the admin judge the sweep by."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField()
    last_finished_at = models.DateTimeField()
    # When the current run of failures began (None after a run without an exception): a sweep
    # that fails every minute is as late as one that does not run, while one failure is not.
    failing_since = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    rows_acted = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
