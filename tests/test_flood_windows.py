"""A conversation's flood window counts each message once: a message refused as busy is
not stored, and the client sends the same frame again, which must not use up the window
a person typing would need."""

import secrets
from collections.abc import AsyncIterator

import pytest
from conftest import REDIS_URL
from redis.asyncio import Redis

from warmline.coordination.flood import FloodWindows, LocalFloodWindows, RedisFloodWindows


@pytest.fixture(params=["local", "redis"])
async def windows(request: pytest.FixtureRequest) -> AsyncIterator[FloodWindows]:
    if request.param == "local":
        yield LocalFloodWindows(limit=2, window_s=60)
        return
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test-flood-{secrets.token_hex(4)}"
    yield RedisFloodWindows(redis, prefix, limit=2, window_s=60)
    async for key in redis.scan_iter(f"{prefix}:*"):
        await redis.delete(key)
    await redis.aclose()


async def test_a_resent_message_counts_once_and_new_ones_still_fill_the_window(
    windows: FloodWindows,
) -> None:
    assert await windows.admit("conversation", "first")
    for _ in range(5):  # refused as busy, sent again and again
        assert await windows.admit("conversation", "first")
    assert await windows.admit("conversation", "second")
    assert not await windows.admit("conversation", "third"), "the window holds two messages"
    assert await windows.admit("conversation", "first"), "a counted message is still let through"
    assert await windows.admit("another conversation", "third")


async def test_unnamed_events_each_count(windows: FloodWindows) -> None:
    assert await windows.admit("address")
    assert await windows.admit("address")
    assert not await windows.admit("address")


async def test_a_full_window_is_seen_without_counting(windows: FloodWindows) -> None:
    """A press checks whether the window is full before it pays for the edge's decision;
    looking must not use up the window."""
    for _ in range(5):
        assert not await windows.full("conversation")
    assert await windows.admit("conversation", "first")
    assert not await windows.full("conversation")
    assert await windows.admit("conversation", "second")
    assert await windows.full("conversation")
    assert not await windows.full("another conversation")
