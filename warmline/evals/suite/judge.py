"""An optional LLM judge of tone and helpfulness, reported beside the deterministic checks.

Word rules catch rudeness that has words; a model reads mood and helpfulness that
have none. Neither is trusted blindly: the report gives how often the judge agrees
with the tone rules (raw agreement and Cohen's kappa) and lists the turns where they
disagree, which is where a rule or the judge prompt needs work. Only redacted texts
are sent, as everywhere else.
"""

import asyncio
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sklearn.metrics import cohen_kappa_score

from warmline.agent.llm import LlmAnswerer, LlmFailure
from warmline.agent.prompts import load
from warmline.evals.suite.play import Played

Score = Literal[1, 2, 3, 4, 5]
CONCURRENCY = 4


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tone: Score
    helpfulness: Score
    respectful: bool
    reason: str


class Judgement(BaseModel):
    scenario: str
    turn: int
    verdict: Verdict
    rules_say_respectful: bool


class JudgeReport(BaseModel):
    model: str
    judged: int
    failed: int
    tone_mean: float | None
    helpfulness_mean: float | None
    agreement: float | None
    kappa: float | None
    disagreements: list[Judgement]


def kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa: agreement beyond what the two raters' base rates give by chance.

    When both raters gave one and the same verdict every time, chance agreement is total
    and scikit-learn leaves kappa undefined; the raters agree, so it counts as 1."""
    if not pairs:
        return None
    first, second = zip(*pairs, strict=True)
    if len(set(first) | set(second)) == 1:
        return 1.0
    return round(float(cohen_kappa_score(first, second)), 4)


async def judge(played: list[Played], llm: LlmAnswerer, model: str, company: str) -> JudgeReport:
    gate = asyncio.Semaphore(CONCURRENCY)
    prompt = load("judge").format(company=company)

    async def one(p: Played, turn: int, said: str, reply: str) -> Verdict | None:
        async with gate:
            try:
                return await llm.structured(
                    [
                        {"role": "system", "content": prompt},
                        {
                            "role": "user",
                            "content": f"<customer_message>\n{said}\n</customer_message>\n"
                            f"<assistant_reply>\n{reply}\n</assistant_reply>",
                        },
                    ],
                    Verdict,
                    model,
                )
            except LlmFailure:
                return None

    turns = [(p, t) for p in played for t in p.turns if t.kind == "reply"]
    verdicts = await asyncio.gather(*(one(p, t.number, t.said, t.reply) for p, t in turns))
    judged = [
        Judgement(
            scenario=p.id,
            turn=t.number,
            verdict=v,
            rules_say_respectful=not any(
                c.name in ("tone", "disclosure") and not c.passed for c in t.checks
            ),
        )
        for (p, t), v in zip(turns, verdicts, strict=True)
        if v is not None
    ]
    pairs = [(j.verdict.respectful, j.rules_say_respectful) for j in judged]
    return JudgeReport(
        model=model,
        judged=len(judged),
        failed=len(turns) - len(judged),
        tone_mean=round(sum(j.verdict.tone for j in judged) / len(judged), 3) if judged else None,
        helpfulness_mean=round(sum(j.verdict.helpfulness for j in judged) / len(judged), 3)
        if judged
        else None,
        agreement=round(sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else None,
        kappa=kappa(pairs),
        disagreements=[j for j in judged if j.verdict.respectful != j.rules_say_respectful],
    )
