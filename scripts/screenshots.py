"""Screenshots of every page a person uses, and axe-core's verdict on each.

    .venv/bin/python scripts/screenshots.py [--supervisor-path /supervisor] [--out docs/screenshots]

Starts the server on its embedded defaults (a fresh data folder, the sample knowledge
base, one supervisor account), then in headless Chromium at 1280x720 and 390x844:
the demo page with the widget open and a customer waiting for a person; the console
signed in, that conversation selected with its handoff card; the supervisor page
(`--supervisor-path`; the console's dashboard while the server has no such page); and
the eval report rendered from the default suite's committed baseline run. Each page
is saved as `<page>-<width>x<height>.png` and checked by axe-core (from `npm ci`,
see package.json); the script exits 1 when axe finds a violation, naming it.
`tests/test_accessibility.py` runs the same tour against its test server.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

from warmline.config import Settings
from warmline.conversation.accounts import AgentAccount
from warmline.evals.suite.compare import compare, load_report
from warmline.evals.suite.html_report import render_html
from warmline.evals.suite.suite import load_suite

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_SUITE = REPO / "evals" / "suites" / "default"
VIEWPORTS = ((1280, 720), (390, 844))
SUPERVISOR = AgentAccount(
    id="lee",
    name="Lee Park",
    token="screenshot-supervisor-token",
    roles=["agent", "supervisor"],
    skills=["fraud", "legal", "safety", "supervisor", "retention"],
    permissions=["pii:reveal"],
)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@dataclass(frozen=True)
class Stop:
    """One page of the tour, ready to be photographed and checked."""

    name: str
    page: Page


async def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the whole page (the widget's shadow root included),
    one line each: rule, impact and the first few elements it names."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `npm ci` (scripts/bootstrap.sh dev).")
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text())
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def eval_report(folder: Path) -> Path:
    """The default suite's HTML report, from its committed baseline run (the JSON that
    `warmline eval run` wrote), compared with itself: every section of the report shows."""
    baseline = load_report(DEFAULT_SUITE / "baseline.json")
    page = folder / "report.html"
    page.write_text(
        render_html(baseline, compare(baseline, baseline, load_suite(DEFAULT_SUITE).gate)),
        encoding="utf-8",
    )
    return page


async def tour(
    browser: Browser,
    base_url: str,
    viewport: tuple[int, int],
    token: str,
    report: Path,
    supervisor_path: str = "/supervisor",
) -> AsyncIterator[Stop]:
    """The pages in the order a visitor meets them, each yielded once it is settled.

    The context bypasses the pages' Content-Security-Policy only so axe can be injected.
    """
    width, height = viewport
    context = await browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, locale="en-US"
    )
    try:
        customer = await context.new_page()
        await customer.goto(base_url + "/")
        await customer.get_by_test_id("launcher").click()
        await customer.get_by_test_id("input").fill("how do I get a refund?")
        await customer.get_by_test_id("send").click()
        bot = customer.locator('[data-testid="msg"][data-role="bot"]')
        await expect(bot.first).to_be_visible(timeout=30_000)
        await customer.get_by_test_id("input").fill(
            "The refund never arrived and I was charged twice. I want to talk to a person."
        )
        await customer.get_by_test_id("send").click()
        await expect(customer.get_by_test_id("queue-position")).to_be_visible(timeout=30_000)
        conversation_id = await customer.evaluate("window.Warmline.state().conversationId")
        yield Stop("widget", customer)

        console = await context.new_page()
        await console.goto(base_url + "/console")
        await console.get_by_test_id("token").fill(token)
        await console.get_by_test_id("login").click()
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.locator('[data-role="open"]').click()
        await expect(console.get_by_test_id("handoff-card")).to_be_visible()
        yield Stop("console", console)

        supervisor = await context.new_page()
        answer = await supervisor.goto(base_url + supervisor_path)
        missing = answer is None or answer.status == 404
        if missing:
            # A server without the page: supervisors read the console's dashboard.
            await supervisor.goto(base_url + "/console")
        if await supervisor.get_by_test_id("token").count():
            await supervisor.get_by_test_id("token").fill(token)
            await supervisor.get_by_test_id("login").click()
        if missing:
            dashboard = supervisor.get_by_test_id("dashboard")
            await expect(dashboard).to_be_visible()
            await dashboard.scroll_into_view_if_needed()
        await supervisor.wait_for_load_state("networkidle")
        yield Stop("supervisor", supervisor)

        evals = await context.new_page()
        await evals.goto(report.as_uri())
        yield Stop("eval-report", evals)
    finally:
        await context.close()


async def _serve_and_shoot(args: argparse.Namespace) -> dict[str, list[str]]:
    from warmline.server.serving import build_server

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder) / "data", host="127.0.0.1", port=args.port, agents=[SUPERVISOR]
        )
        server = build_server(settings)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.1)
            if serving.done():
                serving.result()
        found: dict[str, list[str]] = {}
        try:
            report = eval_report(Path(folder))
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
                )
                for viewport in VIEWPORTS:
                    base = f"http://127.0.0.1:{args.port}"
                    stops = tour(
                        browser, base, viewport, SUPERVISOR.token, report, args.supervisor_path
                    )
                    async for stop in stops:
                        name = f"{stop.name}-{viewport[0]}x{viewport[1]}"
                        await stop.page.screenshot(path=args.out / f"{name}.png")
                        found[name] = await axe_violations(stop.page)
                        print(f"{name}: {len(found[name])} axe violations", flush=True)
                await browser.close()
        finally:
            server.should_exit = True
            await serving
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--supervisor-path", default="/supervisor")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    found = asyncio.run(_serve_and_shoot(args))
    failing = {page: v for page, v in found.items() if v}
    if failing:
        print(json.dumps(failing, indent=2), file=sys.stderr)
        return 1
    print(f"screenshots in {args.out}; axe-core found no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
