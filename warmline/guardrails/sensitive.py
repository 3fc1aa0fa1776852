"""Topics that always go to a person, whatever the bot could answer.

A false alarm costs an agent a minute; a missed fraud report, legal threat or
person in danger costs far more, so each topic errs towards firing, and harmless
uses of the same words ("the fraud alert setting", "legal name") are excluded by
name rather than by lowering sensitivity.
"""

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from warmline.guardrails.company import COMPANY, DEFAULT_COMPANY, with_company
from warmline.guardrails.evidence import Signal, compile_all, matches

Topic = Literal[
    "fraud", "identity_theft", "legal_threat", "self_harm", "medical_emergency", "staff_complaint"
]

_STAFF = (
    r"(?:agent|staff|employee|courier|driver|technician|engineer|rep|representative|installer|"
    r"support person|person on the phone|team member|from your (?:chat |support |phone )?team|"
    r"from support|(?:support |delivery )?(?:guy|man|woman|lady)|installers?|drivers?|couriers?)"
)
_MISCONDUCT = (
    r"(?:rude|snarky|unprofessional|disrespectful|condescending|aggressive|racist|sexist|abusive|"
    r"insulting|hostile|creepy|called me (?:stupid|an idiot|names)|swore|yelled|shouted|"
    r"smelled of alcohol|drunk|talking over me|talked over me|hung up on me|laughed at me|"
    r"threatened me|harass\w*|inappropriate)"
)

# Written with `COMPANY` for the company's name: compiled per name by `topics`.
_TOPICS: dict[Topic, list[str]] = {
    "self_harm": [
        r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting) (?:my ?self|myself)\b",
        r"\bend(?:ing)? (?:it all|my life|things|it tonight|it today)\b",
        r"\bsuicid\w*\b",
        r"\b(?:don'?t|do not) want to (?:live|be alive|be here|go on)\b",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|going on)\b",
        r"\bbetter off (?:dead|without me|if i (?:wasn'?t|weren'?t) (?:alive|here|around))\b",
        r"\bwant to die\b",
        r"\bcan'?t go on\b",
        r"\b(?:might|going to|will) do (?:something )?to myself\b",
        r"\bdon'?t see the point (?:of|in) (?:anything|living|life)\b",
    ],
    "medical_emergency": [
        r"\b(?:collapsed|unconscious|passed out|not breathing|can'?t breathe|"
        r"cannot breathe|heart attack|having a stroke|seizure|overdose|choking|"
        r"asthma attack|chest pains?|can'?t get up|bleeding)\b",
        r"\b(?:ambulance|paramedics?|911|999|112)\b",
        r"\bmedical emergency\b",
        r"\b(?:fell|fallen) (?:down|over)?\b[^.!?]{0,40}\b(?:floor|hurt|head|help)\b",
    ],
    "identity_theft": [
        r"\bidentity (?:theft|fraud|stolen|(?:was|has been) (?:stolen|used))\b",
        r"\b(?:stole|using|used|stealing) my (?:identity|social security number|ssn)\b",
        r"\b(?:opened|created|made|set up|registered)\b[^.!?]{0,30}\b(?:in|under|using|with) "
        r"my (?:name|details|identity|social security number)\b",
        r"\baccounts? (?:in|under) my name\b",
        r"\bimpersonat\w+\b",
        r"\bsomeone (?:is )?(?:pretending to be|posing as) me\b",
    ],
    "legal_threat": [
        r"\b(?:my|our) (?:lawyer|attorney|solicitor)s?\b(?! friend)",
        r"\b(?:sue|suing) (?:you|"
        + COMPANY
        + r"|your company|them)(?!\w)|\bgoing to sue\b|\bi'?ll sue\b",
        r"\b(?:lawsuit|legal action|small claims|class action|legal proceedings|"
        r"see you in court|take (?:you|this|" + COMPANY + r"|it) to court)\b",
        r"\b(?:report(?:ing)?|complain(?:ing)?|going|escalating) (?:\w+ ){0,3}to (?:the )?"
        r"(?:ftc|bbb|trading standards|attorney general|ombudsman|better business bureau|cma|"
        r"regulator)\b",
        r"\b(?:trading standards|the ftc|the ombudsman|the bbb) will\b",
        r"\bcontact(?:ing)? (?:a|my) (?:lawyer|attorney|solicitor)\b",
        r"\b(?:data|privacy) (?:regulator|commissioner)\b",
    ],
    "fraud": [
        r"\b(?:unauthori[sz]ed|fraudulent|unrecogni[sz]ed|suspicious|bogus|false|fake) "
        r"(?:charges?|payments?|transactions?|purchases?|orders?|debits?|activity|use)\b",
        r"\b(?:don'?t|do not|can'?t|cannot) (?:remember|recall) (?:buying|ordering|making|"
        r"purchasing|paying for|authori[sz]ing)\b",
        r"\btransaction is (?:bogus|fake|fraudulent|not mine)\b",
        r"\b(?:i|we|nobody|no one)\b[^.!?]{0,30}"
        r"\b(?:didn'?t|did not|never|not|ever)\b[^.!?]{0,12}"
        r"\b(?:make|made|authori[sz]e[sd]?|place[d]?|buy|bought|order(?:ed)?|approve[d]?|purchased?|"
        r"sign(?:ed)? up)\b",
        r"\b(?:don'?t|do not) recogni[sz]e (?:this|these|the|a|that)? ?"
        r"(?:charges?|payments?|transactions?|purchases?|orders?)\b",
        r"\b(?:someone|somebody)\b[^.!?]{0,20}\b(?:used|using|charged|stole|hacked|got into|"
        r"accessed|logging into|logged into|been logging in)\b[^.!?]{0,10}\b(?:my|to my)\b",
        r"\blogging in from (?:another|a different) (?:country|city|place)\b",
        r"\b(?:phishing|scam(?:mer|med)?|fraud(?:ster)?s?|dodgy|disputing)\b(?! alert)",
        r"\bchargebacks?\b",
        r"\basking (?:me )?for my (?:password|card number|pin|login|security code|cvv)\b",
        r"\b(?:rang|called|texted|emailed|messaged)\b[^.!?]{0,20}\bsaying (?:he|she|they) "
        r"(?:was|were) from\b",
        r"\b(?:hacked|compromised) (?:my )?account\b|\baccount (?:was |got |has been )?"
        r"(?:hacked|compromised)\b",
    ],
    "staff_complaint": [
        rf"\b{_STAFF}\b[^!?]{{0,90}}\b{_MISCONDUCT}",
        rf"\b{_MISCONDUCT}\b[^.!?]{{0,60}}\b{_STAFF}\b",
        r"\b(?:yelled|shouted|swore) at (?:me|my)\b",
        rf"\bcomplaint (?:about|regarding|against) (?:\w+ ){{0,3}}{_STAFF}",
        r"\bcomplaint (?:about|regarding|against) (?-i:[A-Z][a-z]+) from\b",
        r"\bhow I was treated\b",
    ],
}
_HARMLESS = compile_all(
    [
        r"\bfraud alert (?:setting|feature|option)s?\b",
        r"\bidentity theft protection\b",
        r"\blegal name\b",
        r"\b(?:our|my) legal team needs\b",
        r"\b(?:killing it|dying to|killer (?:feature|app|deal))\b",
        r"\blawyer friend\b",
        r"\bsuspicious login blocked\b[^.!?]*\bjust me\b",
        r"\bsuing my (?:old |former |ex )?\w+\b",
    ]
)


class SensitiveTopic(BaseModel):
    topic: Topic | None = None
    signal: Signal = Signal()


@lru_cache(maxsize=8)
def topics(company: str) -> dict[Topic, list[re.Pattern[str]]]:
    """Each topic's patterns, most urgent first, compiled for the company's name once per
    name."""
    return {
        topic: compile_all(with_company(p, company) for p in written)
        for topic, written in _TOPICS.items()
    }


def detect_sensitive_topic(text: str, company: str = DEFAULT_COMPANY) -> SensitiveTopic:
    """The first topic in `topics` order (most urgent first) with any evidence; `company`:
    the name of the company the bot speaks for."""
    cleaned = text
    for phrase in matches(_HARMLESS, text):
        cleaned = cleaned.replace(phrase, " ")
    for topic, patterns in topics(company).items():
        evidence = matches(patterns, cleaned)
        if evidence:
            return SensitiveTopic(topic=topic, signal=Signal(score=1.0, evidence=evidence))
    return SensitiveTopic()
