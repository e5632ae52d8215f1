"""Migration steps that only PostgreSQL can express (SQLite skips them)."""


def only(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run
