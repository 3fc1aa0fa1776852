"""The configured company's name reaches the detectors: "sue Acme" is a threat to us only
when the bot speaks for Acme, and Lumen, the default, reads as it always has."""

import io
import json

import pytest

from warmline.config import Settings
from warmline.evals.analyze import Analyzer, analyse_lines, write
from warmline.guardrails.company import company_names
from warmline.guardrails.guard import Guard
from warmline.guardrails.inspection import inspect_message
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.signals import compute_signals


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
    assert company_names("Lumen Home") == r"(?:lumen\ home|lumen)"
    assert company_names("The Home Depot") == r"(?:the\ home\ depot)"
    assert compute_signals("so disappointed with A.B", company="A.B").frustration.fired()
    assert not compute_signals("so disappointed with AxB", company="A.B").frustration.fired()
    assert not compute_signals("so disappointed with the", company="").frustration.fired()


@pytest.fixture(scope="module")
def acme() -> tuple[Settings, Redactor]:
    settings = Settings(company_name="Acme")
    redactor = Redactor(
        settings.pii_entities, b"k" * 32, settings.pii_allow_patterns, settings.pii_company_patterns
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
    guard = Guard(redactor, settings.limits.max_message_chars, settings.company_name)
    asking = "is there an Acme agent available?"
    assert inspect_message(guard, asking, [], None, True).asks
    assert not inspect_message(Guard(redactor, 4_000), asking, [], None, True).asks
