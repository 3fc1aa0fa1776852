"""How many worker processes inspect messages and run bot turns, how many of each they run
at once, how long a line they keep, and how long work may wait to start. Models only, so
`warmline.config` can compose them."""

import os

from pydantic import BaseModel, Field


class WorkerSettings(BaseModel):
    workers: int | None = Field(
        None,
        ge=0,
        description="Processes that run bot turns, one torch thread each, each holding its own "
        "models (a few hundred MiB); unset = one per core; 0 = in the serving process itself "
        "(one interpreter, as a test may want).",
    )
    worker_slots: int = Field(
        8,
        ge=1,
        description="Bot turns one worker runs at once; their query embeddings are computed "
        "together (and so cost less CPU each), and a turn waiting on the database or an LLM "
        "does not hold its worker's core.",
    )
    worker_inspections: int = Field(
        8,
        ge=1,
        description="Customer messages one worker inspects (redacts, reads for a request for a "
        "person) at once, besides its bot turns; their spaCy analyses run together.",
    )
    turn_queue: int = Field(
        256,
        ge=0,
        description="Bot turns that may wait for a free worker, and as many messages waiting "
        "for their inspection; past that the customer is answered busy at once.",
    )
    worker_nice: int = Field(
        0,
        ge=0,
        le=19,
        description="How much lower the compute workers' CPU scheduling priority is than the "
        "serving process's (added to their nice value): on saturated cores the process that "
        "holds the sockets then runs first (acknowledgements, a press of 'Talk to a person'). "
        "Only for a host (or container) that runs nothing else busy: the workers also lose "
        "to every other program in the same scheduling group, which on a shared machine "
        "cut the turns served by two thirds and more (benchmarks/README.md); 0 = the same.",
    )
    turn_start_s: float = Field(
        5.0,
        ge=0,
        description="How long after the customer's message its inspection and its bot turn may "
        "still start on a worker; past that the customer is told the service is busy (with the "
        "button to a person) rather than left waiting.",
    )

    turn_answer_s: float = Field(
        10.0,
        gt=0,
        description="How long after the customer's message its answer may come: a message or a "
        "turn that, from the recent time a job holds a worker's slot and the jobs ahead of it, "
        "would start after `turn_start_s` or end after this is refused at once (the `busy` "
        "error, or the 'busy' answer) instead of waiting to be refused or answered late.",
    )

    @property
    def worker_processes(self) -> int:
        return (os.cpu_count() or 1) if self.workers is None else self.workers
