"""`field__among=ids`: `__in` for long lists of plain values (batch jobs' ids)."""

from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


def among(lhs: str, values: Sequence, vendor: str) -> tuple[str, list]:
    """SQL saying `lhs` is one of `values`, and its parameters. PostgreSQL gets them as
    one array: psycopg took longer to parse 500 placeholders than the server took to run
    the statement. Elsewhere, an IN list."""
    if vendor == "postgresql":
        return f"{lhs} = ANY(%s)", [list(values)]
    return f"{lhs} IN ({', '.join(['%s'] * len(values))})", list(values)


@ForeignObject.register_lookup  # foreign keys keep their own lookups
@Field.register_lookup
class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False  # plain values, passed as they are

    def as_sql(self, compiler, connection):
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = among(lhs, values, connection.vendor)
        return sql, [*lhs_params, *params]
