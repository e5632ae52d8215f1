"""Import & export (owners only): upload files from another system, see the dry run's
report, then import; download everything as a zip of CSV files (docs/import.md)."""

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render

from passbook import clock
from passbook.models import ImportBatch, User
from passbook.services import errors, exports, import_mapping, import_undo, imports
from passbook.services.errors import DomainError
from passbook.web.office import held_uploads, import_progress
from passbook.web.office.common import StaffRequest, staff
from passbook.web.refusals import attempt

OWNER = User.Role.OWNER


class UndoForm(forms.Form):
    batch = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    preset = forms.ChoiceField(
        choices=[("generic", "Generic (Passbook's columns)"), ("mindbody", "Mindbody")],
        help_text="Whose column names the files use.",
    )
    by_hand = forms.BooleanField(
        required=False,
        label="Map the columns by hand",
        help_text="Choose what each column holds (asked anyway when the preset cannot tell).",
    )
    only_valid = forms.BooleanField(
        required=False,
        label="Import the valid rows even when others are refused",
    )


class MappingForm(forms.Form):
    """One select per column of each kept file: which of our fields it holds."""

    upload = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, sheets: list[import_mapping.Sheet], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sheets = sheets
        for f, sheet in enumerate(sheets):
            for c, (header, guess) in enumerate(zip(sheet.headers, sheet.guessed, strict=True)):
                self.fields[f"f{f}c{c}"] = forms.ChoiceField(
                    choices=import_mapping.choices(),
                    required=False,
                    label=header or f"(column {c + 1}, no header)",
                    initial=guess,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )

    def by_file(self) -> list[tuple[import_mapping.Sheet, list[forms.BoundField]]]:
        """Each file with its columns' fields, for the template."""
        return [
            (sheet, [self[f"f{f}c{c}"] for c in range(len(sheet.headers))])
            for f, sheet in enumerate(self.sheets)
        ]

    def chosen(self) -> list[list[str]]:
        return [
            [self.cleaned_data[f"f{f}c{c}"] for c in range(len(sheet.headers))]
            for f, sheet in enumerate(self.sheets)
        ]


@staff(OWNER)
def import_page(request: StaffRequest) -> HttpResponse:
    """GET: the form. POST: a dry run (always first), the import itself, or an undo; with
    files whose columns are mapped by hand, first the mapping, then the same steps."""
    action = request.POST.get("action")
    if action == "undo":
        return _undo(request)
    if "progress" in request.GET:
        return _progress_line(request)
    form = ImportForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "report": None, "error": "", "committed": False}
    if request.method == "POST" and form.is_valid():
        run, context["written"] = import_progress.start(request.user)
        try:
            response = _step(request, form.cleaned_data, action, context)
        except DomainError as exc:
            context["error"], response = exc.message, None
        finally:
            import_progress.finish(request.user, run, _outcome(context))
        if response is not None:
            return response
    context["batches"] = ImportBatch.objects.order_by("-id")[:10]
    context["progress"] = _progress(request, None)
    return render(request, "office/import.html", context, status=422 if context["error"] else 200)


def _outcome(context: dict[str, Any]) -> str:
    """What the progress line says once the run is over."""
    report = context["report"]
    if context["error"] or report is None:
        return context["error"]
    if report.batch is not None:
        return f"Finished: imported as {report.batch.label}."
    return "Finished: nothing written."


def _progress(request: StaffRequest, after: int | None) -> dict[str, Any]:
    """The progress line's state. `after`: the run the polling page was drawn after (None:
    the page itself, which shows a run still going, e.g. when reloaded during it)."""
    found = import_progress.state(request.user)
    going, page = import_progress.running(found), after is None
    if after is None:
        after = found["run"] - 1 if going else found["run"]
    newer = found["run"] > after
    if found.get("total"):
        found["percent"] = 100 * found["done"] // found["total"]
    return {
        "found": found,
        "newer": newer,
        # a page just submitted asks until its run shows up, then while it runs
        "polling": going or (not page and not newer),
        "after": found["run"] if newer and not going else after,
    }


def _progress_line(request: StaffRequest) -> HttpResponse:
    """The progress line alone, for htmx to poll."""
    try:
        after = max(0, int(request.GET["progress"]))
    except ValueError:
        after = 0
    return render(request, "office/import_progress.html", {"progress": _progress(request, after)})


def _step(
    request: StaffRequest, chosen: dict[str, Any], action: str | None, context: dict[str, Any]
) -> HttpResponse | None:
    """One post of the page: the response itself (a download), or None with the context
    filled for the page."""
    preset = chosen["preset"]
    if "upload" in request.POST:
        return _mapped(request, chosen, action, context)
    uploads = [_source(f) for f in request.FILES.getlist("files")]
    if not uploads:
        raise errors.ImportUnreadable("Choose one or more CSV, XLSX or zip files.")
    if chosen["by_hand"]:
        sheets = import_mapping.sheets(uploads, preset)
    else:
        try:
            columns = imports.columns_for(preset)
            tables = imports.read([(n, d, None) for n, d in uploads], columns)
            return _run(request, tables, chosen, columns, action, context)
        except errors.ImportUnreadable:
            # Columns the preset does not know are for the owner to map; anything else
            # unreadable (encoding, size, a damaged file) is said as it is.
            if _any_zip(uploads):
                raise
            sheets = import_mapping.sheets(uploads, preset)
            if not import_mapping.unknown(sheets, preset):
                raise
        context["notice"] = "The preset does not know some files' columns: map them."
    token = held_uploads.hold(request, uploads)
    context["mapping"] = MappingForm(sheets, initial={"upload": token})
    return None


def _any_zip(uploads: list[tuple[str, bytes]]) -> bool:
    return any(name.lower().endswith(".zip") for name, _ in uploads)


def _mapped(
    request: StaffRequest, chosen: dict[str, Any], action: str | None, context: dict[str, Any]
) -> HttpResponse | None:
    """A post of the mapping: the kept files, read through the owner's columns."""
    kept = held_uploads.held(request, request.POST.get("upload", ""))
    sheets = import_mapping.sheets(kept, chosen["preset"])
    form = MappingForm(sheets, request.POST)
    context["mapping"] = form
    if not form.is_valid():
        raise errors.InvalidInput("Choose what each column holds from the lists.")
    mapping, kinds = import_mapping.mapping(sheets, form.chosen())
    if action == "mapping":
        return _download(import_mapping.mapping_file(mapping), "import-mapping.json", "json")
    columns = imports.columns_for(chosen["preset"], mapping)
    tables = imports.read([(n, d, k) for (n, d), k in zip(kept, kinds, strict=True)], columns)
    response = _run(request, tables, chosen, columns, action, context)
    if context["committed"]:
        held_uploads.release(request)
        context["mapping"] = None
    return response


def _run(
    request: StaffRequest,
    tables: list[imports.Table],
    chosen: dict[str, Any],
    columns: dict,
    action: str | None,
    context: dict[str, Any],
) -> HttpResponse | None:
    """The dry run, its report as CSV, or the import itself."""
    commit, only_valid = action == "import", chosen["only_valid"]
    report = imports.run(
        tables,
        preset=chosen["preset"],
        columns=columns,
        commit=commit,
        only_valid=only_valid,
        actor=request.user,
        progress=context["written"],
    )
    if action == "report":
        return _report_csv(report)
    context["report"] = report
    context["committed"] = commit and report.batch is not None
    refused = imports.refusal(report, commit=commit, only_valid=only_valid)
    if refused is not None:
        context["error"] = refused.message
    elif report.batch is not None:
        messages.success(request, f"Imported as {report.batch.label}.")
    elif commit:
        messages.info(request, "Nothing new to import: every row matched.")
    return None


def _undo(request: StaffRequest) -> HttpResponse:
    """Delete what a batch created (or show why not), then back to the page."""
    form = UndoForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Which import? Choose one from the list.")
        return redirect("office:import")
    attempt(  # no form to show a refusal beside: it comes on the next page
        request,
        None,
        lambda: import_undo.undo(form.cleaned_data["batch"], actor=request.user),
        lambda batch: f"Undone: {batch.label}; what it created is deleted.",
    )
    return redirect("office:import")


def _download(text: str, name: str, kind: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"application/{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_csv(report: imports.Report) -> HttpResponse:
    """The dry run's report, row by row, as a spreadsheet (formula-safe)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
    imports.write_report(report, response)
    return response


def _source(upload: UploadedFile) -> tuple[str, bytes]:
    name = upload.name or "upload"
    if (upload.size or 0) > imports.MAX_BYTES:
        raise errors.ImportUnreadable(f"{name}: larger than 50 MB; split the file.")
    return name, upload.read()


@staff(OWNER)
def export_zip(request: StaffRequest) -> HttpResponse:
    """Everything, as `passbook export` writes it."""
    target = io.BytesIO()
    exports.write_zip(target)
    response = HttpResponse(target.getvalue(), content_type="application/zip")
    name = f"passbook-export-{clock.now().date().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
