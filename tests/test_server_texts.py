"""The server's texts in the customer's language: the catalogue, and a German conversation
over the real WebSocket from greeting to the rating request."""

import re
import string

import pytest
from conftest import REPO, Backend, RunningServer, agent, customer, new_id, say

from warmline.config import Settings
from warmline.texts import BUTTON, CATALOGUE, ERRORS
from warmline.texts import say as text_in

# Open around the clock: the customer hears "nobody is online", not "we are back on
# Monday", whatever the hour the suite runs at.
SERVER_SETTINGS = {"policy": Settings().policy.model_copy(update={"business_hours": None})}
WIDGET = (REPO / "widget" / "src" / "widget" / "strings.js").read_text()


@pytest.fixture(scope="module")
def backend() -> Backend:
    """What is said does not depend on where it is stored: the embedded defaults suffice."""
    return Backend("embedded")


def widget_label(language: str, key: str) -> str:
    """A label as the widget's strings module writes it for `language`."""
    block = re.search(rf"\n  {language}: \{{(.*?)\n  \}},", WIDGET, re.S)
    assert block, f"the widget has no {language} strings"
    label = re.search(rf"\n    {key}: (['\"])(.*?)\1,", block.group(1))
    assert label, f"the widget has no {language}.{key}"
    return label.group(2)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", sorted(CATALOGUE))
def test_each_language_has_every_text_with_the_same_blanks(language: str) -> None:
    texts, english = CATALOGUE[language], CATALOGUE["en"]
    assert texts.keys() == english.keys()
    for key, template in english.items():
        assert fields(texts[key]) == fields(template), (language, key)
    refusals, english_refusals = ERRORS[language], ERRORS["en"]
    assert refusals.keys() == english_refusals.keys()
    for code, template in english_refusals.items():
        assert fields(refusals[code]) == fields(template), (language, code)


@pytest.mark.parametrize("language", sorted(CATALOGUE))
def test_texts_name_the_button_and_ask_for_a_rating_as_the_widget_labels_them(
    language: str,
) -> None:
    button = widget_label(language, "human")
    assert BUTTON[language] == button
    assert text_in("csat_question", language) == widget_label(language, "csatAsk")
    for key in ("not_found", "not_a_person", "turn_failed", "busy", "kb_other_language"):
        written = text_in(key, language, company="Lumen Home", kb_language="x")
        assert button in written, (language, key)
        others = [label for lang, label in BUTTON.items() if lang != language]
        assert not any(label in written for label in others), (language, key)


def test_a_language_without_a_catalogue_reads_english() -> None:
    assert text_in("holding", "pt-BR") == text_in("holding", "en")
    assert text_in("holding", "DE_at") == text_in("holding", "de")


async def test_a_german_conversation_hears_german_from_greeting_to_rating(
    server: RunningServer,
) -> None:
    client, welcome = await customer(server, profile={"language": "de-DE"})
    conversation_id = welcome["conversation_id"]

    await say(client, "Hallo!")
    greeting = (await client.wait_for(type="message", data_role="bot"))["data"]["text"]
    assert greeting.startswith("Hallo! Ich bin der KI-Assistent von")
    # the sample help center is English: said plainly, naming the German button
    assert "Unser Hilfe-Center ist auf Englisch" in greeting
    assert "\u201eMit einem Menschen sprechen\u201c" in greeting
    assert "Talk to a person" not in greeting

    await say(client, "Wie bekomme ich eine Rückerstattung?")
    answer = (await client.wait_for(type="message", data_role="bot"))["data"]
    # the quote stays in the help center's language, the words around it are German
    assert answer["text"].startswith("Unser Hilfe-Center ist auf Englisch")
    assert answer["citations"] or "Hilfe-Center" in answer["text"]

    too_long = "x" * (server.settings.limits.max_message_chars + 1)
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": too_long}})
    refused = await client.wait_for(type="error")
    limit = server.settings.limits.max_message_chars
    assert refused["data"]["message"] == f"Nachrichten sind auf {limit} Zeichen begrenzt."

    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    # nobody is online: one handoff message that says so, never "a person is coming"
    nobody = await client.wait_for(type="message", data_role="system")
    assert nobody["data"]["text"] == text_in("nobody_online", "de")
    assert "Gerade ist niemand aus unserem Team online" in nobody["data"]["text"]

    console = await agent(server)
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await client.wait_for(type="mode", data_mode="human")
    await console.send({"type": "resolve", "conversation_id": conversation_id})
    resolved = await client.wait_for(type="message", data_role="system")
    assert resolved["data"]["text"] == "Diese Unterhaltung wurde als gelöst markiert. " + (
        "Schreiben Sie uns jederzeit wieder."
    )
    rating = await client.wait_for(type="csat_request")
    assert rating["data"]["text"] == "Wie waren wir? Bewerten Sie diese Unterhaltung von 1 bis 5."

    contact = {"text": "kim@example.com"}
    await client.send({"type": "leave_contact", "client_msg_id": new_id(), "data": contact})
    refused = await client.wait_for(type="error")
    assert refused["data"]["message"].startswith("Einen Kontakt können Sie nur hinterlassen")
    await client.close()
    await console.close()


async def test_a_language_the_help_center_lacks_is_said_plainly_with_the_button(
    server: RunningServer,
) -> None:
    client, _ = await customer(server, profile={"language": "fr"})
    await say(client, "Comment réinitialiser le mot de passe de la caméra ?")
    reply = (await client.wait_for(type="message", data_role="bot"))["data"]["text"]
    if not reply.startswith("Our help center is in English"):
        raise AssertionError(await client.wait_for(type="mode"))
    assert "\u201cTalk to a person\u201d" in reply or "here is what it says" in reply
    await client.close()
