"""Overload: a fixed rate of customer messages above capacity, and what every one of them got.

Open loop: messages are sent on a schedule (`--rate` a second for `--duration` seconds,
by default twice the capacity in `results/capacity.json`), whatever the server's
answers; each goes to a conversation not awaiting a reply (a new one when none is free;
a conversation retires after four messages), so the load mixes first messages and
follow-ups. A prober presses "Talk to a person" five times a second and times each packet's
arrival on an agent's socket. Per message it records the acknowledgement and the reply:
an answer, a handoff, the documented "busy" answer, an error, or nothing by the end. A
message refused with the `busy` error (no worker read it in time; nothing was stored) is
sent again as the widget does, the same frame after a backoff doubling from 0.5 s to 10 s.

Then every conversation is resumed from its start and each message the customer sent is
looked for in the log. Two readings, both reported:
- the issue's (`passed`): a `busy` error is an answer (the documented one, with the button
  to a person) and each resend a new attempt timed from its own send; it passes when no
  attempt went longer than the SLA (`--sla`) without any answer (`no_answer_past_sla`),
  no acknowledged message is missing from the log (`lost`) and no reply was an error
  other than "busy". `held_by_client_at_end` counts messages still refused when the run
  stopped (kept by the client, as the widget keeps them, not stored);
- the strict one (`passed_strict`, the only one before): every message acknowledged and
  stored, and its reply within the SLA of its first send, resends included (`past_sla`).
Writes `results/overload.json`.

With `--before DIR` (a checkout of earlier code) the same schedule runs against that
code's server first.

Usage: .venv/bin/python benchmarks/overload.py [--rate 30] [--duration 60] [--sla 10]
       [--turn-start 5] [--before DIR]
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from capacity import Level, messages, prober
from harness import RESULTS, Server, machine, now_utc, serving, summary_ms, write_result
from websockets.exceptions import WebSocketException

TURNS_PER_CONVERSATION = 4
LATE_S = 30.0  # after the schedule ends, how long the last replies may still come


def backoff(attempt: int) -> float:
    """The widget's wait before resending a refused message (`widget/src/shared/backoff.js`)."""
    base: float = min(10.0, 0.5 * 2.0 ** min(attempt, 5))
    return base * (0.75 + random.random() * 0.5)


@dataclass
class Sent:
    client_msg_id: str
    at: float
    text: str = ""
    refusals: int = 0  # `busy` errors before it was read
    attempts: list[float] = field(default_factory=list)  # when each send (first, resends) went
    refused: list[float] = field(default_factory=list)  # when each `busy` error came
    acked: float | None = None
    kind: str | None = None  # "answer", "handoff", "busy" or "error"
    replied: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def took(self) -> float:
        """Seconds from sending to the reply (to now when none came)."""
        return (self.replied or time.monotonic()) - self.at

    def waits(self, until: float) -> list[float]:
        """Each attempt's seconds without any answer: a refused send until its `busy`
        error, the send that was taken until its reply (to `until` when none came), and
        a send still unanswered at the end until `until`."""
        answers = [*self.refused, self.replied or until]
        return [answer - sent for sent, answer in zip(self.attempts, answers, strict=False)]


@dataclass
class Chat:
    """One customer's socket; a reader files each frame under the message it answers."""

    socket: Any
    conversation_id: str
    token: str
    sent: list[Sent] = field(default_factory=list)
    waiting: Sent | None = None
    reader: asyncio.Task[None] | None = None

    resending: set[asyncio.Task[None]] = field(default_factory=set)

    async def read(self) -> None:
        try:
            async for raw in self.socket:
                self.file(json.loads(raw))
        except (OSError, WebSocketException):
            return

    async def send(self, message: Sent) -> None:
        data = {"text": message.text}
        frame = {"type": "message", "client_msg_id": message.client_msg_id, "data": data}
        message.attempts.append(time.monotonic())
        try:
            await self.socket.send(json.dumps(frame))
        except (OSError, WebSocketException):
            message.kind = "error"
            message.answered.set()

    async def resend(self, message: Sent) -> None:
        await asyncio.sleep(backoff(message.refusals - 1))
        await self.send(message)

    def file(self, frame: dict[str, Any]) -> None:
        data = frame.get("data", {})
        now = time.monotonic()
        ours = [m for m in self.sent if m.client_msg_id == data.get("client_msg_id")]
        if frame["type"] == "ack":
            for message in ours:
                message.acked = now
            return
        if frame["type"] == "error" and data.get("code") == "busy" and ours:
            ours[0].refusals += 1
            ours[0].refused.append(now)
            task = asyncio.create_task(self.resend(ours[0]))
            self.resending.add(task)
            task.add_done_callback(self.resending.discard)
            return
        current = self.waiting
        if current is None:
            return
        kind = _kind(frame)
        if kind is not None:
            current.kind, current.replied, self.waiting = kind, now, None
            current.answered.set()

    def free(self) -> bool:
        """Not awaiting a reply, not handed over, and not yet at its last message."""
        last = self.sent[-1] if self.sent else None
        handed_over = last is not None and last.kind == "handoff"
        return self.waiting is None and not handed_over and len(self.sent) < TURNS_PER_CONVERSATION


def _kind(frame: dict[str, Any]) -> str | None:
    data = frame.get("data", {})
    if frame["type"] == "error":
        return "error"
    if frame["type"] == "mode" and data.get("mode") == "queued":
        return "handoff"
    if frame["type"] != "message" or data.get("role") == "customer":
        return None
    if data.get("kind") in ("busy", "turn_failed"):
        return "busy" if data["kind"] == "busy" else "error"
    # A waiting customer's message is answered with their place in line.
    return "answer" if data.get("role") == "bot" or data.get("kind") == "waiting" else None


async def open_chat(url: str) -> Chat:
    socket = await websockets.connect(url + "/v1/chat", open_timeout=60, max_size=1 << 22)
    await socket.send(json.dumps({"type": "hello", "data": {}}))
    while (frame := json.loads(await socket.recv()))["type"] != "welcome":
        pass
    chat = Chat(socket, frame["conversation_id"], frame["data"]["token"])
    chat.reader = asyncio.create_task(chat.read())
    return chat


async def offer(url: str, rate: float, duration: float, texts: Any) -> list[Chat]:
    """Send `rate` messages a second for `duration` seconds, on schedule."""
    chats: list[Chat] = []
    free: list[Chat] = []
    opening: set[asyncio.Task[None]] = set()
    started = time.monotonic()

    async def send(chat: Chat) -> None:
        message = Sent(uuid.uuid4().hex, time.monotonic(), next(texts))
        chat.sent.append(message)
        chat.waiting = message
        await chat.send(message)

    async def new_chat_sends() -> None:
        chat = await open_chat(url)
        chats.append(chat)
        await send(chat)

    for n in itertools.count():
        due = started + n / rate
        if due >= started + duration:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        free += [chat for chat in chats if chat not in free and chat.free()]
        if free:
            await send(free.pop(0))
        else:
            task = asyncio.create_task(new_chat_sends())
            opening.add(task)
            task.add_done_callback(opening.discard)
    await asyncio.gather(*opening, return_exceptions=True)
    replies = [asyncio.create_task(m.answered.wait()) for c in chats for m in c.sent if not m.kind]
    if replies:
        _, late = await asyncio.wait(replies, timeout=LATE_S)
        for waiter in late:
            waiter.cancel()
    return chats


async def stored(url: str, chat: Chat) -> tuple[set[str], set[str]]:
    """The client message ids the conversation's log holds, read by resuming it, and those
    of them stored unread (by earlier code, which stored a message no worker inspected in
    time without its words)."""
    async with websockets.connect(url + "/v1/chat", max_size=1 << 24) as socket:
        hello = {"token": chat.token, "resume_after": 0}
        await socket.send(
            json.dumps({"type": "hello", "conversation_id": chat.conversation_id, "data": hello})
        )
        ids: set[str] = set()
        unread: set[str] = set()
        last_seq: int | None = None
        async with asyncio.timeout(60):
            while True:
                frame = json.loads(await socket.recv())
                if frame["type"] == "welcome":
                    last_seq = frame["data"]["last_seq"]
                    if not last_seq:
                        return ids, unread
                    continue
                if frame["type"] == "message" and frame["data"].get("role") == "customer":
                    ids.add(frame["data"]["client_msg_id"])
                    if frame["data"].get("unread"):
                        unread.add(frame["data"]["client_msg_id"])
                if last_seq is not None and (frame.get("seq") or 0) >= last_seq:
                    return ids, unread


async def run(server: Server, rate: float, duration: float, sla_s: float) -> dict[str, Any]:
    texts = itertools.cycle(messages())
    now = time.monotonic()
    probe = Level(started=now, until=now + duration)
    prober_task = asyncio.create_task(prober(server.ws_url, probe))
    chats = await offer(server.ws_url, rate, duration, texts)
    ended = time.monotonic()
    await prober_task
    sent = [m for chat in chats for m in chat.sent]
    for chat in chats:
        for task in chat.resending:
            task.cancel()
    kept: set[str] = set()
    unread: set[str] = set()
    for chat in chats:
        if chat.reader is not None:
            chat.reader.cancel()
        await chat.socket.close()
        ids, not_read = await stored(server.ws_url, chat)
        kept |= ids
        unread |= not_read
    replied = [m for m in sent if m.replied is not None]
    kinds = {k: sum(1 for m in sent if m.kind == k) for k in ("answer", "handoff", "busy", "error")}
    late = [m for m in sent if m.replied is None or m.took() > sla_s]
    unacked = [m for m in sent if m.acked is None]
    lost = [m for m in sent if m.client_msg_id not in kept]
    served = [m.took() for m in replied if m.kind in ("answer", "handoff")]
    busy = [m.took() for m in replied if m.kind == "busy"]
    acks = [m.acked - m.at for m in sent if m.acked is not None]
    # The reading: a `busy` error that comes at once is an answer (the documented one,
    # with the button to a person), and a resend is a new attempt timed from its own send.
    silent = [m for m in sent if any(wait > sla_s for wait in m.waits(ended))]
    held = [m for m in sent if m.acked is None and m.kind is None]
    acked_lost = [m for m in sent if m.acked is not None and m.client_msg_id not in kept]
    result = {
        "offered_per_s": rate,
        "duration_s": duration,
        "sla_s": sla_s,
        "messages": len(sent),
        "conversations": len(chats),
        "replies": kinds,
        "served_per_s": round((kinds["answer"] + kinds["handoff"]) / duration, 2),
        "unanswered": sum(1 for m in sent if m.replied is None),
        "past_sla": len(late),
        "not_acknowledged": len(unacked),
        "not_stored": len(lost),
        "stored_unread": len(unread),
        "busy_refusals": sum(m.refusals for m in sent),
        "messages_refused_busy": sum(1 for m in sent if m.refusals),
        "resends": sum(len(m.attempts) - 1 for m in sent),
        "attempts": sum(len(m.attempts) for m in sent),
        "no_answer_past_sla": len(silent),
        "finally_served": kinds["answer"] + kinds["handoff"],
        "finally_busy_answer": kinds["busy"],
        "held_by_client_at_end": len(held),
        "lost": len(acked_lost),
        "busy_error_latency": (
            summary_ms([t - a for m in sent for a, t in zip(m.attempts, m.refused, strict=False)])
            if any(m.refused for m in sent)
            else None
        ),
        "attempt_wait": summary_ms([w for m in sent for w in m.waits(ended)]) if sent else None,
        "reply_latency": summary_ms([m.took() for m in replied]) if replied else None,
        "served_latency": summary_ms(served) if served else None,
        "busy_latency": summary_ms(busy) if busy else None,
        "ack_latency": summary_ms(acks) if acks else None,
        "handoff_delivery": summary_ms(probe.handoffs) if probe.handoffs else None,
        "prober_errors": probe.errors,
    }
    result["passed_strict"] = not (late or unacked or lost or kinds["error"])
    result["passed"] = not (silent or acked_lost or kinds["error"])
    return result


def gateway_refusals(server: Server) -> dict[str, float]:
    """The serving process's count of messages refused at the gateway, by reason (none
    from code without the gateway's admission)."""
    url = server.ws_url.replace("ws://", "http://") + "/metrics"
    with urllib.request.urlopen(url, timeout=60) as response:
        text = response.read().decode()
    prefix = 'warmline_gateway_refusals_total{reason="'
    return {
        line[len(prefix) :].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(prefix)
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, help="messages a second (default: 2 x capacity)")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--sla", type=float, default=10.0, help="seconds a reply may take")
    parser.add_argument("--turn-start", type=float, default=5.0, help="the server's turn_start_s")
    parser.add_argument("--before", type=Path, help="a checkout of earlier code, run first")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    capacity = json.loads((RESULTS / "capacity.json").read_text())["capacity_turns_per_s"]
    rate = args.rate or 2 * capacity
    load_before = os.getloadavg()
    sides: dict[str, dict[str, Any]] = {}
    for label, code in ([("before", args.before)] if args.before else []) + [("after", None)]:
        env = {
            "WARMLINE_LIMITS__FLOOD_MESSAGES": "1000000",
            "WARMLINE_TURN_START_S": str(args.turn_start),
        }
        with serving(code, **env) as server:
            sides[label] = asyncio.run(run(server, rate, args.duration, args.sla))
            sides[label]["gateway_refusals"] = gateway_refusals(server)
        print(label, json.dumps(sides[label]), flush=True)
    after = sides.pop("after")
    write_result(
        "overload",
        {
            "date": now_utc(),
            "machine": machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cores": os.cpu_count(),
            "capacity_turns_per_s": capacity,
            "turn_start_s": args.turn_start,
            **after,
            **({"before": {"code": str(args.before), **sides["before"]}} if sides else {}),
        },
    )


if __name__ == "__main__":
    main()
