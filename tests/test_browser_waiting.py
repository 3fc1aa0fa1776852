"""A customer in the widget while they wait for a person, and one with many questions, in
headless Chromium against a real server: what they read, not what the server logs."""

import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Backend, RunningServer, make_settings, serving
from playwright.async_api import Browser, Locator, Page, expect

from warmline.config import Settings

pytestmark = pytest.mark.slow

HANDOFF_PROMISE = "I'm bringing in a member of our team"
# Eight different questions the sample help center answers, then thanks.
QUESTIONS = [
    "how do I get a refund?",
    "which payment methods do you accept?",
    "how do I reset my password?",
    "how can I track my order?",
    "how do I download an invoice?",
    "how do I set up two-factor authentication?",
    "what are your delivery times and carriers?",
    "how do I return an item?",
]


@pytest.fixture(scope="module")
def backend() -> Backend:
    """The browser checks the page, not the storage: the embedded defaults suffice."""
    return Backend("embedded")


async def open_widget(browser: Browser, url: str) -> Page:
    """A shopper in an English browser whose clock reads UTC, so times can be checked."""
    context = await browser.new_context(locale="en-US", timezone_id="UTC")
    page = await context.new_page()
    await page.goto(url + "/")
    await page.get_by_test_id("launcher").click()
    return page


async def ask(page: Page, text: str) -> None:
    await page.get_by_test_id("input").fill(text)
    await page.get_by_test_id("send").click()


def rows(page: Page, role: str) -> Locator:
    return page.locator(f'[data-testid="msg"][data-role="{role}"][data-seq]')


async def acknowledged(page: Page, count: int) -> Locator:
    """The `count`th acknowledgement of a waiting message, once it is on screen.

    It is written in the same transaction as the assistant's answer to that message and
    sent after it, so when it is shown an answer that was coming has arrived too."""
    acks = page.locator('[data-testid="msg"][data-kind="waiting"]')
    await expect(acks).to_have_count(count)
    return acks.last


async def times_are_shown(page: Page) -> None:
    """Every message carries the time the server stored it, in the reader's clock."""
    messages = page.locator('[data-testid="msg"][data-seq]:not([data-kind="contact"])')
    stamps = page.locator('[data-testid="msg"][data-seq] [data-testid="time"]')
    assert await messages.count() > 0
    await expect(stamps).to_have_count(await messages.count())
    for stamp in await stamps.all():
        at = datetime.fromisoformat(str(await stamp.get_attribute("datetime")))
        clock = f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
        await expect(stamp).to_have_text(clock)


async def test_a_waiting_customer_is_answered_acknowledged_and_sees_who_answers(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    # Open around the clock: "no one is online", whatever the hour the suite runs at.
    always_open = Settings().policy.model_copy(update={"business_hours": None})
    async with serving(make_settings(tmp_path, kb_snapshot, policy=always_open)) as server:
        shopper = await open_widget(browser, server.url)
        header = shopper.get_by_test_id("answering")
        await expect(header).to_have_attribute("data-state", "bot")
        await expect(header).to_have_text("AI assistant · ask for a person any time")
        await ask(shopper, "how do I get a refund?")
        await expect(rows(shopper, "bot")).to_have_count(1)

        # nobody online: one message says what happens, never a promise then "nobody here"
        await shopper.get_by_test_id("talk-to-person").click()
        offer = shopper.get_by_test_id("contact-text")
        await expect(offer).to_contain_text("I've passed this to our team")
        await expect(offer).to_contain_text("No one is online right now")
        await expect(shopper.get_by_test_id("messages")).not_to_contain_text(HANDOFF_PROMISE)
        await expect(header).to_have_attribute("data-state", "waiting")
        await expect(header).to_have_text("Waiting for a person · number 1 in line")

        # a question the help center answers is answered now, marked, and acknowledged
        await ask(shopper, "which payment methods do you accept?")
        ack = await acknowledged(shopper, 1)
        await expect(ack).to_contain_text("Got it. You're number 1 in line.")
        await expect(ack).to_contain_text("No one from our team is online right now")
        await expect(ack).to_contain_text("the assistant answers what it can")
        meanwhile = rows(shopper, "bot").and_(shopper.locator('[data-while-waiting="true"]'))
        await expect(meanwhile).to_have_count(1)
        await expect(meanwhile).to_contain_text("Answered by the assistant while you wait")
        await expect(meanwhile.get_by_test_id("citation").first).to_be_visible()

        # an agent comes online: the next acknowledgement carries the expected wait
        console = await (await browser.new_context()).new_page()
        await console.goto(server.url + "/console")
        await console.get_by_test_id("token").fill("lead-agent-token")
        await console.get_by_test_id("login").click()
        await expect(console.get_by_test_id("queue-item")).to_have_count(1)
        await ask(shopper, "I'll wait, thanks")
        ack = await acknowledged(shopper, 2)
        await expect(ack).to_contain_text("You're number 1 in line. Expected wait: about 15")

        # "Talk to a person" again: the assistant leaves the answers to the team
        await shopper.get_by_test_id("talk-to-person").click()
        ack = await acknowledged(shopper, 3)
        await expect(ack).to_contain_text("The assistant will leave the answers to our team.")
        await ask(shopper, "how do I reset my password?")
        await acknowledged(shopper, 4)
        await expect(meanwhile).to_have_count(1)
        await expect(rows(shopper, "bot")).to_have_count(2)
        await shopper.screenshot(path=artifacts / "widget-waiting.png")

        # the agent claims it: the header names them, with initials, and shows their typing
        await console.get_by_test_id("queue-item").first.get_by_test_id("claim").click()
        await expect(header).to_have_attribute("data-state", "agent")
        await expect(header).to_have_text("Demo Agent from our team is answering")
        await expect(shopper.get_by_test_id("agent-initials")).to_have_text("DA")
        typing = shopper.get_by_test_id("typing")
        await expect(typing).to_be_hidden()
        await console.get_by_test_id("reply-input").press_sequentially("Hi, I'm on it")
        await expect(typing).to_be_visible()
        await expect(typing).to_have_text("Demo Agent is typing…")
        await console.get_by_test_id("reply-send").click()
        await expect(rows(shopper, "agent")).to_contain_text("Hi, I'm on it")
        await expect(typing).to_be_hidden()
        await shopper.screenshot(path=artifacts / "widget-agent-joined.png")

        await times_are_shown(shopper)
        await console.context.close()
        await shopper.context.close()


async def test_eight_answered_questions_and_thanks_stay_with_the_bot(
    server: RunningServer, browser: Browser
) -> None:
    shopper = await open_widget(browser, server.url)
    header = shopper.get_by_test_id("answering")
    answers = rows(shopper, "bot")
    for n, question in enumerate(QUESTIONS, start=1):
        await ask(shopper, question)
        await expect(answers).to_have_count(n)
        # the answer that came is the help center's, with its source, not a handoff
        await expect(answers.last.get_by_test_id("citation").first).to_be_visible()
        await expect(header).to_have_attribute("data-state", "bot")
    await ask(shopper, "Thank you so much!")
    await expect(answers).to_have_count(len(QUESTIONS) + 1)
    await expect(answers.last).to_contain_text("You're welcome!")
    await expect(header).to_have_attribute("data-state", "bot")
    await expect(shopper.get_by_test_id("messages")).not_to_contain_text(
        re.compile(r"bringing in|passed this to our team|in line for a person")
    )
    await expect(shopper.get_by_test_id("queue-position")).to_be_hidden()
    await shopper.context.close()
