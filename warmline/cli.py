"""The `warmline` command: serve, manage the knowledge base, chat in a terminal."""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from warmline.config import REPO_ROOT, Settings
from warmline.evals.suite.suite import SuiteError
from warmline.retrieval.stats import knowledge_stats
from warmline.server.startup import StartupRefused

if TYPE_CHECKING:
    from warmline.evals.suite.compare import Comparison
    from warmline.evals.suite.run import RunReport
    from warmline.evals.suite.suite import Suite

# Reports go under the directory the command runs in, never beside the installed package.
REPORTS = Path("evals") / "reports"


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    from warmline.server.logs import configure_logging
    from warmline.server.serving import build_server

    configure_logging(settings.log_level, settings.log_file)
    build_server(settings, open_store=True).run()
    return 0


def _kb(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.retrieval.store import SearchFilters
    from warmline.retrieval.sync import sync_folder
    from warmline.server.runtime import open_knowledge_store

    store = open_knowledge_store(settings)
    try:
        if args.kb_command == "sync":
            report = sync_folder(args.path or settings.kb_path, store, show_progress=True)
            print(report.summary())
            for label in ("added", "updated", "removed", "expired"):
                for article_id in getattr(report, label):
                    print(f"  {label}: {article_id}")
        elif args.kb_command == "stats":
            print(json.dumps(knowledge_stats(store), indent=2))
        elif args.kb_command == "search":
            filters = SearchFilters(include_internal=args.internal, language=args.language)
            hits = store.search(args.query, args.k, args.mode, filters)
            confidence = settings.retrieval.answerable.probability(args.query, hits)
            print(f"answerable confidence: {confidence:.3f}")
            for hit in hits:
                print(
                    f"{hit.score:.4f}  dense {hit.dense:.3f}  lexical {hit.lexical:.2f}  "
                    f"{hit.chunk.title} › {hit.chunk.section}\n        {hit.chunk.url}"
                )
        else:
            with args.out.open("w") if args.out else sys.stdout as out:
                for chunk in store.chunks():
                    out.write(chunk.model_dump_json() + "\n")
    finally:
        store.close()
    return 0


def _chat(settings: Settings, _: argparse.Namespace) -> int:
    from warmline.terminal import chat

    asyncio.run(chat(settings))
    return 0


def _eval_signals(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.output import write_report
    from warmline.evals.signals_eval import evaluate, render

    for path in args.data or sorted(Path(REPO_ROOT / "evals" / "signals").glob("*.jsonl")):
        report = evaluate(path, settings.policy.thresholds.negative_sentiment)
        print(render(report) + "\n")
        write_report(report, args.out / f"signals-{path.stem}.json")
    return 0


# Nothing said of the disk: PostgreSQL keeps dead row versions until it vacuums them. On
# SQLite, copies a reader keeps are reported instead (`WalNotEmptied`, exit 1).
NOT_FOUND = "not found"


async def _pii(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 1 when an erasure left copies on disk (a reader of a live server kept a
    write-ahead log): the operator runs it again, and the rest are erased meanwhile."""
    from warmline.server.privacy import privacy_office
    from warmline.storage.wal import WalNotEmptied

    kept = False
    async with privacy_office(settings) as office:
        if args.pii_command == "purge":
            print(f"Purged {await office.vault.purge_expired()} expired values from the vault.")
        elif args.pii_command == "rotate":
            print(f"Re-encrypted {await office.vault.rotate()} values under the newest key.")
        else:
            targets = list(args.conversation or [])
            for entity_type, value in (("EMAIL_ADDRESS", args.email), ("PHONE_NUMBER", args.phone)):
                if value:
                    targets += await office.conversations_mentioning(entity_type, value)
            for conversation_id in dict.fromkeys(targets):
                try:
                    erased = await office.erase(conversation_id, actor=f"cli:{args.actor}")
                except WalNotEmptied as exc:
                    kept = True
                    print(f"{conversation_id}: erased, but its copies on disk are not gone yet")
                    print(f"  {exc}")
                    continue
                # Not found: erased before, maybe with copies kept then, emptied by this run.
                print(f"{conversation_id}: {'erased' if erased else NOT_FOUND}")
            if not targets:
                print("No conversation matched.")
    return 1 if kept else 0


def _eval_pii(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.output import write_report
    from warmline.evals.pii_eval import evaluate, render

    for path in args.data or [REPO_ROOT / "evals" / "pii" / "messages.jsonl"]:
        report = evaluate(path, settings)
        print(render(report) + "\n")
        write_report(report, args.out / f"pii-{path.stem}.json")
    return 0


def _eval_retrieval(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.retrieval_eval import run_sets

    return run_sets(settings, args.sets, args.split, args.fit, args.out)


def _eval_run(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.html_report import write_html
    from warmline.evals.suite.run import RunOptions, run_suite, write_json
    from warmline.evals.suite.suite import load_suite
    from warmline.evals.suite.text import render

    suite = load_suite(args.suite)
    out = args.out or REPORTS / suite.path.stem
    options = RunOptions(
        workers=args.workers,
        seed=args.seed,
        resume=args.resume,
        tags=args.tags,
        limit=args.limit,
        judge=args.judge,
    )
    report = asyncio.run(run_suite(suite, settings, options, out))
    print(render(report))
    write_json(report, out / "report.json")
    write_html(report, out / "report.html", _against_baseline(suite, report))
    print(f"\nreports: {out / 'report.json'}, {out / 'report.html'}")
    return 1 if report.metrics.errors else 0


def _against_baseline(suite: "Suite", report: "RunReport") -> "Comparison | None":
    """The run beside the suite's committed baseline, when the suite has one."""
    from warmline.evals.suite.compare import compare, load_report
    from warmline.evals.suite.gate import DEFAULT_GATE

    path = suite.path / "baseline.json"
    if not path.is_file():
        return None
    return compare(load_report(path), report, suite.gate or DEFAULT_GATE)


def _eval_compare(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.compare import compare, load_report, render
    from warmline.evals.suite.gate import DEFAULT_GATE
    from warmline.evals.suite.suite import load_suite

    baseline, candidate = load_report(args.baseline), load_report(args.candidate)
    suite_path = args.suite or REPO_ROOT / baseline.suite  # an absolute path stays itself
    gate = load_suite(suite_path).gate if suite_path.is_dir() else {}
    source = f"tolerances from {suite_path / 'suite.toml'}"
    if not gate:
        gate, source = DEFAULT_GATE, "the built-in default tolerances"
    comparison = compare(baseline, candidate, gate)
    print(render(comparison) + f"\n\ngate: {source}")
    if args.gate and comparison.failed_gate:
        print(f"gate FAILED: {'; '.join(comparison.failed_gate)}", file=sys.stderr)
        return 1
    if args.gate:
        print("gate passed")
    return 0


def _eval_tune(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.suite import load_suite
    from warmline.evals.suite.tune import render, tune, write_proposal

    suite = load_suite(args.suite)
    report = asyncio.run(tune(suite, settings, args.target_recall, args.workers))
    print(render(report))
    out = args.out or REPORTS / suite.path.stem
    write_proposal(report, out)
    print(f"\nproposal: {out / 'proposed-thresholds.toml'} (details in {out / 'tune.json'})")
    return 0


def _eval_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.simulate import load_personas, simulate
    from warmline.evals.suite.suite import load_suite

    suite = load_suite(args.suite)
    personas = load_personas(args.personas or suite.path / "personas.jsonl")
    report, scenarios = asyncio.run(simulate(personas, suite, settings))
    out = args.out or REPORTS / suite.path.stem
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulation.json").write_text(report.model_dump_json(indent=1) + "\n")
    (out / "simulated.jsonl").write_text("".join(s.model_dump_json() + "\n" for s in scenarios))
    h = report.handoff
    print(
        f"{report.conversations} simulated conversations ({report.failed} failed); goal met "
        f"{report.goal_met}; handoffs vs the verdicts: precision {h.precision}, recall {h.recall}"
        f"\nconversations to review as scenarios: {out / 'simulated.jsonl'}"
    )
    return 0


def _eval_schema(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


async def _eval_export(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.suite.replay import export_scenarios
    from warmline.server.stores import database

    async with database(settings) as db:
        scenarios = await export_scenarios(db, labeled_only=args.labeled)
    lines = "".join(s.model_dump_json(exclude_defaults=True) + "\n" for s in scenarios)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(lines, encoding="utf-8")
        print(f"{len(scenarios)} conversations written to {args.out} as scenarios")
    else:
        sys.stdout.write(lines)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _analyze(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.analyze import main as analyze

    return analyze(settings, args.input, args.out, args.kb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warmline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server (widget, console, APIs)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    kb = commands.add_parser("kb", help="manage the knowledge base").add_subparsers(
        dest="kb_command", required=True
    )
    kb_sync = kb.add_parser("sync", help="bring the knowledge base in line with a folder")
    kb_sync.add_argument("path", nargs="?", type=Path)
    kb_stats = kb.add_parser("stats", help="articles and chunks by visibility, language, tag")
    kb_search = kb.add_parser("search", help="search as the bot would")
    kb_search.add_argument("query")
    kb_search.add_argument("-k", type=int, default=5)
    kb_search.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    kb_search.add_argument("--internal", action="store_true", help="include internal articles")
    kb_search.add_argument("--language")
    kb_export = kb.add_parser("export", help="every chunk as JSON lines")
    kb_export.add_argument("--out", type=Path)
    for command in (kb_sync, kb_stats, kb_search, kb_export):
        command.set_defaults(run=_kb)
    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.set_defaults(run=_chat)
    analyze = commands.add_parser("analyze", help="the bot's judgement over a JSONL log")
    analyze.add_argument("input", type=Path)
    analyze.add_argument("--out", type=Path)
    analyze.add_argument("--kb", action="store_true", help="search the synced knowledge base")
    analyze.set_defaults(run=_analyze)
    evals = commands.add_parser("eval", help="run an offline evaluation").add_subparsers(
        dest="eval_command", required=True
    )
    signals = evals.add_parser("signals", help="signal detectors vs VADER alone")
    signals.add_argument("--data", type=Path, nargs="*", help="labeled .jsonl files")
    signals.add_argument("--out", type=Path, default=REPORTS)
    signals.set_defaults(run=_eval_signals)
    pii_eval = evals.add_parser("pii", help="PII redaction vs plain Presidio on gold spans")
    pii_eval.add_argument("--data", type=Path, nargs="*", help="labeled .jsonl files")
    pii_eval.add_argument("--out", type=Path, default=REPORTS)
    pii_eval.set_defaults(run=_eval_pii)
    retrieval = evals.add_parser("retrieval", help="hybrid vs dense vs lexical vs bm25s")
    retrieval.add_argument(
        "--set",
        dest="sets",
        action="append",
        help="sample or a folder name under evals/retrieval/sets (default: all of them)",
    )
    retrieval.add_argument("--split", choices=("dev", "test", "all"), default="all")
    retrieval.add_argument("--out", type=Path, default=REPORTS)
    retrieval.add_argument("--fit", action="store_true", help="refit the confidence model")
    retrieval.set_defaults(run=_eval_retrieval)
    run = evals.add_parser("run", help="play a scenario suite through the product and score it")
    run.add_argument("suite", type=Path, help="a suite folder (suite.toml) or a .jsonl file")
    run.add_argument("--out", type=Path, help="report folder (default evals/reports/SUITE)")
    run.add_argument("--workers", type=_positive, default=4, help="scenarios played at once")
    run.add_argument("--seed", type=int, default=0, help="the order scenarios start in")
    run.add_argument("--resume", action="store_true", help="skip scenarios already played")
    run.add_argument(
        "--tag", dest="tags", action="append", default=[], help="only scenarios with this tag"
    )
    run.add_argument("--limit", type=int)
    run.add_argument("--judge", action="store_true", help="LLM judge of tone and helpfulness")
    run.set_defaults(run=_eval_run)
    compare = evals.add_parser("compare", help="metric deltas between two run reports")
    compare.add_argument("baseline", type=Path)
    compare.add_argument("candidate", type=Path)
    compare.add_argument("--gate", action="store_true", help="exit 1 on a regression")
    compare.add_argument("--suite", type=Path, help="whose [gate] tolerances (default: its own)")
    compare.set_defaults(run=_eval_compare)
    tune = evals.add_parser("tune", help="propose thresholds for a recall target")
    tune.add_argument("suite", type=Path)
    tune.add_argument(
        "--target-recall", type=float, help="default: the current policy's recall on split A"
    )
    tune.add_argument("--workers", type=_positive, default=4)
    tune.add_argument("--out", type=Path)
    tune.set_defaults(run=_eval_tune)
    simulate = evals.add_parser("simulate", help="LLM-played customers (needs [llm])")
    simulate.add_argument("suite", type=Path, help="the suite whose fixtures the product uses")
    simulate.add_argument("--personas", type=Path, help="default: SUITE/personas.jsonl")
    simulate.add_argument("--out", type=Path)
    simulate.set_defaults(run=_eval_simulate)
    schema = evals.add_parser("schema", help="the scenario format as JSON Schema")
    schema.set_defaults(run=_eval_schema)
    export = evals.add_parser("export", help="stored conversations as scenarios (replay)")
    export.add_argument("--labeled", action="store_true", help="only ones agents labelled")
    export.add_argument("--out", type=Path)
    export.set_defaults(run=lambda s, a: asyncio.run(_eval_export(s, a)))

    pii = commands.add_parser("pii", help="personal data: erase, purge, rotate").add_subparsers(
        dest="pii_command", required=True
    )
    erase = pii.add_parser("erase", help="erase a customer's conversations (GDPR/CCPA)")
    erase.add_argument("--conversation", nargs="*", help="conversation ids")
    erase.add_argument("--email", help="every conversation where the customer gave this e-mail")
    erase.add_argument("--phone", help="every conversation where the customer gave this phone")
    erase.add_argument("--actor", default="operator", help="who asked, for the audit log")
    purge = pii.add_parser("purge", help="drop vault values past their retention")
    rotate = pii.add_parser("rotate", help="re-encrypt the vault under the newest key")
    for command in (erase, purge, rotate):
        command.set_defaults(run=lambda s, a: asyncio.run(_pii(s, a)))

    args = parser.parse_args(argv)
    overrides = {k: getattr(args, k) for k in ("host", "port") if getattr(args, k, None)}
    settings = Settings(**overrides)
    try:
        return int(args.run(settings, args))
    except (SuiteError, StartupRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        if "already accessed by another instance" in str(exc):
            print(
                "The knowledge base folder is in use by a running server; stop it first.",
                file=sys.stderr,
            )
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
