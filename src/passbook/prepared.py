"""Queries compiled once: for the few statements every booking sends.

Building and compiling a Django query costs more Python than PostgreSQL spends running
it (docs/benchmarks.md, "Where a booking's time goes"). A `Prepared` query is written as
an ordinary queryset over stand-in values. Its SQL is compiled the first time it runs on
a connection (per thread and database, and per `PASSBOOK_LOCKING`, which changes the
SQL); after that it runs with the real values in the stand-ins' places, and gives back
what the queryset would have: its rows, converted as Django converts them, or its model
objects (with their `select_related` rows and annotations).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # internal, not in the stubs; ModelIterable's own helper
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# Values no row has (ids are positive): each marks where one argument goes in the SQL.
STAND_INS = (-7_000_001, -7_000_002, -7_000_003, -7_000_004)


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    places: tuple[int | None, ...]  # for each parameter, which argument (None: as built)
    converters: dict[int, Any]  # Django's, per column (dates on SQLite, decimals …)

    def bind(self, args: tuple[Any, ...]) -> list[Any]:
        pairs = zip(self.params, self.places, strict=True)
        return [p if at is None else args[at] for p, at in pairs]


class Prepared(Generic[M]):
    """`build(*args)` gives the queryset; each argument must reach the SQL as a parameter
    of its own (a filter value), and nothing else may depend on it."""

    def __init__(self, build: Callable[..., QuerySet[M, Any]], using: str = "default") -> None:
        self.build, self.using = build, using
        self.arity = len(inspect.signature(build).parameters)

    def rows(self, *args: object) -> list[tuple[Any, ...]]:
        compiled = self._compiled()
        with compiled.compiler.connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.bind(args))
            fetched = cursor.fetchall()
        if compiled.converters:
            converted = compiled.compiler.apply_converters(fetched, compiled.converters)
            return [tuple(row) for row in converted]
        return [tuple(row) for row in fetched]

    def objects(self, *args: object) -> list[M]:
        """The model objects, as iterating the queryset would make them."""
        compiler = self._compiled().compiler
        info = compiler.klass_info
        assert info is not None, "objects() is for querysets of model objects"
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [col[0].target.attname for col in compiler.select[first:last]]
        related = get_related_populators(info, compiler.select, self.using)
        model: type[M] = info["model"]
        made = []
        for row in self.rows(*args):
            obj = model.from_db(self.using, names, row[first:last])
            for populator in related:
                populator.populate(row, obj)
            for name, at in (compiler.annotation_col_map or {}).items():
                setattr(obj, name, row[at])
            made.append(obj)
        return made

    def _compiled(self) -> _Compiled:
        connection = connections[self.using]  # this thread's
        cache: dict[tuple[int, bool], _Compiled] = connection.__dict__.setdefault(
            "passbook_prepared", {}
        )
        key = (id(self), settings.PASSBOOK_LOCKING)
        if key not in cache:
            cache[key] = self._compile(connection)
        return cache[key]

    def _compile(self, connection: Any) -> _Compiled:
        stand_ins = STAND_INS[: self.arity]
        compiler = self.build(*stand_ins).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = tuple(stand_ins.index(p) if p in stand_ins else None for p in params)
        missing = set(range(self.arity)) - set(places)
        assert not missing, f"arguments {missing} do not reach the SQL as parameters"
        columns = compiler.select[: compiler.col_count]
        converters = compiler.get_converters([col[0] for col in columns])
        return _Compiled(compiler, sql, tuple(params), places, converters)
