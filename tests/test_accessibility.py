"""axe-core finds nothing on any page a person uses, at desktop and phone sizes.

The pages are the tour of scripts/screenshots.py (the screenshots in docs/ are taken on
the same walk): the demo shop with the widget open and a customer waiting, the console
with that conversation's handoff card, the supervisor page and the eval report.
"""

from pathlib import Path

import pytest
from conftest import LEAD, Backend, RunningServer
from playwright.async_api import Browser
from screenshots import VIEWPORTS, axe_violations, eval_report, tour

pytestmark = pytest.mark.slow

# Every page the tour must reach; the supervisor page's address is a parameter of the
# tour (a server without it shows the supervisors' dashboard in the console instead).
PAGES = ["widget", "console", "supervisor", "eval-report"]
SUPERVISOR_PATH = "/supervisor"


@pytest.fixture(scope="module")
def backend() -> Backend:
    """The browser checks the page, not the storage: the embedded defaults suffice."""
    return Backend("embedded")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
async def test_every_page_is_free_of_axe_violations(
    server: RunningServer, browser: Browser, tmp_path: Path, viewport: tuple[int, int]
) -> None:
    report = eval_report(tmp_path)
    found: dict[str, list[str]] = {}
    async for stop in tour(browser, server.url, viewport, LEAD.token, report, SUPERVISOR_PATH):
        found[stop.name] = await axe_violations(stop.page)
    assert list(found) == PAGES
    assert found == {page: [] for page in PAGES}
