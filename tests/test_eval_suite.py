"""The eval suite as ML engineers use it: run, report, compare with a gate, tune, replay."""

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, chromium, make_settings
from fake_openai import Reply, fake_openai

from warmline.agent.llm import LlmSettings
from warmline.cli import main
from warmline.config import Settings
from warmline.conversation.protocol import ServerFrame
from warmline.evals.suite.compare import compare, load_report
from warmline.evals.suite.failures import failure_kinds
from warmline.evals.suite.html_report import render_html
from warmline.evals.suite.play import _told_what_happens
from warmline.evals.suite.run import RunOptions, RunReport, knowledge_cache, run_suite
from warmline.evals.suite.scenario import Scenario
from warmline.evals.suite.score import score
from warmline.evals.suite.suite import Suite, SuiteError, load_scenarios, load_suite
from warmline.evals.suite.tune import figures, handed_over_at, record, tune

DEFAULT = REPO / "evals" / "suites" / "default"
BASELINE = DEFAULT / "baseline.json"


def eval_settings(data_dir: Path, kb_snapshot: Path) -> Settings:
    """Settings whose eval runs start from the session's index instead of embedding again."""
    settings = Settings(data_dir=data_dir)
    shutil.copytree(kb_snapshot, knowledge_cache(settings, settings.kb_path))
    return settings


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole default suite through `warmline eval run`, once for the module, with no
    `--out`: the report lands under the directory the command ran in."""
    here = tmp_path_factory.mktemp("default-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        assert main(["eval", "run", str(DEFAULT)]) == 0
    return here / "evals" / "reports" / "default"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_default_suite_runs_every_scenario_and_holds_the_committed_baseline(
    default_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = load_report(default_run / "report.json")
    assert report.metrics.scenarios >= 150 and report.metrics.errors == 0
    assert report.responder == "embedded"
    assert {"billing", "vip", "pii", "angry"} <= set(report.metrics.by_tag)
    assert report.metrics.retrieval.turns >= 40 and report.metrics.latency.turns >= 300
    assert main(["eval", "compare", str(BASELINE), str(default_run / "report.json"), "--gate"]) == 0
    assert "gate passed" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_reports_never_hold_a_personal_value(default_run: Path) -> None:
    values = {v for s in load_suite(DEFAULT).scenarios for v in s.pii}
    assert len(values) >= 20
    for name in ("report.json", "report.html"):
        text = (default_run / name).read_text(encoding="utf-8").lower()
        assert [v for v in values if v.lower() in text] == [], name


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_the_html_report_opens_in_chromium_with_plots_and_transcripts(
    default_run: Path, artifacts: Path
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1200, "height": 900})
        await page.goto((default_run / "report.html").as_uri())
        await page.get_by_role("heading", name="Plots").wait_for()
        titles = await page.locator("svg > title").evaluate_all(
            "elements => elements.map(e => e.textContent)"
        )
        assert {
            "Precision-recall of the escalation score",
            "Decision accuracy by tag",
            "Turn latency (ms)",
        } <= set(titles)
        assert await page.get_by_role("table", name="confusion matrix").count() == 1
        assert await page.get_by_role("table", name="against the baseline").count() == 1
        charts = await page.locator("svg").evaluate_all(CHART_GEOMETRY)
        assert charts and all(c["width"] >= 600 for c in charts), charts
        assert [c for c in charts if c["clipped"]] == [], "every label inside its chart"
        assert all(c["texts"] >= 8 for c in charts), "titles, tick values and labels are drawn"
        first = page.locator("details").first
        await first.locator("summary").click()
        await first.get_by_text("customer:").first.wait_for()
        await page.screenshot(path=artifacts / "eval-report.png", full_page=True)

        everyone = await page.locator("details").count()
        choice = page.locator("p.filters label").nth(2)
        label = await choice.inner_text()
        shown_count = int(label.rsplit("(", 1)[1].rstrip(")"))
        await choice.click()
        assert await page.locator("details:visible").count() == shown_count < everyone
        await page.get_by_label("every scenario").check()
        assert await page.locator("details:visible").count() == everyone
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.screenshot(path=artifacts / "eval-report-narrow.png")


CHART_GEOMETRY = """svgs => svgs.map(svg => {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')];
    const clipped = texts.filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 1 || r.right > box.right + 1 ||
               r.top < box.top - 1 || r.bottom > box.bottom + 1;
    }).map(t => t.textContent);
    return {width: box.width, texts: texts.length, clipped: clipped.length ? clipped : null};
})"""


def test_the_html_report_groups_failures_filters_them_and_shows_deltas() -> None:
    baseline = load_report(BASELINE)
    candidate = baseline.model_copy(deep=True)
    missed = [p for p in candidate.played if p.expected_at is not None and p.handed_over]
    for p in missed:
        p.escalated_at, p.reasons = None, []
        p.rubric = [i.model_copy(update={"passed": i.name != "resolution"}) for i in p.rubric]
    page = render_html(candidate, compare(baseline, candidate, load_suite(DEFAULT).gate))

    recall_row = re.search(r"<th scope=row>escalation.recall</th>(.*?)</tr>", page)
    assert recall_row and "regressed beyond tolerance" in recall_row.group(1)
    lost = baseline.metrics.escalation.recall
    assert "0.000" in recall_row.group(1) and f"-{lost:.3f}" in recall_row.group(1)
    assert f"href='#{missed[0].id}'>{missed[0].id}</a> now fails" in page
    missed_all = {p.id for p in candidate.played if failure_kinds(p) == ["missed handoff"]}
    assert {p.id for p in missed} <= {
        p.id for p in candidate.played if "missed handoff" in failure_kinds(p)
    }
    assert missed_all, "a scenario that only missed its handoff is grouped under that reason"
    count = sum("missed handoff" in failure_kinds(p) for p in candidate.played)
    assert f"missed handoff ({count})</label>" in page
    assert "body:has(#show-missed-handoff:checked) details:not(.f-missed-handoff)" in page

    tags = page.split("<h2>By tag</h2>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td class=num>(.*?)</td>", tags)
    assert cells and all(re.fullmatch(r"\d+|\d+\.\d{3}|–", c) for c in cells), cells


def test_a_slice_with_nothing_to_hand_over_shows_no_precision() -> None:
    """ "answerable" scenarios should all stay with the bot: some were handed over anyway,
    which containment shows; a precision of 0.000 there would read as a measurement."""
    answerable = score(load_report(BASELINE).played).by_tag["answerable"]
    assert answerable.containment < 1.0
    assert answerable.recall is None and answerable.precision is None


def _worsened_suite(tmp_path: Path) -> Path:
    """The default suite's own scenarios under a policy that only hands over late."""
    policy = (REPO / "policy.toml").read_text(encoding="utf-8")
    policy = policy.replace("frustration = 0.5", "frustration = 0.95").replace(
        "negative_sentiment = -0.6", "negative_sentiment = -0.97"
    )
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    folder = tmp_path / "worse"
    shutil.copytree(DEFAULT / "scenarios", folder / "scenarios")
    suite = (DEFAULT / "suite.toml").read_text(encoding="utf-8")
    suite = suite.replace('kb = "../../../kb/sample"', f'kb = "{REPO / "kb" / "sample"}"')
    suite = suite.replace('policy = "../../../policy.toml"', 'policy = "../policy.toml"')
    (folder / "suite.toml").write_text(suite, encoding="utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_gate_fails_when_a_worsened_policy_is_compared_with_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = _worsened_suite(tmp_path)
    out = tmp_path / "out"
    assert main(["eval", "run", str(suite), "--out", str(out), "--tag", "frustration"]) == 0
    capsys.readouterr()
    gated = ["eval", "compare", str(BASELINE), str(out / "report.json"), "--gate"]
    assert main(gated) == 1
    printed = capsys.readouterr()
    assert "gate FAILED" in printed.err and "escalation.recall" in printed.err
    assert "now fail" in printed.out, "the regression comes with the scenarios that broke"


def test_compare_scores_only_the_scenarios_both_reports_played() -> None:
    baseline = load_report(BASELINE)
    part = baseline.model_copy(update={"played": baseline.played[:20]})
    same = compare(baseline, part, {"escalation.f1": 0.0, "qa_mean": 0.0})
    assert same.common == 20 and same.only_in_baseline == len(baseline.played) - 20
    assert same.regressions == [] and same.flips == []


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_tuning_on_split_a_is_reported_on_split_b_and_redecides_exactly(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    suite = load_suite(DEFAULT)
    answerable = [s for s in suite.scenarios if s.category == "answerable"][:16]
    chosen = answerable + [
        s for s in suite.scenarios if s.category in ("frustration", "loop", "unanswerable")
    ]
    small = suite.model_copy(update={"scenarios": chosen})
    settings = eval_settings(tmp_path / "data", kb_snapshot)
    report = await tune(small, settings, target_recall=None)
    a, b = report.split_a, report.split_b
    assert a.current.scenarios + b.current.scenarios == len(chosen)
    assert a.proposed.recall >= report.target_recall
    assert a.proposed.containment >= a.current.containment
    assert report.target_recall == a.current.recall, "default target: today's recall"
    assert report.holds == (
        b.proposed.recall >= report.target_recall - 0.05
        and b.proposed.containment >= b.current.containment
    )
    # Re-deciding the shadow recordings under the real policy gives what a real run does.
    real = await run_suite(small, settings, RunOptions(progress=False), out=None)
    recordings, policy = await record(small, settings, workers=4)
    by_id = {p.id: p for p in real.played}
    for recording in recordings:
        assert handed_over_at(recording, policy) == by_id[recording.id].escalated_at
    assert figures(recordings, policy).scenarios == len(chosen)


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_conversation_exported_from_the_store_replays_to_the_same_decisions(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    from warmline.evals.suite.replay import export_scenarios
    from warmline.server.runtime import running

    settings = make_settings(tmp_path / "live", kb_snapshot)
    scripts = [
        ["how do i track my order LH-583201", "thanks!"],
        ["my card got charged twice, this is ridiculous, useless bot!!"],
        ["how long do refunds take", "how long do refunds take?? you didnt answer"],
        ["someone used my account to order a Lumen Lock i never bought"],
    ]
    async with running(settings) as runtime:
        service = runtime.service
        for n, script in enumerate(scripts):
            conversation = await service.start()
            for i, text in enumerate(script):
                await service.customer_message(conversation.id, text, f"m{n}-{i}")
                await service.drain()
                if (await service.get(conversation.id)).mode != "bot":
                    break
        scenarios = await export_scenarios(service.db)
    assert len(scenarios) == len(scripts)
    assert sum(s.escalate_at is not None for s in scenarios) >= 2
    exported = tmp_path / "replay.jsonl"
    exported.write_text("".join(s.model_dump_json() + "\n" for s in scenarios))
    suite = load_suite(exported)
    replayed: RunReport = await run_suite(
        suite, eval_settings(tmp_path / "replay", kb_snapshot), RunOptions(progress=False), None
    )
    for played in replayed.played:
        assert played.decision_ok, (played.id, played.escalated_at, played.expected_at)
        assert played.routing_ok is not False


def test_a_scenario_file_with_a_mistake_names_the_line_and_the_field(tmp_path: Path) -> None:
    good = {"id": "x1", "tags": ["answerable"], "turns": [{"say": "where is LH-123456"}]}
    cases = [
        ({**good, "escalate_at": 2}, "escalate_at=2 but the script has 1 turns"),
        ({**good, "facts": ["LH-999999"]}, "'LH-999999' is not in any turn"),
        ({**good, "turns": [{"say": "hi", "expect": {"cites": ["a"]}}]}, "cites"),
        ({**good, "reasons": ["bored"]}, "reasons"),
    ]
    for number, (scenario, message) in enumerate(cases, start=1):
        path = tmp_path / f"bad{number}.jsonl"
        path.write_text(json.dumps(good) + "\n" + json.dumps(scenario) + "\n")
        with pytest.raises(SuiteError, match=f"bad{number}.jsonl:2:") as error:
            load_scenarios(path)
        assert message in str(error.value)


def test_the_committed_json_schema_is_the_scenario_model() -> None:
    committed = json.loads((REPO / "evals" / "suites" / "scenario.schema.json").read_text())
    assert committed == Scenario.model_json_schema()


def test_splits_are_disjoint_halves_of_every_category() -> None:
    suite: Suite = load_suite(DEFAULT)
    a, b = suite.split("a"), suite.split("b")
    assert {s.id for s in a}.isdisjoint({s.id for s in b})
    assert len(a) + len(b) == len(suite.scenarios)
    for category in {s.category for s in suite.scenarios}:
        counts = [sum(s.category == category for s in half) for half in (a, b)]
        assert abs(counts[0] - counts[1]) <= 1, category


def _model_playing(roles: dict[str, dict[str, object] | list[dict[str, object]]]) -> Any:
    """A fake model that answers each structured request by its schema's name; a list
    is played in order (one customer move per request), then its last entry repeats."""
    served: dict[str, int] = {}

    def reply(body: dict[str, Any]) -> Reply:
        name = body.get("response_format", {}).get("json_schema", {}).get("name")
        if name not in roles:
            return Reply(content="Here is how that works [1].")
        script = roles[name]
        if isinstance(script, list):
            index = served.get(name, 0)
            served[name] = index + 1
            script = script[min(index, len(script) - 1)]
        return Reply(content=json.dumps(script))

    return reply


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_the_llm_judge_is_reported_with_its_agreement_with_the_tone_rules(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    suite = load_suite(DEFAULT)
    small = suite.model_copy(
        update={"scenarios": [s for s in suite.scenarios if "billing" in s.tags][:4]}
    )
    async with fake_openai() as fake:
        fake.responder = _model_playing(
            {"Verdict": {"tone": 4, "helpfulness": 3, "respectful": True, "reason": "calm"}}
        )
        settings = eval_settings(tmp_path, kb_snapshot).model_copy(
            update={"llm": LlmSettings.model_validate({"base_url": fake.url, "max_retries": 0})}
        )
        report = await run_suite(small, settings, RunOptions(judge=True, progress=False), None)
    judged = report.judge
    assert judged is not None
    replies = sum(t.kind == "reply" for p in report.played for t in p.turns)
    assert judged.judged == replies > 0 and judged.failed == 0
    assert (judged.tone_mean, judged.helpfulness_mean) == (4.0, 3.0)
    assert judged.agreement == 1.0 and judged.disagreements == []
    sent = [
        b
        for b in fake.bodies
        if b.get("response_format", {}).get("json_schema", {}).get("name") == "Verdict"
    ]
    assert len(sent) == replies


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_simulated_customers_talk_to_the_product_and_become_scenarios_to_review(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    from warmline.evals.suite.simulate import Persona, simulate

    moves = [
        {
            "message": "hi how do i return something i bought",
            "done": False,
            "press_talk_to_person": False,
        },
        {"message": "ok thanks", "done": False, "press_talk_to_person": False},
        {"message": "", "done": True, "press_talk_to_person": False},
    ]
    persona = Persona(
        id="returner", persona="a calm shopper", goal="return an item", tags=["refunds"]
    )
    async with fake_openai() as fake:
        fake.responder = _model_playing(
            {
                "CustomerMove": moves,
                "ChatVerdict": {"goal_met": True, "should_hand_over": False, "reason": "answered"},
            }
        )
        settings = eval_settings(tmp_path, kb_snapshot).model_copy(
            update={"llm": LlmSettings.model_validate({"base_url": fake.url, "max_retries": 0})}
        )
        report, scenarios = await simulate([persona], load_suite(DEFAULT), settings)
    assert report.conversations == 1 and report.failed == 0 and report.goal_met == 1.0
    [simulated] = report.simulated
    assert [t.said for t in simulated.turns] == [moves[0]["message"], moves[1]["message"]]
    assert all(t.reply for t in simulated.turns), "the product answered every move"
    [scenario] = scenarios
    assert scenario.tags == ["simulated", "refunds"] and scenario.escalate_at is None
    assert "review me" in scenario.note


def test_a_suite_never_runs_against_the_configured_servers(tmp_path: Path) -> None:
    """Syncing a suite's knowledge base into a real collection would delete articles."""
    from warmline.evals.suite.run import suite_settings

    configured = Settings(
        qdrant_url="http://qdrant.internal:6333",
        database_url="postgresql://postgres@127.0.0.1:5432/prod",
        redis_url="redis://127.0.0.1:6379/0",
    )
    isolated = suite_settings(load_suite(DEFAULT), configured, tmp_path)
    assert (isolated.qdrant_url, isolated.database_url, isolated.redis_url) == (None, None, None)
    assert isolated.data_dir == tmp_path and isolated.retrieval.sync_on_start


def test_the_gate_fails_when_nothing_can_be_compared_or_a_figure_disappears() -> None:
    baseline = load_report(BASELINE)
    renamed = baseline.model_copy(
        update={"played": [p.model_copy(update={"id": p.id + "-x"}) for p in baseline.played]}
    )
    assert compare(baseline, renamed, {}).failed_gate == ["no scenario in common with the baseline"]
    blind = baseline.model_copy(
        update={
            "played": [
                p.model_copy(
                    update={
                        "turns": [
                            t.model_copy(update={"expected_cite": [], "checks": []})
                            for t in p.turns
                        ]
                    }
                )
                for p in baseline.played
            ]
        }
    )
    gone = compare(baseline, blind, {"citation_correctness": 0.05})
    assert [d.metric for d in gone.regressions] == ["citation_correctness"]


def test_an_edited_scenario_is_left_out_of_the_comparison() -> None:
    baseline = load_report(BASELINE)
    edited = [baseline.played[0].model_copy(update={"digest": "0" * 16}), *baseline.played[1:]]
    comparison = compare(baseline, baseline.model_copy(update={"played": edited}), {})
    assert comparison.changed == [baseline.played[0].id]
    assert comparison.common == len(baseline.played) - 1


def test_cli_mistakes_are_one_line_errors_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "run", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["eval", "compare", str(tmp_path / "nope.json"), str(BASELINE)]) == 2
    assert "cannot read the report" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "run", str(DEFAULT), "--workers", "0"])
    (tmp_path / "suite.toml").write_text('[gate]\n"escalation.f2" = 0.1\n')
    assert main(["eval", "run", str(tmp_path)]) == 2
    assert "unknown metrics ['escalation.f2']" in capsys.readouterr().err


def test_a_journal_cut_mid_line_resumes_from_its_whole_lines(tmp_path: Path) -> None:
    from warmline.evals.suite.run import _resumed

    played = load_report(BASELINE).played[:3]
    journal = tmp_path / "played.jsonl"
    whole = "".join(p.model_dump_json() + "\n" for p in played[:2])
    journal.write_text('{"run_key": "k"}\n' + whole + played[2].model_dump_json()[:50])
    assert list(_resumed(journal, "k")) == [played[0].id, played[1].id]
    assert _resumed(journal, "another key") == {}


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_leak_is_reported_without_repeating_the_value(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """A value no recognizer knows leaks into the log; the report says where, not what."""
    secret = "Q7ZX-PLUM-4418"
    scenario = {
        "id": "leak",
        "tags": ["pii"],
        "turns": [{"say": f"my locker code is {secret}, how do i reset my password"}],
        "pii": [secret],
    }
    path = tmp_path / "leak.jsonl"
    path.write_text(json.dumps(scenario) + "\n")
    report = await run_suite(
        load_suite(path), eval_settings(tmp_path / "data", kb_snapshot), RunOptions(), None
    )
    [played] = report.played
    assert played.pii_leaked == 1 and "personal value #1 in conversation log" in played.pii_leaks
    assert report.metrics.pii_leak_rate == 1.0 and report.metrics.critical_failures == 1
    assert secret.lower() not in report.model_dump_json().lower()


async def test_the_words_after_a_handoff_are_read_past_the_mode_frame() -> None:
    """The customer's `mode` frame and the words telling them what happens next come in
    separate frames, in either order: the closure check waits for the words, so a run in
    which the mode frame came first is not scored "no word to the customer"."""
    frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
    frames.put_nowait(ServerFrame(type="mode", data={"mode": "queued"}))
    frames.put_nowait(ServerFrame(type="message", data={"role": "system", "text": "…"}))
    told = await _told_what_happens(frames, [])
    assert [frame.type for frame in told] == ["message"]
