"""The progress line of an import on the page: what the request running it has reached,
for the page to poll (htmx) and to show again when reloaded.

The import is one transaction, so its progress cannot be read from the database while it
runs (nothing is committed until the end, and chunked commits would break the
all-or-nothing rule). The request running it writes a small JSON file instead, outside
any transaction, one per owner; runs are numbered, so a page asks only about a run newer
than the one it was drawn after.
"""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from passbook.models import User
from passbook.web.office import held_uploads

CHECKING, WRITING, FINISHED = "checking", "writing", "finished"
# A run not heard of for this long died with its process (a restart, a timeout): it is
# shown as over rather than polled for ever.
SILENT = 3600  # seconds


def _path(user: User) -> Path:
    return held_uploads.base() / "passbook-import-progress" / f"{user.pk}.json"


def state(user: User) -> dict[str, Any]:
    """The owner's latest run: {"run", "state", "done", "total", "message"}; run 0 if none."""
    try:
        found = json.loads(_path(user).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"run": 0, "state": FINISHED}
    return found if isinstance(found, dict) else {"run": 0, "state": FINISHED}


def _write(user: User, **values: Any) -> None:
    path = _path(user)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(values | {"at": time.time()}), encoding="utf-8")
    os.replace(partial, path)  # the page never reads half a file


def start(user: User) -> tuple[int, Callable[[int, int], None]]:
    """A new run, checking the files; its number and the callback `imports.run` reports
    the records written to."""
    run = int(state(user).get("run", 0)) + 1
    _write(user, run=run, state=CHECKING)

    def written(done: int, total: int) -> None:
        _write(user, run=run, state=WRITING, done=done, total=total)

    return run, written


def finish(user: User, run: int, message: str) -> None:
    _write(user, run=run, state=FINISHED, message=message)


def running(found: dict[str, Any]) -> bool:
    heard = found.get("at", 0)
    return found.get("state") in (CHECKING, WRITING) and time.time() - heard < SILENT
