"""A Spanish shop's customer reads Spanish from the server, not only from the widget's labels."""

import pytest
from conftest import LEAD, Backend, RunningServer, serving_app
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser, Page, expect

from warmline.config import Settings
from warmline.texts import say

pytestmark = pytest.mark.slow

# Open around the clock: the customer hears "nobody is online", not "we are back on
# Monday", whatever the hour the suite runs at.
SERVER_SETTINGS = {"policy": Settings().policy.model_copy(update={"business_hours": None})}

SHOP = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Tienda Lumen</title></head>
<body><h1>Tienda Lumen</h1>
<script src="{server}/static/widget.js" data-server="{server}" data-language="es" defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def backend() -> Backend:
    return Backend("embedded")


async def last_text(page: Page, role: str) -> str:
    row = page.locator(f'[data-testid="msg"][data-role="{role}"]').last
    await expect(row).to_be_visible(timeout=30_000)
    return await row.inner_text()


async def test_a_spanish_conversation_reads_spanish_server_texts_naming_the_spanish_button(
    server: RunningServer, browser: Browser
) -> None:
    host = FastAPI()

    @host.get("/")
    async def shop() -> HTMLResponse:
        return HTMLResponse(SHOP.format(server=server.url))

    async with serving_app(host) as shop_url:
        # an English browser on a Spanish shop: the shop's declared language wins
        context = await browser.new_context(locale="en-US")
        customer = await context.new_page()
        await customer.goto(shop_url + "/")
        await customer.get_by_test_id("launcher").click()
        button = await customer.get_by_test_id("talk-to-person").inner_text()
        assert button.strip() == "Hablar con una persona"

        await customer.get_by_test_id("input").fill("¡Hola!")
        await customer.get_by_test_id("input").press("Enter")
        greeting = await last_text(customer, "bot")
        assert "¡Hola! Soy el asistente de IA de" in greeting
        # the help center is English: said plainly, pointing at the button as it reads
        assert "Nuestro centro de ayuda está en inglés" in greeting
        assert f"\u00ab{button.strip()}\u00bb" in greeting

        await customer.get_by_test_id("talk-to-person").click()
        # nobody is online: one handoff message that says so, in Spanish
        await expect(customer.get_by_test_id("contact-form")).to_be_visible(timeout=30_000)
        await expect(customer.get_by_test_id("messages")).to_contain_text(
            say("nobody_online", "es")
        )
        assert say("holding", "es") not in await customer.get_by_test_id("messages").inner_text()

        console = await context.new_page()
        await console.goto(server.url + "/console")
        await console.get_by_test_id("token").fill(LEAD.token)
        await console.get_by_test_id("login").click()
        await console.get_by_test_id("take-next").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")
        await console.get_by_test_id("disposition").select_option("resolved")
        await console.get_by_test_id("resolve").click()

        await expect(customer.get_by_test_id("csat-form")).to_be_visible()
        messages = customer.get_by_test_id("messages")
        await expect(messages).to_contain_text(say("csat_question", "es"))
        await expect(messages).to_contain_text("Esta conversación se ha marcado como resuelta")
        shown = await customer.get_by_test_id("messages").inner_text()
        for english in ("Talk to a person", "press", "member of our team", "How did we do"):
            assert english not in shown
        await context.close()
