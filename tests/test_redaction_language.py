"""A conversation's language reaches the redactor: the stored text of a German
conversation keeps German words that English would read as names."""

from pathlib import Path

from conftest import make_settings

from warmline.conversation.protocol import CustomerProfileData
from warmline.server.runtime import running

# German for "Mark wants the rose": every word is English too.
GERMAN = "Mark will die Rose"


async def test_a_german_conversation_keeps_german_words_an_english_one_hides(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    async with running(settings) as runtime:
        service = runtime.service
        german = await service.start(CustomerProfileData(language="de"))
        english = await service.start(CustomerProfileData(language="en"))
        kept, _ = await service.customer_message(german.id, GERMAN, "m1")
        hidden, _ = await service.customer_message(english.id, GERMAN, "m2")
        await service.drain()
    assert kept.data["text"] == GERMAN
    assert hidden.data["text"] != GERMAN and "<NAME_1>" in hidden.data["text"]
