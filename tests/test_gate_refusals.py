"""A socket refused because the shared store (Redis) does not answer: the client is told
to try again later, and the operator's log names the cause without a line per retry."""

import logging
from typing import Any, cast

import pytest

from warmline.config import Settings
from warmline.conversation.protocol import ServerFrame
from warmline.coordination.shared import Coordination
from warmline.server.gate import Gate, Refusal
from warmline.storage.database import Unavailable


class StoreDown:
    """What the gate asks of the shared store, when the store does not answer."""

    async def admit(self, key: str, event: str | None = None) -> bool:
        raise Unavailable() from ConnectionError("Connection refused")


class Shared:
    connects = StoreDown()


async def test_an_outage_is_logged_with_its_cause_once_however_often_clients_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate(Settings(), cast(Coordination[ServerFrame], Shared()))
    caplog.set_level(logging.WARNING, logger="warmline.gate")
    refusals: list[Any] = []
    for _ in range(20):  # widgets reconnecting with backoff during the outage
        with pytest.raises(Refusal) as refused:
            await gate._lease("203.0.113.7")
        refusals.append((refused.value.code, refused.value.close_code))
    assert refusals == [("unavailable", 1013)] * 20
    lines = [r.getMessage() for r in caplog.records if r.name == "warmline.gate"]
    assert len(lines) == 1 and "Connection refused" in lines[0]
