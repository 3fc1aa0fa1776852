"""The desk as agents and supervisors see it in headless Chromium: the handoff card, the
preview of a waiting conversation, waits across a transfer, the audited reveal and the
supervisors' page."""

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import LEAD, MovableClock, agent, make_settings, new_id, serving
from playwright.async_api import Browser, Page, expect
from test_browser_e2e import ask_for_person, axe_context, axe_violations, sign_in

from warmline.conversation.accounts import AgentAccount

pytestmark = pytest.mark.slow


AGENTS = [
    LEAD,  # supervisor with pii:reveal
    AgentAccount(id="kim", name="Kim", token="kim-token", skills=LEAD.skills),
]


async def customer_says(page: Page, text: str) -> None:
    before = await page.locator('[data-testid="msg"][data-role="bot"]').count()
    await page.get_by_test_id("input").fill(text)
    await page.get_by_test_id("send").click()
    await expect(page.locator('[data-testid="msg"][data-role="bot"]')).to_have_count(
        before + 1, timeout=30_000
    )


async def test_the_card_comes_first_in_plain_words_with_a_preview_of_a_chat_queued_earlier(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    async with serving(make_settings(tmp_path, kb_snapshot, agents=AGENTS)) as fresh:
        context = await axe_context(browser)
        shopper = await context.new_page()
        await shopper.goto(fresh.url + "/")
        await shopper.get_by_test_id("launcher").click()
        # A need the help center has no confident answer for (the goal), then one it has.
        await customer_says(
            shopper, "The glass lens on my Lumen Cam is cracked, how do I get it replaced?"
        )
        await customer_says(shopper, "Can I pay with PayPal?")
        await shopper.get_by_test_id("talk-to-person").click()
        await expect(shopper.get_by_test_id("contact-form")).to_be_visible(timeout=30_000)
        conversation_id = await shopper.evaluate("window.Warmline.state().conversationId")

        # the agent signs in after the customer queued: the queue carries no transcript
        console = await context.new_page()
        await console.set_viewport_size({"width": 1280, "height": 720})
        await sign_in(console, fresh.url, "kim-token")
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.get_by_role("button", name=re.compile("lens", re.IGNORECASE)).click()
        preview = console.get_by_test_id("preview-line")
        await expect(preview.filter(has_text="is cracked")).to_have_count(1)
        await expect(preview.filter(has_text="PayPal")).not_to_have_count(0)

        card = console.get_by_test_id("handoff-card")
        goal = card.get_by_test_id("customer-goal")
        await expect(goal).to_have_text(re.compile("replaced"))
        await expect(goal).not_to_contain_text("PayPal")
        await expect(card.get_by_test_id("card-who")).to_have_text(re.compile("New customer"))
        reasons = card.get_by_test_id("reasons")
        await expect(reasons).to_contain_text("The customer asked for a person")
        await expect(reasons).not_to_contain_text("threshold")
        details = card.get_by_test_id("reason-details")
        await expect(details.get_by_test_id("reason-figures")).to_be_hidden()
        await details.locator("summary").click()
        await expect(details.get_by_test_id("reason-figures")).to_be_visible()
        for question in await card.get_by_test_id("open-questions").locator("li").all():
            text = await question.inner_text()
            assert text.rstrip().endswith("?") or re.match(r"(?i)(how|what|can|do|is)\b", text)

        # first on screen: the card's top and its goal sit in the window, above the KB search
        window = console.viewport_size
        assert window is not None
        goal_box = await goal.bounding_box()
        kb_box = await console.get_by_test_id("kb-query").bounding_box()
        assert goal_box is not None and kb_box is not None
        assert goal_box["y"] >= 0 and goal_box["y"] + goal_box["height"] <= window["height"]
        assert goal_box["y"] < kb_box["y"], "the card comes before the knowledge-base search"
        assert await axe_violations(console) == []
        await console.screenshot(path=artifacts / "console-handoff-card-1280x720.png")
        await context.close()


async def test_waiting_and_the_sla_keep_counting_across_a_transfer(
    browser: Browser,
    tmp_path: Path,
    kb_snapshot: Path,
    artifacts: Path,
) -> None:
    """The server's clock is injected: the agent holds the chat for seven minutes, then
    transfers it. The customer has waited all along, so the line shows seven minutes."""
    later = timedelta(minutes=7)
    clock = MovableClock()
    async with serving(make_settings(tmp_path, kb_snapshot, agents=AGENTS), clock) as fresh:
        context = await browser.new_context()
        shopper = await context.new_page()
        conversation_id = await ask_for_person(shopper, fresh.url + "/")
        console = await context.new_page()
        await sign_in(console, fresh.url)
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        deadline = await item.get_by_test_id("sla-countdown").get_attribute("data-sla")
        await item.get_by_test_id("claim").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")

        clock.advance(later.total_seconds())  # seven minutes with the agent
        await console.clock.install(time=datetime.now(UTC) + later)
        await console.get_by_test_id("transfer-target").select_option("agent:kim")
        await console.get_by_test_id("transfer-note").fill("Kim knows this product better.")
        await console.get_by_test_id("transfer-send").click()
        await expect(item).to_have_attribute("data-status", "queued")
        await expect(item.get_by_test_id("waiting")).to_have_text(re.compile(r"Waiting [78] min"))
        await expect(item.get_by_test_id("sla-countdown")).to_have_attribute("data-sla", deadline)

        await item.get_by_role("button", name=re.compile("asked for a person")).click()
        card = console.get_by_test_id("handoff-card")
        await expect(card.get_by_test_id("card-waiting")).to_have_text(re.compile(r"[78] min"))
        await expect(card.get_by_test_id("card-requeued")).to_contain_text("back in line at")
        await console.screenshot(path=artifacts / "console-after-transfer.png")
        await context.close()


def audit_rows(data_dir: Path) -> list[tuple[str, str, str, str, int, str, str]]:
    with sqlite3.connect(data_dir / "warmline.sqlite") as database:
        return database.execute(
            "SELECT actor, action, conversation_id, placeholder, allowed, detail, ts "
            "FROM audit_log ORDER BY id"
        ).fetchall()


async def test_a_reveal_needs_a_typed_reason_is_audited_and_refused_without_permission(
    browser: Browser, tmp_path: Path, kb_snapshot: Path, artifacts: Path
) -> None:
    async with serving(make_settings(tmp_path, kb_snapshot, agents=AGENTS)) as fresh:
        context = await axe_context(browser)
        shopper = await context.new_page()
        await shopper.goto(fresh.url + "/")
        await shopper.get_by_test_id("launcher").click()
        await customer_says(shopper, "My email is maria.gonzalez@example.com")
        await shopper.get_by_test_id("talk-to-person").click()
        conversation_id = await shopper.evaluate("window.Warmline.state().conversationId")

        # an agent without the permission sees the placeholder, no control
        plain = await context.new_page()
        await sign_in(plain, fresh.url, "kim-token")
        await plain.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"] .linklike'
        ).click()
        await expect(
            plain.get_by_test_id("preview-line").filter(has_text="<EMAIL_1>")
        ).to_have_count(1)
        await expect(plain.get_by_test_id("reveal")).to_have_count(0)

        console = await context.new_page()
        await sign_in(console, fresh.url)
        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.get_by_test_id("claim").click()
        await expect(console.get_by_test_id("conversation-mode")).to_have_text("With you")
        await console.get_by_test_id("transcript").get_by_test_id("reveal").first.click()
        form = console.get_by_test_id("reveal-form")
        await expect(form.get_by_test_id("reveal-placeholder")).to_have_text("<EMAIL_1>")
        await expect(console.get_by_test_id("reveal-reason")).to_be_focused()
        await form.get_by_test_id("reveal-send").click()  # no reason: nothing is sent
        await expect(console.get_by_test_id("console-error")).to_contain_text("reason is required")
        assert audit_rows(fresh.settings.data_dir) == []

        reason = "Customer asks to confirm the address on file"
        await console.get_by_test_id("reveal-reason").fill(reason)
        await form.get_by_test_id("reveal-send").click()
        value = console.get_by_test_id("revealed-value")
        await expect(value).to_have_text("maria.gonzalez@example.com")
        await expect(form).to_be_hidden()
        assert await axe_violations(console) == []
        await console.screenshot(path=artifacts / "console-reveal.png")

        # the server refuses an agent without the permission, and audits the attempt
        kim = await agent(fresh, "kim-token")
        await kim.send(
            {
                "type": "reveal",
                "conversation_id": conversation_id,
                "client_msg_id": new_id(),
                "data": {"placeholder": "<EMAIL_1>", "reason": "Just curious"},
            }
        )
        refused = await kim.wait_for(type="error")
        assert refused["data"]["code"] == "forbidden" and "value" not in refused["data"]
        await kim.close()

        rows = audit_rows(fresh.settings.data_dir)
        assert [row[:6] for row in rows] == [
            ("lead", "reveal", conversation_id, "<EMAIL_1>", 1, reason),
            ("kim", "reveal", conversation_id, "<EMAIL_1>", 0, "Just curious"),
        ]
        stamped = datetime.fromisoformat(rows[0][6])
        assert abs(datetime.now(UTC) - stamped) < timedelta(minutes=5)
        await context.close()


SUPERVISED = [
    AgentAccount(id="lee", name="Lee", token="lee-token", roles=["agent", "supervisor"]),
    AgentAccount(id="kim", name="Kim", token="kim-token", skills=LEAD.skills),
]


async def test_the_supervisor_page_shows_the_floor_and_follows_it_live(
    browser: Browser,
    tmp_path: Path,
    kb_snapshot: Path,
    artifacts: Path,
) -> None:
    settings = make_settings(tmp_path, kb_snapshot, agents=SUPERVISED)
    async with serving(settings) as fresh:
        context = await axe_context(browser)
        refused = await context.new_page()
        await refused.goto(fresh.url + "/supervisor")
        await refused.get_by_test_id("token").fill("kim-token")
        await refused.get_by_test_id("login").click()
        await expect(refused.get_by_test_id("supervisor-error")).to_contain_text("for supervisors")

        board = await context.new_page()
        response = await board.goto(fresh.url + "/supervisor")
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert await axe_violations(board) == []
        await board.get_by_test_id("token").fill("lee-token")
        await board.get_by_test_id("login").click()
        await expect(board.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "online"
        )
        await expect(board.get_by_test_id("dash-waiting")).to_have_text("0")
        await expect(board.get_by_test_id("no-reasons")).to_be_visible()
        kim_row = board.locator('[data-testid="agent-row"][data-agent-id="kim"]')
        await expect(kim_row.get_by_test_id("agent-status")).to_have_text("Offline")

        # customers in contexts of their own (a shared one would resume one conversation)
        answered = await (await browser.new_context()).new_page()  # the assistant alone
        await answered.goto(fresh.url + "/")
        await answered.get_by_test_id("launcher").click()
        await customer_says(answered, "how do I get a refund?")

        console = await context.new_page()
        await sign_in(console, fresh.url, "kim-token")
        await expect(kim_row.get_by_test_id("agent-status")).to_have_text("Available")
        shopper = await (await browser.new_context()).new_page()
        conversation_id = await ask_for_person(shopper, fresh.url + "/")
        await expect(board.get_by_test_id("dash-waiting")).to_have_text("1")
        hour = board.get_by_test_id("reason-hour").last
        await expect(hour.locator('[data-code="explicit_request"]')).to_have_text("1")
        await expect(board.get_by_test_id("dash-longest-wait")).to_have_text(re.compile(r"\d+ s"))

        item = console.locator(
            f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]'
        )
        await item.get_by_test_id("claim").click()
        await expect(board.get_by_test_id("dash-with-agent")).to_have_text("1")
        await expect(kim_row.get_by_test_id("agent-load")).to_have_text("1/3")
        await expect(board.get_by_test_id("dash-p50-today")).to_have_text(re.compile(r"\d+ s"))
        await console.get_by_test_id("resolve").click()
        await shopper.get_by_test_id("csat-form").locator('[data-score="4"]').click()
        await shopper.get_by_test_id("csat-send").click()
        await expect(board.get_by_test_id("dash-csat")).to_contain_text("4.0 / 5", timeout=20_000)
        await expect(kim_row.get_by_test_id("agent-handled")).to_have_text("1")
        await expect(kim_row.get_by_test_id("agent-handle-time")).to_have_text(re.compile(r"\d"))
        await expect(board.get_by_test_id("dash-ai-rate")).to_contain_text("50%")
        await expect(board.get_by_test_id("dash-ai-rate")).to_contain_text("of 2 conversations")
        assert await axe_violations(board) == []
        await board.set_viewport_size({"width": 1280, "height": 720})
        await board.screenshot(path=artifacts / "supervisor-1280x720.png", full_page=True)
        await board.set_viewport_size({"width": 390, "height": 844})
        assert await board.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways"
        await board.screenshot(path=artifacts / "supervisor-390x844.png", full_page=True)
        for page in (answered, shopper):
            await page.context.close()
        await context.close()
