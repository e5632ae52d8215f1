"""Columns mapped by hand: which of our fields each column of an uploaded file holds, for
files whose columns no preset names (docs/import.md, "On the page").

What the owner picks becomes a mapping in the format `passbook import --mapping` reads
(kind -> field -> column), so the same choice can be downloaded and given to the command.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from passbook.services import errors, imports

# Our fields per kind: the generic preset names every one of them.
FIELDS: dict[str, list[str]] = {
    kind: list(cols) for kind, cols in imports.PRESETS["generic"].items()
}


def not_read(field_name: str) -> str:
    """The column of a field no column holds: a name no file uses, so it reads as empty,
    and a refusal for it says so ("(no column for email)")."""
    return f"(no column for {field_name})"


@dataclass
class Sheet:
    """One uploaded file's columns, and the field the preset reads from each ("" for none)."""

    name: str
    headers: list[str]
    guessed: list[str]  # "kind.field" per header, or ""


def choices() -> list[tuple[str, object]]:
    """What a column can hold, grouped by kind, for a select."""
    grouped: list[tuple[str, object]] = [("", "(not imported)")]
    for kind in imports.KINDS:
        grouped.append((kind.capitalize(), [(f"{kind}.{f}", f"{kind}: {f}") for f in FIELDS[kind]]))
    return grouped


def sheets(sources: Sequence[tuple[str, bytes]], preset: str) -> list[Sheet]:
    """Each file's columns, each prefilled with the field the preset reads from it."""
    columns = imports.columns_for(preset)
    found = []
    for name, data in sources:
        if name.lower().endswith(".zip"):
            raise errors.ImportUnreadable(
                f"{name}: a Passbook export zip needs no mapping; import it on its own."
            )
        dataset, _ = imports._dataset(name, data)  # the reader's own checks: size, encoding
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        kind = _likely_kind(headers, columns)
        named = {col: field for field, col in columns[kind].items()} if kind else {}
        guessed = [f"{kind}.{named[h]}" if h in named else "" for h in headers]
        found.append(Sheet(name, headers, guessed))
    return found


def _likely_kind(headers: list[str], columns: Mapping[str, Mapping[str, str]]) -> str | None:
    """The kind the preset tells from the columns, else the one it names most columns of."""
    told = imports._kind_of(headers, columns)
    if told:
        return told
    counts = {k: sum(c in headers for c in columns[k].values()) for k in imports.KINDS}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else None


def unknown(found: Sequence[Sheet], preset: str) -> bool:
    """Whether the preset cannot tell what some file holds from its columns."""
    columns = imports.columns_for(preset)
    return any(imports._kind_of(s.headers, columns) is None for s in found)


def mapping(found: Sequence[Sheet], chosen: Sequence[Sequence[str]]) -> tuple[dict, list[str]]:
    """The mapping (kind -> every field -> column) the owner's choices make, and each file's
    kind; `chosen` is, per file, "kind.field" or "" per column."""
    result: dict[str, dict[str, str]] = {}
    kinds = []
    for sheet, picks in zip(found, chosen, strict=True):
        kind, fields = _one_file(sheet, picks)
        kinds.append(kind)
        merged = result.setdefault(kind, {f: not_read(f) for f in FIELDS[kind]})
        for field_name, column in fields.items():
            if merged[field_name] not in (not_read(field_name), column):
                raise errors.InvalidInput(
                    f"{sheet.name}: {kind} files here read {field_name} from different "
                    f"columns ({merged[field_name]!r} and {column!r}); import them one at a "
                    "time."
                )
            merged[field_name] = column
    return result, kinds


def _one_file(sheet: Sheet, picks: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The file's kind and field -> column, refusing a mix of kinds, a field read twice
    or a missing key field."""
    fields: dict[str, str] = {}
    kinds = set()
    for column, pick in zip(sheet.headers, picks, strict=True):
        if not pick:
            continue
        kind, field_name = pick.split(".", 1)
        if field_name in fields:
            raise errors.InvalidInput(
                f"{sheet.name}: {field_name} is chosen for both {fields[field_name]!r} and "
                f"{column!r}; choose one."
            )
        kinds.add(kind)
        fields[field_name] = column
    if len(kinds) != 1:
        raise errors.InvalidInput(
            f"{sheet.name}: choose columns of one kind (customers, products, passes, "
            "subscriptions or bookings)."
            if kinds
            else f"{sheet.name}: choose what at least one column holds."
        )
    kind = kinds.pop()
    missing = [k for k in imports.KEYS[kind] if k not in fields]
    if missing:
        raise errors.InvalidInput(
            f"{sheet.name}: {kind} need a column for {' and '.join(missing)}."
        )
    return kind, fields


def mapping_file(result: Mapping[str, Mapping[str, str]]) -> str:
    """The mapping as `passbook import --mapping` reads it. Every field of each kind is
    named, those no column holds as "(no column for …)", so the preset's names do not stand
    in for them."""
    return json.dumps(result, indent=1, ensure_ascii=False) + "\n"
