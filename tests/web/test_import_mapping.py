"""Columns mapped by hand on the Import page: files another system names its own way are
kept between the steps, mapped, checked, imported; the mapping downloads as the file
`passbook import --mapping` reads."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from passbook.models import Customer, ImportBatch, Pass, User
from passbook.services import imports, verify
from passbook.web.office import held_uploads
from tests.integration.helpers import fingerprint

MEMBERS = (
    "Member No,Given name,Family name,E-mail,Mobile\n"
    "M-1,Maya,Okafor,maya@example.com,+44 7700 900101\n"
    "M-2,Tom,Becker,tom@example.com,\n"
)
SOLD = (
    "Sale,Member No,Product,Sold,Expires,Credits,Used\n"
    "V-1,M-1,10-class pass,2026-04-20,2026-07-19,10,4\n"
)
# What the owner picks for each column, in order (the page posts f<file>c<column>).
MEMBER_FIELDS = ["external_id", "first_name", "last_name", "email", "phone"]
SOLD_FIELDS = [
    "external_id",
    "customer_external_id",
    "product",
    "purchased_on",
    "expires_on",
    "total",
    "used",
]


@pytest.fixture(autouse=True)
def kept_files(settings, tmp_path):
    settings.PASSBOOK_IMPORT_DIR = str(tmp_path)
    return tmp_path / "passbook-imports"


def files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile("members.csv", MEMBERS.encode()),
        SimpleUploadedFile("sold.csv", SOLD.encode()),
    ]


def upload(owner, **extra):
    return owner.post(
        "/office/import/", {"preset": "generic", "action": "dry-run", "files": files(), **extra}
    )


def token_of(response) -> str:
    return response.context["mapping"]["upload"].value()


def picks(token: str, action: str, **extra) -> dict:
    chosen = {f"f0c{c}": f"customers.{f}" for c, f in enumerate(MEMBER_FIELDS)}
    chosen |= {f"f1c{c}": f"passes.{f}" for c, f in enumerate(SOLD_FIELDS)}
    return {"preset": "generic", "upload": token, "action": action, **chosen, **extra}


def test_unknown_columns_ask_for_a_mapping_and_write_nothing(clients, office, kept_files):
    before = fingerprint()
    response = upload(clients["owner"])
    text = response.content.decode()
    assert response.status_code == 200 and "The preset does not know some files" in text
    assert 'id="mapping-form"' in text and '<caption class="caption-top">members.csv' in text
    assert '<option value="customers.email">customers: email</option>' in text
    token = token_of(response)
    assert [p.name for p in kept_files.iterdir()] == [token]  # the page sends no path
    assert f'name="upload" value="{token}"' in text and str(kept_files) not in text
    assert fingerprint() == before


def test_the_owner_maps_checks_then_imports(clients, office, kept_files):
    owner = clients["owner"]
    token = token_of(upload(owner))
    before = fingerprint()
    dry = owner.post("/office/import/", picks(token, "dry-run"))
    text = dry.content.decode()
    assert dry.status_code == 200 and "Dry run: nothing written" in text
    assert "customers: 2 to create" in text and "passes: 1 to create" in text
    assert 'id="mapping-form"' in text  # still there, for the import itself
    assert fingerprint() == before

    done = owner.post("/office/import/", picks(token, "import"))
    assert done.status_code == 200 and "Imported as import batch" in done.content.decode()
    sold = Pass.objects.get(external_id="V-1")
    assert (sold.customer.external_id, sold.total, sold.total - sold.used - sold.held) == (
        "M-1",
        10,
        6,
    )
    assert list(verify.problems()) == []
    # the kept files are deleted with the import; the token reads nothing any more
    assert not kept_files.exists() or list(kept_files.iterdir()) == []
    again = owner.post("/office/import/", picks(token, "import"))
    assert again.status_code == 422 and "upload them again" in again.content.decode()
    assert ImportBatch.objects.count() == 1


def test_the_preset_prefills_the_columns_it_knows(clients, office):
    known = SimpleUploadedFile(
        "clients.csv", b"external_id,first_name,email,Loyalty\nx1,Ann,a@x.org,3\n"
    )
    response = clients["owner"].post(
        "/office/import/",
        {"preset": "generic", "action": "dry-run", "by_hand": "on", "files": [known]},
    )
    form = response.context["mapping"]
    assert [form[f"f0c{c}"].initial for c in range(4)] == [
        "customers.external_id",
        "customers.first_name",
        "customers.email",
        "",
    ]


def test_the_mapping_downloads_as_the_commands_mapping_file(clients, office, tmp_path):
    owner = clients["owner"]
    token = token_of(upload(owner))
    response = owner.post("/office/import/", picks(token, "mapping"))
    assert response["Content-Disposition"] == 'attachment; filename="import-mapping.json"'
    path = tmp_path / "mine.json"
    path.write_bytes(response.content)
    mapping = imports.load_mapping(str(path))
    assert mapping["customers"]["email"] == "E-mail"
    assert mapping["customers"]["notes"] == "(no column for notes)"
    # the same files through the command's reader and that file: the same plan
    columns = imports.columns_for("generic", mapping)
    tables = imports.read(
        [("members.csv", MEMBERS.encode(), "customers"), ("sold.csv", SOLD.encode(), None)],
        columns,
    )
    report = imports.plan(tables, "generic", columns)
    assert report.count("customers", "create") == 2 and report.count("passes", "create") == 1
    assert not report.refusals and json.loads(response.content)["passes"]["used"] == "Used"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"f0c3": ""}, "members.csv: customers need a column for email."),
        ({"f0c4": "customers.email"}, "email is chosen for both"),
        ({"f0c4": "passes.used"}, "choose columns of one kind"),
        ({"f0c4": "customers.nothing"}, "Choose what each column holds from the lists."),
    ],
)
def test_a_bad_mapping_says_why_and_writes_nothing(clients, office, change, message):
    owner = clients["owner"]
    token = token_of(upload(owner))
    before = fingerprint()
    response = owner.post("/office/import/", picks(token, "import") | change)
    text = response.content.decode()
    assert response.status_code == 422 and message in text and 'id="mapping-form"' in text
    assert fingerprint() == before


def test_a_token_from_another_session_reads_nothing(clients, office):
    token = token_of(upload(clients["owner"]))
    other = Client()  # the same owner, signed in elsewhere
    other.force_login(User.objects.get(username="owner"))
    response = other.post("/office/import/", picks(token, "import"))
    assert response.status_code == 422 and "upload them again" in response.content.decode()
    for bad in ("../../etc", "x" * 30, ""):
        response = clients["owner"].post("/office/import/", picks(bad, "dry-run"))
        assert response.status_code == 422
    assert not Customer.objects.filter(external_id="M-1").exists()


def test_a_new_upload_replaces_the_kept_files_and_old_ones_are_swept(
    clients, office, kept_files, monkeypatch
):
    owner = clients["owner"]
    first = token_of(upload(owner))
    second = token_of(upload(owner, by_hand="on"))
    assert [p.name for p in kept_files.iterdir()] == [second] and first != second
    monkeypatch.setattr(held_uploads, "KEEP", -1)  # everything counts as left behind
    third = token_of(upload(owner))
    assert [p.name for p in kept_files.iterdir()] == [third]


def test_a_zip_is_not_mapped(clients, office):
    response = clients["owner"].post(
        "/office/import/",
        {
            "preset": "generic",
            "action": "dry-run",
            "by_hand": "on",
            "files": [SimpleUploadedFile("studio.zip", b"PK")],
        },
    )
    assert response.status_code == 422 and "needs no mapping" in response.content.decode()


def test_a_row_refused_for_a_field_no_column_holds_says_so(clients, office):
    owner = clients["owner"]
    token = token_of(upload(owner))
    response = owner.post("/office/import/", picks(token, "dry-run", f0c1="", f0c2=""))
    text = response.content.decode()
    assert response.status_code == 422 and "Dry run: nothing written" in text
    assert "<td>members.csv</td><td>2</td><td>(no column for name)</td>" in text
