"""Structured JSON logs that carry ids, never message text.

Callers pass identifiers through `extra`; the formatter copies only the keys listed
here, so a stray `extra={"text": ...}` cannot put customer words in a log line.
uvicorn's own lines (the access log, WebSocket handshakes) name the request path with
its query string, where a knowledge-base search carries the customer's words and a
client may put a token; `PathsWithoutQueries` cuts the query off before any handler
writes the line.
"""

import json
import logging
import sys
from logging import WARNING
from pathlib import Path

_FIELDS = ("conversation_id", "seq", "agent_id", "pii_found", "count")


class PathsWithoutQueries(logging.Filter):
    """Drops the query string from the paths uvicorn passes as log arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn") and isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(arg: object) -> object:
    if isinstance(arg, str) and arg.startswith("/") and "?" in arg:
        return arg.split("?", 1)[0]
    return arg


class OtherLanguagesSkipped(logging.Filter):
    """Drops Presidio's warning for each built-in recognizer of a language the analyzer
    was not asked for (Spanish, Italian, Polish identifiers): expected at every start,
    and nothing an operator can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Recognizer not added to registry because language")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry |= {key: getattr(record, key) for key in _FIELDS if hasattr(record, key)}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    formatter = JsonFormatter()
    root = logging.getLogger()
    root.handlers.clear()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(PathsWithoutQueries())
        root.addHandler(handler)
    root.setLevel(level)
    # Presidio logs every recognizer it loads (some sixty lines at each start) at INFO.
    presidio = logging.getLogger("presidio-analyzer")
    presidio.setLevel(max(root.level, WARNING))
    presidio.addFilter(OtherLanguagesSkipped())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
