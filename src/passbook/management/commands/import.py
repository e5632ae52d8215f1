from pathlib import Path

from passbook.management.base import PassbookCommand
from passbook.services import errors, import_undo, imports


class Command(PassbookCommand):
    help = (
        "Import customers, pass products, live passes, subscriptions and future bookings "
        "from CSV or XLSX files (or a `passbook export` zip). A dry run unless --commit; "
        "--undo BATCH deletes what an import created. See docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            metavar="[KIND=]FILE",
            help="a .csv, .xlsx or .zip file; KIND (customers, products, passes, "
            "subscriptions, bookings) when its columns do not say",
        )
        parser.add_argument(
            "--undo",
            type=int,
            metavar="BATCH",
            help="delete what import batch BATCH created, if nothing has happened to it since",
        )
        parser.add_argument("--preset", default="generic", choices=sorted(imports.PRESETS))
        parser.add_argument("--mapping", help="a JSON file: kind -> field -> column name")
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--only-valid", action="store_true", help="import the valid rows, refuse the rest"
        )
        parser.add_argument("--report", type=Path, help="also write the report to this CSV")

    def handle(self, *args, files, undo, preset, mapping, commit, only_valid, report, **options):
        if undo is not None:
            if files:
                raise errors.InvalidInput("Give either files to import or --undo, not both.")
            batch = import_undo.undo(undo)
            self.stdout.write(f"Undone: {batch.label}; what it created is deleted.")
            return
        if not files:
            raise errors.InvalidInput("Give the files to import (or --undo BATCH).")
        mapped = imports.load_mapping(mapping) if mapping else None
        columns = imports.columns_for(preset, mapped)
        sources = [self._source(spec) for spec in files]
        tables = imports.read(sources, columns)
        result = imports.run(
            tables,
            preset=preset,
            columns=columns,
            commit=commit,
            only_valid=only_valid,
            progress=self._progress,
        )
        self.stdout.write("Import" if commit else "Dry run (nothing is written without --commit)")
        for line in result.lines():
            self.stdout.write(line)
        if report is not None:
            with report.open("w", encoding="utf-8", newline="") as stream:
                imports.write_report(result, stream)
            self.stdout.write(f"Report written to {report}")
        refused = imports.refusal(result, commit=commit, only_valid=only_valid)
        if refused is not None:
            raise refused
        if result.batch is not None:
            self.stdout.write(f"Imported as {result.batch.label}.")
        elif commit:
            self.stdout.write("Nothing new to import.")

    def _progress(self, done: int, total: int) -> None:
        """A progress bar on the terminal; a line now and then in a log."""
        width = 30
        bar = "#" * (width * done // total) + "-" * (width - width * done // total)
        line = f"writing [{bar}] {done:,}/{total:,} records"
        if self.stderr.isatty():
            self.stderr.write(f"\r{line}", ending="\n" if done == total else "")
            self.stderr.flush()
        else:
            self.stderr.write(line)

    def _source(self, spec: str) -> tuple[str, bytes, str | None]:
        kind, _, name = spec.rpartition("=") if "=" in spec else ("", "", spec)
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > imports.MAX_BYTES:
                raise errors.ImportUnreadable(f"{name}: larger than 50 MB; split the file.")
            data = path.read_bytes()
        except OSError as exc:
            raise errors.ImportUnreadable(f"{name}: cannot be read ({exc.strerror}).") from None
        return path.name, data, kind or None
