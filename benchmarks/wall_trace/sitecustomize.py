"""Wall-time tracer for `turn_wall.py`, imported by every Python process started with
this folder first on PYTHONPATH (the serving process and its spawned compute workers).

When `WALL_TRACE_OUT` is set, each function named in `TRACED` is wrapped as its module
is imported, and every call appends `pid, thread, name, start_ns, end_ns` (CLOCK_MONOTONIC,
which every process on the machine shares) to `WALL_TRACE_OUT.<pid>`. Nothing else
changes; a name the code no longer has is skipped, so it runs on older checkouts too.
"""

import atexit
import functools
import importlib.abc
import importlib.util
import inspect
import os
import sys
import threading
import time
from typing import Any

OUT = os.environ.get("WALL_TRACE_OUT")
TRACED = {
    "warmline.conversation.customer_commands": [
        "ConversationService.customer_message",
        "ConversationService._inspect",
        "ConversationService._store",
        "ConversationService.run_turn",
        "ConversationService._run_graph",
        "ConversationService.publish",
    ],
    "warmline.workers.pool": ["_Worker.run", "_Worker._deliver"],
    "warmline.workers.process": ["_inspect", "_run", "_reply"],
    "warmline.guardrails.inspection": ["inspect_message"],
    "warmline.guardrails.redaction": ["Redactor.detect"],
    "warmline.batching": ["MicroBatcher._run"],
    "warmline.agent.graph": ["ConversationGraph.run"],
    "warmline.agent.nodes": [
        "guard_input",
        "read",
        "signals",
        "retrieve",
        "answer",
        "draft",
        "_answered",
        "decide",
        "assess",
        "reply",
        "_signals",
        "compute_signals",
    ],
    "warmline.storage.sqlite": ["SqliteDatabase._commit_group", "SqliteDatabase.fetch_all"],
    "warmline.retrieval.store": ["KnowledgeStore.search"],
    "warmline.storage.checkpoints": ["ThreadedSqliteSaver.aget_tuple", "ThreadedSqliteSaver.aput"],
    "multiprocessing.connection": ["Connection.send"],
}
_lines: list[str] = []
_writing = threading.Lock()


def flush() -> None:
    global _lines
    with _writing:
        lines, _lines = _lines, []
        if OUT and lines:
            with open(f"{OUT}.{os.getpid()}", "a") as out:
                out.writelines(lines)


def _wrapped(name: str, function: Any) -> Any:
    def record(started: int) -> None:
        thread = threading.current_thread().name
        _lines.append(f"{os.getpid()}\t{thread}\t{name}\t{started}\t{time.monotonic_ns()}\n")

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic_ns()
            try:
                return await function(*args, **kwargs)
            finally:
                record(started)

        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic_ns()
        try:
            return function(*args, **kwargs)
        finally:
            record(started)

    return timed


def _trace(module: Any) -> None:
    for path in TRACED.get(module.__name__, []):
        *owners, attribute = path.split(".")
        owner = module
        for part in owners:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, attribute):
            continue
        raw = inspect.getattr_static(owner, attribute)
        name = f"{module.__name__}:{path}"
        if isinstance(raw, staticmethod):
            setattr(owner, attribute, staticmethod(_wrapped(name, raw.__func__)))
        elif isinstance(raw, classmethod):
            setattr(owner, attribute, classmethod(_wrapped(name, raw.__func__)))
        else:
            setattr(owner, attribute, _wrapped(name, getattr(owner, attribute)))


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in TRACED:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        execute = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            _trace(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _flush_every_second() -> None:
    while True:
        time.sleep(1)
        flush()


if OUT:
    sys.meta_path.insert(0, _Finder())
    for loaded in [m for m in TRACED if m in sys.modules]:
        _trace(sys.modules[loaded])
    atexit.register(flush)
    threading.Thread(target=_flush_every_second, name="wall-trace", daemon=True).start()
