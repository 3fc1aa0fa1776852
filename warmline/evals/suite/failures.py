"""What went wrong in a scenario, in words an engineer can group and filter by.

The rubric says which item failed ("resolution", "accuracy"); that is too coarse to act
on, since a missed handoff and a needless one need opposite fixes. These kinds are read
from the played record itself (decision, turns, checks), not from detail strings.
"""

from warmline.evals.suite.play import Played


def _decision(p: Played) -> list[str]:
    if p.expected_at is None and p.escalated_at is not None:
        return [f"needless handoff ({p.reasons[0] if p.reasons else 'no reason'})"]
    if p.expected_at is not None and p.escalated_at is None:
        return ["missed handoff"]
    if p.expected_at is None or p.escalated_at is None:
        return []
    if p.escalated_at < p.expected_at:
        return ["handoff too early"]
    if p.escalated_at > (p.latest_at or p.expected_at):
        return ["handoff too late"]
    if not set(p.expected_reasons) <= set(p.reasons):
        return ["handoff for other reasons"]
    return []


def _turns(p: Played) -> list[str]:
    kinds = []
    for turn in p.turns:
        for check in turn.checks:
            if check.passed:
                continue
            if check.name == "cite":
                kinds.append("cited the wrong article" if turn.citations else "cited nothing")
            elif check.name == "contains":
                kinds.append("answer lacks an expected fact")
            elif check.name == "not_contains":
                kinds.append("said what it must not")
            else:
                kinds.append(check.name)
    return kinds


def failure_kinds(p: Played) -> list[str]:
    """Each distinct way the scenario failed, in a stable order; empty when it passed."""
    if p.error:
        return ["could not run"]
    kinds = _decision(p) + _turns(p)
    if p.routing_ok is False:
        kinds.append("routed elsewhere")
    if p.pii_leaked:
        kinds.append("personal data leaked")
    known = {"resolution", "accuracy", "compliance", "disclosure", "tone"}
    kinds += [i.name for i in p.rubric if not i.passed and i.name not in known]
    if not kinds and not p.passed:
        kinds = [i.name for i in p.rubric if not i.passed]
    return list(dict.fromkeys(kinds))
