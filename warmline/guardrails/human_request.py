"""Detect an explicit request for a person, honouring negations.

"I don't need an agent, just tell me the price" must not escalate, while
"can I talk to a human" must, in whatever words; the request is the one signal a
customer controls directly, so it is treated as evidence, not as a score to tune.
Text is expected to be spelling-folded first (see `spelling.fold`).
"""

import re

from warmline.guardrails.evidence import Signal

_DET = r"(?:(?:a|an|the|your|some|one of your|a member of your|any|real|live|actual|human|proper|"
_DET += r"lumen|customer service|another|different) ){0,4}"
_PERSON = (
    r"(?:person|human|humans|agent|representative|operator|someone|somebody|people|staff|"
    r"employee|advisor|adviser|technicians?|manager|supervisor|support team|team member|"
    r"member of (?:your|the) team|customer service|tier 2(?: support)?|whoever is in charge|"
    r"complaints department|cancellations? team|billing team|real one|being)"
)
_REQUEST_PATTERNS = [
    rf"\b(?:talk|speak|chat)(?:ing)? (?:to|with) {_DET}{_PERSON}\b",
    rf"\b(?:transfer(?:red)?|connect|put|pass|escalate|send)(?: me| this| my \w+)? (?:over )?"
    rf"(?:to|through to|through|with) {_DET}{_PERSON}\b",
    rf"\b(?:get|give|want|need|prefer|find|have) (?:me )?(?:to )?{_DET}{_PERSON}\b",
    rf"\b(?:is there|are there|anyone there|any) {_DET}(?:person|human|humans|people|agent)s?\b",
    rf"\b(?:could|can|will) {_DET}(?:person|human|agent|manager|supervisor) (?:review|check|look|"
    r"call|help)\b",
    rf"\b{_DET}(?:manager|supervisor|person|human|agent) (?:calls?|to call|ring) me\b",
    rf"\b{_PERSON} (?:please|now|asap)\b",
    rf"^\W*(?:(?:{_DET}{_PERSON}|transfer me|escalate|escalate this)\W*){{1,4}}"
    r"(?:please|now)?\W*$",
    r"\bescalate (?:this|me|my|to)\b",
    r"\b(?:call ?back|callback)\b",
    r"\b(?:call|ring|phone) me\b",
    r"\b(?:contact|reach) me by phone\b",
    r"\bphone (?:appointment|call)\b",
    r"\b(?:get|let) me out of (?:this|the) (?:bot|chat ?bot|robot|automated)",
    r"\bnot you,? (?:a |an )?(?:human|person|real person|agent)\b",
    r"\b(?:real|actual)\W+(?:person|human)\b",
    r"\b(?:stop (?:the|this) bot|no (?:more )?bots?)\b",
    r"\bhablar con (?:un|una) (?:agente?|persona|humano)\b",
    r"\bany(?:one|body) there\b[^.!]{0,12}\b(?:person|human)\b",
    r"\bmit einem (?:menschen|mitarbeiter|berater)\b",
    r"\bparler (?:à|a) (?:un|une) (?:agent|conseiller|conseillère|humain|personne)\b",
]
_REQUEST = re.compile("|".join(f"(?:{p})" for p in _REQUEST_PATTERNS), re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|didn'?t|no need|not|never|without|no|nobody|do i|does it|"
    r"can the \w+|will the \w+)\b[^.!?,;]{0,16}$",
    re.IGNORECASE,
)
_NOT_A_REQUEST_AFTER = re.compile(
    r"^\s*(?:i (?:spoke|talked)|was|were|yesterday|last|at my|to activate|needs to)", re.I
)


# "are you a bot?", "is this a bot or a real person": a question about who is answering,
# which deserves a straight answer, not a handoff the customer did not ask for.
IDENTITY_QUESTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya)\W+)?(?:are you|is this|is that|am i (?:talking|chatting|"
    r"speaking) (?:to|with))\s+(?:a |an )?(?:bot|robot|chat ?bot|ai|machine|human|real person|"
    r"person)(?:\s+or\s+(?:a |an )?(?:real |actual )?(?:person|human|bot|robot|ai))?\W*$",
    re.IGNORECASE,
)


def detect_human_request(text: str) -> Signal:
    if IDENTITY_QUESTION.match(text):
        return Signal()
    for match in _REQUEST.finditer(text):
        before = text[max(0, match.start() - 28) : match.start()]
        if _NEGATION.search(before):
            continue
        if _NOT_A_REQUEST_AFTER.match(text[match.end() : match.end() + 24]):
            continue
        return Signal(score=1.0, evidence=[match.group(0).strip()])
    return Signal()
