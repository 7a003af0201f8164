"""Fixed-shape statements issued as plain SQL on the hot paths (intake, routing).

Measured on this project's machine, the ORM spends 0.2 to 0.3 ms compiling each small statement
(a two-value lookup: 318 µs through the ORM, 21 µs as SQL), more than the database spends
running it. Statements built here take only parameters (never interpolated values); table and
column names come from the models' meta.
"""

import json
from datetime import datetime
from functools import cache
from typing import TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def json_text(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def at(value: datetime):
    # As the ORM stores it: naive UTC text on SQLite, an aware timestamp on PostgreSQL.
    return connection.ops.adapt_datetimefield_value(value)


@cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[list, str]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    # Names come from the model's meta, values are parameters.
    return fields, (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )


def row_insert(instance: models.Model) -> None:
    """`instance.save(force_insert=True)` for a model with an auto primary key and no signal
    receivers, without compiling the statement again for every row. Values are prepared by
    each field exactly as the ORM prepares them (auto_now_add, JSON, datetimes)."""
    fields, sql = _insert_statement(type(instance), connection.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@cache
def _select_statement(model: type[models.Model], column: str, vendor: str, lock: bool):
    fields = list(model._meta.concrete_fields)
    table = model._meta.db_table
    converters = []
    for field in fields:
        col = field.get_col(table)
        converters.append(
            connection.ops.get_db_converters(col) + field.get_db_converters(connection)  # type: ignore[attr-defined]  # public, not in the stubs
        )
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} "  # noqa: S608 - names from meta
        f"FROM {quote(table)} WHERE {quote(column)} = %s"
    )
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return (
        [field.attname for field in fields],
        converters,
        [field.get_col(table) for field in fields],
        sql,
    )


def rows_get(model: type[M], column: str, value) -> list[M]:
    """Every row of `model` whose `column` equals `value`, as instances, in id order."""
    names, converters, cols, sql = _select_statement(model, column, connection.vendor, False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        rows = cursor.fetchall()
    return sorted(
        (_instance(model, names, converters, cols, row) for row in rows), key=lambda i: i.pk
    )


def row_get(model: type[M], column: str, value, *, lock: bool = False) -> M | None:
    """The one row of `model` whose `column` equals `value` as an instance (None if absent),
    locked FOR UPDATE when asked (PostgreSQL; SQLite's IMMEDIATE transactions serialize
    writers). Values pass through the same converters the ORM applies (JSON, datetimes,
    decimals), so the instance is what `objects.get()` would give, without compiling a query."""
    names, converters, cols, sql = _select_statement(model, column, connection.vendor, lock)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    return None if row is None else _instance(model, names, converters, cols, row)


def _instance(model, names, converters, cols, row):
    values = []
    for raw, field_converters, col in zip(row, converters, cols, strict=True):
        for converter in field_converters:
            raw = converter(raw, col, connection)
        values.append(raw)
    return model.from_db(connection.alias, names, values)
