"""Follow-up questions: "whats the biggest sd card it takes", "does it have to be unopened?".

Customers ask a second question about the thing they just asked about, and say "it".
Searched alone, such a message matches nothing and would count as an unanswered turn
(two of those hand the chat over). Searched with the question before it, it finds the
article that answers it. Only a message that points back (a pronoun, "and ...",
"what about ...") is read with its predecessor, and only when it finds nothing alone,
and only when the article found holds one of the follow-up's own words, so a new
question ("does it work with HomeKit?") is not answered with the old question's article.
"""

import re
from collections.abc import Mapping, Sequence

_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|they|them|those|these|there|one|ones)\b"
    r"|^\W*(?:and|also|so|then|what about|how about)\b",
    re.IGNORECASE,
)
MAX_WORDS = 12
_WORD = re.compile(r"[a-zà-ÿ0-9]{4,}")
# Words that carry no topic: a follow-up made only of these ("how long does that take")
# has nothing to check an article against.
_GENERIC = frozenset(
    "about also again away could does done doing from have here just keep know like long "
    "make many more much need only over really same should still such sure take takes than "
    "that them then there these they thing this those want what when where which will with "
    "work works would your okay thanks please".split()
)


def is_follow_up(text: str) -> bool:
    return len(text.split()) <= MAX_WORDS and bool(_POINTS_BACK.search(text))


def previous_question(messages: Sequence[Mapping[str, object]], since: int) -> str | None:
    """The customer's message before this one, in the stretch the bot has been answering."""
    earlier = [m for m in messages[since:-1] if m["role"] == "customer"]
    return str(earlier[-1]["text"]) if earlier else None


def holds_its_words(text: str, article_text: str) -> bool:
    """Whether the article mentions something the follow-up itself is about."""
    body = article_text.lower()
    words = {w.removesuffix("s") for w in _WORD.findall(text.lower()) if w not in _GENERIC}
    return any(word in body for word in words)
