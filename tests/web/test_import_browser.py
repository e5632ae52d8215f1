"""The owner's Import & export page in real Chromium: upload, check, import, undo."""

import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from passbook.models import Customer, ImportBatch, Pass, User
from passbook.services import imports
from passbook.web.office import import_progress
from tests.axe import blocking_violations, duplicate_ids
from tests.browser import csp_violations, shot
from tests.web.conftest import PASSWORD

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "generic"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """The page's kept files and progress in this test's own folder."""
    settings.PASSBOOK_IMPORT_DIR = str(tmp_path)


@pytest.fixture
def owner_page(browser, live_server, office):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = csp_violations(page)
    page.goto("/office/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    yield page
    context.close()
    assert violations == []


def test_check_import_then_undo_in_the_browser(owner_page, office):
    page = owner_page
    before = Pass.objects.count()
    page.goto("/office/import/")
    files = [str(SAMPLES / f"{kind}.csv") for kind in ("customers", "products", "passes")]
    page.set_input_files("#id_files", files)
    page.click("button:has-text('Check (dry run)')")
    expect(page.locator("#import-report")).to_contain_text("passes: 4 to create")
    page.set_input_files("#id_files", files)
    page.click("#import-form button:has-text('Import')")
    expect(page.locator("#import-report h2")).to_have_text("Imported")
    batch = ImportBatch.objects.get()  # its id: 1 on SQLite, whatever PostgreSQL's sequence says
    expect(page.get_by_text(f"Imported as {batch.label}.")).to_be_visible()
    expect(page.locator("#import-batches")).to_contain_text("4 passes")
    shot(page, "import-page")
    page.get_by_role("button", name=f"Undo {batch.label}").click()
    expect(page.get_by_text(f"Undone: {batch.label}; what it created is deleted.")).to_be_visible()
    expect(page.locator("#import-batches")).to_contain_text("undone")
    assert Pass.objects.count() == before


def test_map_columns_by_hand_then_import_in_the_browser(owner_page, office, tmp_path):
    page = owner_page
    members = tmp_path / "members.csv"
    members.write_text(
        "Member No,Given name,Family name,E-mail,Mobile\n"
        "M-1,Maya,Okafor,maya@example.com,+44 7700 900101\n"
        "M-2,Tom,Becker,tom@example.com,\n",
        encoding="utf-8",
    )
    page.goto("/office/import/")
    page.set_input_files("#id_files", [str(members)])
    page.click("button:has-text('Check (dry run)')")
    expect(page.locator("#import-notice")).to_contain_text("map them")
    for column, field in [
        ("Member No", "external_id"),
        ("Given name", "first_name"),
        ("Family name", "last_name"),
        ("E-mail", "email"),
        ("Mobile", "phone"),
    ]:
        page.get_by_label(column, exact=True).select_option(f"customers.{field}")
    shot(page, "import-mapping")
    found = blocking_violations(page) + duplicate_ids(page)
    assert found == [], found
    page.click("#mapping-form button:has-text('Check (dry run)')")
    expect(page.locator("#import-report")).to_contain_text("customers: 2 to create")
    with page.expect_download() as download:
        page.click("#mapping-form button:has-text('Download the mapping file')")
    assert '"email": "E-mail"' in download.value.path().read_text(encoding="utf-8")
    page.click("#mapping-form button:has-text('Import')")
    expect(page.locator("#import-report h2")).to_have_text("Imported")
    assert Customer.objects.filter(external_id__in=["M-1", "M-2"]).count() == 2


def test_the_progress_line_polls_while_the_import_runs(owner_page, office, monkeypatch):
    """A slow import (slowed here): the page reloaded meanwhile shows how far it got, and
    polls until it is over."""
    real_run = imports.run
    seen = threading.Event()  # the run goes on once the reloaded page has shown it

    def slow_run(tables, **options):
        options["progress"](1, 2)
        seen.wait(timeout=30)
        return real_run(tables, **options)

    monkeypatch.setattr(imports, "run", slow_run)
    page = owner_page
    page.goto("/office/import/")
    page.set_input_files("#id_files", [str(SAMPLES / "customers.csv")])
    page.click("#import-form button:has-text('Import')", no_wait_after=True)
    owner = User.objects.get(username="owner")
    started = time.monotonic()
    while not import_progress.running(import_progress.state(owner)):  # the post got there
        assert time.monotonic() - started < 10
        time.sleep(0.05)
    # Playwright waits for a navigation under way, so the "reload" is in a second tab
    reloaded = page.context.new_page()
    reloaded.goto("/office/import/")
    line = reloaded.locator("#import-progress")
    expect(line).to_contain_text("Importing: 1 of 2 records written.")
    seen.set()
    expect(line).to_contain_text("Finished: imported as import batch", timeout=10_000)
    expect(page.locator("#import-report h2")).to_have_text("Imported")
