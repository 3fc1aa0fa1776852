"""The embedded responder: answers by quoting the knowledge base, never by inventing.

With no LLM configured the bot must still be useful and must never be wrong in a
way an LLM could be: it returns the best-matching help-center section verbatim
with its link, or says plainly that it does not know and offers a person.
"""

import re

from warmline.agent.state import Answer, Citation
from warmline.guardrails.human_request import IDENTITY_QUESTION
from warmline.guardrails.resolution import reports_resolved
from warmline.retrieval.chunking import blocks
from warmline.retrieval.store import Hit
from warmline.texts import language_name, primary, say

# Greetings and thanks in the languages the texts speak (see warmline.texts), so a
# Spanish "hola" is greeted rather than searched for in the help center.
_SMALLTALK = re.compile(
    r"^\s*[¡¿]?(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?|thank you|thx|"
    r"ok(?:ay)?|great|cool|perfect|bye|goodbye|"
    r"hola|buen(?:os|as) (?:d[ií]as|tardes|noches)|buenas|gracias|muchas gracias|adi[oó]s|"
    r"hallo|guten (?:morgen|tag|abend)|danke(?: sch[oö]n)?|vielen dank|tsch[uü]ss)\b"
    r"[\s!.,:)]*(?:there|so much|a lot)?[\s!.,:)]*$",
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
# A fault told after the thanks ("ok thanks. my card was declined", "Thanks. My card was
# charged twice."), unless that clause or a later one says it was put right ("Thanks!
# That fixed the crash.", "Thanks, I reported the lost card and got a new one, all
# sorted"), or its own clause that the customer takes it from there ("Thanks, I found the
# lost receipt", "ok thanks, I'll cancel the blocked card then"; but not "thanks, my phone
# was stolen and I'll need a new card").
_FAULT = re.compile(
    r"\b(?:(?:over)?charged|billed|twice|double|declined|rejected|bounced|"
    r"fail(?:s|ed|ing)?|lost|stolen|hacked|locked|blocked|stuck|crash(?:es|ed|ing)?)\b",
    re.IGNORECASE,
)
_PUT_RIGHT = re.compile(
    r"\b(?:fixed|worked|works|working|sorted|solved|resolved|arrived|stopped|connected|"
    r"unlocked|unblocked|refunded|reversed|cleared|went through|turned up|came back|"
    r"all (?:good|set)|i'?m in)\b",
    re.IGNORECASE,
)
_TAKES_IT_ON = re.compile(r"\b(?:found|got it|i'?ll|i will|will do)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[.!?;,\n]+|\s(?:and|but|now)\s", re.IGNORECASE)
# The help a customer thanks for ("thanks for your help", "thank you for helping me") is
# no plea for more, so a message of thanks reads it as plain thanks before the still-stuck
# words are.
_THANKS_FOR_HELP = re.compile(
    r"\b(?:thanks?|thank you|thx)(?: again)?(?: (?:so|very) much| a lot)? for "
    r"(?:(?:all )?(?:your|the) help|helping(?: me| out)?)\b",
    re.IGNORECASE,
)
# Thanks, "it helped", or goodbye: what each sentence of an acknowledgement says.
_HELPED = re.compile(
    r"\b(?:thanks?|thank you|thx|cheers|worked|works|working|sorted|fixed|connected|got it|"
    r"i'?m in|will do|i'?ll|ill|done|perfect|great|brilliant|cool|awesome|that was it|"
    r"appreciated?|all (?:good|set)|that'?s all|that is all|regards|"
    r"you'?re (?:a star|the best|great|awesome)|"
    r"bye|goodbye|see you|good night|have a (?:good|nice|great) "
    r"(?:day|one|evening|night|weekend))\b",
    re.IGNORECASE,
)
# Something new asked for: "I also need ...", "now I want ...", "separately, ...".
_ASKS_FOR_MORE = re.compile(
    r"\b(?:need|needs|want|wanted|would like|i'?d like|also|another|separately)\b", re.IGNORECASE
)
# A sentence this short that says no thanks is a sign-off ("Regards, John", "5 stars",
# "will try later"), not a new matter for the search.
SIGN_OFF_WORDS = 3
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Where a sentence ends: a stop before a space or the end, so "the 2.4 one" is one sentence.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")
_LETTER = re.compile(r"[^\W\d_]")
# The English texts, for code that recognises what the bot said (see handoff.summary).
ACKNOWLEDGED = say("acknowledged", "en")
NOT_FOUND = say("not_found", "en")
SECOND_SOURCE_MARGIN = 0.04
# How much a section's own heading, an identifier it holds and, for a how-to, its steps
# count beside its cosine when choosing what to quote. A heading that the question
# repeats ("Not receiving SMS codes") is the strongest sign a section is the answer;
# cosines of sections of one article differ by a few hundredths, so these decide.
HEADING_WEIGHT = 0.25
IDENTIFIER_WEIGHT = 0.3
ROWS_WEIGHT = 0.2
STEPS_WEIGHT = 0.1
# A later paragraph leads only when it shares clearly more words with the question;
# otherwise the article's own order reads better.
LEAD_MARGIN = 2

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOP = frozenset(
    "a an the and or of to in on for at by with from is are be do does did i me my we our you "
    "your it its this that can could how what when where which who why will would should "
    "there their they them if about as get got have has ll re ve s t m d".split()
)
_IDENTIFIER = re.compile(r"\b[a-z]{1,4}-\d{2,}\b", re.IGNORECASE)
_HOW_TO = re.compile(
    r"\b(?:how (?:do|can|should|would) (?:i|we|you)|how to|steps?|set ?up|turn (?:on|off)|"
    r"enable|disable|install|reset|change|cancel|connect|update|add|remove|request)\b",
    re.IGNORECASE,
)
_STEP = re.compile(r"^\s*\d{1,3}[.)]\s", re.MULTILINE)
_ROW = re.compile(r"^\s*\|")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")


def _terms(text: str) -> set[str]:
    """Content words, with a plural -s or an -ing folded, so "codes" meets "code" and
    "invoices" meets "invoice" (not "invoic", which the singular would never meet)."""
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP)
    return {re.sub(r"(?<=[a-z]{3})(?:ing|(?<!s)s)$", "", w) for w in words}


def _trim(text: str, max_chars: int) -> str:
    """Whole lines up to `max_chars`: a table row or a step is never cut in half."""
    if len(text) <= max_chars:
        return text
    kept: list[str] = []
    for line in text.splitlines():
        if len("\n".join([*kept, line])) > max_chars:
            break
        kept.append(line)
    return "\n".join(kept).rstrip() or text[:max_chars].rsplit(" ", 1)[0] + " \u2026"


def _section_score(hit: Hit, query: str, terms: set[str]) -> float:
    """How well a section answers `query`: its cosine, plus what a reader would look for."""
    score = hit.dense
    # Only the heading's own words tell sections of one article apart: the title's
    # words are in every section's context.
    heading = _terms(hit.chunk.section) - _terms(hit.chunk.title)
    shared = len(heading & terms) / len(heading) if heading else 0.0
    if hit.chunk.section != "Overview" and shared > 0.5:  # one word of a long heading is no sign
        score += HEADING_WEIGHT * shared
    text = hit.chunk.text.lower()
    if any(i.lower() in text for i in _IDENTIFIER.findall(query)):
        score += IDENTIFIER_WEIGHT
    elif any(
        _answering_rows(b, query, terms - _terms(_topic(hit))) for b in blocks(hit.chunk.text)
    ):
        score += ROWS_WEIGHT
    if _HOW_TO.search(query) and _STEP.search(hit.chunk.text):
        score += STEPS_WEIGHT
    return score


def _answering_rows(block: str, query: str, terms: set[str]) -> str | None:
    """The block's table cut to its header and the rows the question points at, or None.

    A row is chosen by an identifier the question names ("E-4410") or else by the
    content words it shares with the question, leaving out the words of the header,
    which describe every row; a question that matches every row, or none, gets no cut
    (None). A lead-in line before the table stays with it.
    """
    lines = block.splitlines()
    start = next(
        (
            i
            for i in range(len(lines) - 1)
            if _ROW.match(lines[i]) and _SEPARATOR.match(lines[i + 1])
        ),
        None,
    )
    if start is None:
        return None
    rows = [line for line in lines[start + 2 :] if _ROW.match(line)]
    terms = terms - _terms(lines[start])
    identifiers = {i.lower() for i in _IDENTIFIER.findall(query)}
    scores = [
        10 * sum(i in row.lower() for i in identifiers) + len(_terms(row) & terms) for row in rows
    ]
    best = max(scores, default=0)
    chosen = [row for row, score in zip(rows, scores, strict=True) if score == best]
    if best == 0 or len(chosen) == len(rows):
        return None
    return "\n".join([*lines[: start + 2], *chosen])


def _quote(text: str, query: str, max_chars: int, topic: str) -> str:
    """A section, direct answer first, every list and table row kept whole.

    The block the question points at leads: the table rows it names, or else the
    paragraph or list sharing most words with it; the rest follows in the article's
    order while it fits. A list of steps is never shortened: half a how-to is worse
    than a long answer. Words of the `topic` (title and heading) say which article was
    found, not which of its rows or paragraphs answers, so they do not pick the lead.
    """
    terms = _terms(query) - _terms(topic)
    parts = blocks(text)
    cut = [_answering_rows(b, query, terms) for b in parts]
    with_rows = [i for i, rows in enumerate(cut) if rows]
    overlap = [len(_terms(b) & terms) for b in parts]
    best = max(range(len(parts)), key=lambda i: (overlap[i], -i))
    lead = with_rows[0] if with_rows else best if overlap[best] >= overlap[0] + LEAD_MARGIN else 0
    quoted = [cut[lead] or parts[lead]]
    for i, block in enumerate(parts):
        fits = len("\n\n".join([*quoted, block])) <= max_chars
        if i != lead and (fits or _STEP.search(block)):
            quoted.append(block)
    if len(quoted[0]) > max_chars and not (cut[lead] or _STEP.search(quoted[0])):
        quoted[0] = _trim(quoted[0], max_chars)
    return "\n\n".join(quoted)


def says_thanks(text: str) -> bool:
    """The customer thanks the bot or says it helped: the question before was resolved.
    A message that says the problem is solved ("It's solved", "the issue has been
    resolved") says so too, wherever in it and whatever else it says."""
    return smalltalk_reply(text, "") in (say("closing", "en"), ACKNOWLEDGED) or reports_resolved(
        text
    )


def opens_with_thanks(text: str) -> bool:
    """The message opens with thanks or an acknowledgement and says the bot helped, with
    nothing in it still stuck and no new fault left unmended, whatever else it goes on to
    say: thanks the bot acknowledges, alone (`_acknowledges`) or before news the search
    cannot answer ("ok I'll give it a few more days. It's a Lumen Lock for my mum"), but
    not "Thanks. My card was charged twice." or "Thanks, the payment failed though", which
    would be told they were welcome; "Thanks! That fixed the crash." still is."""
    return bool(
        _ACKNOWLEDGED.match(text)
        and _HELPED.search(text)
        and not _STILL_STUCK.search(text)
        and not _a_fault_left(text)
    )


def _a_fault_left(text: str) -> bool:
    """A clause tells a fault that neither it nor a later clause says was put right, and
    that its own clause does not take on (read from the last clause back: linear)."""
    put_right = False
    for clause in reversed(_CLAUSE.split(text)):
        put_right = put_right or bool(_PUT_RIGHT.search(clause))
        if _FAULT.search(clause) and not (put_right or _TAKES_IT_ON.search(clause)):
            return True
    return False


def _acknowledges(text: str) -> bool:
    """The message opens with thanks or an acknowledgement, says the bot helped, asks for
    nothing more, and every sentence after the first is itself thanks, "it helped", a
    goodbye or a short sign-off: "Thanks! That worked.", "Great, thanks! Bye", "Thank you.
    Much appreciated.", "Thanks, that worked. Regards, John". A sentence that says
    something new ("Thanks Revolut! I signed up with Google", "Thanks, I also need to
    change my address") is for the search to answer, not to be thanked for, and so is a
    fault told and not put right ("Thanks, the payment failed though"). Thanks for
    the help are thanks here, where every later sentence must be thanks too; not in
    `opens_with_thanks` alone ("Thanks for your help. My card was charged twice.")."""
    text = _THANKS_FOR_HELP.sub("thanks", text)
    if not opens_with_thanks(text) or _ASKS_FOR_MORE.search(text):
        return False
    further = [s for s in _SENTENCE_END.split(text)[1:] if _LETTER.search(s)]
    return all(_HELPED.search(s) or len(_WORDS.findall(s)) <= SIGN_OFF_WORDS for s in further)


def _foreign_kb(language: str, kb_language: str | None) -> str | None:
    """The help center's language, named in the customer's, when it is not theirs."""
    if kb_language is None or primary(kb_language) == primary(language):
        return None
    return language_name(kb_language, language)


def kb_language_note(language: str, kb_language: str | None) -> str | None:
    """Said plainly when the help center is in another language than the customer's: the
    quotes stay in the help center's language, and a person may be the better help."""
    name = _foreign_kb(language, kb_language)
    return None if name is None else say("kb_other_language", language, kb_language=name)


def smalltalk_reply(
    text: str, company: str, language: str = "en", kb_language: str | None = None
) -> str | None:
    """A greeting, thanks or "are you a bot?" answered in the customer's language; None
    for anything else. A greeting in a language the help center is not written in says so."""
    if IDENTITY_QUESTION.match(text):
        return say("not_a_person", language, company=company)
    if not _SMALLTALK.match(text):
        return say("acknowledged", language) if _acknowledges(text) else None
    if re.match(r"\s*(?:thank|thx|great|cool|perfect|gracias|muchas|danke|vielen)", text, re.I):
        return say("closing", language)
    greeting = say("greeting", language, company=company)
    note = kb_language_note(language, kb_language)
    return f"{greeting}\n\n{note}" if note else greeting


def _topic(hit: Hit) -> str:
    return f"{hit.chunk.title} {hit.chunk.section}"


def _citation(hit: Hit) -> Citation:
    return Citation(title=hit.chunk.title, url=hit.chunk.url, article_id=hit.chunk.article_id)


def extractive_answer(
    hits: list[Hit],
    confidence: float,
    threshold: float,
    max_chars: int,
    query: str = "",
    language: str = "en",
) -> Answer:
    """Quote the section of the best article that answers `query`, and its close siblings.

    Retrieval finds the article; which of its sections answers is decided here, by
    the section's cosine and by what a reader scans for: its heading, an identifier,
    steps for a how-to. A question like "how do I get a refund?" is answered by two
    sibling sections (in the app, on the web) that score almost the same; quoting
    only one would leave out half the answer.
    """
    kb_language = hits[0].chunk.language if hits else None
    if not hits or confidence < threshold:
        note = kb_language_note(language, kb_language)
        return Answer(text=note or say("not_found", language), confidence=confidence)
    terms = _terms(query)
    article = [h for h in hits if h.chunk.article_id == hits[0].chunk.article_id]
    scores = {h.chunk.id: _section_score(h, query, terms) for h in article}
    top = max(article, key=lambda h: scores[h.chunk.id])
    chosen = [
        h for h in article if scores[top.chunk.id] - scores[h.chunk.id] <= SECOND_SOURCE_MARGIN
    ]
    steps = [h for h in article if _STEP.search(h.chunk.text)]
    if _HOW_TO.search(query) and steps and not any(h in steps for h in chosen):
        chosen.append(max(steps, key=lambda h: scores[h.chunk.id]))  # a how-to needs its steps
    same_article = sorted(chosen, key=lambda h: h.chunk.position)
    if len(same_article) == 1:
        body = _quote(top.chunk.text, query, max_chars, _topic(top))
        heading = say(
            "answer_from_section", language, title=top.chunk.title, section=top.chunk.section
        )
    else:
        budget = max_chars // len(same_article)
        body = "\n\n".join(
            f"**{h.chunk.section}**\n{_quote(h.chunk.text, query, budget, _topic(h))}"
            for h in same_article
        )
        heading = say("answer_from_article", language, title=top.chunk.title)
    foreign = _foreign_kb(language, kb_language)
    if foreign is not None:
        notice = say("answer_in_other_language", language, kb_language=foreign)
        heading = f"{notice}\n\n{heading}"
    top_dense = max(h.dense for h in article)
    citations = [_citation(top)]
    other = next(
        (
            h
            for h in hits
            if h.chunk.article_id != top.chunk.article_id
            and top_dense - h.dense <= SECOND_SOURCE_MARGIN
        ),
        None,
    )
    if other is not None:
        citations.append(_citation(other))
    return Answer(text=f"{heading}\n\n{body}", citations=citations, confidence=confidence)
