"""The embedded responder: answers by quoting the knowledge base, never by inventing.

With no LLM configured the bot must still be useful and must never be wrong in a
way an LLM could be: it returns the best-matching help-center section verbatim
with its link, or says plainly that it does not know and offers a person.
"""

import re

from warmline.agent.state import Answer, Citation
from warmline.guardrails.human_request import IDENTITY_QUESTION
from warmline.retrieval.store import Hit

_SMALLTALK = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?|thank you|thx|"
    r"ok(?:ay)?|great|cool|perfect|bye|goodbye)\b[\s!.,:)]*(?:there|so much|a lot)?[\s!.,:)]*$",
    re.IGNORECASE,
)
# "ok that worked", "done, thanks", "brilliant, I'll sign up tonight": the customer is
# telling the bot it helped, not asking something new it could fail to answer.
_ACKNOWLEDGED = re.compile(
    r"^\s*(?:ok(?:ay)?|done|great|cool|perfect|brilliant|awesome|nice|yep|yes|yay|ah+|oh+|"
    r"got it|that (?:worked|did it|fixed it)|it worked|fixed|sorted|thanks?|thank you|thx)\b",
    re.IGNORECASE,
)
_STILL_STUCK = re.compile(
    r"\?|\b(?:not|no|still|but|nothing|never|again|error|problem|wrong|help|how|what|why|"
    r"when|where|which|can|could|would|should|is|are|do|does|did|broken|damaged|missing|"
    r"(?:don|doesn|didn|isn|wasn|won|can|couldn|haven|hasn|aren|weren)'?t)\b",
    re.IGNORECASE,
)
_HELPED = re.compile(
    r"\b(?:thanks?|thank you|thx|cheers|worked|works|working|sorted|fixed|connected|got it|"
    r"i'?m in|will do|i'?ll|ill|done|perfect|great|brilliant|cool|awesome|that was it)\b",
    re.IGNORECASE,
)
ACKNOWLEDGED = "Glad that helped! Is there anything else I can do for you?"
NOT_FOUND = (
    "I couldn't find that in our help center, and I'd rather not guess. "
    "Could you tell me a bit more, or press \u201cTalk to a person\u201d and a member of our team "
    "will take it from here."
)
GREETING = (
    "Hi! I'm {company}'s AI assistant. Ask me anything our help center covers \u2014 "
    "and you can talk to a person at any time."
)
CLOSING = "You're welcome! Is there anything else I can help with?"
NOT_A_PERSON = (
    "I'm {company}'s AI assistant, not a person. I answer from our help center, and a member "
    "of our team is one click away: press \u201cTalk to a person\u201d or just ask for one."
)
SECOND_SOURCE_MARGIN = 0.04


def _trim(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    kept: list[str] = []
    for line in text.splitlines():
        if len("\n".join([*kept, line])) > max_chars:
            break
        kept.append(line)
    return "\n".join(kept).rstrip() or text[:max_chars].rsplit(" ", 1)[0] + " \u2026"


def smalltalk_reply(text: str, company: str) -> str | None:
    if IDENTITY_QUESTION.match(text):
        return NOT_A_PERSON.format(company=company)
    if not _SMALLTALK.match(text):
        helped = _HELPED.search(text) and not _STILL_STUCK.search(text)
        if _ACKNOWLEDGED.match(text) and helped:
            return ACKNOWLEDGED
        return None
    if re.match(r"\s*(?:thank|thx|great|cool|perfect)", text, re.I):
        return CLOSING
    return GREETING.format(company=company)


def _citation(hit: Hit) -> Citation:
    return Citation(title=hit.chunk.title, url=hit.chunk.url, article_id=hit.chunk.article_id)


def extractive_answer(
    hits: list[Hit], confidence: float, threshold: float, max_chars: int
) -> Answer:
    """Quote the best article's closest sections, in the article's order.

    A question like "how do I get a refund?" is answered by two sibling sections
    (in the app, on the web) that score almost the same; quoting only one would
    leave out half the answer.
    """
    if not hits or confidence < threshold:
        return Answer(text=NOT_FOUND, confidence=confidence)
    best = hits[0]
    article = [h for h in hits if h.chunk.article_id == best.chunk.article_id]
    top_dense = max(h.dense for h in article)
    same_article = sorted(
        (h for h in article if top_dense - h.dense <= SECOND_SOURCE_MARGIN),
        key=lambda h: h.chunk.position,
    )
    budget = max_chars // len(same_article)
    if len(same_article) == 1:
        only = same_article[0]
        body = _trim(only.chunk.text, max_chars)
        heading = f"From \u201c{only.chunk.title}\u201d \u203a {only.chunk.section}:"
    else:
        body = "\n\n".join(
            f"**{h.chunk.section}**\n{_trim(h.chunk.text, budget)}" for h in same_article
        )
        heading = f"From \u201c{best.chunk.title}\u201d:"
    citations = [_citation(best)]
    other = next(
        (
            h
            for h in hits
            if h.chunk.article_id != best.chunk.article_id
            and top_dense - h.dense <= SECOND_SOURCE_MARGIN
        ),
        None,
    )
    if other is not None:
        citations.append(_citation(other))
    return Answer(text=f"{heading}\n\n{body}", citations=citations, confidence=confidence)
