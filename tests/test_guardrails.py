"""Redaction, input hygiene and signals, as the policy and the agent will rely on them."""

import pytest

from warmline.config import Settings
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.limits import InputRejected, clean_text
from warmline.guardrails.redaction import PlaceholderBook, Redactor
from warmline.guardrails.signals import compute_signals


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    settings = Settings()
    return Redactor(
        settings.pii_entities, b"k" * 32, settings.pii_allow_patterns, settings.pii_company_patterns
    )


def test_placeholders_are_typed_numbered_and_stable_within_a_conversation(
    redactor: Redactor,
) -> None:
    book = PlaceholderBook()
    first = redactor.redact("Mail me at ana@example.org or bo@example.org", book)
    assert first.text == "Mail me at <EMAIL_1> or <EMAIL_2>"
    again = redactor.redact("Did you get ANA@example.org?", PlaceholderBook(first.new_entries))
    assert again.text == "Did you get <EMAIL_1>?"
    assert again.new_entries == []


def test_cards_phones_and_names_are_redacted_but_order_numbers_are_not(redactor: Redactor) -> None:
    result = redactor.redact(
        "I'm writing about LH-123456, my name is ana lopez, card 4111-1111-1111-1111, "
        "phone +44 20 7946 0958, error E-2001",
        PlaceholderBook(),
    )
    assert "LH-123456" in result.text and "E-2001" in result.text
    assert "<NAME_1>" in result.text and "ana lopez" not in result.text
    assert "<CARD_1>" in result.text and "<PHONE_1>" in result.text
    assert "4111" not in result.text and "7946" not in result.text


def test_a_local_seven_digit_number_given_as_a_phone_is_redacted(redactor: Redactor) -> None:
    result = redactor.redact("hi im Priya, phone 555-0142, about LH-123456", PlaceholderBook())
    assert "555-0142" not in result.text and "<PHONE_1>" in result.text
    assert "LH-123456" in result.text


def test_digests_depend_on_the_deployment_key() -> None:
    a = Redactor(["EMAIL_ADDRESS"], b"a" * 32).digest("EMAIL_ADDRESS", "x@example.org")
    b = Redactor(["EMAIL_ADDRESS"], b"b" * 32).digest("EMAIL_ADDRESS", "x@example.org")
    assert a != b and "example" not in a


@pytest.mark.parametrize(
    ("text", "requested"),
    [
        ("Can I talk to a human please?", True),
        ("I want to speak with a real person", True),
        ("agent!!", True),
        ("connect me to customer service", True),
        ("get me a manager", True),
        ("let me speak to your supervisor", True),
        ("I don't need an agent, just tell me the price", False),
        ("no need to talk to a person, the article helped", False),
        ("Is the Lumen Hub compatible with my router?", False),
        ("hey is this a bot or a real person", False),
        ("are you a bot? i want a real person", True),
    ],
)
def test_human_requests_are_detected_with_negations(text: str, requested: bool) -> None:
    assert detect_human_request(text).fired() is requested


def test_frustration_and_sentiment_carry_their_evidence() -> None:
    calm = compute_signals("Thanks, that answered my question.")
    angry = compute_signals("This is the THIRD TIME I'm asking!!! Your service is useless.")
    assert calm.sentiment > 0
    assert calm.frustration.score == 0
    assert angry.sentiment < -0.4
    assert angry.frustration.fired()
    assert any("third time" in e.lower() for e in angry.frustration.evidence)


def test_hostile_text_is_bounded_and_cleaned() -> None:
    assert clean_text("pay\u202eyal\u200b  now\x00", 100) == "payyal now"
    with pytest.raises(InputRejected) as too_long:
        clean_text("x" * 101, 100)
    assert too_long.value.code == "message_too_long"
    with pytest.raises(InputRejected):
        clean_text("\u200b\u200b", 100)
