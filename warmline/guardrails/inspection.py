"""The inspection of a customer's message before it is stored: the guard's verdict and,
on the redacted words, whether they ask for a person.

It is the CPU work every message costs (spaCy, Presidio's recognizers, about forty
request rules), so it runs where the compute runs: in a worker process when there are
workers, in a thread of the serving process when there are none. The request rules are
part of it rather than a gateway step: they cost 0.5 ms on a short message and 4 ms on
2,000 characters (one core), too much to spend on every message in the process that
holds the sockets.
"""

from dataclasses import dataclass

from warmline.guardrails.company import DEFAULT_COMPANY
from warmline.guardrails.guard import Guard, GuardVerdict
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.redaction import PlaceholderBook, PlaceholderEntry


@dataclass(frozen=True)
class Inspection:
    """The guard's verdict on a message, and whether its redacted words ask for a person."""

    verdict: GuardVerdict
    asks: bool


def asks_for_a_person(text: str, company: str = DEFAULT_COMPANY) -> bool:
    """The request detector's written rules on already redacted text: regular expressions
    over a bounded message, compiled for the configured company's name."""
    return detect_human_request(text, company=company).fired()


def inspect_message(
    guard: Guard,
    text: str,
    entries: list[PlaceholderEntry],
    language: str | None,
    read_request: bool,
) -> Inspection:
    """The verdict on `text` against the conversation's placeholders so far (`entries`,
    so a value seen before keeps its number), and, when `read_request`, whether it asks."""
    verdict = guard.inspect(text, PlaceholderBook(entries), language)
    redacted = verdict.redaction
    asks = (
        read_request
        and redacted is not None
        and asks_for_a_person(redacted.text, guard.redactor.company_name)
    )
    return Inspection(verdict, asks)
