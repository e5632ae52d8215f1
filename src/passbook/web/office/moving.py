"""Import & export (owners only): upload files from another system, see the dry run's
report, then import; download everything as a zip of CSV files (docs/import.md)."""

import io

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render

from passbook import clock
from passbook.models import ImportBatch, User
from passbook.services import errors, exports, import_undo, imports
from passbook.services.errors import DomainError
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
    only_valid = forms.BooleanField(
        required=False,
        label="Import the valid rows even when others are refused",
    )


@staff(OWNER)
def import_page(request: StaffRequest) -> HttpResponse:
    """GET: the form. POST: a dry run (always first), the import itself, or an undo."""
    action = request.POST.get("action")
    if action == "undo":
        return _undo(request)
    form = ImportForm(request.POST or None)
    report, error = None, ""
    commit = action == "import"
    if request.method == "POST" and form.is_valid():
        uploads = request.FILES.getlist("files")
        try:
            if not uploads:
                raise errors.ImportUnreadable("Choose one or more CSV, XLSX or zip files.")
            preset, only_valid = form.cleaned_data["preset"], form.cleaned_data["only_valid"]
            columns = imports.columns_for(preset)
            tables = imports.read([_source(f) for f in uploads], columns)
            report = imports.run(
                tables,
                preset=preset,
                columns=columns,
                commit=commit,
                only_valid=only_valid,
                actor=request.user,
            )
            if action == "report":
                return _report_csv(report)
            refused = imports.refusal(report, commit=commit, only_valid=only_valid)
            if refused is not None:
                error = refused.message
            elif report.batch is not None:
                messages.success(request, f"Imported as {report.batch.label}.")
            elif commit:
                messages.info(request, "Nothing new to import: every row matched.")
        except DomainError as exc:
            error = exc.message
    context = {
        "form": form,
        "report": report,
        "error": error,
        "committed": commit and report is not None and report.batch is not None,
        "batches": ImportBatch.objects.order_by("-id")[:10],
    }
    return render(request, "office/import.html", context, status=422 if error else 200)


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


def _report_csv(report: imports.Report) -> HttpResponse:
    """The dry run's report, row by row, as a spreadsheet (formula-safe)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
    imports.write_report(report, response)
    return response


def _source(upload: UploadedFile) -> tuple[str, bytes, None]:
    name = upload.name or "upload"
    if (upload.size or 0) > imports.MAX_BYTES:
        raise errors.ImportUnreadable(f"{name}: larger than 50 MB; split the file.")
    return name, upload.read(), None


@staff(OWNER)
def export_zip(request: StaffRequest) -> HttpResponse:
    """Everything, as `passbook export` writes it."""
    target = io.BytesIO()
    exports.write_zip(target)
    response = HttpResponse(target.getvalue(), content_type="application/zip")
    name = f"passbook-export-{clock.now().date().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
