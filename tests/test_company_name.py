"""The configured company's name reaches the detectors: "sue Acme" is a threat to us only
when the bot speaks for Acme, and Lumen, the default, reads as it always has."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warmline.agent.decision import EscalationDecision
from warmline.config import Settings
from warmline.evals.analyze import Analyzer, analyse_lines, write
from warmline.guardrails.company import company_forms
from warmline.guardrails.guard import Guard
from warmline.guardrails.inspection import inspect_message
from warmline.guardrails.redaction import PlaceholderBook, Redactor
from warmline.guardrails.signals import compute_signals
from warmline.handoff.summary import build_packet
from warmline.server.runtime import redactor_for


@pytest.mark.parametrize("company", ["Acme", "Acme Corp"])
def test_another_companys_name_is_us_to_every_detector(company: str) -> None:
    assert compute_signals("We are suing Acme", company=company).sensitive.topic == "legal_threat"
    assert compute_signals("I'm going to sue Acme", company=company).sensitive.topic == (
        "legal_threat"
    )
    assert compute_signals("I'll take Acme to court", company=company).sensitive.topic
    frustration = compute_signals("so disappointed with Acme", company=company).frustration
    assert frustration.fired() and "disappointed" in frustration.evidence
    assert compute_signals("I'm done with acme", company=company).frustration.fired()
    assert compute_signals("is there an Acme agent available?", company=company).human_request
    assert compute_signals(
        "is there an acme agent available?", company=company
    ).human_request.fired()
    assert compute_signals("stop my Acme Plus subscription", company=company).cancellation.fired()


def test_the_default_name_reads_as_before_and_is_no_longer_us_elsewhere() -> None:
    for company in ("Lumen Home", "Acme"):
        ours = company == "Lumen Home"
        assert compute_signals("We are suing Lumen", company=company).sensitive.topic == (
            "legal_threat" if ours else None
        )
        assert (
            compute_signals("so disappointed with Lumen", company=company).frustration.fired()
            == ours
        )
        assert (
            compute_signals(
                "is there a Lumen agent available?", company=company
            ).human_request.fired()
            == ours
        )
    assert compute_signals("so disappointed with Lumen").frustration.fired()


def test_a_name_is_matched_as_written_and_an_article_is_no_name() -> None:
    assert company_forms("Lumen Home") == ("lumen home", "lumen")
    assert company_forms("The Home Depot") == ("the home depot", "home depot")
    assert compute_signals("so disappointed with A.B", company="A.B").frustration.fired()
    assert not compute_signals("so disappointed with AxB", company="A.B").frustration.fired()
    assert not compute_signals("so disappointed with the", company="").frustration.fired()


@pytest.fixture(scope="module")
def acme() -> tuple[Settings, Redactor]:
    settings = Settings(company_name="Acme")
    redactor = Redactor(
        settings.pii_entities,
        b"k" * 32,
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
        company_name=settings.company_name,
    )
    return settings, redactor


def test_the_configured_name_reaches_the_analyze_command(acme: tuple[Settings, Redactor]) -> None:
    lines = [
        json.dumps({"text": "I will take Acme to court over the lamp"}),
        json.dumps({"text": "so disappointed with Acme", "history": ["my lamp flickers"]}),
    ]
    out, errors = io.StringIO(), io.StringIO()
    analyzer = Analyzer(*acme, None)
    assert write([analyse_lines(analyzer, list(enumerate(lines, start=1)))], out, errors) == (2, 0)
    legal, disappointed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert legal["signals"]["sensitive_topic"] == "legal_threat"
    assert disappointed["signals"]["evidence"]["frustration"] == ["disappointed"]


def test_the_configured_name_reaches_the_inspection_of_a_message(
    acme: tuple[Settings, Redactor],
) -> None:
    settings, redactor = acme
    asking = "is there an Acme agent available?"
    assert inspect_message(Guard(redactor, 4_000), asking, [], None, True).asks
    lumen = Redactor(settings.pii_entities, b"k" * 32)
    assert not inspect_message(Guard(lumen, 4_000), asking, [], None, True).asks


@pytest.mark.parametrize(
    ("company", "text"),
    [
        ("Yahoo!", "We are suing Yahoo!"),
        ("Yahoo!", "We are suing Yahoo"),
        ("C++", "We are suing C++ over it"),
        ("Acme, Inc.", "We are suing Acme."),
        ("Acme, Inc.", "We are suing Acme, Inc."),
    ],
)
def test_a_name_with_symbols_or_a_legal_form_is_heard_as_customers_write_it(
    company: str, text: str
) -> None:
    assert compute_signals(text, company=company).sensitive.topic == "legal_threat"


def test_a_leading_article_leaves_the_name_that_follows_it_ours() -> None:
    """ "a complaint against Home Depot" is about us when we are The Home Depot, not about
    someone named."""
    text = "I filed a complaint against Home Depot"
    assert compute_signals(text, company="The Home Depot").frustration.fired()
    assert not compute_signals(text, company="Acme").frustration.fired()


@pytest.mark.parametrize(
    ("company", "not_us", "us"),
    [
        (
            "American Airlines",
            "I'm disappointed with American Express",
            "I'm disappointed with American Airlines",
        ),
        (
            "Bank of America",
            "not satisfied with bank transfer times",
            "not satisfied with Bank of America",
        ),
        (
            "Home Depot",
            "done with home renovations, how do I mount the cam?",
            "done with Home Depot",
        ),
        (
            "Target",
            "done with target practice, how do I mount the cam on the shed?",
            "done with Target",
        ),
        (
            "Help Scout",
            "disappointed with help from my son, he set it up wrong",
            "disappointed with Help Scout",
        ),
        (
            "Best Buy",
            "I was cheated by best friends before, is this a real chat?",
            "I was cheated by Best Buy",
        ),
    ],
)
def test_a_common_word_of_the_name_alone_is_not_us_the_name_is(
    company: str, not_us: str, us: str
) -> None:
    """The first word of a name alone only when it is no English word ("Brightwave" for
    "Brightwave Energy"), a name that is one ("Target") only as written."""
    earlier = ["my cam is offline"]
    assert not compute_signals(not_us, earlier, company=company).frustration.fired()
    assert compute_signals(us, earlier, company=company).frustration.fired()


def test_an_uncommon_first_word_alone_is_us() -> None:
    text = "so disappointed with Brightwave"
    assert compute_signals(text, ["hi"], company="Brightwave Energy").frustration.fired()
    assert not compute_signals(text, ["hi"], company="Acme").frustration.fired()


@pytest.fixture(scope="module")
def zentrix(tmp_path_factory: pytest.TempPathFactory) -> Analyzer:
    settings = Settings(company_name="Zentrix", data_dir=tmp_path_factory.mktemp("zentrix"))
    return Analyzer(settings, redactor_for(settings), None)


def test_the_company_name_survives_redaction_and_reaches_the_detectors(
    zentrix: Analyzer,
) -> None:
    """The detectors read the redacted text: the deployment's redactor keeps the
    configured name in it, and still hides a person's."""
    lines = [
        json.dumps({"text": "Not satisfied with Zentrix at all", "history": ["my lamp"]}),
        json.dumps({"text": "We are suing Zentrix. Maria Lopez at your shop said so"}),
        json.dumps({"text": "Really unhappy with Zentrix right now", "history": ["hi lamp"]}),
    ]
    out, errors = io.StringIO(), io.StringIO()
    write([analyse_lines(zentrix, list(enumerate(lines, start=1)))], out, errors)
    unhappy, suing, now = [json.loads(line) for line in out.getvalue().splitlines()]
    assert unhappy["redacted"] == "Not satisfied with Zentrix at all"
    assert unhappy["signals"]["evidence"]["frustration"]
    assert suing["redacted"].startswith("We are suing Zentrix. <NAME_1>")
    assert "Maria" not in suing["redacted"] and "Lopez" not in suing["redacted"]
    assert suing["signals"]["sensitive_topic"] == "legal_threat"
    assert now["redacted"] == "Really unhappy with Zentrix right now"
    assert now["signals"]["evidence"]["frustration"]


def test_a_request_naming_the_company_is_heard_after_redaction(
    tmp_path: Path,
) -> None:
    settings = Settings(company_name="Brightwave Energy", data_dir=tmp_path)
    guard = Guard(redactor_for(settings), 4_000)
    inspection = inspect_message(guard, "I need a Brightwave representative", [], None, True)
    assert inspection.verdict.redaction is not None
    assert inspection.verdict.redaction.text == "I need a Brightwave representative"
    assert inspection.asks


def test_the_handoff_summary_reads_a_request_in_the_companys_name() -> None:
    """ "an Acme agent please" is the request for a person, not the issue, when the bot
    speaks for Acme."""
    turns = [("customer", "My lamp flickers every evening"), ("customer", "an Acme agent please")]
    messages = [
        {"role": role, "text": text, "seq": seq} for seq, (role, text) in enumerate(turns, 1)
    ]
    state = {"messages": messages, "sentiments": [], "articles_shown": []}
    packet = build_packet(
        "c_1",
        state,
        EscalationDecision(escalate=True),
        [],
        Settings().policy.queue.sla_minutes,
        now=datetime(2026, 1, 1, tzinfo=UTC),
        company="Acme",
    )
    assert packet.summary.customer_goal == "My lamp flickers every evening"


@pytest.fixture(scope="module")
def named_like_people() -> dict[str, Redactor]:
    settings = Settings()
    return {
        company: Redactor(
            settings.pii_entities,
            b"k" * 32,
            settings.pii_allow_patterns,
            settings.pii_company_patterns,
            company_name=company,
        )
        for company in ["Jordan Ltd", "The Ivy", "Ana Lopez GmbH", "Harvey Norman", "Lumen Home"]
    }


@pytest.mark.parametrize(
    ("company", "text", "name"),
    [
        ("Jordan Ltd", "Hi, my name is Jordan and my heater is broken", "Jordan"),
        ("Jordan Ltd", "My colleague Jordan ordered it, please ask Jordan", "Jordan"),
        ("Jordan Ltd", "Jordan's parcel never came, signed Jordan", "Jordan"),
        ("The Ivy", "Hi I'm Ivy and I booked a table", "Ivy"),
        ("Ana Lopez GmbH", "ana lopez here", "ana lopez"),
        ("Lumen Home", "Hi, my name is Lumen and I need help with my order", "Lumen"),
    ],
)
def test_a_customer_named_as_the_company_is_still_hidden(
    named_like_people: dict[str, Redactor], company: str, text: str, name: str
) -> None:
    """A name introduced in words is a person's whatever the company is called, and a
    shortened form of the company's name that is a listed given name or surname is no
    name of ours ("Jordan" of "Jordan Ltd")."""
    redacted = named_like_people[company].redact(text, PlaceholderBook()).text
    assert name not in redacted, redacted


@pytest.mark.parametrize(
    ("company", "text"),
    [
        ("Harvey Norman", "Harvey Norman's staff were rude"),
        ("Jordan Ltd", "I'm going to sue Jordan Ltd"),
        ("Lumen Home", "I'm done with Lumen's app"),
        ("Lumen Home", "Not satisfied with Lumen Home"),
    ],
)
def test_the_companys_name_and_its_possessive_stay_in_clear(
    named_like_people: dict[str, Redactor], company: str, text: str
) -> None:
    assert named_like_people[company].redact(text, PlaceholderBook()).text == text


def test_a_shortened_name_that_is_a_persons_is_not_the_company() -> None:
    assert company_forms("Jordan Ltd") == ("jordan ltd",)
    assert company_forms("The Ivy") == ("the ivy",)
    assert company_forms("Harvey Norman") == ("harvey norman",)
    assert company_forms("Noah") == ("noah",)
    assert "lumen" in company_forms("Lumen Home")
    text = "My colleague Jordan was so disappointed with Jordan"
    assert not compute_signals(text, ["hi"], company="Jordan Ltd").frustration.fired()
