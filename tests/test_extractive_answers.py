"""The embedded responder quotes the section that answers, whole rows and whole steps first."""

import re

from warmline.agent.responder import extractive_answer
from warmline.retrieval.articles import Article
from warmline.retrieval.chunking import chunk_article
from warmline.retrieval.store import Hit

TWO_FACTOR = Article(
    id="two-factor-help",
    title="Two-factor code problems",
    url="https://help.example/two-factor-help",
    body="""Two-factor authentication protects your account with a code as well as your password.

## Code rejected

Codes change every 30 seconds. Enter the current one before the timer runs out.

## Not receiving SMS codes

Wait 2 minutes, then tap **Resend code**. Check that your phone has a signal.
""",
)
ERROR_CODES = Article(
    id="error-codes",
    title="App error codes",
    url="https://help.example/error-codes",
    body="""## Camera errors

Camera codes start with E-4.

| Code | Meaning | What to do |
|---|---|---|
| E-4401 | Camera offline | Check the power cable and the Wi-Fi signal near the camera |
| E-4404 | Stream unavailable | Restart the camera from the app, then wait two minutes |
| E-4410 | Clip could not be loaded | Try again after a few minutes, then check the status page |
| E-4420 | Storage full | Delete old clips or upgrade your plan |
""",
)
STEPS = "\n".join(
    f"{n}. Step {n}: tap **Next** and check that the light turns {colour}."
    for n, colour in enumerate(["green", "blue", "white", "amber", "red", "violet", "pink"], 1)
)
HOW_TO = Article(
    id="pair-a-sensor",
    title="Pair a sensor",
    url="https://help.example/pair-a-sensor",
    body=f"""Sensors report doors and windows opening to your hub.

## Pair a sensor with your hub

Before you start, put a battery in the sensor.

{STEPS}

Pairing usually takes under a minute.
""",
)


def hits_for(article: Article, dense: dict[str, float]) -> list[Hit]:
    """Hits in the given cosine order, as retrieval would hand them over."""
    by_section = {c.section: c for c in chunk_article(article)}
    ranked = sorted(dense.items(), key=lambda item: -item[1])
    return [
        Hit(chunk=by_section[s], score=1 / (60 + r), dense=d) for r, (s, d) in enumerate(ranked)
    ]


def answer(hits: list[Hit], query: str, max_chars: int = 1200) -> str:
    return extractive_answer(hits, 0.9, 0.5, max_chars, query=query).text


def test_the_section_named_by_the_question_is_quoted_not_the_overview() -> None:
    hits = hits_for(
        TWO_FACTOR, {"Overview": 0.62, "Not receiving SMS codes": 0.55, "Code rejected": 0.50}
    )
    text = answer(hits, "I'm not receiving SMS codes")
    assert text.startswith(
        "From \u201cTwo-factor code problems\u201d \u203a Not receiving SMS codes"
    )
    assert "Resend code" in text
    assert "protects your account" not in text and "30 seconds" not in text


def test_the_table_row_that_answers_leads_and_is_never_cut() -> None:
    hits = hits_for(ERROR_CODES, {"Camera errors": 0.4})
    text = answer(hits, "what does error E-4410 mean?", max_chars=60)
    body = text.split("\n\n", 1)[1]
    lines = body.splitlines()
    assert lines[0] == "| Code | Meaning | What to do |", "the direct answer leads"
    assert lines[2] == next(r for r in ERROR_CODES.body.splitlines() if "E-4410" in r)
    assert "E-4401" not in text and "E-4420" not in text


def test_a_question_that_names_no_row_gets_the_whole_table() -> None:
    text = answer(hits_for(ERROR_CODES, {"Camera errors": 0.4}), "list the camera errors")
    for code in ("E-4401", "E-4404", "E-4410", "E-4420"):
        assert code in text


def test_every_step_of_a_how_to_is_quoted_even_past_the_length_budget() -> None:
    hits = hits_for(HOW_TO, {"Overview": 0.75, "Pair a sensor with your hub": 0.55})
    text = answer(hits, "how do I pair a sensor?", max_chars=150)
    assert "**Pair a sensor with your hub**" in text, "the steps' section joins the overview"
    assert re.findall(r"^\d+\. Step \d+", text, re.MULTILINE) == [
        f"{n}. Step {n}" for n in range(1, 8)
    ]


def test_the_paragraph_that_answers_leads_the_quote() -> None:
    article = Article(
        id="returns",
        title="Returns",
        url="https://help.example/returns",
        body="## Returning a device\n\nWe inspect every parcel when it arrives.\n\n"
        "Refunds for returned devices reach your bank within 5 business days of inspection.",
    )
    text = answer(hits_for(article, {"Returning a device": 0.6}), "when will refunds reach my bank")
    body = text.split("\n\n", 1)[1]
    assert body.startswith("Refunds for returned devices reach your bank")
    assert "We inspect every parcel" in body


def test_long_sections_are_chunked_between_blocks_never_inside_a_list_or_table() -> None:
    filler = " ".join(["Background about the hub and its lights."] * 40)
    loose_steps = "\n\n".join(f"{n}. Press the button and count to {n * 10}." for n in range(1, 9))
    table = "\n".join(
        ["| Light | Meaning |", "|---|---|"]
        + [f"| Colour {n} | State number {n} of the hub |" for n in range(1, 30)]
    )
    article = Article(
        id="hub-lights",
        title="Hub lights",
        url="https://help.example/hub-lights",
        body=f"## Reset\n\n{filler}\n\nFollow these steps:\n\n{loose_steps}\n\n{filler}\n\n"
        f"{table}\n\n{filler}",
    )
    chunks = chunk_article(article)
    assert len(chunks) >= 3
    with_steps = [c for c in chunks if "1. Press the button" in c.text]
    assert len(with_steps) == 1
    assert with_steps[0].text.count("Press the button") == 8
    assert "Follow these steps:" in with_steps[0].text
    with_table = [c for c in chunks if "| Light | Meaning |" in c.text]
    assert len(with_table) == 1 and with_table[0].text.count("| Colour ") == 29
    assert sum("| Colour " in c.text for c in chunks) == 1
