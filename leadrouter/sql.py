"""Every hand-written SQL statement of the project, built here from the models' meta.

Measured on this project's machine, the ORM spends 0.2 to 0.3 ms compiling each small statement
(a two-value lookup: 318 µs through the ORM, 21 µs as SQL), more than the database spends
running it; on the hot paths (intake, a routing decision) that was most of their cost beyond the
bare row inserts (README, "Benchmarks"). The statements built here take only parameters (never
interpolated values): table and column names come from the models' meta (`Table`), values are
prepared by each field exactly as the ORM prepares them, and values read back pass through the
same converters the ORM applies, so callers see what the ORM would give them. A statement's
text is built once per shape and kept (`select_any` and `distinct_values` build theirs anew).

Filters are keyword arguments named like the ORM's: `field=value` (`field IS NULL` for None),
`field__in=[...]`, `field__gte`, `field__gt`, `field__lte`, `field__lt`, and `field__ne` (`<>`).
Callers that need a statement these blocks cannot say (a join, a vendor-specific plan) compose
it from `Table` names, keep it per shape (`functools.cache`), and run it with `fetch_all` or
`execute`.
"""

from collections.abc import Iterable, Sequence
from functools import cache
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

_OPERATORS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "ne": "<>"}

M = TypeVar("M", bound=models.Model)


def parameter_marks(count: int) -> str:
    """`%s, %s, …` for an IN list of `count` parameters."""
    return ", ".join(["%s"] * count)


class Table:
    """A model's table and its columns, quoted for the current database, from the model's
    meta; with an alias, columns are qualified by it (`r."paused"`)."""

    def __init__(self, model: type[models.Model], alias: str = ""):
        self.model = model
        self.alias = alias
        self._quote = _db().ops.quote_name
        self.name = self._quote(model._meta.db_table)

    def __str__(self) -> str:
        return f"{self.name} {self.alias}" if self.alias else self.name

    def field(self, name: str) -> models.Field:
        return column_field(self.model, name)

    def __getitem__(self, name: str) -> str:
        column = self._quote(self.field(name).column)
        return f"{self.alias}.{column}" if self.alias else column


def _db():
    # The connection itself: each attribute read through `django.db.connection` (a proxy to
    # the thread's connection) costs a lookup, which added up to 20 µs on a ten-value filter.
    return connections[DEFAULT_DB_ALIAS]


@cache
def column_field(model: type[models.Model], name: str) -> models.Field:
    """The field of `model` stored in a column, by its name or attname ("lead_id")."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def prepare(model: type[models.Model], name: str, value, db=None):
    """`value` for column `name` as the ORM sends it (datetimes, JSON, enums)."""
    return column_field(model, name).get_db_prep_save(value, db or _db())


@cache
def _converters(model: type[models.Model], names: tuple[str, ...], vendor: str) -> list:
    table = model._meta.db_table
    converters = []
    for name in names:
        field = column_field(model, name)
        col = field.get_col(table)
        converters.append(
            (
                connection.ops.get_db_converters(col) + field.get_db_converters(connection),  # type: ignore[attr-defined]  # public, not in the stubs
                col,
            )
        )
    return converters


def _convert(converters, row, db) -> tuple:
    values = []
    for raw, (field_converters, col) in zip(row, converters, strict=True):
        for converter in field_converters:
            raw = converter(raw, col, db)
        values.append(raw)
    return tuple(values)


@cache
def _condition(model: type[models.Model], shape: tuple, vendor: str) -> str:
    """The WHERE text for filters of this shape: (name, operator, IN-list length or None)."""
    table = Table(model)
    parts = []
    for name, operator, count in shape:
        if operator == "isnull":
            parts.append(f"{table[name]} IS NULL")
        elif operator == "in":
            parts.append(f"{table[name]} IN ({parameter_marks(count)})")
        else:
            parts.append(f"{table[name]} {operator} %s")
    return " AND ".join(parts) or "1 = 1"


def _filters(model: type[models.Model], where: dict, db) -> tuple[str, list]:
    shape: list[tuple[str, str, int | None]] = []
    params: list = []
    for key, value in where.items():
        name, _, lookup = key.partition("__")
        if lookup == "in":
            values = list(value)
            shape.append((name, "in", len(values)))
            params += [prepare(model, name, item, db) for item in values]
        elif lookup == "" and value is None:
            shape.append((name, "isnull", None))
        else:
            shape.append((name, _OPERATORS[lookup] if lookup else "=", None))
            params.append(prepare(model, name, value, db))
    return _condition(model, tuple(shape), db.vendor), params


def from_db(model: type[models.Model], name: str, raw, db=None):
    """A value of column `name` read by `fetch_all`, as the ORM would give it (SQLite's
    datetimes come back as text)."""
    db = db or _db()
    return _convert(_converters(model, (name,), db.vendor), (raw,), db)[0]


def fetch_all(sql: str, params: Sequence = (), db=None) -> list[tuple]:
    """Run a statement composed from `Table` names; its rows as the driver gives them."""
    with (db or _db()).cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence = (), db=None) -> int:
    """Run a write composed from `Table` names; the number of rows it changed."""
    with (db or _db()).cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def select_rows(
    model: type[models.Model],
    columns: Sequence[str],
    *,
    order_by: Sequence[str] = (),
    lock: bool = False,
    **where,
) -> list[tuple]:
    """`model.objects.filter(**where).order_by(*order_by).values_list(*columns)`, locked FOR
    UPDATE when asked (PostgreSQL; SQLite's IMMEDIATE transactions serialize writers)."""
    db = _db()
    condition, params = _filters(model, where, db)
    sql = _select(model, tuple(columns), condition, tuple(order_by), lock, db.vendor)
    converters = _converters(model, tuple(columns), db.vendor)
    return [_convert(converters, row, db) for row in fetch_all(sql, params, db)]


@cache
def _select(model, columns, condition, order_by, lock, vendor) -> str:
    table = Table(model)
    sql = f"SELECT {', '.join(table[c] for c in columns)} FROM {table} WHERE {condition}"  # noqa: S608 - names from meta
    if order_by:
        sql += f" ORDER BY {', '.join(table[c] for c in order_by)}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql


def select_any(
    model: type[models.Model], columns: Sequence[str], keys: Sequence[dict]
) -> list[tuple]:
    """The rows matching any of `keys` (each a dict of column values), as one OR of equality
    groups: both databases answer each group from a unique index on its columns, where
    `IN (...)` or a row-value IN read the whole table on SQLite (7.6 ms at 100,000 identities
    against 0.01 ms)."""
    if not keys:
        return []
    db = _db()
    groups, params = [], []
    for key in keys:
        condition, values = _filters(model, key, db)
        groups.append(f"({condition})")
        params += values
    table = Table(model)
    sql = f"SELECT {', '.join(table[c] for c in columns)} FROM {table} WHERE {' OR '.join(groups)}"  # noqa: S608 - names from meta
    converters = _converters(model, tuple(columns), db.vendor)
    return [_convert(converters, row, db) for row in fetch_all(sql, params, db)]


def exists(model: type[models.Model], **where) -> bool:
    """Whether a row matches (`model.objects.filter(**where).exists()`)."""
    db = _db()
    condition, params = _filters(model, where, db)
    return bool(fetch_all(_exists(model, condition, db.vendor), params, db))


@cache
def _exists(model, condition, vendor) -> str:
    return f"SELECT 1 FROM {Table(model)} WHERE {condition} LIMIT 1"  # noqa: S608 - names from meta


def count_by(model: type[models.Model], group: str, **where) -> dict:
    """{value of `group`: rows} for the rows matching `where`."""
    db = _db()
    condition, params = _filters(model, where, db)
    return dict(fetch_all(_count_by(model, group, condition, db.vendor), params, db))


@cache
def _count_by(model, group, condition, vendor) -> str:
    table = Table(model)
    return (
        f"SELECT {table[group]}, COUNT(*) FROM {table} WHERE {condition} "  # noqa: S608 - names from meta
        f"GROUP BY {table[group]}"
    )


def update_where(
    model: type[models.Model], values: dict, *, increment: Sequence[str] = (), **where
) -> int:
    """`model.objects.filter(**where).update(**values)`, and each column in `increment` + 1;
    the number of rows updated."""
    db = _db()
    condition, params = _filters(model, where, db)
    sql = _update(model, tuple(values), tuple(increment), condition, db.vendor)
    return execute(sql, [*(prepare(model, k, v, db) for k, v in values.items()), *params], db)


@cache
def _update(model, names, increment, condition, vendor) -> str:
    table = Table(model)
    sets = [f"{table[name]} = %s" for name in names]
    sets += [f"{table[name]} = {table[name]} + 1" for name in increment]
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {condition}"  # noqa: S608 - names from meta


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]):
    """Insert rows given as values of `columns`, in one executemany."""
    db = _db()
    sql = _insert(model, tuple(columns), db.vendor)
    fields = [column_field(model, name) for name in columns]
    with db.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    field.get_db_prep_save(value, db)
                    for field, value in zip(fields, row, strict=True)
                ]
                for row in rows
            ],
        )


@cache
def _insert(model, columns, vendor) -> str:
    table = Table(model)
    return (
        f"INSERT INTO {table} ({', '.join(table[c] for c in columns)}) "  # noqa: S608 - names from meta
        f"VALUES ({parameter_marks(len(columns))})"
    )


def upsert_increment(model: type[models.Model], column: str, **key) -> int:
    """Add one to `column` of the row identified by `key` (a unique constraint's columns),
    creating it at 1; the new value. One atomic statement: a read then a write would lose
    counts between concurrent requests."""
    names = tuple(key)
    db = _db()
    sql = _upsert_increment(model, column, names, db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, [prepare(model, name, key[name], db) for name in names])
        return cursor.fetchone()[0]


@cache
def _upsert_increment(model, column, names, vendor) -> str:
    table = Table(model)
    keys = ", ".join(table[name] for name in names)
    return (
        f"INSERT INTO {table} ({keys}, {table[column]}) "  # noqa: S608 - names from meta
        f"VALUES ({parameter_marks(len(names))}, 1) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {table[column]} = {table}.{table[column]} + 1 "
        f"RETURNING {table[column]}"
    )


def distinct_values(model: type[models.Model], name: str, limit: int) -> list:
    """The values of an indexed column in order, at most `limit`, by a loose index scan: each
    step asks the index for the next value after the last one, one probe per value instead of
    one row per table row (SELECT DISTINCT on the leads' state: 33 ms at 50,000 leads). Same
    SQL on both databases."""
    table = Table(model)
    column = table[name]
    return [
        row[0]
        for row in fetch_all(
            "WITH RECURSIVE v(x) AS ("  # noqa: S608 - names from meta
            f"SELECT MIN({column}) FROM {table} "
            f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.x) "
            "FROM v WHERE v.x IS NOT NULL"
            ") SELECT x FROM v WHERE x IS NOT NULL LIMIT %s",
            [limit],
        )
    ]


@cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[list, str]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = Table(model)
    return fields, (
        f"INSERT INTO {table} ({', '.join(table[field.name] for field in fields)}) "  # noqa: S608 - names from meta
        f"VALUES ({parameter_marks(len(fields))}) RETURNING {table[model._meta.pk.name]}"
    )


def row_insert(instance: models.Model) -> None:
    """`instance.save(force_insert=True)` for a model with an auto primary key and no signal
    receivers, without compiling the statement again for every row. Values are prepared by
    each field exactly as the ORM prepares them (auto_now_add, JSON, datetimes)."""
    db = _db()
    fields, sql = _insert_statement(type(instance), db.vendor)
    values = [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = db.alias


def _instances(model: type[M], column: str, value, lock: bool) -> list[M]:
    names = tuple(field.attname for field in model._meta.concrete_fields)
    rows = select_rows(model, names, lock=lock, **{column: value})
    return [model.from_db(connection.alias, names, row) for row in rows]


def rows_get(model: type[M], column: str, value) -> list[M]:
    """Every row of `model` whose `column` equals `value`, as instances, in id order."""
    return sorted(_instances(model, column, value, False), key=lambda instance: instance.pk)


def row_get(model: type[M], column: str, value, *, lock: bool = False) -> M | None:
    """The one row of `model` whose `column` equals `value` as an instance (None if absent),
    locked FOR UPDATE when asked (PostgreSQL; SQLite's IMMEDIATE transactions serialize
    writers): what `objects.get()` would give, without compiling a query."""
    found = _instances(model, column, value, lock)
    return found[0] if found else None
