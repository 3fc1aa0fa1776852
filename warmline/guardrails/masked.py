"""Masked spans: what redaction (ours, `<EMAIL_1>`, or a data set's, `#EMAIL#`) left in
place of a customer's details.

A placeholder is not a word the customer chose: two messages that are each "<ORDER_1>"
share no wording, and "#NAME#" is not shouting. Detectors that read wording drop them.
"""

import re

MASKED = re.compile(r"<[a-z][a-z_]{0,30}_\d{1,6}>|#[a-z][a-z_]{0,30}#", re.IGNORECASE)


def unmasked(text: str) -> str:
    """`text` with every placeholder replaced by a space."""
    return MASKED.sub(" ", text)


# Our placeholders of masked numbers and addresses ("<CARD_1>", "<EMAIL_2>"), not of names
# or handles: a word taken for a name may be what a question is about (Alexa).
MASKED_VALUE = re.compile(r"<(?!NAME_|HANDLE_)[A-Z][A-Z_]{0,30}_\d{1,6}>")


def without_masked_values(text: str) -> str:
    """`text` without the placeholders of masked numbers and addresses, spaces collapsed
    (`text` itself if nothing else is left): what a search reads."""
    return " ".join(MASKED_VALUE.sub(" ", text).split()) or text
