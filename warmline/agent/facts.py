"""What the escalation policy is told of one customer message, from its signals and words
and the counts kept before it: one function for the live turn (`nodes.turn_facts` reads
its arguments from the graph's state) and for `warmline analyze` and the public-set
scorers, so a log judged offline is judged as the same message would be live. Apart from
the graph's nodes so that those readers need not load the graph."""

from warmline.agent.decision import TurnFacts
from warmline.agent.responder import opens_with_thanks, says_thanks
from warmline.guardrails.signals import Signals


def facts_of_turn(
    signals: Signals,
    text: str,
    *,
    earlier_sentiments: list[float],
    confidence: float | None,
    low_confidence: float,
    strikes: int,
    unanswered: int,
    bot_turns: int,
    force_human: bool = False,
    language: str = "en",
    segment: str = "standard",
) -> TurnFacts:
    """The policy's facts from a turn's signals and words and the counts kept before it
    (`strikes`, `unanswered`): one function for the live turn and `warmline analyze`, so
    a log scored offline is judged as the same message would be live."""
    thanked = says_thanks(text)
    if confidence is not None and confidence < low_confidence and opens_with_thanks(text):
        # Thanks that go on to something the hits do not answer are acknowledged, not
        # refused (`nodes._smalltalk_or_confidence`): no miss, as no answer was tried.
        confidence = None
    if confidence is not None:
        below = confidence < low_confidence
        strikes = strikes + 1 if below else 0
        unanswered += int(below)
    if thanked:
        # Thanks close what came before: earlier misses no longer count against the bot.
        strikes = unanswered = 0
    return TurnFacts(
        signals=signals,
        force_human=force_human,
        earlier_sentiments=earlier_sentiments,
        confidence=confidence,
        low_confidence_strikes=strikes,
        bot_turns=bot_turns,
        unanswered_turns=unanswered,
        thanked=thanked,
        language=language,
        segment=segment,
    )
