"""Statements compiled once: for the few statements every booking sends.

Building and compiling a Django query costs more Python than PostgreSQL spends running
it (docs/benchmarks.md, "Where a booking's time goes"). Each statement here is compiled
by Django the first time it runs on a connection (per thread and database), then sent
again with new values:

- `Prepared`: a queryset written over stand-in values (and compiled per
  `PASSBOOK_LOCKING`, which changes its SQL). It gives back what the queryset would
  have: its rows, converted as Django converts them, or its model objects (with their
  `select_related` rows and annotations).
- `Insert` and `Update`: what `Model.save()` sends for new rows, and for some fields of
  a row by its primary key. Values are prepared by the fields, as Django prepares them;
  the first run checks that its parameters are the ones Django compiled. No signals are
  sent (Passbook connects none).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Field, Model, Q, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # internal, not in the stubs; ModelIterable's own helper
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

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
    locks: bool  # SELECT … FOR UPDATE, which must run inside a transaction
    objects: "_Objects | None"  # how rows become model objects (a queryset of them)

    def bind(self, args: tuple[Any, ...]) -> list[Any]:
        pairs = zip(self.params, self.places, strict=True)
        return [p if at is None else args[at] for p, at in pairs]


@dataclass(frozen=True)
class _Objects:
    """What Django's ModelIterable works out per query: where the model's columns are,
    their names, and the populators of the select_related objects."""

    first: int
    last: int
    names: list[str]
    related: list[Any]

    @classmethod
    def of(cls, compiler: SQLCompiler, using: str) -> "_Objects | None":
        info = compiler.klass_info
        if info is None:
            return None
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [col[0].target.attname for col in compiler.select[first:last]]
        return cls(first, last, names, get_related_populators(info, compiler.select, using))


class Prepared(Generic[M]):
    """`build(*args)` gives the queryset; each argument must reach the SQL as a parameter
    of its own (a filter value), and nothing else may depend on it. Arguments are sent as
    given, so they must be what the database takes as is: ints and text."""

    def __init__(self, build: Callable[..., QuerySet[M, Any]], using: str = "default") -> None:
        self.build, self.using = build, using
        self.arity = len(inspect.signature(build).parameters)

    def rows(self, *args: object) -> list[tuple[Any, ...]]:
        compiled = self._compiled()
        connection = compiled.compiler.connection
        if compiled.locks and connection.get_autocommit():  # as Django checks every time
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.bind(args))
            fetched = cursor.fetchall()
        if compiled.converters:
            converted = compiled.compiler.apply_converters(fetched, compiled.converters)
            return [tuple(row) for row in converted]
        return [tuple(row) for row in fetched]

    def objects(self, *args: object) -> list[M]:
        """The model objects, as iterating the queryset would make them."""
        compiled = self._compiled()
        shape, compiler = compiled.objects, compiled.compiler
        assert shape is not None, "objects() is for querysets of model objects"
        model: type[M] = compiler.klass_info["model"]
        made = []
        for row in self.rows(*args):
            obj = model.from_db(self.using, shape.names, row[shape.first : shape.last])
            for populator in shape.related:
                populator.populate(row, obj)
            for name, at in (compiler.annotation_col_map or {}).items():
                setattr(obj, name, row[at])
            made.append(obj)
        return made

    def _compiled(self) -> _Compiled:
        connection = connections[self.using]  # this thread's
        key = (self, settings.PASSBOOK_LOCKING)
        if key not in _cache(connection):
            _cache(connection)[key] = self._compile(connection)
        compiled: _Compiled = _cache(connection)[key]
        return compiled

    def _compile(self, connection: Any) -> _Compiled:
        stand_ins = STAND_INS[: self.arity]
        compiler = self.build(*stand_ins).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        marks: dict[object, int] = {}
        for at, value in enumerate(stand_ins):  # a text field's filter gets it as text
            marks[value] = marks[str(value)] = at
        places = tuple(marks.get(p) if isinstance(p, int | str) else None for p in params)
        missing = set(range(self.arity)) - set(places)
        assert not missing, f"arguments {missing} do not reach the SQL as parameters"
        columns = compiler.select[: compiler.col_count]
        converters = compiler.get_converters([col[0] for col in columns])
        locks = bool(compiler.query.select_for_update) and bool(
            connection.features.has_select_for_update
        )
        objects = _Objects.of(compiler, self.using)
        return _Compiled(compiler, sql, tuple(params), places, converters, locks, objects)


def _cache(connection: Any) -> dict[Any, Any]:
    """The connection's compiled statements, keyed by the statement objects themselves
    (which are module-level; a key holds its object, so no id is ever reused)."""
    cache: dict[Any, Any] = connection.__dict__.setdefault("passbook_prepared", {})
    return cache


class Insert(Generic[M]):
    """A new row of one model, which gets its primary key back; with `ignore_conflicts`,
    a row that breaks a unique constraint is skipped (and gets none)."""

    def __init__(self, model: type[M], *, ignore_conflicts: bool = False) -> None:
        self.model, self.ignore_conflicts = model, ignore_conflicts
        meta = model._meta
        self.fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]

    def save(self, obj: M, using: str = "default") -> None:
        connection = connections[using]
        params = [self._value(f, obj, connection) for f in self.fields]
        if self not in _cache(connection):
            _cache(connection)[self] = self._compile(obj, connection, params)
        sql, returning = _cache(connection)[self]
        # As save() does: a failed write inside atomic() marks it for rollback.
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, [*params, *returning])
            if not self.ignore_conflicts:
                (obj.pk,) = connection.ops.fetch_returned_insert_columns(cursor, returning)
        obj._state.adding, obj._state.db = False, using

    def _value(self, field: Field, obj: M, connection: Any) -> Any:
        value = field.pre_save(obj, True)
        assert not hasattr(value, "resolve_expression"), "plain values only"
        return field.get_db_prep_save(value, connection=connection)

    def _compile(self, obj: M, connection: Any, params: list[Any]) -> tuple[str, tuple]:
        assert self.ignore_conflicts or connection.features.can_return_columns_from_insert
        query = InsertQuery(
            self.model, on_conflict=OnConflict.IGNORE if self.ignore_conflicts else None
        )
        query.insert_values(self.fields, [obj])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = None if self.ignore_conflicts else [self.model._meta.pk]
        ((sql, compiled),) = compiler.as_sql()
        returning = tuple(getattr(compiler, "returning_params", ()))
        assert tuple(compiled) == (*params, *returning), "the parameters Django compiled"
        return sql, returning


class Update(Generic[M]):
    """Some fields of one row, by its primary key (what `save(update_fields=…)` sends)."""

    def __init__(self, model: type[M], *names: str) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if f.name in names]
        assert len(self.fields) == len(names), "concrete fields of the model"

    def save(self, obj: M, using: str = "default") -> None:
        connection = connections[using]
        values = {f.name: f.pre_save(obj, False) for f in self.fields}
        assert not any(hasattr(v, "resolve_expression") for v in values.values()), "plain values"
        prepared = [f.get_db_prep_save(values[f.name], connection=connection) for f in self.fields]
        # Django writes a None as NULL in the SQL, not as a parameter: one SQL per pattern.
        key = (self, tuple(v is None for v in prepared))
        params = [*(v for v in prepared if v is not None), obj.pk]
        if key not in _cache(connection):
            _cache(connection)[key] = self._compile(obj, values, connection, params)
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(_cache(connection)[key], params)
            if cursor.rowcount != 1:
                raise DatabaseError("Save with update_fields did not affect any rows.")

    def _compile(self, obj: M, values: dict[str, Any], connection: Any, params: list[Any]) -> str:
        query = UpdateQuery(self.model)
        query.add_update_values(values)
        query.add_q(Q(pk=obj.pk))
        sql, compiled = query.get_compiler(connection=connection).as_sql()
        assert tuple(compiled) == tuple(params), "the parameters Django compiled"
        return sql
