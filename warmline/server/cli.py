"""The `warmline` command: serve, manage the knowledge base, chat in a terminal."""

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path

from warmline.config import REPO_ROOT, Settings
from warmline.retrieval.stats import knowledge_stats
from warmline.server.protocol import ServerFrame


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    import uvicorn

    from warmline.server.app import create_app
    from warmline.server.logs import configure_logging

    configure_logging(settings.log_level, settings.log_file)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        ws_max_size=1 << 20,
        timeout_graceful_shutdown=5,
    )
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
                    f"{hit.chunk.article_id} › {hit.chunk.section}"
                )
        else:
            with args.out.open("w") if args.out else sys.stdout as out:
                for chunk in store.chunks():
                    out.write(chunk.model_dump_json() + "\n")
    finally:
        store.close()
    return 0


async def _chat_loop(settings: Settings) -> None:
    from warmline.server.runtime import running

    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with service.bus.subscribe(conversation.id, frames):
            print("Type a question (/human for a person, Ctrl-D to quit).")
            while True:
                try:
                    line = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    return
                if not line.strip():
                    continue
                human = line.strip() == "/human"
                await service.customer_message(
                    conversation.id,
                    line if not human else "I'd like to talk to a person.",
                    secrets.token_hex(8),
                    force_human=human,
                )
                await service.drain()
                while not frames.empty():
                    _print_frame(frames.get_nowait())


def _print_frame(frame: ServerFrame) -> None:
    data = frame.data
    if frame.type == "message" and data.get("role") != "customer":
        print(f"{data['role']}> {data['text']}")
        for citation in data.get("citations", []):
            print(f"    source: {citation['title']} <{citation['url']}>")
    elif frame.type == "mode":
        print(f"[conversation is now: {data['mode']}]")


def _chat(settings: Settings, _: argparse.Namespace) -> int:
    asyncio.run(_chat_loop(settings))
    return 0


def _eval_signals(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.output import write_report
    from warmline.evals.signals_eval import evaluate, render

    for path in args.data or sorted(Path(REPO_ROOT / "evals" / "signals").glob("*.jsonl")):
        report = evaluate(path, settings.policy.thresholds.negative_sentiment)
        print(render(report) + "\n")
        write_report(report, args.out / f"signals-{path.stem}.json")
    return 0


async def _pii(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.server.privacy import privacy_office

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
                erased = await office.erase(conversation_id, actor=f"cli:{args.actor}")
                print(f"{conversation_id}: {'erased' if erased else 'not found'}")
            if not targets:
                print("No conversation matched.")
    return 0


def _eval_pii(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.output import write_report
    from warmline.evals.pii_eval import evaluate, render

    for path in args.data or [REPO_ROOT / "evals" / "pii" / "messages.jsonl"]:
        report = evaluate(path, settings)
        print(render(report) + "\n")
        write_report(report, args.out / f"pii-{path.stem}.json")
    return 0


def _eval_retrieval(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.output import write_report
    from warmline.evals.retrieval_eval import evaluate, render
    from warmline.retrieval.sync import sync_folder
    from warmline.server.runtime import open_knowledge_store

    store = open_knowledge_store(settings)
    try:
        sync_folder(settings.kb_path, store, show_progress=True)
        report = evaluate(
            args.data,
            store,
            settings.retrieval.answerable,
            refit=args.fit,
            top_k=settings.retrieval.top_k,
        )
    finally:
        store.close()
    print(render(report))
    write_report(report, args.out / "retrieval.json")
    return 0


def _eval_handoff(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.handoff_eval import evaluate, render
    from warmline.evals.output import write_report

    report = asyncio.run(evaluate(args.data, settings))
    print(render(report))
    write_report(report, args.out / "handoff.json")
    return 0 if report.fact_recall >= args.min_fact_recall else 1


async def _labels(settings: Settings, args: argparse.Namespace) -> int:
    from warmline.evals.labels import export_labels
    from warmline.server.stores import database

    async with database(settings) as db:
        scenarios = await export_labels(db)
    lines = "".join(s.model_dump_json(exclude_none=True) + "\n" for s in scenarios)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
        print(f"{len(scenarios)} labelled conversations written to {args.out}")
    else:
        sys.stdout.write(lines)
    return 0


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
    evals = commands.add_parser("eval", help="run an offline evaluation").add_subparsers(
        dest="eval_command", required=True
    )
    signals = evals.add_parser("signals", help="signal detectors vs VADER alone")
    signals.add_argument("--data", type=Path, nargs="*", help="labeled .jsonl files")
    signals.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "reports")
    signals.set_defaults(run=_eval_signals)
    pii_eval = evals.add_parser("pii", help="PII redaction vs plain Presidio on gold spans")
    pii_eval.add_argument("--data", type=Path, nargs="*", help="labeled .jsonl files")
    pii_eval.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "reports")
    pii_eval.set_defaults(run=_eval_pii)
    retrieval = evals.add_parser("retrieval", help="hybrid vs dense vs lexical vs bm25s")
    retrieval.add_argument(
        "--data", type=Path, default=REPO_ROOT / "evals" / "retrieval" / "questions.jsonl"
    )
    retrieval.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "reports")
    retrieval.add_argument("--fit", action="store_true", help="refit the confidence model")
    retrieval.set_defaults(run=_eval_retrieval)
    handoff = evals.add_parser("handoff", help="scripted conversations: when and how it hands over")
    handoff.add_argument(
        "--data", type=Path, default=REPO_ROOT / "evals" / "handoff" / "scenarios.jsonl"
    )
    handoff.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "reports")
    handoff.add_argument(
        "--min-fact-recall", type=float, default=0.9, help="exit 1 below this summary fact recall"
    )
    handoff.set_defaults(run=_eval_handoff)
    labels = commands.add_parser("labels", help="agents' labels on the bot").add_subparsers(
        dest="labels_command", required=True
    )
    export = labels.add_parser("export", help="labels as eval scenarios (JSON lines)")
    export.add_argument("--out", type=Path)
    export.set_defaults(run=lambda s, a: asyncio.run(_labels(s, a)))

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
