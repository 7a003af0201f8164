"""Configuration kept in memory by every process, reloaded as soon as someone changes it.

Qualification (models, signals, settings) and routing (rules, rep profiles) each load their
configuration once per process and keep it in a `ConfigCache`; loading takes a dozen queries
and using it must take none but one. Each configuration has a name and one `ConfigVersion` row
whose token changes with every save or delete of a model that configures it (`reload_on_change`,
called by the app in its `AppConfig.ready()`), whoever saves it: the admin, a service, the
shell. A cache reads its token once per use (one statement on the primary key) and reloads when
it differs from the one it loaded under, so an edit applies to the very next lead in every web
and worker process. What changes without a save signal (a queryset `.update()`) calls
`config_changed()` itself.

The token changes inside the saving transaction, not after it commits: it commits (or rolls
back) together with the change, and the saving transaction sees its own change at once, which
routing's simulation relies on (it edits a rule and routes inside a transaction it rolls back).
The token is random rather than a counter so that a rolled-back transaction can never leave
two different configurations under the same token.

Threads (gunicorn's, django-q2's) share a cache, so it is published whole: (token, value) is
one immutable pair behind one reference, swapped only once a load is complete, and a reader
takes it once and uses that value for the whole lead. One thread loads at a time; the others
wait for that load rather than each running it again (the first leads on a worker that just
started arrive together). A load's queries each see the database as of their own start
(PostgreSQL's READ COMMITTED, SQLite outside a transaction), so a change committed in the
middle could give one load half of each version: the token is read again once the load is
done, and a different one means load again.
"""

import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from leadrouter import sql
from leadrouter.models import ConfigVersion

T = TypeVar("T")

# A configuration still changing after this many loads in a row is used as loaded, under the
# token read before the last load, so the next use loads it again.
MAX_LOADS = 3


def config_token(name: str) -> str | None:
    """The token of configuration `name` now (None until it first changes)."""
    row = sql.row_get(ConfigVersion, "name", name)
    return None if row is None else row.token


def config_changed(name: str) -> None:
    """Give configuration `name` a new token, in the caller's transaction."""
    token, now = uuid.uuid4().hex, timezone.now()
    if not ConfigVersion.objects.filter(name=name).update(token=token, changed_at=now):
        ConfigVersion.objects.update_or_create(
            name=name, defaults={"token": token, "changed_at": now}
        )


def reload_on_change(
    name: str,
    *,
    models: Iterable[type[Model]],
    links: Iterable[type[Model]] = (),
) -> None:
    """Change `name`'s token on every save or delete of `models` and every change of the
    many-to-many `links` (their through models). This invalidates caches; it never chains
    domain steps."""

    def saved_or_deleted(sender, **kwargs) -> None:
        if not kwargs.get("raw"):  # loading fixtures: the rows are not final yet
            config_changed(name)

    def linked(sender, action: str, **kwargs) -> None:
        if action in ("post_add", "post_remove", "post_clear"):
            config_changed(name)

    for model in models:
        label = model._meta.label
        post_save.connect(saved_or_deleted, sender=model, weak=False, dispatch_uid=(name, label))
        post_delete.connect(saved_or_deleted, sender=model, weak=False, dispatch_uid=(name, label))
    for through in links:
        m2m_changed.connect(
            linked, sender=through, weak=False, dispatch_uid=(name, through._meta.label)
        )


class ConfigCache(Generic[T]):
    """One configuration kept in memory, loaded by `load` and reloaded when its token changes."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.name = name
        self._load = load
        # (token it was loaded under, value): replaced whole, never changed in place.
        self._published: tuple[str | None, T] | None = None
        self._lock = threading.Lock()

    def current(self) -> T:
        """The current value; take it once per use and read everything from it.

        1. Read the token (the one statement a use pays) and the published pair once: the
           same token means the published value is current.
        2. Else take the lock; another thread may have loaded it while this one waited, so
           read the token and the pair again.
        3. Load, then read the token again: unchanged means no change committed during the
           load. Changed: load again under the newer token (at most MAX_LOADS times).
        4. Publish (token, value) in one assignment.
        """
        token = config_token(self.name)
        published = self._published
        if published is not None and published[0] == token:
            return published[1]
        with self._lock:
            token = config_token(self.name)
            published = self._published
            if published is not None and published[0] == token:
                return published[1]
            for attempt in range(1, MAX_LOADS + 1):
                value = self._load()
                after = config_token(self.name)
                if after == token or attempt == MAX_LOADS:
                    break
                token = after
            self._published = (token, value)
            return value

    def forget(self) -> None:
        """Load again on the next use (a worker that just started; a test's fresh database)."""
        self._published = None
