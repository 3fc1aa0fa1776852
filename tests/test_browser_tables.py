"""Answers that hold a table reach the customer as a table, and a table never carries HTML."""

from pathlib import Path

import pytest
from conftest import make_settings, serving
from fake_openai import Reply, fake_openai
from playwright.async_api import Browser, Page, expect

from warmline.agent.llm import LlmSettings

pytestmark = pytest.mark.slow


async def ask(page: Page, url: str, question: str) -> None:
    await page.goto(url + "/")
    await page.get_by_test_id("launcher").click()
    await page.get_by_test_id("input").fill(question)
    await page.get_by_test_id("send").click()


async def test_an_error_code_answer_renders_as_a_table_with_the_row_that_answers(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    """The embedded responder quotes the sample knowledge base's error-code table."""
    async with serving(make_settings(tmp_path, kb_snapshot)) as running:
        context = await browser.new_context()
        page = await context.new_page()
        await ask(page, running.url, "what does error E-3110 mean?")
        answer = page.locator('[data-testid="msg"][data-role="bot"]').last
        table = answer.locator("table")
        await expect(table).to_be_visible(timeout=60_000)
        await expect(table.locator("th")).to_have_text(["Code", "Meaning", "What to do"])
        cells = table.locator("tbody tr").first.locator("td")
        await expect(cells).to_have_text(
            [
                "E-3110",
                "Update waiting: battery below 30%",
                "Replace the batteries in the Lock or Sensor",
            ]
        )
        await expect(answer).not_to_contain_text("|---|")
        await page.screenshot(path=artifacts / "widget-table-answer.png")
        await context.close()


async def test_markup_inside_a_table_cell_stays_text(
    browser: Browser, tmp_path: Path, kb_snapshot: Path
) -> None:
    """A model's or an article's table is drawn with DOM text nodes, never as HTML."""
    reply = (
        "Here is what the codes mean [1].\n\n"
        "| Code | Meaning |\n"
        "|---|---|\n"
        '| E-1 | <img src=x onerror="window.pwned=1"> **bold** |\n'
        "| E-2 | [trap](javascript:alert(1)) and [status](https://status.example/) |"
    )
    async with fake_openai() as fake:
        fake.default = Reply(content=reply)
        settings = make_settings(
            tmp_path, kb_snapshot, llm=LlmSettings(base_url=fake.url, deadline_s=30.0)
        )
        async with serving(settings) as running:
            context = await browser.new_context()
            page = await context.new_page()
            await ask(page, running.url, "what do the error codes mean?")
            answer = page.locator('[data-testid="msg"][data-role="bot"]').last
            cells = answer.locator("table tbody td")
            await expect(cells).to_have_count(4, timeout=60_000)
            await expect(cells.nth(1)).to_contain_text('<img src=x onerror="window.pwned=1">')
            await expect(cells.nth(1).locator("strong")).to_have_text("bold")
            assert await answer.locator("img, script, [onerror]").count() == 0
            assert await page.evaluate("window.pwned") is None
            links = cells.nth(3).locator("a")
            await expect(links).to_have_count(1)
            await expect(links).to_have_attribute("href", "https://status.example/")
            await expect(cells.nth(3)).to_contain_text("[trap](javascript:alert(1))")
            await context.close()
