"""The owner's Import & export page: a dry run first, then the import; refused rows listed
with their row and column; the export as a zip. Owners only."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from passbook.models import ImportBatch, Pass
from passbook.services import verify
from tests.integration.helpers import fingerprint

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """The page's kept files and progress in this test's own folder."""
    settings.PASSBOOK_IMPORT_DIR = str(tmp_path)


# The samples' bookings are for sessions on their own timetable (tests/integration).
KINDS = ("customers", "products", "passes")


def uploads(folder: str) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
        for path in sorted((SAMPLES / folder).glob("*.csv"))
        if path.stem in KINDS
    ]


@pytest.mark.parametrize("role", ["frontdesk", "manager"])
@pytest.mark.parametrize("path", ["/office/import/", "/office/export.zip"])
def test_only_owners_may_import_or_export(clients, role, path):
    assert clients[role].get(path).status_code == 403
    assert clients["anonymous"].get(path).status_code == 302


def test_the_owner_checks_then_imports_the_generic_sample(clients, office):
    owner = clients["owner"]
    page = owner.get("/office/import/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    before = fingerprint()
    dry = owner.post(
        "/office/import/", {"preset": "generic", "action": "dry-run", "files": uploads("generic")}
    )
    text = dry.content.decode()
    assert dry.status_code == 200 and "Dry run: nothing written" in text
    # the studio already sells a "10-class pass": matched by name, not added again
    assert "products: 2 to create, 1 matched" in text and "passes: 4 to create" in text
    assert fingerprint() == before

    done = owner.post(
        "/office/import/", {"preset": "generic", "action": "import", "files": uploads("generic")}
    )
    assert done.status_code == 200 and "Imported as import batch" in done.content.decode()
    assert Pass.objects.filter(import_batch__isnull=False).count() == 4
    assert list(verify.problems()) == []
    again = owner.post(
        "/office/import/", {"preset": "generic", "action": "import", "files": uploads("generic")}
    )
    assert "Nothing new to import" in again.content.decode()
    assert ImportBatch.objects.count() == 1


def test_refused_rows_are_listed_and_nothing_is_written(clients, office):
    bad = SimpleUploadedFile(
        "clients.csv",
        b"external_id,first_name,email\nx1,Ann,ann@example.com\nx2,Ben,ANN@example.com\n",
    )
    before = fingerprint()
    response = clients["owner"].post(
        "/office/import/", {"preset": "generic", "action": "import", "files": [bad]}
    )
    text = response.content.decode()
    assert response.status_code == 422 and "1 row(s) refused; nothing was written." in text
    assert "<td>clients.csv</td><td>3</td><td>email</td><td>also on row 2.</td>" in text
    assert fingerprint() == before


def test_an_unreadable_upload_says_why(clients, office):
    latin1 = SimpleUploadedFile(
        "c.csv", "external_id,first_name,email\nx,Zoë,z@x.org\n".encode("latin-1")
    )
    response = clients["owner"].post(
        "/office/import/", {"preset": "generic", "action": "dry-run", "files": [latin1]}
    )
    assert response.status_code == 422 and "not UTF-8 text" in response.content.decode()


def test_the_owner_downloads_everything_as_a_zip(clients, office):
    response = clients["owner"].get("/office/export.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "README.txt" in archive.namelist() and "pass_entries.csv" in archive.namelist()
    assert "Ada" in archive.read("customers.csv").decode()


def test_the_dry_runs_report_downloads_as_csv(clients, office):
    bad = SimpleUploadedFile(
        "clients.csv", b"external_id,first_name,email\nx1,=cmd,ann@example.com\nx2,Ben,\n"
    )
    response = clients["owner"].post(
        "/office/import/", {"preset": "generic", "action": "report", "files": [bad]}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "file,row,kind,action,column,record,reason"
    assert lines[1] == "clients.csv,3,customers,create,,Ben,"
    assert lines[2].startswith("clients.csv,2,,refuse,first_name,,\"begins with '='")


def test_the_owner_undoes_an_import_from_the_list(clients, office):
    owner = clients["owner"]
    before = Pass.objects.count()
    owner.post(
        "/office/import/", {"preset": "generic", "action": "import", "files": uploads("generic")}
    )
    batch = ImportBatch.objects.get()
    page = owner.get("/office/import/").content.decode()
    assert f'name="batch" value="{batch.id}"' in page and f"Undo {batch.label}" in page
    undone = owner.post("/office/import/", {"action": "undo", "batch": batch.id}, follow=True)
    text = undone.content.decode()
    assert f"Undone: {batch.label}; what it created is deleted." in text
    assert "undone" in text and f"Undo {batch.label}" not in text
    assert Pass.objects.count() == before and list(verify.problems()) == []
    again = owner.post("/office/import/", {"action": "undo", "batch": batch.id}, follow=True)
    assert "undone already" in again.content.decode()


def test_an_undo_refused_says_why_and_changes_nothing(clients, office):
    owner = clients["owner"]
    owner.post(
        "/office/import/", {"preset": "generic", "action": "import", "files": uploads("generic")}
    )
    batch = ImportBatch.objects.get()
    Pass.objects.filter(external_id="S-5002").update(price=1)  # an edit, behind its back
    before = fingerprint()
    refused = owner.post("/office/import/", {"action": "undo", "batch": batch.id}, follow=True)
    assert "was edited since" in refused.content.decode()
    assert fingerprint() == before
