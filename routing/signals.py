"""Keep every process's in-memory routing configuration current (`routing.services.config`):
any save or delete of a routing model, or a change of its many-to-many links, gives the
configuration a new token. This invalidates a cache; it never chains domain steps."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from intake.models import Source
from routing.models import Rep, RoutingRule, Skill, Team, Territory, TimeOff
from routing.services.config import config_changed

CONFIG_MODELS = (Rep, RoutingRule, Skill, Team, Territory, TimeOff, Source)
CONFIG_LINKS = (
    RoutingRule.pool_reps.through,
    RoutingRule.required_skills.through,
    Rep.skills.through,
    Rep.territories.through,
)


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures: the rows are not final yet
    config_changed()


def _links_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        config_changed()


def connect() -> None:
    for model in CONFIG_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"routing-config-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"routing-config-del-{model.__name__}"
        )
    for through in CONFIG_LINKS:
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"routing-config-{through.__name__}"
        )
