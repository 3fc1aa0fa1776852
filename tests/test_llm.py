"""The LLM path through the real `openai` client over HTTP: grounded answers or a fallback."""

import json
import shutil
from pathlib import Path

import httpx
import pytest
from conftest import REPO, customer, make_settings, say, serving
from fake_openai import FakeOpenAI, Reply, fake_openai

from warmline.agent.llm import LlmSettings
from warmline.config import Settings
from warmline.conversation.protocol import CustomerProfileData
from warmline.server.runtime import Runtime, running


async def ask(runtime: Runtime, text: str) -> dict[str, object]:
    service = runtime.service
    conversation = await service.start()
    await service.customer_message(conversation.id, text, "m1")
    await service.drain()
    events = await service.log.events_after(conversation.id, 0)
    return events[-1].data


def llm_settings(fake: FakeOpenAI, **overrides: object) -> LlmSettings:
    fields: dict[str, object] = {"timeout_s": 1.0, "max_retries": 1, "deadline_s": 3.0}
    return LlmSettings.model_validate({"base_url": fake.url, **fields, **overrides})


async def test_a_cited_llm_answer_is_used_and_its_citations_map_to_articles(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    async with fake_openai() as fake:
        fake.default = Reply(content="Open the app, tap Orders, then Return or refund [1].")
        settings = make_settings(tmp_path, kb_snapshot, llm=llm_settings(fake))
        async with running(settings) as runtime:
            reply = await ask(runtime, "how do I get a refund?")
    assert reply["text"] == "Open the app, tap Orders, then Return or refund [1]."
    citations = reply["citations"]
    assert isinstance(citations, list)
    assert citations[0]["article_id"] == "request-a-refund"
    system, user = fake.bodies[0]["messages"]
    assert "you are an AI" in system["content"]
    assert "<customer_message>\nhow do I get a refund?\n</customer_message>" in user["content"]


async def test_the_model_is_told_the_customers_language_and_promises_no_one(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    async with fake_openai() as fake:
        fake.default = Reply(content="Abre la app, toca Pedidos y luego Devolver [1].")
        settings = make_settings(tmp_path, kb_snapshot, llm=llm_settings(fake))
        async with running(settings) as runtime:
            service = runtime.service
            conversation = await service.start(CustomerProfileData(language="es-MX"))
            await service.customer_message(conversation.id, "how do I get a refund?", "m1")
            await service.drain()
    system = fake.bodies[0]["messages"][0]["content"]
    assert "Write in Spanish" in system
    assert 'press "Hablar con una persona"' in system
    assert "always available" not in system


async def test_every_failure_ends_in_an_extractive_answer(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    failures = [
        Reply(status=500),
        Reply(status=429, retry_after_s=0),
        Reply(delay_s=2.5),
        Reply(content="Refunds take 3 days [99]."),
        Reply(content="Refunds are easy."),
        Reply(finish_reason="content_filter", content=""),
        Reply(malformed=True),
    ]
    async with fake_openai() as fake:
        settings = make_settings(
            tmp_path, kb_snapshot, llm=llm_settings(fake, breaker_failures=100)
        )
        async with running(settings) as runtime:
            for failure in failures:
                fake.script.extend([failure, failure])
                reply = await ask(runtime, "how do I get a refund?")
                assert str(reply["text"]).startswith("From \u201cHow to request a refund\u201d"), (
                    failure
                )
                fake.script.clear()


async def test_the_circuit_breaker_stops_calling_a_broken_endpoint(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    async with fake_openai() as fake:
        fake.default = Reply(status=503)
        settings = make_settings(
            tmp_path, kb_snapshot, llm=llm_settings(fake, max_retries=0, breaker_failures=2)
        )
        async with running(settings) as runtime:
            for _ in range(4):
                reply = await ask(runtime, "how do I reset my password?")
                assert str(reply["text"]).startswith("From \u201cReset your password\u201d")
    assert len(fake.bodies) == 2


async def handed_over(runtime: Runtime, text: str) -> str:
    service = runtime.service
    conversation = await service.start()
    await service.customer_message(conversation.id, text, "m1", force_human=True)
    await service.drain()
    return conversation.id


async def test_the_llm_writes_the_handoff_summary_in_a_validated_schema(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    written = {
        "issue": "The customer's Lumen Hub from order LH-482913 keeps dropping offline.",
        "customer_goal": "A replacement hub.",
        "facts_collected": ["contact: <EMAIL_1>", "order: LH-482913"],
        "open_questions": ["Is the hub under warranty?"],
        "suggested_next_steps": ["Check the warranty for LH-482913.", "Offer a replacement."],
    }
    async with fake_openai() as fake:
        fake.default = Reply(content=json.dumps(written))
        settings = make_settings(
            tmp_path, kb_snapshot, llm=llm_settings(fake, summary_model="summary-model")
        )
        async with running(settings) as runtime:
            conversation = await handed_over(
                runtime,
                "My hub from order LH-482913 keeps going offline, mail me at jo.pike@example.com",
            )
            entry = await runtime.service.queue.entry(conversation)
    assert entry is not None
    summary = entry.packet.summary
    assert summary.written_by == "llm" and summary.issue == written["issue"]
    assert summary.open_questions == ["Is the hub under warranty?"]
    assert "mentioned: LH-482913" in summary.facts_collected, "extractive facts are kept"
    body = fake.bodies[-1]
    assert body["model"] == "summary-model"
    assert body["response_format"]["json_schema"]["name"] == "LlmSummary"
    assert "jo.pike" not in json.dumps(body) and "<EMAIL_1>" in json.dumps(body)


async def test_a_broken_summary_gets_one_repair_and_an_invented_one_is_not_used(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    valid = {
        "issue": "The customer wants a refund.",
        "customer_goal": "Money back.",
        "facts_collected": [],
        "open_questions": [],
        "suggested_next_steps": ["Check the order."],
    }
    broken = Reply(content='{"issue": "missing fields"}')
    invented = Reply(content=json.dumps(valid | {"issue": "Refund for <NAME_7>."}))
    async with fake_openai() as fake:
        fake.script.extend([broken, Reply(content=json.dumps(valid)), broken, broken, invented])
        settings = make_settings(tmp_path, kb_snapshot, llm=llm_settings(fake))
        async with running(settings) as runtime:
            written_by = []
            for text in ("I want a refund, agent please", "refund, human please", "a person pls"):
                entry = await runtime.service.queue.entry(await handed_over(runtime, text))
                assert entry is not None
                written_by.append(entry.packet.summary.written_by)
    assert written_by == ["llm", "extractive", "extractive"]
    assert len(fake.bodies) == 5
    repair = fake.bodies[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"issue": "missing fields"}'}
    assert "does not match the required JSON schema" in repair[-1]["content"]


@pytest.mark.slow
async def test_every_scenario_handoff_gets_a_valid_llm_summary(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """Scripted model replies: the LLM path's summary validates for every handoff scenario."""
    from warmline.evals.suite.run import RunOptions, knowledge_cache, run_suite
    from warmline.evals.suite.suite import load_suite

    summary = {
        "issue": "The customer needs a person to finish this.",
        "customer_goal": "Resolve the issue without repeating themselves.",
        "facts_collected": [],
        "open_questions": ["What does the customer still need?"],
        "suggested_next_steps": ["Read the transcript.", "Confirm the next step."],
    }
    suite = load_suite(REPO / "evals" / "suites" / "default" / "scenarios" / "handoff.jsonl")
    async with fake_openai() as fake:
        fake.default = Reply(content=json.dumps(summary))
        settings = Settings(data_dir=tmp_path, llm=llm_settings(fake, breaker_failures=10_000))
        shutil.copytree(kb_snapshot, knowledge_cache(settings, settings.kb_path))
        report = await run_suite(suite, settings, RunOptions(progress=False), out=None)
    handed_over = [p for p in report.played if p.handed_over]
    assert len(handed_over) >= 60
    assert {p.summary_written_by for p in handed_over} == {"llm"}
    assert report.metrics.fact_recall >= 0.9, "the model may add facts, never drop extractive ones"
    schemas = [b for b in fake.bodies if "response_format" in b]
    assert len(schemas) == len(handed_over)


async def test_the_answer_streams_to_the_widget_in_order_then_the_checked_message(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    text = "Open the app, tap Orders, then Return or refund [1]. Refunds reach you in days [1]."
    async with fake_openai() as fake:
        fake.script.extend(
            [
                Reply(content=text, token_delay_s=0.01),
                Reply(content="Trust me, it is free [7].", token_delay_s=0.01),
            ]
        )
        settings = make_settings(tmp_path, kb_snapshot, llm=llm_settings(fake))
        async with serving(settings) as server:
            client, _ = await customer(server)
            await say(client, "how do I get a refund?")
            final = await client.wait_for(type="message", data_role="bot")
            deltas = [f for f in client.frames if f["type"] == "delta"]
            assert [d["data"]["index"] for d in deltas] == list(range(len(deltas)))
            assert len(deltas) > 5 and all(d["seq"] is None for d in deltas)
            assert "".join(d["data"]["text"] for d in deltas) == final["data"]["text"] == text
            assert client.frames.index(deltas[-1]) < client.frames.index(final)

            await say(client, "is a refund free?")
            checked = await client.wait_for(type="message", data_role="bot")
            streamed = [f for f in client.frames if f["type"] == "delta"][len(deltas) :]
            assert "".join(d["data"]["text"] for d in streamed) == "Trust me, it is free [7]."
            assert "[7]" not in checked["data"]["text"], "an unsupported citation is replaced"
            assert checked["data"]["citations"]
            assert [b.get("stream") for b in fake.bodies] == [True, True]


async def test_tokens_and_cost_are_counted_per_conversation_and_day(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    async with fake_openai() as fake:
        fake.default = Reply(content="Open the app, tap Orders, then Return or refund [1].")
        llm = llm_settings(fake, prices={"gpt-4o-mini": (150.0, 600.0)})
        settings = make_settings(tmp_path, kb_snapshot, llm=llm, operator_tokens=["op-token"])
        async with serving(settings) as server:
            client, welcome = await customer(server)
            for question in ("how do I get a refund?", "how long does a refund take?"):
                await say(client, question)
                await client.wait_for(type="message", data_role="bot")
            async with httpx.AsyncClient(base_url=server.url) as http:
                scraped = (await http.get("/metrics")).text
                refused = await http.get("/v1/metrics/llm")
                detail = await http.get(
                    "/v1/metrics/llm", headers={"authorization": "Bearer op-token"}
                )
    assert refused.status_code == 403
    [row] = detail.json()
    assert row["conversation_id"] == welcome["conversation_id"] and row["requests"] == 2
    assert row["completion_tokens"] == 24 and row["prompt_tokens"] > 100
    expected = (row["prompt_tokens"] * 150 + row["completion_tokens"] * 600) / 1e6
    assert abs(row["cost_usd"] - expected) < 1e-9
    assert "\nwarmline_llm_requests_total 2.0\n" in scraped
    assert welcome["conversation_id"] not in scraped, "the scrape carries totals only"


async def test_model_hints_add_a_missed_request_for_a_person_and_a_failure_costs_nothing(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    text = "could the folks in your office look at my refund instead"
    hint = {
        "wants_person": True,
        "sensitive_topic": "none",
        "intent": "problem",
        "evidence": "the folks in your office",
    }
    async with fake_openai() as fake:
        fake.default = Reply(content="Open the app, tap Orders, then Return or refund [1].")
        fake.script.append(Reply(content=json.dumps(hint)))
        settings = make_settings(
            tmp_path, kb_snapshot, llm=llm_settings(fake, classify_model="classifier")
        )
        async with running(settings) as runtime:
            service = runtime.service
            hinted = await service.start()
            await service.customer_message(hinted.id, text, "m1")
            await service.drain()
            entry = await service.queue.entry(hinted.id)
            fake.script.extend([Reply(content="not json"), Reply(content="still not json")])
            reply = await ask(runtime, text)
    assert entry is not None
    [reason] = entry.packet.decision.reasons
    assert reason.code == "explicit_request"
    assert reason.value == "model: \u201cthe folks in your office\u201d"
    assert fake.bodies[0]["model"] == "classifier"
    assert reply["role"] == "bot", "a failed hint leaves the bot answering"
    assert not str(reply["text"]).startswith("I'm bringing in")
