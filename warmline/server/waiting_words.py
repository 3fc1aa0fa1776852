"""What a waiting customer is told after each message, in English.

The widget says the same in the customer's language from the figures the event
carries (place, expected wait, whether the bot still answers); these words are
what the console, the terminal chat and a client without translations show.
"""

from warmline.server.protocol import QueuePositionData

IN_LINE = "Got it. You're number {position} in line."
IN_LINE_NO_PLACE = "Got it. A member of our team will answer here."
EXPECTED_WAIT = " Expected wait: about {minutes}."
NOBODY_YET = " No one from our team is online right now; you keep your place."
STILL_ANSWERING = (
    " Meanwhile the assistant answers what it can from our help center; press "
    "\u201cTalk to a person\u201d if you'd rather only a person answered."
)
LEFT_TO_TEAM = " The assistant will leave the answers to our team."


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def waiting_words(place: QueuePositionData | None, answering: bool) -> str:
    """Place in line, expected wait (or that nobody is online), and what the bot does."""
    if place is None:
        words = IN_LINE_NO_PLACE
    else:
        words = IN_LINE.format(position=place.position)
        if place.expected_wait_seconds is not None:
            words += EXPECTED_WAIT.format(minutes=_minutes(place.expected_wait_seconds))
        else:
            words += NOBODY_YET
    return words + (STILL_ANSWERING if answering else LEFT_TO_TEAM)
