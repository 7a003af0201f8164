"""django-q2 tasks of intake. Their dotted paths are an API: schedules refer to them by name."""

from intake import services


def purge_idempotency_keys() -> int:
    """Forget idempotency keys past their retention (INTAKE_IDEMPOTENCY_TTL_HOURS)."""
    return services.idempotency_purge_expired()
