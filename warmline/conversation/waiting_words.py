"""What a waiting customer is told after each message, in the conversation's language.

The event also carries the figures (place, expected wait, whether the bot still
answers), so the widget can lay them out its own way; these words are what the
console, the terminal chat and a client without translations show.
"""

from warmline.conversation.protocol import QueuePositionData
from warmline.texts import say


def _minutes(seconds: int, language: str) -> str:
    return say("minutes", language, count=max(1, -(-seconds // 60)))


def waiting_words(place: QueuePositionData | None, answering: bool, language: str = "en") -> str:
    """Place in line, expected wait (or that nobody is online), and what the bot does."""
    if place is None:
        words = say("in_line_no_place", language)
    else:
        words = say("in_line", language, position=place.position)
        if place.expected_wait_seconds is not None:
            minutes = _minutes(place.expected_wait_seconds, language)
            words += say("expected_wait", language, minutes=minutes)
        else:
            words += say("nobody_yet", language)
    return words + say("still_answering" if answering else "left_to_team", language)
