"""`warmline eval run SUITE`: every scenario through one running product, in parallel.

Seeded (the order scenarios start in, and so how they interleave, is the seed's),
resumable (each finished scenario is appended to `played.jsonl` in the output folder
under a key of the suite, policy and model; `--resume` skips what that key already
holds), with a progress bar on a terminal. The product runs in a data folder of its
own with the suite's knowledge base and policy, so a run never touches real data.
"""

import asyncio
import hashlib
import json
import logging
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationError
from tqdm import tqdm

from warmline.agent.llm import LlmAnswerer
from warmline.config import REPO_ROOT, Settings
from warmline.evals.suite.judge import JudgeReport, judge
from warmline.evals.suite.play import Played, Player
from warmline.evals.suite.scenario import Scenario
from warmline.evals.suite.score import Metrics, score
from warmline.evals.suite.suite import Suite, SuiteError
from warmline.handoff.policy_file import Thresholds, load_policy
from warmline.server.logs import JsonFormatter
from warmline.server.runtime import running

PLAYED_FILE = "played.jsonl"
log = logging.getLogger("warmline.evals")


class RunOptions(BaseModel):
    workers: int = Field(4, ge=1)
    seed: int = 0
    resume: bool = False
    tags: list[str] = []
    limit: int | None = None
    progress: bool = True
    judge: bool = False


class RunReport(BaseModel):
    suite: str
    suite_digest: str
    description: str
    started: datetime
    seconds: float
    seed: int
    workers: int
    responder: str
    thresholds: Thresholds
    metrics: Metrics
    judge: JudgeReport | None = None
    played: list[Played]


def suite_settings(suite: Suite, settings: Settings, data_dir: Path) -> Settings:
    """The settings a suite runs under: its fixtures, a fresh data folder, a signing key.

    Everything a run writes stays in that folder: a configured Qdrant server, database
    or Redis is never used, since syncing the suite's knowledge base into a real
    collection would delete the articles the suite does not have."""
    update: dict[str, object] = {
        "data_dir": data_dir,
        "identity_secret": SecretStr(secrets.token_hex(16)),
        "qdrant_url": None,
        "database_url": None,
        "redis_url": None,
        # Bot turns in this process: the suite judges what the agent says, not throughput,
        # and reads each conversation's checkpoint here.
        "workers": 0,
        "retrieval": settings.retrieval.model_copy(update={"sync_on_start": True}),
    }
    if suite.kb is not None:
        update["kb_path"] = suite.kb
    if suite.policy is not None:
        update["policy_file"] = suite.policy
        update["policy"] = load_policy(suite.policy)
    return settings.model_copy(update=update)


def portable(path: Path) -> str:
    """A suite's path as a report keeps it: relative to the repository when inside it, so a
    committed baseline names its suite on any checkout."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT) if resolved.is_relative_to(REPO_ROOT) else resolved)


def responder_name(settings: Settings) -> str:
    return f"llm:{settings.llm.answer_model}" if settings.llm.base_url else "embedded"


def run_key(suite: Suite, settings: Settings) -> str:
    """What a journal's results depend on: scenarios, policy, model, knowledge base."""
    kb = knowledge_cache(settings, settings.kb_path).name
    text = suite.digest + settings.policy.model_dump_json() + responder_name(settings) + kb
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def select(suite: Suite, options: RunOptions, scenarios: list[Scenario] | None) -> list[Scenario]:
    chosen = scenarios if scenarios is not None else suite.scenarios
    if options.tags:
        chosen = [s for s in chosen if set(options.tags) & set(s.tags)]
    chosen = chosen[: options.limit]
    if not chosen:
        raise SuiteError(f"no scenario in {suite.path} matches tags {options.tags}")
    return chosen


class LogCapture(logging.Handler):
    """The product's log lines as they would be written, so a run can search them for PII."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    logger = logging.getLogger()
    handler, level = LogCapture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def knowledge_cache(settings: Settings, kb_path: Path) -> Path:
    """Where an index of this knowledge base's exact content is kept between runs."""
    digest = hashlib.sha256()
    for path in sorted(p for p in kb_path.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(kb_path)).encode() + path.read_bytes())
    digest.update(settings.retrieval.collection.encode())
    return settings.data_dir / "eval-cache" / f"kb-{digest.hexdigest()[:16]}"


@contextmanager
def cached_knowledge(settings: Settings, run_settings: Settings) -> Iterator[None]:
    """Start from an index of the same knowledge base built by an earlier run, if any.

    Embedding the knowledge base is most of a run's start-up; the copy is keyed by the
    folder's content, so an edited article is embedded again (sync is incremental).
    """
    cache = knowledge_cache(settings, run_settings.kb_path)
    if cache.exists():
        shutil.copytree(cache, run_settings.qdrant_path)
    yield
    if not cache.exists():
        partial = cache.with_name(cache.name + f".{secrets.token_hex(4)}")
        shutil.copytree(run_settings.qdrant_path, partial)
        try:
            partial.rename(cache)
        except OSError:  # another run cached the same index first
            shutil.rmtree(partial, ignore_errors=True)


def _resumed(path: Path, key: str) -> dict[str, Played]:
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or json.loads(lines[0]).get("run_key") != key:
        log.warning("%s is from another suite, policy, model or knowledge base: not resumed", path)
        return {}
    done: dict[str, Played] = {}
    for line in lines[1:]:
        try:
            played = Played.model_validate_json(line)
        except ValidationError:
            continue  # the line being written when the run was stopped
        done[played.id] = played
    return done


async def play_all(
    suite: Suite,
    settings: Settings,
    options: RunOptions,
    out: Path | None,
    scenarios: list[Scenario] | None = None,
) -> tuple[list[Played], Settings]:
    """Played scenarios in suite order, and the settings they ran under."""
    chosen = select(suite, options, scenarios)
    with tempfile.TemporaryDirectory() as folder:
        run_settings = suite_settings(suite, settings, Path(folder))
        key = run_key(suite, run_settings)
        journal = out / PLAYED_FILE if out is not None else None
        done = _resumed(journal, key) if journal is not None and options.resume else {}
        if journal is not None:
            journal.parent.mkdir(parents=True, exist_ok=True)
            if not done:
                journal.write_text(json.dumps({"run_key": key}) + "\n", encoding="utf-8")
        todo = [s for s in chosen if s.id not in done]
        random.Random(options.seed).shuffle(todo)
        results = dict(done)
        secret = run_settings.identity_secret
        assert secret is not None
        with captured_logs() as logs, cached_knowledge(settings, run_settings):
            async with running(run_settings) as runtime:
                player = Player(runtime.service, secret.get_secret_value(), runtime.knowledge)
                gate = asyncio.Semaphore(options.workers)
                bar = tqdm(
                    total=len(chosen),
                    initial=len(chosen) - len(todo),
                    unit="scenario",
                    disable=not (options.progress and sys.stderr.isatty()),
                )

                async def one(scenario: Scenario) -> None:
                    async with gate:
                        try:
                            played = await player.play(scenario, logs)
                        except Exception as exc:  # one broken scenario must not end the run
                            played = player.failed(scenario, exc)
                    results[played.id] = played
                    if journal is not None:
                        with journal.open("a", encoding="utf-8") as f:
                            f.write(played.model_dump_json() + "\n")
                    bar.update()

                try:
                    await asyncio.gather(*(one(s) for s in todo))
                finally:
                    bar.close()
    return [results[s.id] for s in chosen], run_settings


async def run_suite(
    suite: Suite, settings: Settings, options: RunOptions, out: Path | None
) -> RunReport:
    if options.judge and not settings.llm.base_url:
        raise SuiteError("the judge needs an LLM endpoint: set [llm] base_url")
    started, clock = datetime.now(UTC), time.perf_counter()
    played, run_settings = await play_all(suite, settings, options, out)
    thresholds = run_settings.policy.thresholds
    verdicts = None
    if options.judge:
        llm = LlmAnswerer(settings.llm, settings.company_name)
        try:
            model = settings.llm.classify_model or settings.llm.answer_model
            verdicts = await judge(played, llm, model, settings.company_name)
        finally:
            await llm.close()
    return RunReport(
        suite=portable(suite.path),
        suite_digest=suite.digest,
        description=suite.description,
        started=started,
        seconds=round(time.perf_counter() - clock, 1),
        seed=options.seed,
        workers=options.workers,
        responder=responder_name(run_settings),
        thresholds=thresholds,
        metrics=score(played, run_settings.policy),
        judge=verdicts,
        played=played,
    )


def write_json(report: RunReport, path: Path) -> None:
    """The report without the per-turn policy input (in `played.jsonl` for whoever needs it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = report.model_dump(
        mode="json", exclude={"played": {"__all__": {"turns": {"__all__": {"facts"}}}}}
    )
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
