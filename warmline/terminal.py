"""`warmline chat`: the customer's side of a conversation in a terminal, on the embedded
server, for trying a knowledge base or a policy without a browser."""

import asyncio
import secrets
from collections.abc import Awaitable, Callable

from warmline.config import Settings
from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.errors import Overloaded
from warmline.conversation.protocol import ServerFrame
from warmline.guardrails.limits import InputRejected

TALK_BUTTON = "press \u201cTalk to a person\u201d"
# Refusals that pass: the widget keeps such a message and sends it again after a pause,
# and so does the terminal, with the same client_msg_id so it is stored once.
PASSING = ("busy", "rate_limited")
RESEND_PAUSES_S = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)

Sleep = Callable[[float], Awaitable[None]]


async def send_line(
    service: ConversationService, conversation_id: str, line: str, sleep: Sleep = asyncio.sleep
) -> str | None:
    """Send what was typed ("/human" is the button); None once stored, else why not.

    While the server is busy or the conversation's window is full the same message is
    sent again after growing pauses, as the widget does; other refusals are final."""
    client_msg_id = secrets.token_hex(8)
    for pause in RESEND_PAUSES_S:
        refusal = await _send_once(service, conversation_id, line, client_msg_id)
        if refusal is None or refusal.code not in PASSING:
            return None if refusal is None else refusal.message
        print(f"[{refusal.code}: sending it again in {pause:g} s]")
        await sleep(pause)
    refusal = await _send_once(service, conversation_id, line, client_msg_id)
    return None if refusal is None else refusal.message


async def _send_once(
    service: ConversationService, conversation_id: str, line: str, client_msg_id: str
) -> Overloaded | InputRejected | None:
    try:
        if line.strip() == "/human":
            await service.request_human(conversation_id, client_msg_id)
        else:
            await service.customer_message(conversation_id, line, client_msg_id)
    except (Overloaded, InputRejected) as refusal:
        return refusal
    return None


async def chat(settings: Settings) -> None:
    from warmline.server.runtime import running

    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with service.bus.subscribe(conversation.id, frames):
            print("Type a question (/human for a person, Ctrl-D to quit).")
            while True:
                try:
                    line = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    return
                if not line.strip():
                    continue
                refused = await send_line(service, conversation.id, line)
                if refused is not None:
                    print(f"[not sent: {refused}]")
                await service.drain()
                while not frames.empty():
                    print_frame(frames.get_nowait())


def print_frame(frame: ServerFrame) -> None:
    data = frame.data
    if frame.type == "message" and data.get("role") != "customer":
        # The terminal has no button: the widget's "press Talk to a person" is /human here.
        text = str(data["text"]).replace(TALK_BUTTON, "type /human")
        print(f"{data['role']}> {text}")
        for citation in data.get("citations", []):
            print(f"    source: {citation['title']} <{citation['url']}>")
    elif frame.type == "mode":
        print(f"[conversation is now: {data['mode']}]")
