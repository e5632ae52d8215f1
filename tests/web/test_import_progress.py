"""The Import page's progress line: written by the request running the import (outside its
transaction, to a file), polled with htmx, and shown again when the page is reloaded."""

import pytest

from passbook.models import User
from passbook.services import imports
from passbook.web.office import import_progress
from tests.web.test_import_page import uploads


@pytest.fixture(autouse=True)
def kept_files(settings, tmp_path):
    settings.PASSBOOK_IMPORT_DIR = str(tmp_path)


@pytest.fixture
def owner(office):
    return User.objects.get(username="owner")


def test_a_reloaded_page_shows_the_import_still_running(clients, owner):
    run, written = import_progress.start(owner)
    written(500, 2000)
    text = clients["owner"].get("/office/import/").content.decode()
    assert "Importing: 500 of 2000 records written." in text and "width: 25%" in text
    assert f'?progress={run - 1}" hx-trigger="every 1s"' in text


def test_the_poll_waits_for_the_run_then_stops_when_it_ends(clients, owner):
    owner_client = clients["owner"]
    page = owner_client.get("/office/import/").content.decode()
    assert '?progress=0" hx-trigger="submit from:body"' in page  # idle until a submit
    waiting = owner_client.get("/office/import/?progress=0").content.decode()
    assert "Sending the files" in waiting and 'hx-trigger="every 1s"' in waiting
    run, _ = import_progress.start(owner)
    checking = owner_client.get("/office/import/?progress=0").content.decode()
    assert "Reading and checking the files" in checking and 'hx-trigger="every 1s"' in checking
    import_progress.finish(owner, run, "Finished: imported as import batch 7 (generic).")
    done = owner_client.get("/office/import/?progress=0").content.decode()
    assert "Finished: imported as import batch 7 (generic)." in done
    assert f'?progress={run}" hx-trigger="submit from:body"' in done
    assert owner_client.get("/office/import/?progress=x").status_code == 200


def test_the_import_reports_its_progress_as_it_writes(clients, owner, monkeypatch):
    seen: list[dict] = []
    write = import_progress._write
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(
        import_progress,
        "_write",
        lambda user, **values: (seen.append(values), write(user, **values)),
    )
    clients["owner"].post(
        "/office/import/", {"preset": "generic", "action": "import", "files": uploads("generic")}
    )
    states = [s["state"] for s in seen]
    assert states[0] == "checking" and "writing" in states and states[-1] == "finished"
    last_written = [s for s in seen if s["state"] == "writing"][-1]
    assert last_written["done"] == last_written["total"] > 0
    assert import_progress.state(owner)["message"].startswith("Finished: imported as import")


def test_the_progress_line_is_for_owners_only(clients, owner):
    assert clients["manager"].get("/office/import/?progress=0").status_code == 403
