"""Plain records without a ledger: catalog, staff, rooms, customers, settings.

Validated with the models' own rules; a failure raises InvalidInput with every field's
message and changes nothing.
"""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from passbook.services import errors

M = TypeVar("M", bound=models.Model)


def _invalid(record: models.Model, exc: ValidationError) -> errors.DomainError:
    for field, errs in exc.error_dict.items():
        if any(e.code == "invalid" for e in errs) and _is_relation(record, field):
            return errors.NotFound(f"No such {field.replace('_', ' ')}.", field=field)
    if all(e.code == "unique" for errs in exc.error_dict.values() for e in errs):
        field = next(iter(exc.error_dict))
        return errors.AlreadyExists(exc.message_dict[field][0], field=field)
    items = [
        {"field": field, "message": message}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return errors.InvalidInput(items[0]["message"], errors=items)


def _is_relation(record: models.Model, field: str) -> bool:
    try:
        return record._meta.get_field(field).is_relation
    except Exception:  # noqa: BLE001 - "__all__" and other non-field keys
        return False


@transaction.atomic
def save(record: M, fields: dict[str, Any], links: dict[str, list[int]] | None = None) -> M:
    """Set fields (and many-to-many links by id), validate, save."""
    for name, value in fields.items():
        setattr(record, name, value)
    try:
        record.full_clean()
    except ValidationError as exc:
        raise _invalid(record, exc) from None
    record.save()
    for name, ids in (links or {}).items():
        found = list(_linked_model(record, name)._default_manager.filter(id__in=set(ids)))
        if len(found) != len(set(ids)):
            raise errors.InvalidInput(
                f"Unknown id in {name}.",
                errors=[{"field": name, "message": "One or more ids do not exist."}],
            )
        getattr(record, name).set(found)
    return record


def _linked_model(record: models.Model, name: str) -> type[models.Model]:
    field = record._meta.get_field(name)
    assert isinstance(field, models.ManyToManyField), f"{name} is not a many-to-many field"
    return field.remote_field.model


@transaction.atomic
def delete(record: models.Model) -> None:
    try:
        record.delete()
    except ProtectedError:
        raise errors.InUse() from None
