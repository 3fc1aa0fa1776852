"""The conversation state machine: one LangGraph graph, one thread per conversation."""
