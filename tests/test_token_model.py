"""The PII token classifier beside the other recognizers: what it hides that they
missed, and the ordinary words and numbers it must leave readable."""

import pytest

from warmline.guardrails.recognizers import token_model
from warmline.guardrails.recognizers.token_model import values_many
from warmline.guardrails.redaction import PlaceholderBook, Redactor


def redact(redactor: Redactor, text: str) -> str:
    return redactor.redact(text, PlaceholderBook()).text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # Street addresses without a suffix the patterns know, or in lower case.
        ("please ship it to 6102 willow overlook", "please ship it to <ADDRESS_1>"),
        ("deliver to 17402 via del sol lot 12", "deliver to <ADDRESS_1>"),
        (
            "the parcel went to 2225 commonwealth apt f by mistake",
            "the parcel went to <ADDRESS_1> by mistake",
        ),
        (
            "send the replacement to 48S 400E, Salt Lake City UT",
            "send the replacement to <ADDRESS_1>",
        ),
        # The rest of an address, past a city the model left unlabelled.
        (
            "send it to 111 n wyoming avenue, washington, district of columbia, 22202",
            "send it to <ADDRESS_1>",
        ),
        # Names in lower case that no list or cased model knows.
        (
            "the account is under my wife's name, priyanka",
            "the account is under my wife's name, <NAME_1>",
        ),
        ("ishawna ordered the blue one last week", "<NAME_1> ordered the blue one last week"),
    ],
)
def test_values_the_other_recognizers_missed_are_hidden(
    redactor: Redactor, text: str, redacted: str
) -> None:
    assert redact(redactor, text) == redacted


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Hi tehre, the Lumen Siren from order LH-706514 won't turn on", "tehre"),
        ("i paid with amex but the receipt shows viisa??", "viisa"),
        # The groups of a tracking number are no phone number.
        ("Tracking number 9400 0455 6670 5499 0930 45 hasn't updated", "0455 6670 5499"),
        ("Mine says E-2001 after the update", "Mine"),
        ("do the Arsenal fans get a discount", "Arsenal"),
        ("bulbs flicker since v2.11.4, I have three of them", "11.4"),
        # A street or a place with no number is no one's address.
        ("victoria station pickup point available?", "victoria station"),
    ],
)
def test_ordinary_words_and_numbers_stay_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redact(redactor, text)


def _model_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows the classifier is asked to read, call by call, from now on."""
    model = token_model._loaded()
    call = model._call
    rows_per_call: list[int] = []

    def counted(rows: list[list[int]]) -> list[object]:
        rows_per_call.append(len(rows))
        return call(rows)  # type: ignore[return-value]

    monkeypatch.setattr(model, "_call", counted)
    return rows_per_call


def test_a_value_past_the_models_window_is_found_where_it_stands() -> None:
    """The model reads 510 tokens at a time; a long message is read in overlapping
    windows, so a name far into it is found with its own offsets."""
    filler = "the lamp arrived and it works well " * 120  # about 840 tokens
    text = filler + "please tell priyanka the lamp arrived"
    found = [(text[start:end], entity) for start, end, entity, _ in values_many([text])[0]]
    assert ("priyanka", "PERSON") in found


def test_a_batch_is_read_in_fewer_model_calls_and_finds_what_each_text_alone_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`warmline analyze` reads messages in batches; the model's cost is mostly per
    call, so texts of similar length share one."""
    texts = [
        f"please send it to {n} willow overlook, {name}"
        for n, name in [(6102, "priyanka"), (17, "ishawna"), (4310, "aoife"), (88, "tadhg")]
    ]
    alone = [[span[:3] for span in token_model.values_many([text])[0]] for text in texts]
    rows_per_call = _model_calls(monkeypatch)
    batch = [[span[:3] for span in spans] for spans in token_model.values_many(texts)]
    assert batch == alone
    assert rows_per_call == [len(texts)]


def test_a_name_before_a_run_of_one_character_words_stays_a_name() -> None:
    """The tokenizer splits Chinese a character at a time; a name right before such a
    run is not widened over it (that took seconds and hundreds of MB for 4,000
    characters, and hid the run)."""
    text = "I am priyanka" + "東" * 3000
    found = [(text[start:end], entity) for start, end, entity, _ in values_many([text])[0]]
    assert ("priyanka", "PERSON") in found
    assert all(len(value) <= 60 for value, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        "How do I reset my password?",
        "I'm still waiting on my card, it hasn't arrived.",
        "Why was my transfer declined?",
    ],
)
def test_a_question_in_plain_english_words_costs_no_classifier_call(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """A third of customer questions are words of the dictionary and no listed name:
    nothing the classifier found there would be kept, so it is not run, one message at
    a time or in a batch."""
    calls = _model_calls(monkeypatch)
    assert redact(redactor, text) == text
    assert redactor.detect_many([text, text]) == [[], []]
    assert calls == []


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # A listed name among plain words, in lower case.
        ("please ask will turner to call me back", "please ask <NAME_1> to call me back"),
        # A word no dictionary knows.
        ("ishawna ordered the blue one last week", "<NAME_1> ordered the blue one last week"),
        # Digits: an address in plain words.
        ("please ship it to 6102 willow overlook", "please ship it to <ADDRESS_1>"),
        # A number in words is a house number.
        ("please send it to three cedar road", "please send it to <ADDRESS_1>"),
        # Capitalised English words are surnames too.
        (
            "Can you send the invoice to Ngo instead?",
            "Can you send the invoice to <NAME_1> instead?",
        ),
        # A zero-width space splits a name into English pieces.
        ("the order is for Ng\u200bo Tang", "the order is for <NAME_1>"),
    ],
)
def test_a_message_with_a_name_a_number_or_an_unknown_word_is_still_read(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch, text: str, redacted: str
) -> None:
    calls = _model_calls(monkeypatch)
    assert redact(redactor, text) == redacted
    assert calls
    calls.clear()
    assert [len(spans) for spans in redactor.detect_many([text])] == [1]
    assert calls
