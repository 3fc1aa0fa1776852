"""What the widget costs a host page: its size on the wire and its time to first render.

Size: widget/public/widget.js raw and gzip-compressed (level 9), the one file a host page
loads. First render: Debian Chromium (headless, through Playwright) opens the demo
page of a running `warmline serve` in a fresh browser context each time (cold cache),
and the clock runs from navigation until the widget's launcher button is visible.
Writes benchmarks/results/widget.json.

Usage: .venv/bin/python benchmarks/widget.py [--loads 20]
"""

import argparse
import asyncio
import gzip
import time

from harness import machine, now_utc, serving, summary_ms, write_result
from playwright.async_api import async_playwright

from warmline.config import REPO_ROOT

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


async def first_renders(page_url: str, loads: int) -> list[float]:
    timings = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        for _ in range(loads):
            context = await browser.new_context()
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(page_url, wait_until="commit")
            await page.get_by_test_id("launcher").wait_for(state="visible")
            timings.append(time.perf_counter() - started)
            await context.close()
        await browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    source = (REPO_ROOT / "widget" / "public" / "widget.js").read_bytes()
    with serving() as server:
        page_url = server.ws_url.replace("ws://", "http://") + "/"
        renders = asyncio.run(first_renders(page_url, args.loads))
    write_result(
        "widget",
        {
            "benchmark": "widget",
            "when": now_utc(),
            "machine": machine(),
            "widget_js_bytes": len(source),
            "widget_js_gzip_bytes": len(gzip.compress(source, compresslevel=9)),
            "first_render": summary_ms(renders),
        },
    )


if __name__ == "__main__":
    main()
