"""The whole path in headless Chromium: a customer in the widget, an agent in the console."""

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from conftest import REPO, Backend, RunningServer, make_settings, serving, serving_app
from fake_openai import Reply, fake_openai
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from netcut import netcut
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from warmline.agent.llm import LlmSettings
from warmline.conversation.accounts import AgentAccount

pytestmark = pytest.mark.slow
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def backend() -> Backend:
    """The browser checks the page, not the storage: the embedded defaults suffice."""
    return Backend("embedded")


async def test_follow_up_note_resolve_and_rating_when_nobody_is_online(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    """First in the module on purpose: the shared server must have no agent connected yet."""
    shopper_context = await browser.new_context()
    console_context = await browser.new_context()
    try:
        shopper = await shopper_context.new_page()
        await shopper.goto(server.url + "/")
        await shopper.get_by_test_id("launcher").click()
        await shopper.get_by_test_id("talk-to-person").click()

        # nobody online (or out of hours): the widget offers a follow-up form
        offer = shopper.get_by_test_id("contact-form")
        await expect(offer).to_be_visible(timeout=30_000)
        await shopper.get_by_test_id("contact-input").fill("jo.pike@example.com")
        await shopper.get_by_test_id("contact-send").click()
        confirmation = shopper.get_by_test_id("ticket-confirmation")
        await expect(confirmation).to_contain_text("We'll get back to you at <EMAIL_1>")
        await expect(offer).to_be_hidden()
        conversation_id = await shopper.evaluate("window.Warmline.state().conversationId")

        console = await console_context.new_page()
        await console.goto(server.url + "/console")
        await console.get_by_test_id("token").fill("lead-agent-token")
        await console.get_by_test_id("login").click()
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await expect(item).to_be_visible()
        await expect(item.get_by_test_id("effective-priority")).to_be_visible()
        await console.get_by_test_id("take-next").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")
        transcript = console.get_by_test_id("transcript")
        await expect(transcript.locator('[data-role="ticket"]')).to_contain_text("<EMAIL_1>")

        note = "Left an e-mail while nobody was online; check the refund first."
        await console.get_by_test_id("note-input").fill(note)
        await console.get_by_test_id("note-send").click()
        internal = transcript.locator('[data-role="note"]')
        await expect(internal).to_contain_text(note)
        await expect(internal).to_contain_text("Internal note")

        await console.get_by_test_id("disposition").select_option("resolved")
        await console.get_by_test_id("resolve").click()
        rating_form = shopper.get_by_test_id("csat-form")
        await expect(rating_form).to_be_visible()
        await expect(shopper.get_by_test_id("messages")).not_to_contain_text(note)
        await shopper.screenshot(path=artifacts / "widget-rating.png", full_page=True)

        await rating_form.locator('[data-score="5"]').click()
        await shopper.get_by_test_id("csat-send").click()
        await expect(shopper.get_by_test_id("csat-thanks")).to_have_text("Thanks for your rating!")
        await expect(rating_form).to_be_hidden()
        await expect(transcript.locator('[data-role="csat"]')).to_contain_text("5/5")
        await shopper.screenshot(path=artifacts / "widget-followup.png", full_page=True)
        await console.screenshot(path=artifacts / "console-followup.png", full_page=True)

        # from the server's history alone, answered forms stay answered and notes stay out
        await shopper.evaluate(
            """() => {
                localStorage.removeItem('warmline:history');
                const saved = JSON.parse(localStorage.getItem('warmline:conversation'));
                localStorage.setItem(
                    'warmline:conversation', JSON.stringify({...saved, last_seq: 0}));
            }"""
        )
        await shopper.reload()
        await shopper.get_by_test_id("launcher").click()
        await expect(shopper.get_by_test_id("csat-thanks")).to_be_visible()
        await expect(shopper.get_by_test_id("ticket-confirmation")).to_be_visible()
        await expect(shopper.get_by_test_id("contact-form")).to_be_hidden()
        await expect(shopper.get_by_test_id("csat-form")).to_be_hidden()
        await expect(shopper.get_by_test_id("messages")).not_to_contain_text(note)
    finally:
        # the next test needs the queue to itself: sign this agent out
        await console_context.close()
        await shopper_context.close()


async def test_customer_to_agent_and_back(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    shopper = await (await browser.new_context()).new_page()
    await shopper.goto(server.url + "/")
    await shopper.get_by_test_id("launcher").click()
    panel = shopper.get_by_test_id("panel")
    await expect(panel).to_be_visible()
    await expect(panel).to_contain_text("AI assistant")

    await shopper.get_by_test_id("input").fill("how do I get a refund?")
    await shopper.get_by_test_id("send").click()
    answer = shopper.locator('[data-testid="msg"][data-role="bot"]').last
    await expect(answer).to_contain_text("How to request a refund")
    citation = answer.get_by_test_id("citation").first
    await expect(citation).to_have_attribute(
        "href", "https://help.lumenhome.example/articles/request-a-refund"
    )

    await shopper.get_by_test_id("input").fill("My email is maria.gonzalez@example.com")
    await shopper.get_by_test_id("send").click()
    mine = shopper.locator('[data-testid="msg"][data-role="customer"]').last
    await expect(mine).to_have_attribute("data-seq", re.compile(r"^\d+$"))  # stored and echoed
    # The customer keeps seeing what they typed; the agent below sees the placeholder.
    await expect(mine).to_contain_text("maria.gonzalez@example.com")

    await shopper.get_by_test_id("talk-to-person").click()
    await expect(shopper.get_by_test_id("notice").last).to_contain_text("person")
    await expect(shopper.get_by_test_id("queue-position")).to_contain_text("1")

    console = await (await browser.new_context()).new_page()
    await console.goto(server.url + "/console")
    await console.get_by_test_id("token").fill("lead-agent-token")
    await console.get_by_test_id("login").click()
    item = console.get_by_test_id("queue-item").first
    await expect(item).to_contain_text("asked for a person")
    await expect(item.get_by_test_id("reason-chip").first).to_have_text("explicit_request")
    await item.get_by_test_id("claim").click()

    card = console.get_by_test_id("handoff-card")
    await expect(card.get_by_test_id("summary-issue")).to_have_text("how do I get a refund?")
    await expect(card.get_by_test_id("reasons")).to_contain_text("The customer asked for a person")
    await expect(card.get_by_test_id("articles")).to_contain_text("How to request a refund")
    await expect(card.get_by_test_id("facts")).to_contain_text("<EMAIL_1>")
    transcript = console.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("how do I get a refund?")
    await expect(transcript).to_contain_text("<EMAIL_1>")
    await expect(transcript).not_to_contain_text("maria.gonzalez")
    await expect(shopper.get_by_test_id("notice").last).to_contain_text("joined")
    bot_messages = shopper.locator('[data-testid="msg"][data-role="bot"]')
    bot_count = await bot_messages.count()

    await console.get_by_test_id("reply-input").fill("Hi, I'm on it. Refund coming your way.")
    await console.get_by_test_id("reply-send").click()
    reply = shopper.locator('[data-testid="msg"][data-role="agent"]').last
    await expect(reply).to_contain_text("Refund coming your way.")
    await expect(reply).to_contain_text("Demo Agent")

    await console.get_by_test_id("reply-input").fill("Is the card 4111 1111 1111 1111 yours?")
    await console.get_by_test_id("reply-send").click()
    await expect(shopper.locator('[data-testid="msg"][data-role="agent"]').last).to_contain_text(
        "Is the card <CARD_1> yours?"
    )
    mine = transcript.locator('[data-role="agent"]').last
    await expect(mine.get_by_test_id("masked-hint")).to_have_text("Masked for privacy: <CARD_1>")
    await expect(transcript.get_by_test_id("masked-hint")).to_have_count(1)

    await shopper.get_by_test_id("input").fill("Thank you so much!")
    await shopper.get_by_test_id("send").click()
    await expect(transcript.locator('[data-role="customer"]').last).to_contain_text("Thank you")

    await shopper.screenshot(path=artifacts / "widget.png", full_page=True)
    await console.screenshot(path=artifacts / "console.png", full_page=True)

    await console.get_by_test_id("resolve").click()
    await expect(shopper.get_by_test_id("notice").last).to_contain_text(
        re.compile("resolved", re.IGNORECASE)
    )
    assert await bot_messages.count() == bot_count, "the bot is silent while a person has the chat"


async def test_a_burst_beyond_the_flood_limit_is_delivered_late_not_lost(
    server: RunningServer, browser: Browser
) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(server.url + "/")
    await page.get_by_test_id("launcher").click()
    burst = server.settings.limits.flood_messages + 4
    for i in range(burst):
        await page.get_by_test_id("input").fill(f"burst message {i}")
        await page.get_by_test_id("input").press("Enter")
    stored = page.locator('[data-testid="msg"][data-role="customer"][data-seq]')
    await expect(stored).to_have_count(burst, timeout=60_000)
    texts = await stored.all_inner_texts()
    assert [t for t in texts if "burst message" in t] == texts
    assert len(set(texts)) == burst


async def test_the_answer_streams_into_the_widget_word_by_word(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    text = "Open the Lumen app, tap Orders, pick the order, then Return or refund [1]."
    async with fake_openai() as fake:
        fake.default = Reply(content=text, token_delay_s=0.15)
        settings = make_settings(
            tmp_path, kb_snapshot, llm=LlmSettings(base_url=fake.url, deadline_s=30.0)
        )
        async with serving(settings) as llm_server:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(llm_server.url + "/")
            await page.get_by_test_id("launcher").click()
            await page.get_by_test_id("input").fill("how do I get a refund?")
            await page.get_by_test_id("send").click()
            preview = page.get_by_test_id("streaming")
            await expect(preview).to_contain_text("Open the Lumen app")
            seen = await preview.inner_text()
            assert seen != text and text.startswith(seen.strip()), "a prefix, not the whole"
            await page.screenshot(path=artifacts / "widget-streaming.png")
            answer = page.locator('[data-testid="msg"][data-role="bot"]').last
            await expect(answer).to_contain_text("Return or refund")
            await expect(preview).to_have_count(0)
            await expect(answer.get_by_test_id("citation")).to_have_text("How to request a refund")
            await context.close()


async def test_a_dropped_network_loses_and_duplicates_nothing(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    async with netcut(server.port) as cable:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{cable.port}/")
        await page.get_by_test_id("launcher").click()
        customer_rows = page.locator('[data-testid="msg"][data-role="customer"]')
        bot_rows = page.locator('[data-testid="msg"][data-role="bot"]')
        await page.get_by_test_id("input").fill("how do I reset my password?")
        await page.get_by_test_id("send").click()
        await expect(bot_rows).to_have_count(1)

        cable.cut()
        await context.set_offline(True)
        await expect(page.get_by_test_id("connection")).to_contain_text("Trouble connecting")
        await page.get_by_test_id("input").fill("how do I get a refund?")
        await page.get_by_test_id("send").click()
        await page.screenshot(path=artifacts / "widget-offline.png", full_page=True)
        await context.set_offline(False)
        cable.restore()

        await expect(bot_rows).to_have_count(2, timeout=60_000)
        await expect(customer_rows).to_have_count(2)
        await expect(customer_rows.last.locator(".text")).to_have_text("how do I get a refund?")
        await expect(bot_rows.last).to_contain_text("refund")
        await page.reload()
        await page.get_by_test_id("launcher").click()
        await expect(bot_rows).to_have_count(2)
        await expect(customer_rows).to_have_count(2)
        await context.close()


async def axe_context(browser: Browser) -> BrowserContext:
    """A context whose pages accept axe, injected as an inline script that the pages'
    Content-Security-Policy rightly refuses (test_operations checks pages under it)."""
    return await browser.new_context(bypass_csp=True)


async def axe_violations(page: Page, scope: str | None = None) -> list[str]:
    """axe-core (from `npm ci`, pinned by package-lock.json) on one part of a page."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text())
    target = json.dumps(scope) if scope else "document"
    result = await page.evaluate(f"axe.run({target}, {{resultTypes: ['violations']}})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


async def test_widget_and_console_have_no_accessibility_violations(
    server: RunningServer, browser: Browser
) -> None:
    context = await axe_context(browser)
    try:
        shopper = await context.new_page()
        await shopper.goto(server.url + "/")
        await shopper.get_by_test_id("launcher").click()
        await shopper.get_by_test_id("input").fill("how do I get a refund?")
        await shopper.get_by_test_id("send").click()
        await expect(shopper.locator('[data-testid="msg"][data-role="bot"]')).to_have_count(1)
        await shopper.get_by_test_id("talk-to-person").click()
        assert await axe_violations(shopper, "warmline-widget") == []

        console = await context.new_page()
        await console.goto(server.url + "/console")
        assert await axe_violations(console) == []
        await console.get_by_test_id("token").fill("lead-agent-token")
        await console.get_by_test_id("login").click()
        await console.get_by_test_id("take-next").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")
        assert await axe_violations(console) == []
    finally:
        await context.close()


HOSTILE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>A hostile host</title>
<style nonce="n0nce">
  * { all: unset !important; font-size: 31px !important; line-height: 3 !important; }
  div, button, input { display: none !important; }
  html, body { display: block !important; }
</style>
<script nonce="n0nce">
  Object.defineProperty(window, "Warmline", { value: "taken by the host", writable: false });
  window.violations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.violations.push(
    e.violatedDirective + " " + e.blockedURI));
</script>
</head><body><p>Shop</p>
<script nonce="n0nce" src="{widget}" data-server="{server}" defer></script>
</body></html>"""


async def test_the_widget_works_in_a_hostile_page_with_a_strict_csp(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    csp = (
        "default-src 'none'; script-src 'nonce-n0nce'; style-src 'nonce-n0nce'; "
        f"connect-src ws://127.0.0.1:{server.port} http://127.0.0.1:{server.port}; "
        f"img-src http://127.0.0.1:{server.port} data:"
    )
    page_html = HOSTILE_PAGE.replace("{widget}", server.url + "/static/widget.js").replace(
        "{server}", server.url
    )
    host = FastAPI()

    @host.get("/")
    async def hostile() -> HTMLResponse:
        return HTMLResponse(page_html, headers={"content-security-policy": csp})

    async with serving_app(host) as host_url:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(host_url + "/")
        await page.get_by_test_id("launcher").click()
        await page.get_by_test_id("input").fill("how do I reset my password?")
        await page.get_by_test_id("send").click()
        answer = page.locator('[data-testid="msg"][data-role="bot"]').last
        await expect(answer.get_by_test_id("citation")).to_have_text("Reset your password")
        await page.screenshot(path=artifacts / "widget-hostile-page.png")
        assert await page.evaluate("window.Warmline") == "taken by the host"
        assert await page.evaluate("window.violations") == []
        font = await page.get_by_test_id("input").evaluate("e => getComputedStyle(e).fontSize")
        assert font != "31px", "the host's CSS does not reach inside the widget"
        await context.close()


HOST_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>
<script src="{server}/static/widget.js" data-server="{server}" {attrs} defer></script>
</body></html>"""


@asynccontextmanager
async def host_page(
    server: RunningServer, attrs: str = "", lang: str = "en", direction: str = "ltr"
) -> AsyncIterator[str]:
    """A third-party shop page carrying the widget's script tag with the given attributes."""
    html = HOST_PAGE.format(
        lang=lang, dir=direction, title="Lumen shop", server=server.url, attrs=attrs
    )
    host = FastAPI()

    @host.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(html)

    async with serving_app(host) as url:
        yield url + "/"


@pytest.mark.parametrize(
    ("language", "talk", "placeholder", "disclosure", "masked"),
    [
        (
            "es",
            "Hablar con una persona",
            "Escribe un mensaje…",
            "Asistente de IA · pide una persona cuando quieras",
            "Tus datos personales se ocultan antes de que la IA los vea.",
        ),
        (
            "de",
            "Mit einem Menschen sprechen",
            "Nachricht schreiben…",
            "KI-Assistent · fragen Sie jederzeit nach einem Menschen",
            "Persönliche Daten werden maskiert, bevor die KI sie sieht.",
        ),
        (
            "fr",  # not translated: English, never a mix or blank labels
            "Talk to a person",
            "Write a message…",
            "AI assistant · ask for a person any time",
            "Personal details are masked before the AI sees them.",
        ),
    ],
)
async def test_the_widget_speaks_the_language_of_its_script_tag(
    server: RunningServer,
    browser: Browser,
    artifacts: Path,
    language: str,
    talk: str,
    placeholder: str,
    disclosure: str,
    masked: str,
) -> None:
    async with host_page(server, f'data-language="{language}"') as url:
        context = await browser.new_context(locale="en-US")
        page = await context.new_page()
        await page.goto(url)
        await page.get_by_test_id("launcher").click()
        await expect(page.get_by_test_id("talk-to-person")).to_have_text(talk)
        await expect(page.get_by_test_id("input")).to_have_attribute("placeholder", placeholder)
        await expect(page.get_by_test_id("panel")).to_contain_text(disclosure)
        await expect(page.get_by_test_id("disclosure")).to_have_text(masked)
        await page.get_by_test_id("input").fill("reset password")
        await page.get_by_test_id("input").press("Enter")
        answer = page.locator('[data-testid="msg"][data-role="bot"]').last
        await expect(answer).to_be_visible()
        assistant = disclosure.split(" · ")[0]
        await expect(answer.locator(".who")).to_have_text(assistant)
        await expect(answer.locator(".sources")).to_contain_text(
            {"es": "Fuentes", "de": "Quellen"}.get(language, "Sources")
        )
        await page.screenshot(path=artifacts / f"widget-{language}.png", full_page=True)
        await context.close()


async def test_an_arabic_message_in_a_right_to_left_page_keeps_the_layout(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    arabic = "مرحبا، كيف أعيد تعيين كلمة المرور الخاصة بي؟"
    async with host_page(server, lang="ar", direction="rtl") as url:
        context = await browser.new_context(locale="en-US")
        page = await context.new_page()
        await page.goto(url)
        launcher = await page.get_by_test_id("launcher").bounding_box()
        viewport = page.viewport_size
        assert launcher and viewport and launcher["x"] > viewport["width"] / 2, "stays right"
        await page.get_by_test_id("launcher").click()
        await page.get_by_test_id("input").fill(arabic)
        await page.get_by_test_id("send").click()
        mine = page.locator('[data-testid="msg"][data-role="customer"][data-seq]').last
        text = mine.locator(".text")
        await expect(text).to_have_text(arabic)
        await expect(text).to_have_attribute("dir", "auto")
        assert await text.evaluate("e => getComputedStyle(e).direction") == "rtl"
        await expect(page.locator('[data-testid="msg"][data-role="bot"]')).to_have_count(1)
        # the English interface keeps reading left to right inside a right-to-left page
        talk = page.get_by_test_id("talk-to-person")
        assert await talk.evaluate("e => getComputedStyle(e).direction") == "ltr"

        panel = await page.get_by_test_id("panel").bounding_box()
        bubble = await mine.locator(".bubble").bounding_box()
        assert panel and bubble
        left, right = panel["x"], panel["x"] + panel["width"]
        assert left >= 0 and right <= viewport["width"], "the panel stays on screen"
        assert left <= bubble["x"] and bubble["x"] + bubble["width"] <= right, "bubble inside"
        assert bubble["x"] + bubble["width"] > left + panel["width"] / 2, "customer: end side"
        messages = page.get_by_test_id("messages")
        assert await messages.evaluate("e => e.scrollWidth <= e.clientWidth"), "no sideways scroll"
        await page.screenshot(path=artifacts / "widget-rtl.png", full_page=True)
        await context.close()


async def test_the_privacy_notice_link_sits_by_the_ai_disclosure(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    privacy = "https://shop.example/privacy#chat"
    async with host_page(server, f'data-privacy-url="{privacy}" data-language="de"') as url:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(url)
        await page.get_by_test_id("launcher").click()
        link = page.get_by_test_id("disclosure").get_by_test_id("privacy-link")
        await expect(link).to_have_attribute("href", privacy)
        await expect(link).to_have_text("Datenschutzhinweis")
        await expect(link).to_have_attribute("target", "_blank")
        await page.screenshot(path=artifacts / "widget-privacy.png", full_page=True)
        assert await axe_violations(page, "warmline-widget") == []

        plain = await context.new_page()  # no URL configured: no dead link
        await plain.goto(server.url + "/")
        await plain.get_by_test_id("launcher").click()
        await expect(plain.get_by_test_id("disclosure")).to_be_visible()
        await expect(plain.get_by_test_id("privacy-link")).to_have_count(0)
        await context.close()


async def sign_in(page: Page, url: str, token: str = "lead-agent-token") -> None:
    await page.goto(url + "/console")
    await page.get_by_test_id("token").fill(token)
    await page.get_by_test_id("login").click()
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")


async def ask_for_person(page: Page, url: str) -> str:
    """A customer on `url` presses "Talk to a person"; returns the conversation id."""
    await page.goto(url)
    await page.get_by_test_id("launcher").click()
    await page.get_by_test_id("talk-to-person").click()
    await expect(page.get_by_test_id("queue-position")).to_be_visible()
    conversation_id: str = await page.evaluate("window.Warmline.state().conversationId")
    return conversation_id


async def test_a_waiting_customer_sees_the_expected_wait_in_their_language(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    async with serving(make_settings(tmp_path, kb_snapshot)) as fresh:
        context = await browser.new_context()
        console = await context.new_page()
        await sign_in(console, fresh.url)
        async with host_page(fresh, 'data-language="es"') as url:
            shopper = await context.new_page()
            await ask_for_person(shopper, url)
            line = shopper.get_by_test_id("queue-position")
            await expect(line).to_contain_text("Eres el número 1 en la cola.")
            # no claim yet today: the policy's 15-minute SLA for a normal chat is the estimate
            await expect(shopper.get_by_test_id("expected-wait")).to_have_text(
                "Espera estimada: alrededor de 15 minutos."
            )
            await shopper.screenshot(path=artifacts / "widget-expected-wait.png", full_page=True)

            await console.get_by_test_id("presence-away").click()  # nobody left to answer
            await expect(shopper.get_by_test_id("expected-wait")).to_have_count(0)
            await expect(line).to_contain_text("Eres el número 1 en la cola.")
        await context.close()


async def test_an_agent_finds_an_article_and_sends_its_link(
    server: RunningServer, browser: Browser, artifacts: Path
) -> None:
    context = await axe_context(browser)
    try:
        shopper = await context.new_page()
        conversation_id = await ask_for_person(shopper, server.url + "/")
        console = await context.new_page()
        await sign_in(console, server.url)
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.get_by_test_id("claim").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")

        await console.get_by_test_id("kb-query").fill("refund exceptions")
        await console.get_by_test_id("kb-search").click()
        results = console.get_by_test_id("kb-result")
        refund = results.filter(has_text="How to request a refund")
        await expect(refund).to_have_count(1)
        await expect(refund.get_by_test_id("kb-snippet")).not_to_be_empty()
        await expect(console.get_by_test_id("kb-results")).not_to_contain_text("(internal)")
        assert await axe_violations(console) == []
        await console.screenshot(path=artifacts / "console-kb-search.png", full_page=True)

        url = "https://help.lumenhome.example/articles/request-a-refund"
        await console.get_by_test_id("reply-input").fill("Here is how:")
        await refund.get_by_test_id("kb-insert").click()
        await expect(console.get_by_test_id("reply-input")).to_have_value(
            f"Here is how: [How to request a refund]({url})"
        )
        await console.get_by_test_id("reply-send").click()
        sent = shopper.locator('[data-testid="msg"][data-role="agent"]').last
        await expect(sent.get_by_role("link", name="How to request a refund")).to_have_attribute(
            "href", url
        )
        await console.get_by_test_id("resolve").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("Resolved")
    finally:
        await context.close()


SUPERVISED = [
    AgentAccount(id="lee", name="Lee", token="lee-token", roles=["agent", "supervisor"]),
    AgentAccount(id="kim", name="Kim", token="kim-token"),
]


def mode_count(board: Locator, mode: str) -> Locator:
    return board.locator(f'[data-testid="dash-mode"][data-mode="{mode}"] strong')


async def test_the_supervisor_dashboard_follows_the_queue_live(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    async with serving(make_settings(tmp_path, kb_snapshot, agents=SUPERVISED)) as fresh:
        context = await axe_context(browser)
        agent_page = await context.new_page()
        await sign_in(agent_page, fresh.url, "kim-token")
        await expect(agent_page.get_by_test_id("dashboard")).to_be_hidden()

        console = await context.new_page()
        await sign_in(console, fresh.url, "lee-token")
        board = console.get_by_test_id("dashboard")
        await expect(board).to_be_visible()
        await expect(board.get_by_test_id("dash-waiting")).to_have_text("0")
        await expect(board.get_by_test_id("dash-no-reasons")).to_be_visible()

        shopper = await context.new_page()
        conversation_id = await ask_for_person(shopper, fresh.url + "/")
        await expect(board.get_by_test_id("dash-waiting")).to_have_text("1")
        await expect(mode_count(board, "queued")).to_have_text("1")
        reason = board.locator('[data-testid="dash-reason"][data-code="explicit_request"]')
        await expect(reason).to_have_text(re.compile(r"The customer asked for a person\s*1"))
        await expect(board.get_by_test_id("dash-longest-wait")).to_have_text(re.compile(r"\d+ s"))
        assert await axe_violations(console) == []
        # The console fills the window and scrolls inside; a taller window shows all of it.
        await console.set_viewport_size({"width": 1280, "height": 1200})
        await console.screenshot(path=artifacts / "console-dashboard.png", full_page=True)

        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.get_by_test_id("claim").click()
        await expect(board.get_by_test_id("dash-waiting")).to_have_text("0")
        await expect(board.get_by_test_id("dash-with-agent")).to_have_text("1")
        await expect(board.get_by_test_id("dash-claimed-today")).to_have_text("1")
        await expect(board.get_by_test_id("dash-median-today")).to_have_text(re.compile(r"\d+ s"))
        await expect(board.get_by_test_id("dash-longest-wait")).to_have_text("—")
        await console.get_by_test_id("resolve").click()
        await expect(mode_count(board, "resolved")).to_have_text("1")
        await context.close()


OBSERVE_ALERTS = """
window.__notifications = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = new Proxy(RealNotification, {
  construct(target, args) {
    window.__notifications.push({ title: args[0], tag: (args[1] || {}).tag });
    return Reflect.construct(target, args);
  },
});
const oscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__tones += 1;
  return oscillator.call(this);
};
"""


async def test_a_new_handoff_notifies_and_beeps_but_not_for_the_agents_own_transfer(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    async with serving(make_settings(tmp_path, kb_snapshot)) as fresh:
        context = await browser.new_context()
        await context.grant_permissions(["notifications"], origin=fresh.url)
        await context.add_init_script(OBSERVE_ALERTS)
        console = await context.new_page()
        await sign_in(console, fresh.url)
        await expect(console.get_by_test_id("enable-notifications")).to_be_hidden()  # granted
        notes = "window.__notifications"

        shoppers = [await browser.new_context() for _ in range(2)]  # two customers
        first = await ask_for_person(await shoppers[0].new_page(), fresh.url + "/")
        await console.wait_for_function(f"{notes}.length > 0")
        assert await console.evaluate(f"{notes}.length") == 1
        note = await console.evaluate(f"{notes}[0]")
        assert note["tag"] == first and note["title"].startswith("New handoff")
        assert await console.evaluate("window.__tones") > 0, "a short tone with the alert"

        sound = console.get_by_test_id("sound")
        await sound.click()
        await expect(sound).to_have_attribute("aria-pressed", "false")
        await expect(sound).to_have_text("Sound off")
        tones = await console.evaluate("window.__tones")

        # the agent's own transfer puts the chat back in line: no alert for that
        item = console.locator(f'[data-testid="queue-item"][data-conversation-id="{first}"]')
        await item.get_by_test_id("claim").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")
        await console.get_by_test_id("transfer-target").select_option("skill:fraud")
        await console.get_by_test_id("transfer-note").fill("Card dispute: fraud team please.")
        await console.get_by_test_id("transfer-send").click()
        await expect(item).to_have_attribute("data-status", "queued")

        second = await ask_for_person(await shoppers[1].new_page(), fresh.url + "/")
        await console.wait_for_function(f"{notes}.length > 1")
        assert [n["tag"] for n in await console.evaluate(notes)] == [first, second]
        assert await console.evaluate("window.__tones") == tones, "muted: no tone"
        await console.screenshot(path=artifacts / "console-notification.png", full_page=True)
        for shopper in shoppers:
            await shopper.close()
        await context.close()
