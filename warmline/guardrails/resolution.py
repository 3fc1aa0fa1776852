"""The customer says their problem is solved: the trouble ended, whatever came before.

"I tried. It did work. But I am really speechless about this experience" and "it took
three calls, but your colleague solved my problem" end the trouble they complain of;
what the customer says of how it went is feedback for the team, not a reason to step
aside. Only a statement counts: "is it solved?", "if the problem is fixed", "I want my
problem solved" and "it was never solved" do not.
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
_CLAUSE_END = re.compile(r"[.!?;,:\n]")
# How far back a clause is read: bounded, so a long message costs linear time however
# many matches it holds.
CLAUSE_CHARS = 200


def reports_resolved(text: str) -> bool:
    """The message states that the customer's problem is solved."""
    for pattern in _SOLVED:
        for found in pattern.finditer(text):
            start = found.start()
            before = _CLAUSE_END.split(text[max(0, start - CLAUSE_CHARS) : start])[-1]
            after = text[found.end() : found.end() + 3].lstrip(" )")
            if not _NOT_A_REPORT.search(before) and not after.startswith("?"):
                return True
    return False
