"""The customer says their problem is solved: the trouble ended, whatever came before.

"I tried. It did work. But I am really speechless about this experience" and "it took
three calls, but your colleague solved my problem" end the trouble they complain of;
what the customer says of how it went is feedback for the team, not a reason to step
aside. Only the customer's own statement that the trouble is over counts: "is it
solved?", "It's fixed now?", "if the problem is fixed", "I want my problem solved" and
"it was never solved" do not; nor someone else's claim retold ("you said it was fixed",
"the email says the problem has been fixed"), nor a report the clause turns back ("it
was fixed but it still doesn't work"), nor a past success the sentence says is over
("it did work yesterday, now it's broken again"). Counting those would take the angry
repeat customer for a satisfied one.
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
        r"\b(?:it|that|this) (?:did work|works now|is working now|works again|worked now|"
        r"works fine now)\b",
    ]
)
# Words that make the match a wish, a condition, a question or a denial.
_NOT_A_REPORT = re.compile(
    r"\b(?:not|no|never|nothing|nobody|if|when|until|unless|whether|before|hope|hoping|wish|"
    r"want|wanted|need|needs|expect|why|how|still|should|will|would|could|can|get|have)\b|n'?t\b",
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
    r"\b(?:but|though|although|however|yet|still|again|anymore|any more|no longer|not|never|"
    r"broken|crash\w*|fail\w*)\b|n'?t\b",
    re.IGNORECASE,
)
# In the rest of its sentence, past its clause: the trouble is there now ("it did work
# yesterday, now it's broken again", "it was fixed, but it still crashes").
_FAILS_NOW = re.compile(
    r"\b(?:broken|crash(?:es|ed|ing)?|fail(?:s|ed|ing)?|stopped working|same (?:problem|issue|"
    r"error)|(?:is|it's|came|are|they're) back|(?:happening|happened|wrong|down) again|"
    r"still (?:not|broken|the same|crash\w*|fail\w*|does\w*|is\w*|won'?t|can'?t|have|has|get\w*)|"
    r"(?:doesn'?t|does not|don'?t|do not|isn'?t|is not|won'?t|will not|can'?t|cannot|not) "
    r"(?:work|load|open|start|connect|run)\w*)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;,:\n]")
_SENTENCE_END = re.compile(r"[.!?;\n]")
# How far back a clause is read: bounded, so a long message costs linear time however
# many matches it holds.
CLAUSE_CHARS = 200


def reports_resolved(text: str) -> bool:
    """The message states that the customer's problem is solved."""
    for pattern in _SOLVED:
        for found in pattern.finditer(text):
            if _is_a_report(text, found.start(), found.end()):
                return True
    return False


def _is_a_report(text: str, start: int, end: int) -> bool:
    """The match at text[start:end] is the customer's statement, not a wish, a question,
    a denial, a claim retold, or a success the rest of its sentence takes back."""
    before = _CLAUSE_END.split(text[max(0, start - CLAUSE_CHARS) : start])[-1]
    if _NOT_A_REPORT.search(before) or _CLAIMED.search(before):
        return False
    following = text[end : end + CLAUSE_CHARS]
    sentence_end = _SENTENCE_END.search(following)
    if sentence_end and sentence_end.group() == "?":
        return False
    sentence = following[: sentence_end.start()] if sentence_end else following
    clause = _CLAUSE_END.split(sentence, maxsplit=1)[0]
    return not _TURNED_BACK.search(clause) and not _FAILS_NOW.search(sentence)
