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
