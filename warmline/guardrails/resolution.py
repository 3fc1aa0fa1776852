"""The customer says their problem is solved: the trouble ended, whatever came before.

"I tried. It did work. But I am really speechless about this experience" and "it took
three calls, but your colleague solved my problem" end the trouble they complain of;
what the customer says of how it went is feedback for the team, not a reason to step
aside. Only the customer's own statement that the trouble is over counts: "is it
solved?", "It's fixed now?", "if the problem is fixed", "I want my problem solved" and
"it was never solved" do not; nor someone else's claim retold ("you said it was fixed",
"the email says the problem has been fixed"), nor a report the clause turns back ("it
was fixed but it still doesn't work"), nor a success the rest of the message says is
over, in its sentence or a later one ("it did work yesterday, now it's broken again",
"It was fixed last week. Now it's broken again.", "It works now. Oh wait, it crashed
again"). Counting those would take the angry repeat customer for a satisfied one. A
trouble told in the past is not one now: "It works now, it was broken because of the
cable" retells the cause, and still counts.
"""

import re

from warmline.guardrails.evidence import compile_all

_SOLVED = compile_all(
    [
        r"\b(?:problems?|issues?|it|that|this|everything)(?:'s| is| are| has been| have been|"
        r" was| were| got)(?: now| finally| already| all)? (?:solved|resolved|fixed|"
        r"sorted(?: out)?)\b",
        r"^\W*(?:problems?|issues?) (?:solved|resolved|fixed|sorted)\b",
        r"\b(?:that|this|it) (?:solved|resolved|fixed|sorted) it\b",
        r"\b(?:solved|resolved|fixed|sorted out) (?:the|my|our|this|that) (?:problems?|issues?)\b",
        # A word of how well may come between ("it works perfectly now", "it works again
        # now"); no other: "it worked until now", "it works only now and then", "it works
        # for now" end nothing.
        r"\b(?:it|that|this|everything) (?:did work|(?:works|is working|worked)"
        r"(?: (?:perfectly|fine|well|properly|normally|great|again))? now|works again)\b",
    ]
)
# A contraction of "not", spelled with or without its apostrophe; a word that merely
# ends in "nt" ("payment", "account", "went") is none.
_NOT = (
    r"\b(?:\w+n't|aint|arent|cant|couldnt|didnt|doesnt|dont|hadnt|hasnt|havent|isnt|"
    r"mustnt|neednt|shant|shouldnt|wasnt|werent|wont|wouldnt)\b"
)
# Words that make the match a wish, a condition, a question or a denial.
_NOT_A_REPORT = re.compile(
    r"\b(?:not|no|never|nothing|nobody|if|when|until|unless|whether|before|hope|hoping|wish|"
    r"want|wanted|need|needs|expect|why|how|still|should|will|would|could|can|get|have)\b|" + _NOT,
    re.IGNORECASE,
)
# Someone else's word for it, retold: "you said it was fixed", "the email says ...".
_CLAIMED = re.compile(
    r"\b(?:said|say|says|told|tells|supposedly|supposed to|claimed|claims|claim|apparently|"
    r"allegedly|according to|thought)\b",
    re.IGNORECASE,
)
# In the rest of its clause, a turn or a trouble that goes on: "fixed but it still ...".
_TURNED_BACK = re.compile(
    r"\b(?:but|though|although|however|yet|still|again|anymore|any more|no longer|not|never)\b|"
    + _NOT,
    re.IGNORECASE,
)
# In the rest of the message: the trouble is there now. A present form ("it's broken",
# "it crashes", "keeps failing", "doesn't load"), a trouble that came again or goes on
# ("crashed again", "the same problem", "still doesn't", "broken now"), or one that just
# happened ("then it crashed"); a bare past form ("it was broken", "it crashed because
# ...", "I've been stuck on this for days") retells, and "the crashes" names no failure.
_FAILS_NOW = re.compile(
    r"(?:\b(?:is|are|am|keeps?|now)|'s|'re|\bits)\s+(?:still\s+|now\s+|again\s+)?"
    r"(?:broken|crash(?:ing|ed)|fail(?:ing|ed)|down\b(?! to)|not working|stuck|wrong)\b"
    r"|\b(?:broken|crashing|failing|not working|down|stuck)\s+(?:now|still|today)\b"
    r"|(?<!\bthe )(?<!\bno )(?<!\bany )(?<!\bthose )(?<!\bthese )(?<!\bmy )"
    r"\b(?:crashes|fails)\b(?! (?:are|were|was|is|have|had)\b)"
    r"|\b(?:broke|broken|crash(?:es|ed|ing)?|fail(?:s|ed|ing)?|stopped working|not working|"
    r"happening|happened|wrong|down)\s+(?:\w+\s+){0,2}?again\b"
    r"|\b(?:just|then|now)(?: it| they)? (?:crashed|failed|broke|stopped working)\b"
    r"|\bsame (?:problem|issue|error)\b"
    r"|\b(?:it|they|problems?|issues?|errors?)(?:'s| is| are| came| has come) back\b"
    r"(?! to| online| up| on\b| in\b)"
    r"|\bstill (?:not|broken|the same|crash\w*|fail\w*|does\w*|is\w*|won'?t|can'?t|"
    r"(?:have|has|get\w*|see\w*) (?:the |that |this |an? )?(?:problem|issue|error))"
    r"|\b(?:doesn'?t|does not|don'?t|do not|isn'?t|(?<!was )(?<!were )not|won'?t|will not|"
    r"can'?t|cannot) (?:work|load|open|start|connect|run)\w*",
    re.IGNORECASE,
)
# Before a failure in its clause: a wish, a condition, a denial or a past that makes it
# no trouble now ("hope it doesn't crash again", "if it fails", "it had been broken",
# "nothing is broken").
_NOT_NOW = re.compile(
    r"\b(?:hope\w*|if|unless|in case|wish|afraid|worried|never|not|no|nothing|none|nobody|"
    r"no longer|would|should|could|might|may|before|so that|had|was|were)\b|" + _NOT,
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;,:\n]")
# What the customer did on someone's word ("I did everything you said", "I followed what
# the agent told me"): their own doing, so no claim retold.
_DONE_AS_TOLD = re.compile(
    r"\b(?:did|done|do|followed|tried)\s+(?:exactly\s+|all\s+)?(?:everything|what|all|the steps)"
    r"(?:\s+that)?\s+(?:you|he|she|they|the \w+)\s+(?:said|told me|suggested|asked)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
# How far back a clause is read, and how far past a report the rest of the message is
# read for a trouble there now: bounded, so a long message costs linear time however
# many matches it holds.
CLAUSE_CHARS = 200
AFTER_CHARS = 300


def reports_resolved(text: str) -> bool:
    """The message states that the customer's problem is solved."""
    for pattern in _SOLVED:
        for found in pattern.finditer(text):
            if _is_a_report(text, found.start(), found.end()):
                return True
    return False


def _is_a_report(text: str, start: int, end: int) -> bool:
    """The match at text[start:end] is the customer's statement, not a wish, a question,
    a denial, a claim retold, or a success the rest of the message takes back."""
    before = _CLAUSE_END.split(text[max(0, start - CLAUSE_CHARS) : start])[-1]
    # "I did everything you said and it works now" tells what the customer did, then that
    # it works; "the agent said and it works now" retells a claim.
    if _NOT_A_REPORT.search(before) or _CLAIMED.search(_DONE_AS_TOLD.sub(" ", before)):
        return False
    following = text[end : end + AFTER_CHARS]
    sentence_end = _SENTENCE_END.search(following)
    if sentence_end and sentence_end.group() == "?":
        return False
    clause = _CLAUSE_END.split(following, maxsplit=1)[0]
    return not _TURNED_BACK.search(clause) and not _fails_now(following)


def _fails_now(following: str) -> bool:
    """The words after a report say the trouble is there now (see `_FAILS_NOW`)."""
    for found in _FAILS_NOW.finditer(following):
        lead = _CLAUSE_END.split(following[: found.start()])[-1]
        if not _NOT_NOW.search(lead):
            return True
    return False
