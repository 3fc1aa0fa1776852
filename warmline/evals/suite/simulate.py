"""`warmline eval simulate PERSONAS`: a model plays customers, the product answers them.

Scripted scenarios only test what their authors thought of. With an LLM endpoint
configured, each persona (who they are, what they want) becomes a live conversation
with the real service; a second call reads the finished chat and says whether the
goal was met and whether a person should have taken over. The report scores the
bot's handoff decisions against those verdicts, and the conversations are written as
scenarios (from their stored, redacted texts) for a person to review and add to a
suite.
"""

import asyncio
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warmline.agent.llm import LlmAnswerer, LlmFailure
from warmline.agent.prompts import load
from warmline.config import Settings
from warmline.conversation.customer_commands import ConversationService, InputRejected
from warmline.conversation.protocol import ServerFrame
from warmline.evals.metrics import BinaryScores
from warmline.evals.suite.play import bot_answer
from warmline.evals.suite.run import suite_settings
from warmline.evals.suite.scenario import Scenario, Strict, Turn
from warmline.evals.suite.suite import Suite, SuiteError
from warmline.server.runtime import running

CONCURRENCY = 4


class Persona(Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    persona: str
    goal: str
    tags: list[str] = Field(default_factory=list)
    max_turns: int = Field(6, ge=1, le=20)


class CustomerMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str
    done: bool
    press_talk_to_person: bool


class ChatVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal_met: bool
    should_hand_over: bool
    reason: str


class SimulatedTurn(BaseModel):
    said: str = Field(description="As stored: redacted.")
    pressed_talk_to_person: bool
    reply: str


class Simulated(BaseModel):
    persona: str
    turns: list[SimulatedTurn]
    handed_over_at: int | None
    verdict: ChatVerdict | None
    error: str | None = None


class SimulationReport(BaseModel):
    conversations: int
    failed: int
    goal_met: float | None
    handoff: BinaryScores
    simulated: list[Simulated]


def load_personas(path: Path) -> list[Persona]:
    if not path.exists():
        raise SuiteError(f"{path} does not exist")
    personas = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                personas.append(Persona.model_validate_json(line))
            except ValidationError as exc:
                raise SuiteError(f"{path}:{number}: {exc}") from exc
    return personas


def _transcript(turns: list[SimulatedTurn]) -> str:
    return "\n".join(f"customer: {t.said}\nassistant: {t.reply}" for t in turns)


class Simulator:
    def __init__(
        self, service: ConversationService, llm: LlmAnswerer, model: str, company: str
    ) -> None:
        self.service, self.llm, self.model, self.company = service, llm, model, company

    async def converse(self, persona: Persona) -> Simulated:
        conversation = await self.service.start()
        turns: list[SimulatedTurn] = []
        handed_over_at = None
        system = load("simulated_customer").format(
            company=self.company, persona=persona.persona, goal=persona.goal
        )
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        try:
            with self.service.bus.subscribe(conversation.id, frames):
                for number in range(1, persona.max_turns + 1):
                    move = await self.llm.structured(
                        [
                            {"role": "system", "content": system},
                            {"role": "user", "content": _transcript(turns) or "(chat opens)"},
                        ],
                        CustomerMove,
                        self.model,
                    )
                    if move.done or not move.message.strip():
                        break
                    message, _ = await self.service.customer_message(
                        conversation.id,
                        move.message,
                        f"{persona.id}-{number}",
                        move.press_talk_to_person,
                    )
                    answer, _ = await bot_answer(frames, message.seq)
                    turns.append(
                        SimulatedTurn(
                            said=str(message.data["text"]),
                            pressed_talk_to_person=move.press_talk_to_person,
                            reply=str(answer.data.get("text", "")),
                        )
                    )
                    if (await self.service.get(conversation.id)).mode != "bot":
                        handed_over_at = number
                        break
            verdict = await self.llm.structured(
                [
                    {
                        "role": "system",
                        "content": load("simulation_verdict").format(
                            company=self.company, goal=persona.goal
                        ),
                    },
                    {"role": "user", "content": _transcript(turns)},
                ],
                ChatVerdict,
                self.model,
            )
        except (LlmFailure, TimeoutError, InputRejected) as exc:
            return Simulated(
                persona=persona.id,
                turns=turns,
                handed_over_at=handed_over_at,
                verdict=None,
                error=str(exc) or type(exc).__name__,
            )
        return Simulated(
            persona=persona.id, turns=turns, handed_over_at=handed_over_at, verdict=verdict
        )


def as_scenario(persona: Persona, simulated: Simulated) -> Scenario | None:
    """The conversation as a scenario to review: the model's verdict is only a proposal."""
    if simulated.verdict is None or not simulated.turns:
        return None
    should = simulated.verdict.should_hand_over
    return Scenario(
        id=f"sim-{persona.id}",
        tags=["simulated", *persona.tags],
        turns=[Turn(say=t.said, press_human=t.pressed_talk_to_person) for t in simulated.turns],
        escalate_at=(simulated.handed_over_at or len(simulated.turns)) if should else None,
        note=f"simulated: {persona.goal}; verdict: {simulated.verdict.reason} (review me)",
    )


async def simulate(
    personas: list[Persona], suite: Suite, settings: Settings
) -> tuple[SimulationReport, list[Scenario]]:
    if not settings.llm.base_url:
        raise SuiteError("simulated customers need an LLM endpoint: set [llm] base_url")
    model = settings.llm.classify_model or settings.llm.answer_model
    with tempfile.TemporaryDirectory() as folder:
        run_settings = suite_settings(suite, settings, Path(folder))
        llm = LlmAnswerer(settings.llm, settings.company_name)
        try:
            async with running(run_settings) as runtime:
                simulator = Simulator(runtime.service, llm, model, runtime.settings.company_name)
                gate = asyncio.Semaphore(CONCURRENCY)

                async def one(persona: Persona) -> Simulated:
                    async with gate:
                        return await simulator.converse(persona)

                results = list(await asyncio.gather(*(one(p) for p in personas)))
        finally:
            await llm.close()
    judged = [r for r in results if r.verdict is not None]
    report = SimulationReport(
        conversations=len(results),
        failed=len(results) - len(judged),
        goal_met=round(sum(r.verdict.goal_met for r in judged if r.verdict) / len(judged), 4)
        if judged
        else None,
        handoff=BinaryScores.of(
            (r.verdict.should_hand_over, r.handed_over_at is not None) for r in judged if r.verdict
        ),
        simulated=results,
    )
    scenarios = [s for p, r in zip(personas, results, strict=True) if (s := as_scenario(p, r))]
    return report, scenarios
