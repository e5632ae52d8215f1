"""axe-core in the browser tests: critical and serious accessibility violations.

axe-core comes from axe-playwright-python (PyPI), which bundles axe.min.js. Playwright's
page.evaluate injects it without an inline <script>, so the pages keep their real
Content-Security-Policy. A page passes when axe finds no violation of impact "critical"
or "serious".
"""

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import csp_violations
from tests.conftest import PINNED

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
BLOCKING = {"critical", "serious"}

_axe = Axe()


@pytest.fixture
def clock_pinned():
    """The clock at PINNED and ticking on, so the pages are the same whatever the real
    date. (The live server runs in a thread of this process and sees the same clock.)
    Ask for it before the fixtures that make sessions."""
    with time_machine.travel(PINNED, tick=True) as traveller:
        yield traveller


def new_page(browser, live_server, width: str):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[width])
    page = context.new_page()
    page.csp = csp_violations(page)
    return page


def blocking_violations(page) -> list[str]:
    """axe's critical and serious violations on the current page, one line per element."""
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(
                    f"{violation['id']} ({violation['impact']}) at {target}: {violation['help']}"
                )
    return lines


# axe 4.x no longer reports repeated ids, but a repeated id sends a <label for> to the
# wrong field (on the pass ticket, the Void form's Reason label focused Edit total).
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
}"""


def duplicate_ids(page) -> list[str]:
    return [f"duplicate-id (serious) at #{dup}" for dup in page.evaluate(DUPLICATE_IDS)]


def audit(page, paths: list[str]) -> list[str]:
    """Visits each path and returns every blocking violation, prefixed with its path. On a
    phone the menu is folded away (axe skips what is hidden): the first page is checked
    a second time with the menu open."""
    found = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        found += [f"{path}: {line}" for line in blocking_violations(page) + duplicate_ids(page)]
        if path == paths[0] and open_menu(page):
            found += [f"{path} (menu open): {line}" for line in blocking_violations(page)]
    return found


def open_menu(page) -> bool:
    toggler = page.locator(".navbar-toggler")
    if toggler.count() != 1 or not toggler.is_visible():
        return False
    toggler.click()
    expect(page.locator(".navbar-collapse.show")).to_be_visible()
    expect(page.locator(".navbar .collapsing")).to_have_count(0)  # the animation is over
    return True


def report(found: list[str]) -> str:
    return "axe found critical or serious violations:\n" + "\n".join(found)


def assert_skip_link_first(page) -> None:
    """The first Tab reaches "Skip to content", which leads to <main id="content">."""
    page.locator("body").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(),"
        " document.activeElement.getAttribute('href')]"
    )
    assert focused == ["Skip to content", "#content"]
    assert page.locator("main#content").count() == 1
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the next stop is inside the main content, not the menu
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
