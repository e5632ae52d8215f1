"""Connection arguments for PostgreSQL's command-line tools (pg_dump, pg_restore)."""

import os
from collections.abc import Mapping


def pg_env(settings: Mapping[str, object]) -> tuple[list[str], dict[str, str]]:
    """Connection flags and environment for a pg_* tool (the database name is separate)."""
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env
