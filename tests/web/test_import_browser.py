"""The owner's Import & export page in real Chromium: upload, check, import, undo."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from passbook.models import ImportBatch, Pass
from tests.browser import csp_violations, shot
from tests.web.conftest import PASSWORD

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "generic"


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
