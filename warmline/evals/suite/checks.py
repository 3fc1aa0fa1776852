"""Deterministic checks on what the bot said, and the QA rubric built from them.

The rubric follows the one support teams score human agents on: disclosure,
accuracy, compliance, resolution or proper escalation, tone and closure, weighted,
with disclosure and compliance critical (failing either fails the conversation
whatever else went well).
"""

import re

from pydantic import BaseModel

from warmline.evals.suite.scenario import TurnExpectation

# A bot that claims to be a person has lied to the customer, whatever else it did.
HUMAN_CLAIMS = re.compile(
    r"\b(i am|i['’]m|im) (a |an )?(real )?(human|person|not a bot|not an ai)\b", re.IGNORECASE
)
# Phrases that blame or talk down to a customer.
RUDE = re.compile(
    r"\b(calm down|as i (already )?said|you should have|your (own )?fault|"
    r"not our problem|read the (manual|article))\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z0-9]+")


class Check(BaseModel):
    name: str
    passed: bool
    detail: str = ""


def expectation_checks(
    expect: TurnExpectation, reply: str, citations: list[str], answered: bool
) -> list[Check]:
    """The turn's own expectations; a turn the bot did not answer fails what it expected."""
    checks = []
    lowered = reply.lower()
    if expect.cite:
        cited = sorted(set(expect.cite) & set(citations))
        checks.append(
            Check(
                name="cite",
                passed=answered and bool(cited),
                detail=f"cited {citations or 'nothing'}; expected one of {expect.cite}",
            )
        )
    for phrase in expect.contains:
        checks.append(
            Check(name="contains", passed=phrase.lower() in lowered, detail=f"“{phrase}”")
        )
    for phrase in expect.not_contains:
        checks.append(
            Check(name="not_contains", passed=phrase.lower() not in lowered, detail=f"“{phrase}”")
        )
    return checks


def tone_checks(reply: str) -> list[Check]:
    checks = []
    if claim := HUMAN_CLAIMS.search(reply):
        checks.append(Check(name="disclosure", passed=False, detail=f"“{claim.group(0)}”"))
    if rude := RUDE.search(reply):
        checks.append(Check(name="tone", passed=False, detail=f"“{rude.group(0)}”"))
    letters = [c for c in reply if c.isalpha()]
    if len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        checks.append(Check(name="tone", passed=False, detail="shouting (mostly capitals)"))
    return checks


def grounded(reply: str, cited_text: str) -> bool:
    """Most of the answer's words come from the articles it cites.

    A quote passes by construction; a model's paraphrase passes when it stays with the
    article's vocabulary, and an answer built from elsewhere does not.
    """
    words = set(WORD.findall(reply.lower()))
    if not words:
        return False
    return len(words & set(WORD.findall(cited_text.lower()))) / len(words) >= 0.6


class RubricItem(BaseModel):
    name: str
    weight: int
    critical: bool
    passed: bool
    detail: str = ""


WEIGHTS: dict[str, tuple[int, bool]] = {
    "disclosure": (10, True),
    "accuracy": (25, False),
    "compliance": (20, True),
    "resolution": (25, False),
    "tone": (10, False),
    "closure": (10, False),
}


def rubric(
    checks: list[Check], resolution: tuple[bool, str], closure: tuple[bool, str], leaks: list[str]
) -> list[RubricItem]:
    failed: dict[str, list[str]] = {}
    for check in checks:
        if not check.passed:
            failed.setdefault(check.name, []).append(check.detail)
    verdicts = {
        "disclosure": (not failed.get("disclosure"), "; ".join(failed.get("disclosure", []))),
        "accuracy": (
            not (failed.get("cite") or failed.get("contains")),
            "; ".join(failed.get("cite", []) + failed.get("contains", [])),
        ),
        "compliance": (
            not (leaks or failed.get("not_contains")),
            "; ".join(leaks + failed.get("not_contains", [])),
        ),
        "resolution": resolution,
        "tone": (not failed.get("tone"), "; ".join(failed.get("tone", []))),
        "closure": closure,
    }
    return [
        RubricItem(
            name=name, weight=weight, critical=critical, passed=verdicts[name][0], detail=detail
        )
        for name, (weight, critical) in WEIGHTS.items()
        for detail in [verdicts[name][1]]
    ]


def qa_score(items: list[RubricItem]) -> float:
    """Weighted share of items passed; 0 when a critical item failed."""
    if any(item.critical and not item.passed for item in items):
        return 0.0
    total = sum(item.weight for item in items)
    return round(sum(item.weight for item in items if item.passed) / total, 4)
