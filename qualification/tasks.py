"""django-q2 tasks of qualification. Their dotted paths are an API: schedules name them."""

from qualification import services


def train_models() -> str:
    """Weekly retraining on the team's own history (schedule made by a migration)."""
    return "; ".join(f"{r.kind}: {r.note}" for r in services.models_train())
