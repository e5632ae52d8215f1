"""Uploaded import files kept between the page's steps (map the columns, check, import),
so the owner does not upload them again.

They are kept on the server under a random token that only this owner's session knows:
the browser sends the token back, never a path or a file name, and a token not in the
session reads nothing. One set per session (a new upload replaces it), deleted after the
import and swept after KEEP. Set PASSBOOK_IMPORT_DIR to a folder every web worker shares
when there is more than one machine.
"""

import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from passbook.services import errors

SESSION_KEY = "import_upload"
KEEP = 6 * 3600  # seconds
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def base() -> Path:
    """The folder for the import page's files: PASSBOOK_IMPORT_DIR, or the system's own."""
    return Path(settings.PASSBOOK_IMPORT_DIR or tempfile.gettempdir())


def root() -> Path:
    return base() / "passbook-imports"


def hold(request: HttpRequest, sources: list[tuple[str, bytes]]) -> str:
    """Keep the files for this session; their token."""
    release(request)
    _sweep()
    token = secrets.token_urlsafe(24)
    folder = root() / token
    folder.mkdir(parents=True, mode=0o700)
    for number, (_, data) in enumerate(sources):
        (folder / str(number)).write_bytes(data)
    names = [name for name, _ in sources]
    (folder / "names.json").write_text(json.dumps(names), encoding="utf-8")
    request.session[SESSION_KEY] = token
    return token


def held(request: HttpRequest, token: str) -> list[tuple[str, bytes]]:
    """The files kept under this session's token, as (name, bytes)."""
    folder = _folder(request, token)
    try:
        names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
        return [(name, (folder / str(n)).read_bytes()) for n, name in enumerate(names)]
    except (OSError, ValueError):
        raise _gone() from None


def release(request: HttpRequest) -> None:
    """Delete this session's kept files, if any."""
    token = request.session.pop(SESSION_KEY, None)
    if isinstance(token, str) and TOKEN.fullmatch(token):
        shutil.rmtree(root() / token, ignore_errors=True)


def _folder(request: HttpRequest, token: str) -> Path:
    if not TOKEN.fullmatch(token or "") or request.session.get(SESSION_KEY) != token:
        raise _gone()
    return root() / token


def _gone() -> errors.ImportUnreadable:
    return errors.ImportUnreadable(
        "The uploaded files are no longer kept (a newer upload, or more than 6 hours); "
        "upload them again."
    )


def _sweep() -> None:
    """Delete what sessions left behind (never finished, or logged out)."""
    folder_root = root()
    if not folder_root.is_dir():
        return
    # The files' own clock: mtime is the system's time, so time.time() (not the studio's).
    oldest = time.time() - KEEP
    for folder in folder_root.iterdir():
        if not TOKEN.fullmatch(folder.name):
            continue  # not ours to sweep
        try:
            if folder.stat().st_mtime < oldest:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # swept by another worker meanwhile
