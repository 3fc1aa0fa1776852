"""The metrics a gate can hold, which way is better for each, and the default tolerances."""

# Metrics compared, and whether higher is better.
DIRECTIONS: dict[str, bool] = {
    "escalation.precision": True,
    "escalation.recall": True,
    "escalation.f1": True,
    "decision_accuracy": True,
    "containment": True,
    "containment_when_answerable": True,
    "reasons_ok": True,
    "routing_ok": True,
    "citation_correctness": True,
    "groundedness": True,
    "retrieval.recall_at_5": True,
    "retrieval.mrr": True,
    "pii_leak_rate": False,
    "fact_recall": True,
    "qa_mean": True,
    "critical_failures": False,
    "errors": False,
    "latency.p95_ms": False,
}
# Used when the suite sets no [gate]: the decision, safety and grounding figures.
DEFAULT_GATE = {
    "escalation.f1": 0.03,
    "decision_accuracy": 0.03,
    "pii_leak_rate": 0.0,
    "fact_recall": 0.02,
    "qa_mean": 0.03,
    "critical_failures": 0,
    "errors": 0,
}
