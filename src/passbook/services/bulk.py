"""Set-based inserts for batch work: one INSERT … SELECT writes a row per source row.

The constant columns come from an unsaved model instance, so the SQL follows the model
(new fields, defaults, database conversions) instead of a hand-written column list.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

from passbook.models.lookups import among


def insert_select(
    template: Model,
    computed: dict[str, str],
    source: str,
    params: Sequence = (),
    *,
    returning: str = "",
    skip_conflicts: bool = False,
) -> list[tuple]:
    """Insert one row per row of `SELECT … FROM {source}`.

    `computed` maps field attnames to SQL expressions over the source; every other field
    takes `template`'s value (fields left None take the column default, NULL). With
    `skip_conflicts`, rows that would break a unique constraint are left out.
    """
    meta, q = template._meta, connection.ops.quote_name
    fixed = [
        f
        for f in meta.concrete_fields
        if not f.primary_key
        and f.attname not in computed
        and getattr(template, f.attname) is not None
    ]
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = [q(f.column) for f in fixed] + [q(by_attname[a].column) for a in computed]
    values = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fixed]
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(columns)})"
        f" SELECT {', '.join(['%s'] * len(values) + list(computed.values()))} FROM {source}"
        + (" ON CONFLICT DO NOTHING" if skip_conflicts else "")
        + (f" RETURNING {returning}" if returning else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        return cursor.fetchall() if returning else []


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def id_in(alias: str, ids: Sequence[int]) -> tuple[str, list]:
    """`alias.id` is one of `ids`: SQL and its parameters (see models.lookups.among)."""
    return among(f"{alias}.id", ids, connection.vendor)
